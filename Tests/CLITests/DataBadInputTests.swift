import Foundation
import IBPFormats
import XCTest

/// Damaged MNIST folders given with `--data DIR` to `evaluate` and `train`: each must be rejected with one
/// line that names the file and the problem, and `train` must not create its run folder.
final class DataBadInputTests: XCTestCase {
    private var folder: URL!
    private var checkpoint: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
    }

    /// A new data folder holding the 100 sample images as both splits, except `baseName` (e.g.
    /// `t10k-images-idx3-ubyte`), which is `bytes`, uncompressed or, when `gzip`, as `baseName.gz`.
    /// Returns the folder and the damaged file.
    private func dataFolder(_ baseName: String, _ bytes: Data, gzip: Bool = false) throws -> (data: URL, bad: URL) {
        let data = folder.appendingPathComponent("data-\(UUID().uuidString)")
        try Fixtures.writeData(to: data)
        let gz = data.appendingPathComponent(baseName + ".gz")
        try FileManager.default.removeItem(at: gz)
        let bad = gzip ? gz : data.appendingPathComponent(baseName)
        try bytes.write(to: bad)
        return (data, bad)
    }

    /// Checks that `evaluate` rejects the test split and `train` the train split, both naming the damaged file.
    private func assertBothReject(_ split: String, _ kind: String, _ bytes: Data, gzip: Bool = false, _ problem: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let (data, bad) = try dataFolder("\(split)-\(kind)", bytes, gzip: gzip)
        let tool: Tool = split == "t10k" ? .evaluate : .train
        let arguments = tool == .evaluate
            ? [checkpoint.path, "--data", data.path]
            : ["--model", "tiny", "--steps", "2", "--data", data.path, "--out", folder.appendingPathComponent("run").path]
        try assertRejected(tool, arguments, in: folder, mentions: [bad.path, problem], file: file, line: line)
    }

    private var images: Data { get throws { try Fixtures.sampleIDX("t10k-images-idx3-ubyte") } }
    private var labels: Data { get throws { try Fixtures.sampleIDX("t10k-labels-idx1-ubyte") } }

    /// `bytes` with the big-endian 32-bit header field at `offset` replaced by `value`.
    private func setting(_ bytes: Data, at offset: Int, to value: UInt32) -> Data {
        var copy = bytes
        for k in 0..<4 { copy[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
        return copy
    }

    func testWrongMagicInImages() throws {
        try assertBothReject("t10k", "images-idx3-ubyte", setting(try images, at: 0, to: 2049), "magic 2049")
        try assertBothReject("train", "images-idx3-ubyte", setting(try images, at: 0, to: 7), "magic 7")
    }

    func testWrongMagicInLabels() throws {
        try assertBothReject("t10k", "labels-idx1-ubyte", setting(try labels, at: 0, to: 2051), "magic 2051")
    }

    func testWrongDimensions() throws {
        try assertBothReject("t10k", "images-idx3-ubyte", setting(try images, at: 12, to: 27), "28x27")
        try assertBothReject("train", "images-idx3-ubyte", setting(try images, at: 8, to: 0), "0x28")
    }

    func testCountsThatDisagree() throws {
        // 99 labels for 100 images: each file is consistent, the pair is not.
        let fewer = setting(try labels, at: 4, to: 99).dropLast()
        try assertBothReject("t10k", "labels-idx1-ubyte", Data(fewer), "100 images")
    }

    func testHeaderCountThatDisagreesWithTheFileSize() throws {
        try assertBothReject("t10k", "images-idx3-ubyte", setting(try images, at: 4, to: 101), "truncated")
        try assertBothReject("t10k", "labels-idx1-ubyte", setting(try labels, at: 4, to: 99), "trailing garbage")
    }

    func testGzipStreamCutShort() throws {
        let compressed = try Gzip.compress(try images)
        try assertBothReject("t10k", "images-idx3-ubyte", compressed.prefix(compressed.count / 2), gzip: true,
                             "truncated compressed data")
        try assertBothReject("train", "images-idx3-ubyte", compressed.prefix(compressed.count - 3), gzip: true,
                             "truncated compressed data")
    }

    func testHeaderClaimingTwoToThe31Images() throws {
        let huge = setting(try images, at: 4, to: 1 << 31)
        try assertBothReject("t10k", "images-idx3-ubyte", huge, "2147483648 images")
        try assertBothReject("train", "images-idx3-ubyte", try Gzip.compress(huge), gzip: true, "2147483648 images")
        try assertBothReject("t10k", "labels-idx1-ubyte", setting(try labels, at: 4, to: 1 << 31), "2147483648 labels")
    }

    func testGzipBombAfterAnHonestHeader() throws {
        // 1 GiB of zeros after the 100 images, as 1,024 gzip members of 1 MiB (about 1 MB on disk): the
        // reader must stop at the size the header declares instead of inflating it all.
        var bomb = try Gzip.compress(try images)
        let member = try Gzip.compress(Data(count: 1 << 20))
        for _ in 0..<1024 { bomb.append(member) }
        try assertBothReject("t10k", "images-idx3-ubyte", bomb, gzip: true, "trailing garbage")
    }

    func testEmptyFile() throws {
        try assertBothReject("t10k", "images-idx3-ubyte", Data(), "0 bytes")
        try assertBothReject("train", "labels-idx1-ubyte", Data(), "0 bytes")
    }

    func testLabelOutsideZeroToNine() throws {
        var bad = try labels
        bad[8 + 17] = 10
        try assertBothReject("t10k", "labels-idx1-ubyte", bad, "label 17 is 10")
    }

    func testMissingDataFolder() throws {
        let missing = folder.appendingPathComponent("no-data")
        try assertRejected(.evaluate, [checkpoint.path, "--data", missing.path], in: folder,
                           mentions: ["--data \(missing.path): no such folder"])
    }
}
