/// The accuracies behind `curves`: `Evaluator.evaluate` at every epsilon of a grid, the one place the figures call
/// it.
public enum AccuracyCurves {
    /// Nominal, verified (by `method`, with the verdict rules of `Verification`) and, when `pgd` is given, PGD
    /// accuracy of `network` on `data` at `epsilon`.
    /// - Throws: `BoundMethodError` when the method cannot bound a layer of the network.
    public static func evaluate(_ network: any Classifier, on data: Dataset, epsilon: Float, method: BoundMethodName, pgd: PGD?,
                                seed: UInt64) throws -> EvaluationResult {
        try Evaluator.evaluate(network, on: data, epsilon: epsilon, pgd: pgd, seed: seed, methods: [method])
    }

    /// The grid positions PGD runs at: every `pgdEvery`-th, and the largest eps, so that the dashed line, held from
    /// one attack to the next, ends at a measured value (a grid of 5 values with `pgdEvery` 5 attacked only eps 0
    /// before, and drew that accuracy up to the last eps). Empty when `pgdEvery` or `pgdSteps` is 0.
    public static func attackedIndices(_ epsilons: [Float], pgdEvery: Int, pgdSteps: Int) -> [Int] {
        guard pgdEvery > 0, pgdSteps > 0, let largest = epsilons.indices.max(by: { epsilons[$0] < epsilons[$1] }) else {
            return []
        }
        return epsilons.indices.filter { $0 % pgdEvery == 0 || $0 == largest }
    }

    /// One curve per method of `network` over `epsilons`, from one pass over `data`: each batch classified once,
    /// then `CurveEvaluator.evaluate` (IBP by a bisection per sample over the grid, the same verified counts as
    /// bounding every epsilon; PGD only on samples neither certified nor already broken at a smaller eps), or with
    /// `exhaustive` the brute force `Evaluator.evaluate(_:on:epsilons:...)` (every method at every epsilon, PGD on
    /// every correctly classified sample), the reference the bisection is checked against. PGD (with `pgdSteps`
    /// steps and `seed`) runs at `attackedIndices` (every `pgdEvery`-th epsilon and the largest; 0: never) and is drawn with the first method's curve;
    /// every method's verdict counts it (a certificate PGD contradicts is a conflict, never verified). `progress`
    /// gets the number of samples done.
    public static func measure(_ network: any Classifier, name: String, on data: Dataset, epsilons: [Float],
                               methods: [BoundMethodName], pgdSteps: Int, pgdEvery: Int, seed: UInt64,
                               exhaustive: Bool = false,
                               progress: (Int) -> Void = { _ in }) throws -> [AccuracyCurve] {
        let attacked = Set(attackedIndices(epsilons, pgdEvery: pgdEvery, pgdSteps: pgdSteps))
        let pgd: (Int) -> PGD? = { k in attacked.contains(k) ? PGD(epsilon: epsilons[k], steps: pgdSteps) : nil }
        let joint = exhaustive
            ? try Evaluator.evaluate(network, on: data, epsilons: epsilons, pgd: pgd, seed: seed, methods: methods,
                                     progress: progress)
            : try CurveEvaluator.evaluate(network, on: data, epsilons: epsilons, pgd: pgd, seed: seed, methods: methods,
                                          progress: progress)
        return methods.enumerated().map { m, method in
            AccuracyCurve(name: name, method: method, results: joint.map { r in
                var one = r
                one.methods = [method]
                one.verifiedBy = [r.verifiedBy[m]]
                one.methodSeconds = [r.methodSeconds[m]]
                one.verified = r.verifiedBy[m]
                if m > 0 { one.pgdCorrect = nil; one.pgdAttacked = nil }
                return one
            })
        }
    }
}
