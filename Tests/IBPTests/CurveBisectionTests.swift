import Foundation
import XCTest
@testable import IBP

/// Issue #14: `curves` finds each sample's last certified eps by bisection over the grid (`CurveEvaluator`). Its
/// counts must equal the brute force's (`Evaluator`, every method at every eps) exactly, and its PGD line must stay
/// an upper bound of the verified line that does not grow with eps.
final class CurveBisectionTests: XCTestCase {
    private let checkpoints = ["small-nominal", "small-ibp-eps0.2", "small-ibp-eps0.4", "vissmall-baseline",
                               "vissmall-ibp-eps0.1"]
    private let grid = (0...45).map { Float($0) * 0.01 }

    private func network(_ name: String) throws -> any Classifier {
        try Checkpoint.load(packageRoot.appendingPathComponent("sample_data/checkpoints/\(name).ckpt")).makeNetwork()
    }

    private func encoded(_ results: [EvaluationResult]) throws -> [String] {
        try results.map { r in
            var r = r
            r.methodSeconds = r.methodSeconds.map { _ in 0 }
            return String(decoding: try JSONEncoder.sortedForTests.encode(r), as: UTF8.self)
        }
    }

    /// Every count (nominal, per method, any method, conflicts) at every eps equals the brute force's.
    private func assertEqualsBruteForce(_ net: any Classifier, _ data: Dataset, epsilons: [Float],
                                        methods: [BoundMethodName], batchSize: Int, _ label: String) throws {
        let fast = try CurveEvaluator.evaluate(net, on: data, epsilons: epsilons, pgd: { _ in nil }, seed: 0,
                                               methods: methods, batchSize: batchSize)
        let brute = try Evaluator.evaluate(net, on: data, epsilons: epsilons, pgd: { _ in nil }, seed: 0,
                                           methods: methods, batchSize: batchSize)
        XCTAssertEqual(try encoded(fast), try encoded(brute), label)
    }

    /// New user: `curves --epsilons 0:0.2:0.05` with `--pgd-every 5` attacked only at eps 0 and held that 96% up to
    /// 0.2, where PGD leaves 78%. The largest eps is always attacked too.
    func testPGDRunsAtTheLargestEpsilonToo() {
        XCTAssertEqual(AccuracyCurves.attackedIndices([0, 0.05, 0.1, 0.15, 0.2], pgdEvery: 5, pgdSteps: 20), [0, 4])
        XCTAssertEqual(AccuracyCurves.attackedIndices(grid, pgdEvery: 5, pgdSteps: 20), Array(stride(from: 0, through: 45, by: 5)))
        XCTAssertEqual(AccuracyCurves.attackedIndices([0.3, 0.1, 0.2], pgdEvery: 2, pgdSteps: 20), [0, 2])
        XCTAssertEqual(AccuracyCurves.attackedIndices([0.1, 0.3, 0.2], pgdEvery: 2, pgdSteps: 20), [0, 1, 2])
        XCTAssertEqual(AccuracyCurves.attackedIndices(grid, pgdEvery: 0, pgdSteps: 20), [])
        XCTAssertEqual(AccuracyCurves.attackedIndices(grid, pgdEvery: 5, pgdSteps: 0), [])
    }

    func testPerSampleBoxEqualsScalarBoxRowByRow() throws {
        let (x, _) = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
            .batch(0..<7)
        let epsilons: [Float] = [0, 0.013, 0.1, 0.3, 0.45, 1, 0.07]
        let box = InputBox(around: x, epsilons: epsilons)
        let size = x.sampleSize
        for (s, eps) in epsilons.enumerated() {
            let alone = InputBox(around: x, epsilon: eps)
            let rows = s * size..<(s + 1) * size
            XCTAssertEqual(box.lower.data[rows].map(\.bitPattern), alone.lower.data[rows].map(\.bitPattern), "row \(s)")
            XCTAssertEqual(box.upper.data[rows].map(\.bitPattern), alone.upper.data[rows].map(\.bitPattern), "row \(s)")
        }
    }

