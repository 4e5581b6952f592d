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

    /// One curve per method of `network` over `epsilons`; PGD (with `pgdSteps` steps and `seed`) runs for the first
    /// method only, at every `pgdEvery`-th epsilon (0: never). `progress` gets the number of evaluations done.
    public static func measure(_ network: any Classifier, name: String, on data: Dataset, epsilons: [Float],
                               methods: [BoundMethodName], pgdSteps: Int, pgdEvery: Int, seed: UInt64,
                               progress: (Int) -> Void = { _ in }) throws -> [AccuracyCurve] {
        var done = 0
        return try methods.enumerated().map { m, method in
            let results = try epsilons.enumerated().map { k, eps -> EvaluationResult in
                let attack = m == 0 && pgdEvery > 0 && pgdSteps > 0 && k % pgdEvery == 0
                let result = try evaluate(network, on: data, epsilon: eps, method: method,
                                          pgd: attack ? PGD(epsilon: eps, steps: pgdSteps) : nil, seed: seed)
                done += 1
                progress(done)
                return result
            }
            return AccuracyCurve(name: name, method: method, results: results)
        }
    }
}
