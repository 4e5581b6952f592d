/// The elided margins of `ElidedSpecification`, bounded above rigorously (computed in Double, rounded up to Float).
enum SoundSpecification {
    /// Double unit roundoff, 2^-53.
    private static let doubleRoundoff: Double = 0x1p-53

    /// In reals m_j = d mu + (b_j - b_y) + |d| r with d = W_j - W_y over the head input [mu - r, mu + r].
    /// In Double each term (d^ = fl(W_j - W_y), then d^_i mu_i or |d^_i| r_i, or fl(b_j - b_y)) takes at most
    /// 2 roundings before a sum of 2 d + 1 terms (S's terms 3), so with N = 2 d + 4 and
    /// S^ = fl(sum |d^_i| (|mu_i| + r_i) + |b_j - b_y|): |m^ - m| <= gamma_N S <= gamma_N / (1 - gamma_N) S^;
    /// m^ + 3 gamma_N S^ also covers the final add and the Double rounding of gamma_N, then rounded up to Float.
    static func margins(head: Linear, box: IntervalBounds, labels: [Int]) -> Tensor {
        let n = box.centre.batch, d = head.inFeatures, k = head.outFeatures
        precondition(labels.count == n && box.centre.sampleSize == d)
        let nu = Double(2 * d + 4) * doubleRoundoff, slack = 3 * nu / (1 - nu)
        let w = head.weight.value.data, b = head.bias.value.data
        var out = Tensor(zeros: [n, k])
        for s in 0..<n {
            let y = labels[s], mu = s * d
            for j in 0..<k where j != y {
                let bias = Double(b[j]) - Double(b[y])
                var m = bias, magnitude = abs(bias)
                for i in 0..<d {
                    let diff = Double(w[j * d + i]) - Double(w[y * d + i])
                    let c = Double(box.centre.data[mu + i]), r = Double(box.radius.data[mu + i])
                    m += diff * c + abs(diff) * r
                    magnitude += abs(diff) * (abs(c) + r)
                }
                out.data[s * k + j] = RoundingModel.upward(m + slack * magnitude)
            }
        }
        return out
    }
}
