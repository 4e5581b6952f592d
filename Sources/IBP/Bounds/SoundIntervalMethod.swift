import Foundation

/// IBP whose float intervals provably contain the intervals of exact real arithmetic with the same float weights,
/// so a sample it verifies is robust for the real-arithmetic network (rounding cannot fake a proof). Each stage is
/// a centre/radius box [mu - r, mu + r] (read in reals) widened by a rigorous rounding-error bound
/// (`RoundingModel`; Higham, *Accuracy and Stability of Numerical Algorithms*, section 3.1, gamma_n).
public struct SoundIntervalMethod: BoundMethod {
    public var name: BoundMethodName { .soundIBP }

    public init() {}

    /// (`upperOnly` changes nothing: every stage is needed for the next and the lower bounds cost no extra pass.)
    public func bounds(_ layers: [Layer], box: InputBox, specification: Specification?,
                       upperOnly: Bool) -> ChainBounds {
        var current = IntervalBounds.soundInputBox(box)
        var finite = [Bool](repeating: true, count: box.batch)
        // The input stage is the box widened to contain its real corners (`soundInputBox`).
        let input = current.soundInterval
        var stages = [Interval(lower: input.lower, upper: input.upper)]
        var spec: Interval?
        for (index, layer) in layers.enumerated() {
            switch layer.primitive {
            case let .affine(map):
                if index == layers.count - 1, let specification {
                    spec = specification.labels != nil
                        ? SoundIntervalMethod.elidedMargins(specification, head: map, input: current)
                        : SoundIntervalMethod.foldedRows(specification, head: map, input: current)
                }
                current = SoundIntervalMethod.affine(map, current)
            case let .monotone(f):
                current = SoundIntervalMethod.monotone(f, current)
            case let .reshape(shape):
                // A reshape: exact.
                current = IntervalBounds(centre: current.centre.reshaped(sampleShape: shape),
                                         radius: current.radius.reshaped(sampleShape: shape))
            case let .maxPool(windows):
                // Max is exact in floats and monotone: [maxpool(down(mu - r)), maxpool(up(mu + r))].
                let interval = current.soundInterval
                current = .enclosing(lower: windows.maximum(interval.lower), upper: windows.maximum(interval.upper))
            }
            ChainBounds.markNonFinite(current.centre, in: &finite)
            ChainBounds.markNonFinite(current.radius, in: &finite)
            let interval = current.soundInterval
            stages.append(Interval(lower: interval.lower, upper: interval.upper))
        }
        if spec == nil, let specification {
            spec = SoundIntervalMethod.rows(specification, on: current)
        }
        if let spec {
            ChainBounds.markNonFinite(spec.lower, in: &finite)
            ChainBounds.markNonFinite(spec.upper, in: &finite)
        }
        return ChainBounds(stages: stages, specification: spec, finite: finite)
    }

    /// In reals the image of [mu - r, mu + r] is W mu + b -/+ |W| r. The map computes mu^ = fl(W mu + b) and
    /// r^ = fl(|W| r), dot products of at most n = fanIn + 2 terms (the bias and its separate add counted), so
    /// |mu^ - (W mu + b)| + (|W| r - r^) <= gamma_n (|W| (|mu| + r) + |b|) + 2 n 2^-126 (underflow).
    /// |W| (|mu| + r) <= |W| a for a = up(|mu| + r), and S^ = fl(|W| a) >= (1 - gamma_n) |W| a - n 2^-126, so the
    /// widened radius r' = r^ + gamma_n/(1 - gamma_n) (S^ + |b|) + 3 n 2^-126, rounded up, encloses the real image.
    static func affine(_ map: any AffineMap, _ box: IntervalBounds) -> IntervalBounds {
        let n = box.centre.batch, size = map.outputSize
        var a = box.radius
        for i in a.data.indices { a.data[i] = RoundingModel.up(abs(box.centre.data[i]) + box.radius.data[i]) }
        let centre = map.apply(box.centre)
        // One pass gives the radii |W| r and |W| a.
        let radius = map.applyAbsolute(box.radius.stacked(with: a))
        let ratio = RoundingModel.gammaRatio(terms: map.fanIn + 2)
        let floor = RoundingModel.underflow(terms: 3 * (map.fanIn + 2))
        let bias = map.biasVector
        var widened = radius.rows(0..<n)
        for s in 0..<n {
            for i in 0..<size {
                let k = s * size + i
                let bound = RoundingModel.up(radius.data[n * size + k] + abs(bias[i]))
                let slack = RoundingModel.up(RoundingModel.up(ratio * bound) + floor)
                widened.data[k] = RoundingModel.up(radius.data[k] + slack)
            }
        }
        return IntervalBounds(centre: centre, radius: widened)
    }

