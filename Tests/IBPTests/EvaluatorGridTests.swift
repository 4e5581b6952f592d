import Foundation
import XCTest
@testable import IBP

/// Issue #14 (a): `curves` evaluates every epsilon of a checkpoint in one pass over the data. The joint evaluation
/// must give exactly what separate evaluations give (nominal, PGD with the same random starts, every method's
/// verdicts), and the curves built from it must carry each method's own counts.
final class EvaluatorGridTests: XCTestCase {
    private let sampleData = packageRoot.appendingPathComponent("sample_data/mnist")

    private func encoded(_ r: EvaluationResult) throws -> String {
        var r = r
        r.methodSeconds = r.methodSeconds.map { _ in 0 }
        return String(decoding: try JSONEncoder.sortedForTests.encode(r), as: UTF8.self)
    }

    func testOnePassEqualsSeparateEvaluations() throws {
        let data = try Dataset.mnist(directory: sampleData, split: .test)
        let network = try Checkpoint.load(packageRoot.appendingPathComponent("sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt"))
            .makeNetwork()
        let epsilons: [Float] = [0, 0.05, 0.1, 0.2]
        let methods: [BoundMethodName] = [.ibp, .crownIBP]
        let pgd: (Int) -> PGD? = { k in k % 2 == 0 ? PGD(epsilon: epsilons[k], steps: 5) : nil }
        var outcomes: [String] = []
        // batch 30: several batches, the last one short, so the per-epsilon random sources advance as separate runs do.
        let joint = try Evaluator.evaluate(network, on: data, epsilons: epsilons, pgd: pgd, seed: 3, methods: methods,
                                           batchSize: 30, outcome: { outcomes.append("\($0.index) \($0.epsilon) \($0.verified)") })
        XCTAssertEqual(outcomes.count, data.count * epsilons.count)
        for (k, eps) in epsilons.enumerated() {
            let alone = try Evaluator.evaluate(network, on: data, epsilon: eps, pgd: pgd(k), seed: 3, methods: methods,
                                               batchSize: 30)
            XCTAssertEqual(try encoded(joint[k]), try encoded(alone), "eps \(eps)")
        }
        XCTAssertGreaterThan(joint[2].verifiedBy[0], 0)
        XCTAssertNotNil(joint[2].pgdCorrect)
        XCTAssertNil(joint[1].pgdCorrect)
        // The curves: one per method, each with that method's counts; PGD with the first method only. They come
        // from `CurveEvaluator` (its counts against this brute force: `CurveBisectionTests`), or with `exhaustive`
        // from the brute force itself.
        // The curves attack at every 2nd eps and at the largest (`AccuracyCurves.attackedIndices`: 0, 2 and 3).
        XCTAssertEqual(AccuracyCurves.attackedIndices(epsilons, pgdEvery: 2, pgdSteps: 5), [0, 2, 3])
        let curvesPGD: (Int) -> PGD? = { k in k % 2 == 0 || k == 3 ? PGD(epsilon: epsilons[k], steps: 5) : nil }
        for exhaustive in [false, true] {
            let curves = try AccuracyCurves.measure(network, name: "v", on: data, epsilons: epsilons, methods: methods,
                                                    pgdSteps: 5, pgdEvery: 2, seed: 3, exhaustive: exhaustive)
            let reference = exhaustive
                ? try Evaluator.evaluate(network, on: data, epsilons: epsilons, pgd: curvesPGD, seed: 3, methods: methods)
                : try CurveEvaluator.evaluate(network, on: data, epsilons: epsilons, pgd: curvesPGD, seed: 3, methods: methods)
            XCTAssertEqual(curves.map(\.method), methods)
            for (m, curve) in curves.enumerated() {
                for (k, r) in curve.results.enumerated() {
                    XCTAssertEqual(r.verified, reference[k].verifiedBy[m])
                    XCTAssertEqual(r.verifiedAccuracy(methods[m]), Double(reference[k].verifiedBy[m]) / Double(data.count))
                    XCTAssertEqual(r.pgdCorrect, m == 0 ? reference[k].pgdCorrect : nil)
                    XCTAssertEqual(r.pgdAttacked, m == 0 ? reference[k].pgdAttacked : nil)
                    XCTAssertEqual(r.nominalCorrect, reference[k].nominalCorrect)
                }
            }
            XCTAssertEqual(curves[0].results[0].pgdAttacked == nil, exhaustive)
        }
    }
}

extension JSONEncoder {
    static var sortedForTests: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
