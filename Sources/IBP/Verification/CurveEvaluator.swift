import Foundation

/// Accuracy on an epsilon grid with one bisection per sample instead of one bound per grid value: for an
/// inclusion-monotone method (`BoundMethodName.isInclusionMonotone`, IBP), certified(s, eps) is non-increasing in
/// eps, so each sample's certified grid values are a prefix of the sorted grid and about log2(K + 1) bound passes
/// find its end (6 instead of 46 for the default grid). PGD runs only where it can change the count.
///
/// Exactness against `Evaluator.evaluate(_:on:epsilons:...)` (the brute force, every method at every eps):
/// 1. Every (sample, eps) the bisection bounds is the same bits as the brute force's. A round bounds the whole
///    batch of `batchSize` samples at once, each sample in its own row with its own eps
///    (`InputBox(around:epsilons:)`, the same float operations as the scalar box): the batches, their shapes and
///    every sample's row are the brute force's, the GEMM's split depends on the shape only (`gemm`), and no IBP
///    kernel mixes rows or branches on another row's values. Samples whose bracket is already closed ride along
///    (their result is ignored): shrinking the batch would change the shapes and with them the rounding.
/// 2. The verdicts between probes are inferred from monotonicity. In real arithmetic this is a theorem (interval
///    arithmetic is inclusion-isotone and the eps-box, clipped to [0, 1], grows with eps). In floats the first
///    layer's radius |W| r is monotone too (round-to-nearest addition, and multiplication by |W| >= 0, are
///    monotone, in the same order at every eps), but the centre mu = (l + u) / 2 changes with eps where the box is
///    clipped, W mu is rounded anew, and from the first activation on the centre feeds the radius: the inferred
///    verdict can differ from the computed one only for a sample whose worst margin is within rounding of 0 at
///    two grid values. The bisection always
///    computes both neighbours of its boundary (the last certified and the first refuted grid value). On the
///    shipped `small` checkpoints it equals the brute force on every (image, eps) of the 10,000 MNIST test images
///    x 46 eps (1,380,000 verdicts; `scripts/check-curves.sh`), and `CurveBisectionTests` compares every count
///    on the shipped test images.
///
/// PGD (Madry et al., ICLR 2018), only at grid values where `pgd(k)` gives an attack, in increasing eps:
/// - a sample certified at eps by any method is robust there, so it is not attacked (it counts as PGD-robust);
/// - a sample broken at a smaller eps stays broken: its adversarial point lies in every larger box;
/// - the others (correctly classified, not yet broken, not certified) are attacked as one batch, each sample
///   leaving it at its first iterate with margin >= 0 (`PGD.attackUntilBroken`); `pgdAttacked` counts them.
/// So the PGD line is still an upper bound of robust accuracy, at most the brute force's line (which forgets
/// earlier breaks), and verified <= PGD-robust <= correct. The attacked batches are smaller, so the random starts
/// (one `RandomSource(seed:)` per grid value, advanced batch by batch) differ from the brute force's.
public enum CurveEvaluator {
    /// The `EvaluationResult` of each grid value (`epsilons` in any order, duplicates allowed), counted as
    /// described above. Methods that are not inclusion-monotone are bounded at every eps (the brute force).
    /// `methodSeconds` spreads a bisection's time evenly over the grid. `progress` gets the samples done.
    /// - Throws: `BoundMethodError` when a method cannot bound a layer of the network.
    public static func evaluate(_ network: any Classifier, on data: Dataset, epsilons: [Float], pgd: (Int) -> PGD?,
                                seed: UInt64, methods: [BoundMethodName] = [.ibp], batchSize: Int = 500,
                                progress: (Int) -> Void = { _ in }) throws -> [EvaluationResult] {
        let attacks = epsilons.indices.map(pgd)
        var results = zip(epsilons, attacks).map { epsilon, pgd in
            EvaluationResult.empty(epsilon: epsilon, count: data.count, methods: methods, pgd: pgd != nil,
                                   countsAttacked: true)
        }
        var rngs = epsilons.map { _ in RandomSource(seed: seed) }
        // Grid indices by increasing eps (ties in input order): the bisection's positions and PGD's order.
        let order = epsilons.indices.sorted { (epsilons[$0], $0) < (epsilons[$1], $1) }
        var start = 0
        while start < data.count {
            let end = min(start + batchSize, data.count)
            let batch = ClassifiedBatch(network, data: data, range: start..<end)
            let (x, correct, spec, n) = (batch.x, batch.correct, batch.specification, batch.count)
            // certified[m][k][s]: method m certifies sample s at epsilons[k] (bounds only; verdicts come last).
            var certified: [[[Bool]]] = []
            for (m, method) in methods.enumerated() {
                let started = Date()
                if method.isInclusionMonotone {
                    certified.append(try bisect(network, method: method, x: x, specification: spec, epsilons: epsilons,
                                                order: order))
                    let seconds = Date().timeIntervalSince(started) / Double(max(epsilons.count, 1))
                    for k in epsilons.indices { results[k].methodSeconds[m] += seconds }
                } else {
                    var perEpsilon: [[Bool]] = []
                    for (k, epsilon) in epsilons.enumerated() {
                        let clock = Date()
                        perEpsilon.append(try certify(network, method: method, x: x, specification: spec,
                                                      epsilons: [Float](repeating: epsilon, count: n)))
                        results[k].methodSeconds[m] += Date().timeIntervalSince(clock)
                    }
                    certified.append(perEpsilon)
                }
            }
            // PGD in increasing eps, carrying breaks forward; attacked[k] stays nil where no attack ran.
            var attacked = [[Bool]?](repeating: nil, count: epsilons.count)
            var broken = [Bool](repeating: false, count: n)
            for k in order {
                guard let attack = attacks[k] else { continue }
                let targets = (0..<n).filter { s in
                    correct[s] && !broken[s] && !certified.contains { $0[k][s] }
                }
                if !targets.isEmpty {
                    let (subset, subsetLabels) = data.batch(targets.map { start + $0 })
                    let margins = attack.attackUntilBroken(network, x: network.shapedInput(subset),
                                                           labels: subsetLabels, rng: &rngs[k])
                    // Broken when some iterate reached a tie or crossed (as `Evaluator`).
                    for (i, s) in targets.enumerated() where !(margins[i] < 0) { broken[s] = true }
                }
                attacked[k] = broken
                results[k].pgdAttacked! += targets.count
                results[k].pgdCorrect! += (0..<n).filter { correct[$0] && !broken[$0] }.count
            }
            let correctCount = correct.filter { $0 }.count
            for k in epsilons.indices {
                results[k].nominalCorrect += correctCount
                var any = [Bool](repeating: false, count: n)
                for m in methods.indices {
                    for s in 0..<n {
                        let v = Verification.verdict(certified: certified[m][k][s], correct: correct[s],
                                                     attacked: attacked[k]?[s])
                        if v.conflict { results[k].conflicts += 1 }
                        if v.verified { results[k].verifiedBy[m] += 1; any[s] = true }
                    }
                }
                results[k].verified += any.filter { $0 }.count
            }
            start = end
            progress(start)
        }
        return results
    }

