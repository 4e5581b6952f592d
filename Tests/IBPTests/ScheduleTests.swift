import XCTest
@testable import IBP

final class ScheduleTests: XCTestCase {
    func testPaperSchedule() {
        let s = Schedule(epsilonTrain: 0.4)
        XCTAssertEqual(s.epsilon(at: 0), 0)
        XCTAssertEqual(s.kappa(at: 1999), 1)
        XCTAssertEqual(s.epsilon(at: 7000), 0.2, accuracy: 1e-6)
        XCTAssertEqual(s.kappa(at: 7000), 0.75, accuracy: 1e-6)
        XCTAssertEqual(s.epsilon(at: 12000), 0.4)
        XCTAssertEqual(s.kappa(at: 50000), 0.5)
        XCTAssertEqual(s.learningRate(at: 14999), 1e-3)
        XCTAssertEqual(s.learningRate(at: 15000), 1e-4, accuracy: 1e-10)
        XCTAssertEqual(s.learningRate(at: 25000), 1e-5, accuracy: 1e-11)
    }

    func testBatchOrderIsAPermutationPerEpochAndRepeatable() {
        var a = BatchOrder(seed: 3, count: 10), b = BatchOrder(seed: 3, count: 10)
        let epoch = (0..<5).flatMap { a.indices(step: $0, batchSize: 2) }
        XCTAssertEqual(Set(epoch), Set(0..<10))
        XCTAssertEqual(b.indices(step: 4, batchSize: 2), Array(epoch[8..<10]))
        XCTAssertNotEqual((5..<10).flatMap { a.indices(step: $0, batchSize: 2) }, epoch)
    }

    func testOrthogonalInitialiser() {
        var rng = RandomSource(seed: 1)
        for (rows, cols) in [(4, 9), (9, 4)] {
            let m = Initializer.orthogonalMatrix(rows: rows, cols: cols, rng: &rng)
            let k = min(rows, cols)
            for a in 0..<k {
                for b in 0..<k {
                    var dot: Float = 0
                    for i in 0..<max(rows, cols) {
                        dot += rows <= cols ? m[a * cols + i] * m[b * cols + i] : m[i * cols + a] * m[i * cols + b]
                    }
                    XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-5)
                }
            }
        }
    }
}
