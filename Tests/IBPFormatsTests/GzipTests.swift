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
}
