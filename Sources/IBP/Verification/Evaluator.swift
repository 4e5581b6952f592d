/// Nominal, verified (IBP, optionally sound) and PGD accuracy of a network on a data set at one epsilon.
public struct EvaluationResult: Codable, Sendable {
    public var epsilon: Float
    public var count: Int
    public var nominalCorrect: Int
    public var verified: Int
    /// Samples still classified correctly at the strongest PGD point found; nil when PGD was not run.
    public var pgdCorrect: Int?
    /// Samples verified by sound-mode IBP (`Network.soundMargins`), a proof despite float rounding; nil when not run.
    public var soundVerified: Int? = nil

    public var nominalAccuracy: Double { Double(nominalCorrect) / Double(max(count, 1)) }
    public var verifiedAccuracy: Double { Double(verified) / Double(max(count, 1)) }
    public var pgdAccuracy: Double? { pgdCorrect.map { Double($0) / Double(max(count, 1)) } }
    public var soundVerifiedAccuracy: Double? { soundVerified.map { Double($0) / Double(max(count, 1)) } }
}

public enum Evaluator {
    /// Evaluates in batches of `batchSize`; `progress` is called with the number of samples done.
    /// With `sound` it also counts the samples that sound-mode IBP verifies (`EvaluationResult.soundVerified`).
    public static func evaluate(_ network: Network, on data: Dataset, epsilon: Float, pgd: PGD?, seed: UInt64,
                                sound: Bool = false, batchSize: Int = 500,
                                progress: (Int) -> Void = { _ in }) -> EvaluationResult {
        var result = EvaluationResult(epsilon: epsilon, count: data.count, nominalCorrect: 0, verified: 0,
                                      pgdCorrect: pgd == nil ? nil : 0, soundVerified: sound ? 0 : nil)
        var rng = RandomSource(seed: seed)
        var start = 0
        while start < data.count {
            let end = min(start + batchSize, data.count)
            let (x, labels) = data.batch(start..<end)
            let (logits, margins) = network.logitsAndMargins(x, labels: labels, epsilon: epsilon)
            let predictions = CrossEntropy.predictions(logits)
            let correct = zip(predictions, labels).map { $0 == $1 }
            result.nominalCorrect += correct.filter { $0 }.count
            result.verified += Verification.verifiedCount(margins: margins, labels: labels)
            if sound {
                let soundMargins = network.soundMargins(x: x, labels: labels, epsilon: epsilon)
                result.soundVerified! += Verification.verifiedCount(margins: soundMargins, labels: labels)
            }
            if let pgd {
                let (_, attackMargins) = pgd.attack(network, x: x, labels: labels, rng: &rng)
                // A sample survives PGD if it was classified correctly and no iterate crossed the boundary.
                result.pgdCorrect! += zip(correct, attackMargins).filter { $0 && $1 <= 0 }.count
            }
            start = end
            progress(start)
        }
        return result
    }
}
