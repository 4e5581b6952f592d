/// m_j = max over the box of z_j - z_y bounded by CROWN-IBP (Zhang et al., ICLR 2020, section 3, eq. 7-9), on the
/// training path, with the exact gradient of sum_j g_j m_j in every parameter.
///
/// Bounds: the 9 elided rows of each sample (e_j - e_y, j != y) are folded into the head (A = W_j - W_y,
/// c = b_j - b_y) and go backward through the body: an affine layer c += A b, A <- A W (`AffineMap.applyTransposed`:
/// a GEMM, or the convolution's input-gradient kernel, for all 9n rows at once); a ReLU with pre-activation interval
/// [l, u] from the IBP pass, A+ on the upper line u (z - l) / (u - l) and A- on the lower line (slope 1 if u > -l,
/// else 0; `MonotoneKind.relaxation`, the lines `CROWNMethod` uses); at the input box (mu, r) the upper bound is
/// A mu + c + |A| r. The numbers are `CROWNMethod(intermediate: .ibp)`'s (`CROWNIBPTrainingTests` holds them within
/// 1e-5).
///
/// Gradient (reverse mode of the backward pass, which therefore runs forward): with g_r = dL/dm of row r, the
/// adjoint of the rows at the input is g_r (mu + sign(A_r) r); through an affine layer it is mapped forward,
/// Abar <- Abar W^T + g b, while dW += A^T Abar and db += sum_r g_r A_r (A the rows over the layer's output,
/// kept from the backward pass); through a ReLU Abar <- Abar a + g b with the line A's sign chose, and the line's
/// own gradient, d/da = sum_r Abar_r A_r+ and d/db = sum_r g_r A_r+, reaches the interval through
/// a = u / (u - l), b = -u l / (u - l) (the lower line is piecewise constant in l, u: no gradient). Those interval
/// gradients, in centre/radius form (l = mu - r, u = mu + r), are what `backward` returns for the IBP pass to carry
/// on to the parameters before them. At the head, dW_j += sum Abar, dW_y -= sum Abar, db_j += g, db_y -= g.
///
/// Only ReLU activations (the relaxation of sigmoid and tanh uses tangent points from a table; training through
/// them is not implemented, and `TrainingSettings.validate` refuses such a model with `--method crown-ibp`).
final class CROWNIBPMargins {
    let network: Network
    let labels: [Int]
    /// The input box of the n samples.
    let box: IntervalBounds
    /// Per body index of a ReLU layer: its pre-activation interval [l, u] over the n samples and the lines on it.
    private let intervals: [Int: Interval]
    private let relaxations: [Int: Relaxations]
    /// Most floats one block of samples keeps for the gradient (the rows over every layer's output): 2^25, 128 MiB.
    /// A batch that needs more is cut into blocks of samples, each bounded and differentiated on its own.
    let tapeBudget: Int

    var classes: Int { network.classes }
    /// Rows per sample: one per class other than the label.
    var rowsPerSample: Int { network.classes - 1 }

    /// - Parameter preActivation: per body index of each activation layer, the interval of its input in centre/radius
    ///   form over the n samples (the IBP pass's centre rows and radius, as the fused layers propagate them).
    init(network: Network, box: IntervalBounds, preActivation: [Int: IntervalBounds], labels: [Int],
         tapeBudget: Int = 1 << 25) {
        precondition(labels.count == box.centre.batch, "\(labels.count) labels for \(box.centre.batch) samples")
        self.network = network
        self.box = box
        self.labels = labels
        self.tapeBudget = tapeBudget
        var intervals = [Int: Interval](), relaxations = [Int: Relaxations]()
        for (index, layer) in network.body.enumerated() {
            guard let activation = layer as? Activation else { continue }
            precondition(activation.kind == .relu, "CROWN-IBP training handles ReLU only, not \(activation.kind)")
            guard let bounds = preActivation[index] else { preconditionFailure("no interval for layer \(index)") }
            let interval = Interval(bounds)
            intervals[index] = interval
            relaxations[index] = Relaxations(.relu, interval)
        }
        self.intervals = intervals
        self.relaxations = relaxations
    }

    /// The rows of a block of samples over every layer's output (rows[k]: over the output of body layer k; `input`:
    /// over the network's input) and their biases.
    private struct Tape {
        var samples: Range<Int>
        var rows: [Tensor]
        var input: Tensor
        var bias: [Float]
    }

    private var keptTape: Tape?

    /// Samples per block: as many whole samples as `tapeBudget` holds, at least one.
    private var blockSamples: Int {
        let sizes = [network.architecture.inputShape.reduce(1, *)] + network.body.map { $0.outputShape.reduce(1, *) }
        return max(1, tapeBudget / max(1, rowsPerSample * sizes.reduce(0, +)))
    }

