import Foundation
import XCTest
@testable import IBP
import IBPRender

/// Sound mode against exact rational IBP (`ExactIBP`) on tiny networks: its bounds must contain the exact
/// bounds at every stage and its margins must bound the exact worst-case margins, while plain float32 IBP need not.
final class SoundBoundsTests: XCTestCase {
    private enum Weights: CaseIterable {
        /// Uniform in +-sqrt(3 / fan-in), biases in +-0.1, inputs in [0, 1].
        case uniform
        /// +-(1 + t) 2^k with k in -16...8 for weights and biases: mixed magnitudes.
        case wild
        /// Rows of weights +-2^10 (1 + t 2^-12) of alternating sign on near-equal inputs, biases in +-1: W mu + b
        /// is about 1e-3 of |W| |mu| in the first layer.
        case cancelling
    }

    private func network(input shape: [Int], _ layers: [Architecture.LayerSpec], _ style: Weights,
                         _ rand: inout TestRandom) -> Network {
        let net = Network(Architecture(name: "test", inputShape: shape, layers: layers))
        for p in net.parameters {
            let fanIn = p.value.count / p.value.shape[0], isBias = p.value.shape.count == 1
            p.value.data = p.value.data.indices.map { i in
                let t = rand.rng.uniform(), sign: Float = rand.rng.uniform() < 0.5 ? -1 : 1
                switch style {
                case .uniform:
                    return isBias ? 0.2 * t - 0.1 : (2 * t - 1) * (3 / Float(fanIn)).squareRoot()
                case .wild:
                    let exponent = Int(rand.rng.uniform() * 25) - 16
                    return sign * (1 + t) * Float(sign: .plus, exponent: exponent, significand: 1)
                case .cancelling:
                    // Columns pair up as +w, -w'; an odd last column gets a small weight.
                    let column = i % fanIn
                    if isBias || column == fanIn - 1 && fanIn % 2 == 1 { return sign * t }
                    return (column % 2 == 0 ? 1 : -1) * 1024 * (1 + t * 0x1p-12)
                }
            }
        }
        return net
    }

    private func dense(inputs: Int, hidden: [Int]) -> [Architecture.LayerSpec] {
        [.flatten] + hidden.flatMap { [.linear(units: $0), .activation(.relu)] } + [.linear(units: 3)]
    }

    private func inputs(_ count: Int, size: Int, _ style: Weights, _ rand: inout TestRandom) -> Tensor {
        let centre = rand.rng.uniform()
        return Tensor(shape: [count, size], data: (0..<count * size).map { _ in
            // Cancelling rows need near-equal inputs: multiples of 2^-20 around one value.
            style == .cancelling ? centre + Float(Int(rand.rng.uniform() * 8)) * 0x1p-20 : rand.rng.uniform()
        })
    }

    private let epsilons: [Float] = [0, 0x1p-20, 0.01, 0.1, 0.3]

    /// Counts of elements where the plain float32 bound is tighter than the exact one (not sound).
    private struct Tally { var checked = 0, plainUnsound = 0 }

    /// Checks sound stages and margins of `net` on `x` against exact IBP; tallies the plain bounds' failures.
    private func check(_ net: Network, _ x: Tensor, epsilon: Float, labels: [Int], tally: inout Tally,
                       _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let sound = net.soundStages(x, epsilon: epsilon)
        let plain = net.stages(x, epsilon: epsilon)
        let soundMargins = net.soundMargins(x: x, labels: labels, epsilon: epsilon)
        for s in 0..<x.batch {
            let sample = Array(x.data[s * x.sampleSize..<(s + 1) * x.sampleSize])
            let exact = ExactIBP.stages(net, input: sample, epsilon: epsilon)
            XCTAssertEqual(exact.map(\.name), sound.map(\.name), file: file, line: line)
            for (e, (so, pl)) in zip(exact, zip(sound, plain)) {
                let size = e.box.lower.count, base = s * size
                let plainLower = pl.bounds.lower, plainUpper = pl.bounds.upper
                for i in 0..<size {
                    let lo = so.bounds.lower.data[base + i], hi = so.bounds.upper.data[base + i]
                    let exactLower = e.box.lower[i], exactUpper = e.box.upper[i]
                    XCTAssert(Dyadic(lo) <= exactLower && Dyadic(hi) >= exactUpper,
                              "\(what) \(e.name)[\(i)]: sound [\(lo), \(hi)] misses exact "
                              + "[\(exactLower.approximate), \(exactUpper.approximate)]", file: file, line: line)
                    tally.checked += 1
                    let plainLo = Dyadic(plainLower.data[base + i]), plainHi = Dyadic(plainUpper.data[base + i])
                    if plainLo > exactLower || plainHi < exactUpper {
                        tally.plainUnsound += 1
                    }
                }
            }
            let exactMargins = ExactIBP.margins(net, input: sample, epsilon: epsilon, label: labels[s])
            for j in 0..<net.classes where j != labels[s] {
                let m = soundMargins.data[s * net.classes + j]
                XCTAssert(Dyadic(m) >= exactMargins[j], "\(what) margin \(j): sound \(m) < exact "
                          + "\(exactMargins[j].approximate)", file: file, line: line)
            }
        }
    }