    /// Relative widening of sigmoid and tanh, 2^-40: evaluated in Double from exp/tanh within k ulps (glibc: k <= 2),
    /// their relative error is below (2 k + 3) 2^-53, so this tolerates errors up to 2^11 ulps.
    private static let slack = 0x1p-40

    /// The real image of [l, u] is [f(l), f(u)], bounded outwards.
    static func monotone(_ f: MonotoneKind, _ box: IntervalBounds) -> IntervalBounds {
        var interval = box.soundInterval
        for i in interval.lower.data.indices {
            let l = interval.lower.data[i], u = interval.upper.data[i]
            switch f {
            case .relu:
                // max(z, 0) is exact in floats.
                interval.lower.data[i] = max(l, 0)
                interval.upper.data[i] = max(u, 0)
            case .sigmoid:
                // sigma in (0, 1); where exp(-z) overflows (z < -708) sigma < 2^-1000, below the least float.
                interval.lower.data[i] = max(RoundingModel.downward(sigmoid(l) * (1 - slack)), 0)
                interval.upper.data[i] = min(max(RoundingModel.upward(sigmoid(u) * (1 + slack)),
                                                 .leastNonzeroMagnitude), 1)
            case .tanh:
                let tl = Foundation.tanh(Double(l)), tu = Foundation.tanh(Double(u))
                interval.lower.data[i] = max(RoundingModel.downward(tl - abs(tl) * slack - 0x1p-1070), -1)
                interval.upper.data[i] = min(RoundingModel.upward(tu + abs(tu) * slack + 0x1p-1070), 1)
            }
        }
        return .enclosing(lower: interval.lower, upper: interval.upper)
    }

    private static func sigmoid(_ z: Float) -> Double { 1 / (1 + exp(-Double(z))) }

    /// The elided margins folded into the head, bounded above rigorously: rows c = W_j - W_y, d = b_j - b_y over
    /// the head's input box (`rows(_:on:)` with those rows). Lower bounds are computed the same way.
    static func elidedMargins(_ spec: Specification, head: any AffineMap, input: IntervalBounds) -> Interval {
        let n = spec.batch, k = spec.rowCount, d = head.inputSize
        let w = head.weightRows(0..<head.outputSize).data, b = head.biasVector
        // c = W_j - W_y and d = b_j - b_y are formed in Double with one rounding each.
        return bound(n: n, k: k, d: d, centre: input.centre, radius: input.radius) { s, j, i in
            guard let y = spec.labels?[s], j != y else { return 0 }
            if i < 0 { return Double(b[j]) - Double(b[y]) }
            return Double(w[j * d + i]) - Double(w[y * d + i])
        }
    }

