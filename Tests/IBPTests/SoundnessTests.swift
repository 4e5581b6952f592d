import XCTest
@testable import IBP

/// Every concrete point of the eps-box (random points, random corners, PGD iterates) must stay inside the
/// IBP interval at every stage. Float rounding may differ by a few ulps between the two computations,
/// so values are compared with a tolerance of 1e-4 relative to the stage's magnitude.
final class SoundnessTests: XCTestCase {
    private func assertInside(_ net: Network, points: Tensor, bounds: [(name: String, lower: [Float], upper: [Float])],
                              model: String, file: StaticString = #filePath, line: UInt = #line) {
        let stages = net.nominalStages(points)
        XCTAssertEqual(stages.map(\.name), bounds.map(\.name))
        for (stage, b) in zip(stages, bounds) {
            let size = b.lower.count
            let scale = b.upper.map(abs).max()! + b.lower.map(abs).max()! + 1
            var worst: Float = 0
            for s in 0..<points.batch {
                for i in 0..<size {
                    let v = stage.values.data[s * size + i]
                    worst = max(worst, b.lower[i] - v, v - b.upper[i])
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(model) stage \(stage.name) leaves its bounds by \(worst)",
                                     file: file, line: line)
        }
    }

    private func checkModel(_ name: String, points count: Int, seed: UInt64) {
        var rand = TestRandom(seed)
        let net = rand.network(name)
        let x = rand.tensor([1, 1, 28, 28], in: 0...1)
        let eps: Float = 0.1
        let bounds = net.stageBounds(x, epsilon: eps).map { (name: $0.name, lower: $0.lower, upper: $0.upper) }
        XCTAssertEqual(bounds.first?.name, "x")
        XCTAssertEqual(bounds.last?.name, "y")
        let (lo, hi) = IntervalBounds.inputLimits(around: x, epsilon: eps)
        var points = Tensor(zeros: [count, 1, 28, 28])
        for s in 0..<count {
            for i in 0..<784 {
                let t = rand.rng.uniform()
                // Half the points are random corners of the box, half uniform inside it.
                let u: Float = s % 2 == 0 ? (t < 0.5 ? 0 : 1) : t
                points.data[s * 784 + i] = lo.data[i] + u * (hi.data[i] - lo.data[i])
            }
        }
        assertInside(net, points: points, bounds: bounds, model: name)

        var rng = RandomSource(seed: seed)
        let pgd = PGD(epsilon: eps, steps: 5)
        let (adv, _) = pgd.attack(net, x: x, labels: [3], rng: &rng)
        assertInside(net, points: adv, bounds: bounds, model: name + " PGD")
    }

    func testTinyIsSound() { checkModel("tiny", points: 1000, seed: 1) }
    func testSmallIsSound() { checkModel("small", points: 1000, seed: 2) }
    func testMediumIsSound() { checkModel("medium", points: 1000, seed: 3) }
    func testLargeIsSound() { checkModel("large", points: 1000, seed: 4) }
    func testVisSmallIsSound() { checkModel("vissmall", points: 1000, seed: 5) }

    /// Every PGD iterate (not only the final point) stays inside the output bounds and inside the box.
    func testPGDIteratesStayInBox() {
        var rand = TestRandom(6)
        let net = rand.network("small")
        let x = rand.tensor([3, 1, 28, 28], in: 0...1)
        let (lo, hi) = IntervalBounds.inputLimits(around: x, epsilon: 0.2)
        for steps in 0...6 {
            var rng = RandomSource(seed: 9)
            let (adv, _) = PGD(epsilon: 0.2, steps: steps).attack(net, x: x, labels: [1, 2, 3], rng: &rng)
            for i in adv.data.indices {
                XCTAssert(adv.data[i] >= lo.data[i] && adv.data[i] <= hi.data[i], "PGD left the box at \(i)")
            }
            for s in 0..<3 {
                let single = x.rows(s..<s + 1)
                let bounds = net.stageBounds(single, epsilon: 0.2).map { (name: $0.name, lower: $0.lower, upper: $0.upper) }
                assertInside(net, points: adv.rows(s..<s + 1), bounds: bounds, model: "small PGD \(steps) steps")
            }
        }
    }

    /// For a linear layer the interval is exact: each bound is attained by a corner of the box.
    func testLinearIntervalIsExactBox() {
        var rand = TestRandom(7)
        let layer = Linear(inputShape: [6], outFeatures: 4, name: "l")
        layer.weight.value = rand.tensor([4, 6])
        layer.bias.value = rand.tensor([4])
        let mu = rand.tensor([1, 6]), r = rand.tensor([1, 6], in: 0...0.5)
        let out = layer.forward(Flow(values: mu, radius: r), cache: false)
        for o in 0..<4 {
            var lower = layer.bias.value.data[o], upper = lower
            for i in 0..<6 {
                let w = layer.weight.value.data[o * 6 + i]
                let a = w * (mu.data[i] - r.data[i]), b = w * (mu.data[i] + r.data[i])
                lower += min(a, b); upper += max(a, b)
            }
            XCTAssertEqual(out.values.data[o] - out.radius!.data[o], lower, accuracy: 1e-5)
            XCTAssertEqual(out.values.data[o] + out.radius!.data[o], upper, accuracy: 1e-5)
        }
    }

    /// The elided margins equal the worst case of z_j - z_y over the logit interval's tightest form:
    /// brute force over the corners of a 3-D box through a linear head.
    func testElidedMarginIsWorstCase() {
        var rand = TestRandom(8)
        let head = Linear(inputShape: [3], outFeatures: 4, name: "lo")
        head.weight.value = rand.tensor([4, 3])
        head.bias.value = rand.tensor([4])
        let mu = rand.tensor([1, 3]), r = rand.tensor([1, 3], in: 0...0.4)
        let y = 2
        let m = ElidedSpecification.margins(head: head, centre: mu, radius: r, labels: [y])
        for j in 0..<4 where j != y {
            var worst = -Float.infinity
            for corner in 0..<8 {
                var z = [Float](repeating: 0, count: 4)
                for o in 0..<4 {
                    z[o] = head.bias.value.data[o]
                    for i in 0..<3 {
                        let v = mu.data[i] + ((corner >> i) & 1 == 1 ? r.data[i] : -r.data[i])
                        z[o] += head.weight.value.data[o * 3 + i] * v
                    }
                }
                worst = max(worst, z[j] - z[y])
            }
            XCTAssertEqual(m.data[j], worst, accuracy: 1e-5)
        }
        XCTAssertEqual(m.data[y], 0)
    }

    /// The verification-only pass gives the margins of the combined nominal-and-interval pass (up to the float
    /// rounding of GEMMs of another shape: the batch holds half as many rows).
    func testMarginsOnlyPassMatchesCombinedPass() {
        var rand = TestRandom(10)
        let net = rand.network("small")
        let x = rand.tensor([5, 1, 28, 28], in: 0...1)
        let labels = [0, 3, 5, 7, 9]
        let alone = net.margins(x, labels: labels, epsilon: 0.2)
        let combined = net.logitsAndMargins(x, labels: labels, epsilon: 0.2).margins
        XCTAssertEqual(alone.shape, combined.shape)
        for (a, b) in zip(alone.data, combined.data) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(abs(b), 1))
        }
    }
}
