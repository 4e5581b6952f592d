import XCTest
@testable import IBP

/// CROWN-IBP training (`CROWNIBPLoss`, `CROWNIBPMargins`): the whole loss's gradient against central finite
/// differences of an independent computation (`CROWNMethod` for the CROWN-IBP margins, `Network.logitsAndMargins`
/// for IBP's), and the training path's margins against `CROWNMethod`'s within 1e-5, so the two cannot drift.
final class CROWNIBPTrainingTests: XCTestCase {
    /// A tiny dense chain and a tiny convolutional one (VALID and SAME convolutions, a dense layer, 10 classes).
    static let dense = Architecture(name: "tiny-dense", inputShape: [1, 4, 4],
                                    layers: [.flatten, .linear(units: 8), .activation(.relu), .linear(units: 7),
                                             .activation(.relu), .linear(units: 10)])
    static let conv = Architecture(name: "tiny-conv", inputShape: [1, 7, 7],
                                   layers: [.conv(channels: 3, kernel: 3, stride: 2, same: false), .activation(.relu),
                                            .conv(channels: 2, kernel: 3, stride: 1, same: true), .activation(.relu),
                                            .flatten, .linear(units: 6), .activation(.relu), .linear(units: 10)])

    /// A convolution read by a dense layer without a flatten (a model file may do that), and a ReLU first.
    static let convIntoDense = Architecture(name: "tiny-conv-dense", inputShape: [2, 5, 5],
                                            layers: [.activation(.relu),
                                                     .conv(channels: 3, kernel: 2, stride: 1, same: false),
                                                     .activation(.relu), .linear(units: 5), .activation(.relu),
                                                     .linear(units: 10)])

    private func network(_ architecture: Architecture, seed: UInt64) -> Network {
        var rand = TestRandom(seed)
        let net = Network(architecture)
        for p in net.parameters {
            if p.value.shape.count == 1 {
                p.value = rand.tensor(p.value.shape, in: -0.2...0.2)
            } else {
                let bound = 1.5 * (3 / Float(p.value.count / p.value.shape[0])).squareRoot()
                p.value = rand.tensor(p.value.shape, in: -bound...bound)
            }
        }
        return net
    }

    /// The loss from the independent implementations: nominal logits, IBP margins, CROWNMethod's CROWN-IBP margins.
    private func referenceLoss(_ net: Network, x: Tensor, labels: [Int], epsilon: Float, kappa: Float,
                               beta: Float) -> Double {
        let (logits, ibp) = net.logitsAndMargins(x, labels: labels, epsilon: epsilon)
        let crown = crownMethodMargins(net, x: x, labels: labels, epsilon: epsilon)
        var m = ibp
        for i in m.data.indices { m.data[i] = beta * crown.data[i] + (1 - beta) * ibp.data[i] }
        let a = Double(CrossEntropy.lossAndGradient(logits, labels: labels).loss)
        let b = Double(CrossEntropy.lossAndGradient(m, labels: labels).loss)
        return Double(kappa) * a + Double(1 - kappa) * b
    }

    private func crownMethodMargins(_ net: Network, x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        let bounds = try! CROWNMethod(intermediate: .ibp).bounds(
            net.layers, box: InputBox(around: x, epsilon: epsilon),
            specification: Specification.elided(labels: labels, classes: net.classes), upperOnly: true)
        return bounds.specification!.upper
    }

