import XCTest
@testable import IBP

/// Analytic gradients against central finite differences, for every layer and for the training loss.
final class GradientTests: XCTestCase {
    /// Loss L = <cV, values'> + <cR, radius'> of one layer; checks d/d(values), d/d(radius), d/d(parameters).
    private func checkLayer(_ make: () -> Layer, input: Flow, seed: UInt64, h: Float = 1e-2,
                            file: StaticString = #filePath, line: UInt = #line) {
        var rand = TestRandom(seed)
        let layer = make()
        // Weights at least 0.1 from 0, so a finite-difference probe never crosses the kink of |W| in r' = |W| r.
        for p in layer.parameters {
            p.value = rand.tensor(p.value.shape, in: -0.4...0.4)
            p.value.data = p.value.data.map { $0 < 0 ? $0 - 0.1 : $0 + 0.1 }
        }
        let probe = layer.forward(input, cache: false)
        let cV = rand.tensor(probe.values.shape)
        let cR = probe.radius.map { rand.tensor($0.shape) }
        func loss(_ flow: Flow) -> Double {
            let out = layer.forward(flow, cache: false)
            var s = zip(out.values.data, cV.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            if let r = out.radius, let c = cR { s += zip(r.data, c.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            return s
        }
        for p in layer.parameters { p.grad = Tensor(zeros: p.value.shape) }
        _ = layer.forward(input, cache: true)
        let g = layer.backward(Flow(values: cV, radius: cR), inputGradient: true)

        func numeric(_ bump: (Float) -> Void) -> Double {
            bump(h); let up = loss(input)
            bump(-2 * h); let down = loss(input)
            bump(h)
            return (up - down) / Double(2 * h)
        }
        func assertClose(_ analytic: Float, _ numeric: Double, _ what: String) {
            let tol = 1e-2 * max(abs(numeric), 1) + 1e-3
            XCTAssertEqual(Double(analytic), numeric, accuracy: tol, what, file: file, line: line)
        }
        var x = input
        func lossX() -> Double { loss(x) }
        for i in stride(from: 0, to: x.values.count, by: max(1, x.values.count / 40)) {
            let a = g.values.data[i]
            x.values.data[i] += h; let up = lossX()
            x.values.data[i] -= 2 * h; let down = lossX()
            x.values.data[i] += h
            assertClose(a, (up - down) / Double(2 * h), "d/d values[\(i)]")
        }
        if let r = x.radius {
            for i in stride(from: 0, to: r.count, by: max(1, r.count / 40)) {
                let a = g.radius!.data[i]
                x.radius!.data[i] += h; let up = lossX()
                x.radius!.data[i] -= 2 * h; let down = lossX()
                x.radius!.data[i] += h
                assertClose(a, (up - down) / Double(2 * h), "d/d radius[\(i)]")
            }
        }
        for p in layer.parameters {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 40)) {
                let n = numeric { p.value.data[i] += $0 }
                assertClose(p.grad.data[i], n, "d/d \(p.name)[\(i)]")
            }
        }
    }

    /// Nominal rows and interval rows (centre, radius) with ReLU kinks kept away from the probes.
    private func flow(_ shape: [Int], nominal: Int, intervals: Int, seed: UInt64) -> Flow {
        var rand = TestRandom(seed)
        var values = rand.tensor([nominal + intervals] + shape)
        for i in values.data.indices where abs(values.data[i]) < 0.1 { values.data[i] += 0.3 }
        var radius = rand.tensor([intervals] + shape, in: 0.05...0.3)
        let offset = nominal * radius.sampleSize
        for i in radius.data.indices {
            // Keep mu - r and mu + r at least 0.05 from 0, where ReLU's derivative jumps.
            let mu = values.data[offset + i]
            while abs(mu - radius.data[i]) < 0.05 || abs(mu + radius.data[i]) < 0.05 { radius.data[i] += 0.07 }
        }
        return Flow(values: values, radius: radius)
    }

    func testConvValidGradients() {
        checkLayer({ Conv2D(inputShape: [2, 7, 7], outChannels: 3, kernel: 3, stride: 2, same: false, name: "c") },
                   input: flow([2, 7, 7], nominal: 2, intervals: 2, seed: 1), seed: 2)
    }

    func testConvSameGradients() {
        checkLayer({ Conv2D(inputShape: [2, 6, 5], outChannels: 3, kernel: 3, stride: 2, same: true, name: "c") },
                   input: flow([2, 6, 5], nominal: 1, intervals: 2, seed: 3), seed: 4)
    }

    func testLinearGradients() {
        checkLayer({ Linear(inputShape: [3, 2, 2], outFeatures: 5, name: "l") },
                   input: flow([3, 2, 2], nominal: 2, intervals: 3, seed: 5), seed: 6)
    }

    func testReLUGradients() {
        checkLayer({ Activation(.relu, shape: [12]) }, input: flow([12], nominal: 2, intervals: 3, seed: 7), seed: 8,
                   h: 1e-3)
    }

    func testSigmoidGradients() {
        checkLayer({ Activation(.sigmoid, shape: [12]) }, input: flow([12], nominal: 2, intervals: 3, seed: 9), seed: 10)
    }

    /// A rectangular kernel with per-axis strides and asymmetric explicit pads (an imported ONNX Conv).
    func testConvRectangularPaddedGradients() {
        let g = ConvGeometry(channels: 2, height: 7, width: 6, kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 1,
                             padTop: 1, padLeft: 0, padBottom: 2, padRight: 1)
        checkLayer({ Conv2D(geometry: g, outChannels: 3, name: "c") },
                   input: flow([2, 7, 6], nominal: 2, intervals: 2, seed: 17), seed: 18)
    }

    func testElementwiseAffineGradients() {
        checkLayer({ ElementwiseAffine(shape: [2, 3, 2], name: "n") },
                   input: flow([2, 3, 2], nominal: 2, intervals: 3, seed: 19), seed: 20)
    }

    func testAveragePoolGradients() {
        let g = ConvGeometry(channels: 2, height: 6, width: 7, kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 2,
                             padTop: 1, padLeft: 1, padBottom: 1, padRight: 0)
        for include in [true, false] {
            checkLayer({ AveragePool(windows: PoolWindows(g), countIncludePad: include) },
                       input: flow([2, 6, 7], nominal: 2, intervals: 2, seed: 21), seed: 22)
        }
    }

    func testZeroPadGradients() {
        checkLayer({ ZeroPad(inputShape: [2, 3, 4], top: 1, left: 0, bottom: 2, right: 1) },
                   input: flow([2, 3, 4], nominal: 1, intervals: 2, seed: 23), seed: 24)
    }

    /// Max pooling away from ties (inputs spread so no window's two largest values, of x, mu - r or mu + r, are
    /// within 2h of each other, where the subgradient would jump).
    func testMaxPoolGradients() {
        let g = ConvGeometry(channels: 2, height: 5, width: 6, kernelHeight: 2, kernelWidth: 3, strideH: 2, strideW: 2,
                             padTop: 1, padLeft: 0, padBottom: 0, padRight: 1)
        var input = flow([2, 5, 6], nominal: 2, intervals: 2, seed: 25)
        // Values on a grid of 0.05 in a shuffled order, radii on a grid of 0.013: distinct sums and differences.
        for i in input.values.data.indices { input.values.data[i] = Float((i * 37) % 97) * 0.05 - 2.4 }
        for i in input.radius!.data.indices { input.radius!.data[i] = 0.05 + Float((i * 11) % 29) * 0.013 }
        checkLayer({ MaxPool(windows: PoolWindows(g)) }, input: input, seed: 26, h: 1e-3)
    }

    func testReshapeGradients() {
        checkLayer({ Reshape(inputShape: [2, 3, 2], outputShape: [3, 4]) },
                   input: flow([2, 3, 2], nominal: 1, intervals: 1, seed: 27), seed: 28)
    }

    func testFlattenGradients() {
        checkLayer({ Flatten(inputShape: [2, 3, 2]) }, input: flow([2, 3, 2], nominal: 1, intervals: 1, seed: 11), seed: 12)
    }

    /// The whole IBP loss (nominal cross-entropy, elided margins, their cross-entropy) on the smooth seed model.
    func testIBPLossGradients() {
        var rand = TestRandom(13)
        let net = rand.network("vissmall")
        // Keep every weight and every difference of head rows (the elided specification's |W_j - W_y|)
        // well away from 0, so probes of size h never cross a kink of |.|.
        for p in net.parameters where p.value.shape.count > 1 {
            p.value.data = p.value.data.map { $0 < 0 ? $0 - 0.05 : $0 + 0.05 }
        }
        let d = net.head.inFeatures
        for j in 0..<10 {
            for i in 0..<d { net.head.weight.value.data[j * d + i] = Float(j + 1) * 0.05 * (i % 3 == 0 ? -1 : 1) }
        }
        let x = rand.tensor([4, 1, 28, 28], in: 0...1)
        let labels = [7, 2, 1, 0]
        func loss() -> Double {
            let (logits, margins) = net.logitsAndMargins(x, labels: labels, epsilon: 0.1)
            let a = CrossEntropy.lossAndGradient(logits, labels: labels).loss
            let b = CrossEntropy.lossAndGradient(margins, labels: labels).loss
            return Double(0.3 * a + 0.7 * b)
        }
        let stats = IBPLoss.lossAndGradient(network: net, x: x, labels: labels, epsilon: 0.1, kappa: 0.3, bounds: true)
        XCTAssertEqual(Double(stats.loss), loss(), accuracy: 1e-4)
        let h: Float = 1e-2
        for p in net.parameters {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 15)) {
                let saved = p.value.data[i]
                p.value.data[i] = saved + h; let up = loss()
                p.value.data[i] = saved - h; let down = loss()
                p.value.data[i] = saved
                let numeric = (up - down) / Double(2 * h)
                XCTAssertEqual(Double(p.grad.data[i]), numeric, accuracy: 2e-2 * max(abs(numeric), 0.05) + 2e-4,
                               "d/d \(p.name)[\(i)]")
            }
        }
    }

    func testCrossEntropyGradient() {
        var rand = TestRandom(14)
        var logits = rand.tensor([3, 10], in: -3...3)
        let labels = [1, 9, 4]
        let (_, grad) = CrossEntropy.lossAndGradient(logits, labels: labels)
        let h: Float = 1e-2
        for i in logits.data.indices {
            logits.data[i] += h; let up = CrossEntropy.lossAndGradient(logits, labels: labels).loss
            logits.data[i] -= 2 * h; let down = CrossEntropy.lossAndGradient(logits, labels: labels).loss
            logits.data[i] += h
            XCTAssertEqual(grad.data[i], (up - down) / (2 * h), accuracy: 1e-3)
        }
    }

    /// PGD's input gradient of the margin objective, on the smooth model.
    func testInputGradientOfMargin() {
        var rand = TestRandom(15)
        let net = rand.network("vissmall")
        var x = rand.tensor([2, 1, 28, 28], in: 0...1)
        let labels = [3, 8]
        let (_, grad) = PGD.marginAndGradient(net, x: x, labels: labels)
        let h: Float = 1e-2
        for i in stride(from: 0, to: x.count, by: 97) {
            x.data[i] += h; let up = PGD.marginAndGradient(net, x: x, labels: labels).0.reduce(0, +)
            x.data[i] -= 2 * h; let down = PGD.marginAndGradient(net, x: x, labels: labels).0.reduce(0, +)
            x.data[i] += h
            XCTAssertEqual(grad.data[i], (up - down) / (2 * h), accuracy: 2e-3)
        }
    }

    /// Without parameter gradients (as PGD runs it) the backward pass gives the same input gradient, bit for bit,
    /// and leaves every parameter gradient at zero; with them it accumulates.
    func testInputGradientOnlyBackward() {
        var rand = TestRandom(16)
        for model in ["small", "vissmall"] {
            let net = rand.network(model)
            let x = rand.tensor([3, 1, 28, 28], in: 0...1)
            let dLogits = rand.tensor([3, 10])
            func inputGradient(parameterGradients: Bool) -> Tensor {
                net.zeroGradients()
                _ = net.head.forward(net.forwardBody(Flow(values: x), cache: true), cache: true)
                let dh = net.head.backward(Flow(values: dLogits), inputGradient: true,
                                           parameterGradients: parameterGradients)
                return net.backwardBody(dh, inputGradient: true, parameterGradients: parameterGradients).values
            }
            let full = inputGradient(parameterGradients: true)
            XCTAssertTrue(net.parameters.contains { $0.grad.data.contains { $0 != 0 } }, model)
            let only = inputGradient(parameterGradients: false)
            XCTAssertEqual(only.data, full.data, model)
            for p in net.parameters { XCTAssertTrue(p.grad.data.allSatisfy { $0 == 0 }, "\(model) \(p.name)") }
        }
    }
}