    private func checkDense(style: Weights, networks: Int, seed: UInt64) -> Tally {
        var rand = TestRandom(seed), tally = Tally()
        for k in 0..<networks {
            let size = 3 + k % 3, hidden = k % 2 == 0 ? [4 + k % 5] : [8, 4 + k % 3]
            let net = network(input: [1, 1, size], dense(inputs: size, hidden: hidden), style, &rand)
            let x = inputs(4, size: size, style, &rand)
            check(net, x.reshaped(sampleShape: [1, 1, size]), epsilon: epsilons[k % epsilons.count],
                  labels: (0..<4).map { $0 % 3 }, tally: &tally, "\(style) network \(k)")
        }
        return tally
    }

    func testUniformReLUNetworksContainExactBounds() {
        let tally = checkDense(style: .uniform, networks: 60, seed: 11)
        XCTAssertGreaterThan(tally.checked, 1000)
    }

    func testWildReLUNetworksContainExactBounds() {
        _ = checkDense(style: .wild, networks: 60, seed: 12)
    }

    /// With 3-5 inputs the input box's outward ulp times |W| already covers about one ulp per product, so this
    /// case mainly guards the margins; the wild and conv cases are the ones that fail without the affine widening.
    func testCancellingReLUNetworksContainExactBounds() {
        _ = checkDense(style: .cancelling, networks: 60, seed: 13)
    }

    /// Plain float32 IBP rounds to nearest, so some of its bounds land inside the exact interval: it is not a proof.
    func testPlainFloatBoundsAreNotSound() {
        var total = Tally()
        for (k, style) in Weights.allCases.enumerated() {
            let t = checkDense(style: style, networks: 20, seed: 100 + UInt64(k))
            total.checked += t.checked; total.plainUnsound += t.plainUnsound
        }
        print("plain float32 bounds tighter than exact IBP (unsound): \(total.plainUnsound) of \(total.checked)")
        XCTAssertGreaterThan(total.plainUnsound, 0)
    }

    /// A false certificate by construction. Head W = [[-2^-24], [1]], b = [1, 2^-25], x = 1 - 2^-24, eps = 0, label 0.
    /// Exact margin: (2^-25 - 1) + (1 + 2^-24)(1 - 2^-24) = 2^-25 - 2^-48 > 0, so class 1 wins in real arithmetic.
    /// Plain float32: fl(2^-25 - 1) = -1 and fl(1 + 2^-24) = 1 (ties to even), so the margin is -1 + (1 - 2^-24) < 0.
    func testPlainFloatCertifiesANonRobustSample() {
        let net = Network(Architecture(name: "cancel", inputShape: [1, 1, 1], layers: [.flatten, .linear(units: 2)]))
        net.head.weight.value.data = [-0x1p-24, 1]
        net.head.bias.value.data = [1, 0x1p-25]
        let x = Tensor(shape: [1, 1, 1, 1], data: [1 - 0x1p-24])
        let plain = net.logitsAndMargins(x, labels: [0], epsilon: 0).margins.data[1]
        let exact = ExactIBP.margins(net, input: x.data, epsilon: 0, label: 0)[1]
        let sound = net.soundMargins(x: x, labels: [0], epsilon: 0).data[1]
        XCTAssertLessThan(plain, 0, "plain IBP should (wrongly) verify")
        XCTAssertFalse(exact.isNegative || exact == .zero, "exact margin \(exact.approximate) should be positive")
        XCTAssert(Dyadic(sound) >= exact)
        XCTAssertFalse(Verification.verified(margins: net.soundMargins(x: x, labels: [0], epsilon: 0), labels: [0])[0])
    }

    /// Convolutions (VALID and SAME padding, stride 2) against exact arithmetic.
    func testConvNetworksContainExactBounds() {
        var rand = TestRandom(21), tally = Tally()
        for k in 0..<12 {
            let layers: [Architecture.LayerSpec] = [
                .conv(channels: 3, kernel: 3, stride: 2, same: false), .activation(.relu),
                .conv(channels: 2, kernel: 3, stride: 2, same: true), .activation(.relu),
                .flatten, .linear(units: 5), .activation(.relu), .linear(units: 3),
            ]
            let style = Weights.allCases[k % 3]
            let net = network(input: [2, 7, 7], layers, style, &rand)
            let x = inputs(2, size: 98, style, &rand).reshaped(sampleShape: [2, 7, 7])
            check(net, x, epsilon: epsilons[k % epsilons.count], labels: [0, 2], tally: &tally, "conv network \(k)")
        }
    }