    /// Every parameter's gradient against central differences (probes spread over each array). A probe whose two
    /// one-sided differences disagree crossed a kink of the piecewise-linear bound (a ReLU turning stable, the
    /// adaptive lower slope switching, a row changing sign) and is not a test of the derivative; at most a tenth
    /// of the probes may be such, and every other one must agree.
    private func checkGradient(_ architecture: Architecture, seed: UInt64, kappa: Float, beta: Float,
                               file: StaticString = #filePath, line: UInt = #line) {
        let net = network(architecture, seed: seed)
        var rand = TestRandom(seed + 100)
        let x = rand.tensor([3] + architecture.inputShape, in: 0...1)
        let labels = [3, 0, 9], eps: Float = 0.15
        let stats = CROWNIBPLoss.lossAndGradient(network: net, x: x, labels: labels, epsilon: eps, kappa: kappa,
                                                 beta: beta)
        let base = referenceLoss(net, x: x, labels: labels, epsilon: eps, kappa: kappa, beta: beta)
        XCTAssertEqual(Double(stats.loss), base, accuracy: 1e-5 * max(1, abs(base)), "loss", file: file, line: line)
        let h: Float = 2e-3
        var probes = 0, kinks = 0
        for p in net.parameters {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 12)) {
                let saved = p.value.data[i]
                p.value.data[i] = saved + h
                let up = referenceLoss(net, x: x, labels: labels, epsilon: eps, kappa: kappa, beta: beta)
                p.value.data[i] = saved - h
                let down = referenceLoss(net, x: x, labels: labels, epsilon: eps, kappa: kappa, beta: beta)
                p.value.data[i] = saved
                probes += 1
                let right = (up - base) / Double(h), left = (base - down) / Double(h)
                if abs(right - left) > 2e-2 * max(abs(right), abs(left), 0.05) + 2e-3 {
                    kinks += 1
                    continue
                }
                let numeric = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(p.grad.data[i]), numeric, accuracy: 2e-2 * max(abs(numeric), 0.05) + 1e-3,
                               "d/d \(p.name)[\(i)] (\(architecture.name), beta \(beta))", file: file, line: line)
            }
        }
        XCTAssertLessThanOrEqual(kinks * 10, probes, "\(kinks) of \(probes) probes crossed a kink", file: file, line: line)
    }

    func testDenseGradientPureCROWNIBP() { checkGradient(Self.dense, seed: 1, kappa: 0.2, beta: 1) }
    func testDenseGradientMixed() { checkGradient(Self.dense, seed: 2, kappa: 0.5, beta: 0.4) }
    func testConvGradientPureCROWNIBP() { checkGradient(Self.conv, seed: 3, kappa: 0.2, beta: 1) }
    func testConvGradientMixed() { checkGradient(Self.conv, seed: 4, kappa: 0.3, beta: 0.7) }
    func testConvIntoDenseGradient() { checkGradient(Self.convIntoDense, seed: 11, kappa: 0.4, beta: 0.6) }

    /// The relaxation's dependence on the IBP bounds is part of the gradient: dropping it (as a stop-gradient
    /// would) changes the gradient of a layer before the last ReLU by more than the tolerance above.
    func testIntervalTermMatters() {
        let net = network(Self.dense, seed: 1)
        var rand = TestRandom(101)
        let x = rand.tensor([3, 1, 4, 4], in: 0...1)
        let labels = [3, 0, 9]
        _ = CROWNIBPLoss.lossAndGradient(network: net, x: x, labels: labels, epsilon: 0.15, kappa: 0.2, beta: 1)
        let full = net.parameters[0].grad
        // The same loss with the interval gradients thrown away: only the rows' direct parameter gradients.
        net.zeroGradients()
        let box = IntervalBounds.inputBox(around: x, epsilon: 0.15)
        var flow = Flow(values: box.centre, radius: box.radius)
        var pre = [Int: IntervalBounds]()
        for (index, layer) in net.body.enumerated() {
            if layer is Activation { pre[index] = IntervalBounds(centre: flow.values, radius: flow.radius!) }
            flow = layer.forward(flow, cache: false)
        }
        let crown = CROWNIBPMargins(network: net, box: box, preActivation: pre, labels: labels)
        let m = crown.margins()
        var (_, g) = CrossEntropy.lossAndGradient(m, labels: labels)
        for i in g.data.indices { g.data[i] *= 0.8 }
        _ = crown.backward(g)
        let direct = net.parameters[0].grad
        let difference = zip(full.data, direct.data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(difference, 1e-2)
    }

    /// The training path's CROWN-IBP margins equal `CROWNMethod(intermediate: .ibp)`'s within 1e-5 (relative to
    /// max(1, |m|)), on random tiny networks, on `small` and on the shipped IBP-trained `small` checkpoint.
    func testMarginsMatchCROWNMethod() throws {
        var cases: [(String, Network, Tensor)] = []
        var rand = TestRandom(7)
        for (architecture, seed) in [(Self.dense, UInt64(5)), (Self.conv, 6)] {
            cases.append((architecture.name, network(architecture, seed: seed),
                          rand.tensor([5] + architecture.inputShape, in: 0...1)))
        }
        cases.append(("small (random)", rand.network("small"), rand.tensor([4, 1, 28, 28], in: 0...1)))
        let shipped = packageRoot.appendingPathComponent("sample_data/checkpoints/small-ibp-eps0.4.ckpt")
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test,
                                     limit: 20)
        cases.append(("small-ibp-eps0.4", try Checkpoint.load(shipped).makeNetwork(), data.batch(Array(0..<20)).0))
        for (name, net, x) in cases {
            let labels = (0..<x.batch).map { ($0 * 7 + 3) % 10 }
            for eps: Float in [0.01, 0.1, 0.3] {
                let training = CROWNIBPLoss.margins(network: net, x: x, labels: labels, epsilon: eps)
                let reference = crownMethodMargins(net, x: x, labels: labels, epsilon: eps)
                XCTAssertEqual(training.shape, reference.shape)
                for i in training.data.indices {
                    let r = reference.data[i]
                    XCTAssertEqual(training.data[i], r, accuracy: 1e-5 * max(1, abs(r)), "\(name) eps \(eps) [\(i)]")
                }
            }
        }
    }

    /// A batch cut into blocks of samples (a small tape budget) gives the same margins and gradients as one block.
    func testBlocksAgreeWithOneBlock() {
        let net = network(Self.conv, seed: 8)
        var rand = TestRandom(9)
        let x = rand.tensor([5, 1, 7, 7], in: 0...1)
        let labels = [1, 2, 3, 4, 5]
        var results: [(Tensor, [Tensor], [Int: (centre: Tensor, radius: Tensor)])] = []
        for budget in [1 << 25, 1] {
            net.zeroGradients()
            let box = IntervalBounds.inputBox(around: x, epsilon: 0.1)
            var flow = Flow(values: box.centre, radius: box.radius)
            var pre = [Int: IntervalBounds]()
            for (index, layer) in net.body.enumerated() {
                if layer is Activation { pre[index] = IntervalBounds(centre: flow.values, radius: flow.radius!) }
                flow = layer.forward(flow, cache: false)
            }
            let crown = CROWNIBPMargins(network: net, box: box, preActivation: pre, labels: labels, tapeBudget: budget)
            let m = crown.margins()
            let injected = crown.backward(CrossEntropy.lossAndGradient(m, labels: labels).grad)
            results.append((m, net.parameters.map(\.grad), injected))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        for (a, b) in zip(results[0].1, results[1].1) {
            for (u, v) in zip(a.data, b.data) { XCTAssertEqual(u, v, accuracy: 1e-6 * max(1, abs(u))) }
        }
        XCTAssertEqual(Set(results[0].2.keys), Set(results[1].2.keys))
        for (index, value) in results[0].2 {
            XCTAssertEqual(value.centre, results[1].2[index]!.centre)
            XCTAssertEqual(value.radius, results[1].2[index]!.radius)
        }
    }

    /// beta = 0 is IBP training, bit for bit.
    func testBetaZeroIsIBP() {
        var rand = TestRandom(10)
        let a = rand.network("small"), b = Network(a.architecture)
        for (p, q) in zip(a.parameters, b.parameters) { q.value = p.value }
        let x = rand.tensor([6, 1, 28, 28], in: 0...1)
        let labels = [0, 1, 2, 3, 4, 5]
        let s1 = CROWNIBPLoss.lossAndGradient(network: a, x: x, labels: labels, epsilon: 0.1, kappa: 0.5, beta: 0)
        let s2 = IBPLoss.lossAndGradient(network: b, x: x, labels: labels, epsilon: 0.1, kappa: 0.5, bounds: true)
        XCTAssertEqual(s1, s2)
        for (p, q) in zip(a.parameters, b.parameters) { XCTAssertEqual(p.grad, q.grad) }
    }

    /// beta follows the eps ramp linearly from --beta-start to --beta-end; eps and kappa are IBP's.
    func testObjectiveSchedule() {
        var flags = TrainingFlags()
        flags.method = .crownIBP
        flags.warmupSteps = 10
        flags.rampSteps = 100
        flags.epsilonTrain = 0.2
        let s = flags.settings()
        XCTAssertEqual(s.beta, BetaSchedule(start: 1, end: 0))
        XCTAssertEqual(s.objective(at: 0).beta, 1)
        XCTAssertEqual(s.objective(at: 0).kappa, 1)
        XCTAssertEqual(s.objective(at: 60).beta, 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.objective(at: 60).epsilon, 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.objective(at: 110).beta, 0)
        XCTAssertEqual(s.objective(at: 5000).beta, 0)
        flags.betaStart = 0.8
        flags.betaEnd = 0.2
        XCTAssertEqual(flags.settings().objective(at: 60).beta, 0.5, accuracy: 1e-6)
        var ibp = TrainingFlags()
        ibp.method = .ibp
        XCTAssertNil(ibp.settings().beta)
        XCTAssertEqual(ibp.settings().objective(at: 60).beta, 0)
    }

    /// Bad CROWN-IBP settings are refused in one line naming the flag.
    func testSettingsRefusals() {
        var flags = TrainingFlags()
        flags.method = .crownIBP
        flags.model = "vissmall"
        XCTAssertThrowsError(try flags.settings().validate()) { error in
            XCTAssertTrue("\(error)".contains("ReLU models only"), "\(error)")
        }
        flags.model = "small"
        flags.betaStart = 1.5
        XCTAssertThrowsError(try flags.settings().validate()) { error in
            XCTAssertTrue("\(error)".hasPrefix("--beta-start must be in [0, 1]"), "\(error)")
        }
        flags.betaStart = nil
        flags.betaEnd = .nan
        XCTAssertThrowsError(try flags.settings().validate()) { error in
            XCTAssertTrue("\(error)".hasPrefix("--beta-end must be in [0, 1]"), "\(error)")
        }
        flags.betaEnd = nil
        XCTAssertNoThrow(try flags.settings().validate())
    }

    /// A record written before CROWN-IBP (no beta, no architecture) still reads, as the method it names.
    func testOlderRecordReads() throws {
        var s = TrainingFlags().settings()
        s.threads = 2
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
        XCTAssertNil(json["beta"])
        json["method"] = "ibp"
        let decoded = try StrictJSONTestHook.decode(try JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(decoded.method, .ibp)
        XCTAssertNil(decoded.beta)
        var crown = TrainingFlags()
        crown.method = .crownIBP
        let encoded = String(decoding: try JSONEncoder().encode(crown.settings()), as: UTF8.self)
        XCTAssertTrue(encoded.contains("\"method\":\"crown-ibp\""), encoded)
        XCTAssertEqual(try StrictJSONTestHook.decode(Data(encoded.utf8)), crown.settings())
    }
}

import IBPFormats

/// Decodes training settings the way `Trainer.resume` does.
enum StrictJSONTestHook {
    static func decode(_ data: Data) throws -> TrainingSettings {
        try StrictJSON.decode(TrainingSettings.self, from: data)
    }
}
