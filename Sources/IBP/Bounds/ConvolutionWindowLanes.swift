/// `ConvolutionWindows`' backward passes with the rows as SIMD lanes (`LaneRows`' layout, a[j 16 + l]): the rows of
/// one window group (sample s, output pixel p) are +W_o then -W_o for the O output channels, the same for every
/// group, so they are put into lanes once, and each group's pass runs on 16 of them at a time in a core's L1:
/// the first relaxation reads the shared lanes, a window convolution is `LaneTransposedConvolution.direct` (the
/// product and col2im in one loop), and the box ends it (`LaneRows.boxBound`).
///
/// Why: on the rows, every step was a pass over a block of rows in memory (the kernel copied into each group's
/// rows, the relaxation, the window bias, the transposes into and out of lanes around the GEMM, the box), and the
/// window passes were about 30% of CROWN on `small-nominal` for a tenth of its arithmetic.
///
/// The same terms as the rows' pass, summed in another order (`ConvolutionWindowTests` compares the two within
/// 1e-5 of the bounds' magnitude). Taken only where no window reaches padding (every convolution of the chain
/// unpadded), so nothing is masked, and where the windows are small (`lanesPay`).
extension ConvolutionWindows {
    /// Most multiply-adds of the window convolutions per row for which the lanes pay: 8,192. Their convolutions
    /// run without a GEMM (`direct`, about a third of its rate), which wins while the windows are small: on `small`
    /// (16 x 16 x 16 per row) CROWN took 4.8 -> 3.5 s on 1,000 images, but through `medium-bn`'s deeper windows
    /// (up to 1.2 million per row) 7.1 -> 12.0 s on 50.
    static let laneWork = 8192

    /// Multiply-adds of the window convolutions per row: sum over them of O x patch size x window output pixels.
    var windowWork: Int {
        windowConvs.values.reduce(0) { $0 + $1.outChannels * $1.geometry.patchSize * $1.geometry.outPixels }
    }

    /// Whether `laneBounds` takes the windows: every window lies inside its stage (the convolution and every
    /// convolution below it is unpadded) and the window convolutions are small (`laneWork`).
    var lanesPay: Bool { windowsInside && windowWork <= ConvolutionWindows.laneWork }

    /// Whether every window lies inside its stage: the convolution and every convolution below it is unpadded.
    var windowsInside: Bool {
        guard conv.geometry.isUnpadded else { return false }
        return windowConvs.keys.allSatisfy { t in
            guard case let .affine(map) = layers[t].primitive, let c = map as? Conv2D else { return false }
            return c.geometry.isUnpadded
        }
    }

