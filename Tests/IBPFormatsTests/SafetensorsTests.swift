import Foundation
import XCTest
@testable import IBPFormats

final class SafetensorsTests: XCTestCase {
    let tensors: [(name: String, array: NDArray)] = [
        ("l1/W", NDArray(shape: [2, 1, 2, 2], values: [1, -2, 3, -4, 0.5, .pi, -.infinity, Float(bitPattern: 0x0001_0000)])),
        ("l1/b", NDArray(shape: [2], values: [-0.0, .greatestFiniteMagnitude])),
        ("empty", NDArray(shape: [0], values: [])),
        ("a", NDArray(shape: [], values: [7])),
    ]
    let metadata = ["epsilon": "0.1", "note": "quote \" and \\ and \n and é"]

    /// Builds a file from a raw JSON header and data bytes (header padded as given).
    func file(_ json: String, _ data: Data) -> Data {
        let h = Array(json.utf8)
        var d = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
        return d + Data(h) + data
    }

    func testRoundTripBitExact() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("m.safetensors")
        var withNaN = tensors
        withNaN.append(("nan", NDArray(shape: [2], values: [Float(bitPattern: 0x7fc0_1234), Float(bitPattern: 0xffc0_0001)])))
        try Safetensors.write(tensors: withNaN, metadata: metadata, to: url)
        let back = try Safetensors.read(url)
        XCTAssertEqual(back.order, withNaN.map(\.name))
        XCTAssertEqual(back.metadata, metadata)
        for (name, a) in withNaN {
            XCTAssertEqual(back.tensors[name]?.shape, a.shape, name)
            XCTAssertEqual(back.tensors[name]?.values.map(\.bitPattern), a.values.map(\.bitPattern), name)
        }
        let bytes = try Data(contentsOf: url)
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(n % 8, 0)
        // Deterministic: same input, same bytes (metadata dictionary order does not matter).
        XCTAssertEqual(try Safetensors.encode(tensors: withNaN, metadata: metadata), bytes)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{\"epsilon\":\"0.1\""), header)
        XCTAssertTrue(header.contains("\"l1/W\":{\"data_offsets\":[0,32],\"dtype\":\"F32\",\"shape\":[2,1,2,2]}"), header)
    }

    func testNoMetadata() throws {
        let back = try Safetensors.parse(try Safetensors.encode(tensors: tensors))
        XCTAssertEqual(back.metadata, [:])
        XCTAssertEqual(back.tensors["l1/b"], tensors[1].array)
    }

    func testTooShort() {
        let e = assertThrows(SafetensorsError.self, ["s.st", "shorter than the 8-byte"]) { try Safetensors.parse(Data([1, 2, 3]), path: "s.st") }
        XCTAssertEqual(e?.problem, .tooShort(bytes: 3))
        let empty = assertThrows(SafetensorsError.self, ["s.st: the file is empty (0 bytes)"]) { try Safetensors.parse(Data(), path: "s.st") }
        XCTAssertEqual(empty?.problem, .tooShort(bytes: 0))
    }

    func testHeaderLongerThanFile() {
        var d = file("{}", Data())
        d[0] = 200
        assertThrows(SafetensorsError.self, ["header length 200 exceeds the 2 bytes"]) { try Safetensors.parse(d, path: "s.st") }
        var huge = Data(repeating: 0xff, count: 8)
        huge += Data("{}".utf8)
        assertThrows(SafetensorsError.self, ["header length"]) { try Safetensors.parse(huge) }
    }

    func testMalformedJSON() {
        for bad in ["{", "[1,2]", "{\"a\":}", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}",
                    "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "{} x",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,-4]}}",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "\u{1}"] {
            assertThrows(SafetensorsError.self, ["s.st", "malformed"]) { try Safetensors.parse(file(bad, Data(count: 4)), path: "s.st") }
        }
    }

    func testUnknownDtype() {
        let e = assertThrows(SafetensorsError.self, ["tensor a has dtype F16"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", Data(count: 4)), path: "s.st")
        }
        XCTAssertEqual(e?.problem, .unsupportedDtype(tensor: "a", dtype: "F16"))
    }

    func testShapeSizeMismatch() {
        let e = assertThrows(SafetensorsError.self, ["tensor a of shape [3]", "span 8"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", Data(count: 8)), path: "s.st")
        }
        XCTAssertEqual(e?.problem, .sizeMismatch(tensor: "a", shape: [3], bytes: 8))
        assertThrows(SafetensorsError.self, ["tensor a"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}", Data(count: 8)))
        }
        // The message itself must not overflow either.
        let big = SafetensorsError(path: "s", problem: .sizeMismatch(tensor: "a", shape: [1 << 40, 1 << 40], bytes: 8))
        XCTAssertTrue(big.description.contains("more than 2^63"))
        assertThrows(SafetensorsError.self, ["tensor a"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,2],\"data_offsets\":[0,8]}}", Data(count: 8)))
        }
    }

    func testOffsetsOutOfRange() {
        assertThrows(SafetensorsError.self, ["data_offsets [0, 12] lie outside the 8-byte data section"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", Data(count: 8)), path: "s.st")
        }
        assertThrows(SafetensorsError.self, ["lie outside"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", Data(count: 8)))
        }
        assertThrows(SafetensorsError.self, ["data_offsets", "99999999999999999999, too large", "0 to 2^63 - 1"]) {
            try Safetensors.parse(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[99999999999999999999,4]}}", Data(count: 8)))
        }
    }

    func testOverlap() {
        let json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}"
        let e = assertThrows(SafetensorsError.self, ["tensors a and b overlap"]) { try Safetensors.parse(file(json, Data(count: 12)), path: "s.st") }
        XCTAssertEqual(e?.problem, .overlap("a", "b"))
    }

    func testNotCovering() {
        let gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}"
        assertThrows(SafetensorsError.self, ["bytes 4..<8 before tensor b"]) { try Safetensors.parse(file(gap, Data(count: 12))) }
        let tail = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        assertThrows(SafetensorsError.self, ["bytes 4..<12 at the end"]) { try Safetensors.parse(file(tail, Data(count: 12))) }
    }

    func testNonStringMetadata() {
        for meta in ["{\"epoch\":3}", "{\"x\":null}", "[\"a\"]", "\"text\""] {
            let json = "{\"__metadata__\":\(meta),\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
            assertThrows(SafetensorsError.self, ["s.st", "__metadata__"]) { try Safetensors.parse(file(json, Data(count: 4)), path: "s.st") }
        }
    }

    func testWriterRejectsDuplicates() {
        let a = NDArray(shape: [1], values: [1])
        assertThrows(SafetensorsError.self, ["twice"]) { try Safetensors.encode(tensors: [("a", a), ("a", a)]) }
        assertThrows(SafetensorsError.self, ["__metadata__"]) { try Safetensors.encode(tensors: [("__metadata__", a)]) }
    }

    func testGarbageNeverCrashes() throws {
        let good = try Safetensors.encode(tensors: tensors, metadata: metadata)
        for i in 0..<good.count {
            var d = good
            d[i] ^= 0x20
            _ = try? Safetensors.parse(d)
        }
        for cut in 0..<good.count { _ = try? Safetensors.parse(good.prefix(cut)) }
    }
}
