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
        XCTAssertEqual(try Gzip.readFile(gzURL), payload)
        XCTAssertEqual(try Gzip.readFile(rawURL), payload)
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
            try Gzip.readFile(URL(fileURLWithPath: "/nonexistent/x.gz"))
        }
    }

    func testCRC32() {
        XCTAssertEqual(Gzip.crc32(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(Gzip.crc32(Data()), 0)
    }

    // MARK: Files that may be compressed (new-user findings s7, item 8)

    /// One limit for both forms: the file's size before reading, the trailer's declared size before inflating, the
    /// output while inflating (a trailer can understate a stream's size: forged, or several members).
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
        // Honest trailer: refused before inflating.
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
}
