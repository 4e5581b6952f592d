import CKernels

/// CROWN's backward pass (A <- A W, c += A b; relaxation steps; A mu + c + |A| r at the box) with the rows held as
/// columns, sixteen at a time: a panel is A^T for sixteen rows (the same row of sixteen samples), one 16-float line per
/// neuron of the stage, and each panel goes through the whole pass before the next. The contract is
/// `CROWNMethod.upperBounds`'s dense rows', and the steps are the same maths:
///
/// - `Linear`: A^T <- W^T A^T, the GEMM kernel's micro-kernel over W^T packed once for all panels;
/// - `Conv2D` (any strides and pads): the transposed convolution with col2im folded into the micro-kernel
///   (`ckernels_column_conv_avx2`): no patch matrix, and no moving rows into and out of lanes;
/// - a relaxation: each lane reads its own sample's four lines (and the bias of the affine layer below, folded into
///   the intercepts), and the panel's sixteen offsets stay in registers;
/// - any other affine map: its own `applyTransposed` on the sixteen rows, transposed there and back.
///
/// Why: a naturally trained network's specification pass (few dead neurons, so no `LaneRows`) spent a fifth of
/// CROWN-IBP on `small-nominal` in the dense rows' transposes into lanes, col2im and per-row relaxation reads, and
/// rows held as one block of columns (a first version) went through L3 at every step; a panel's lines (200 KB at most
/// for `small`) stay in L2 (perf record, 1,000 images at eps 0.1). Every step treats lanes independently, so a sample's
/// bounds do not depend on the other samples or on which panel holds them; the sums run in another order than the
/// dense rows' (`TransposedRowsTests` checks the two against each other).
///
/// Only on CPUs with AVX2 and FMA (`available`); elsewhere the dense rows are used.
enum TransposedRows {
    /// Whether this CPU runs the pass's kernels.
    static let available = ckernels_avx2_available() == 1
    static let lanes = 16

    /// Upper bounds of rows A z + c, A (samples.count R, shape of layer top's output) sample-major (row i of sample
    /// samples.lowerBound + i / R), from the output of layer `top` (the input when top = -1) back through `layers`
    /// to the box; returned sample-major. `fuseBiases`: a relaxation step adds the bias term of the affine layer
    /// below it (off: every affine step adds its own, `ckernels_column_bias_avx2`). `stop` is checked between panels;
    /// once it returns true the remaining panels are skipped (their bounds left 0: the caller throws).
    static func upperBounds(_ rows: Tensor, bias: [Float], rowsPerSample R: Int, samples: Range<Int>, from top: Int,
                            layers: [Layer], relaxations: [Int: Relaxations], box: IntervalBounds,
                            fuseBiases: Bool = true, stop: (() -> Bool)? = nil) -> [Float] {
        precondition(available, "the transposed rows' kernels need AVX2")
        let L = lanes, S = samples.count, N = R * S
        precondition(rows.batch == N && bias.count == N, "\(rows.batch) rows and \(bias.count) offsets for \(N)")
        guard N > 0 else { return [] }
        let groups = (S + L - 1) / L
        let width = rows.sampleSize, inputs = box.centre.sampleSize
        let pass = Pass(layers: layers, top: top, inputs: inputs, relaxations: relaxations, samples: samples,
                        fuseBiases: fuseBiases)
        precondition(width == pass.widths.last!, "rows of \(width) values meet a stage of \(pass.widths.last!)")
        // The box of these samples, as the bound step reads it (`Pass.interleaved`).
        let boxLines = Pass.interleaved([box.centre.data, box.radius.data], first: samples.lowerBound, count: S,
                                        size: inputs)
        defer { boxLines.deallocate() }
        var up = [Float](repeating: 0, count: N)
        let panels = groups * R, parts = min(panels, Parallel.workers)
        rows.data.withUnsafeBufferPointer { rp in
            bias.withUnsafeBufferPointer { bp in
                up.withUnsafeMutableBufferPointer { upp in
                    let rp = rp.baseAddress!, bp = bp.baseAddress!, upp = upp.baseAddress!
                    Parallel.parts(parts) { part in
                        let widest = pass.widths.max()!
                        let front = UnsafeMutablePointer<Float>.allocate(capacity: widest * L)
                        let back = UnsafeMutablePointer<Float>.allocate(capacity: widest * L)
                        defer { front.deallocate(); back.deallocate() }
                        var c = [Float](repeating: 0, count: L), out = c
                        for panel in (panels * part / parts)..<(panels * (part + 1) / parts) {
                            if stop?() == true { break }
                            // Panel (g, r): lane l is row r of sample g 16 + l.
                            let g = panel / R, r = panel % R, first = g * L, valid = min(L, S - first)
                            ckernels_transpose_avx2(rp + (first * R + r) * width, R * width, front, L, valid, width)
                            if valid < L {
                                for f in 0..<width { (front + f * L + valid).update(repeating: 0, count: L - valid) }
                            }
                            for l in 0..<L { c[l] = l < valid ? bp[(first + l) * R + r] : 0 }
                            pass.run(front, back, offsets: &c, group: g, box: boxLines, into: &out)
                            for l in 0..<valid { upp[(first + l) * R + r] = out[l] }
                        }
                    }
                }
            }
        }
        return up
    }

