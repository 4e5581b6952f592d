import Foundation
import XCTest

/// New-user trial, messages about files: `convert CKPT dir/.onnx` said "the name must end in .onnx" (it does; it
/// has no name before it), a .ckpt renamed .onnx got "protobuf decoding failed" (it is a safetensors checkpoint),
/// and a binary file starting 0x0a 0xff was called "a text file".
final class FileMessageTests: XCTestCase {
    private var folder: URL!
    private var checkpoint: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
    }

    func testAnOutputNamedOnlyByItsExtensionNeedsAName() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir"), withIntermediateDirectories: false)
        try assertRejected(.convert, [checkpoint.path, "dir/.onnx"], in: folder,
                           mentions: ["dir/.onnx: the file needs a name before .onnx (e.g. model.onnx)"], status: 64)
        try assertRejected(.convert, [checkpoint.path, "dir/.ONNX"], in: folder,
                           mentions: ["the file needs a name before .onnx"], status: 64)
    }

    func testACheckpointRenamedOnnxIsNamedAsSafetensors() throws {
        let renamed = folder.appendingPathComponent("renamed.onnx")
        try FileManager.default.copyItem(at: checkpoint, to: renamed)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 3)
        try assertRejected(.evaluate, [renamed.path, "--data", data.path], in: folder,
                           mentions: ["renamed.onnx: not an ONNX model: it looks like a safetensors file, as this "
                                      + "project's .ckpt checkpoints are"], status: 1)
    }
}
