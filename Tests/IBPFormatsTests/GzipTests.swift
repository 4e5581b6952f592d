import Foundation
import XCTest
@testable import IBPFormats

final class GzipTests: XCTestCase {
    func sample() -> Data {
        Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 1000) })
    }

    func testRoundTripAndRawPassThrough() throws {
        let dir = try makeTempDir(self)
        let payload = sample()
        let gz = try Gzip.compress(payload)
        XCTAssertTrue(Gzip.isGzip(gz))
        XCTAssertFalse(Gzip.isGzip(payload))
        XCTAssertEqual(try Gzip.decompress(gz), payload)
        let gzURL = dir.appendingPathComponent("a.gz"), rawURL = dir.appendingPathComponent("a.bin")
        try gz.write(to: gzURL)
        try payload.write(to: rawURL)
        XCTAssertEqual(try Gzip.readFile(gzURL, maxBytes: nil), payload)
        XCTAssertEqual(try Gzip.readFile(rawURL, maxBytes: nil), payload)
    }

    func testConcatenatedMembers() throws {
        let a = Data("hello ".utf8), b = Data("world".utf8)
        XCTAssertEqual(try Gzip.decompress(try Gzip.compress(a) + Gzip.compress(b)), a + b)
    }

    func testCutShortStreamThrows() throws {
        let gz = try Gzip.compress(sample())
        for cut in [2, 10, gz.count / 2, gz.count - 5, gz.count - 1] {
            let e = assertThrows(GzipError.self, ["<memory>"]) { try Gzip.decompress(gz.prefix(cut)) }
            if let e, case .truncated = e.problem {} else { XCTFail("cut at \(cut): \(String(describing: e))") }
        }
    }

    func testCorruptStreamThrows() throws {
        var gz = try Gzip.compress(sample())
        // Damage the compressed body: either the deflate data or the CRC check must fail.
        for i in 20..<60 { gz[i] ^= 0x5a }
        assertThrows(GzipError.self, ["<memory>"]) { try Gzip.decompress(gz) }
        // Damage only the CRC trailer.
        var crcBad = try Gzip.compress(sample())
        crcBad[crcBad.count - 6] ^= 1
        let e = assertThrows(GzipError.self, ["corrupt"]) { try Gzip.decompress(crcBad) }
        XCTAssertNotNil(e)
        // Garbage after the end.
        let trailing = try Gzip.compress(sample()) + Data([1, 2, 3])
        assertThrows(GzipError.self, ["after the end"]) { try Gzip.decompress(trailing) }
        // Pure garbage with the gzip magic.
        assertThrows(GzipError.self) { try Gzip.decompress(Data([0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9])) }
    }

    func testMaxBytesCap() throws {
        let bomb = try Gzip.compress(Data(count: 10_000_000))
        XCTAssertLessThan(bomb.count, 20_000)
        let e = assertThrows(GzipError.self, ["limit of 1000000"]) { try Gzip.decompress(bomb, maxBytes: 1_000_000) }
        XCTAssertEqual(e?.problem, .tooLarge(limit: 1_000_000))
        XCTAssertEqual(try Gzip.decompress(bomb, maxBytes: 10_000_000).count, 10_000_000)
    }

    func testMissingFile() {
        assertThrows(GzipError.self, ["/nonexistent/x.gz", "cannot read"]) {
            try Gzip.readFile(URL(fileURLWithPath: "/nonexistent/x.gz"), maxBytes: nil)
        }
    }

    func testCRC32() {
        XCTAssertEqual(Gzip.crc32(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(Gzip.crc32(Data()), 0)
    }

    // MARK: Files that may be compressed (new-user findings s7, item 8)

    /// One limit for both forms: the file's size before reading, the output while inflating, whatever the trailer
    /// declares (it can understate a stream's size: forged, or several members).
    func testPlainOrCompressedFilesKeepOneLimit() throws {
        let dir = try makeTempDir(self)
        func file(_ name: String, _ data: Data) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            return url
        }
        let text = Data(repeating: 0x61, count: 5000)
        let plain = try Gzip.readPlainOrCompressed(try file("p.txt", text), maxBytes: 5000)
        XCTAssertEqual(plain.data, text)
        XCTAssertFalse(plain.compressed)
        let packed = try Gzip.readPlainOrCompressed(try file("p.txt.gz", try Gzip.compress(text)), maxBytes: 5000)
        XCTAssertEqual(packed.data, text)
        XCTAssertTrue(packed.compressed)
        assertThrows(GzipError.self, ["more than the 4999 accepted"]) {
            try Gzip.readPlainOrCompressed(try file("p.txt", text), maxBytes: 4999)
        }
        // Honest trailer: refused while counting, before anything is allocated.
        assertThrows(GzipError.self, ["p2.gz: decompressed data exceeds the limit of 4999 bytes"]) {
            try Gzip.readPlainOrCompressed(try file("p2.gz", try Gzip.compress(text)), maxBytes: 4999)
        }
        // A trailer that claims 100 bytes, and three members of 2000 each: refused while inflating.
        var forged = [UInt8](try Gzip.compress(text))
        forged.replaceSubrange((forged.count - 4)..., with: [100, 0, 0, 0])
        assertThrows(GzipError.self, ["decompressed data exceeds the limit of 4999 bytes"]) {
            try Gzip.readPlainOrCompressed(try file("forged.gz", Data(forged)), maxBytes: 4999)
        }
        let member = try Gzip.compress(Data(repeating: 0x62, count: 2000))
        assertThrows(GzipError.self, ["decompressed data exceeds the limit of 4999 bytes"]) {
            try Gzip.readPlainOrCompressed(try file("members.gz", member + member + member), maxBytes: 4999)
        }
        XCTAssertEqual(Gzip.peek(try file("peek.gz", try Gzip.compress(text)), count: 4), Data("aaaa".utf8))
        XCTAssertNil(Gzip.peek(try file("peek.txt", text)))
    }

    /// VNNLIB properties, ONNX models and CSV lists read compressed as plain, each under its own limit.
    func testReadersTakeCompressedFiles() throws {
        let dir = try makeTempDir(self)
        let property = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n"
            + "(assert (>= X_0 0.0))\n(assert (<= X_0 1.0))\n(assert (>= Y_0 Y_1))\n"
        let vnnlib = dir.appendingPathComponent("p.vnnlib.gz")
        try Gzip.compress(Data(property.utf8)).write(to: vnnlib)
        XCTAssertEqual(try VNNLIB.read(vnnlib), try VNNLIB.parse(text: property))
        assertThrows(VNNLIBError.self, ["p.vnnlib.gz: gzip-compressed, and its text is larger than the reader's limit of 100 bytes"]) {
            try VNNLIB.read(vnnlib, limits: VNNLIBLimits(maxFileBytes: 100))
        }
        let onnx = packageRoot().appendingPathComponent("sample_data/onnx/Convnet_avgpool.onnx")
        let onnxGz = dir.appendingPathComponent("n.onnx.gz")
        let bytes = try Data(contentsOf: onnx)
        try Gzip.compress(bytes).write(to: onnxGz)
        XCTAssertEqual(try ONNXModel.read(onnxGz).nodes.count, try ONNXModel.read(onnx).nodes.count)
        assertThrows(ONNXError.self, ["n.onnx.gz: ONNX model exceeds a limit of this reader: gzip-compressed"]) {
            try ONNXModel.read(onnxGz, limits: ONNXLimits(maxFileBytes: bytes.count - 1))
        }
        let list = dir.appendingPathComponent("l.csv.gz")
        try Gzip.compress(Data("a.onnx,b.vnnlib,10\n".utf8)).write(to: list)
        XCTAssertEqual(try CSVTable.read(list).records.map(\.fields), [["a.onnx", "b.vnnlib", "10"]])
    }

    // MARK: Cut, empty and twice-compressed files (gzip24)

    /// The 4 bytes of a gzip trailer's size field, read at the end of `data` as gzip reads them (little-endian).
    private func lastFourAsSize(_ data: Data) -> Int {
        (0..<4).reduce(0) { $0 | Int(data[data.endIndex - 4 + $1]) << (8 * $1) }
    }

    /// A file cut anywhere is truncated, whatever its last 4 bytes read as: where the trailer's size field used to
    /// be trusted before inflating, a cut whose end read as more than the limit was called too large.
    func testACutFileIsTruncatedWhateverItsLastFourBytesSay() throws {
        let dir = try makeTempDir(self)
        let payload = sample(), limit = sample().count
        let gz = try Gzip.compress(payload)
        let url = dir.appendingPathComponent("cut.gz")
        var readAsHuge = 0
        for cut in Array(stride(from: 18, to: gz.count, by: max(1, gz.count / 300))) + [gz.count - 4, gz.count - 1] {
            let part = gz.prefix(cut)
            if lastFourAsSize(part) > limit { readAsHuge += 1 }
            try part.write(to: url)
            let e = assertThrows(GzipError.self, ["cut.gz: truncated compressed data: the stream ends early"]) {
                try Gzip.readPlainOrCompressed(url, maxBytes: limit)
            }
            if let e, case .truncated = e.problem {} else { XCTFail("cut at \(cut) of \(gz.count): \(String(describing: e))") }
        }
        XCTAssertGreaterThan(readAsHuge, 100, "the cuts include the finding's kind: an end that reads as a huge size")
        // The finding's file: the trailer's size field cut off, so the CRC before it is read as the size.
        let withoutSize = gz.prefix(gz.count - 4)
        XCTAssertGreaterThan(lastFourAsSize(withoutSize), limit)
        try withoutSize.write(to: url)
        let e = assertThrows(GzipError.self, ["cut.gz: truncated compressed data: the stream ends early (after 200000 "
                                              + "decompressed bytes)"]) {
            try Gzip.readPlainOrCompressed(url, maxBytes: limit)
        }
        XCTAssertEqual(e?.problem, .truncated(producedBytes: 200_000))
    }

    /// A gzip bomb is refused while counting, whatever its trailer says (true, forged small, several members), and
    /// quickly: 300 MiB of zeros against a 256 MiB limit (the VNNLIB reader's) in well under a second here. That it
    /// allocates nothing is checked by running `verify` under `ulimit -v` (`CompressedInputTests`).
    func testBombsAreRefusedWhileCountingWhateverTheTrailerSays() throws {
        let dir = try makeTempDir(self)
        let member = try Gzip.compress(Data(count: 1 << 20))
        let many = dir.appendingPathComponent("many.gz")
        try Data((0..<300).map { _ in member }.joined()).write(to: many)
        let started = Date()
        assertThrows(GzipError.self, ["many.gz: decompressed data exceeds the limit of 268435456 bytes"]) {
            try Gzip.readPlainOrCompressed(many, maxBytes: 256 << 20)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        let honest = try Gzip.compress(Data(count: 3_000_000))
        var forged = [UInt8](honest)
        forged.replaceSubrange((forged.count - 4)..., with: [100, 0, 0, 0])
        for (name, data) in [("honest.gz", honest), ("forged.gz", Data(forged))] {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            let e = assertThrows(GzipError.self, ["\(name): decompressed data exceeds the limit of 1000000 bytes"]) {
                try Gzip.readPlainOrCompressed(url, maxBytes: 1_000_000)
            }
            XCTAssertEqual(e?.problem, .tooLarge(limit: 1_000_000))
        }
        // Within the limit the same stream is read whole, and a wrong size field in an otherwise whole file is damage.
        let honestURL = dir.appendingPathComponent("honest.gz"), forgedURL = dir.appendingPathComponent("forged.gz")
        XCTAssertEqual(try Gzip.readPlainOrCompressed(honestURL, maxBytes: 3_000_000).data, Data(count: 3_000_000))
        assertThrows(GzipError.self, ["forged.gz: corrupt compressed data: incorrect length check"]) {
            try Gzip.readPlainOrCompressed(forgedURL, maxBytes: 3_000_000)
        }
    }

    /// An empty file, and gzip data that holds nothing, are said to be empty; a stream of only the gzip magic is
    /// truncated; one whose inflated bytes are gzip again is said to be compressed twice.
    func testEmptyAndTwiceCompressedFilesSayWhatTheyAre() throws {
        let dir = try makeTempDir(self)
        func file(_ name: String, _ data: Data) throws -> URL {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            return url
        }
        let text = Data("some text\n".utf8)
        let cases: [(String, Data, GzipProblem, String)] = [
            ("zero.txt", Data(), .empty(compressed: false), "zero.txt: the file is empty (0 bytes)"),
            ("nothing.gz", try Gzip.compress(Data()), .empty(compressed: true),
             "nothing.gz: gzip-compressed, and empty once decompressed (0 bytes)"),
            ("magic.gz", Data([0x1f, 0x8b]), .truncated(producedBytes: 0), "magic.gz: truncated compressed data"),
            ("twice.gz", try Gzip.compress(try Gzip.compress(text)), .compressedTwice,
             "twice.gz: still compressed after one gunzip (compressed twice?); gunzip it and give the result instead"),
        ]
        for (name, data, problem, message) in cases {
            let url = try file(name, data)
            let e = assertThrows(GzipError.self, [message]) { try Gzip.readPlainOrCompressed(url, maxBytes: 1000) }
            XCTAssertEqual(e?.problem, problem, name)
        }
        // Inflating once is what the readers do: gzip inside gzip is named there too (IDX reads through `contents`).
        assertThrows(GzipError.self, ["twice.gz: still compressed after one gunzip"]) {
            try Gzip.contents(of: try Gzip.compress(try Gzip.compress(text)), path: "twice.gz")
        }
        XCTAssertEqual(try Gzip.contents(of: try Gzip.compress(text), path: "once.gz"), [UInt8](text))
        // The readers built on it: VNNLIB properties, ONNX models, CSV lists.
        let nothing = try file("nothing.vnnlib.gz", try Gzip.compress(Data()))
        assertThrows(GzipError.self, ["nothing.vnnlib.gz: gzip-compressed, and empty once decompressed (0 bytes)"]) {
            try VNNLIB.read(nothing)
        }
        assertThrows(GzipError.self, ["zero.vnnlib: the file is empty (0 bytes)"]) { try VNNLIB.read(try file("zero.vnnlib", Data())) }
        assertThrows(VNNLIBError.self, ["<memory>: the file is empty (0 bytes)"]) { try VNNLIB.parse(Data()) }
        assertThrows(GzipError.self, ["twice.onnx.gz: still compressed after one gunzip (compressed twice?)"]) {
            try ONNXModel.read(try file("twice.onnx.gz", try Gzip.compress(try Gzip.compress(text))))
        }
        assertThrows(GzipError.self, ["nothing.csv.gz: gzip-compressed, and empty once decompressed (0 bytes)"]) {
            try CSVTable.read(try file("nothing.csv.gz", try Gzip.compress(Data())))
        }
    }
}
