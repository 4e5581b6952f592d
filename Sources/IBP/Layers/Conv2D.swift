/// 2-D convolution y = W * x + b, weights (out, in, kH, kW) (`ConvGeometry`). IBP: mu' = W * mu + b, r' = |W| * r.
/// The batch is cut into slices whose patch matrix fits in a core's cache; each worker lowers its slices with
/// im2col and runs one GEMM per slice. The backward pass lowers the cached input again (as im2row, patches as rows,
/// for the weight gradient's GEMM) rather than keeping a whole-batch patch matrix: re-lowering in cache costs less
/// than writing and re-reading it through memory.
public final class Conv2D: Layer {
    public let geometry: ConvGeometry
    public let outChannels: Int
    public let weight: Parameter
    public let bias: Parameter
    public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
    public var outputShape: [Int] { [outChannels, geometry.outHeight, geometry.outWidth] }
    public var parameters: [Parameter] { [weight, bias] }

    private var cachedInput: Flow?
    private(set) var absWeight: [Float] = []
    private let workspace = Workspace()

    /// A square kernel with TensorFlow's VALID or SAME padding (the project's architectures).
    public convenience init(inputShape: [Int], outChannels: Int, kernel: Int, stride: Int, same: Bool, name: String) {
        precondition(inputShape.count == 3, "Conv2D needs a (C, H, W) input, got \(inputShape)")
        self.init(geometry: ConvGeometry(channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                                         kernel: kernel, stride: stride, same: same),
                  outChannels: outChannels, name: name)
    }

    /// Any geometry (rectangular kernels, per-axis strides, explicit pads: an imported ONNX Conv); weights
    /// (out, in, kH, kW) and bias zero until set.
    public init(geometry: ConvGeometry, outChannels: Int, name: String) {
        precondition(geometry.outHeight > 0 && geometry.outWidth > 0 && geometry.padTop >= 0 && geometry.padLeft >= 0,
                     "\(geometry.summary) does not fit a \(geometry.height)x\(geometry.width) input")
        self.geometry = geometry
        self.outChannels = outChannels
        weight = Parameter(name: "\(name)/W", value: Tensor(zeros: [outChannels, geometry.channels, geometry.kernelHeight,
                                                                   geometry.kernelWidth]))
        bias = Parameter(name: "\(name)/b", value: Tensor(zeros: [outChannels]))
    }

    /// Patch-matrix floats one slice may hold: 64 Ki floats (256 KiB) leave room in a 1 MiB L2 for the
    /// GEMM's output and packed panels.
    static let sliceFloats = 1 << 16

    /// Images per slice: as many as fit `sliceFloats`, at least one.
    private var sliceImages: Int { max(1, Conv2D.sliceFloats / (geometry.patchSize * geometry.outPixels)) }

    /// Runs `body(chunk, images)` over the batch's slices, grouped into `chunks(batch:)` contiguous chunks.
    /// The worker pool hands chunks to whichever core is free, so a core slowed by another process does not hold
    /// the layer up; each chunk has its own scratch (and dW partial, summed in chunk order, so results never
    /// depend on timing).
    private func forEachSlice(batch n: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let size = sliceImages, slices = (n + size - 1) / size
        Parallel.parts(chunks) { c in
            for s in (slices * c / chunks)..<(slices * (c + 1) / chunks) {
                body(c, s * size..<min(n, (s + 1) * size))
            }
        }
    }

    /// Eight chunks (Parallel.workers is at most 8) balance the load without many dW partials to add up; the
    /// count does not depend on the worker count, so gradients are the same bits for any number of cores.
    private func chunks(batch n: Int) -> Int {
        min(8, (n + sliceImages - 1) / sliceImages)
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        guard cache else { return intervalImage(of: input) }
        // A training step keeps |W| for its backward pass (the radius' gradient), in a buffer it reuses.
        cachedInput = input
        return Flow(values: apply(input.values), radius: input.radius.map { r in
            WeightOps.absolute(weight.value.data, into: &absWeight)
            return convolve(r, weights: absWeight, bias: nil)
        })
    }