    /// The shipped 100 test images, every shipped checkpoint, the default 46-value grid; batches of 30 so that the
    /// last batch is short. CROWN-IBP (not inclusion-monotone) takes the brute-force path inside the same call.
    func testBisectionEqualsBruteForceOnShippedImages() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        for name in checkpoints {
            let net = try network(name)
            try assertEqualsBruteForce(net, data, epsilons: grid, methods: [.ibp], batchSize: 30, name)
            let verified = try CurveEvaluator.evaluate(net, on: data, epsilons: grid, pgd: { _ in nil }, seed: 0)
                .map(\.verified)
            // The grid must cross each IBP model's certified range somewhere, or the bisection is not exercised.
            if name.contains("ibp") {
                XCTAssertGreaterThan(verified.first!, 0, name)
                XCTAssertGreaterThan(verified.first!, verified.last!, name)
            }
        }
        try assertEqualsBruteForce(try network("small-ibp-eps0.2"), data, epsilons: [0, 0.05, 0.1, 0.2],
                                   methods: [.crownIBP, .ibp], batchSize: 30, "crown-ibp and ibp")
    }

    /// An unsorted grid with a repeated value: positions are by increasing eps, ties in input order.
    func testUnsortedGridWithDuplicates() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        try assertEqualsBruteForce(try network("small-ibp-eps0.4"), data, epsilons: [0.3, 0, 0.1, 0.45, 0.1, 0.2],
                                   methods: [.ibp], batchSize: 100, "unsorted")
        try assertEqualsBruteForce(try network("small-ibp-eps0.4"), data, epsilons: [0.2], methods: [.ibp],
                                   batchSize: 100, "one value")
    }

    /// A few hundred real test images in one batch of the default size, 500 (skipped without the MNIST test set:
    /// set IBP_MNIST or keep it in ../shared/mnist).
    func testBisectionEqualsBruteForceOnThreeHundredTestImages() throws {
        let env = ProcessInfo.processInfo.environment
        let dir = env["IBP_MNIST"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/mnist")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path)
        else { throw XCTSkip("no MNIST test set at \(dir.path) (set IBP_MNIST)") }
        let data = try Dataset.mnist(directory: dir, split: .test, limit: 300)
        for name in checkpoints.prefix(3) {
            try assertEqualsBruteForce(try network(name), data, epsilons: grid, methods: [.ibp], batchSize: 500, name)
        }
    }

    /// The early-stopping attack draws the same random start and breaks the same samples as the full attack (the
    /// batch shrinks, so a sample within rounding of a tie could differ; none does on these images).
    func testAttackUntilBrokenBreaksWhatTheFullAttackBreaks() throws {
        let (images, labels) = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"),
                                                 split: .test).batch(0..<100)
        var breaks = 0
        for name in ["small-nominal", "small-ibp-eps0.2"] {
            let net = try network(name)
            let x = net.shapedInput(images)
            for eps: Float in [0.02, 0.1, 0.3] {
                let pgd = PGD(epsilon: eps, steps: 10)
                var rngFull = RandomSource(seed: 5), rngEarly = RandomSource(seed: 5)
                let full = pgd.attack(net, x: x, labels: labels, rng: &rngFull).margins.map { !($0 < 0) }
                let early = pgd.attackUntilBroken(net, x: x, labels: labels, rng: &rngEarly).map { !($0 < 0) }
                XCTAssertEqual(early, full, "\(name) eps \(eps)")
                XCTAssertEqual(rngEarly.uniform(), rngFull.uniform(), "the same draws from the random source")
                breaks += full.filter { $0 }.count
            }
        }
        XCTAssertGreaterThan(breaks, 100)
    }

    /// PGD runs only on samples neither certified nor broken before: verified <= PGD-robust <= correct at every
    /// attacked eps, PGD-robust does not grow with eps (a break carries forward), the verified counts are those of
    /// the run without PGD (no certificate is contradicted here), and the attack does find breaks.
    func testPGDSkipsCertifiedAndCarriesBreaksForward() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        for name in ["small-nominal", "small-ibp-eps0.2"] {
            let net = try network(name)
            let pgd: (Int) -> PGD? = { k in k % 5 == 0 ? PGD(epsilon: self.grid[k], steps: 10) : nil }
            let attacked = try CurveEvaluator.evaluate(net, on: data, epsilons: grid, pgd: pgd, seed: 1, batchSize: 30)
            let plain = try CurveEvaluator.evaluate(net, on: data, epsilons: grid, pgd: { _ in nil }, seed: 1,
                                                    batchSize: 30)
            var previous = Int.max
            for (k, r) in attacked.enumerated() {
                XCTAssertEqual(r.conflicts, 0, "\(name) eps \(r.epsilon)")
                XCTAssertEqual(r.verified, plain[k].verified, "\(name) eps \(r.epsilon)")
                guard let robust = r.pgdCorrect else {
                    XCTAssertNotEqual(k % 5, 0)
                    continue
                }
                XCTAssertLessThanOrEqual(r.verified, robust, "\(name) eps \(r.epsilon)")
                XCTAssertLessThanOrEqual(robust, r.nominalCorrect, "\(name) eps \(r.epsilon)")
                XCTAssertLessThanOrEqual(robust, previous, "\(name) eps \(r.epsilon)")
                previous = robust
            }
            XCTAssertLessThan(attacked.last!.pgdCorrect!, attacked[0].nominalCorrect, name)
            // Who was attacked: at most the correct samples not certified at that eps (none at eps 0 on these).
            for r in attacked where r.pgdAttacked != nil {
                XCTAssertLessThanOrEqual(r.pgdAttacked!, r.nominalCorrect - r.verified, "\(name) eps \(r.epsilon)")
            }
        }
    }
}
