import Foundation
import XCTest
@testable import IBP

/// The shared harness every bound method joins with one line in `methods`: containment of sampled points, box
/// corners and PGD iterates at every stage, exact bounds for a single affine layer, the generic IBP equal to the
/// fused training path bit for bit, and the verdict rules (finite bounds all the way, verified implies correct).
final class BoundMethodTests: XCTestCase {
    /// Every method the library has; a new method is one line here.
    static let methods: [BoundMethodName] = [.ibp, .soundIBP, .crownIBP, .crown]
    static let architectures = ["tiny", "small", "medium", "large", "vissmall", "small-bn"]

    /// An architecture on side x side inputs (CROWN's dense passes on `large` at 28 x 28 take minutes).
    private func network(_ name: String, seed: UInt64, side: Int = 16) -> (Network, TestRandom) {
        var rand = TestRandom(seed)
        return (rand.network(name, side: side), rand)
    }

    /// Nominal value of every layer's output for a batch (the stages of `ChainBounds`, input first).
    private func nominal(_ layers: [Layer], _ x: Tensor) -> [Tensor] {
        var out = [x], flow = Flow(values: x)
        for layer in layers {
            flow = layer.forward(flow, cache: false)
            out.append(flow.values)
        }
        return out
    }

    /// Points of the box: half random corners, half uniform inside, plus every iterate of a 10-step PGD run.
    private func points(_ net: any Classifier, _ x: Tensor, _ box: InputBox, count: Int, rand: inout TestRandom) -> Tensor {
        let size = x.sampleSize
        var p = Tensor(zeros: [count] + x.sampleShape)
        for s in 0..<count {
            for i in 0..<size {
                let t = rand.rng.uniform()
                let u: Float = s % 2 == 0 ? (t < 0.5 ? 0 : 1) : t
                p.data[s * size + i] = box.lower.data[i] + u * (box.upper.data[i] - box.lower.data[i])
            }
        }
        for steps in [1, 3, 10] {
            var rng = RandomSource(seed: UInt64(steps))
            let (adv, _) = PGD(epsilon: 0.1, steps: steps).attack(net, x: x, labels: [3], rng: &rng)
            p = p.stacked(with: adv)
        }
        return p
    }

    /// Checks that every stage of `bounds` contains the nominal values of every point at that stage (`values`, one
    /// tensor a stage, input first): the input stage exactly, later stages within 1e-4 of the stage's magnitude
    /// (the bounds and the forward pass round differently), sound-ibp at every stage exactly.
    private func assertContains(_ bounds: ChainBounds, _ values: [Tensor], method: BoundMethodName, model: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        for (stage, (b, v)) in zip(bounds.stages, values).enumerated() {
            let size = b.lower.sampleSize
            let scale = (b.upper.data + b.lower.data).map(abs).max()! + 1
            let tolerance: Float = stage == 0 || method == .soundIBP ? 0 : 1e-4 * scale
            var worst: Float = 0
            for s in 0..<v.batch {
                for i in 0..<size {
                    let value = v.data[s * size + i]
                    worst = max(worst, b.lower.data[i] - value, value - b.upper.data[i])
                }
            }
            XCTAssertLessThanOrEqual(worst, tolerance, "\(model) \(method) stage \(stage) left by \(worst)", file: file, line: line)
        }
    }

    /// Soundness at every stage: the input stage exactly (no tolerance: it is the box itself), later stages within
    /// 1e-4 of the stage's magnitude (the bounds and the forward pass round differently; sound-ibp needs none).
    func testEveryMethodContainsSampledCornerAndPGDPoints() throws {
        for (index, name) in BoundMethodTests.architectures.enumerated() {
            // `large` (SAME padding) on 8 x 8: its five wide convolutions make CROWN's dense passes the costliest.
            let side = name == "large" ? 8 : 16
            var (net, rand) = network(name, seed: UInt64(10 + index), side: side)
            let x = rand.tensor([1, 1, side, side], in: 0...1)
            let box = InputBox(around: x, epsilon: 0.1)
            let inside = points(net, x, box, count: 1000, rand: &rand)
            let values = nominal(net.layers, inside)
            for method in BoundMethodTests.methods {
                let bounds = try method.method.bounds(net.layers, box: box, specification: nil)
                XCTAssertEqual(bounds.stages.count, net.layers.count + 1)
                if method == .soundIBP {
                    // Sound IBP widens the box to contain its real corners (x -/+ eps before rounding).
                    XCTAssert(zip(bounds.stages[0].lower.data, box.lower.data).allSatisfy { $0 <= $1 })
                    XCTAssert(zip(bounds.stages[0].upper.data, box.upper.data).allSatisfy { $0 >= $1 })
                } else {
                    XCTAssertEqual(bounds.stages[0].lower.data, box.lower.data, "\(name) \(method): input is the box")
                    XCTAssertEqual(bounds.stages[0].upper.data, box.upper.data, "\(name) \(method): input is the box")
                }
                assertContains(bounds, values, method: method, model: name)
            }
        }
    }

