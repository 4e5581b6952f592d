import Foundation

/// Nominal, PGD and verified accuracy of a network on a data set at one epsilon, per bound method.
public struct EvaluationResult: Codable, Sendable {
    public var epsilon: Float
    public var count: Int
    public var nominalCorrect: Int
    /// Samples verified by at least one method (each method is sound, so one proof is enough), correctly
    /// classified and not broken by PGD (`Verification.verdict`).
    public var verified: Int
    /// Samples still classified correctly at the strongest PGD point found (a tie counts as broken); nil when PGD
    /// was not run.
    public var pgdCorrect: Int?
    /// Samples PGD was run on: `CurveEvaluator` attacks only those neither certified nor broken at a smaller eps;
    /// nil when PGD did not run or every correctly classified sample was attacked (`Evaluator`).
    public var pgdAttacked: Int?
    /// The bound methods run, in order, and what each verified (same rules as `verified`).
    public var methods: [BoundMethodName] = [.ibp]
    public var verifiedBy: [Int] = []
    /// Seconds each method's bounds took over the whole set.
    public var methodSeconds: [Double] = []
    /// Certificates contradicted by the forward pass or by PGD (float rounding at a tie or an overflow); never
    /// counted as verified. Nonzero means the plain float bounds were unsound on these samples.
    public var conflicts: Int = 0

    public var nominalAccuracy: Double { Double(nominalCorrect) / Double(max(count, 1)) }
    public var verifiedAccuracy: Double { Double(verified) / Double(max(count, 1)) }
    public var pgdAccuracy: Double? { pgdCorrect.map { Double($0) / Double(max(count, 1)) } }

    /// Verified accuracy of one method, nil when it did not run.
    public func verifiedAccuracy(_ method: BoundMethodName) -> Double? {
        methods.firstIndex(of: method).map { Double(verifiedBy[$0]) / Double(max(count, 1)) }
    }
}

extension EvaluationResult {
    /// Nothing counted yet at `epsilon` for `methods`: PGD's counts start at 0 when `pgd` runs, `pgdAttacked` too
    /// when `countsAttacked` (`CurveEvaluator`), and stay nil otherwise.
    static func empty(epsilon: Float, count: Int, methods: [BoundMethodName], pgd: Bool,
                      countsAttacked: Bool = false) -> EvaluationResult {
        EvaluationResult(epsilon: epsilon, count: count, nominalCorrect: 0, verified: 0, pgdCorrect: pgd ? 0 : nil,
                         pgdAttacked: pgd && countsAttacked ? 0 : nil, methods: methods,
                         verifiedBy: [Int](repeating: 0, count: methods.count),
                         methodSeconds: [Double](repeating: 0, count: methods.count))
    }
}

/// Test images `range` of a data set classified once, as both evaluators start every batch: the input in the
/// model's own shape (an ONNX model's [784, 1] reads the same pixels as [1, 28, 28]), the labels, the predictions
/// (-1 for non-finite logits), which are correct, and the elided specification.
struct ClassifiedBatch {
    let x: Tensor
    let labels: [Int]
    let predictions: [Int]
    let correct: [Bool]
    let specification: Specification
    var count: Int { labels.count }

    init(_ network: any Classifier, data: Dataset, range: Range<Int>) {
        let (images, labels) = data.batch(range)
        x = network.shapedInput(images)
        self.labels = labels
        predictions = CrossEntropy.predictions(network.logits(x))
        correct = zip(predictions, labels).map { $0 == $1 }
        specification = Specification.elided(labels: labels, classes: network.classes)
    }
}

/// One test image's outcome at one epsilon (`evaluate --per-sample`).
public struct SampleOutcome: Sendable {
    public var index: Int
    public var epsilon: Float
    public var label: Int
    public var prediction: Int
    /// nil when PGD was not run.
    public var pgdRobust: Bool?
    /// Per method (in `EvaluationResult.methods` order): verified, and the worst elided margin max_{j != y} of the
    /// upper bounds (negative = safe; nil when a bound left the finite floats).
    public var verified: [Bool]
    public var worstMargin: [Float?]
}

