import CKernels

/// CROWN's backward pass (A <- A W, c += A b; relaxation steps; A mu + c + |A| r at the box) with up to 16 rows of
/// one sample held as SIMD lanes: the rows' coefficients of neuron j are one 16-float vector A[j], neurons in the
/// stage's order. A step then visits only the neurons whose coefficients can be non-zero:
///
/// - a relaxation whose four lines are all zero at neuron j (ReLU stably inactive, u <= 0) maps A[j] to 0 and adds
///   nothing to c, so the affine step above it does not compute A[j] at all (`dead`);
/// - an affine step reads only the neurons with some non-zero lane (`live`): a zero A[o] adds 0 to every input
///   and 0 b_o to c.
///
/// So a network's stably inactive neurons cost nothing: on an IBP-trained `small` most ReLU neurons are dead at
/// eps 0.1. The terms left out are exact zeros in real arithmetic; the sums of the others run in another order than
/// the dense rows' GEMMs (`LaneRowsTests` checks the two against each other within 1e-5 of the rows' magnitude).
/// A non-finite coefficient never counts as zero, so it still reaches the bound (0 * inf = NaN is not manufactured
/// for a dead neuron, whose real contribution is exactly 0).
///
/// Used for the chains whose affine maps are all `Linear` or `Conv2D` (with any strides and pads); others keep the
/// dense rows (`CROWNMethod.upperBounds`).
struct LaneRows {
    static let lanes = 16

    private enum Step {
        /// Linear O -> I transposed: weightT[i * O + o] = W[o, i].
        case linear(weightT: [Float], bias: [Float], inputs: Int, outputs: Int)
        /// Conv2D transposed: taps[tap * O + o] = W[o, tap], tap = (c, ky, kx) row-major; one bias per channel;
        /// the weights W (O x taps) as the layer holds them, for `convolutionGEMM`.
        case conv(taps: [Float], weights: [Float], bias: [Float], geometry: ConvGeometry, outChannels: Int)
        case monotone
        case reshape
    }

    private let steps: [Step]
    /// Whether a convolution whose inputs are mostly dead is computed per live input (`convolutionGather`); off,
    /// always by the scatter (`convolution`, the reference the gather is tested against).
    var gather = true
    /// sizes[t]: values of layer t's input (sizes[top + 1]: its output, the rows' width).
    private let sizes: [Int]
    private let top: Int
    /// Whether every affine step is a convolution `convolutionGEMM` takes (unpadded), with at least one: then the
    /// pass runs at the GEMMs' rate whatever the share of dead neurons.
    var allConvolutionsByGEMM: Bool {
        var any = false
        for step in steps {
            switch step {
            case .linear: return false
            case let .conv(_, _, _, g, _): if !g.isUnpadded { return false }; any = true
            case .monotone, .reshape: continue
            }
        }
        return any && convolutionByGEMM
    }

    /// Floats of the patch block `convolutionGEMM` writes (the largest over the convolutions it takes).
    private let patchFloats: Int
    /// Whether an unpadded convolution whose rows are mostly live is computed as one GEMM and col2im per group
    /// (`convolutionGEMM`); off, by the scatter (`convolution`, the reference it is tested against).
    var convolutionByGEMM = true

    /// The pass from the output of layer `top` back to the input, or nil when a layer of 0...top is neither
    /// `Linear`, `Conv2D`, monotone nor a reshape (then the dense rows are used).
    init?(_ layers: [Layer], top: Int) {
        var steps = [Step]()
        var sizes = [Int]()
        for layer in layers.prefix(top + 1) {
            sizes.append(layer.inputShape.reduce(1, *))
            switch layer.primitive {
            case let .affine(map):
                if let linear = map as? Linear {
                    let O = linear.outFeatures, I = linear.inFeatures
                    var t = [Float](repeating: 0, count: O * I)
                    linear.weight.value.data.withUnsafeBufferPointer { w in
                        for o in 0..<O { for i in 0..<I { t[i * O + o] = w[o * I + i] } }
                    }
                    steps.append(.linear(weightT: t, bias: linear.biasVector, inputs: I, outputs: O))
                } else if let conv = map as? Conv2D {
                    let O = conv.outChannels, K = conv.geometry.patchSize
                    var t = [Float](repeating: 0, count: O * K)
                    conv.weight.value.data.withUnsafeBufferPointer { w in
                        for o in 0..<O { for k in 0..<K { t[k * O + o] = w[o * K + k] } }
                    }
                    steps.append(.conv(taps: t, weights: conv.weight.value.data, bias: conv.bias.value.data,
                                       geometry: conv.geometry, outChannels: O))
                } else {
                    return nil
                }
            case .monotone:
                steps.append(.monotone)
            case .reshape:
                steps.append(.reshape)
            case .maxPool:
                return nil
            }
        }
        guard top >= 0 else { return nil }
        sizes.append(layers[top].outputShape.reduce(1, *))
        patchFloats = steps.map { step in
            guard case let .conv(_, _, _, g, O) = step, g.isUnpadded, O > LaneTransposedConvolution.directChannels
            else { return 0 }
            return LaneTransposedConvolution.patchFloats(g, columns: g.outPixels * LaneRows.lanes)
        }.max() ?? 0
        self.steps = steps
        self.sizes = sizes
        self.top = top
    }

