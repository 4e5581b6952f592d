import Foundation
import IBP
import IBPFormats
import XCTest

/// Issue #11, kind 8: a file of the wrong kind given as a checkpoint is named for what it is, with what is
/// expected, in one line and exit status 1 (the command line was well formed; the file is not a checkpoint).
final class WrongFileTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
    }

    private let expected = "expected a .ckpt (safetensors) or a Chainer .npz"
    /// `evaluate` also reads ONNX models.
    private let expectedModel = "expected a .ckpt (safetensors), a Chainer .npz or an ONNX model (.onnx)"

    private func assertNotACheckpoint(_ bytes: Data, as name: String, _ kind: String,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let url = folder.appendingPathComponent(name)
        try bytes.write(to: url)
        let outcome = try assertRejected(.evaluate, [url.path, "--data", data.path], in: folder,
                                         mentions: ["\(url.path): not a model (\(kind)); \(expectedModel)"], status: 1,
                                         file: file, line: line)
        XCTAssertEqual(outcome.stderrLines.first.map(String.init),
                       "evaluate: error: \(url.path): not a model (\(kind)); \(expectedModel)", file: file, line: line)
    }

    /// The issue's case: the figure PNG passed where a checkpoint goes (it said "header length 727905341920923785
    /// exceeds..."). Also under a .ckpt name: the content decides.
    func testPNG() throws {
        let png = try Data(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/comparison.png"))
        try assertNotACheckpoint(png, as: "comparison.png", "a PNG file")
        try assertNotACheckpoint(png, as: "model.ckpt", "a PNG file")
        try assertRejected(.visualize, ["--baseline", folder.appendingPathComponent("comparison.png").path, "--data", data.path,
                                        "--out", folder.appendingPathComponent("x.png").path], in: folder,
                           mentions: ["--baseline \(folder.appendingPathComponent("comparison.png").path): not a model (a PNG file); "
                                      + expectedModel], status: 1)
    }

    func testOtherCommonWrongFiles() throws {
        // The start of an ONNX model as `torch.onnx.export` writes it (ir_version 7, producer_name "pytorch"), cut
        // short: `evaluate` and `visualize` read ONNX models and name the decoding failure.
        let onnx = folder.appendingPathComponent("net.onnx")
        try (Data([0x08, 0x07, 0x12, 0x07]) + Data("pytorch".utf8) + Data(count: 64)).write(to: onnx)
        try assertRejected(.evaluate, [onnx.path, "--data", data.path], in: folder,
                           mentions: ["\(onnx.path): not an ONNX model (protobuf decoding failed: "], status: 1)
        try assertRejected(.visualize, ["--baseline", onnx.path, "--data", data.path,
                                        "--out", folder.appendingPathComponent("x.png").path], in: folder,
                           mentions: ["--baseline \(onnx.path): not an ONNX model (protobuf decoding failed: "], status: 1)
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        // A compressed checkpoint says what it holds and what to do (only ONNX models are read compressed).
        let packed = folder.appendingPathComponent("good.ckpt.gz")
        try Gzip.compress(try Data(contentsOf: checkpoint)).write(to: packed)
        try assertRejected(.evaluate, [packed.path, "--data", data.path], in: folder,
                           mentions: ["\(packed.path): gzip-compressed (a safetensors file inside); models are read "
                                      + "compressed only as ONNX (.onnx.gz): gunzip it first"], status: 1)
        try assertNotACheckpoint(Data(#"{"figures": []}"#.utf8), as: "figures.json", "a JSON file")
        try assertNotACheckpoint(Data("(declare-const X_0 Real)\n".utf8), as: "prop.vnnlib", "a text file")
        try assertNotACheckpoint(try Fixtures.sampleIDX("t10k-labels-idx1-ubyte"), as: "labels.ckpt", "an MNIST IDX file")
        try assertNotACheckpoint(Data(), as: "empty.ckpt", "an empty file, 0 bytes")
        try assertNotACheckpoint(NPY.encode(NDArray(shape: [2], values: [1, 2])), as: "w.npy", "a single .npy array")
    }

    /// A zip that is not an .npz (a PyTorch .pt file is a zip of pickles).
    func testPyTorchZip() throws {
        var bytes = try NPZ.encode(["archive/data": NDArray(shape: [1], values: [0])])
        let range = bytes.range(of: Data("archive/data.npy".utf8))!
        bytes.replaceSubrange(range, with: Data("archive/data.pkl".utf8))
        let second = bytes.range(of: Data("archive/data.npy".utf8))!
        bytes.replaceSubrange(second, with: Data("archive/data.pkl".utf8))
        let url = folder.appendingPathComponent("model.pt")
        try bytes.write(to: url)
        try assertRejected(.evaluate, [url.path, "--data", data.path], in: folder,
                           mentions: ["not a checkpoint (a zip archive whose entry archive/data.pkl is not a .npy array",
                                      expected], status: 1)
    }
}
