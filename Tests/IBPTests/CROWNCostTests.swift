import XCTest
@testable import IBP
import IBPFormats

/// CROWN's work grows with the square of the depth (every affine stage's own backward pass): a network whose
/// estimate (`CROWNCost`) is over the limit is refused by `crown` before any work, in one line, with the methods
/// that can bound it; the shipped architectures are not.
final class CROWNCostTests: XCTestCase {
    /// dense 2 -> 3, ReLU, dense 3 -> 2: the second layer's 2 x 2 rows step back through the ReLU (3 + stepCost)
    /// and the first layer (3 x 2 + stepCost); the first layer's rows start at the input (no work).
    func testEstimateByHand() {
        var rand = TestRandom(3)
        let net = rand.chainModel("hand", inputShape: [2], [rand.dense(2, 3), .relu, rand.dense(3, 2)])
        XCTAssertEqual(CROWNCost.multiplyAdds(net.layers), 2 * 2 * (3 * 2 + 3 + 2 * CROWNCost.stepCost))
    }

    func testTheArchitecturesAreBoundedAndADeepChainIsRefused() {
        for name in ["tiny", "small", "medium", "vissmall", "medium-bn"] {
            let layers = Network(Architecture.named(name)!).layers
            XCTAssertLessThan(CROWNCost.multiplyAdds(layers), CROWNCost.limit, name)
            XCTAssertNil(BoundMethodName.crown.refusal(layers), name)
        }
        // 8,000 pairs of a 10 x 10 dense layer and tanh (trial 30's file had 20,000, sharing one weight).
        var rand = TestRandom(4)
        let pair = [rand.dense(10, 10), ChainOp.tanh]
        let deep = rand.chainModel("deep", inputShape: [10], Array(repeating: pair, count: 8000).flatMap { $0 })
        XCTAssertGreaterThan(CROWNCost.multiplyAdds(deep.layers), CROWNCost.limit)
        let refusal = BoundMethodName.crown.refusal(deep.layers)
        XCTAssertEqual(refusal.map { "\($0)" }?.contains("over the limit of 1,099,511,627,776"), true, "\(String(describing: refusal))")
        // CROWN-IBP's one pass from the specification and IBP are linear in the depth.
        for method in [BoundMethodName.ibp, .soundIBP, .crownIBP] { XCTAssertNil(method.refusal(deep.layers), "\(method)") }
        XCTAssertEqual(BoundMethodName.advice(refused: [.crown], given: [.crown], layers: deep.layers, flag: "--bounds"),
                       "give ibp or sound-ibp or crown-ibp in --bounds instead")
    }

    func testSaturates() {
        var rand = TestRandom(5)
        let wide = rand.chainModel("wide", inputShape: [1], [rand.dense(1, 1)])
        XCTAssertEqual(CROWNCost.multiplyAdds(wide.layers), 0)
        XCTAssertEqual(CROWNCost.multiplyAdds(Array(repeating: Network(Architecture.named("medium")!).layers, count: 20_000)
            .flatMap { $0 }), Int.max)
    }
}