    /// The imported layer kinds (`importedChains`: input normalisation, padded rectangular convolutions, zero padding,
    /// average and max pooling, tanh, reshapes, a chain ending in a ReLU) under every method: containment of 1,000
    /// sampled and corner points and PGD iterates at every stage; CROWN and CROWN-IBP refuse max pooling in one line.
    func testEveryMethodContainsSampledPointsOnImportedLayerKinds() throws {
        var rand = TestRandom(41)
        for net in rand.importedChains() {
            let x = rand.tensor([1, 1, 10, 10], in: 0...1)
            let box = InputBox(around: x, epsilon: 0.1)
            let inside = points(net, x, box, count: 1000, rand: &rand)
            let values = nominal(net.layers, inside)
            for method in BoundMethodTests.methods {
                if net.hasMaxPool && (method == .crown || method == .crownIBP) {
                    XCTAssertThrowsError(try method.method.bounds(net.layers, box: box, specification: nil)) { error in
                        XCTAssertEqual(error as? BoundMethodError,
                                       .unsupportedLayer(method: method.rawValue, layer: "layer 4 (max pooling)"))
                        // What cannot be bound, without advice: the callers know the list given and say what to do.
                        XCTAssertEqual("\(error)", "bound method \(method.rawValue) cannot bound layer 4 (max pooling)")
                    }
                    continue
                }
                let bounds = try method.method.bounds(net.layers, box: box, specification: nil)
                XCTAssertEqual(bounds.stages.count, net.layers.count + 1)
                assertContains(bounds, values, method: method, model: net.modelName)
                // The specification on a chain ending in a ReLU is applied to the output interval (not folded).
                let spec = Specification.elided(labels: [3], classes: 10)
                let withSpec = try method.method.bounds(net.layers, box: box, specification: spec)
                let last = withSpec.stages.last!, rows = withSpec.specification!
                for j in 0..<10 where j != 3 {
                    for s in 0..<values.last!.batch {
                        let m = values.last!.data[s * 10 + j] - values.last!.data[s * 10 + 3]
                        XCTAssertLessThanOrEqual(m, rows.upper.data[j] + 1e-4, "\(net.modelName) \(method) margin \(j)")
                        XCTAssertGreaterThanOrEqual(m, rows.lower.data[j] - 1e-4, "\(net.modelName) \(method) margin \(j)")
                    }
                    if net.layers.last is Activation, method == .ibp {
                        XCTAssertEqual(rows.upper.data[j], last.upper.data[j] - last.lower.data[3], accuracy: 1e-5)
                    }
                }
            }
        }
    }

    /// IBP through max pooling is exact: [maxpool(l), maxpool(u)] of the input box itself (computed directly).
    func testMaxPoolIntervalIsTheImageOfTheBoxCorners() throws {
        var rand = TestRandom(44)
        let windows = PoolWindows(ConvGeometry(channels: 2, height: 7, width: 8, kernelHeight: 3, kernelWidth: 2,
                                               strideH: 2, strideW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 0))
        let pool = MaxPool(windows: windows)
        let x = rand.tensor([2, 2, 7, 8], in: 0...1)
        let box = InputBox(around: x, epsilon: 0.15)
        for method in [BoundMethodName.ibp, .soundIBP] {
            let out = try method.method.bounds([pool], box: box, specification: nil).stages[1]
            for s in 0..<2 {
                for c in 0..<2 {
                    for i in 0..<windows.geometry.outHeight {
                        for j in 0..<windows.geometry.outWidth {
                            var lo = -Float.infinity, hi = -Float.infinity
                            for r in max(0, 2 * i - 1)..<min(7, 2 * i + 2) {
                                for q in max(0, 3 * j - 1)..<min(8, 3 * j + 1) {
                                    let k = ((s * 2 + c) * 7 + r) * 8 + q
                                    lo = max(lo, box.lower.data[k]); hi = max(hi, box.upper.data[k])
                                }
                            }
                            let o = ((s * 2 + c) * windows.geometry.outHeight + i) * windows.geometry.outWidth + j
                            if method == .ibp {
                                XCTAssertEqual(out.lower.data[o], lo, accuracy: 1e-7)
                                XCTAssertEqual(out.upper.data[o], hi, accuracy: 1e-7)
                            } else {
                                XCTAssertLessThanOrEqual(out.lower.data[o], lo)
                                XCTAssertGreaterThanOrEqual(out.upper.data[o], hi)
                                XCTAssertEqual(out.lower.data[o], lo, accuracy: 1e-6)
                            }
                        }
                    }
                }
            }
        }
    }

