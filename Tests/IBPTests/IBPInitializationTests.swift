import XCTest
@testable import IBP

/// The IBP initialisation (Shi et al. 2021, sec. 3.2) and its postcondition: E[Delta_i] / E[Delta_{i-1}] = 1 for
/// the mean interval radius Delta of consecutive affine outputs at initialisation.
final class IBPInitializationTests: XCTestCase {
    /// Mean radius of every affine output of the body for an eps-box around random inputs in [0.2, 0.8] (no
    /// clipping at eps 0.1), in layer order.
    private func affineRadii(_ network: Network, seed: UInt64) -> [Double] {
        var rand = TestRandom(seed)
        let x = rand.tensor([64] + network.architecture.inputShape, in: 0.2...0.8)
        let box = IntervalBounds.inputBox(around: x, epsilon: 0.1)
        var flow = Flow(values: box.centre, radius: box.radius)
        var radii: [Double] = []
        for layer in network.body {
            flow = layer.forward(flow, cache: false)
            if case .affine = layer.primitive {
                let r = flow.radius!.data
                radii.append(r.reduce(0.0) { $0 + Double($1) } / Double(r.count))
            }
        }
        return radii
    }

    private func ratios(_ radii: [Double]) -> [Double] { zip(radii.dropFirst(), radii).map { $0 / $1 } }

    /// The paper's postcondition, statistically with a fixed seed (64 inputs, one draw of weights): every ratio of
    /// consecutive mean radii within [0.75, 1.33] and their mean within [0.85, 1.15] (measured: small 0.82, 0.93;
    /// medium 0.87, 0.99, 1.01, 1.00, 1.00), where orthogonal weights give ratios of 6.5 to 23.
    func testRadiusRatioNearOneAtIBPInitialisation() {
        for name in ["small", "medium"] {
            let network = Network(Architecture.named(name)!)
            Initializer.initialize(network, scheme: .ibp, seed: 3)
            let r = ratios(affineRadii(network, seed: 4))
            XCTAssertEqual(r.count, name == "small" ? 2 : 5)
            for (i, ratio) in r.enumerated() {
                XCTAssert((0.75...1.33).contains(ratio), "\(name): E[Delta_\(i + 2)] / E[Delta_\(i + 1)] = \(ratio)")
            }
            let mean = r.reduce(0, +) / Double(r.count)
            XCTAssert((0.85...1.15).contains(mean), "\(name): mean ratio \(mean)")
            // The explosion the initialisation removes: the same architecture with orthogonal weights.
            let orthogonal = Network(Architecture.named(name)!)
            Initializer.initialize(orthogonal, scheme: .orthogonal, seed: 3)
            for ratio in ratios(affineRadii(orthogonal, seed: 4)) { XCTAssertGreaterThan(ratio, 4) }
        }
    }

    /// Body weights ~ N(0, (sqrt(2 pi) / fan-in)^2), biases 0, the head as under orthogonal initialisation, and the
    /// same seed gives the same weights.
    func testIBPInitialisationDraws() {
        let a = Network(Architecture.named("small")!), b = Network(Architecture.named("small")!)
        let o = Network(Architecture.named("small")!)
        Initializer.initialize(a, scheme: .ibp, seed: 9)
        Initializer.initialize(b, scheme: .ibp, seed: 9)
        Initializer.initialize(o, scheme: .orthogonal, seed: 9)
        XCTAssertEqual(a.parameters.map(\.value.data), b.parameters.map(\.value.data))
        XCTAssertEqual(a.head.weight.value.data, o.head.weight.value.data)
        var standardised: [Double] = []
        for layer in a.body {
            for p in layer.parameters {
                if p.value.shape.count == 1 { XCTAssert(p.value.data.allSatisfy { $0 == 0 }, p.name); continue }
                let fanIn = p.value.count / p.value.shape[0]
                let sigma = Initializer.ibpStandardDeviation(fanIn: fanIn)
                XCTAssertEqual(sigma, (2 * Double.pi).squareRoot() / Double(fanIn))
                let d = p.value.data.map(Double.init)
                let mean = d.reduce(0, +) / Double(d.count)
                let sd = (d.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d.count)).squareRoot()
                // Within 4 standard errors (sd: 1/sqrt(2n), mean: 1/sqrt(n) in units of sigma).
                let n = Double(d.count)
                XCTAssertEqual(sd / sigma, 1, accuracy: 4 / (2 * n).squareRoot(), "\(p.name): sd \(sd), sigma \(sigma)")
                XCTAssertEqual(mean / sigma, 0, accuracy: 4 / n.squareRoot(), p.name)
                standardised += d.map { $0 / sigma }
            }
        }
        // All body weights in units of their sigma: 8,448 draws, sd within 4 standard errors (3.1%) of 1.
        let n = Double(standardised.count)
        let sd = (standardised.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
        XCTAssertEqual(sd, 1, accuracy: 4 / (2 * n).squareRoot())
    }
}
