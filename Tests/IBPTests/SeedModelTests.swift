import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Issue #11, kind 3: a file that does not determine the model is refused, never guessed. The seed's Chainer
/// `.npz` files hold weights only; the three model classes of its `models.py` are told apart by their exact
/// array signature, anything else needs `--architecture`; metadata that can be read two ways is refused.
final class SeedModelTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("seedmodels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Zero arrays with the shapes of `architecture`'s parameters, then `edit`.
    private func arrays(of architecture: String, edit: (inout [String: NDArray]) -> Void = { _ in }) -> [String: NDArray] {
        var out: [String: NDArray] = [:]
        for p in Network(Architecture.named(architecture)!).parameters {
            out[p.name] = NDArray(shape: p.value.shape, values: [Float](repeating: 0, count: p.value.count))
        }
        edit(&out)
        return out
    }

    private func write(_ arrays: [String: NDArray], _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try NPZ.write(arrays, to: url)
        return url
    }

    private func sampleImages(_ count: Int) throws -> Dataset {
        try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: count)
    }

    /// The issue's input: the seed SmallCNN's shapes, all zero except l3/b = -5, lo/W row 3 = 1, lo/b[1] = 0.5.
    /// With ReLU (the seed's SmallCNN) a3 = relu(-5) = 0 and the logits are lo/b, so every image is class 1; read
    /// as sigmoid (as before), a3 = sigmoid(-5) * 100 units gives class 3 a logit of 0.67 > 0.5.
    func testSeedSmallCNNIsTheSmallModelWithReLU() throws {
        let url = try write(arrays(of: "small") { a in
            a["l3/b"]!.values = [Float](repeating: -5, count: 100)
            for j in 0..<100 { a["lo/W"]!.values[3 * 100 + j] = 1 }
            a["lo/b"]!.values[1] = 0.5
        }, "smallcnn.npz")
        let checkpoint = try Checkpoint.load(url)
        XCTAssertEqual(checkpoint.architecture, Architecture.named("small"))
        XCTAssertEqual(checkpoint.architecture.layers.filter { $0 == .activation(.relu) }.count, 3)
        let data = try sampleImages(10)
        let predictions = CrossEntropy.predictions(checkpoint.makeNetwork().logits(data.batch(0..<10).x))
        XCTAssertEqual(predictions, [Int](repeating: 1, count: 10))
    }

    /// The seed's MediumCNN: four convs with strides (1, 2, 1, 2), VALID, ReLU, then 512, 512, 10. With every
    /// weight zero, l6/b = -3 and lo/W row 5 = 1, lo/b[2] = 0.2: ReLU gives class 2 (sigmoid would give class 5,
    /// 512 * sigmoid(-3) = 24 > 0.2), and l5/W's 1024 inputs (64 x 4 x 4) pin the strides.
    func testSeedMediumCNNIsTheMediumModelWithReLUAndItsStrides() throws {
        let url = try write(arrays(of: "medium") { a in
            a["l6/b"]!.values = [Float](repeating: -3, count: 512)
            for j in 0..<512 { a["lo/W"]!.values[5 * 512 + j] = 1 }
            a["lo/b"]!.values[2] = 0.2
        }, "mediumcnn.npz")
        let checkpoint = try Checkpoint.load(url)
        XCTAssertEqual(checkpoint.architecture, Architecture.named("medium"))
        let strides = checkpoint.architecture.layers.compactMap { spec -> Int? in
            if case let .conv(_, _, stride, same) = spec { XCTAssertFalse(same); return stride }
            return nil
        }
        XCTAssertEqual(strides, [1, 2, 1, 2])
        XCTAssertEqual(checkpoint.parameters.first { $0.name == "l5/W" }?.array.shape, [512, 1024])
        let data = try sampleImages(4)
        XCTAssertEqual(CrossEntropy.predictions(checkpoint.makeNetwork().logits(data.batch(0..<4).x)), [2, 2, 2, 2])
    }

    /// Any other set of arrays is refused in one line that lists them, says how the nearest seed model differs,
    /// and points to --architecture; with --architecture the arrays are read as that model.
    func testOtherSignaturesAreRefusedAndNeedArchitecture() throws {
        // The small model with a 3x3 first kernel: a stride search would once have found a fit.
        let url = try write(arrays(of: "small") { a in
            a["l1/W"] = NDArray(shape: [16, 1, 3, 3], values: [Float](repeating: 0, count: 144))
        }, "other.npz")
        XCTAssertThrowsError(try Checkpoint.load(url)) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text)
            for part in ["not one of the seed's models", "l1/W [16, 1, 3, 3]", "lo/b [10]", "nearest, small",
                         "has l1/W [16, 1, 4, 4]", "--architecture"] {
                XCTAssertTrue(text.contains(part), "'\(text)' lacks '\(part)'")
            }
        }
        // The tiny model's arrays load only when named, and must then match it exactly.
        let tiny = try write(arrays(of: "tiny"), "tiny.npz")
        XCTAssertThrowsError(try Checkpoint.load(tiny)) { XCTAssert("\($0)".contains("--architecture"), "\($0)") }
        XCTAssertEqual(try Checkpoint.load(tiny, architecture: Architecture.named("tiny")).architecture,
                       Architecture.named("tiny"))
        XCTAssertThrowsError(try Checkpoint.load(tiny, architecture: Architecture.named("small"))) { error in
            XCTAssert("\(error)".contains("missing array l2/W"), "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint.load(url, architecture: Architecture.named("small"))) { error in
            XCTAssert("\(error)".contains("l1/W of layer 1 (conv 16 4x4/2 VALID) has shape [16, 1, 3, 3], --architecture small needs [16, 1, 4, 4]"), "\(error)")
        }
        // A .ckpt records its model: --architecture must agree with it.
        let ckpt = dir.appendingPathComponent("tiny.ckpt")
        try Checkpoint(network: Network(Architecture.named("tiny")!)).save(to: ckpt)
        XCTAssertNoThrow(try Checkpoint.load(ckpt, architecture: Architecture.named("tiny")))
        XCTAssertThrowsError(try Checkpoint.load(ckpt, architecture: Architecture.named("small"))) { error in
            XCTAssert("\(error)".contains("--architecture small: the file records another model (tiny"), "\(error)")
        }
    }

    /// No interpretation is searched for: a signature that fits no seed model costs three comparisons, however
    /// many convolutions it has (the old stride search tried 4^convs strides).
    func testManyConvolutionsAreRefusedWithoutASearch() throws {
        var many: [String: NDArray] = [:]
        for i in 1...12 {
            many["l\(i)/W"] = NDArray(shape: [1, 1, 1, 1], values: [0])
            many["l\(i)/b"] = NDArray(shape: [1], values: [0])
        }
        many["lo/W"] = NDArray(shape: [10, 784], values: [Float](repeating: 0, count: 7840))
        many["lo/b"] = NDArray(shape: [10], values: [Float](repeating: 0, count: 10))
        let url = try write(many, "many.npz")
        let started = Date()
        XCTAssertThrowsError(try Checkpoint.load(url)) { XCTAssert("\($0)".contains("and 14 more"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
    }

    // MARK: Metadata that can be read two ways

    /// A checkpoint of the tiny model whose metadata entry `key` is replaced by `value`.
    private func checkpointBytes(metadata key: String, _ value: String?) throws -> Data {
        let url = dir.appendingPathComponent("base.ckpt")
        try Checkpoint(network: Network(Architecture.named("tiny")!), step: 3).save(to: url)
        var file = try Safetensors.read(url)
        file.metadata[key] = value
        return try Safetensors.encode(tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
    }

    private func assertRefused(_ bytes: Data, _ parts: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let url = dir.appendingPathComponent("bad-\(UUID().uuidString).ckpt")
        try bytes.write(to: url)
        XCTAssertThrowsError(try Checkpoint.load(url), file: file, line: line) { error in
            for part in parts {
                XCTAssert("\(error)".contains(part), "'\(error)' lacks '\(part)'", file: file, line: line)
            }
        }
    }

    func testArchitectureJSONWithARepeatedKeyIsRefused() throws {
        let twice = #"{"inputShape":[1,28,28],"layers":[{"flatten":{}},{"linear":{"units":100}},"#
            + #"{"activation":{"_0":"relu"}},{"linear":{"units":10}}],"name":"tiny","name":"small"}"#
        try assertRefused(try checkpointBytes(metadata: "architecture", twice), ["architecture", "duplicate key \"name\""])
    }

    func testArchitectureJSONWithAnUnknownFieldIsRefused() throws {
        // A "padding" that this version would ignore: the file could mean a padded convolution.
        let padded = #"{"inputShape":[1,28,28],"layers":[{"flatten":{}},{"linear":{"units":100,"padding":1}},"#
            + #"{"activation":{"_0":"relu"}},{"linear":{"units":10}}],"name":"tiny"}"#
        try assertRefused(try checkpointBytes(metadata: "architecture", padded),
                          ["architecture", "unknown field \"padding\" of layer 2 (linear)"])
    }

    func testUnknownMetadataKeysAndFormatsAreRefused() throws {
        try assertRefused(try checkpointBytes(metadata: "normalization", "mean=0.1307"), ["unknown key \"normalization\""])
        try assertRefused(try checkpointBytes(metadata: "format", "pt"), ["format is \"pt\""])
        try assertRefused(try checkpointBytes(metadata: "format", nil), ["no format"])
        try assertRefused(try checkpointBytes(metadata: "step", "+5"), ["step"])
        try assertRefused(try checkpointBytes(metadata: "settings", #"{"model":"tiny"}"#), ["settings", "missing field"])
        XCTAssertThrowsError(try Checkpoint(network: Network(Architecture.named("tiny")!), settings: ["k": "v"])
            .save(to: dir.appendingPathComponent("k.ckpt"))) { XCTAssert("\($0)".contains("unknown metadata key \"k\""), "\($0)") }
    }

    func testAdamMomentsWithoutTheirStepAreRefused() throws {
        let network = Network(Architecture.named("tiny")!)
        let url = dir.appendingPathComponent("adam.ckpt")
        try Checkpoint(network: network, step: 3, adam: Adam(parameters: network.parameters)).save(to: url)
        var file = try Safetensors.read(url)
        file.metadata["adam_t"] = nil
        let bytes = try Safetensors.encode(tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata)
        try assertRefused(bytes, ["Adam moments but no adam_t"])
    }
}