    /// y = W * x (+ b) per image, slice by slice: cols = im2col(x), Y = W cols (O x S*P), then to (S, O, P).
    func convolve(_ x: Tensor, weights: [Float], bias: [Float]?) -> Tensor {
        let g = geometry, K = g.patchSize, P = g.outPixels, O = outChannels, n = x.batch
        let S = sliceImages, chunks = chunks(batch: n), perChunk = (K + O) * S * P
        return workspace.withBuffer(chunks * perChunk) { buffer in Tensor(shape: [n] + outputShape) { out in
            x.data.withUnsafeBufferPointer { xp in
                weights.withUnsafeBufferPointer { w in
                    forEachSlice(batch: n, chunks: chunks) { chunk, images in
                        let cols = buffer + chunk * perChunk, y = cols + K * S * P, m = images.count
                        im2col(xp.baseAddress! + images.lowerBound * g.channels * g.inPixels, batch: m, g, into: cols)
                        gemm(m: O, n: m * P, k: K, a: w.baseAddress!, lda: K, b: cols, ldb: m * P, c: y, ldc: m * P,
                             parallel: false)
                        let o = out + images.lowerBound * O * P
                        if let bias {
                            bias.withUnsafeBufferPointer { channelsToBatch(y, batch: m, channels: O, pixels: P,
                                                                           bias: $0.baseAddress!, into: o) }
                        } else {
                            channelsToBatch(y, batch: m, channels: O, pixels: P, bias: nil, into: o)
                        }
                    }
                }
            }
        } }
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        let input = Flow.cached(cachedInput, for: grad)
        // dW += dY rows (rows = cols^T, the patches one per row); db += sum dY; dcols = W^T dY.
        let dValues = accumulate(grad.values, input: input.values, weights: weight.value.data, radius: false,
                                 inputGradient: inputGradient, parameterGradients: parameterGradients)
        // r' = |W| r: dW += sign(W) (dR' colsR^T); dcolsR = |W|^T dR'.
        let dRadius = grad.radius.map {
            accumulate($0, input: input.radius!, weights: absWeight, radius: true, inputGradient: inputGradient,
                       parameterGradients: parameterGradients)
        }
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        return Flow(values: dValues, radius: dRadius)
    }

    /// Accumulates the weight (and, for the nominal/centre rows, bias) gradient of one pass, if asked, and returns
    /// the input gradient. Each chunk sums its slices' dW into a private block; the blocks are added in chunk
    /// order afterwards.
    /// `biasGradient` false leaves the bias gradient alone (CROWN-IBP training weights it per row itself).
    func accumulate(_ dOut: Tensor, input x: Tensor, weights: [Float], radius: Bool,
                            inputGradient: Bool, parameterGradients: Bool, biasGradient: Bool = true) -> Tensor {
        let g = geometry, K = g.patchSize, P = g.outPixels, O = outChannels
        let perChunk = (K + O) * sliceImages * P + O * K + O
        return workspace.withBuffer(chunks(batch: dOut.batch) * perChunk) { buffer in
            accumulate(dOut, input: x, weights: weights, radius: radius, inputGradient: inputGradient,
                       parameterGradients: parameterGradients, biasGradient: biasGradient, buffer: buffer)
        }
    }

    /// `accumulate` in `buffer` (chunks x perChunk floats).
    private func accumulate(_ dOut: Tensor, input x: Tensor, weights: [Float], radius: Bool, inputGradient: Bool,
                            parameterGradients: Bool, biasGradient: Bool, buffer: UnsafeMutablePointer<Float>)
        -> Tensor {
        let g = geometry, K = g.patchSize, P = g.outPixels, O = outChannels, n = dOut.batch
        let S = sliceImages, chunks = chunks(batch: n)
        let perChunk = (K + O) * S * P + O * K + O
        // Without an input gradient the tensor is empty and `fill` never runs, so the work goes through `lower`.
        func lower(into dx: UnsafeMutablePointer<Float>?) {
            dOut.data.withUnsafeBufferPointer { d in
                x.data.withUnsafeBufferPointer { xp in
                    weights.withUnsafeBufferPointer { w in
                        for chunk in 0..<chunks {
                            (buffer + chunk * perChunk + (K + O) * S * P).update(repeating: 0, count: O * K + O)
                        }
                        forEachSlice(batch: n, chunks: chunks) { chunk, images in
                            let cols = buffer + chunk * perChunk, dy = cols + K * S * P
                            let dW = dy + O * S * P, dB = dW + O * K, m = images.count, mP = m * P
                            batchToChannels(d.baseAddress! + images.lowerBound * O * P, batch: m, channels: O,
                                            pixels: P, into: dy)
                            if parameterGradients {
                                im2row(xp.baseAddress! + images.lowerBound * g.channels * g.inPixels, batch: m, g,
                                       into: cols)
                                gemm(m: O, n: K, k: mP, a: dy, lda: mP, b: cols, ldb: K, beta: 1, c: dW, ldc: K,
                                     parallel: false)
                                if !radius && biasGradient {
                                    for o in 0..<O { dB[o] += sum(dy + o * mP, count: mP) }
                                }
                            }
                            guard let dx else { return }
                            gemm(transA: true, m: K, n: mP, k: O, a: w.baseAddress!, lda: K, b: dy, ldb: mP,
                                 c: cols, ldc: mP, parallel: false)
                            col2im(cols, batch: m, g, into: dx + images.lowerBound * g.channels * g.inPixels)
                        }
                    }
                }
            }
        }
        let dInput: Tensor
        if inputGradient {
            dInput = Tensor(shape: [n] + inputShape) { lower(into: $0) }
        } else {
            lower(into: nil)
            dInput = Tensor(zeros: [0] + inputShape)
        }
        guard parameterGradients else { return dInput }
        weight.value.data.withUnsafeBufferPointer { w in
            weight.grad.data.withUnsafeMutableBufferPointer { gw in
                bias.grad.data.withUnsafeMutableBufferPointer { gb in
                    for chunk in 0..<chunks {
                        let dW = buffer + chunk * perChunk + (K + O) * S * P, dB = dW + O * K
                        if radius {
                            WeightOps.accumulateSigned(dW, weights: w.baseAddress!, into: gw.baseAddress!,
                                                       count: O * K)
                        } else {
                            for i in 0..<(O * K) { gw[i] += dW[i] }
                            if biasGradient { for o in 0..<O { gb[o] += dB[o] } }
                        }
                    }
                }
            }
        }
        return dInput
    }
}

