import XCTest
@testable import IBP
import IBPFormats

/// CROWN and CROWN-IBP with diagonal maps folded (`CROWNMethod.foldDiagonals`: inference batch normalisations folded
/// into the layer before them for the backward passes, diagonal stages as interval images, an affine map after an
/// input normalisation bounded exactly over its box) against every diagonal map as a backward step and a pass of
/// its own: the same bounds at every stage and for the specification, up to rounding, on batch-norm networks
/// (gamma of both signs) and imported chains with an input normalisation, per-channel and per-element maps after
/// convolutions, a zero scale and a map after a dense layer.
final class DiagonalFoldingTests: XCTestCase {
    /// A per-channel map over `channels` x `positions` values (s of both signs, one channel's s zero).
    private func perChannel(_ rand: inout TestRandom, channels: Int, positions: Int) -> ChainOp {
        let s = (0..<channels).map { c -> Float in c == 1 ? 0 : (c % 2 == 0 ? 1 : -1) * (0.5 + rand.rng.uniform()) }
        let t = (0..<channels).map { _ in rand.rng.uniform() - 0.5 }
        return .elementwiseAffine(scale: s.flatMap { [Float](repeating: $0, count: positions) },
                                  shift: t.flatMap { [Float](repeating: $0, count: positions) })
    }

    private func chains() -> [(String, [Layer], [Int])] {
        var result: [(String, [Layer], [Int])] = []
        for (i, name) in ["small-bn", "medium-bn"].enumerated() {
            var rand = TestRandom(UInt64(60 + i))
            result.append((name, rand.network(name, side: 16).layers, [1, 16, 16]))
        }
        var rand = TestRandom(71)
        // (x - mean) / std per pixel, conv + per-channel map (folded), conv + per-element map (kept), dense + map.
        let ops: [ChainOp] = [
            rand.elementwise(100), rand.conv(1, 3, kernel: (3, 3)), perChannel(&rand, channels: 3, positions: 64), .relu,
            rand.conv(3, 2, kernel: (3, 3)), rand.elementwise(72), .tanh, .reshape([72]), rand.dense(72, 12),
            rand.elementwise(12), .relu, rand.dense(12, 10),
        ]
        result.append(("imported", rand.chainModel("imported", inputShape: [1, 10, 10], ops).layers, [1, 10, 10]))
        // An input normalisation before a dense layer across a reshape (ERAN's nets), and before an unpadded conv.
        let dense: [ChainOp] = [
            perChannel(&rand, channels: 1, positions: 100), .reshape([100]), rand.dense(100, 20), .relu,
            rand.dense(20, 16), .relu, rand.dense(16, 10),
        ]
        result.append(("normalised-dense", rand.chainModel("d", inputShape: [1, 10, 10], dense).layers, [1, 10, 10]))
        let conv: [ChainOp] = [
            rand.elementwise(1).repeated(100), rand.conv(1, 3, kernel: (3, 3), strides: (2, 2)), .relu,
            .reshape([48]), rand.dense(48, 10),
        ]
        result.append(("normalised-conv", rand.chainModel("c", inputShape: [1, 10, 10], conv).layers, [1, 10, 10]))
        return result
    }

    func testFoldedDiagonalsGiveTheBoundsOfTheUnfoldedChain() throws {
        var rand = TestRandom(5)
        for (name, layers, shape) in chains() {
            let folded = BatchNormFolding.foldingDiagonals(layers)
            XCTAssertLessThan(folded.layers.count, layers.count, "\(name): nothing folded")
            XCTAssertEqual(folded.position.count, layers.count)
            let x = rand.tensor([3] + shape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.03)
            let spec = Specification.elided(labels: [3, 7, 0], classes: 10)
            for intermediate in [CROWNMethod.Intermediate.crown, .ibp] {
                var reference = CROWNMethod(intermediate: intermediate)
                reference.foldDiagonals = false
                let want = try reference.bounds(layers, box: box, specification: spec, upperOnly: false)
                let got = try CROWNMethod(intermediate: intermediate).bounds(layers, box: box, specification: spec,
                                                                             upperOnly: false)
                XCTAssertEqual(got.stages.count, want.stages.count)
                let pairs = zip(got.stages, want.stages).map { ($0, $1) } + [(got.specification!, want.specification!)]
                for (stage, (g, w)) in pairs.enumerated() {
                    let scale = (w.upper.data + w.lower.data).map(abs).max()! + 1
                    for (a, b) in zip(g.lower.data + g.upper.data, w.lower.data + w.upper.data) {
                        XCTAssert(abs(a - b) <= 1e-5 * scale, "\(name) \(intermediate) stage \(stage): \(a) against \(b)")
                    }
                }
                XCTAssertEqual(got.finite, want.finite)
                // A verdict's upper bounds (stages may end early) are the same numbers.
                let verdict = try CROWNMethod(intermediate: intermediate).bounds(layers, box: box, specification: spec,
                                                                                 upperOnly: true)
                XCTAssertEqual(verdict.specification!.upper.data, got.specification!.upper.data, "\(name)")
            }
        }
    }

    /// [s l + t, s u + t], ends swapped for s < 0, [t, t] for s = 0 (even over an infinite input).
    func testDiagonalImage() {
        let map = ElementwiseAffine(shape: [3], name: "d")
        map.scale.value.data = [2, -3, 0]
        map.shift.value.data = [1, 1, 5]
        let image = map.image(Interval(lower: Tensor(shape: [1, 3], data: [-1, -1, -.infinity]),
                                       upper: Tensor(shape: [1, 3], data: [2, 2, .infinity])))
        XCTAssertEqual(image.lower.data, [-1, -5, 5])
        XCTAssertEqual(image.upper.data, [5, 4, 5])
    }

    /// A conv's following map that varies within a channel is not folded into it (it would not be a convolution)
    /// but into the dense layer after it, across the reshape; a dense layer's following map is; a map before a
    /// conv that reads padding stays (the padded zeros are not mapped). The positions say which layer holds which.
    func testWhatIsFolded() {
        var rand = TestRandom(9)
        let ops: [ChainOp] = [rand.conv(1, 2, kernel: (3, 3)), rand.elementwise(2 * 16), .reshape([32]),
                              rand.dense(32, 4), rand.elementwise(4), .relu]
        let layers = rand.chainModel("c", inputShape: [1, 6, 6], ops).layers
        let folded = BatchNormFolding.foldingDiagonals(layers)
        XCTAssertEqual(folded.layers.count, 4)
        XCTAssertEqual(folded.position, [0, 2, 1, 2, 2, 3])
        XCTAssert(folded.layers[2] is Linear && folded.layers[2] !== layers[3])
        XCTAssert(folded.layers[0] === layers[0])

        let padded: [ChainOp] = [rand.elementwise(1).repeated(36),
                                 rand.conv(1, 2, kernel: (3, 3), pads: Padding2D(top: 1, left: 1, bottom: 1, right: 1))]
        let kept = rand.chainModel("p", inputShape: [1, 6, 6], padded).layers
        XCTAssertEqual(BatchNormFolding.foldingDiagonals(kept).position, [0, 1])
    }
}

extension ChainOp {
    /// An elementwise map's values each repeated `count` times (one channel's value over its plane).
    func repeated(_ count: Int) -> ChainOp {
        guard case let .elementwiseAffine(s, t) = self else { return self }
        return .elementwiseAffine(scale: s.flatMap { [Float](repeating: $0, count: count) },
                                  shift: t.flatMap { [Float](repeating: $0, count: count) })
    }
}
