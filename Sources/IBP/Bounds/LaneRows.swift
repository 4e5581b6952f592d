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
        /// Conv2D transposed: taps[tap * O + o] = W[o, tap], tap = (c, ky, kx) row-major; one bias per channel.
        case conv(taps: [Float], bias: [Float], geometry: ConvGeometry, outChannels: Int)
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
                    steps.append(.conv(taps: t, bias: conv.bias.value.data, geometry: conv.geometry, outChannels: O))
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
        self.steps = steps
        self.sizes = sizes
        self.top = top
    }

    /// Upper bounds of rows A z + c, A (m, shape of layer top's output), row i of sample samples.lowerBound +
    /// i / rowsPerSample: the contract of `CROWNMethod.upperBounds`. Each sample's rows go in groups of 16 lanes,
    /// groups handed to free cores with scratch of their own.
    func upperBounds(_ rows: Tensor, bias: [Float], rowsPerSample k: Int, samples: Range<Int>,
                     relaxations: [Int: Relaxations], box: IntervalBounds) -> [Float] {
        let L = LaneRows.lanes, width = sizes[top + 1]
        precondition(rows.sampleSize == width && rows.batch == samples.count * k && bias.count == rows.batch,
                     "rows of \(rows.sampleShape) do not match the pass's \(width) values")
        let groups = (k + L - 1) / L, units = samples.count * groups
        let widest = sizes.max()!
        var up = [Float](repeating: 0, count: rows.batch)
        let parts = min(units, Parallel.workers * 4)
        rows.data.withUnsafeBufferPointer { rp in
            up.withUnsafeMutableBufferPointer { upp in
                let rp = rp.baseAddress!, upp = upp.baseAddress!
                Parallel.parts(parts) { part in
                    let scratch = Scratch(widest: widest)
                    defer { scratch.deallocate() }
                    let a = scratch.a
                    for unit in (units * part / parts)..<(units * (part + 1) / parts) {
                        let s = unit / groups, first = (unit % groups) * L, count = min(L, k - first)
                        // Transpose the group's rows into lanes (unused lanes zero).
                        a.update(repeating: 0, count: width * L)
                        var c = SIMD16<Float>()
                        for l in 0..<count {
                            let row = rp + (s * k + first + l) * width
                            for j in 0..<width { a[j * L + l] = row[j] }
                            c[l] = bias[s * k + first + l]
                        }
                        let result = pass(scratch, c: c, sample: samples.lowerBound + s,
                                          relaxations: relaxations, box: box)
                        for l in 0..<count { upp[s * k + first + l] = result[l] }
                    }
                }
            }
        }
        return up
    }

    /// Steps layers top...0 on the lanes in `scratch.a`, then the box: the 16 rows' upper bounds.
    private func pass(_ scratch: Scratch, c start: SIMD16<Float>, sample: Int,
                      relaxations: [Int: Relaxations], box: IntervalBounds) -> SIMD16<Float> {
        var a = scratch.a, b = scratch.b, c = start
        for t in stride(from: top, through: 0, by: -1) {
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
            case let .conv(taps, bias, geometry, outChannels):
                func step(_ dead: Lines?) {
                    taps.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { bp in
                            if let dead, gather, LaneRows.gatherPays(dead: dead, inputs: sizes[t]) {
                                LaneRows.convolutionGather(a, into: b, taps: w.baseAddress!, bias: bp.baseAddress!,
                                                           geometry, outChannels: outChannels, dead: dead,
                                                           scratch: scratch, c: &c)
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
                let mu = mu.baseAddress! + sample * d, rad = rad.baseAddress! + sample * d
                // In blocks of 64 inputs, then over blocks (as `relax`).
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
        }
    }

    /// The share of the neurons of the monotone layers 0...top, over the batch, that are dead (all four lines zero).
    /// The lanes pay off only when it is large: on live neurons their kernels are about half as fast as the
    /// GEMMs (ibp-bench's randomly initialised `small`: CROWN-IBP 697 -> 338 img/s on lanes), on an IBP-trained
    /// `small` they are twice as fast (`CROWNMethod.minimumDeadShare`).
    static func deadShare(_ layers: [Layer], top: Int, relaxations: [Int: Relaxations]) -> Double {
        var dead = 0, total = 0
        for t in 0...max(0, min(top, layers.count - 1)) {
            guard case .monotone = layers[t].primitive, let r = relaxations[t] else { continue }
            let count = r.upperSlope.count
            for s in 0..<(count / max(r.size, 1)) {
                r.withLines(sample: s) { lines in
                    for j in 0..<r.size where lines.isDead(j) { dead += 1 }
                }
            }
            total += count
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