    /// The pass's steps from layer `top` down, prepared once for all panels: weights packed, each relaxation's lines
    /// interleaved by sample group (`interleaved`).
    private final class Pass: @unchecked Sendable {
        enum Step {
            case linear(packed: UnsafeMutablePointer<Float>, inputs: Int, outputs: Int)
            case conv(packed: UnsafeMutablePointer<Float>, taps: UnsafeMutablePointer<Int>, geometry: ConvGeometry,
                      outChannels: Int)
            case other(any AffineMap)
            case monotone(lines: UnsafeMutablePointer<Float>, size: Int, fusedBias: [Float]?)
            case reshape
        }
        /// steps[t] for layer t, t = top ... 0 in `run`'s order (last first).
        private(set) var steps = [Step]()
        /// Bias vectors of the affine steps that no relaxation step adds (nil where one does, or for other steps).
        private(set) var biases = [[Float]?]()
        /// widths[t]: values of layer t's input; widths.last: layer top's output.
        private(set) var widths = [Int]()

        init(layers: [Layer], top: Int, inputs: Int, relaxations: [Int: Relaxations], samples: Range<Int>,
             fuseBiases: Bool) {
            for (index, layer) in layers.prefix(top + 1).enumerated() {
                widths.append(layer.inputShape.reduce(1, *))
                switch layer.primitive {
                case let .affine(map):
                    if let linear = map as? Linear {
                        let I = linear.inFeatures, O = linear.outFeatures
                        let packed = UnsafeMutablePointer<Float>.allocate(capacity: ckernels_sgemm_avx2_packed_size(I, O))
                        // A = W^T (I x O): element (i, o) at W[o I + i].
                        linear.weight.value.data.withUnsafeBufferPointer { w in
                            ckernels_sgemm_avx2_pack(I, O, w.baseAddress!, 1, I, packed)
                        }
                        steps.append(.linear(packed: packed, inputs: I, outputs: O))
                    } else if let conv = map as? Conv2D {
                        let g = conv.geometry, O = conv.outChannels
                        let packed = UnsafeMutablePointer<Float>.allocate(
                            capacity: ckernels_column_conv_scratch(O, g.patchSize))
                        let taps = UnsafeMutablePointer<Int>.allocate(capacity: 3 * g.patchSize)
                        conv.weight.value.data.withUnsafeBufferPointer { w in
                            ckernels_column_conv_prepare(w.baseAddress!, O, g.channels, g.height, g.width,
                                                         g.kernelHeight, g.kernelWidth, g.padTop, g.padLeft, packed,
                                                         taps)
                        }
                        steps.append(.conv(packed: packed, taps: taps, geometry: g, outChannels: O))
                    } else {
                        steps.append(.other(map))
                    }
                    biases.append(map.biasVector)
                case .monotone:
                    let relaxation = relaxations[index]!
                    let F = relaxation.size
                    precondition(F == widths[index], "lines of \(F) neurons meet a stage of \(widths[index])")
                    let lines = Pass.interleaved([relaxation.upperSlope, relaxation.upperIntercept,
                                                  relaxation.lowerSlope, relaxation.lowerIntercept],
                                                 first: samples.lowerBound, count: samples.count, size: F)
                    var beta: [Float]?
                    if fuseBiases, index > 0, case let .affine(below) = layers[index - 1].primitive {
                        // This step adds the bias term of the affine step below: that step no longer does.
                        beta = below.biasVector
                        biases[index - 1] = nil
                    }
                    steps.append(.monotone(lines: lines, size: F, fusedBias: beta))
                    biases.append(nil)
                case .reshape:
                    steps.append(.reshape)
                    biases.append(nil)
                case .maxPool:
                    preconditionFailure("refused in bounds(_:box:specification:)")
                }
            }
            widths.append(top >= 0 ? layers[top].outputShape.reduce(1, *) : inputs)
        }

