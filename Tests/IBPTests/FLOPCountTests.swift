import XCTest
@testable import IBP

/// The FLOP counts behind ibp-bench's GFLOP/s rows and compare-pytorch's "what the goals need" lines, by hand for
/// `small`: conv 16 4x4/2 on 28x28 (13x13 out), conv 32 4x4/1 (10x10 out), linear 3200 -> 100 -> 10.
final class FLOPCountTests: XCTestCase {
    func testSmallCountsByHand() throws {
        let network = Network(try XCTUnwrap(Architecture.named("small")))
        let multiplyAdds = 16 * (1 * 4 * 4) * 169 + 32 * (16 * 4 * 4) * 100 + 100 * 3200 + 10 * 100
        XCTAssertEqual(multiplyAdds, 1_183_464)
        XCTAssertEqual(network.forwardMultiplyAdds, multiplyAdds)
        // A training pass: forward 2 FLOPs per multiply-add, backward twice that; IBP: nominal, centre, radius.
        XCTAssertEqual(network.trainingFLOPs(bounds: false), Double(6 * multiplyAdds))
        XCTAssertEqual(network.trainingFLOPs(bounds: true), Double(18 * multiplyAdds))
        // Verification: the centre and radius forward passes.
        XCTAssertEqual(network.verificationFLOPs, Double(4 * multiplyAdds))
    }
}
