import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Issue #13, item 5: figures of ONNX models. Input normalisation inside the graph is part of the model (the `x`
/// stage shows raw pixels), a network ending in a ReLU gets the non-elided specification, max pooling is refused
/// by CROWN before any work, and a model whose input is not the data's image (or its pixels) is refused.
final class ONNXFigureTests: XCTestCase {
    private var dir: URL!
    private let sampleData = packageRoot.appendingPathComponent("sample_data/mnist")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnxfig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func data() throws -> Dataset { try Dataset.mnist(directory: sampleData, split: .test) }

    /// Input [784]: normalisation (x - 0.1307) / 0.3081, dense 784 -> 20, ReLU, dense 20 -> 10 and, with
    /// `trailingReLU`, a ReLU after the last dense layer (as VNN-COMP's mnist_relu_9_200).
    private func vectorNet(trailingReLU: Bool, seed: UInt64 = 5) -> ChainModel {
        var rand = TestRandom(seed)
        let normalise = ElementwiseAffine(shape: [784], name: "n")
        normalise.scale.value = Tensor(shape: [784], data: [Float](repeating: 1 / 0.3081, count: 784))
        normalise.shift.value = Tensor(shape: [784], data: [Float](repeating: -0.1307 / 0.3081, count: 784))
        let l1 = Linear(inputShape: [784], outFeatures: 20, name: "l1")
        l1.weight.value = rand.tensor([20, 784], in: -0.1...0.1); l1.bias.value = rand.tensor([20], in: -0.1...0.1)
        let l2 = Linear(inputShape: [20], outFeatures: 10, name: "l2")
        l2.weight.value = rand.tensor([10, 20]); l2.bias.value = rand.tensor([10])
        var layers: [Layer] = [normalise, l1, Activation(.relu, shape: [20]), l2]
        if trailingReLU { layers.append(Activation(.relu, shape: [10])) }
        return ChainModel(name: "vector", inputShape: [784], layers: layers)
    }

    /// Input [1, 28, 28]: conv 4 3x3/1 VALID, ReLU, max pool 2x2/2, flatten, dense 10.
    private func maxPoolNet(seed: UInt64 = 6) -> ChainModel {
        var rand = TestRandom(seed)
        let conv = Conv2D(inputShape: [1, 28, 28], outChannels: 4, kernel: 3, stride: 1, same: false, name: "c")
        conv.weight.value = rand.tensor([4, 1, 3, 3]); conv.bias.value = rand.tensor([4], in: -0.1...0.1)
        let pool = MaxPool(windows: PoolWindows(ConvGeometry(channels: 4, height: 26, width: 26, kernelHeight: 2,
                                                             kernelWidth: 2, strideH: 2, strideW: 2, padTop: 0,
                                                             padLeft: 0, padBottom: 0, padRight: 0)))
        let dense = Linear(inputShape: [676], outFeatures: 10, name: "d")
        dense.weight.value = rand.tensor([10, 676], in: -0.1...0.1); dense.bias.value = rand.tensor([10])
        return ChainModel(name: "pool", inputShape: [1, 28, 28],
                          layers: [conv, Activation(.relu, shape: [4, 26, 26]), pool, Flatten(inputShape: [4, 13, 13]), dense])
    }

    private func write(_ model: ChainModel, _ name: String) throws -> FigureModel {
        let url = dir.appendingPathComponent(name)
        try ONNXExport.write(model, to: url)
        return try FigureModel(path: url.path)
    }

