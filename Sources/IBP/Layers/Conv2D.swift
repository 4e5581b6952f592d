/// 2-D convolution, weights (out, in, kh, kw), lowered to one GEMM per pass over the whole batch.
/// IBP: mu' = W * mu + b, r' = |W| * r.
public final class Conv2D: Layer {
    public let geometry: ConvGeometry
    public let outChannels: Int
    public let weight: Parameter
    public let bias: Parameter
    public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
    public var outputShape: [Int] { [outChannels, geometry.outHeight, geometry.outWidth] }
    public var parameters: [Parameter] { [weight, bias] }

    // Reused across steps: patch matrices of the last cached forward, |W|, and GEMM scratch.
    private var cols: [Float] = []
    private var radiusCols: [Float] = []
    // A forward without caching must not clobber what `backward` needs.
    private var uncachedCols: [Float] = []
    private var uncachedRadiusCols: [Float] = []
    private var absWeight: [Float] = []
    private var scratch: [Float] = []
    private var scratch2: [Float] = []
    private var cachedRows = (values: 0, radius: 0)

    public init(inputShape: [Int], outChannels: Int, kernel: Int, stride: Int, same: Bool, name: String) {
        precondition(inputShape.count == 3, "Conv2D needs a (C, H, W) input, got \(inputShape)")
        geometry = ConvGeometry(channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                                kernel: kernel, stride: stride, same: same)
        precondition(geometry.outHeight > 0 && geometry.outWidth > 0, "kernel \(kernel) too large for \(inputShape)")
        self.outChannels = outChannels
        weight = Parameter(name: "\(name)/W", value: Tensor(zeros: [outChannels, inputShape[0], kernel, kernel]))
        bias = Parameter(name: "\(name)/b", value: Tensor(zeros: [outChannels]))
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let g = geometry, K = g.patchSize, P = g.outPixels, O = outChannels
        let nv = input.values.batch
        var out = Tensor(zeros: [nv] + outputShape)
        var patches = cache ? cols : uncachedCols
        if cache { cols = [] } else { uncachedCols = [] }
        defer { if cache { cols = patches } else { uncachedCols = patches } }
        grow(&patches, K * nv * P)
        grow(&scratch, O * nv * P)
        input.values.data.withUnsafeBufferPointer { x in
            patches.withUnsafeMutableBufferPointer { c in
                im2col(x.baseAddress!, batch: nv, g, into: c.baseAddress!)
                weight.value.data.withUnsafeBufferPointer { w in
                    scratch.withUnsafeMutableBufferPointer { y in
                        gemm(m: O, n: nv * P, k: K, a: w.baseAddress!, lda: K, b: c.baseAddress!, ldb: nv * P,
                             c: y.baseAddress!, ldc: nv * P)
                        bias.value.data.withUnsafeBufferPointer { b in
                            out.data.withUnsafeMutableBufferPointer { o in
                                channelsToBatch(y.baseAddress!, batch: nv, channels: O, pixels: P,
                                                bias: b.baseAddress!, into: o.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        var radiusOut: Tensor?
        if let r = input.radius {
            let nr = r.batch
            absWeight = weight.value.data.map { abs($0) }
            var radiusPatches = cache ? radiusCols : uncachedRadiusCols
            if cache { radiusCols = [] } else { uncachedRadiusCols = [] }
            grow(&radiusPatches, K * nr * P)
            defer { if cache { radiusCols = radiusPatches } else { uncachedRadiusCols = radiusPatches } }
            var ro = Tensor(zeros: [nr] + outputShape)
            r.data.withUnsafeBufferPointer { x in
                radiusPatches.withUnsafeMutableBufferPointer { c in
                    im2col(x.baseAddress!, batch: nr, g, into: c.baseAddress!)
                    absWeight.withUnsafeBufferPointer { w in
                        scratch.withUnsafeMutableBufferPointer { y in
                            gemm(m: O, n: nr * P, k: K, a: w.baseAddress!, lda: K, b: c.baseAddress!, ldb: nr * P,
                                 c: y.baseAddress!, ldc: nr * P)
                            ro.data.withUnsafeMutableBufferPointer { o in
                                channelsToBatch(y.baseAddress!, batch: nr, channels: O, pixels: P, bias: nil,
                                                into: o.baseAddress!)
                            }
                        }
                    }
                }
            }
            radiusOut = ro
        }
        if cache { cachedRows = (nv, input.radius?.batch ?? 0) }
        return Flow(values: out, radius: radiusOut)
    }

    public func backward(_ grad: Flow, inputGradient: Bool) -> Flow {
        precondition(grad.values.batch == cachedRows.values && (grad.radius?.batch ?? 0) == cachedRows.radius,
                     "backward does not match the cached forward")
        // dW += dY cols^T; db += sum dY; dcols = W^T dY.
        let dValues = accumulate(grad.values, cols: cols, weights: weight.value.data, radius: false,
                                 inputGradient: inputGradient)
        // r' = |W| r: dW += sign(W) (dR' colsR^T); dcolsR = |W|^T dR'.
        let dRadius = grad.radius.map {
            accumulate($0, cols: radiusCols, weights: absWeight, radius: true, inputGradient: inputGradient)
        }
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        return Flow(values: dValues, radius: dRadius)
    }

    private func accumulate(_ dOut: Tensor, cols: [Float], weights: [Float], radius: Bool,
                            inputGradient: Bool) -> Tensor {
        let g = geometry, K = g.patchSize, P = g.outPixels, O = outChannels, n = dOut.batch, NP = n * P
        grow(&scratch, O * NP)
        grow(&scratch2, max(K * NP, O * K))
        var dInput = Tensor(zeros: [inputGradient ? n : 0] + inputShape)
        dOut.data.withUnsafeBufferPointer { d in
            scratch.withUnsafeMutableBufferPointer { dy in
                batchToChannels(d.baseAddress!, batch: n, channels: O, pixels: P, into: dy.baseAddress!)
                cols.withUnsafeBufferPointer { c in
                    scratch2.withUnsafeMutableBufferPointer { t in
                        if radius {
                            gemm(transB: true, m: O, n: K, k: NP, a: dy.baseAddress!, lda: NP, b: c.baseAddress!,
                                 ldb: NP, c: t.baseAddress!, ldc: K)
                            weight.value.data.withUnsafeBufferPointer { w in
                                weight.grad.data.withUnsafeMutableBufferPointer { gw in
                                    for i in 0..<(O * K) { gw[i] += w[i] > 0 ? t[i] : (w[i] < 0 ? -t[i] : 0) }
                                }
                            }
                        } else {
                            weight.grad.data.withUnsafeMutableBufferPointer { gw in
                                gemm(transB: true, m: O, n: K, k: NP, a: dy.baseAddress!, lda: NP, b: c.baseAddress!,
                                     ldb: NP, beta: 1, c: gw.baseAddress!, ldc: K)
                            }
                            bias.grad.data.withUnsafeMutableBufferPointer { gb in
                                for o in 0..<O {
                                    var s: Float = 0
                                    let row = dy.baseAddress! + o * NP
                                    for i in 0..<NP { s += row[i] }
                                    gb[o] += s
                                }
                            }
                        }
                        guard inputGradient else { return }
                        weights.withUnsafeBufferPointer { w in
                            gemm(transA: true, m: K, n: NP, k: O, a: w.baseAddress!, lda: K, b: dy.baseAddress!, ldb: NP,
                                 c: t.baseAddress!, ldc: NP)
                        }
                        dInput.data.withUnsafeMutableBufferPointer { dx in
                            col2im(t.baseAddress!, batch: n, g, into: dx.baseAddress!)
                        }
                    }
                }
            }
        }
        return dInput
    }
}

/// Makes `buffer` hold at least `count` values, keeping it when it is already large enough.
@inline(__always)
func grow(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}
