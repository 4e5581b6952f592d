import Foundation
import XCTest

/// Every Float or Double flag of every tool (single or repeated, [Float]) reads its value with the one decimal grammar (`transform:
/// decimalFloat` / `decimalDouble`, IBPFormats' DecimalText): Swift's own Float(String), which argument-parser
/// uses otherwise, takes hexadecimal floats, `inf` and `nan` (a new user's `--epsilon 0x0.1` ran at 0.0625). The
/// test reads the tools' sources (`OptionDeclaration`; also a flag typed only by a decimal default, `var x = 0.5`),
/// so a flag added without the transform fails here, not in a user's hands.
final class DecimalFlagCoverageTests: XCTestCase {
    func testEveryFloatingPointFlagUsesTheDecimalGrammar() throws {
        var checked = 0, missing: [String] = []
        for option in try OptionDeclaration.all()
        where ["Float", "Float?", "Double", "Double?", "[Float]", "[Double]"].contains(option.type) {
            checked += 1
            if !option.block.contains("transform: decimalFloat") && !option.block.contains("transform: decimalDouble") {
                missing.append("\(option.file): \(option.declaration)")
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 10, "the scan found too few Float/Double flags: it no longer reads the sources")
        XCTAssertEqual(missing, [], "flags that would take 0x0.1, inf or nan")
    }
}