    private var blocks: [Range<Int>] {
        let n = labels.count, size = blockSamples
        return stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    }

    /// The class of row t of a sample with label y: the classes other than y in order.
    @inline(__always)
    private func rowClass(_ t: Int, label y: Int) -> Int { t < y ? t : t + 1 }

    /// Runs the rows of `samples` backward through the head and the body, keeping them per layer.
    private func record(_ samples: Range<Int>) -> Tape {
        let head = network.head, d = head.inFeatures, k = rowsPerSample
        let w = head.weight.value.data, b = head.bias.value.data
        var c = [Float](repeating: 0, count: samples.count * k)
        var a = Tensor(zeros: [samples.count * k] + head.inputShape)
        for (s, sample) in samples.enumerated() {
            let y = labels[sample]
            for t in 0..<k {
                let j = rowClass(t, label: y), row = s * k + t
                c[row] = b[j] - b[y]
                for i in 0..<d { a.data[row * d + i] = w[j * d + i] - w[y * d + i] }
            }
        }
        var rows = [Tensor](repeating: Tensor(zeros: [0]), count: network.body.count)
        for (index, layer) in network.body.enumerated().reversed() {
            rows[index] = a
            switch layer.primitive {
            case let .affine(map):
                CROWNMethod.addBias(map.biasVector, rows: a, into: &c)
                a = map.applyTransposed(a.reshaped(sampleShape: map.outputShape))
            case .monotone:
                relaxations[index]!.apply(to: &a, bias: &c, rowsPerSample: k, firstSample: samples.lowerBound)
            case .reshape:
                a = a.reshaped(sampleShape: layer.inputShape)
            case .maxPool:
                preconditionFailure("the training architectures have no max pooling")
            }
        }
        return Tape(samples: samples, rows: rows, input: a, bias: c)
    }

    /// The CROWN-IBP margins, shape (n, classes), the label's entry 0.
    func margins() -> Tensor {
        let n = labels.count, k = rowsPerSample, classes = self.classes
        var out = Tensor(zeros: [n, classes])
        let blocks = self.blocks
        for samples in blocks {
            let tape = record(samples)
            let upper = LinearBound.evaluate(tape.input.reshaped(sampleShape: box.centre.sampleShape), rowsPerSample: k,
                                             centre: box.centre.rows(samples), radius: box.radius.rows(samples),
                                             bias: tape.bias).upper
            for (s, sample) in samples.enumerated() {
                for t in 0..<k { out.data[sample * classes + rowClass(t, label: labels[sample])] = upper[s * k + t] }
            }
            // One block (the usual case): its rows serve `backward` too.
            if blocks.count == 1 { keptTape = tape }
        }
        return out
    }

    /// Given dL/dm (n, classes; the label's entry is ignored), accumulates the gradient of every parameter reached
    /// directly (weights and biases in the rows) and returns, per ReLU layer index, dL/d(centre) and dL/d(radius) of
    /// its pre-activation interval (n, shape), for the IBP pass's backward to add at that layer's input.
    func backward(_ dMargins: Tensor) -> [Int: (centre: Tensor, radius: Tensor)] {
        let n = labels.count, k = rowsPerSample, classes = self.classes
        precondition(dMargins.shape == [n, classes], "dL/dm of shape \(dMargins.shape) for \(n) samples")
        var injected = [Int: (centre: Tensor, radius: Tensor)]()
        for (index, interval) in intervals {
            injected[index] = (Tensor(zeros: interval.shape), Tensor(zeros: interval.shape))
        }
        for samples in blocks {
            let tape = keptTape.flatMap { $0.samples == samples ? $0 : nil } ?? record(samples)
            var g = [Float](repeating: 0, count: samples.count * k)
            for (s, sample) in samples.enumerated() {
                for t in 0..<k { g[s * k + t] = dMargins.data[sample * classes + rowClass(t, label: labels[sample])] }
            }
            var adjoint = inputAdjoint(tape, g)
            for (index, layer) in network.body.enumerated() {
                switch layer.primitive {
                case let .affine(map):
                    guard let rowMap = map as? SpecificationRowMap else {
                        preconditionFailure("layer \(index) is an affine map CROWN-IBP training cannot differentiate")
                    }
                    rowMap.accumulateRowGradients(outputRows: tape.rows[index], inputRows: adjoint, rowWeights: g)
                    adjoint = rowMap.applyLinearPart(adjoint)
                    CROWNIBPMargins.addScaledBias(map.biasVector, weights: g, to: &adjoint)
                case .monotone:
                    adjoint = reluAdjoint(index, rows: tape.rows[index], adjoint: adjoint, g: g, samples: samples,
                                          into: &injected[index]!)
                case .reshape:
                    adjoint = adjoint.reshaped(sampleShape: layer.outputShape)
                case .maxPool:
                    preconditionFailure("the training architectures have no max pooling")
                }
            }
            headGradient(adjoint, g: g, samples: samples)
        }
        keptTape = nil
        return injected
    }

