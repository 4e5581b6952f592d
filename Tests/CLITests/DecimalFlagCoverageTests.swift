import Foundation
import XCTest

/// Every Float or Double flag of every tool (single or repeated, [Float]) reads its value with the one decimal grammar (`transform:
/// decimalFloat` / `decimalDouble`, IBPFormats' DecimalText): Swift's own Float(String), which argument-parser
/// uses otherwise, takes hexadecimal floats, `inf` and `nan` (a new user's `--epsilon 0x0.1` ran at 0.0625). The
/// test reads the tools' sources, so a flag added without the transform fails here, not in a user's hands.
final class DecimalFlagCoverageTests: XCTestCase {
    func testEveryFloatingPointFlagUsesTheDecimalGrammar() throws {
        let sources = Fixtures.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var checked = 0, missing: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            // Each @Option declaration: from "@Option(" to the end of the first "var NAME: TYPE" after it.
            var rest = text[...]
            while let start = rest.range(of: "@Option(") {
                guard let declaration = rest[start.upperBound...].range(of: #"var\s+\w+\s*:\s*[\w\[\]?]+"#,
                                                                         options: .regularExpression) else { break }
                let block = rest[start.lowerBound..<declaration.upperBound]
                let type = rest[declaration].split(separator: ":").last!.trimmingCharacters(in: .whitespaces)
                if ["Float", "Float?", "Double", "Double?", "[Float]", "[Double]"].contains(type) {
                    checked += 1
                    if !block.contains("transform: decimalFloat") && !block.contains("transform: decimalDouble") {
                        missing.append("\(file.lastPathComponent): \(rest[declaration])")
                    }
                }
                rest = rest[declaration.upperBound...]
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 10, "the scan found too few Float/Double flags: it no longer reads the sources")
        XCTAssertEqual(missing, [], "flags that would take 0x0.1, inf or nan")
    }
}
