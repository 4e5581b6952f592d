import Foundation
import XCTest
@testable import IBP
import IBPFormats

/// Writing a model as ONNX (`ONNXExport`, `ONNXWriter`) and reading it back (`ONNXModel`, `ONNXChain.lower`,
/// `ONNXImport`) gives the same layers with the same weights, so the same logits and bit-identical bounds.
final class ONNXRoundTripTests: XCTestCase {
    private func roundTrip(_ model: any Classifier) throws -> ChainModel {
        let data = try ONNXWriter.serialize(try ONNXExport.chain(model, path: "test.onnx"))
        XCTAssertEqual(FileKind.identify(data.prefix(512)), .onnx)
        let chain = try ONNXChain.lower(try ONNXModel.parse(data, path: "test.onnx"), path: "test.onnx")
        try ResourceLimits.check(chain, batch: 10)
        return ONNXImport.model(chain, name: "test.onnx")
    }

    private func assertSameBounds(_ a: any Classifier, _ b: any Classifier, x: Tensor, labels: [Int],
                                  methods: [BoundMethodName], _ what: String) throws {
        XCTAssertEqual(a.logits(x).data, b.logits(b.shapedInput(x)).data, "\(what) logits")
        let spec = Specification.elided(labels: labels, classes: a.classes)
        for method in methods {
            let box = InputBox(around: x, epsilon: 0.1)
            let ours = try method.method.bounds(a.layers, box: box, specification: spec)
            let back = try method.method.bounds(b.layers, box: InputBox(around: b.shapedInput(x), epsilon: 0.1),
                                                specification: spec)
            XCTAssertEqual(ours.stages.count, back.stages.count, "\(what) \(method)")
            for (i, (s, t)) in zip(ours.stages, back.stages).enumerated() {
                XCTAssertEqual(s.lower.data, t.lower.data, "\(what) \(method) stage \(i) lower")
                XCTAssertEqual(s.upper.data, t.upper.data, "\(what) \(method) stage \(i) upper")
            }
            XCTAssertEqual(ours.specification!.lower.data, back.specification!.lower.data, "\(what) \(method) spec")
            XCTAssertEqual(ours.specification!.upper.data, back.specification!.upper.data, "\(what) \(method) spec")
        }
    }

    /// Every shipped checkpoint (conv VALID and with strides, sigmoid and ReLU, flatten, linear, batch normalisation
    /// folded on export): bit-identical IBP, sound IBP and CROWN-IBP bounds and margins on ten MNIST test images.
    func testShippedCheckpointsRoundTripBitForBit() throws {
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: 10)
        let (x, labels) = data.batch(0..<10)
        let folder = packageRoot.appendingPathComponent("sample_data/checkpoints")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).filter({ $0.hasSuffix(".ckpt") }).sorted() {
            let network = try Checkpoint.load(folder.appendingPathComponent(file)).makeNetwork()
            let back = try roundTrip(network)
            // A checkpoint with batch normalisation is exported folded: the import is the folded chain, bit for bit.
            let written: any Classifier = network.batchNorms.isEmpty ? network : BatchNormFolding.folded(network)
            XCTAssertEqual(back.layers.count, written.layers.count, file)
            XCTAssertEqual(back.inputShape, [1, 28, 28])
            try assertSameBounds(written, back, x: x, labels: labels, methods: [.ibp, .soundIBP, .crownIBP], file)
        }
    }

    /// Every architecture, SAME padding included (`large`), with random weights, and CROWN on the small ones.
    func testEveryArchitectureRoundTrips() throws {
        // Models with batch normalisation are written folded (fewer layers, other weights): BatchNormTests checks them.
        for (index, name) in Architecture.names.enumerated() where !Architecture.batchNormNames.contains(name) {
            var rand = TestRandom(UInt64(80 + index))
            let network = rand.network(name)
            let back = try roundTrip(network)
            for (a, b) in zip(network.layers, back.layers) {
                if let c = a as? Conv2D {
                    XCTAssertEqual((b as? Conv2D)?.geometry, c.geometry, "\(name): the same convolution geometry")
                }
            }
            let x = rand.tensor([2, 1, 28, 28], in: 0...1)
            let methods: [BoundMethodName] = name == "tiny" || name == "vissmall" ? [.ibp, .soundIBP, .crownIBP, .crown]
                : [.ibp, .soundIBP]
            try assertSameBounds(network, back, x: x, labels: [3, 8], methods: methods, name)
        }
    }

    /// Every imported layer kind (rectangular padded convs, normalisation, zero padding, both poolings, reshapes, a
    /// ReLU at the end) survives the round trip.
    func testImportedLayerKindsRoundTrip() throws {
        var rand = TestRandom(91)
        for model in rand.importedChains() {
            let back = try roundTrip(model)
            XCTAssertEqual(back.layers.map { "\(type(of: $0))" }, model.layers.map { "\(type(of: $0))" }, model.modelName)
            let x = rand.tensor([3, 1, 10, 10], in: 0...1)
            try assertSameBounds(model, back, x: x, labels: [1, 2, 3], methods: [.ibp, .soundIBP], model.modelName)
        }
    }
}
