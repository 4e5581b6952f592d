/// A batch of float32 values in row-major (NCHW) order; the first axis is always the batch.
public struct Tensor: Equatable {
    public var shape: [Int]
    public var data: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        HeapTuning.applied
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
        self.shape = shape
        self.data = data
    }

    /// A tensor whose values `fill` writes, every one of them (no zeroing first).
    init(shape: [Int], fill: (UnsafeMutablePointer<Float>) -> Void) {
        HeapTuning.applied
        let count = shape.reduce(1, *)
        self.shape = shape
        self.data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { fill(buffer.baseAddress!) }
            initialized = count
        }
    }

    /// Two tensors of one shape whose values `fill` writes together, every one of them (no zeroing, and no copy of
    /// another tensor made only to be overwritten: a `var r = x.radius` then written in place was a full copy).
    static func pair(shape: [Int], fill: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
        -> (Tensor, Tensor) {
        var second = Tensor(shape: [0], data: [])
        let first = Tensor(shape: shape) { a in
            second = Tensor(shape: shape) { b in fill(a, b) }
        }
        return (first, second)
    }

    public var count: Int { data.count }
    public var batch: Int { shape[0] }
    /// The shape of one sample (without the batch axis).
    public var sampleShape: [Int] { Array(shape.dropFirst()) }
    /// Number of values in one sample.
    public var sampleSize: Int { shape.dropFirst().reduce(1, *) }

    /// Rows `range` of the batch, as a new tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        let n = sampleSize
        return Tensor(shape: [range.count] + sampleShape, data: Array(data[range.lowerBound * n ..< range.upperBound * n]))
    }

    /// The batch of `self` followed by the batch of `other` (same sample shape).
    public func stacked(with other: Tensor) -> Tensor {
        precondition(sampleShape == other.sampleShape, "cannot stack \(shape) with \(other.shape)")
        return Tensor(shape: [batch + other.batch] + sampleShape, data: data + other.data)
    }

    /// The same values seen with another sample shape (same size).
    public func reshaped(sampleShape newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == sampleSize, "cannot reshape \(sampleShape) to \(newShape)")
        return Tensor(shape: [batch] + newShape, data: data)
    }
}
