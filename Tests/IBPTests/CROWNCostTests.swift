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

    /// conv 1 -> 2 3x3 on 6 x 6, ReLU, conv 2 -> 2 3x3: the second convolution's 16 rows are held on windows
    /// (`ConvolutionWindows`): 2 x 3 x 3 over the ReLU, 5 x 5 over the input, so a row steps through the ReLU on its
    /// window (18), through the first convolution as 2 out-channels x 3 x 3 window pixels x a 9-weight patch (162)
    /// and reads the box on 25 pixels; the first convolution's 32 rows read the box on their 3 x 3 kernel.
    func testConvolutionsAreEstimatedOnTheirWindows() {
        var rand = TestRandom(6)
        let net = rand.chainModel("windows", inputShape: [1, 6, 6],
                                  [rand.conv(1, 2, kernel: (3, 3)), .relu, rand.conv(2, 2, kernel: (3, 3))])
        XCTAssertEqual(CROWNCost.multiplyAdds(net.layers),
                       2 * 32 * 9 + 2 * 8 * (25 + 162 + CROWNCost.stepCost + 18 + CROWNCost.stepCost))
    }

    /// Trial 31: four 3x3 SAME convolutions of 32 channels on MNIST, which CROWN bounds in seconds per
    /// image, were estimated at 1.1 x 10^12 multiply-adds per image (every neuron's row as a dense vector) and
    /// refused; on their windows they are 2.4 x 10^10 (CROWN bounds it in about 1.4 s per image here).
    func testASmallCNNIsNotRefused() {
        var rand = TestRandom(7)
        let same = Padding2D(top: 1, left: 1, bottom: 1, right: 1)
        var ops = [rand.conv(1, 32, kernel: (3, 3), pads: same), ChainOp.relu]
        for _ in 0..<3 { ops += [rand.conv(32, 32, kernel: (3, 3), pads: same), .relu] }
        let cnn = rand.chainModel("conv4x32", inputShape: [1, 28, 28], ops + [.reshape([32 * 28 * 28]), rand.dense(32 * 28 * 28, 10)])
        XCTAssertLessThan(CROWNCost.multiplyAdds(cnn.layers), 1 << 35)
        XCTAssertNil(BoundMethodName.crown.refusal(cnn.layers))
    }

    /// The limit holds for a whole command too (trial 31: a chain just under the per-box limit took 21.8 s per image,
    /// some 60 hours over MNIST's test set): `medium` is bounded over 10,000 images at one eps, not at 100 eps.
    func testTheCommandsWorkIsBudgeted() {
        let layers = Network(Architecture.named("medium")!).layers
        XCTAssertNil(BoundMethodName.crown.refusal(layers, boxes: 10_000))
        let refusal = BoundMethodName.crown.refusal(layers, boxes: 1_000_000)
        guard case let .tooCostlyCommand(method, work, boxes, limit, averaged)? = refusal else {
            return XCTFail("\(String(describing: refusal))")
        }
        let perBox = CROWNCost.multiplyAdds(layers)
        XCTAssertEqual([method, "\(work)", "\(boxes)", "\(limit)", "\(averaged)"],
                       ["crown", "\(perBox * 1_000_000)", "1000000", "\(CROWNCost.commandLimit)", "false"])
        XCTAssertEqual(BoundMethodName.fitting(1_000_000, work: work), CROWNCost.commandLimit / perBox)
        XCTAssertTrue("\(refusal!)".contains("for the 1,000,000 input boxes this command bounds"), "\(refusal!)")
        // The README's limits table: medium over MNIST's 10,000 test images at 4 eps; large at one eps up to 1,746.
        XCTAssertNil(BoundMethodName.crown.refusal(layers, boxes: 40_000))
        let large = Network(Architecture.named("large")!).layers
        XCTAssertNil(BoundMethodName.crown.refusal(large, boxes: 1746))
        XCTAssertNotNil(BoundMethodName.crown.refusal(large, boxes: 1747))
        // The other methods have no command limit; nor has crown for no boxes.
        for method in [BoundMethodName.ibp, .soundIBP, .crownIBP] { XCTAssertNil(method.refusal(layers, boxes: 1 << 40)) }
        XCTAssertNil(BoundMethodName.crown.refusal(layers, boxes: 0))
        // Overflow of the product is over the limit, not a wrap-around.
        XCTAssertNotNil(BoundMethodName.crown.refusal(layers, boxes: Int.max / 2))
    }

    /// Trial 34: over models of different work per box, "about N each" was their average without saying so.
    func testTheWorkPerBoxOfModelsThatDifferIsSaidToBeAnAverage() {
        let medium = Network(Architecture.named("medium")!).layers, large = Network(Architecture.named("large")!).layers
        let (work, perBox) = BoundMethodName.crown.work([medium, large], boxesPerModel: 2000)
        XCTAssertEqual(perBox, [CROWNCost.multiplyAdds(medium), CROWNCost.multiplyAdds(large)])
        let mixed = BoundMethodName.crown.commandRefusal(work: work, boxes: 4000, perBox: perBox).map { "\($0)" } ?? ""
        XCTAssertTrue(mixed.contains("(about \(ResourceLimits.grouped(work / 4000)) each, an average over models whose work "
                                     + "per box differs), over the limit"), mixed)
        // Copies of one model: their work per box is each one's.
        let (same, samePerBox) = BoundMethodName.crown.work([large, large], boxesPerModel: 1000)
        let copies = BoundMethodName.crown.commandRefusal(work: same, boxes: 2000, perBox: samePerBox).map { "\($0)" } ?? ""
        XCTAssertTrue(copies.contains("(about \(ResourceLimits.grouped(samePerBox[0])) each), over the limit"), copies)
    }

    func testTheArchitecturesAreBoundedAndADeepChainIsRefused() {
        for name in ["tiny", "small", "medium", "large", "vissmall", "medium-bn"] {
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

    /// Trial 32: every 1 x 1 convolution's walk of a deep chain whose windows fail only at the input went down the
    /// whole chain uncounted (15,000 pairs: 68 s before the refusal); every walk now counts against `walkLimit`.
    func testTheEstimateOfADeepConvolutionChainIsQuick() {
        var rand = TestRandom(8)
        let whole = Padding2D(top: 2, left: 2, bottom: 2, right: 2)
        var ops = [rand.conv(1, 1, kernel: (5, 5), pads: whole)]
        let pair = [ChainOp.relu, rand.conv(1, 1, kernel: (1, 1))]
        for _ in 0..<5000 { ops += pair }
        let net = rand.chainModel("walk", inputShape: [1, 4, 4], ops + [.reshape([16]), rand.dense(16, 10)])
        let started = Date()
        XCTAssertGreaterThan(CROWNCost.multiplyAdds(net.layers), 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "the estimate takes at most 2^20 walk steps")
    }

    /// Trial 32: rows back through average pooling ran 15-50x slower per term than the estimate assumed (a scalar
    /// loop): a pool's terms count `averagePoolFactor` each, 256 since trial 34. dense 4 -> 4, ReLU, 1 x 1 average
    /// pool, ReLU, dense: the last layer's rows step through the pool at 4 x 1 x 256.
    func testAveragePoolingIsEstimatedAtItsLoopsCost() {
        var rand = TestRandom(9)
        let pool = ChainOp.averagePool(PoolWindow(kernelHeight: 1, kernelWidth: 1, strideH: 1, strideW: 1),
                                       countIncludePad: true)
        let net = rand.chainModel("pool", inputShape: [1, 2, 2],
                                  [.reshape([4]), rand.dense(4, 4), .relu, .reshape([4, 1, 1]), pool, .relu,
                                   .reshape([4]), rand.dense(4, 2)])
        let s = CROWNCost.stepCost
        // The first dense layer's rows start at the box; the pool's at the first ReLU; the last dense layer's go
        // through ReLU, pool, ReLU and the first dense layer.
        XCTAssertEqual(CROWNCost.multiplyAdds(net.layers),
                       2 * 4 * (16 + s + 4 + s) + 2 * 2 * (16 + s + 4 + s + 4 * 256 + s + 4 + s))
    }

    /// Trial 34's `pa` (conv 1 -> 32 3x3 SAME, ReLU, 1 x 1 average pool, conv 32 -> 32 1x1, ReLU, dense 25,088 ->
    /// 10) took 10.2-14.7 s per image in CROWN (release build), where plain CNNs run at 2.5-4.5 x 10^10 estimated
    /// multiply-adds per second: its estimate must be at least 2.5 x 10^11 for the command budget to mean hours at
    /// that rate, not the 30 hours of the 1.07 x 10^11 it had at 64 per pool term. 2.62 x 10^10 of it are GEMM
    /// multiply-adds, 1.26 x 10^9 pool terms (the 50,176 rows of the second convolution over 25,088 values).
    func testAnAveragePoolingNetIsEstimatedAtTheConvolutionsRate() {
        var rand = TestRandom(10)
        let same = Padding2D(top: 1, left: 1, bottom: 1, right: 1)
        let pool = ChainOp.averagePool(PoolWindow(kernelHeight: 1, kernelWidth: 1, strideH: 1, strideW: 1),
                                       countIncludePad: true)
        let pa = rand.chainModel("pa", inputShape: [1, 28, 28],
                                 [rand.conv(1, 32, kernel: (3, 3), pads: same), .relu, pool, rand.conv(32, 32, kernel: (1, 1)),
                                  .relu, .reshape([32 * 28 * 28]), rand.dense(32 * 28 * 28, 10)])
        let work = CROWNCost.multiplyAdds(pa.layers)
        XCTAssertGreaterThan(work, 250_000_000_000)
        XCTAssertLessThan(work, 500_000_000_000)
        XCTAssertNil(BoundMethodName.crown.refusal(pa.layers))
    }

    func testSaturates() {
        var rand = TestRandom(5)
        let wide = rand.chainModel("wide", inputShape: [1], [rand.dense(1, 1)])
        XCTAssertEqual(CROWNCost.multiplyAdds(wide.layers), 0)
        XCTAssertEqual(CROWNCost.multiplyAdds(Array(repeating: Network(Architecture.named("medium")!).layers, count: 20_000)
            .flatMap { $0 }), Int.max)
    }
}
