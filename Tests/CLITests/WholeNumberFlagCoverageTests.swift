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

    /// Every Int flag declares the values it takes (`transform: wholeInt(1...64)`, `wholeInt(atLeast: 1)`), so that
    /// its refusals name its own range whatever the text (`--scale nan` was told "0 to 9223372036854775807", then
    /// `--scale 65` "1...64"). Seeds (UInt64) take their whole type.
    func testEveryIntFlagDeclaresItsOwnRange() throws {
        var checked = 0, missing: [String] = []
        for option in try OptionDeclaration.all() where ["Int", "Int?", "[Int]"].contains(option.type) {
            checked += 1
            if !option.block.contains("transform: wholeInt(") { missing.append("\(option.file): \(option.declaration)") }
        }
        XCTAssertGreaterThanOrEqual(checked, 20, "the scan found too few Int flags: it no longer reads the sources")
        XCTAssertEqual(missing, [], "Int flags whose refusals would quote the Int type's range")
    }
}
