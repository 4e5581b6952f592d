import Foundation
import XCTest
@testable import IBP
import IBPFormats

/// The imported layers against the independent Double evaluator of IBPFormats (`ChainReference`, written from each
/// op's definition), the VNN-COMP networks of `../shared/vnncomp` (skipped without it) on MNIST images and inside
/// their properties' boxes, and the resource limits of an imported chain.
final class ONNXImportTests: XCTestCase {
    /// Every imported layer kind (`importedChains`) computes what the reference does, within float32 rounding.
    func testImportedLayersMatchTheReferenceEvaluator() throws {
        var rand = TestRandom(51)
        for net in rand.importedChains() {
            let x = rand.tensor([4, 1, 10, 10], in: 0...1)
            let z = net.logits(x)
            let chain = ONNXChainOf(net)
            for s in 0..<4 {
                let reference = try ChainReference.evaluate(chain, input: x.data[(s * 100)..<((s + 1) * 100)].map(Double.init))
                for j in 0..<10 {
                    XCTAssertEqual(Double(z.data[s * 10 + j]), reference[j], accuracy: 1e-5, "\(net.modelName) sample \(s) output \(j)")
                }
            }
        }
    }

    /// The seven VNN-COMP networks on the first ten MNIST test images (an input [784, 1] reads the same pixels as
    /// [1, 28, 28]): the library's float32 layers agree with the Double reference within 1e-4 of the output's scale,
    /// and predict the same class.
    func testVNNCOMPNetworksMatchTheReferenceOnMNISTImages() throws {
        let folder = try vnncompFolder()
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: 10)
        let (images, _) = data.batch(0..<10)
        for file in VNNCOMPFiles.networks {
            let url = folder.appendingPathComponent(file)
            let model = try ONNXImport.read(url, batch: 10)
            let chain = try ONNXChain.read(path: url.path)
            let z = model.logits(images)
            XCTAssertEqual(z.shape, [10, 10], file)
            for s in 0..<10 {
                let reference = try ChainReference.evaluate(chain, input: images.data[(s * 784)..<((s + 1) * 784)].map(Double.init))
                let scale = reference.map(abs).max()! + 1
                for j in 0..<10 {
                    XCTAssertEqual(Double(z.data[s * 10 + j]), reference[j], accuracy: 1e-4 * scale, "\(file) image \(s) output \(j)")
                }
                XCTAssertEqual(CrossEntropy.predictions(z.rows(s..<(s + 1)))[0], reference.indices.max { reference[$0] < reference[$1] }!,
                               "\(file) image \(s)")
            }
        }
    }

    /// One property per network, every method that handles the network: 1,000 points of the property's box (half
    /// random corners, half uniform) run forward stay inside every stage's bounds and inside the bounds of every
    /// specification row. Sound IBP contains them exactly; the others within 1e-4 of the stage's scale (they round).
    func testVNNCOMPBoxPointsStayInsideTheBoundsOfImportedNetworks() throws {
        let folder = try vnncompFolder()
        for (file, property) in VNNCOMPFiles.instances {
            let (model, p) = try InstanceLoader.load(onnx: folder.appendingPathComponent(file),
                                                     vnnlib: folder.appendingPathComponent(property), batch: 1)
            let spec = Specification(property: p)
            let shape = [1] + model.inputShape
            let box = InputBox(lower: Tensor(shape: shape, data: p.lower), upper: Tensor(shape: shape, data: p.upper))
            var rand = TestRandom(61)
            var points = Tensor(zeros: [1000] + model.inputShape)
            let size = box.lower.count
            for s in 0..<1000 {
                for i in 0..<size {
                    let t = rand.rng.uniform(), u: Float = s % 2 == 0 ? (t < 0.5 ? 0 : 1) : t
                    points.data[s * size + i] = box.lower.data[i] + u * (box.upper.data[i] - box.lower.data[i])
                }
            }
            var values = [points], flow = Flow(values: points)
            for layer in model.layers {
                flow = layer.forward(flow, cache: false)
                values.append(flow.values)
            }
            let rows = spec.values(at: flow.values.reshaped(sampleShape: [model.classes]))
            for method in BoundMethodTests.methods {
                let maxPool = model.layers.contains { $0 is MaxPool }
                if maxPool && (method == .crown || method == .crownIBP) { continue }
                // CROWN's dense passes on the 9 x 200 net take long in a test; CROWN-IBP covers the backward pass.
                if method == .crown && file.contains("relu_9_200") { continue }
                let bounds = try method.method.bounds(model.layers, box: box, specification: spec)
                for (stage, (b, v)) in zip(bounds.stages, values).enumerated() {
                    let n = b.lower.count
                    let scale = (b.upper.data + b.lower.data).map(abs).max()! + 1
                    let tolerance: Float = method == .soundIBP || stage == 0 ? 0 : 1e-4 * scale
                    var worst: Float = 0
                    for s in 0..<1000 {
                        for i in 0..<n {
                            let value = v.data[s * n + i]
                            worst = max(worst, b.lower.data[i] - value, value - b.upper.data[i])
                        }
                    }
                    XCTAssertLessThanOrEqual(worst, tolerance, "\(file) \(property) \(method) stage \(stage)")
                }
                let k = spec.rowCount, specBounds = bounds.specification!
                let scale = (specBounds.upper.data + specBounds.lower.data).map(abs).max()! + 1
                for s in 0..<1000 {
                    for i in 0..<k {
                        XCTAssertLessThanOrEqual(rows.data[s * k + i], specBounds.upper.data[i] + 1e-4 * scale, "\(file) \(method) row \(i)")
                        XCTAssertGreaterThanOrEqual(rows.data[s * k + i], specBounds.lower.data[i] - 1e-4 * scale, "\(file) \(method) row \(i)")
                    }
                }
            }
        }
    }

    /// onnxruntime's float32 outputs at the centre of every VNN-COMP instance's box (`scripts/check-onnx-reference.py`
    /// wrote them to IBPFormatsTests' fixture): the library's layers give them within 1e-5 of max(1, |y|), and so do
    /// both IBP bounds of the point box at the centre. Sound IBP's bounds contain them (its rounding slack, ~1e-7 at
    /// the first layer, grows as an IBP radius does: to 30 over the 9 layers of mnist_relu_9_200).
    func testBoundsAtEveryBoxCentreAgreeWithOnnxruntime() throws {
        struct Fixture: Decodable {
            struct Instance: Decodable { let onnx: String; let vnnlib: String; let output: [Double] }
            let instances: [Instance]
        }
        let folder = try vnncompFolder()
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: packageRoot
            .appendingPathComponent("Tests/IBPFormatsTests/Fixtures/onnxruntime-vnncomp.json")))
        XCTAssertEqual(fixture.instances.count, 312)
        var models: [String: ChainModel] = [:]
        var worst = 0.0, at = ""
        for instance in fixture.instances {
            if models[instance.onnx] == nil { models[instance.onnx] = try ONNXImport.read(folder.appendingPathComponent(instance.onnx)) }
            let model = models[instance.onnx]!
            let p = try VNNLIB.read(folder.appendingPathComponent(instance.vnnlib))
            // The fixture's centre: the outward-rounded Float box's ends summed in Double, halved, rounded to Float.
            let centre = Tensor(shape: [1] + model.inputShape,
                                data: zip(p.lower, p.upper).map { Float((Double($0) + Double($1)) / 2) })
            let point = InputBox(lower: centre, upper: centre)
            let ibp = try IntervalMethod().bounds(model.layers, box: point, specification: nil).stages.last!
            let what = "\(instance.onnx) at \(instance.vnnlib)"
            for (name, v) in [("logits", model.logits(centre).data), ("ibp lower", ibp.lower.data), ("ibp upper", ibp.upper.data)] {
                for (a, b) in zip(v, instance.output) {
                    let r = abs(Double(a) - b) / max(1, abs(b))
                    if r > worst { (worst, at) = (r, "\(what) \(name): \(a) vs \(b)") }
                }
            }
            let sound = try SoundIntervalMethod().bounds(model.layers, box: point, specification: nil).stages.last!
            for (j, y) in instance.output.enumerated() {
                XCTAssertLessThanOrEqual(Double(sound.lower.data[j]), y + 1e-5 * max(1, abs(y)), what)
                XCTAssertGreaterThanOrEqual(Double(sound.upper.data[j]), y - 1e-5 * max(1, abs(y)), what)
            }
        }
        XCTAssertLessThan(worst, 1e-5, at)
    }

    /// A chain over the resource limits is refused at import, naming the step, before any layer is built.
    func testResourceLimitsRefuseAnOversizedChain() throws {
        let conv = ConvOp(outChannels: 1, inChannels: 1, kernelHeight: 1024, kernelWidth: 1024,
                          weight: [Float](repeating: 0, count: 1 << 20), bias: [0], strideH: 1, strideW: 1,
                          padding: Padding2D(top: 512, left: 512, bottom: 511, right: 511))
        let chain = ONNXChain(inputName: "x", outputName: "y", inputShape: [1, 28, 28],
                              steps: [ChainStep(op: .conv(conv), outputShape: [1, 28, 28], nodes: ["'big' (Conv)"])])
        XCTAssertThrowsError(try ResourceLimits.check(chain, batch: 1)) { error in
            XCTAssertEqual("\(error)", "layer 1 (conv 1x1, kernel 1024x1024, strides (1, 1), pads (512, 512, 511, 511), "
                           + "from node 'big' (Conv)) needs a 6.1 GiB im2col workspace for 1 sample, over the limit of 1 GiB")
        }
        let wide = ONNXChain(inputName: "x", outputName: "y", inputShape: [1 << 21],
                             steps: [ChainStep(op: .relu, outputShape: [1 << 21], nodes: ["'r' (Relu)"])])
        XCTAssertThrowsError(try ResourceLimits.check(wide, batch: 1)) { error in
            XCTAssertEqual("\(error)", "the input of shape [2097152] holds 2,097,152 values per sample, over the limit of 1,048,576")
        }
    }

    /// An ONNX input is read as the image only when its axes other than 1s are the image's (28 x 28) or its 784
    /// pixels in a row: [1, 2, 14, 28] has the count but would read the image as two half-height planes.
    func testOnlyImageShapedInputsReadTheImages() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: 1)
        func model(_ shape: [Int]) -> ModelFile {
            .onnx(TestRandom(1).chainModel("n", inputShape: shape, [
                .reshape([784]), .dense(DenseOp(inputs: 784, outputs: 10, weight: [Float](repeating: 0.01, count: 7840),
                                                bias: [Float](repeating: 0, count: 10)))]))
        }
        for good in [[1, 28, 28], [28, 28], [784], [1, 784], [784, 1], [1, 28, 28, 1], [1, 1, 784, 1]] {
            XCTAssertNoThrow(try model(good).checkFits(data, path: "n.onnx"), "\(good)")
        }
        for bad in [[2, 14, 28], [4, 196], [7, 4, 28], [2, 392]] {
            XCTAssertThrowsError(try model(bad).checkFits(data, path: "n.onnx"), "\(bad)") {
                XCTAssertTrue("\($0)".hasPrefix("n.onnx: the model takes inputs of shape \(bad), which is not the data's image"), "\($0)")
            }
        }
    }
}

