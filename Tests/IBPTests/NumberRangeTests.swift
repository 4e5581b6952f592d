import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Trust23, item 4 in the files the library reads: a number too large or too small for its field is called so,
/// with its text as written and the field's range; never "must be a whole number" for a 23-digit whole number,
/// "too large" for a negative one, or "not a non-negative integer" for a 20-digit count. A manifest counts its
/// figures from 1, as its progress lines do. Each expected value is the correct one.
final class NumberRangeTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ranges-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func manifestError(_ fields: String) throws -> String {
        let url = dir.appendingPathComponent("m.json")
        try Data("{\"figures\": [{\"output\": \"a.png\", \"models\": [\"x.ckpt\"], \"kind\": \"methods\"}, {\"output\": \"b.png\", \"models\": [\"x.ckpt\"], \"kind\": \"methods\", \(fields)}]}".utf8).write(to: url)
        do {
            _ = try FigureManifest.load(url)
            return "loaded"
        } catch let e as ManifestError {
            return String(e.message.dropFirst(url.path.count + 2))
        }
    }

    func testManifestNumbersOutOfRangeAreNamedAsSuch() throws {
        let cases: [(String, String)] = [
            ("\"sample\": 99999999999999999999999", "figure 2 (b.png): 'sample' takes a whole number, 0 or more, got 99999999999999999999999 (too large for a 64-bit integer)"),
            ("\"sample\": -99999999999999999999999", "figure 2 (b.png): 'sample' takes a whole number, 0 or more, got -99999999999999999999999 (out of range)"),
            ("\"sample\": 1e400", "figure 2 (b.png): 'sample' takes a whole number, 0 or more, got 1e400 (digits only, no exponent or decimal point)"),
            ("\"seed\": 99999999999999999999", "figure 2 (b.png): 'seed' takes a whole number from 0 to 18446744073709551615, got 99999999999999999999 (out of range)"),
            ("\"seed\": 1e30", "figure 2 (b.png): 'seed' takes a whole number from 0 to 18446744073709551615, got 1e30 (digits only, no exponent or decimal point)"),
            ("\"sample\": 1.5", "figure 2 (b.png): 'sample' takes a whole number, 0 or more, got 1.5 (digits only, no exponent or decimal point)"),
            ("\"sample\": 1.0", "figure 2 (b.png): 'sample' takes a whole number, 0 or more, got 1.0 (digits only, no exponent or decimal point)"),
            ("\"seed\": -1", "figure 2 (b.png): 'seed' takes a whole number from 0 to 18446744073709551615, got -1 (out of range)"),
            ("\"epsilon\": 1e-50", "figure 2: field \"epsilon\" is 1e-50, which it cannot hold; expected a number a 32-bit float can "
                + "hold (too small for a 32-bit float: it rounds to 0)"),
            ("\"epsilon\": 1.5", "figure 2 (b.png): epsilon must be in [0, 1]"),
            // The options' checks name the manifest's field, not the command line's flag.
            ("\"scale\": 0", "figure 2 (b.png): 'scale' takes a whole number from 1 to 64, got 0 (out of range)"),
        ]
        for (fields, message) in cases { XCTAssertEqual(try manifestError(fields), message, fields) }
    }

    func testACheckpointCountTooLongIsTooLargeNotNegative() throws {
        let good = dir.appendingPathComponent("tiny.ckpt")
        try Checkpoint(network: Network(Architecture.named("tiny")!), step: 1).save(to: good)
        for (step, reason) in [("99999999999999999999", "step in metadata is \"99999999999999999999\", too large (at most 18 digits)"),
                               ("-1", "step in metadata is \"-1\", not a non-negative whole number (digits only)")] {
            var file = try Safetensors.read(good)
            file.metadata["step"] = step
            let url = dir.appendingPathComponent("step.ckpt")
            try Safetensors.encode(tensors: file.order.map { ($0, file.tensors[$0]!) }, metadata: file.metadata).write(to: url)
            XCTAssertThrowsError(try Checkpoint.load(url)) { XCTAssertEqual(($0 as? CheckpointError)?.reason, reason) }
        }
    }

    func testSampleListsAndGridsOutOfRangeAreNamedAsSuch() {
        for (text, message) in [
            ("0-99999999999999999999", "--samples: '0-99999999999999999999': 99999999999999999999 is out of range (at most 9223372036854775807)"),
            ("99999999999999999999", "--samples: '99999999999999999999': 99999999999999999999 is out of range (at most 9223372036854775807)"),
            ("-1", "--samples: '-1' is not an index or a range like 0-9 (indices start at 0)"),
        ] {
            XCTAssertThrowsError(try FigureLists.samples(text)) { XCTAssertEqual("\($0)", message) }
        }
        XCTAssertThrowsError(try FigureLists.epsilons("0:1e400:0.1")) {
            XCTAssertEqual("\($0)", "--epsilons: '0:1e400:0.1' is not a grid start:stop:step inside [0, 1] with step > 0; "
                           + "'1e400' is out of range (too large for a 64-bit float)")
        }
        // The step and start as typed.
        XCTAssertThrowsError(try FigureLists.epsilons("0.00:0.10:0.030")) {
            XCTAssertEqual("\($0)", "--epsilons: the grid '0.00:0.10:0.030' does not reach its stop: steps of 0.030 from 0.00 "
                           + "pass 0.09 then 0.12; give a stop the step reaches exactly (or another step)")
        }
    }
}
