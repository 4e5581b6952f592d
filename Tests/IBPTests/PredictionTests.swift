import XCTest
@testable import IBP

/// A non-finite output predicts no class: nominal accuracy, PGD and verification never count it (a new user's ONNX
/// net with huge weights had NaN logits counted as correct and PGD-robust, 7% at every eps).
final class PredictionTests: XCTestCase {
    func testPredictedClassIsTheUniqueLargestFiniteLogit() {
        XCTAssertEqual(Verification.predictedClass([1, 3, 2][...]), 1)
        XCTAssertEqual(Verification.predictedClass([3, 1, 3][...]), -1)      // a tie classifies nothing (counted against the label)
        XCTAssertEqual(Verification.predictedClass([3, 3, 5][...]), 2)       // a tie below the largest does not matter
        XCTAssertEqual(Verification.predictedClass([0, 0, 0][...]), -1)
        XCTAssertEqual(Verification.predictedClass([0, 5, 1, 2][1...]), 0)   // indices relative to the row
        XCTAssertEqual(Verification.predictedClass([.nan, 1, 2][...]), -1)
        XCTAssertEqual(Verification.predictedClass([0, .infinity, 2][...]), -1)
        XCTAssertEqual(Verification.predictedClass([-.infinity, 0][...]), -1)
        XCTAssertEqual(Verification.predictedClass([][...]), -1)
    }

    func testRowsWithNonFiniteLogitsAreNeverCorrect() {
        let logits = Tensor(shape: [3, 3], data: [0, 1, 0, .nan, 0, 0, 9, .infinity, 0])
        XCTAssertEqual(CrossEntropy.predictions(logits), [1, -1, -1])
    }

    /// End to end: a dense net whose first layer overflows to inf for every image (weights 1e38, then a sum of
    /// 784 pixels) gives inf - inf = NaN logits: nominal, PGD and verified all 0%.
    func testEvaluatorCountsNoNonFiniteSampleAsCorrect() throws {
        let net = Network(Architecture(name: "nan-net", inputShape: [1, 28, 28],
                                       layers: [.flatten, .linear(units: 2), .linear(units: 10)]))
        let params = net.parameters
        for i in params[0].value.data.indices { params[0].value.data[i] = 3e38 }
        for i in params[2].value.data.indices { params[2].value.data[i] = i % 2 == 0 ? 1 : -1 }
        let images = Tensor(shape: [4, 1, 28, 28], data: [Float](repeating: 0.5, count: 4 * 784))
        let logits = net.logits(images)
        XCTAssertTrue(logits.data.contains { !$0.isFinite }, "the net must overflow for the test to mean anything")
        let data = Dataset(sampleShape: [1, 28, 28], pixels: images.data, labels: [0, 1, 2, 3])
        let result = try Evaluator.evaluate(net, on: data, epsilon: 0.1, pgd: PGD(epsilon: 0.1, steps: 5), seed: 0,
                                            methods: [.ibp, .crownIBP])
        XCTAssertEqual(result.nominalCorrect, 0)
        XCTAssertEqual(result.pgdCorrect, 0)
        XCTAssertEqual(result.verified, 0)
    }

    /// New user: a network whose logits all tie (all weights zero) scored 15% nominal but 0% PGD at eps 0. A tie
    /// classifies nothing, so both are 0 and equal at eps 0.
    func testTiedLogitsAreNeitherCorrectNorRobust() throws {
        let net = Network(Architecture(name: "zeros", inputShape: [1, 28, 28], layers: [.flatten, .linear(units: 10)]))
        for p in net.parameters { p.value.data = [Float](repeating: 0, count: p.value.count) }
        let images = Tensor(shape: [20, 1, 28, 28], data: (0..<20 * 784).map { Float($0 % 7) / 7 })
        let data = Dataset(sampleShape: [1, 28, 28], pixels: images.data, labels: (0..<20).map { $0 % 10 })
        let result = try Evaluator.evaluate(net, on: data, epsilon: 0, pgd: PGD(epsilon: 0, steps: 5), seed: 0)
        XCTAssertEqual(result.nominalCorrect, 0)
        XCTAssertEqual(result.pgdCorrect, result.nominalCorrect)
        XCTAssertEqual(result.verified, 0)
    }
}