    /// Upper bounds of rows A z + c, A (m, shape of layer top's output), row i of sample samples.lowerBound +
    /// i / rowsPerSample: the contract of `CROWNMethod.upperBounds`. Each sample's rows go in groups of 16 lanes,
    /// groups handed to free cores with scratch of their own. `shared`: `rows` and `bias` hold the k rows of one
    /// sample, the same for every sample of `samples` (a layer's own rows, `CROWNMethod.neuronBounds`): they are
    /// put into lanes once instead of once per sample, and the first relaxation reads them from there.
    func upperBounds(_ rows: Tensor, bias: [Float], rowsPerSample k: Int, samples: Range<Int>,
                     relaxations: [Int: Relaxations], box: IntervalBounds, shared: Bool = false) -> [Float] {
        let L = LaneRows.lanes, width = sizes[top + 1]
        let expected = shared ? k : samples.count * k
        precondition(rows.sampleSize == width && rows.batch == expected && bias.count == expected,
                     "rows of \(rows.sampleShape) do not match the pass's \(width) values")
        let groups = (k + L - 1) / L, units = samples.count * groups
        let widest = sizes.max()!
        var up = [Float](repeating: 0, count: samples.count * k)
        let parts = min(units, Parallel.workers * 4)
        // The shared rows of every group in lanes (unused lanes zero).
        var sharedLanes = [Float]()
        if shared {
            sharedLanes = [Float](repeating: 0, count: groups * width * L)
            rows.data.withUnsafeBufferPointer { rp in
                sharedLanes.withUnsafeMutableBufferPointer { lp in
                    for group in 0..<groups {
                        let first = group * L
                        LaneRows.intoLanes(rp.baseAddress! + first * width, count: min(L, k - first), width: width,
                                           into: lp.baseAddress! + group * width * L)
                    }
                }
            }
        }
        rows.data.withUnsafeBufferPointer { rp in
            sharedLanes.withUnsafeBufferPointer { lp in
                up.withUnsafeMutableBufferPointer { upp in
                    let rp = rp.baseAddress!, upp = upp.baseAddress!
                    Parallel.parts(parts) { part in
                        let scratch = Scratch(widest: widest, patchFloats: patchFloats)
                        defer { scratch.deallocate() }
                        for unit in (units * part / parts)..<(units * (part + 1) / parts) {
                            let s = unit / groups, group = unit % groups, first = group * L, count = min(L, k - first)
                            let rowOffset = shared ? first : s * k + first
                            var c = SIMD16<Float>()
                            for l in 0..<count { c[l] = bias[rowOffset + l] }
                            let source: UnsafePointer<Float>
                            if shared {
                                source = lp.baseAddress! + group * width * L
                            } else {
                                scratch.a.update(repeating: 0, count: width * L)
                                LaneRows.intoLanes(rp + rowOffset * width, count: count, width: width, into: scratch.a)
                                source = UnsafePointer(scratch.a)
                            }
                            let result = pass(scratch, source: source, c: c, sample: samples.lowerBound + s,
                                              relaxations: relaxations, box: box)
                            for l in 0..<count { upp[s * k + first + l] = result[l] }
                        }
                    }
                }
            }
        }
        return up
    }

    /// a[j 16 + l] = rows[l width + j] for the `count` rows (the other lanes are left as they are).
    private static func intoLanes(_ rows: UnsafePointer<Float>, count: Int, width: Int,
                                  into a: UnsafeMutablePointer<Float>) {
        if LaneTransposedConvolution.col2imAVX2 {
            return ckernels_transpose_avx2(rows, width, a, lanes, count, width)
        }
        for l in 0..<count {
            for j in 0..<width { a[j &* lanes &+ l] = rows[l &* width &+ j] }
        }
    }

