/// Verdicts. A sample counts as verified only when (1) a sound bound method proves every disjunct of the
/// specification false with finite bounds all the way (`ChainBounds.finite`), (2) the plain forward pass classifies
/// it correctly, and (3) no attack found a counterexample. (2) and (3) can only fail when float rounding faked a
/// certificate (a tie the bound rounded to a negative margin, or overflow); such samples are counted as conflicts,
/// never as verified, so verified <= PGD-robust <= correct holds in every report (ERAN's and VNN-COMP's convention:
/// a tie counts against the label).
public enum Verification {
    /// The class a row of logits predicts: the index of the largest logit, or -1 when the largest logit is shared
    /// (a tie) or any logit is NaN or infinite. A tie classifies nothing, as PGD and the bounds already count it
    /// against the label, so nominal and PGD accuracy agree at eps 0 (new user: an all-zero network scored 15%
    /// nominal and 0% PGD at eps 0); a non-finite output classifies nothing either (an argmax over NaN would name
    /// an arbitrary class). Either way the sample is never counted correct, PGD-robust or verified.
    public static func predictedClass(_ logits: ArraySlice<Float>) -> Int {
        guard var best = logits.indices.first else { return -1 }
        var tied = false
        for j in logits.indices {
            guard logits[j].isFinite else { return -1 }
            if logits[j] > logits[best] { best = j; tied = false }
            else if j != best && logits[j] == logits[best] { tied = true }
        }
        return tied ? -1 : best - logits.startIndex
    }

    /// Whether each row of elided worst-case margins proves its label: every m_j with j != y finite and negative.
    public static func verified(margins: Tensor, labels: [Int]) -> [Bool] {
        let k = margins.sampleSize
        return (0..<margins.batch).map { s in
            (0..<k).allSatisfy { j in
                let m = margins.data[s * k + j]
                return j == labels[s] || (m.isFinite && m < 0)
            }
        }
    }

    public static func verifiedCount(margins: Tensor, labels: [Int]) -> Int {
        verified(margins: margins, labels: labels).filter { $0 }.count
    }

    /// What a bound method certifies: the specification holds by its bounds and every bound of the sample is finite.
    public static func certified(_ bounds: ChainBounds, _ specification: Specification) -> [Bool] {
        guard let spec = bounds.specification else { return [Bool](repeating: false, count: specification.batch) }
        return zip(specification.holds(upper: spec.upper), bounds.finite).map { $0 && $1 }
    }

    /// The sample's verdict from a certificate, the plain forward pass and an attack (nil when none ran):
    /// verified only when all three agree; a certificate contradicted by either is a conflict.
    public static func verdict(certified: Bool, correct: Bool, attacked: Bool?) -> (verified: Bool, conflict: Bool) {
        let consistent = correct && attacked != true
        return (certified && consistent, certified && !consistent)
    }
}
