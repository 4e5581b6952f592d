import XCTest
@testable import IBP

/// The warm-up regularisers of Shi et al. (2021, sec. 3.3): values by hand, gradients against central finite
/// differences (alone and inside the training loss), and their weight over the ramp.
final class WarmupRegularizerTests: XCTestCase {
    private func layer(_ c: [Float], _ r: [Float]) -> WarmupRegularizer.PreActivation {
        .init(centre: Tensor(shape: [1, c.count], data: c), radius: Tensor(shape: [1, r.count], data: r))
    }

    /// c = (1, -1, 5, -1), r = 0.5, mean input radius 0.1, tau 0.5:
    /// tightness (0.5 - 0.1/0.5) / 0.5 = 0.6; active {1, 5}, inactive {-1, -1}: mean ratio 6/2 -> 1/3, giving
    /// (0.5 - 1/3)/0.5 = 1/3; deviations from the mean 1: (0, -2, 4, -2), variance ratio 16/8 -> 1/2, giving 0.
    func testValuesByHand() {
        let t = WarmupRegularizer.terms([layer([1, -1, 5, -1], [0.5, 0.5, 0.5, 0.5])], inputRadius: 0.1, tolerance: 0.5)
        XCTAssertEqual(t.tightness, 0.6, accuracy: 1e-12)
        XCTAssertEqual(t.relu, 1.0 / 3, accuracy: 1e-12)
        // Two layers average: the second is balanced (ratios 1) and tight (mean radius 0.1), adding nothing.
        let two = WarmupRegularizer.terms([layer([1, -1, 5, -1], [0.5, 0.5, 0.5, 0.5]), layer([2, -2], [0.1, 0.1])],
                                          inputRadius: 0.1, tolerance: 0.5)
        XCTAssertEqual(two.tightness, 0.3, accuracy: 1e-12)
        XCTAssertEqual(two.relu, 1.0 / 6, accuracy: 1e-12)
        // No stable neuron at all (0/0): left out of L_relu, as the authors skip a NaN term; no ReLU layer: 0.
        let unstable = WarmupRegularizer.terms([layer([0.1, -0.1], [1, 1])], inputRadius: 1, tolerance: 0.5)
        XCTAssertEqual(unstable.relu, 0)
        XCTAssertEqual(unstable.dCentre[0].data, [0, 0])
        XCTAssertEqual(WarmupRegularizer.terms([], inputRadius: 1, tolerance: 0.5).total, 0)
    }

    func testWeightDecaysOverTheRamp() {
        let reg = WarmupRegularizer()
        XCTAssertEqual(reg.weight(epsilon: 0, target: 0.4), 0.5)
        XCTAssertEqual(reg.weight(epsilon: 0.1, target: 0.4), 0.375)
        XCTAssertEqual(reg.weight(epsilon: 0.4, target: 0.4), 0)
        XCTAssertEqual(reg.weight(epsilon: 0, target: 0), 0)
        XCTAssertThrowsError(try WarmupRegularizer(lambda: -1).validate())
        XCTAssertThrowsError(try WarmupRegularizer(tolerance: 0).validate())
        XCTAssertThrowsError(try WarmupRegularizer(tolerance: .nan).validate())
    }