    /// Steps layers top...0 on the lanes in `scratch.a`, then the box: the 16 rows' upper bounds.
    /// The lanes start at `source` (`scratch.a`, or shared lanes that are only read: the first step that is not a
    /// reshape reads them from there, a relaxation writing its result into `scratch.a`).
    private func pass(_ scratch: Scratch, source: UnsafePointer<Float>, c start: SIMD16<Float>, sample: Int,
                      relaxations: [Int: Relaxations], box: IntervalBounds) -> SIMD16<Float> {
        var a = scratch.a, b = scratch.b, c = start
        var first = top
        if source != UnsafePointer(a) {
            while first >= 0, case .reshape = steps[first] { first -= 1 }
            if first >= 0, case .monotone = steps[first] {
                relaxations[first]!.withLines(sample: sample) {
                    LaneRows.relax(from: source, into: a, count: sizes[first], lines: $0, c: &c)
                }
                first -= 1
            } else {
                a.update(from: source, count: sizes[first + 1] * LaneRows.lanes)
            }
        }
        for t in stride(from: first, through: 0, by: -1) {
            switch steps[t] {
            case .reshape:
                break
            case .monotone:
                relaxations[t]!.withLines(sample: sample) { LaneRows.relax(a, count: sizes[t], lines: $0, c: &c) }
            case let .linear(weightT, bias, inputs, outputs):
                func step(_ dead: Lines?) {
                    weightT.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { bp in
                            LaneRows.linear(a, into: b, weightT: w.baseAddress!, bias: bp.baseAddress!,
                                            inputs: inputs, outputs: outputs, dead: dead, scratch: scratch, c: &c)
                        }
                    }
                }
                if let below = monotoneBelow(t), let r = relaxations[below] {
                    r.withLines(sample: sample) { step($0) }
                } else {
                    step(nil)
                }
                swap(&a, &b)
            case let .conv(taps, weights, bias, geometry, outChannels):
                func step(_ dead: Lines?) {
                    taps.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { bp in
                            if let dead, gather, LaneRows.gatherPays(dead: dead, inputs: sizes[t]) {
                                LaneRows.convolutionGather(a, into: b, taps: w.baseAddress!, bias: bp.baseAddress!,
                                                           geometry, outChannels: outChannels, dead: dead,
                                                           scratch: scratch, c: &c)
                            } else if convolutionByGEMM, geometry.isUnpadded,
                                      LaneRows.gemmPays(a, vectors: outChannels * geometry.outPixels) {
                                weights.withUnsafeBufferPointer { wp in
                                    LaneRows.convolutionGEMM(a, into: b, weights: wp.baseAddress!,
                                                             bias: bp.baseAddress!, geometry, outChannels: outChannels,
                                                             scratch: scratch, c: &c)
                                }
                            } else {
                                LaneRows.convolution(a, into: b, taps: w.baseAddress!, bias: bp.baseAddress!,
                                                     geometry, outChannels: outChannels, scratch: scratch, c: &c)
                            }
                        }
                    }
                }
                if let below = monotoneBelow(t), let r = relaxations[below] {
                    r.withLines(sample: sample) { step($0) }
                } else {
                    step(nil)
                }
                swap(&a, &b)
            }
        }
        let d = sizes[0]
        return box.centre.data.withUnsafeBufferPointer { mu in
            box.radius.data.withUnsafeBufferPointer { rad in
                LaneRows.boxBound(a, count: d, centre: mu.baseAddress! + sample * d,
                                  radius: rad.baseAddress! + sample * d, c: c)
            }
        }
    }

    /// The 16 rows' upper bounds over the box [mu - r, mu + r] of the `count` inputs: c + A mu + |A| r, the sums in
    /// blocks of 64 inputs, then over blocks (as `relax`).
    static func boxBound(_ a: UnsafePointer<Float>, count d: Int, centre mu: UnsafePointer<Float>,
                         radius rad: UnsafePointer<Float>, c: SIMD16<Float>) -> SIMD16<Float> {
        var centreTerm = SIMD16<Float>(), radiusTerm = SIMD16<Float>()
        var block = 0
        while block < d {
            var centreBlock = SIMD16<Float>(), radiusBlock = SIMD16<Float>()
            for j in block..<min(d, block + 64) {
                let v = load16(a + j * LaneRows.lanes)
                centreBlock += v * mu[j]
                radiusBlock += v.replacing(with: -v, where: v .< 0) * rad[j]
            }
            centreTerm += centreBlock
            radiusTerm += radiusBlock
            block += 64
        }
        return c + centreTerm + radiusTerm
    }

    /// The share of the neurons of the monotone layers 0...top, over the batch, that are dead (all four lines zero).
    /// The lanes pay off only when it is large: on live neurons their kernels are about half as fast as the
    /// GEMMs (ibp-bench's randomly initialised `small`: CROWN-IBP 697 -> 338 img/s on lanes), on an IBP-trained
    /// `small` they are twice as fast (`CROWNMethod.minimumDeadShare`).
    static func deadShare(_ layers: [Layer], top: Int, relaxations: [Int: Relaxations]) -> Double {
        var dead = 0, total = 0
        for t in 0...max(0, min(top, layers.count - 1)) {
            guard case .monotone = layers[t].primitive, let r = relaxations[t] else { continue }
            // Over the batch's neurons (`Lines.isDead` for each, counted when the lines were made).
            dead += r.deadCount
            total += r.upperSlope.count
        }
        return total == 0 ? 0 : Double(dead) / Double(total)
    }

    /// The first non-reshape layer below layer t when it is monotone: its relaxation decides which of layer t's
    /// inputs are dead.
    private func monotoneBelow(_ t: Int) -> Int? {
        var below = t - 1
        while below >= 0, case .reshape = steps[below] { below -= 1 }
        guard below >= 0, case .monotone = steps[below] else { return nil }
        return below
    }
}
