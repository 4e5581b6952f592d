/// y = s * x + t elementwise, s and t of the sample's shape: an affine map with diagonal W = diag(s), |W| = diag(|s|).
/// IBP: mu' = s mu + t, r' = |s| r. What an imported graph's input normalisation ((x - mean) / std, ONNX Sub/Div/Mul/Add
/// by constants) and an unfolded inference BatchNormalization become (`ChainOp.elementwiseAffine`).
/// Trainable: s and t are parameters (`NAME/scale`, `NAME/shift`), with gradients like a linear layer's.
public final class ElementwiseAffine: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    /// s, shape `inputShape`.
    public let scale: Parameter
    /// t, shape `inputShape`.
    public let shift: Parameter
    public var parameters: [Parameter] { [scale, shift] }
    public var primitive: Primitive { .affine(self) }

    private var cachedInput: Flow?

    /// s = 1 and t = 0 until set.
    public init(shape: [Int], name: String) {
        inputShape = shape
        scale = Parameter(name: "\(name)/scale", value: Tensor(shape: shape, data: [Float](repeating: 1, count: shape.reduce(1, *))))
        shift = Parameter(name: "\(name)/shift", value: Tensor(zeros: shape))
    }

    private var size: Int { scale.value.count }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        if cache { cachedInput = input }
        return intervalImage(of: input)
    }

    /// Every row of `x` (n, shape): s * x + t, or |s| * x when `absolute` (t nil).
    static func map(_ x: Tensor, scale: [Float], shift: [Float]?, absolute: Bool) -> Tensor {
        let size = scale.count
        precondition(x.sampleSize == size, "elementwise map of \(size) values meets rows of \(x.sampleShape)")
        return Tensor(shape: x.shape) { y in
            x.data.withUnsafeBufferPointer { xp in
                scale.withUnsafeBufferPointer { s in
                    let xp = xp.baseAddress!, s = s.baseAddress!
                    Parallel.chunks(x.batch, minChunk: max(1, 16_384 / max(size, 1))) { rows in
                        for row in rows {
                            let from = xp + row * size, to = y + row * size
                            if let shift {
                                for i in 0..<size { to[i] = s[i] * from[i] + shift[i] }
                            } else if absolute {
                                for i in 0..<size { to[i] = abs(s[i]) * from[i] }
                            } else {
                                for i in 0..<size { to[i] = s[i] * from[i] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The interval image of the box [l, u] (shape (n, inputShape)): [s l + t, s u + t] where s > 0, the ends
    /// swapped where s < 0, [t, t] where s = 0. Exact for a diagonal map (each output reads one input), and in real
    /// arithmetic what CROWN's backward pass from the row s_i e_i gives when [l, u] are the input's CROWN bounds, so
    /// `CROWNMethod` takes it instead of a pass. Each end is one rounded s x + t, as the forward pass computes it.
    public func image(_ x: Interval) -> Interval {
        let size = self.size
        precondition(x.lower.sampleSize == size, "elementwise map of \(size) values meets rows of \(x.lower.sampleShape)")
        var lower = x.lower, upper = x.upper
        let s = scale.value.data, t = shift.value.data
        for row in 0..<x.lower.batch {
            for i in 0..<size {
                let q = row * size + i, l = x.lower.data[q], u = x.upper.data[q]
                if s[i] > 0 {
                    lower.data[q] = s[i] * l + t[i]; upper.data[q] = s[i] * u + t[i]
                } else if s[i] < 0 {
                    lower.data[q] = s[i] * u + t[i]; upper.data[q] = s[i] * l + t[i]
                } else {
                    lower.data[q] = t[i]; upper.data[q] = t[i]
                }
            }
        }
        return Interval(lower: lower, upper: upper)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        let input = Flow.cached(cachedInput, for: grad)
        let size = self.size
        if parameterGradients {
            // ds += sum_rows dY x (+ sign(s) dR' r for the radius rows); dt += sum_rows dY.
            for row in 0..<grad.values.batch {
                for i in 0..<size {
                    let g = grad.values.data[row * size + i]
                    scale.grad.data[i] += g * input.values.data[row * size + i]
                    shift.grad.data[i] += g
                }
            }
            if let dr = grad.radius, let r = input.radius {
                for row in 0..<dr.batch {
                    for i in 0..<size {
                        let s = scale.value.data[i]
                        let sign: Float = s > 0 ? 1 : (s < 0 ? -1 : 0)
                        scale.grad.data[i] += sign * dr.data[row * size + i] * r.data[row * size + i]
                    }
                }
            }
        }
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        // dx = s dY, dr = |s| dR'.
        return Flow(values: ElementwiseAffine.map(grad.values, scale: scale.value.data, shift: nil, absolute: false),
                    radius: grad.radius.map { ElementwiseAffine.map($0, scale: scale.value.data, shift: nil, absolute: true) })
    }
}

extension ElementwiseAffine: AffineMap {
    public var fanIn: Int { 1 }
    public var biasVector: [Float] { shift.value.data }

    public func apply(_ x: Tensor) -> Tensor {
        ElementwiseAffine.map(x, scale: scale.value.data, shift: shift.value.data, absolute: false)
    }

    public func applyAbsolute(_ r: Tensor) -> Tensor {
        ElementwiseAffine.map(r, scale: scale.value.data, shift: nil, absolute: true)
    }

    /// A diag(s) = rows of A scaled by s.
    public func applyTransposed(_ a: Tensor) -> Tensor {
        ElementwiseAffine.map(a, scale: scale.value.data, shift: nil, absolute: false).reshaped(sampleShape: inputShape)
    }

    /// Row j of diag(s): s_j at j, zero elsewhere.
    public func weightRows(_ outputs: Range<Int>) -> Tensor {
        var rows = Tensor(zeros: [outputs.count] + inputShape)
        for (row, j) in outputs.enumerated() { rows.data[row * size + j] = scale.value.data[j] }
        return rows
    }
}