    /// d(L_tightness + L_relu)/d(c, r) against central differences, on two imbalanced layers whose masks and
    /// kinks are kept at least 0.05 from every probe.
    func testTermGradientsAgainstFiniteDifferences() {
        var rand = TestRandom(31)
        var layers: [WarmupRegularizer.PreActivation] = []
        for (shape, activeShare) in [([3, 20], 0.2), ([3, 4, 5], 0.7)] {
            let count = shape.reduce(1, *)
            var c = [Float](), r = [Float]()
            for j in 0..<count {
                let radius = 0.1 + 0.2 * rand.rng.uniform()
                let u = Double(j % 10) / 10
                // Active (c - r >= 0.1), inactive (c + r <= -0.1) or unstable (|c| <= r - 0.1) by share.
                if u < activeShare { c.append(radius + 0.1 + 1.5 * rand.rng.uniform()) }
                else if u < 0.9 { c.append(-radius - 0.1 - 0.5 * rand.rng.uniform()) }
                else { c.append((rand.rng.uniform() - 0.5) * 2 * (radius - 0.1)) }
                r.append(radius)
            }
            layers.append(.init(centre: Tensor(shape: shape, data: c), radius: Tensor(shape: shape, data: r)))
        }
        let t = WarmupRegularizer.terms(layers, inputRadius: 0.02, tolerance: 0.5)
        XCTAssertGreaterThan(t.tightness, 0)
        XCTAssertGreaterThan(t.relu, 0.2)   // both layers imbalanced: the term and its gradient are live
        let h: Float = 1e-3
        func value(_ edit: (inout [WarmupRegularizer.PreActivation]) -> Void) -> Double {
            var copy = layers
            edit(&copy)
            return WarmupRegularizer.terms(copy, inputRadius: 0.02, tolerance: 0.5).total
        }
        for k in layers.indices {
            for j in layers[k].centre.data.indices {
                let up = value { $0[k].centre.data[j] += h }, down = value { $0[k].centre.data[j] -= h }
                let numeric = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(t.dCentre[k].data[j]), numeric, accuracy: 1e-3 * max(abs(numeric), 1e-2),
                               "d/d c[\(k)][\(j)]")
                let upR = value { $0[k].radius.data[j] += h }, downR = value { $0[k].radius.data[j] -= h }
                let numericR = (upR - downR) / Double(2 * h)
                XCTAssertEqual(Double(t.dRadius[k].data[j]), numericR, accuracy: 1e-3 * max(abs(numericR), 1e-2),
                               "d/d r[\(k)][\(j)]")
            }
        }
    }

    /// The whole training loss with the regularisers (weight 0.7, tau 0.99 so both terms are live) on `tiny` and
    /// `small`: parameter gradients against central differences. A probe that moves a neuron across a mask of
    /// L_relu (where it jumps) is not a derivative and is left out; at least half the probes must count.
    func testTrainingLossGradientsWithRegularizers() {
        for name in ["tiny", "small"] {
            var rand = TestRandom(37)
            // IBP-initialised weights keep the bounds and so the loss small enough for float32 differences, kept
            // at least 2h from 0 so that no probe crosses the kink of |W|; small random biases.
            let net = Network(Architecture.named(name)!)
            Initializer.initialize(net, scheme: .ibp, seed: 37)
            for p in net.parameters {
                if p.value.shape.count > 1 {
                    p.value.data = p.value.data.map { $0 < 0 ? $0 - 0.004 : $0 + 0.004 }
                } else {
                    p.value = rand.tensor(p.value.shape, in: -0.1...0.1)
                }
            }
            let x = rand.tensor([4, 1, 28, 28], in: 0...1)
            let labels = [7, 2, 1, 0]
            let reg = WarmupRegularizer(lambda: 1, tolerance: 0.99)
            let weight: Float = 0.7, eps: Float = 0.1, kappa: Float = 0.3
            func loss() -> (Double, [[Bool]]) {
                let (logits, margins) = net.logitsAndMargins(x, labels: labels, epsilon: eps)
                let a = CrossEntropy.lossAndGradient(logits, labels: labels).loss
                let b = CrossEntropy.lossAndGradient(margins, labels: labels).loss
                let box = IntervalBounds.inputBox(around: x, epsilon: eps)
                let (_, inputs) = net.forwardBodyRecordingReLUInputs(Flow(values: box.centre, radius: box.radius),
                                                                     cache: false)
                let layers = inputs.map { WarmupRegularizer.PreActivation(centre: $0.values, radius: $0.radius!) }
                let t0 = box.radius.data.reduce(0.0) { $0 + Double($1) } / Double(box.radius.count)
                let terms = WarmupRegularizer.terms(layers, inputRadius: t0, tolerance: reg.tolerance)
                let masks = layers.map { l in zip(l.centre.data, l.radius.data).map { $0 - $1 > 0 || $0 + $1 < 0 ? ($0 > 0) : false } }
                let unstable = layers.map { l in zip(l.centre.data, l.radius.data).map { $0 - $1 <= 0 && $0 + $1 >= 0 } }
                return (Double(kappa * a + (1 - kappa) * b) + Double(weight) * terms.total,
                        zip(masks, unstable).map { $0 + $1 })
            }
            let stats = IBPLoss.lossAndGradient(network: net, x: x, labels: labels, epsilon: eps, kappa: kappa,
                                                bounds: true, regularizer: reg, regularizerWeight: weight)
            let (base, baseMasks) = loss()
            XCTAssertEqual(Double(stats.loss), base, accuracy: 1e-4 * max(1, abs(base)), name)
            XCTAssertGreaterThan(stats.regularizer ?? 0, 0.3, name)
            // float32 losses of about 5 differ by a few ulps (5e-7 each) between probes: h = 2e-3 keeps that noise
            // near 1e-3 in the quotient, which the absolute tolerance allows for.
            let h: Float = 2e-3
            var probes = 0, counted = 0
            for p in net.parameters {
                for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 12)) {
                    probes += 1
                    let saved = p.value.data[i]
                    p.value.data[i] = saved + h; let (up, upMasks) = loss()
                    p.value.data[i] = saved - h; let (down, downMasks) = loss()
                    p.value.data[i] = saved
                    guard upMasks == baseMasks, downMasks == baseMasks else { continue }
                    counted += 1
                    let numeric = (up - down) / Double(2 * h)
                    XCTAssertEqual(Double(p.grad.data[i]), numeric, accuracy: 2e-2 * max(abs(numeric), 0.05) + 1.5e-3,
                                   "\(name): d/d \(p.name)[\(i)]")
                }
            }
            XCTAssertGreaterThanOrEqual(2 * counted, probes, "\(name): only \(counted) of \(probes) probes kept their masks")
        }
    }
}