    /// On ordinary weights the sound bounds differ from the plain ones by the worst-case rounding bound
    /// gamma_n |W| (|mu| + r), n u times magnitudes that cancel in W mu: measured 3e-4 (tiny), 4.5e-4 (small) and
    /// 7e-5 (vissmall) of each stage's (and the margins') largest bound; asserted below 1e-3.
    func testSoundBoundsAreTight() {
        var rand = TestRandom(31)
        for name in ["tiny", "small", "vissmall"] {
            let net = rand.network(name)
            let x = rand.tensor([3, 1, 28, 28], in: 0...1)
            var worst: Float = 0
            for (plain, sound) in zip(net.stages(x, epsilon: 0.1), net.soundStages(x, epsilon: 0.1)) {
                let lower = plain.bounds.lower.data, upper = plain.bounds.upper.data
                let scale = max(lower.map(abs).max()!, upper.map(abs).max()!)
                let gap = zip(lower, sound.bounds.lower.data).map { $0 - $1 }.max()!
                let gapUp = zip(sound.bounds.upper.data, upper).map { $0 - $1 }.max()!
                worst = max(worst, max(gap, gapUp) / scale)
            }
            let labels = [1, 4, 7]
            let plain = net.logitsAndMargins(x, labels: labels, epsilon: 0.1).margins.data
            let sound = net.soundMargins(x: x, labels: labels, epsilon: 0.1).data
            let scale = plain.map(abs).max()!
            worst = max(worst, zip(plain, sound).map { abs($1 - $0) }.max()! / scale)
            print("\(name): sound vs plain bounds differ by at most \(worst) of the largest bound")
            XCTAssertLessThanOrEqual(worst, 1e-3, name)
        }
    }

    /// Sound sigmoid bounds stay in [0, 1].
    func testSigmoidBoundsAreInUnitInterval() {
        var rand = TestRandom(41)
        let net = rand.network("vissmall")
        let x = rand.tensor([2, 1, 28, 28], in: 0...1)
        for stage in net.soundStages(x, epsilon: 0.3) where net.stageKind(stage.name) == .sigmoid {
            XCTAssert(stage.bounds.lower.data.allSatisfy { $0 >= 0 } && stage.bounds.upper.data.allSatisfy { $0 <= 1 })
        }
    }

    func testEvaluatorReportsSoundCounts() throws {
        var rand = TestRandom(51)
        let net = rand.network("tiny")
        let data = Dataset(sampleShape: [1, 28, 28], pixels: rand.tensor([20, 784], in: 0...1).data,
                           labels: (0..<20).map { $0 % 10 })
        let result = try Evaluator.evaluate(net, on: data, epsilon: 0, pgd: nil, seed: 0, methods: [.ibp, .soundIBP],
                                            batchSize: 7)
        XCTAssertEqual(result.verifiedBy[1], result.verifiedBy[0], "at eps 0 sound and plain should agree here")
        let report = EvaluationReport(checkpoint: "c", model: "tiny", count: 20, pgdSteps: 0, pgdStepSize: 0, seed: 0,
                                      seconds: 0, results: [result])
        XCTAssert(report.json.contains("\"sound-ibp\""))
        XCTAssert(report.table.contains("sound-ibp"))
        XCTAssertNil(try Evaluator.evaluate(net, on: data, epsilon: 0, pgd: nil, seed: 0).verifiedAccuracy(.soundIBP))
    }

    /// New user: `evaluate --epsilon 0.0001,0.0002,0.0004` printed three rows labelled `0.000`.
    func testEpsilonLabelsTellRowsApart() {
        XCTAssertEqual(EvaluationReport.epsilonLabel(0.1), "0.100")
        XCTAssertEqual(EvaluationReport.epsilonLabel(0), "0.000")
        XCTAssertEqual(EvaluationReport.epsilonLabel(0.0001), "0.0001")
        XCTAssertEqual(EvaluationReport.epsilonLabel(1e-7), "1e-07")
        XCTAssertEqual(EvaluationReport.epsilonLabel(0.1234), "0.1234")
        let labels = [Float(0.0001), 0.0002, 0.0004, 1e-7].map(EvaluationReport.epsilonLabel)
        XCTAssertEqual(Set(labels).count, labels.count)
        // Trial 28: figures kept three decimals: a sweep over 0, 0.0004 and 0.0008 was labelled 0.000, 0.000, 0.001,
        // and batch figures at 0.0004 and 0.0008 were both sample0000-eps0.000.png. Figures, file names and the
        // files' metadata (four decimals) now use the same rule.
        XCTAssertEqual(FigureBatch.fileName(sample: 0, epsilon: 0.0004), "sample0000-eps0.0004.png")
        XCTAssertEqual(FigureBatch.fileName(sample: 42, epsilon: 0.1), "sample0042-eps0.100.png")
        XCTAssertNotEqual(FigureBatch.fileName(sample: 0, epsilon: 0.0004), FigureBatch.fileName(sample: 0, epsilon: 0.0008))
        XCTAssertEqual(NumberLabel.epsilon(0.1, decimals: 4), "0.1000")
        XCTAssertEqual(NumberLabel.epsilon(0.00004, decimals: 4), "4e-05")
        XCTAssertEqual(NumberLabel.epsilon(1e-40), "1e-40")
    }
}