/// x[0] + ... + x[count - 1] in 16 interleaved partial sums (a single running sum is one dependent add per
/// element); the order is fixed, so the result is the same bits on every run.
@inline(__always)
func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD16<Float>()
    var i = 0
    while i &+ 16 <= count {
        partial += load16(x + i)
        i &+= 16
    }
    var total = partial.sum()
    while i < count {
        total += x[i]
        i &+= 1
    }
    return total
}

/// Makes `buffer` hold at least `count` values, keeping it when it is already large enough.
@inline(__always)
func grow(_ buffer: inout [Float], _ count: Int) {
    if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
}

extension Conv2D: AffineMap {
    public var primitive: Primitive { .affine(self) }
    public var fanIn: Int { geometry.patchSize }

    /// The bias repeated over each channel's output pixels.
    public var biasVector: [Float] {
        bias.value.data.flatMap { [Float](repeating: $0, count: geometry.outPixels) }
    }

    public func apply(_ x: Tensor) -> Tensor {
        convolve(x, weights: weight.value.data, bias: bias.value.data)
    }

    /// |W| r. Reads the layer and writes nothing in it, so bound methods may call it from several threads at once
    /// (`CROWNMethod.chunkedVerdict` bounds a chunk per core); |W| is formed per call.
    public func applyAbsolute(_ r: Tensor) -> Tensor {
        convolve(r, weights: WeightOps.absolute(weight.value.data), bias: nil)
    }

    /// A W: the convolution's input gradient for "output gradients" A (W^T A per image, then col2im).
    public func applyTransposed(_ a: Tensor) -> Tensor {
        precondition(a.sampleShape == outputShape, "rows of \(a.sampleShape) do not match \(outputShape)")
        return accumulate(a, input: Tensor(zeros: [0] + inputShape), weights: weight.value.data, radius: false,
                          inputGradient: true, parameterGradients: false)
    }

    /// Row (o, oy, ox) of W is kernel o placed at the patch's top-left corner (oy sH - padTop, ox sW - padLeft),
    /// cut where the patch reads padding.
    public func weightRows(_ outputs: Range<Int>) -> Tensor {
        let g = geometry, P = g.outPixels, kh = g.kernelHeight, kw = g.kernelWidth
        var rows = Tensor(zeros: [outputs.count] + inputShape)
        let w = weight.value.data
        for (row, q) in outputs.enumerated() {
            let o = q / P, oy = (q % P) / g.outWidth, ox = q % g.outWidth
            let base = row * g.channels * g.inPixels
            for c in 0..<g.channels {
                for ky in 0..<kh {
                    let iy = oy * g.strideH - g.padTop + ky
                    guard iy >= 0 && iy < g.height else { continue }
                    for kx in 0..<kw {
                        let ix = ox * g.strideW - g.padLeft + kx
                        guard ix >= 0 && ix < g.width else { continue }
                        rows.data[base + c * g.inPixels + iy * g.width + ix] = w[((o * g.channels + c) * kh + ky) * kw + kx]
                    }
                }
            }
        }
        return rows
    }
}