    /// Whether `method` certifies each row of `x` in its own box of radius `epsilons[s]` (`Verification.certified`).
    static func certify(_ network: any Classifier, method: BoundMethodName, x: Tensor, specification: Specification,
                        epsilons: [Float]) throws -> [Bool] {
        let bounds = try method.method.bounds(network.layers, box: InputBox(around: x, epsilons: epsilons),
                                              specification: specification, upperOnly: true)
        return Verification.certified(bounds, specification)
    }

    /// certified[k][s] for every grid index k, by bisection over the grid positions `order` (increasing eps), on
    /// the assumption that certified is non-increasing in eps. Per sample, `lo` is the last position known
    /// certified (-1: none) and `hi` the first known refuted (`order.count`: none); each round bounds the whole
    /// batch once, every open sample at the middle of its bracket, until every bracket is closed (hi = lo + 1):
    /// ceil(log2(K + 1)) rounds for K grid values. Misclassified samples are bisected like the others (they cost
    /// nothing extra: the batch is bounded whole), so the conflict counts also equal the brute force's.
    static func bisect(_ network: any Classifier, method: BoundMethodName, x: Tensor, specification: Specification,
                       epsilons: [Float], order: [Int]) throws -> [[Bool]] {
        let n = x.batch, positions = order.count
        var lo = [Int](repeating: -1, count: n), hi = [Int](repeating: positions, count: n)
        while (0..<n).contains(where: { hi[$0] - lo[$0] > 1 }) {
            // A closed sample is bounded at a grid value it already knows; its result is not used.
            let probe = (0..<n).map { s in hi[s] - lo[s] > 1 ? (lo[s] + hi[s]) / 2 : max(lo[s], 0) }
            let certified = try certify(network, method: method, x: x, specification: specification,
                                        epsilons: probe.map { epsilons[order[$0]] })
            for s in 0..<n where hi[s] - lo[s] > 1 {
                if certified[s] { lo[s] = probe[s] } else { hi[s] = probe[s] }
            }
        }
        var position = [Int](repeating: 0, count: positions)
        for (p, k) in order.enumerated() { position[k] = p }
        return epsilons.indices.map { k in (0..<n).map { s in position[k] <= lo[s] } }
    }
}
