/// y_(c,i,j) = w_(i,j) * sum of x_c over window (i, j) (`PoolWindows`), w = 1 / kH kW when `countIncludePad` (the
/// padding counts as zeros) else 1 / (the window's positions inside the image): ONNX AveragePool with floor rounding
/// and its `count_include_pad`. An affine map with W >= 0 (so |W| = W) and no bias: IBP mu' = W mu, r' = W r.
/// The factor w is the float fl(1 / count) and each output is fl(fl(sum) * w), a dot product with weights w
/// (`weightRows`), which the sound method's rounding bound covers.
public final class AveragePool: Layer {
    public let windows: PoolWindows
    public let countIncludePad: Bool
    public var inputShape: [Int] { windows.inputShape }
    public var outputShape: [Int] { windows.outputShape }
    public var primitive: Primitive { .affine(self) }
    /// w per output pixel (i, j), the same for every channel.
    private let factors: [Float]

    public init(windows: PoolWindows, countIncludePad: Bool) {
        self.windows = windows
        self.countIncludePad = countIncludePad
        let g = windows.geometry
        factors = (0..<g.outPixels).map { p in
            let w = windows.window(p / g.outWidth, p % g.outWidth)
            let count = countIncludePad ? g.kernelPixels : (w.y1 - w.y0) * (w.x1 - w.x0)
            return 1 / Float(count)
        }
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        intervalImage(of: input)
    }

    /// Linear in x, so the gradient of every row is the transposed map (`applyTransposed`); no parameters.
    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        return Flow(values: applyTransposed(grad.values), radius: grad.radius.map(applyTransposed))
    }
}

extension AveragePool: AffineMap {
    public var fanIn: Int { windows.geometry.kernelPixels }
    public var biasVector: [Float] { [Float](repeating: 0, count: windows.outputSize) }

    public func apply(_ x: Tensor) -> Tensor {
        precondition(x.sampleSize == windows.inputSize, "average pooling of \(inputShape) meets rows of \(x.sampleShape)")
        let g = windows.geometry, outW = g.outWidth
        return Tensor(shape: [x.batch] + outputShape) { y in
            x.data.withUnsafeBufferPointer { xp in
                factors.withUnsafeBufferPointer { f in
                    let xp = xp.baseAddress!, f = f.baseAddress!
                    windows.forEachPlane(batch: x.batch) { plane in
                        let from = xp + plane * g.inPixels, to = y + plane * g.outPixels
                        for i in 0..<g.outHeight {
                            for j in 0..<outW {
                                let w = windows.window(i, j)
                                var sum: Float = 0
                                for r in w.y0..<w.y1 {
                                    let row = from + r * g.width
                                    for c in w.x0..<w.x1 { sum += row[c] }
                                }
                                to[i * outW + j] = sum * f[i * outW + j]
                            }
                        }
                    }
                }
            }
        }
    }

    /// W >= 0, so |W| r = W r.
    public func applyAbsolute(_ r: Tensor) -> Tensor { apply(r) }

    /// A W: each row's value at output (c, i, j), times w_(i,j), added to every input position of window (i, j).
    public func applyTransposed(_ a: Tensor) -> Tensor {
        precondition(a.sampleSize == windows.outputSize, "rows of \(a.sampleShape) do not match \(outputShape)")
        let g = windows.geometry, outW = g.outWidth
        var dx = Tensor(zeros: [a.batch] + inputShape)
        a.data.withUnsafeBufferPointer { ap in
            dx.data.withUnsafeMutableBufferPointer { dp in
                factors.withUnsafeBufferPointer { f in
                    let ap = ap.baseAddress!, dp = dp.baseAddress!, f = f.baseAddress!
                    windows.forEachPlane(batch: a.batch) { plane in
                        let from = ap + plane * g.outPixels, to = dp + plane * g.inPixels
                        for i in 0..<g.outHeight {
                            for j in 0..<outW {
                                let w = windows.window(i, j), v = from[i * outW + j] * f[i * outW + j]
                                for r in w.y0..<w.y1 {
                                    let row = to + r * g.width
                                    for c in w.x0..<w.x1 { row[c] += v }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Row (c, i, j) of W: w_(i,j) on channel c's window (i, j), zero elsewhere.
    public func weightRows(_ outputs: Range<Int>) -> Tensor {
        let g = windows.geometry
        var rows = Tensor(zeros: [outputs.count] + inputShape)
        for (row, q) in outputs.enumerated() {
            let c = q / g.outPixels, p = q % g.outPixels, w = windows.window(p / g.outWidth, p % g.outWidth)
            for r in w.y0..<w.y1 {
                for x in w.x0..<w.x1 { rows.data[row * windows.inputSize + c * g.inPixels + r * g.width + x] = factors[p] }
            }
        }
        return rows
    }
}