    func testVectorInputWithNormalisationShowsRawPixelsAsAnImage() throws {
        let model = try write(vectorNet(trailingReLU: false), "vector.onnx")
        XCTAssertNil(model.network)
        XCTAssertEqual(model.imageShape, [1, 28, 28])
        let data = try data()
        let renderer = try FigureRenderer(models: [model], data: data, dataDescription: "samples")
        var options = FigureOptions()
        options.perturbation = .random
        let eps: Float = 0.1
        let panel = try renderer.panels(sample: 3, epsilon: eps, options: options)[0]
        XCTAssertEqual(panel.stages.map(\.name), ["x", "l1", "l2", "a2", "y"])
        XCTAssertEqual(panel.stages.map(\.kind), [.input, .affine, .affine, .relu, .logits])
        XCTAssertEqual(panel.stages[0].shape, [1, 28, 28])
        // The x stage is the raw image and its exact box, not the normalised values.
        let x = data.batch(3..<4).x
        XCTAssertEqual(panel.stages[0].normal, x.data)
        XCTAssertEqual(panel.stages[0].lower, x.data.map { max($0 - eps, 0) })
        XCTAssertEqual(panel.stages[0].upper, x.data.map { min($0 + eps, 1) })
        // The normalisation stage holds (x - 0.1307) / 0.3081 of the image.
        for i in [0, 200, 400] {
            XCTAssertEqual(panel.stages[1].normal[i], (x.data[i] - 0.1307) / 0.3081, accuracy: 1e-5)
        }
        // ReLU counts on the pre-activation stage l2.
        XCTAssertEqual(panel.summaries[3].stableActive! + panel.summaries[3].stableInactive! + panel.summaries[3].unstable!, 20)
        // The ONNX model's numbers are those of the same chain in memory.
        let direct = try FigureBounds.compute(model: vectorNet(trailingReLU: false), plan: model.plan, x: x,
                                              label: panel.label, epsilon: eps, method: .ibp)
        XCTAssertEqual(direct.margins, panel.margins)
        XCTAssertEqual(direct.stages.last!.upper, panel.stages.last!.upper)
    }

    /// A network that ends in a ReLU: the margins are the specification's rows z_j - z_y applied to the output
    /// interval (not folded into a layer), and they bound every sampled point's z_j - z_y.
    func testTrailingReLUGetsTheNonElidedSpecification() throws {
        let chain = vectorNet(trailingReLU: true)
        let model = try write(chain, "trailing.onnx")
        let data = try data()
        let renderer = try FigureRenderer(models: [model], data: data, dataDescription: "samples")
        var options = FigureOptions()
        options.perturbation = .none
        let eps: Float = 0.02
        for method in [BoundMethodName.ibp, .crownIBP, .crown] {
            options.bounds = method
            let panel = try renderer.panels(sample: 0, epsilon: eps, options: options)[0]
            XCTAssertEqual(panel.stages.map(\.name), ["x", "l1", "l2", "a2", "l3", "y"])
            XCTAssertEqual(panel.stages.last!.kind, .logits)
            let y = panel.label, out = panel.stages.last!
            XCTAssertEqual(panel.margins[y], 0)
            var rand = TestRandom(9)
            let x = data.batch(0..<1).x
            let (lo, hi) = IntervalBounds.inputLimits(around: x, epsilon: eps)
            for _ in 0..<200 {
                let point = Tensor(shape: x.shape, data: x.data.indices.map {
                    lo.data[$0] + (rand.tensor([1], in: 0...1).data[0]) * (hi.data[$0] - lo.data[$0]) })
                let z = chain.logits(point).data
                for j in 0..<10 where j != y {
                    XCTAssertLessThanOrEqual(z[j] - z[y], panel.margins[j] + 1e-4, "\(method) class \(j)")
                }
            }
            if method == .ibp {
                // IBP: the rows of C applied to [l, u] of the ReLU's output: u_j - l_y.
                for j in 0..<10 where j != y {
                    XCTAssertEqual(panel.margins[j], out.upper[j] - out.lower[y], accuracy: 1e-5 * (1 + abs(panel.margins[j])))
                }
            }
        }
    }

