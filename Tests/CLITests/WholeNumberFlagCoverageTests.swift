import Foundation
import XCTest

/// Every whole-number flag of every tool (Int or UInt64, single, optional or repeated, declared with a type or
/// only with an integer default such as `var repeats = 5`) reads its value with the one whole-number grammar
/// (`transform: wholeInt` / `wholeUInt64`, IBPFormats' WholeNumberText): argument-parser's `Int(String)` takes a
/// leading '+' (`--limit +5`), which the decimal flags refuse. A flag given only a decimal default (`var x = 0.5`)
/// must use the decimal grammar (DecimalFlagCoverageTests reads only declared types). The test reads the tools'
/// sources, so a flag added without its transform fails here.
final class WholeNumberFlagCoverageTests: XCTestCase {
    func testEveryWholeNumberFlagUsesTheWholeNumberGrammar() throws {
        let sources = Fixtures.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var checked = 0, missing: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = text[...]
            while let start = rest.range(of: "@Option(") {
                // The declaration after the attribute: `var NAME: TYPE` or `var NAME = LITERAL`.
                guard let declaration = rest[start.upperBound...].range(
                    of: #"var\s+\w+\s*(:\s*[\w\[\]?<>]+|=\s*-?[0-9][0-9.eE+-]*)"#, options: .regularExpression) else { break }
                let block = rest[start.lowerBound..<declaration.upperBound]
                let spelt = String(rest[declaration])
                let type: String
                if let colon = spelt.firstIndex(of: ":") {
                    type = spelt[spelt.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                } else {
                    let literal = spelt.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)
                    type = literal.contains(where: { ".eE".contains($0) }) ? "Double" : "Int"
                }
                let whole = ["Int", "Int?", "[Int]", "UInt64", "UInt64?", "[UInt64]"]
                if whole.contains(type) {
                    checked += 1
                    if !block.contains("transform: wholeInt") && !block.contains("transform: wholeUInt64") {
                        missing.append("\(file.lastPathComponent): \(spelt)")
                    }
                } else if type == "Double", !spelt.contains(":") {
                    checked += 1
                    if !block.contains("transform: decimal") { missing.append("\(file.lastPathComponent): \(spelt)") }
                }
                rest = rest[declaration.upperBound...]
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 25, "the scan found too few whole-number flags: it no longer reads the sources")
        XCTAssertEqual(missing, [], "flags that would take '+5'")
    }
}
