/// The accuracies behind `curves`: `Evaluator.evaluate` at every epsilon of a grid, the one place the figures call
/// it (its signature may grow a bound method; only this file then changes).
public enum AccuracyCurves {
    /// Nominal, verified (by `method`) and, when `pgd` is given, PGD accuracy of `network` on `data` at `epsilon`.
    /// `ibp` counts IBP certificates, `sound-ibp` the rounding-safe ones (`EvaluationResult.soundVerified`).
    /// - Throws: for methods the evaluator does not compute yet.
    public static func evaluate(_ network: Network, on data: Dataset, epsilon: Float, method: BoundMethodName, pgd: PGD?,
                                seed: UInt64) throws -> EvaluationResult {
        switch method {
        case .ibp:
            return Evaluator.evaluate(network, on: data, epsilon: epsilon, pgd: pgd, seed: seed)
        case .soundIBP:
            var result = Evaluator.evaluate(network, on: data, epsilon: epsilon, pgd: pgd, seed: seed, sound: true)
            result.verified = result.soundVerified ?? 0
            return result
        default:
            throw SettingsError(message: "bound method \(method.rawValue) is not available for accuracy curves in this build "
                                + "(ibp, sound-ibp)")
        }
    }

    /// One curve per method of `network` over `epsilons`; PGD (with `pgdSteps` steps and `seed`) runs for the first
    /// method only, at every `pgdEvery`-th epsilon (0: never). `progress` gets the number of evaluations done.
    public static func measure(_ network: Network, name: String, on data: Dataset, epsilons: [Float],
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