    /// dL/dA at the input: g_r (mu + sign(A_r) r) for row r of sample s (sign(0) = 0, the subgradient of |.| there).
    private func inputAdjoint(_ tape: Tape, _ g: [Float]) -> Tensor {
        let size = tape.input.sampleSize, k = rowsPerSample, first = tape.samples.lowerBound
        return Tensor(shape: tape.input.shape) { out in
            tape.input.data.withUnsafeBufferPointer { a in
                box.centre.data.withUnsafeBufferPointer { mu in
                    box.radius.data.withUnsafeBufferPointer { r in
                        Parallel.chunks(g.count, minChunk: max(1, 4096 / max(size, 1))) { range in
                            for row in range {
                                let base = (first + row / k) * size, gr = g[row]
                                for i in 0..<size {
                                    let v = a[row * size + i]
                                    let sign: Float = v > 0 ? 1 : (v < 0 ? -1 : 0)
                                    out[row * size + i] = gr * (mu[base + i] + sign * r[base + i])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// rows_r += g_r b for every row.
    private static func addScaledBias(_ b: [Float], weights g: [Float], to rows: inout Tensor) {
        let size = rows.sampleSize
        precondition(b.count == size && g.count == rows.batch, "bias of \(b.count) for rows of \(size)")
        rows.data.withUnsafeMutableBufferPointer { p in
            Parallel.chunks(g.count, minChunk: max(1, 4096 / max(size, 1))) { range in
                for row in range where g[row] != 0 {
                    let gr = g[row]
                    for i in 0..<size { p[row * size + i] += gr * b[i] }
                }
            }
        }
    }

    /// The adjoint through ReLU layer `index`: returns the rows' adjoint over its output and adds the gradient of its
    /// pre-activation interval (centre/radius form) for `samples` to `into`. One sample's rows run on one worker, so
    /// the per-sample sums never race and their order is fixed.
    private func reluAdjoint(_ index: Int, rows a: Tensor, adjoint: Tensor, g: [Float], samples: Range<Int>,
                             into injected: inout (centre: Tensor, radius: Tensor)) -> Tensor {
        let lines = relaxations[index]!, interval = intervals[index]!
        let size = a.sampleSize, k = rowsPerSample, first = samples.lowerBound
        precondition(adjoint.sampleSize == size && lines.size == size, "ReLU rows of \(size) values")
        var out = Tensor(zeros: adjoint.shape)
        let pointers = { (body: (ReLULines) -> Void) in
            lines.upperSlope.withUnsafeBufferPointer { us in
                lines.upperIntercept.withUnsafeBufferPointer { ui in
                    lines.lowerSlope.withUnsafeBufferPointer { ls in
                        lines.lowerIntercept.withUnsafeBufferPointer { li in
                            body(ReLULines(upperSlope: us.baseAddress!, upperIntercept: ui.baseAddress!,
                                           lowerSlope: ls.baseAddress!, lowerIntercept: li.baseAddress!))
                        }
                    }
                }
            }
        }
        pointers { lines in
            a.data.withUnsafeBufferPointer { a in
                adjoint.data.withUnsafeBufferPointer { x in
                    out.data.withUnsafeMutableBufferPointer { out in
                        interval.lower.data.withUnsafeBufferPointer { lo in
                            interval.upper.data.withUnsafeBufferPointer { hi in
                                injected.centre.data.withUnsafeMutableBufferPointer { dMu in
                                    injected.radius.data.withUnsafeMutableBufferPointer { dR in
                                        let a = a.baseAddress!, x = x.baseAddress!, out = out.baseAddress!
                                        let lo = lo.baseAddress!, hi = hi.baseAddress!
                                        let dMu = dMu.baseAddress!, dR = dR.baseAddress!
                                        Parallel.chunks(samples.count, minChunk: max(1, 4096 / max(size * k, 1))) { range in
                                            let sums = UnsafeMutablePointer<Float>.allocate(capacity: 2 * size)
                                            defer { sums.deallocate() }
                                            for s in range {
                                                let base = (first + s) * size
                                                sums.update(repeating: 0, count: 2 * size)
                                                for t in 0..<k {
                                                    let row = (s * k + t) * size
                                                    CROWNIBPMargins.reluRow(a + row, adjoint: x + row, g: g[s * k + t],
                                                                            lines: lines.offset(by: base), into: out + row,
                                                                            slopeSums: sums, interceptSums: sums + size,
                                                                            count: size)
                                                }
                                                CROWNIBPMargins.intervalGradient(slopeSums: sums, interceptSums: sums + size,
                                                                                 lower: lo + base, upper: hi + base,
                                                                                 dCentre: dMu + base, dRadius: dR + base,
                                                                                 count: size)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// One sample's relaxation lines, as pointers.
    private struct ReLULines {
        var upperSlope, upperIntercept, lowerSlope, lowerIntercept: UnsafePointer<Float>

        func offset(by n: Int) -> ReLULines {
            ReLULines(upperSlope: upperSlope + n, upperIntercept: upperIntercept + n, lowerSlope: lowerSlope + n,
                      lowerIntercept: lowerIntercept + n)
        }
    }

    /// One row: out = x a + g b with the line the row's sign chose (the upper line where A > 0), and the upper line's
    /// gradient sums d/da += x A+, d/db += g A+. Branch-free in 16 lanes: this loop runs over 9 rows per sample and
    /// every ReLU value, the largest elementwise cost of the step.
    @inline(__always)
    private static func reluRow(_ a: UnsafePointer<Float>, adjoint x: UnsafePointer<Float>, g: Float, lines: ReLULines,
                                into out: UnsafeMutablePointer<Float>, slopeSums: UnsafeMutablePointer<Float>,
                                interceptSums: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>(), gv = SIMD16<Float>(repeating: g)
        var i = 0
        while i &+ 16 <= count {
            let v = load16(a + i), xv = load16(x + i)
            let positive = v .> zero
            let slope = load16(lines.lowerSlope + i).replacing(with: load16(lines.upperSlope + i), where: positive)
            let intercept = load16(lines.lowerIntercept + i).replacing(with: load16(lines.upperIntercept + i),
                                                                       where: positive)
            store16(xv * slope + gv * intercept, out + i)
            let vp = zero.replacing(with: v, where: positive)
            store16(load16(slopeSums + i) + xv * vp, slopeSums + i)
            store16(load16(interceptSums + i) + gv * vp, interceptSums + i)
            i &+= 16
        }
        while i < count {
            let v = a[i], xv = x[i]
            if v > 0 {
                out[i] = xv * lines.upperSlope[i] + g * lines.upperIntercept[i]
                slopeSums[i] += xv * v
                interceptSums[i] += g * v
            } else {
                out[i] = xv * lines.lowerSlope[i] + g * lines.lowerIntercept[i]
            }
            i &+= 1
        }
    }

    /// The upper line a = u / (u - l), b = -u l / (u - l) of an unstable neuron (l < 0 < u) in l and u:
    /// da/dl = u / d^2, da/du = -l / d^2, db/dl = -u^2 / d^2, db/du = l^2 / d^2 (d = u - l); then to centre/radius
    /// (l = mu - r, u = mu + r): d/dmu = d/dl + d/du, d/dr = d/du - d/dl. Stable neurons' lines are constants.
    @inline(__always)
    private static func intervalGradient(slopeSums ga: UnsafePointer<Float>, interceptSums gb: UnsafePointer<Float>,
                                         lower lo: UnsafePointer<Float>, upper hi: UnsafePointer<Float>,
                                         dCentre: UnsafeMutablePointer<Float>, dRadius: UnsafeMutablePointer<Float>,
                                         count: Int) {
        for i in 0..<count {
            let l = lo[i], u = hi[i]
            guard l < 0, u > 0, l.isFinite, u.isFinite, ga[i] != 0 || gb[i] != 0 else { continue }
            let d = u - l, d2 = d * d
            let dl = (ga[i] * u - gb[i] * u * u) / d2
            let du = (-ga[i] * l + gb[i] * l * l) / d2
            dCentre[i] += dl + du
            dRadius[i] += du - dl
        }
    }

    /// The head's gradient: rows W_j - W_y with biases b_j - b_y, adjoint `adjoint` (rows over the head's input).
    private func headGradient(_ adjoint: Tensor, g: [Float], samples: Range<Int>) {
        let head = network.head, d = head.inFeatures, k = rowsPerSample
        precondition(adjoint.sampleSize == d, "head rows of \(adjoint.sampleSize) values, the head reads \(d)")
        head.weight.grad.data.withUnsafeMutableBufferPointer { gw in
            head.bias.grad.data.withUnsafeMutableBufferPointer { gb in
                adjoint.data.withUnsafeBufferPointer { x in
                    for (s, sample) in samples.enumerated() {
                        let y = labels[sample]
                        for t in 0..<k {
                            let j = rowClass(t, label: y), row = s * k + t
                            gb[j] += g[row]; gb[y] -= g[row]
                            for i in 0..<d {
                                gw[j * d + i] += x[row * d + i]
                                gw[y * d + i] -= x[row * d + i]
                            }
                        }
                    }
                }
            }
        }
    }
}