/// The VNN-COMP files the tests read (paths inside `../shared/vnncomp`).
enum VNNCOMPFiles {
    static let networks = [
        "mnistfc/onnx/mnist-net_256x2.onnx", "mnistfc/onnx/mnist-net_256x4.onnx", "mnistfc/onnx/mnist-net_256x6.onnx",
        "eran2021/onnx/mnist_relu_9_200.onnx", "eran2021/onnx/ffnnSIGMOID__Point_6x200.onnx",
        "verivital2021/onnx/Convnet_avgpool.onnx", "verivital2021/onnx/Convnet_maxpool.onnx",
    ]
    /// One property of each kind of network: fully connected ReLU, ReLU-terminated, input-normalising sigmoid,
    /// average and max pooling.
    static let instances = [
        ("mnistfc/onnx/mnist-net_256x2.onnx", "mnistfc/vnnlib2021/prop_0_0.03.vnnlib"),
        ("eran2021/onnx/mnist_relu_9_200.onnx", "eran2021/vnnlib/mnist_spec_idx_8098_eps_0.01500.vnnlib"),
        ("eran2021/onnx/ffnnSIGMOID__Point_6x200.onnx", "eran2021/vnnlib/mnist_spec_idx_7167_eps_0.01200.vnnlib"),
        ("verivital2021/onnx/Convnet_avgpool.onnx", "verivital2021/vnnlib/avgpool_specs/prop_0_0.02.vnnlib"),
        ("verivital2021/onnx/Convnet_maxpool.onnx", "verivital2021/vnnlib/maxpool_specs/prop_0_0.004.vnnlib"),
    ]
}

/// The chain a model's layers are (`ONNXExport.chain`).
func ONNXChainOf(_ model: ChainModel) -> ONNXChain {
    try! ONNXExport.chain(model, path: "test")
}