    /// A single affine layer: every method gives the exact box bound W mu + b -/+ |W| r (computed in Double).
    func testSingleAffineLayerIsExactUnderEveryMethod() throws {
        var rand = TestRandom(3)
        let dense = Linear(inputShape: [1, 5, 5], outFeatures: 7, name: "l")
        dense.weight.value = rand.tensor([7, 25]); dense.bias.value = rand.tensor([7])
        let conv = Conv2D(inputShape: [2, 6, 6], outChannels: 3, kernel: 3, stride: 2, same: true, name: "c")
        conv.weight.value = rand.tensor([3, 2, 3, 3]); conv.bias.value = rand.tensor([3])
        // The imported affine kinds: a rectangular conv with explicit pads and strides, input normalisation, average
        // pooling (with and without its padding counted) and zero padding.
        let rectangular = Conv2D(geometry: ConvGeometry(channels: 2, height: 6, width: 7, kernelHeight: 2, kernelWidth: 3,
                                                        strideH: 1, strideW: 2, padTop: 1, padLeft: 0, padBottom: 0,
                                                        padRight: 2), outChannels: 3, name: "r")
        rectangular.weight.value = rand.tensor([3, 2, 2, 3]); rectangular.bias.value = rand.tensor([3])
        let normalise = ElementwiseAffine(shape: [2, 3, 4], name: "n")
        normalise.scale.value = rand.tensor([2, 3, 4], in: -2...2); normalise.shift.value = rand.tensor([2, 3, 4])
        let poolGeometry = ConvGeometry(channels: 2, height: 6, width: 5, kernelHeight: 3, kernelWidth: 2, strideH: 2,
                                        strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let averages = [true, false].map { AveragePool(windows: PoolWindows(poolGeometry), countIncludePad: $0) }
        let pad = ZeroPad(inputShape: [2, 3, 3], top: 1, left: 2, bottom: 0, right: 1)
        for layer in [dense as Layer, conv, rectangular, normalise, pad] + averages {
            let x = rand.tensor([2] + layer.inputShape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.2)
            guard case let .affine(map) = layer.primitive else { return XCTFail("not affine") }
            let rows = map.weightRows(0..<map.outputSize), bias = map.biasVector, d = map.inputSize
            for method in BoundMethodTests.methods {
                let out = try method.method.bounds([layer], box: box, specification: nil).stages[1]
                for s in 0..<2 {
                    for o in 0..<map.outputSize {
                        var lo = Double(bias[o]), hi = lo
                        for i in 0..<d {
                            let w = Double(rows.data[o * d + i])
                            let a = w * Double(box.lower.data[s * d + i]), b = w * Double(box.upper.data[s * d + i])
                            lo += min(a, b); hi += max(a, b)
                        }
                        let q = s * map.outputSize + o
                        // Sound IBP is wider by its rounding-error bound, gamma_27 (|W| (|mu| + r) + |b|) ~ 2e-5 here.
                        let accuracy = method == .soundIBP ? 1e-4 : 1e-5
                        XCTAssertEqual(Double(out.lower.data[q]), lo, accuracy: accuracy, "\(method) lower \(o)")
                        XCTAssertEqual(Double(out.upper.data[q]), hi, accuracy: accuracy, "\(method) upper \(o)")
                        if method == .soundIBP {
                            XCTAssertLessThanOrEqual(Double(out.lower.data[q]), lo)
                            XCTAssertGreaterThanOrEqual(Double(out.upper.data[q]), hi)
                        }
                    }
                }
            }
        }
    }

    /// New user: an ONNX graph of one Identity node is a chain of no layers; CROWN and CROWN-IBP crashed on it
    /// (index out of range). Every method bounds rows C x + d over the box exactly, with and without `upperOnly`.
    func testEmptyChainBoundsTheSpecificationExactly() throws {
        var rand = TestRandom(11)
        let x = rand.tensor([2, 6], in: 0...1), box = InputBox(around: x, epsilon: 0.1)
        let rows = rand.tensor([2, 3, 6]), offsets: [Float] = [0.5, -1, 2, 0, 0.25, -0.5]
        let spec = Specification(rows: rows, offsets: offsets, disjuncts: [[[0, 1, 2]], [[0, 1, 2]]])
        for method in BoundMethodTests.methods {
            for upperOnly in [false, true] {
                let b = try method.method.bounds([], box: box, specification: spec, upperOnly: upperOnly)
                let out = try XCTUnwrap(b.specification, "\(method)")
                for s in 0..<2 {
                    for k in 0..<3 {
                        var lo = Double(offsets[s * 3 + k]), hi = lo
                        for i in 0..<6 {
                            let w = Double(rows.data[(s * 3 + k) * 6 + i])
                            let a = w * Double(box.lower.data[s * 6 + i]), c = w * Double(box.upper.data[s * 6 + i])
                            lo += min(a, c); hi += max(a, c)
                        }
                        let accuracy = method == .soundIBP ? 1e-4 : 1e-5
                        XCTAssertEqual(Double(out.upper.data[s * 3 + k]), hi, accuracy: accuracy, "\(method) upper")
                        if !upperOnly {
                            XCTAssertEqual(Double(out.lower.data[s * 3 + k]), lo, accuracy: accuracy, "\(method) lower")
                        }
                    }
                }
            }
        }
    }

    /// The generic IBP method gives the bits of the fused layers' interval pass (`Layer.forward` with a radius) on
    /// the same rows, at every stage and for the margins (`Network.margins`). (The training step stacks the nominal
    /// rows above the centres in one GEMM; the kernel's tile edges then fall elsewhere, so its bits may differ in the
    /// last place from a pass over the centres alone.)
    func testGenericIBPEqualsFusedPathBitForBitOnImportedLayerKinds() throws {
        var rand = TestRandom(43)
        for net in rand.importedChains() {
            let x = rand.tensor([3, 1, 10, 10], in: 0...1)
            let box = IntervalBounds.inputBox(around: x, epsilon: 0.2)
            var flow = Flow(values: box.centre, radius: box.radius)
            let generic = IntervalMethod().propagate(net.layers, box: InputBox(around: x, epsilon: 0.2), specification: nil)
            for (i, layer) in net.layers.enumerated() {
                flow = layer.forward(flow, cache: false)
                XCTAssertEqual(generic.stages[i + 1].centre.data, flow.values.data, "\(net.modelName) layer \(i) centre")
                XCTAssertEqual(generic.stages[i + 1].radius.data, flow.radius!.data, "\(net.modelName) layer \(i) radius")
            }
        }
    }

    func testGenericIBPEqualsFusedPathBitForBit() throws {
        for (index, name) in BoundMethodTests.architectures.enumerated() {
            var rand = TestRandom(UInt64(30 + index))
            let net = rand.network(name)
            let x = rand.tensor([3, 1, 28, 28], in: 0...1)
            let labels = [1, 4, 7]
            let box = IntervalBounds.inputBox(around: x, epsilon: 0.2)
            var flow = Flow(values: box.centre, radius: box.radius)
            let generic = IntervalMethod().propagate(net.layers, box: InputBox(around: x, epsilon: 0.2),
                                                     specification: Specification.elided(labels: labels, classes: 10))
            XCTAssertEqual(generic.stages[0].centre.data, box.centre.data)
            XCTAssertEqual(generic.stages[0].radius.data, box.radius.data)
            for (i, layer) in net.layers.enumerated() {
                flow = layer.forward(flow, cache: false)
                XCTAssertEqual(generic.stages[i + 1].centre.data, flow.values.data, "\(name) layer \(i) centre")
                XCTAssertEqual(generic.stages[i + 1].radius.data, flow.radius!.data, "\(name) layer \(i) radius")
            }
            XCTAssertEqual(generic.specification!.upper.data, net.margins(x, labels: labels, epsilon: 0.2).data,
                           "\(name) margins")
        }
    }

    /// Issue 11, kind 1: a ReLU interval near the largest float whose centre (l + u)/2 overflowed made IBP certify
    /// a sample PGD breaks. Every method must now give no verdict; nominal 100%, PGD 0%, verified 0%.
    func testOverflowNeverCertifies() throws {
        let net = Network(Architecture(name: "overflow", layers: [.flatten, .linear(units: 1), .activation(.relu),
                                                                   .linear(units: 10)]))
        let l1 = net.body[1] as! Linear
        l1.weight.value.data[0] = 1e38
        l1.bias.value.data[0] = 2e38
        net.head.weight.value.data[1] = 1e-20
        net.head.bias.value.data[1] = -2.5e18
        var pixels = [Float](repeating: 0, count: 784)
        pixels[0] = Float(153) / 255
        let data = Dataset(sampleShape: [1, 28, 28], pixels: pixels, labels: [1])
        let result = try Evaluator.evaluate(net, on: data, epsilon: 0.3, pgd: PGD(epsilon: 0.3), seed: 0,
                                            methods: BoundMethodTests.methods)
        XCTAssertEqual(result.nominalCorrect, 1)
        XCTAssertEqual(result.pgdCorrect, 0)
        XCTAssertEqual(result.verified, 0)
        XCTAssertEqual(result.verifiedBy, [0, 0, 0, 0])
        // Without PGD the verdict must still be "not verified": the bounds themselves are not finite.
        let alone = try Evaluator.evaluate(net, on: data, epsilon: 0.3, pgd: nil, seed: 0,
                                           methods: BoundMethodTests.methods)
        XCTAssertEqual(alone.verified, 0)
    }

    /// Issue 11, kind 2: logits that tie in float32 (1e8 - 3 rounds to 1e8) predict class 0 for a sample labelled
    /// 1 while the elided margin is -3; it must not count as verified under any method, PGD or not.
    func testTieIsNeverVerified() throws {
        let net = Network(Architecture(name: "tie", layers: [.flatten, .linear(units: 2), .linear(units: 10)]))
        let l1 = net.body[1] as! Linear
        l1.bias.value.data = [1, 1]
        net.head.weight.value.data[0] = 1e8; net.head.weight.value.data[1] = -3
        net.head.weight.value.data[2] = 1e8
        let data = Dataset(sampleShape: [1, 28, 28], pixels: [Float](repeating: 0.5, count: 784), labels: [1])
        for pgd in [nil, PGD(epsilon: 0)] {
            let result = try Evaluator.evaluate(net, on: data, epsilon: 0, pgd: pgd, seed: 0,
                                                methods: BoundMethodTests.methods)
            XCTAssertEqual(result.nominalCorrect, 0)
            XCTAssertEqual(result.verified, 0)
            XCTAssertEqual(result.verifiedBy, [0, 0, 0, 0])
            // Every method certifies: the plain ones by rounding, sound IBP rightly so for the real-arithmetic network
            // (1e8 - 3 < 1e8 in reals); the float forward pass ties, so none may count as verified.
            XCTAssertEqual(result.conflicts, 4)
        }
    }

    /// verified <= PGD-robust <= correct, sample by sample, for every shipped checkpoint at eps 0.1 to 0.4.
    func testVerifiedImpliesRobustImpliesCorrectOnShippedCheckpoints() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test,
                                     limit: 100)
        let folder = packageRoot.appendingPathComponent("sample_data/checkpoints")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".ckpt") }
        XCTAssertFalse(files.isEmpty)
        for file in files.sorted() {
            let net = try Checkpoint.load(folder.appendingPathComponent(file)).makeNetwork()
            for eps: Float in [0.1, 0.2, 0.3, 0.4] {
                var outcomes: [SampleOutcome] = []
                let result = try Evaluator.evaluate(net, on: data, epsilon: eps, pgd: PGD(epsilon: eps, steps: 5),
                                                    seed: 0, methods: [.ibp, .soundIBP, .crownIBP],
                                                    outcome: { outcomes.append($0) })
                for o in outcomes {
                    for v in o.verified where v {
                        XCTAssertEqual(o.pgdRobust, true, "\(file) eps \(eps) sample \(o.index)")
                    }
                    if o.pgdRobust == true { XCTAssertEqual(o.prediction, o.label, "\(file) sample \(o.index)") }
                }
                XCTAssertLessThanOrEqual(result.verified, result.pgdCorrect!)
                XCTAssertLessThanOrEqual(result.pgdCorrect!, result.nominalCorrect)
                XCTAssertEqual(result.conflicts, 0, "\(file) eps \(eps): a certificate contradicted by PGD")
            }
        }
    }
}
