import Foundation
import XCTest
@testable import IBPFormats

/// Issue #11, kinds 3 and 8 in the file readers: files that can be read two ways are refused, files of the wrong
/// kind are named, and JSON numbers print in their shortest form.
final class StrictFormatTests: XCTestCase {
    // MARK: FileKind

    func testFileKinds() throws {
        let cases: [(bytes: [UInt8], kind: FileKind)] = [
            ([], .empty),
            ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], .png),
            ([0x1F, 0x8B, 0x08, 0x00], .gzip),
            ([0x50, 0x4B, 0x03, 0x04, 20, 0], .zip),
            ([0x93] + Array("NUMPY".utf8) + [1, 0], .npy),
            (Array("  {\"figures\": []}".utf8), .json),
            (Array("[1, 2]".utf8), .json),
            (Array("(declare-const X_0 Real)\n".utf8), .text),
            (Array("ünïcode text".utf8), .text),
            ([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A], .hdf5),
            ([0x80, 0x02, 0x8A, 0x0A], .pickle),
            ([0x08, 0x07, 0x12, 0x07] + Array("pytorch".utf8), .onnx),
            ([0x08, 0x08, 0x3A, 0x90, 0x01], .onnx),
            ([0, 0, 8, 3, 0, 0, 0, 100], .idx),
            ([0x7F, 0x45, 0x4C, 0x46, 2, 1], .elf),
            ([0xFF, 0xD8, 0xFF, 0xE0], .jpeg),
            (Array("%PDF-1.7".utf8), .pdf),
            ([3, 0, 0], .unknown),  // a safetensors file cut after 3 bytes goes to its parser
        ]
        for (bytes, kind) in cases {
            XCTAssertEqual(FileKind.identify(bytes), kind, "\(bytes.prefix(8))")
        }
        let safetensors = try Safetensors.encode(tensors: [("a", NDArray(shape: [1], values: [1]))])
        XCTAssertEqual(FileKind.identify(safetensors), .safetensors)
        XCTAssertEqual(FileKind.identify(safetensors.prefix(20)), .safetensors)  // cut inside the header: still safetensors
        XCTAssertEqual(FileKind.identify(try NPZ.encode(["a": NDArray(shape: [1], values: [1])])), .zip)
        XCTAssertEqual(FileKind.png.description, "a PNG file")
        XCTAssertEqual(FileKind.empty.description, "an empty file, 0 bytes")
    }

    // MARK: StrictJSON

    struct Layer: Codable, Equatable {
        var kernel: Int
        var stride: Int
        var note: String?
    }

    func testStrictJSONAcceptsExactlyOneReading() throws {
        XCTAssertEqual(try StrictJSON.decode(Layer.self, from: Data(#"{"kernel": 3, "stride": 1}"#.utf8)),
                       Layer(kernel: 3, stride: 1, note: nil))
        XCTAssertEqual(try StrictJSON.decode(Layer.self, from: Data(#"{"kernel": 3, "stride": 1, "note": null}"#.utf8)),
                       Layer(kernel: 3, stride: 1, note: nil))
        XCTAssertEqual(try StrictJSON.decode([Layer].self, from: Data(#"[{"kernel": 3, "stride": 1, "note": "x"}]"#.utf8)),
                       [Layer(kernel: 3, stride: 1, note: "x")])
        let refused: [(String, String)] = [
            (#"{"kernel": 3, "stride": 1, "stride": 2}"#, "duplicate key \"stride\""),
            (#"{"kernel": 3, "stride": 1, "padding": 1}"#, "unknown field \"padding\""),
            (#"[{"kernel": 3, "stride": 1}, {"kernel": 3, "stride": 1, "dilation": 2}]"#, "unknown field \"[1].dilation\""),
            (#"{"kernel": 3}"#, "missing field \"stride\""),
            (#"{"kernel": "3", "stride": 1}"#, "field \"kernel\" is the string \"3\", not a whole number"),
            (#"{"kernel": 3, "stride": 1} x"#, "not valid JSON"),
            // An empty file says so (it was "not valid JSON: unexpected end at byte 0"); only whitespace is text.
            ("", "empty (0 bytes), not JSON"),
            (" ", "not valid JSON"),
        ]
        for (text, reason) in refused {
            let isArray = text.hasPrefix("[")
            XCTAssertThrowsError(isArray ? try StrictJSON.decode([Layer].self, from: Data(text.utf8)) as Any
                                         : try StrictJSON.decode(Layer.self, from: Data(text.utf8)) as Any) { error in
                XCTAssert("\(error)".contains(reason), "\(text): '\(error)' lacks '\(reason)'")
            }
        }
        XCTAssertThrowsError(try StrictJSON.checkSyntax(Data())) { XCTAssertEqual("\($0)", "empty (0 bytes), not JSON") }
    }

    // MARK: JSONText

    func testJSONTextPrintsFloat32InShortestForm() throws {
        let object: [String: Any] = ["epsilon": Float(0.1), "eps": [Float(0.3), Float(1e-20), Float(2)],
                                     "accuracy": 0.9843, "count": 10000, "ok": true, "none": NSNull(),
                                     "name": "a \"b\"", "nan": Float.nan, "big": UInt64.max]
        XCTAssertEqual(JSONText.serialize(object),
                       #"{"accuracy":0.9843,"big":18446744073709551615,"count":10000,"eps":[0.3,1e-20,2.0],"#
                       + #""epsilon":0.1,"name":"a \"b\"","nan":null,"none":null,"ok":true}"#)
        // Values that came back from JSONSerialization (NSNumber) keep their form too.
        let parsed = try JSONSerialization.jsonObject(with: Data(#"{"a":0.1,"b":true,"c":3,"d":false}"#.utf8))
        XCTAssertEqual(JSONText.serialize(parsed), #"{"a":0.1,"b":true,"c":3,"d":false}"#)
        // Every float32 reads back to itself.
        for bits in stride(from: UInt32(0x3C00_0000), to: 0x4100_0000, by: 7_777_777) {
            let x = Float(bitPattern: bits)
            XCTAssertEqual(Float(JSONText.number(x)), x)
        }
    }

    // MARK: NPY and NPZ

    func testNPYHeaderWithAnUnknownKeyOrAListShapeIsRefused() throws {
        func npy(_ header: String) -> Data {
            var h = header
            h += String(repeating: " ", count: 63 - (10 + h.utf8.count) % 64) + "\n"
            return Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(h.utf8.count), 0]) + Data(h.utf8) + Data(count: 8)
        }
        XCTAssertNoThrow(try NPY.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")))
        assertThrows(NPYError.self, ["unknown key 'order'"]) {
            try NPY.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'order': 'F', }"))
        }
        assertThrows(NPYError.self, ["'shape' is not a tuple"]) {
            try NPY.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }"))
        }
    }

    /// A zip whose local header names another entry than its central directory entry reads one way with a
    /// streaming reader and another with numpy: refused.
    func testNPZWhoseLocalHeaderDisagreesWithTheDirectoryIsRefused() throws {
        var bytes = try NPZ.encode(["a": NDArray(shape: [1], values: [1]), "b": NDArray(shape: [1], values: [2])])
        // The first local header's name starts at byte 30: "a.npy" becomes "b.npy".
        XCTAssertEqual(bytes[30], UInt8(ascii: "a"))
        bytes[30] = UInt8(ascii: "b")
        assertThrows(NPZError.self, ["local header of a.npy names another entry"]) { try NPZ.parse(bytes) }
    }

    /// Two directory entries that point at the same data (the trick of overlapping zip bombs) are refused.
    func testNPZEntriesSharingTheirDataAreRefused() throws {
        var bytes = try NPZ.encode(["a": NDArray(shape: [1], values: [1]), "b": NDArray(shape: [1], values: [2])])
        // The central directory follows the data; make entry b's local header offset (at +42 in its record) 0.
        let central = bytes.range(of: Data([0x50, 0x4B, 0x01, 0x02]))!.lowerBound
        let second = bytes.range(of: Data([0x50, 0x4B, 0x01, 0x02]), in: (central + 4)..<bytes.count)!.lowerBound
        bytes.replaceSubrange((second + 42)..<(second + 46), with: [0, 0, 0, 0])
        assertThrows(NPZError.self, ["b.npy"]) { try NPZ.parse(bytes) }
    }
}

/// The decimal grammar shared by every flag, list and CSV number (`DecimalText`).
final class DecimalTextTests: XCTestCase {
    func testAcceptsOnlyDecimalNumbers() {
        for (text, value) in [("0.1", 0.1), ("-2", -2.0), ("1e-9", 1e-9), ("2.5E+3", 2500.0), ("0", 0.0), ("007", 7.0)] {
            XCTAssertEqual(DecimalText.double(text), value, text)
        }
        for text in ["0x0.1", "0x10", "0X1p3", "inf", "-inf", "nan", "infinity", "+0.1", " 0.1", "0.1 ", "", ".5", "5.",
                     "1e", "1e+", "--1", "1e999", "0.1\n", "١"] {
            XCTAssertNil(DecimalText.double(text), text)
            XCTAssertNil(DecimalText.float(text), text)
        }
        XCTAssertEqual(DecimalText.double("+0.5", allowsPlusSign: true), 0.5)
        XCTAssertNil(DecimalText.float("1e39"), "overflows Float")
        XCTAssertEqual(DecimalText.float("0.1"), Float(0.1))
    }

    /// `-0` names no other value than 0: read as +0 (sign bit clear), so it prints `0.0` and is a duplicate of `0`.
    func testNegativeZeroReadsAsPositiveZero() throws {
        for text in ["-0", "-0.0", "-0e5", "-000.000E-3"] {
            let d = try XCTUnwrap(DecimalText.double(text), text), f = try XCTUnwrap(DecimalText.float(text), text)
            XCTAssertEqual(d.sign, .plus, text)
            XCTAssertEqual(f.sign, .plus, text)
            XCTAssertEqual("\(f)", "0.0", text)
        }
    }

    /// A nonzero decimal that rounds to 0 (or to infinity) in the type read is refused, never read as 0, and
    /// `rangeFault` says why for the message that echoes the typed text.
    func testUnderflowAndOverflowAreRefusedWithTheirReason() {
        XCTAssertNil(DecimalText.float("1e-50"))
        XCTAssertNil(DecimalText.float("-1e-46"))
        XCTAssertEqual(DecimalText.double("1e-50"), 1e-50, "a Double holds it")
        XCTAssertNil(DecimalText.double("1e-400"))
        XCTAssertEqual(DecimalText.float("1e-45"), Float.leastNonzeroMagnitude, "the smallest subnormal is kept")
        XCTAssertEqual(DecimalText.float("0e-50"), 0, "a zero is a zero at any exponent")
        XCTAssertEqual(DecimalText.rangeFault("1e-50", asFloat: true), "(too small for a 32-bit float: it rounds to 0)")
        XCTAssertEqual(DecimalText.rangeFault("1e39", asFloat: true), "(too large for a 32-bit float)")
        XCTAssertEqual(DecimalText.rangeFault("1e-400", asFloat: false), "(too small for a 64-bit float: it rounds to 0)")
        XCTAssertNil(DecimalText.rangeFault("0.1", asFloat: true))
        XCTAssertNil(DecimalText.rangeFault("0x1", asFloat: true), "outside the grammar: no range to speak of")
    }

    /// The whole-number grammar: digits with an optional '-', nothing else (`+5`, spaces, `1e3` refused).
    func testWholeNumbers() {
        XCTAssertEqual(WholeNumberText.integer("5", as: Int.self), 5)
        XCTAssertEqual(WholeNumberText.integer("-5", as: Int.self), -5)
        XCTAssertEqual(WholeNumberText.integer("007", as: Int.self), 7)
        for text in ["+5", " 5", "5 ", "", "-", "1e3", "2.0", "0x10", "--5", "١"] {
            XCTAssertNil(WholeNumberText.integer(text, as: Int.self), text)
        }
        XCTAssertNil(WholeNumberText.integer("-1", as: UInt64.self), "out of an unsigned range")
        XCTAssertNil(WholeNumberText.integer("99999999999999999999", as: Int.self))
        XCTAssertTrue(WholeNumberText.isWhole("12", allowsMinus: false))
        XCTAssertFalse(WholeNumberText.isWhole("-12", allowsMinus: false))
    }
}

/// Every CSV the tools write goes through `CSVWriter` (RFC 4180 quoting).
final class CSVWriterTests: XCTestCase {
    func testQuotesFieldsWithCommasQuotesAndLineBreaks() throws {
        XCTAssertEqual(CSVWriter.row(["a,b\"c.ckpt", "1", "plain", "x\ny", "cr\r", "", "\"", "é ü"]),
                       "\"a,b\"\"c.ckpt\",1,plain,\"x\ny\",\"cr\r\",,\"\"\"\",é ü\n")
        XCTAssertEqual(CSVWriter.row(["a\r\nb"]), "\"a\r\nb\"\n")
        // Spaces at either end are quoted, so the RFC 4180 reader (which refuses them unquoted) reads them back.
        XCTAssertEqual(CSVWriter.row([" a", "b\t", "c d"]), "\" a\",\"b\t\",c d\n")
        let fields = ["a,b\"c.ckpt", " x ", "", "\"", "l1\r\nl2", "é ü", "\t"]
        let table = try CSVTable.parse(Data((CSVWriter.row(fields) + CSVWriter.row(["1"])).utf8), path: "t.csv")
        XCTAssertEqual(table.records.map(\.fields), [fields, ["1"]])
        XCTAssertEqual(table.records.map(\.line), [1, 3])
    }
}

/// StrictJSON's messages for JSON that is valid but of the wrong shape, and a byte order mark.
final class StrictJSONShapeTests: XCTestCase {
    private struct Counts: Codable, Equatable { var steps: Int; var inner: Inner? }
    private struct Inner: Codable, Equatable { var sizes: [Int] }

    private func reason(_ text: String) -> String {
        do {
            _ = try StrictJSON.decode(Counts.self, from: Data(text.utf8))
            return "decoded"
        } catch {
            return "\(error)"
        }
    }

    func testNamesTheFieldOfANumberItsTypeCannotHold() {
        XCTAssertEqual(reason(#"{"steps": 3.5}"#), "field \"steps\" is 3.5, which it cannot hold; expected a whole number")
        XCTAssertEqual(reason(#"{"steps": 1, "inner": {"sizes": [1, 1e40]}}"#),
                       "field \"inner.sizes[1]\" is 1e40, which it cannot hold; expected a whole number from "
                       + "-9223372036854775808 to 9223372036854775807")
    }

    private struct Record: Codable, Equatable {
        var seed: UInt64?; var epsilon: Float?; var scale: Double?; var small: Int32?; var steps: Int?
    }

    private func recordReason(_ text: String) -> String {
        do { return "decoded \(try StrictJSON.decode(Record.self, from: Data(text.utf8)))" } catch { return "\(error)" }
    }

    /// Trust22b: `"seed": -1` said "field the top level: The given data was not valid JSON." and `"epsilonTrain":
    /// 1e300` "expected a whole number". Each names the field and the cause: the range of the field's type.
    func testNamesTheCauseOfANumberItsFieldCannotHold() {
        XCTAssertEqual(recordReason(#"{"seed": -1}"#),
                       "field \"seed\" is -1, which it cannot hold; expected a whole number from 0 to 18446744073709551615")
        XCTAssertEqual(recordReason(#"{"epsilon": 1e300}"#), "field \"epsilon\" is 1e300, which it cannot hold; expected "
                       + "a number within the range of a 32-bit float (magnitude at most about 3.4e38)")
        XCTAssertEqual(recordReason(#"{"scale": 1e400}"#), "field \"scale\" is 1e400, which it cannot hold; expected "
                       + "a number within the range of a 64-bit float (magnitude at most about 1.8e308)")
        XCTAssertEqual(recordReason(#"{"small": 2147483648}"#), "field \"small\" is 2147483648, which it cannot hold; "
                       + "expected a whole number from -2147483648 to 2147483647")
        XCTAssertEqual(recordReason(#"{"seed": 0.5}"#), "field \"seed\" is 0.5, which it cannot hold; expected a whole number")
        // Two numbers that do not fit: one of them is named with its cause (before: "the top level").
        XCTAssertEqual(recordReason(#"{"seed": -1, "small": 2147483648}"#), "field \"small\" is 2147483648, which it "
                       + "cannot hold; expected a whole number from -2147483648 to 2147483647")
        XCTAssertEqual(recordReason(#"{"seed": 18446744073709551615, "epsilon": 3.4e38}"#),
                       "decoded \(Record(seed: .max, epsilon: 3.4e38))")
    }

    /// Trust22b: one rule for whole numbers in every JSON file the tools read (as for whole-number flags): digits
    /// only. settings.json took `"steps": 10.0` while a model file refused `"units": 10.0`.
    func testWholeNumberFieldsTakeDigitsOnly() {
        for (text, shown) in [("10.0", "10.0"), ("1e1", "1e1"), ("1E+1", "1E+1"), ("-0.0", "-0.0")] {
            let expected = "field \"steps\" is \(shown): a whole-number field takes digits only; write "
                + (shown == "-0.0" ? "0" : "10")
            XCTAssertEqual(recordReason(#"{"steps": "# + text + "}"), expected)
        }
        XCTAssertEqual(recordReason(#"{"steps": 10, "epsilon": 1.0, "scale": 2e3}"#),
                       "decoded \(Record(epsilon: 1, scale: 2000, steps: 10))")
        XCTAssertEqual(StrictJSON.wholeNumberSpelling(Record.self, in: Data(#"{"seed": 3.0}"#.utf8)),
                       "field \"seed\" is 3.0: a whole-number field takes digits only; write 3")
        XCTAssertNil(StrictJSON.wholeNumberSpelling(Record.self, in: Data(#"{"seed": 3, "scale": 3.0}"#.utf8)))
    }

    /// Trust22b: unknown keys are refused at every level (the manifest reads its top level with this).
    func testTopLevelKeysAndUnknownFieldsAtEveryLevel() {
        XCTAssertEqual(StrictJSON.topLevelKeys(Data(#"{"figures": [], "extra": {"a": 1}}"#.utf8)), ["figures", "extra"])
        XCTAssertEqual(StrictJSON.topLevelKeys(Data("[1]".utf8)), [])
        XCTAssertEqual(reason(#"{"steps": 1, "extra": 1}"#), "unknown field \"extra\"")
        XCTAssertEqual(reason(#"{"steps": 1, "inner": {"sizes": [], "extra": 1}}"#), "unknown field \"inner.extra\"")
    }

    func testTopLevelOfTheWrongKindAndByteOrderMark() throws {
        XCTAssertEqual(reason("[1]"), "expected a JSON object at the top level, got an array")
        XCTAssertEqual(reason("\"x\""), "expected a JSON object at the top level, got a string")
        let withMark = Data([0xEF, 0xBB, 0xBF]) + Data(#"{"steps": 2}"#.utf8)
        XCTAssertEqual(try StrictJSON.decode(Counts.self, from: withMark), Counts(steps: 2, inner: nil))
    }
}

/// `FileKind` calls text only printable ASCII (with tab, LF, CR) or UTF-8.
final class FileKindTextTests: XCTestCase {
    func testBytesAboveASCIIThatAreNotUTF8AreNotText() {
        XCTAssertEqual(FileKind.identify([0x0A, 0xFF]), .unknown)
        XCTAssertEqual(FileKind.identify([0x0A, 0xFF, 0x41, 0x42]), .unknown)
        XCTAssertEqual(FileKind.identify(Array("héllo\n".utf8)), .text)
        XCTAssertEqual(FileKind.identify(Array("(assert (<= X_0 1))\n".utf8)), .text)
    }
}

/// Trust22b: Foundation's errors are said in words, never as "Error Domain=NSCocoaErrorDomain Code=259 ...".
final class FoundationErrorTextTests: XCTestCase {
    func testFoundationErrorsAreSaidInWords() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("errtext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = folder.appendingPathComponent("latin1.txt")
        try Data([0x61, 0xFF, 0x0A]).write(to: latin1)
        XCTAssertThrowsError(try String(contentsOf: latin1, encoding: .utf8)) {
            XCTAssertTrue(FileText.isFoundationError($0))
            XCTAssertEqual(FileText.reason($0), "damaged, or not UTF-8 text")
        }
        XCTAssertThrowsError(try String(contentsOf: folder.appendingPathComponent("none"), encoding: .utf8)) {
            XCTAssertEqual(FileText.reason($0), "no such file")
        }
        XCTAssertEqual(FileText.reason(POSIXError(.EACCES)), "permission denied")
        struct Own: Error, CustomStringConvertible { var description: String { "a.json: bad\nsecond line" } }
        XCTAssertFalse(FileText.isFoundationError(Own()))
        XCTAssertEqual(FileText.reason(Own()), "a.json: bad second line")
    }
}
