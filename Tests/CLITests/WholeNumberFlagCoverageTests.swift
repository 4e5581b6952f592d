import Foundation
import XCTest

/// Every whole-number flag of every tool (Int or UInt64, single, optional or repeated, declared with a type or
/// only with an integer default such as `var repeats = 5`) reads its value with the one whole-number grammar
/// (`transform: wholeInt` / `wholeUInt64`, IBPFormats' WholeNumberText): argument-parser's `Int(String)` takes a
/// leading '+' (`--limit +5`), which the decimal flags refuse. The test reads the tools' sources
/// (`OptionDeclaration`; a flag given only a decimal default, `var x = 0.5`, is DecimalFlagCoverageTests'), so a
/// flag added without its transform fails here.
final class WholeNumberFlagCoverageTests: XCTestCase {
    func testEveryWholeNumberFlagUsesTheWholeNumberGrammar() throws {
        var checked = 0, missing: [String] = []
        for option in try OptionDeclaration.all()
        where ["Int", "Int?", "[Int]", "UInt64", "UInt64?", "[UInt64]"].contains(option.type) {
            checked += 1
            if !option.block.contains("transform: wholeInt") && !option.block.contains("transform: wholeUInt64") {
                missing.append("\(option.file): \(option.declaration)")
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 25, "the scan found too few whole-number flags: it no longer reads the sources")
        XCTAssertEqual(missing, [], "flags that would take '+5'")
    }
}
