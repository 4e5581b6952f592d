import Foundation
import XCTest
@testable import IBPFormats

/// Trust23, items 2 to 4 in the format readers: a flag's value echoed as typed (`FlagText`), paths into a model
/// file's layer list named as every message names a layer (`LayerName`), and a number too large or too small for
/// its type called so in every format (a CSV timeout, a VNNLIB numeral, JSON, `.npy` and safetensors headers),
/// never "not a positive number", "bad integer" or "not an integer". Each expected value is the correct one.
final class NumberTextTests: XCTestCase {
    override func tearDown() { FlagText.arguments = nil }

    // MARK: - FlagText

    func testAFlagsValueIsShownAsTyped() {
        FlagText.arguments = ["--timeout", "0", "--epsilon=1.50", "--limit", "00", "--decay-epochs", "1,1.0",
                              "--decay-epochs", "3", "--seed", "-0", "--", "--kappa", "2"]
        XCTAssertEqual(FlagText.show("--timeout", 0.0), "0")
        XCTAssertEqual(FlagText.show("--epsilon", Float(1.5)), "1.50")
        XCTAssertEqual(FlagText.show("--limit", 0), "00")
        XCTAssertEqual(FlagText.show("--seed", UInt64(0)), "-0")
        XCTAssertEqual(FlagText.show("--decay-epochs", items: [1.0, 1.0, 3.0], reading: { DecimalText.double($0) }),
                       ["1", "1.0", "3"])
        // Never another number: a value the typed text does not read as is shown as the value.
        XCTAssertEqual(FlagText.show("--timeout", 5.0), "5.0")
        XCTAssertEqual(FlagText.show("--epsilon", Float(0.1)), "0.1")
        // After `--` nothing is a flag; a flag not given shows the value.
        XCTAssertEqual(FlagText.show("--kappa", Float(2)), "2.0")
        FlagText.arguments = nil
        XCTAssertEqual(FlagText.show("--timeout", 0.0), "0.0", "library use: the number")
    }

    // MARK: - LayerName

    func testPathsIntoTheLayerListAreNamedAsLayers() {
        let cases: [(String, String)] = [
            ("unknown field \"layers[0].conv.pad\"", "unknown field \"pad\" of layer 1 (conv)"),
            ("missing field \"layers[2].linear.units\"", "missing field \"units\" of layer 3 (linear)"),
            ("field \"layers[1].conv.same\" is not true or false", "field \"same\" of layer 2 (conv) is not true or false"),
            ("field \"layers[11].activation\" is not a JSON object", "layer 12 (activation) is not a JSON object"),
            ("field \"layers[4]\" is not a JSON object", "layer 5 is not a JSON object"),
            ("field \"inputShape[1]\" is 28.5", "field \"inputShape[1]\" is 28.5"),
        ]
        for (reason, named) in cases { XCTAssertEqual(LayerName.namingLayers(reason), named) }
        XCTAssertEqual(LayerName.of(0, "conv 16 4x4/2 VALID"), "layer 1 (conv 16 4x4/2 VALID)")
        // An unnamed ONNX node is named by its position counted from 1 too (it was `#0`).
        var builder = ONNXBuilder(inputShape: [1, 2])
        builder.node("Relu", ["x"], ["y"])
        builder.model.graph.node[0].name = ""
        builder.model.graph.node[0].opType = ""
        XCTAssertThrowsError(try ONNXModel.parse(try builder.data(), path: "t.onnx")) {
            XCTAssert("\($0)".contains("node '#1' () has no op_type"), "\($0)")
        }
    }

    // MARK: - numbers out of range are out of range

    func testADecimalTooLargeOrTooSmallIsNamedByItsMagnitude() {
        XCTAssertEqual(DecimalText.rangeFault("1e400", asFloat: false), "(too large for a 64-bit float)")
        XCTAssertEqual(DecimalText.rangeFault("-1e400", asFloat: false), "(too large in magnitude for a 64-bit float)")
        XCTAssertEqual(DecimalText.rangeFault("-1e-50", asFloat: true), "(too small in magnitude for a 32-bit float: it rounds to 0)")
        XCTAssertEqual(DecimalText.rangeFault("+1e400", asFloat: false, allowsPlusSign: true), "(too large for a 64-bit float)")
        XCTAssertEqual(DecimalText.refusal("1e400", otherwise: "not positive"), "out of range (too large for a 64-bit float)")
        XCTAssertEqual(DecimalText.refusal("-5", otherwise: "not positive"), "not positive")
    }

