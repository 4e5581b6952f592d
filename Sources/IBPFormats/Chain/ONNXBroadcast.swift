/// ONNX multidirectional broadcasting (numpy's rule): shapes are aligned at their last axis, and along each axis
/// the sizes must be equal or one of them 1. Source: ONNX docs, "Broadcasting in ONNX".
enum ONNXBroadcast {
    /// The broadcast shape of `a` and `b`, or nil when they do not broadcast.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let x = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let y = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out[axis] = x == 1 ? y : x
        }
        return out
    }

    /// `values` of shape `dims` repeated to `target`, which must be `shape(dims, target)` (callers check), in
    /// row-major order.
    static func expand<T>(_ values: [T], dims: [Int], to target: [Int]) -> [T] {
        precondition(shape(dims, target) == target, "\(dims) does not broadcast to \(target)")
        let count = target.reduce(1, *)
        guard count > 0 else { return [] }
        // Source stride along each target axis (0 where the source has size 1 or lacks the axis).
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            let t = axis + target.count - dims.count
            strides[t] = dims[axis] == 1 ? 0 : step
            step *= dims[axis]
        }
        var out: [T] = []
        out.reserveCapacity(count)
        var index = [Int](repeating: 0, count: target.count)
        var source = 0
        for _ in 0..<count {
            out.append(values[source])
            // Advance the multi-index like an odometer, keeping `source` in step.
            var axis = target.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < target[axis] { break }
                source -= strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}
