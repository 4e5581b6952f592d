/// Verification by IBP: a sample is verified when every worst-case elided margin is negative.
public enum Verification {
    /// Whether each row of `margins` proves its label (all m_j < 0 for j != y).
    public static func verified(margins: Tensor, labels: [Int]) -> [Bool] {
        let k = margins.sampleSize
        return (0..<margins.batch).map { s in
            (0..<k).allSatisfy { j in j == labels[s] || margins.data[s * k + j] < 0 }
        }
    }

    public static func verifiedCount(margins: Tensor, labels: [Int]) -> Int {
        verified(margins: margins, labels: labels).filter { $0 }.count
    }
}
