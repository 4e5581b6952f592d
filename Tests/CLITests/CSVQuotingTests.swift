import Foundation
import XCTest

/// New-user trial: `evaluate "a,b\"c.ckpt" --per-sample ps.csv` wrote the path unquoted, so the row had one field
/// too many. Every CSV the tools write quotes per RFC 4180 (`CSVWriter`); read back by a conforming reader, the
/// checkpoint column is the path given.
final class CSVQuotingTests: XCTestCase {
    func testPerSampleQuotesACheckpointPathWithACommaAndAQuote() throws {
        let folder = try TempFolder.make(for: self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 3)
        let name = "a,b\"c.ckpt"
        try Fixtures.writeCheckpoint(to: folder.appendingPathComponent(name))
        let outcome = try Tool.evaluate.run([name, "--data", data.path, "--per-sample", "ps.csv", "--pgd-steps", "0"],
                                            in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let text = try String(contentsOf: folder.appendingPathComponent("ps.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, text)
        XCTAssertTrue(lines[1].hasPrefix("\"a,b\"\"c.ckpt\",0,"), text)
        XCTAssertEqual(lines[0], "checkpoint,index,epsilon,label,prediction,pgd_robust,verified_ibp,worst_margin_ibp")
    }
}