    func testMaxPoolRefusedByCROWNAndDrawnByIBP() throws {
        let model = try write(maxPoolNet(), "pool.onnx")
        XCTAssertNotNil(model.refusal(.crown))
        XCTAssertNotNil(model.refusal(.crownIBP))
        XCTAssertNil(model.refusal(.ibp))
        let maker = try FigureMaker(dataDescription: "samples") { try Dataset.mnist(directory: self.sampleData, split: .test) }
        var compare = FigureRequest(kind: .compare, output: dir.appendingPathComponent("c.png").path, format: .png,
                                    models: [model.path])
        compare.options.bounds = .crown
        XCTAssertThrowsError(try maker.check(compare)) { error in
            XCTAssertTrue("\(error)".contains("--bounds crown"), "\(error)")
            XCTAssertTrue("\(error)".contains("max pooling"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: compare.output))
        // `methods` draws the methods that apply and says which were refused.
        var methods = FigureRequest(kind: .methods, output: dir.appendingPathComponent("m.png").path, format: .png,
                                    models: [model.path])
        methods.methods = [.ibp, .crownIBP, .crown]
        methods.options.perturbation = .none
        let record = try maker.make(methods)
        XCTAssertEqual(record.notes.count, 2)
        XCTAssertTrue(record.notes[0].hasPrefix("crown-ibp not drawn"), record.notes[0])
        XCTAssertTrue(FileManager.default.fileExists(atPath: methods.output))
        // Only refused methods: nothing to draw.
        methods.methods = [.crown]
        XCTAssertThrowsError(try maker.check(methods)) { XCTAssertTrue("\($0)".contains("max pooling"), "\($0)") }
        // IBP through the max pool: the stage is named pN and drawn.
        let panel = try FigureRenderer(models: [model], data: try data(), dataDescription: "samples")
            .panels(sample: 0, epsilon: 0.1, options: FigureOptions())[0]
        XCTAssertEqual(panel.stages.map(\.name), ["x", "l1", "a1", "p1", "y"])
        XCTAssertEqual(panel.stages[3].kind, .pool)
    }

    /// Inputs that are not the data's image or its pixels are refused in one line naming the file and the shapes.
    func testOtherInputShapesAreRefused() throws {
        let data = try data()
        for shape in [[2, 392], [1, 14, 56]] {
            let chain = ChainModel(name: "odd", inputShape: shape,
                                   layers: [Flatten(inputShape: shape), Linear(inputShape: [784], outFeatures: 10, name: "d")])
            let model = try write(chain, "odd-\(shape[0]).onnx")
            XCTAssertThrowsError(try model.checkFits(data)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(model.path) && text.contains("\(shape)") && text.contains("[1, 28, 28]"), text)
                XCTAssertFalse(text.contains("\n"))
            }
        }
        // 784 pixels as [784, 1] or [28, 28] are the image.
        for shape in [[784, 1], [28, 28]] {
            let chain = ChainModel(name: "ok", inputShape: shape,
                                   layers: [Flatten(inputShape: shape), Linear(inputShape: [784], outFeatures: 10, name: "d")])
            let model = try write(chain, "ok-\(shape[0]).onnx")
            XCTAssertNoThrow(try model.checkFits(data))
            XCTAssertEqual(model.imageShape, [1, 28, 28])
        }
    }

    /// The shipped VNN-COMP network (sample_data/onnx) draws under every method; its CROWN margins are at most IBP's
    /// on the docs' sample, where IBP cannot verify and CROWN can.
    func testShippedVNNCOMPNetwork() throws {
        let model = try FigureModel(path: packageRoot.appendingPathComponent("sample_data/onnx/Convnet_avgpool.onnx").path)
        let renderer = try FigureRenderer(models: [model], data: try data(), dataDescription: "samples")
        var options = FigureOptions()
        options.perturbation = .none
        let panels = try renderer.methodPanels(sample: 0, epsilon: 0.04, methods: [.ibp, .crown], options: options)
        XCTAssertEqual(panels.map(\.verified), [false, true])
        XCTAssertEqual(panels[0].stages.first!.shape, [1, 28, 28])
        for j in 0..<10 { XCTAssertLessThanOrEqual(panels[1].margins[j], panels[0].margins[j] + 1e-4) }
    }
}
