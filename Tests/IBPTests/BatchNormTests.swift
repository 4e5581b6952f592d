import Foundation
import XCTest
@testable import IBP

/// Batch normalisation (Shi et al. 2021, sec. 3.4): the clean batch's statistics in training applied to the nominal
/// rows and the interval, running averages in evaluation, gradients against central differences, folding, and the
/// checkpoint round trip.
final class BatchNormTests: XCTestCase {
    private let shape = [3, 2, 2]

    /// A layer with gamma of both signs, beta, and positive running variances.
    private func layer(_ rand: inout TestRandom) -> BatchNorm {
        let bn = BatchNorm(shape: shape, name: "n1")
        bn.gamma.value.data = [1.3, -0.7, 0.4]
        bn.beta.value.data = [0.2, -0.1, 0.5]
        bn.runningMean.value.data = [0.1, -0.3, 0.2]
        bn.runningVariance.value.data = [0.8, 1.5, 0.3]
        return bn
    }

    /// 4 nominal rows, then 3 interval rows (centre, radius).
    private func flow(_ rand: inout TestRandom) -> Flow {
        Flow(values: rand.tensor([7] + shape, in: -2...2), radius: rand.tensor([3] + shape, in: 0.05...0.5))
    }

    /// The channel kernels batch normalisation runs on, against straightforward Double loops (rows 1..<5 of 6,
    /// 3 channels, 5 positions): sums, products, centred sums and squares, the affine maps.
    func testChannelKernelsAgainstPlainLoops() {
        var rand = TestRandom(43)
        let c = 3, k = 5
        let a = rand.tensor([6, c, k], in: -2...2), x = rand.tensor([6, c, k], in: -2...2)
        let centre: [Float] = [0.3, -1.1, 0.05]
        func plain(_ f: (Int) -> Double) -> [Double] {
            (0..<c).map { ch in (1..<5).reduce(0.0) { sum, row in
                sum + (0..<k).reduce(0.0) { $0 + f((row * c + ch) * k + $1) } } }
        }
        func close(_ got: [Double], _ want: [Double], _ what: String) {
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-5 * max(1, abs(w)), what) }
        }
        close(ChannelKernels.sums(a, rows: 1..<5, channels: c, spatial: k), plain { Double(a.data[$0]) }, "sum")
        close(ChannelKernels.sums(a, times: x, rows: 1..<5, channels: c, spatial: k),
              plain { Double(a.data[$0]) * Double(x.data[$0]) }, "products")
        close(ChannelKernels.centredSums(a, x, centre: centre, rows: 1..<5, channels: c, spatial: k),
              plain { Double(a.data[$0]) * (Double(x.data[$0]) - Double(centre[($0 / k) % c])) }, "centred")
        close(ChannelKernels.centredSums(nil, x, centre: centre, rows: 1..<5, channels: c, spatial: k),
              plain { let d = Double(x.data[$0]) - Double(centre[($0 / k) % c]); return d * d }, "squares")
        let scale: [Float] = [2, -0.5, 0], shift: [Float] = [1, 0.25, -3]
        let y = ChannelKernels.affine(x, scale: scale, shift: shift, channels: c, spatial: k)
        var z = a
        ChannelKernels.addAffine(into: &z, x, rows: 1..<5, scale: scale, shift: shift, channels: c, spatial: k)
        for j in x.data.indices {
            let ch = (j / k) % c, row = j / (c * k)
            XCTAssertEqual(y.data[j], scale[ch] * x.data[j] + shift[ch])
            XCTAssertEqual(z.data[j], (1..<5).contains(row) ? a.data[j] + (scale[ch] * x.data[j] + shift[ch]) : a.data[j])
        }
    }

    func testTrainingUsesTheCleanBatchAndMovesTheRunningAverages() {
        var rand = TestRandom(41)
        let bn = layer(&rand), input = flow(&rand)
        bn.training = true
        let out = bn.forward(input, cache: true)
        let k = 4
        for ch in 0..<3 {
            // The nominal rows' statistics, in Double.
            let xs = (0..<4).flatMap { row in (0..<k).map { Double(input.values.data[(row * 3 + ch) * k + $0]) } }
            let mean = xs.reduce(0, +) / 16, variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 16
            let s = Double(bn.gamma.value.data[ch]) / (variance + 1e-5).squareRoot()
            let t = Double(bn.beta.value.data[ch]) - s * mean
            for row in 0..<7 {
                for i in 0..<k {
                    let j = (row * 3 + ch) * k + i
                    XCTAssertEqual(Double(out.values.data[j]), s * Double(input.values.data[j]) + t, accuracy: 1e-5)
                }
            }
            for row in 0..<3 {
                for i in 0..<k {
                    let j = (row * 3 + ch) * k + i
                    XCTAssertEqual(Double(out.radius!.data[j]), abs(s) * Double(input.radius!.data[j]), accuracy: 1e-5)
                }
            }
            let oldMean = [0.1, -0.3, 0.2][ch], oldVariance = [0.8, 1.5, 0.3][ch]
            XCTAssertEqual(Double(bn.runningMean.value.data[ch]), 0.9 * oldMean + 0.1 * mean, accuracy: 1e-6)
            XCTAssertEqual(Double(bn.runningVariance.value.data[ch]), 0.9 * oldVariance + 0.1 * variance * 16 / 15,
                           accuracy: 1e-5)
        }
        // A probe without cache leaves the running averages alone.
        let before = bn.runningMean.value.data
        _ = bn.forward(input, cache: false)
        XCTAssertEqual(bn.runningMean.value.data, before)
    }

    /// Evaluation is the elementwise affine map of the running averages, which is also the primitive every bound
    /// method reads.
    func testEvaluationIsThePrimitive() {
        var rand = TestRandom(42)
        let bn = layer(&rand), input = flow(&rand)
        let out = bn.forward(input, cache: false)
        guard case let .affine(map) = bn.primitive else { return XCTFail("not affine") }
        XCTAssertEqual(map.apply(input.values).data, out.values.data)
        XCTAssertEqual(map.applyAbsolute(input.radius!).data, out.radius!.data)
        XCTAssertEqual(Double(out.values.data[0]),
                       1.3 * (Double(input.values.data[0]) - 0.1) / (0.8 + 1e-5).squareRoot() + 0.2, accuracy: 1e-5)
    }

    /// L = <cV, values'> + <cR, radius'>: d/d(values), d/d(radius), d/d(gamma, beta) against central differences,
    /// in training (through the batch statistics) and in evaluation.
    func testGradientsAgainstFiniteDifferences() {
        for training in [true, false] {
            var rand = TestRandom(training ? 43 : 44)
            let bn = layer(&rand)
            bn.training = training
            var input = flow(&rand)
            let probe = bn.forward(input, cache: false)
            let cV = rand.tensor(probe.values.shape), cR = rand.tensor(probe.radius!.shape)
            func loss() -> Double {
                let out = bn.forward(input, cache: false)
                return zip(out.values.data, cV.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    + zip(out.radius!.data, cR.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            for p in bn.parameters { p.grad = Tensor(zeros: p.value.shape) }
            _ = bn.forward(input, cache: true)
            let g = bn.backward(Flow(values: cV, radius: cR), inputGradient: true)
            let h: Float = 1e-2
            func check(_ analytic: Float, _ bump: (Float) -> Void, _ what: String) {
                bump(h); let up = loss()
                bump(-2 * h); let down = loss()
                bump(h)
                let numeric = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(analytic), numeric, accuracy: 1e-2 * max(abs(numeric), 1) + 1e-3,
                               "\(training ? "training" : "evaluation"): \(what)")
            }
            for i in input.values.data.indices {
                check(g.values.data[i], { input.values.data[i] += $0 }, "d/d values[\(i)]")
            }
            for i in input.radius!.data.indices {
                check(g.radius!.data[i], { input.radius!.data[i] += $0 }, "d/d radius[\(i)]")
            }
            for p in [bn.gamma, bn.beta] {
                for i in p.value.data.indices { check(p.grad.data[i], { p.value.data[i] += $0 }, "d/d \(p.name)[\(i)]") }
            }
            XCTAssertEqual(bn.runningMean.grad.data, [0, 0, 0])
        }
    }

    /// A `small-bn` network with trained-looking batch normalisations and the same network folded: equal logits and
    /// equal IBP bounds (up to rounding), and its ONNX chain holds no separate normalisation.
    func testFoldingKeepsLogitsAndBounds() throws {
        var rand = TestRandom(45)
        let net = Network(Architecture.named("small-bn")!)
        Initializer.initialize(net, scheme: .ibp, seed: 45)
        for bn in net.batchNorms {
            bn.gamma.value = rand.tensor([bn.channels], in: -1.5...1.5)
            bn.beta.value = rand.tensor([bn.channels], in: -0.5...0.5)
            bn.runningMean.value = rand.tensor([bn.channels], in: -0.1...0.1)
            bn.runningVariance.value = rand.tensor([bn.channels], in: 1e-4...1e-2)
        }
        XCTAssertEqual(net.batchNorms.count, 3)
        let folded = BatchNormFolding.folded(net)
        XCTAssertEqual(folded.layers.count, net.layers.count - 3)
        XCTAssertFalse(folded.layers.contains { $0 is BatchNorm || $0 is ElementwiseAffine })
        let x = rand.tensor([5, 1, 28, 28], in: 0...1)
        let a = net.logits(x), b = folded.logits(x)
        for (u, v) in zip(a.data, b.data) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(u))) }
        let box = InputBox(around: x, epsilon: 0.05)
        let unfoldedBounds = try BoundMethodName.ibp.method.bounds(net.layers, box: box, specification: nil)
        let foldedBounds = try BoundMethodName.ibp.method.bounds(folded.layers, box: box, specification: nil)
        let (u, f) = (unfoldedBounds.stages.last!, foldedBounds.stages.last!)
        for (p, q) in zip(u.upper.data + u.lower.data, f.upper.data + f.lower.data) {
            XCTAssertEqual(p, q, accuracy: 1e-4 * max(1, abs(p)))
        }
        let chain = try ONNXExport.chain(net, path: "small-bn.onnx")
        XCTAssertEqual(chain.steps.count, folded.layers.count)
    }

    /// Saved and loaded: the architecture keeps its batch normalisations, the running averages come back bit for bit.
    func testCheckpointRoundTrip() throws {
        var rand = TestRandom(46)
        let net = Network(Architecture.named("tiny-bn")!)
        Initializer.initialize(net, scheme: .ibp, seed: 46)
        XCTAssertEqual(net.architecture.summary, "flatten, linear 100, batchnorm, relu, linear 10")
        let bn = net.batchNorms[0]
        bn.runningMean.value = rand.tensor([100], in: -1...1)
        bn.runningVariance.value = rand.tensor([100], in: 0.1...2)
        bn.gamma.value = rand.tensor([100], in: -2...2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).ckpt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint(network: net, step: 3).save(to: url)
        let loaded = try Checkpoint.load(url)
        XCTAssertEqual(loaded.architecture, net.architecture)
        let back = loaded.makeNetwork()
        XCTAssertEqual(back.parameters.map(\.name), net.parameters.map(\.name))
        XCTAssertEqual(back.parameters.map(\.value.data), net.parameters.map(\.value.data))
        let x = rand.tensor([3, 1, 28, 28], in: 0...1)
        XCTAssertEqual(back.logits(x).data, net.logits(x).data)
    }

    /// The whole training loss (batch statistics in the step) on `tiny-bn` at eps 0.01 and `small-bn` at eps 0.001:
    /// gradients against central differences. Batch normalisation centres every pre-activation at 0, so many sit
    /// near a ReLU kink: a probe that moves any ReLU input (nominal, or an interval end c -/+ r) across 0 measures no
    /// derivative and is left out (the rest converge to the analytic value as h shrinks); at least a third must count.
    func testTrainingLossGradientsThroughBatchNorm() {
        for (name, eps) in [("tiny-bn", Float(0.01)), ("small-bn", Float(0.001))] {
            var rand = TestRandom(47)
            let net = Network(Architecture.named(name)!)
            Initializer.initialize(net, scheme: .orthogonal, seed: 47)
            for p in net.parameters where p.value.shape.count > 1 {
                p.value.data = p.value.data.map { $0 < 0 ? $0 - 0.004 : $0 + 0.004 }
            }
            for bn in net.batchNorms { bn.gamma.value = rand.tensor([bn.channels], in: 0.5...1.5) }
            let x = rand.tensor([6, 1, 28, 28], in: 0...1)
            let labels = [7, 2, 1, 0, 4, 1]
            let box = IntervalBounds.inputBox(around: x, epsilon: eps)
            func loss() -> (Double, [Bool]) {
                net.withTraining {
                    let (logits, margins) = net.logitsAndMargins(x, labels: labels, epsilon: eps)
                    let (_, inputs) = net.forwardBodyRecordingReLUInputs(
                        Flow(values: x.stacked(with: box.centre), radius: box.radius), cache: false)
                    var signs: [Bool] = []
                    for f in inputs {
                        let rows = f.values.rows(0..<6).data, centres = f.values.rows(6..<12).data, r = f.radius!.data
                        for v in rows { signs.append(v > 0) }
                        for j in r.indices {
                            signs.append(centres[j] - r[j] > 0)
                            signs.append(centres[j] + r[j] > 0)
                        }
                    }
                    return (Double(0.4 * CrossEntropy.lossAndGradient(logits, labels: labels).loss
                                   + 0.6 * CrossEntropy.lossAndGradient(margins, labels: labels).loss), signs)
                }
            }
            let stats = IBPLoss.lossAndGradient(network: net, x: x, labels: labels, epsilon: eps, kappa: 0.4, bounds: true)
            let (base, baseSigns) = loss()
            XCTAssertEqual(Double(stats.loss), base, accuracy: 1e-4 * max(1, base))
            XCTAssertFalse(net.batchNorms.contains { $0.training }, "the step leaves evaluation mode behind")
            let h: Float = 1e-3
            var probes = 0, counted = 0
            for p in net.parameters where !p.name.hasSuffix("/mean") && !p.name.hasSuffix("/var") {
                for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 10)) {
                    probes += 1
                    let saved = p.value.data[i]
                    p.value.data[i] = saved + h; let (up, upSigns) = loss()
                    p.value.data[i] = saved - h; let (down, downSigns) = loss()
                    p.value.data[i] = saved
                    guard upSigns == baseSigns, downSigns == baseSigns else { continue }
                    counted += 1
                    let numeric = (up - down) / Double(2 * h)
                    XCTAssertEqual(Double(p.grad.data[i]), numeric, accuracy: 2e-2 * max(abs(numeric), 0.05) + 4e-3,
                                   "\(name): d/d \(p.name)[\(i)]")
                }
            }
            print(name, counted, "of", probes)
            XCTAssertGreaterThanOrEqual(3 * counted, probes, "\(name): only \(counted) of \(probes) probes kept every ReLU's side")
        }
    }
}