    func testAnInstanceListTimeoutTooLargeIsOutOfRangeNotNonPositive() throws {
        let folder = FileManager.default.temporaryDirectory
        for (timeout, message) in [
            ("1e400", "l.csv:1: timeout 1e400 is out of range (too large for a 64-bit float)"),
            ("-1e400", "l.csv:1: timeout -1e400 is out of range (too large in magnitude for a 64-bit float)"),
            ("1e-400", "l.csv:1: timeout 1e-400 is out of range (too small for a 64-bit float: it rounds to 0)"),
            ("-5", "l.csv:1: timeout -5 is not a positive number of seconds"),
            ("soon", "l.csv:1: timeout soon is not a decimal number of seconds (such as 300)"),
        ] {
            let table = try CSVTable.parse(Data("a.onnx,p.vnnlib,\(timeout)\n".utf8), path: "l.csv")
            XCTAssertThrowsError(try InstanceList.instances(table, path: "l.csv", folder: folder)) {
                XCTAssertEqual("\($0)", message)
            }
        }
    }

    func testAVNNLIBNumeralTooLargeIsOutOfRange() {
        let head = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n"
        for (numeral, why) in [("1e400", "(too large for a 64-bit float)"), ("-1e400", "(too large in magnitude for a 64-bit float)"),
                               ("+1e400", "(too large for a 64-bit float)"), ("1e-400", "(too small for a 64-bit float: it rounds to 0)")] {
            XCTAssertThrowsError(try VNNLIB.parse(text: head + "(assert (<= X_0 \(numeral)))\n(assert (>= Y_0 0))", path: "p")) {
                XCTAssertEqual("\($0)", "p:4:17: the number '\(numeral)' is out of range \(why)")
            }
        }
    }

    func testAJSONFloatThatRoundsToZeroIsTooSmallNotOverAMagnitude() {
        struct Record: Codable { var epsilon: Float? }
        XCTAssertThrowsError(try StrictJSON.decode(Record.self, from: Data(#"{"epsilon": 1e-50}"#.utf8))) {
            XCTAssertEqual("\($0)", "field \"epsilon\" is 1e-50, which it cannot hold; expected a number a 32-bit float can "
                           + "hold (too small for a 32-bit float: it rounds to 0)")
        }
    }

    func testHeaderSizesOutOfRangeAreNamedWithTheirValue() throws {
        func npy(_ shape: String) -> Data {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
            return Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.utf8.count), 0]) + Data(header.utf8) + Data(count: 16)
        }
        XCTAssertThrowsError(try NPY.parse(npy("(99999999999999999999999,)"))) {
            XCTAssert("\($0)".contains("integer '99999999999999999999999' is out of the range of a 64-bit integer"), "\($0)")
        }
        XCTAssertThrowsError(try NPY.parse(npy("(-4,)"))) {
            XCTAssert("\($0)".contains("the header's 'shape' holds the negative size -4; expected sizes of 0 or more"), "\($0)")
        }
        func safetensors(_ entry: String) -> Data {
            let header = Data("{\"w\": {\"dtype\": \"F32\", \(entry)}}".utf8)
            var length = UInt64(header.count).littleEndian
            return Data(bytes: &length, count: 8) + header + Data(count: 16)
        }
        for (entry, why) in [
            ("\"shape\": [99999999999999999999999], \"data_offsets\": [0, 16]",
             "shape holds a value that is 99999999999999999999999, too large (at most 9223372036854775807)"),
            ("\"shape\": [-4], \"data_offsets\": [0, 16]", "shape holds a value that is -4, negative"),
            ("\"shape\": [4], \"data_offsets\": [-16, 0]", "data_offsets holds a value that is -16, negative"),
            ("\"shape\": [1e400], \"data_offsets\": [0, 16]", "shape holds a value that is 1e400, not a whole number (digits only)"),
        ] {
            XCTAssertThrowsError(try Safetensors.parse(safetensors(entry), path: "s")) {
                XCTAssert("\($0)".contains("tensor w: \(why); expected whole numbers from 0 to 2^63 - 1"), "\($0)")
            }
        }
    }

    func testAnExistingFileIsToldToHoldAModelByItsContent() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kind-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x08, 0x07, 0x12, 0x07] + Array("pytorch".utf8)).write(to: url)
        XCTAssertEqual(FileKind.ofFile(atPath: url.path), .onnx)
        XCTAssertTrue(FileKind.ofFile(atPath: url.path).holdsModel)
        try Data("label,prediction\n".utf8).write(to: url)
        XCTAssertFalse(FileKind.ofFile(atPath: url.path).holdsModel)
        XCTAssertEqual(FileKind.ofFile(atPath: url.path + "-missing"), .unknown)
        XCTAssertEqual(FileKind.ofFile(atPath: FileManager.default.temporaryDirectory.path), .unknown, "a folder")
    }
}
