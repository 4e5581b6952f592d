/// A named-free float32 array with a shape, as stored in checkpoint files (row-major, C order).
public struct NDArray: Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }
}

extension NDArray {
    /// The position of flat (row-major) index `index` as a subscript, e.g. `[0, 3]` for index 3 of a (2, 5) array.
    public func describe(index: Int) -> String {
        var rest = index
        var subscripts = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            subscripts[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "[" + subscripts.map(String.init).joined(separator: ", ") + "]"
    }
}
