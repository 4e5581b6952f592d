import Foundation
import XCTest

/// The README's library example is real code: each line of its Swift block is a line of
/// `Examples/UseIBP/Sources/UseIBP/main.swift`, which this package builds (`use-ibp-example`), and running it prints
/// the line the README quotes. (The example once stopped compiling when `Evaluator.evaluate` began to throw, and
/// nothing noticed: no build compiled it.)
final class ReadmeExampleTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The README's section on the library, from its heading to the next.
    private func section() throws -> String {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "## Using the library from another Swift package"))
        let rest = readme[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    func testReadmeLinesAreTheExamplesLines() throws {
        let blocks = try section().components(separatedBy: "```swift\n").dropFirst()
            .map { $0.components(separatedBy: "```").first ?? "" }
        let code = try XCTUnwrap(blocks.first { $0.contains("import IBP") }, "no Swift block imports IBP")
        let example = try String(contentsOf: root.appendingPathComponent("Examples/UseIBP/Sources/UseIBP/main.swift"),
                                 encoding: .utf8)
        let lines = Set(example.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let shown = code.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertGreaterThanOrEqual(shown.count, 4)
        for line in shown { XCTAssert(lines.contains(line), "README line not in the example: \(line)") }
    }

    func testExamplePrintsTheReadmesLine() throws {
        let quoted = try XCTUnwrap(try section().components(separatedBy: "prints `").dropFirst().first?
            .components(separatedBy: "`").first)
        try Tool.useIBPExample.requireBuilt()
        let outcome = try Tool.useIBPExample.run([], in: try TempFolder.make(for: self), timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout.trimmingCharacters(in: .newlines), quoted)
    }
}