    /// Rows C z + d of a general specification (VNNLIB's) folded into the head z = W h + b, bounded rigorously over
    /// the head's input box like the elided margins: for rows with at most two nonzero entries a (at p) and b (at q),
    /// and offset d = 0 when there are two, c_i = a W_pi + b W_qi and the bias a b_p + b b_q + d are each formed in
    /// Double with at most one rounding (products of two Floats are exact in Double), which is what `bound`'s error
    /// analysis assumes of a coefficient. nil when some row has another form: the caller then bounds the rows on the
    /// output box (`rows(_:on:)`), which is sound too but looser (y_j - y_l from the box of y).
    static func foldedRows(_ spec: Specification, head: any AffineMap, input: IntervalBounds) -> Interval? {
        let n = spec.batch, k = spec.rowCount, o = spec.outputs, d = head.inputSize
        guard o == head.outputSize else { return nil }
        var terms: [[(output: Int, coefficient: Double)]] = []
        for row in 0..<(n * k) {
            let nonzero = (0..<o).compactMap { j -> (output: Int, coefficient: Double)? in
                let c = spec.rows.data[row * o + j]
                return c == 0 ? nil : (j, Double(c))
            }
            guard nonzero.count <= 1 || (nonzero.count == 2 && spec.offsets[row] == 0) else { return nil }
            terms.append(nonzero)
        }
        let w = head.weightRows(0..<o).data, b = head.biasVector
        return bound(n: n, k: k, d: d, centre: input.centre, radius: input.radius) { s, j, i in
            let row = s * k + j
            if i < 0 { return terms[row].reduce(Double(spec.offsets[row])) { $0 + $1.coefficient * Double(b[$1.output]) } }
            return terms[row].reduce(0.0) { $0 + $1.coefficient * Double(w[$1.output * d + i]) }
        }
    }

    /// Rows C z + d over the output box, bounded rigorously.
    static func rows(_ spec: Specification, on box: IntervalBounds) -> Interval {
        let n = spec.batch, k = spec.rowCount, o = spec.outputs
        return bound(n: n, k: k, d: o, centre: box.centre, radius: box.radius) { s, j, i in
            if i < 0 { return Double(spec.offsets[s * k + j]) }
            return Double(spec.rows.data[(s * k + j) * o + i])
        }
    }

    /// Double unit roundoff, 2^-53.
    private static let doubleRoundoff: Double = 0x1p-53

    /// In reals m = c mu + d + |c| r (upper) or c mu + d - |c| r (lower) over [mu - r, mu + r]. In Double each
    /// term (c^ = a coefficient formed with one rounding, then c^_i mu_i or |c^_i| r_i, or d) takes at most 2
    /// roundings before a sum of 2 D + 1 terms, so with N = 2 D + 4 and S^ = fl(sum |c^_i| (|mu_i| + r_i) + |d|):
    /// |m^ - m| <= gamma_N S <= gamma_N / (1 - gamma_N) S^; m^ -/+ 3 gamma_N S^ also covers the final add and the
    /// Double rounding of gamma_N, then rounded outwards to Float. `coefficient(s, j, i)` gives c_i (i >= 0) or d
    /// (i = -1) of row j of sample s.
    private static func bound(n: Int, k: Int, d: Int, centre: Tensor, radius: Tensor,
                              coefficient: (Int, Int, Int) -> Double) -> Interval {
        let nu = Double(2 * d + 4) * doubleRoundoff, slack = 3 * nu / (1 - nu)
        var lower = Tensor(zeros: [n, k]), upper = lower
        for s in 0..<n {
            for j in 0..<k {
                let bias = coefficient(s, j, -1)
                var mid = bias, spread = 0.0, magnitude = abs(bias)
                for i in 0..<d {
                    let c = coefficient(s, j, i)
                    if c == 0 { continue }
                    let mu = Double(centre.data[s * d + i]), r = Double(radius.data[s * d + i])
                    mid += c * mu
                    spread += abs(c) * r
                    magnitude += abs(c) * (abs(mu) + r)
                }
                upper.data[s * k + j] = RoundingModel.upward(mid + spread + slack * magnitude)
                lower.data[s * k + j] = RoundingModel.downward(mid - spread - slack * magnitude)
            }
        }
        return Interval(lower: lower, upper: upper)
    }
}