    /// `bounds` on lanes; nil when they do not pay or a window reaches padding (`lanesPay`).
    func laneBounds(relaxations: [Int: Relaxations], box: IntervalBounds,
                    stop: (() -> Bool)? = nil) -> Interval? {
        guard lanesPay else { return nil }
        let L = LaneRows.lanes, g = conv.geometry, O = conv.outChannels, P = g.outPixels, n = box.centre.batch
        let K = g.patchSize, rows = 2 * O, laneGroups = (rows + L - 1) / L
        // The rows +W_o, -W_o in lanes, group by group (unused lanes zero), and their biases.
        var top = [Float](repeating: 0, count: laneGroups * K * L)
        var topBias = [SIMD16<Float>](repeating: SIMD16<Float>(), count: laneGroups)
        conv.weight.value.data.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let o = r % O, sign: Float = r < O ? 1 : -1
                for j in 0..<K { top[((r / L) * K + j) * L + r % L] = sign * w[o * K + j] }
                topBias[r / L][r % L] = sign * conv.bias.value.data[o]
            }
        }
        let widest = stages.map(\.windowSize).max()!
        let groupsPerBlock = max(1, (1 << 14) / widest)
        let blocks = (n * P + groupsPerBlock - 1) / groupsPerBlock
        var lower = [Float](repeating: 0, count: n * O * P), upper = lower
        let monotone = (0..<index).filter { t in
            if case .monotone = layers[t].primitive { return true }
            return false
        }
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                top.withUnsafeBufferPointer { top in
                    let lo = lo.baseAddress!, hi = hi.baseAddress!, top = top.baseAddress!
                    let parts = min(blocks, Parallel.workers * 4)
                    Parallel.parts(parts) { part in
                        let a = UnsafeMutablePointer<Float>.allocate(capacity: widest * L)
                        let b = UnsafeMutablePointer<Float>.allocate(capacity: widest * L)
                        defer { a.deallocate(); b.deallocate() }
                        for block in (blocks * part / parts)..<(blocks * (part + 1) / parts) {
                            if stop?() ?? false { return }
                            let groups = (block * groupsPerBlock)..<min(n * P, (block + 1) * groupsPerBlock)
                            // Per monotone layer, its lines on every group's window; the box on the input window.
                            var lines: [Int: Relaxations] = [:]
                            for t in monotone {
                                let r = relaxations[t]!, above = stages[t + 1]
                                lines[t] = Relaxations(lowerSlope: gather(r.lowerSlope, above, groups),
                                                       lowerIntercept: gather(r.lowerIntercept, above, groups),
                                                       upperSlope: gather(r.upperSlope, above, groups),
                                                       upperIntercept: gather(r.upperIntercept, above, groups),
                                                       size: above.windowSize)
                            }
                            let centre = gather(box.centre.data, stages[0], groups)
                            let radius = gather(box.radius.data, stages[0], groups)
                            for (gi, group) in groups.enumerated() {
                                for lg in 0..<laneGroups {
                                    let up = pass(from: top + lg * K * L, c: topBias[lg], group: gi, lines: lines,
                                                  a: a, b: b, centre: centre, radius: radius)
                                    let s = group / P, p = group % P
                                    for l in 0..<min(L, rows - lg * L) {
                                        let r = lg * L + l
                                        if r < O {
                                            hi[(s * O + r) * P + p] = up[l]
                                        } else {
                                            lo[(s * O + r - O) * P + p] = -up[l]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let shape = [n] + conv.outputShape
        return Interval(lower: Tensor(shape: shape, data: lower), upper: Tensor(shape: shape, data: upper))
    }

    /// One lane group's pass from the convolution's input window (lanes at `source`, read only) down to the input
    /// window of group `gi` of the block (its lines and box at gi times each window's size): the rows' upper bounds.
    private func pass(from source: UnsafePointer<Float>, c start: SIMD16<Float>, group gi: Int,
                      lines: [Int: Relaxations], a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                      centre: [Float], radius: [Float]) -> SIMD16<Float> {
        var a = a, b = b, c = start
        var src = source
        for t in stride(from: index - 1, through: 0, by: -1) {
            let above = stages[t + 1]
            switch layers[t].primitive {
            case .monotone:
                lines[t]!.withLines(sample: gi) { LaneRows.relax(from: src, into: a, count: above.windowSize,
                                                                 lines: $0, c: &c) }
                src = UnsafePointer(a)
            case .affine:
                let window = windowConvs[t]!
                windowBiases[t]!.withUnsafeBufferPointer { bias in
                    c += LaneRows.biasTerm(src, bias: bias.baseAddress!, count: above.windowSize)
                }
                window.weight.value.data.withUnsafeBufferPointer { w in
                    let wg = window.geometry
                    b.update(repeating: 0, count: wg.channels * wg.inPixels * LaneRows.lanes)
                    LaneTransposedConvolution.direct(src, weights: w.baseAddress!, outChannels: window.outChannels,
                                                     columns: wg.outPixels * LaneRows.lanes, groups: 1, wg, into: b)
                }
                swap(&a, &b)
                src = UnsafePointer(a)
            case .reshape, .maxPool:
                preconditionFailure("refused in init")
            }
        }
        let d = stages[0].windowSize
        return centre.withUnsafeBufferPointer { mu in
            radius.withUnsafeBufferPointer { rad in
                LaneRows.boxBound(src, count: d, centre: mu.baseAddress! + gi * d, radius: rad.baseAddress! + gi * d,
                                  c: c)
            }
        }
    }
}

extension LaneRows {
    /// sum over j of bias[j] a[j] for the 16 lanes, in blocks of 64 neurons, then over blocks (as `relax`).
    static func biasTerm(_ a: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
        var total = SIMD16<Float>()
        var block = 0
        while block < count {
            var acc = SIMD16<Float>()
            for j in block..<min(count, block &+ 64) { acc += bias[j] * load16(a + j &* lanes) }
            total += acc
            block &+= 64
        }
        return total
    }
}