        deinit {
            for step in steps {
                switch step {
                case let .linear(packed, _, _): packed.deallocate()
                case let .conv(packed, taps, _, _): packed.deallocate(); taps.deallocate()
                case let .monotone(lines, _, _): lines.deallocate()
                case .other, .reshape: break
                }
            }
        }

        /// The K arrays' values for samples first ..< first + count (arrays[k][(first + s) size + f]) in sample groups
        /// of 16, each group's K values of a neuron in K adjacent 16-float lines: out[((g size + f) K + k) 16 + l] for
        /// sample g 16 + l, zero past `count` (a fresh allocation). Why: a panel then reads a stage's lines (or the
        /// box) as one sequential stream; as K arrays [f S + s] it read K strided ones, and that step took 16%
        /// of CROWN-IBP on `small-nominal`.
        static func interleaved(_ arrays: [[Float]], first: Int, count: Int, size: Int) -> UnsafeMutablePointer<Float> {
            let L = TransposedRows.lanes, K = arrays.count, groups = (count + L - 1) / L
            let out = UnsafeMutablePointer<Float>.allocate(capacity: max(groups * size * K * L, 1))
            for (k, array) in arrays.enumerated() {
                array.withUnsafeBufferPointer { p in
                    for g in 0..<groups {
                        let valid = min(L, count - g * L), dst = out + g * size * K * L + k * L
                        ckernels_transpose_avx2(p.baseAddress! + (first + g * L) * size, size, dst, K * L, valid, size)
                        if valid < L {
                            for f in 0..<size { (dst + f * K * L + valid).update(repeating: 0, count: L - valid) }
                        }
                    }
                }
            }
            return out
        }

        /// One panel from layer top's output (in `front`, widths.last lines) to the box: the sixteen upper bounds into
        /// `out`, `c` the offsets (updated). `back` is scratch of the widest stage's lines. Lanes of sample group
        /// `group` read that group's lines and box (`interleaved`).
        func run(_ front: UnsafeMutablePointer<Float>, _ back: UnsafeMutablePointer<Float>, offsets c: inout [Float],
                 group: Int, box: UnsafeMutablePointer<Float>, into out: inout [Float]) {
            let L = TransposedRows.lanes
            var a = front, spare = back
            c.withUnsafeMutableBufferPointer { cp in
                let cp = cp.baseAddress!
                for t in steps.indices.reversed() {
                    if let b = biases[t] {
                        b.withUnsafeBufferPointer { ckernels_column_bias_avx2(a, widths[t + 1], $0.baseAddress!, cp) }
                    }
                    switch steps[t] {
                    case let .linear(packed, inputs, outputs):
                        ckernels_sgemm_avx2_packed(inputs, L, outputs, packed, a, L, spare, L)
                        swap(&a, &spare)
                    case let .conv(packed, taps, g, O):
                        ckernels_column_conv_avx2(a, O, g.channels, g.height, g.width, g.kernelHeight, g.kernelWidth,
                                                  g.strideH, g.strideW, g.padTop, g.padLeft, g.outHeight, g.outWidth,
                                                  packed, taps, spare)
                        swap(&a, &spare)
                    case let .other(map):
                        let F = map.outputSize, I = map.inputSize
                        let rows = Tensor(shape: [L] + map.outputShape) { rp in
                            ckernels_transpose_avx2(a, L, rp, F, F, L)
                        }
                        map.applyTransposed(rows).data.withUnsafeBufferPointer { p in
                            ckernels_transpose_avx2(p.baseAddress!, I, spare, L, L, I)
                        }
                        swap(&a, &spare)
                    case let .monotone(lines, F, beta):
                        func relax(_ beta: UnsafePointer<Float>?) {
                            ckernels_column_relax_avx2(a, F, lines + group * F * 4 * L, beta, cp)
                        }
                        if let beta { beta.withUnsafeBufferPointer { relax($0.baseAddress!) } } else { relax(nil) }
                    case .reshape:
                        // A panel's lines are the stage's values in their flattened order, whatever the shape.
                        break
                    }
                }
                out.withUnsafeMutableBufferPointer { op in
                    ckernels_column_bound_avx2(a, widths[0], box + group * widths[0] * 2 * L, cp, op.baseAddress!)
                }
            }
        }
    }
}