public enum Evaluator {
    /// Evaluates in batches of `batchSize`; `progress` is called with the number of samples done, `outcome` with
    /// every sample's result.
    /// - Throws: `BoundMethodError` when a method cannot bound a layer of the network.
    public static func evaluate(_ network: any Classifier, on data: Dataset, epsilon: Float, pgd: PGD?, seed: UInt64,
                                methods: [BoundMethodName] = [.ibp], batchSize: Int = 500,
                                progress: (Int) -> Void = { _ in },
                                outcome: ((SampleOutcome) -> Void)? = nil) throws -> EvaluationResult {
        try evaluate(network, on: data, epsilons: [epsilon], pgd: { _ in pgd }, seed: seed, methods: methods,
                     batchSize: batchSize, progress: progress, outcome: outcome)[0]
    }

    /// `evaluate` at every epsilon of `epsilons` in one pass over the data: each batch is read, shaped and classified
    /// once (the nominal forward pass is shared), then attacked and bounded at each epsilon. `pgd(k)` is the attack
    /// at `epsilons[k]` (nil: none). Each epsilon has its own random source seeded with `seed`, advanced batch by
    /// batch, so the results equal those of separate `evaluate` calls, bit for bit. `progress` gets the number of
    /// samples done (every epsilon evaluated).
    /// - Throws: `BoundMethodError` when a method cannot bound a layer of the network.
    public static func evaluate(_ network: any Classifier, on data: Dataset, epsilons: [Float], pgd: (Int) -> PGD?,
                                seed: UInt64, methods: [BoundMethodName] = [.ibp], batchSize: Int = 500,
                                progress: (Int) -> Void = { _ in },
                                outcome: ((SampleOutcome) -> Void)? = nil) throws -> [EvaluationResult] {
        let attacks = epsilons.indices.map(pgd)
        var results = zip(epsilons, attacks).map { epsilon, pgd in
            EvaluationResult.empty(epsilon: epsilon, count: data.count, methods: methods, pgd: pgd != nil)
        }
        var rngs = epsilons.map { _ in RandomSource(seed: seed) }
        var start = 0
        while start < data.count {
            let end = min(start + batchSize, data.count)
            let batch = ClassifiedBatch(network, data: data, range: start..<end)
            let (x, labels, predictions, correct, spec) = (batch.x, batch.labels, batch.predictions, batch.correct,
                                                           batch.specification)
            let n = batch.count
            for (k, epsilon) in epsilons.enumerated() {
                results[k].nominalCorrect += correct.filter { $0 }.count
                var attacked: [Bool?] = [Bool?](repeating: nil, count: n)
                if let pgd = attacks[k] {
                    let (_, margins) = pgd.attack(network, x: x, labels: labels, rng: &rngs[k])
                    // A sample survives PGD if it was classified correctly and no iterate reached a tie or crossed.
                    attacked = margins.map { !($0 < 0) }
                    results[k].pgdCorrect! += zip(correct, attacked).filter { $0 && $1 == false }.count
                }
                var any = [Bool](repeating: false, count: n)
                var perMethod: [[Bool]] = [], worst: [[Float?]] = []
                for (m, method) in methods.enumerated() {
                    let started = Date()
                    let bounds = try method.method.bounds(network.layers, box: InputBox(around: x, epsilon: epsilon),
                                                          specification: spec, upperOnly: true)
                    results[k].methodSeconds[m] += Date().timeIntervalSince(started)
                    let certified = Verification.certified(bounds, spec)
                    var verified = [Bool](repeating: false, count: n)
                    for s in 0..<n {
                        let v = Verification.verdict(certified: certified[s], correct: correct[s], attacked: attacked[s])
                        verified[s] = v.verified
                        if v.conflict { results[k].conflicts += 1 }
                        if v.verified { results[k].verifiedBy[m] += 1; any[s] = true }
                    }
                    perMethod.append(verified)
                    let classes = network.classes, upper = bounds.specification!.upper
                    worst.append((0..<n).map { s in
                        guard bounds.finite[s] else { return nil }
                        return (0..<classes).filter { $0 != labels[s] }.map { upper.data[s * classes + $0] }.max()
                    })
                }
                results[k].verified += any.filter { $0 }.count
                if let outcome {
                    for s in 0..<n {
                        outcome(SampleOutcome(index: start + s, epsilon: epsilon, label: labels[s],
                                              prediction: predictions[s], pgdRobust: attacked[s].map { !$0 && correct[s] },
                                              verified: perMethod.map { $0[s] }, worstMargin: worst.map { $0[s] }))
                    }
                }
            }
            start = end
            progress(start)
        }
        return results
    }
}
