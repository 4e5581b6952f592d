import Foundation

/// Every `@Option` declaration in the tools' and libraries' sources, read as text: the attribute through the first
/// `var NAME: TYPE` or `var NAME = LITERAL` after it. The flag-coverage tests (`DecimalFlagCoverageTests`,
/// `WholeNumberFlagCoverageTests`) read these, so a flag added without its grammar's transform fails a test.
struct OptionDeclaration {
    /// The source file's name.
    var file: String
    /// From "@Option(" to the end of the declaration (holds the `transform:` argument when there is one).
    var block: String
    /// `var NAME: TYPE` or `var NAME = LITERAL`, as written.
    var declaration: String
    /// The declared type, or for `var x = LITERAL` the literal's: "Double" for a decimal, else "Int".
    var type: String

    static func all() throws -> [OptionDeclaration] {
        let sources = Fixtures.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        var out: [OptionDeclaration] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            var rest = text[...]
            while let start = rest.range(of: "@Option(") {
                guard let declaration = rest[start.upperBound...].range(
                    of: #"var\s+\w+\s*(:\s*[\w\[\]?<>]+|=\s*-?[0-9][0-9.eE+-]*)"#, options: .regularExpression) else { break }
                let spelt = String(rest[declaration])
                let type: String
                if let colon = spelt.firstIndex(of: ":") {
                    type = spelt[spelt.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                } else {
                    let literal = spelt.split(separator: "=").last!.trimmingCharacters(in: .whitespaces)
                    type = literal.contains(where: { ".eE".contains($0) }) ? "Double" : "Int"
                }
                out.append(OptionDeclaration(file: file.lastPathComponent,
                                             block: String(rest[start.lowerBound..<declaration.upperBound]),
                                             declaration: spelt, type: type))
                rest = rest[declaration.upperBound...]
            }
        }
        return out
    }
}
