import Foundation
import IBP
import IBPFormats
import XCTest

/// gzip-compressed inputs that are cut, empty or compressed twice (new-user trial, gzip24), each kind through every
/// tool's reader that inflates: `verify`'s network, property and instance list, `evaluate`'s model and MNIST files.
/// A cut file is truncated (its last 4 bytes, where the trailer's size was, are compressed data and were read as a
/// size over the limit); an empty one says empty (not "gunzip it first"); one compressed twice says so (not a parse
/// error about gzip bytes). A gzip bomb is still refused at once, without the memory its output would take.
final class CompressedInputTests: ToolFolderTestCase {
    private var network: URL!
    private var property: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        network = folder.appendingPathComponent("pool.onnx")
        try Fixtures.writeMaxPoolONNX(to: network)
        property = folder.appendingPathComponent("p.vnnlib")
        try Fixtures.writeBoxProperty(to: property)
    }

    @discardableResult
    private func write(_ name: String, _ data: Data) throws -> String {
        try data.write(to: folder.appendingPathComponent(name))
        return path(name)
    }

    /// gzip data whose last 4 bytes (the trailer's size field in a whole file), read as a size, exceed `limit`:
    /// `gz` cut at the longest such length (cutting off the size field leaves the CRC there, often enough).
    private func cut(_ gz: Data, readingOver limit: Int, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        let length = (18..<gz.count).reversed().first { n in
            (0..<4).reduce(0) { $0 | Int(gz[n - 4 + $1]) << (8 * $1) } > limit
        }
        return gz.prefix(try XCTUnwrap(length, "no cut of \(gz.count) bytes ends in a size over \(limit)", file: file, line: line))
    }

    /// 1. The finding's files: a network and a property cut so that their ends read as more than the readers'
    /// limits (1 GiB, 256 MiB), and an instance list (64 MiB). Each was "larger than the reader's limit".
    func testACutCompressedFileIsTruncatedNotTooLarge() throws {
        let onnx = try write("cut.onnx.gz", try cut(try Gzip.compress(Data(contentsOf: network)), readingOver: 1 << 30))
        try assertRejected(.verify, [onnx, property.path], in: folder,
                           mentions: ["cut.onnx.gz: truncated compressed data: the stream ends early"], status: 1)
        let vnnlib = try write("cut.vnnlib.gz", try cut(try Gzip.compress(Data(contentsOf: property)), readingOver: 256 << 20))
        try assertRejected(.verify, [network.path, vnnlib], in: folder,
                           mentions: ["cut.vnnlib.gz: truncated compressed data: the stream ends early"], status: 1)
        let list = try write("cut.csv.gz", try cut(try Gzip.compress(Data("pool.onnx,p.vnnlib,10\n".utf8)), readingOver: 64 << 20))
        try assertRejected(.verify, ["--instances", list, "--results", path("r.csv")], in: folder,
                           mentions: ["cut.csv.gz: truncated compressed data: the stream ends early"], status: 1)
        // MNIST files are read by their header's size, not the trailer's: a cut there was already truncated.
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try cut(try Data(contentsOf: images), readingOver: 1 << 30).write(to: images)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path], in: folder,
                           mentions: ["t10k-images-idx3-ubyte.gz: truncated compressed data"], status: 1)
    }

    /// A plain MNIST file of 3 GiB (sparse: no disk used) is refused by its size in one line, at once and without
    /// reading it (the IDX reader read a plain file whole before its checks; a wrong --data folder holding a huge
    /// file took its size in memory first).
    func testAHugePlainMNISTFileIsRefusedBeforeItIsRead() throws {
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try FileManager.default.removeItem(at: images)
        let plain = data.appendingPathComponent("t10k-images-idx3-ubyte")
        XCTAssertTrue(FileManager.default.createFile(atPath: plain.path, contents: nil))
        let handle = try FileHandle(forWritingTo: plain)
        try handle.truncate(atOffset: 3 << 30)
        try handle.close()
        let started = Date()
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path], in: folder,
                           mentions: ["t10k-images-idx3-ubyte: the file is 3221225472 bytes, more than the 1073741824 accepted"],
                           status: 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    /// A real gzip bomb (300 MiB of zeros, 300 members of 1 MiB, against the property reader's 256 MiB) is refused
    /// in well under a second and within 512 MiB of address space: its output is counted, never held (inflating it
    /// into memory needs 256 MiB on top of the ~200 MiB `verify` maps, and fails under this limit).
    func testABombIsRefusedWithoutItsMemory() throws {
        let member = try Gzip.compress(Data(count: 1 << 20))
        let bomb = try write("bomb.vnnlib.gz", Data((0..<300).map { _ in member }.joined()))
        try assertRejected(.verify, [network.path, bomb], in: folder,
                           mentions: ["bomb.vnnlib.gz: gzip-compressed, and its text is larger than the reader's limit of "
                                      + "268435456 bytes"], status: 1, timeLimit: 2, virtualMemoryKiB: 512 << 10)
    }

    /// 2. Empty: a 0-byte file, and gzip data that holds nothing (what `gzip` makes of an empty file), named so, not
    /// "gunzip it first", "no X variable is declared" or "truncated: the file holds 0 bytes". Only the gzip magic
    /// is a stream cut short.
    func testEmptyFilesSayEmpty() throws {
        let nothing = try Gzip.compress(Data())
        let cases: [(Tool, [String], String)] = [
            (.verify, [try write("zero.onnx.gz", Data()), property.path],
             "zero.onnx.gz: not an ONNX model (an empty file, 0 bytes), though its name ends in .onnx.gz"),
            (.verify, [try write("nothing.onnx.gz", nothing), property.path],
             "nothing.onnx.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
            (.verify, [try write("magic.onnx.gz", Data([0x1f, 0x8b])), property.path],
             "magic.onnx.gz: truncated compressed data: the stream ends early (after 0 decompressed bytes)"),
            (.verify, [network.path, try write("zero.vnnlib", Data())], "zero.vnnlib: the file is empty (0 bytes)"),
            (.verify, [network.path, try write("zero.vnnlib.gz", Data())], "zero.vnnlib.gz: the file is empty (0 bytes)"),
            (.verify, [network.path, try write("nothing.vnnlib.gz", nothing)],
             "nothing.vnnlib.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
            (.verify, ["--instances", try write("zero.csv", Data())], "zero.csv: the file is empty (0 bytes)"),
            (.verify, ["--instances", try write("nothing.csv.gz", nothing)],
             "nothing.csv.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
            (.verify, ["--instances", try write("l.csv", Data("pool.onnx,p.vnnlib,10\n".utf8)), "--answers",
                       try write("nothing-answers.csv.gz", nothing)],
             "nothing-answers.csv.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
            (.evaluate, [try write("nothing.ckpt.gz", nothing), "--data", data.path],
             "nothing.ckpt.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
        ]
        for (tool, arguments, message) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [message], status: tool == .verify && arguments[0] == "--instances" ? nil : 1)
        }
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        for (bytes, message) in [(Data(), "the file is empty (0 bytes)"), (nothing, "gzip-compressed, and empty once decompressed (0 bytes)")] {
            try bytes.write(to: images)
            try assertRejected(.evaluate, [checkpoint.path, "--data", data.path], in: folder,
                               mentions: [images.path + ": " + message], status: 1)
        }
    }

    /// 3. Compressed twice: one gunzip gives gzip data again, said so for every reader, not parsed as text or a model.
    func testTwiceCompressedFilesSaySo() throws {
        func twice(_ url: URL) throws -> Data { try Gzip.compress(try Gzip.compress(Data(contentsOf: url))) }
        let said = "still compressed after one gunzip (compressed twice?); gunzip it and give the result instead"
        try assertRejected(.verify, [try write("twice.onnx.gz", try twice(network)), property.path], in: folder,
                           mentions: ["twice.onnx.gz: " + said], status: 1)
        try assertRejected(.verify, [network.path, try write("twice.vnnlib.gz", try twice(property))], in: folder,
                           mentions: ["twice.vnnlib.gz: " + said], status: 1)
        let list = try write("l.csv", Data("pool.onnx,p.vnnlib,10\n".utf8))
        try assertRejected(.verify, ["--instances", try write("twice.csv.gz", try twice(URL(fileURLWithPath: list)))], in: folder,
                           mentions: ["twice.csv.gz: " + said])
        try assertRejected(.evaluate, [try write("twice.ckpt.gz", try twice(checkpoint)), "--data", data.path], in: folder,
                           mentions: ["twice.ckpt.gz: " + said], status: 1)
        let images = data.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try Gzip.compress(try Data(contentsOf: images)).write(to: images)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path], in: folder,
                           mentions: [images.path + ": " + said], status: 1)
        // Gunzipped once, as the message says, each is read.
        try Gzip.compress(Data(contentsOf: property)).write(to: folder.appendingPathComponent("once.vnnlib"))
        let run = try Tool.verify.run([network.path, path("once.vnnlib")], in: folder, timeout: 120)
        XCTAssertEqual(run.status, 0, run.stderr)
    }
}
