import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Trust23, item 2: a layer is named one way in every message, whatever file the model came from (a model JSON, a
/// checkpoint's recorded architecture, an ONNX model's lowered chain): `layer N (WHAT)`, N counted from 1 along the
/// model's layer list. Before, one message said `layer l1`, another `layers[1]`, another `layer 2` (counted from 1)
/// and the ONNX ones `step 0` and `layer 2 (max pooling)` (counted from 0). Each expected value is the correct one.
final class LayerNamingTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The reason a model file of these layers is refused for.
    private func modelFileReason(_ layers: String, name: String = "m") throws -> String {
        let url = dir.appendingPathComponent("\(name).json")
        try Data("{\"name\": \"\(name)\", \"inputShape\": [1, 28, 28], \"layers\": [\(layers)]}".utf8).write(to: url)
        do {
            _ = try ArchitectureFile.load(url)
            return "loaded"
        } catch let e as ArchitectureFileError {
            return e.reason
        }
    }

    /// A checkpoint of `tiny` whose recorded architecture is `architectureJSON`, and the reason it is refused for.
    private func checkpointReason(architectureJSON: String) throws -> String {
        let good = dir.appendingPathComponent("tiny.ckpt")
        try Checkpoint(network: Network(Architecture.named("tiny")!), step: 1).save(to: good)
        var file = try Safetensors.read(good)
        file.metadata["architecture"] = architectureJSON
        let url = dir.appendingPathComponent("edited.ckpt")
        try Safetensors.encode(tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata).write(to: url)
        do {
            _ = try Checkpoint.load(url)
            return "loaded"
        } catch let e as CheckpointError {
            return e.reason
        }
    }

    func testAModelFileNamesEachLayerByItsPositionFromOneAndWhatItIs() throws {
        let flatten = "{\"flatten\": {}}", head = "{\"linear\": {\"units\": 10}}"
        let cases: [(String, String)] = [
            ("{\"linear\": {\"units\": 100}}, " + head,
             "layer 1 (linear 100) is on an image, not a flat vector; add a flatten layer ({\"flatten\": {}}) before it"),
            ("{\"conv\": {\"channels\": 4, \"kernel\": 30, \"stride\": 1, \"same\": false}}, \(flatten), \(head)",
             "layer 1 (conv 4 30x30/1 VALID) is an invalid convolution: a 30x30 VALID kernel on a 28x28 input"),
            ("\(flatten), {\"conv\": {\"channels\": 4, \"kernel\": 3, \"stride\": 1, \"same\": false}}, \(head)",
             "layer 2 (conv 4 3x3/1 VALID) is an invalid convolution: it follows a flatten"),
            ("{\"batchNorm\": {}}, \(flatten), \(head)",
             "layer 1 (batchnorm) is an invalid batch normalisation: it must follow a conv or linear layer"),
            ("\(flatten), {\"linear\": {\"units\": 100000}}, \(head)",
             "layer 2 (linear 100000) is an invalid linear layer: 100000 units; a linear layer may have 1...65536"),
            ("\(flatten), {\"linear\": {\"units\": 7}}",
             "ends in layer 2 (linear 7); the last layer must be {\"linear\": {\"units\": 10}}, one logit per class"),
            ("\(flatten), \(head), {\"activation\": {\"_0\": \"relu\"}}",
             "is not a supported model: its last layer, layer 3 (relu), is not linear (the model must end in its logits)"),
            ("", "is not a supported model: it has no layers (the model must end in its logits)"),
            ("\(flatten), {\"pool\": {}}, \(head)",
             "layer 2 has the unknown kind \"pool\"; the kinds are conv, linear, activation, flatten, batchNorm"),
            ("\(flatten), {\"activation\": {\"_0\": \"gelu\"}}, \(head)",
             "layer 2 (activation) has the unknown function \"gelu\"; the activations are relu, sigmoid, tanh"),
            ("\(flatten), \"x\", \(head)",
             "layer 2 is not an object with one key, the layer's kind (conv, linear, activation, flatten, batchNorm)"),
            ("\(flatten), {\"linear\": {\"units\": 10.5}}", "\"units\" of layer 2 (linear) is 10.5, not a whole number"),
            ("{\"conv\": {\"channels\": 4, \"kernel\": 3, \"stride\": 1, \"same\": false, \"pad\": 1}}, \(flatten), \(head)",
             "is not a model file: unknown field \"pad\" of layer 1 (conv)"),
            ("{\"conv\": {\"channels\": 4, \"stride\": 1, \"same\": false}}, \(flatten), \(head)",
             "is not a model file: missing field \"kernel\" of layer 1 (conv)"),
            ("{\"conv\": {\"channels\": 4, \"kernel\": 3, \"stride\": 1, \"same\": 1}}, \(flatten), \(head)",
             "is not a model file: field \"same\" of layer 1 (conv) is the number 1, not true or false"),
        ]
        for (layers, reason) in cases {
            XCTAssertEqual(try modelFileReason(layers), reason, layers)
        }
    }

    /// The same layers recorded in a checkpoint are named the same way as in a model file.
    func testACheckpointNamesItsLayersAsAModelFileDoes() throws {
        let layers = "{\"flatten\": {}}, {\"conv\": {\"channels\": 4, \"kernel\": 3, \"stride\": 1, \"same\": false}}, "
            + "{\"linear\": {\"units\": 10}}"
        let file = try modelFileReason(layers)
        let recorded = try checkpointReason(architectureJSON: "{\"name\": \"m\", \"inputShape\": [1, 28, 28], \"layers\": [\(layers)]}")
        XCTAssertEqual(file, "layer 2 (conv 4 3x3/1 VALID) is an invalid convolution: it follows a flatten")
        XCTAssertEqual(recorded, "architecture m: " + file)
        let unknownField = try checkpointReason(architectureJSON: "{\"name\": \"m\", \"inputShape\": [1, 28, 28], \"layers\": "
                                                + "[{\"flatten\": {}}, {\"linear\": {\"units\": 10, \"bias\": true}}]}")
        XCTAssertEqual(unknownField, "architecture in metadata is not valid: unknown field \"bias\" of layer 2 (linear)")
        // A tensor names its layer too: tiny's l1 is its second layer.
        let good = dir.appendingPathComponent("tiny.ckpt")
        var tensors = try Safetensors.read(good)
        tensors.tensors["l1/b"] = NDArray(shape: [99], values: [Float](repeating: 0, count: 99))
        // Without the digest of the tensors as saved (which this edit breaks: that refusal comes first), as a
        // checkpoint written before it.
        tensors.metadata["tensors_sha256"] = nil
        let bad = dir.appendingPathComponent("shape.ckpt")
        try Safetensors.encode(tensors: tensors.order.map { ($0, tensors.tensors[$0]!) }, metadata: tensors.metadata).write(to: bad)
        XCTAssertThrowsError(try Checkpoint.load(bad)) {
            XCTAssertEqual(($0 as? CheckpointError)?.reason,
                           "tensor l1/b of layer 2 (linear 100) has shape [99], the architecture needs [100]")
        }
    }

    /// An ONNX model's layers are its lowered chain, counted from 1 like a checkpoint's (`convert` counts them alike):
    /// the over-limit step and the layer a bound method cannot bound.
    func testAnONNXChainNamesItsLayersFromOne() throws {
        let wide = ONNXChain(inputName: "x", outputName: "y", inputShape: [4],
                             steps: [ChainStep(op: .relu, outputShape: [4], nodes: ["'r' (Relu)"]),
                                     ChainStep(op: .reshape([1 << 21]), outputShape: [1 << 21], nodes: ["'big' (Reshape)"])])
        XCTAssertThrowsError(try ResourceLimits.check(wide, batch: 1)) {
            XCTAssert("\($0)".hasPrefix("layer 2 (reshape, from node 'big' (Reshape)) outputs shape [2097152]"), "\($0)")
        }
        var rand = TestRandom(41)
        let pooled = try XCTUnwrap(rand.importedChains().first { $0.hasMaxPool })
        let index = try XCTUnwrap(pooled.layers.firstIndex { if case .maxPool = $0.primitive { return true }; return false })
        XCTAssertEqual(BoundMethodName.crown.refusal(pooled.layers)?.description,
                       "bound method crown cannot bound layer \(index + 1) (max pooling)")
    }
}
