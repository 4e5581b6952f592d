import Foundation

/// Makes Cairo's SVG output reproducible and crisp: Cairo names embedded images and surfaces after per-process
/// counters (`image36`, `surface32`), which differ with whatever the process drew before, so those ids are
/// renumbered in order of first appearance; value grids get pixelated rendering (viewers would otherwise smooth
/// a 28 x 28 digit into a blur); `metadata` goes into a `<metadata>` element after the opening `<svg>` tag.
enum SVGPostprocess {
    static func apply(_ data: Data, metadata: [(String, String)]) -> Data {
        var text = String(decoding: data, as: UTF8.self)
        text = renumber(text, prefixes: ["image", "surface"])
        text = text.replacingOccurrences(of: "<image ", with:
            "<image style=\"image-rendering:optimizeSpeed;image-rendering:pixelated\" ")
        if let tagEnd = text.range(of: "<svg")
            .flatMap({ text.range(of: ">", range: $0.upperBound..<text.endIndex) }) {
            let lines = metadata.map { "\(escape($0.0)): \(escape($0.1))" }.joined(separator: "\n")
            text.insert(contentsOf: "\n<metadata>\n\(lines)\n</metadata>", at: tagEnd.upperBound)
        }
        return Data(text.utf8)
    }

    /// Replaces `PREFIXn` inside id="...", href="#..." and url(#...) by `PREFIXk`, k counting first appearances.
    static func renumber(_ text: String, prefixes: [String]) -> String {
        let alternatives = prefixes.joined(separator: "|")
        guard let regex = try? NSRegularExpression(pattern: "(?<=[\"#])(\(alternatives))([0-9]+)(?=[\"\\)])") else {
            return text
        }
        var numbers: [String: Int] = [:]
        var counters: [String: Int] = [:]
        let source = text as NSString
        var out = ""
        var last = 0
        for match in regex.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let prefix = source.substring(with: match.range(at: 1))
            let token = source.substring(with: match.range)
            if numbers[token] == nil {
                counters[prefix, default: 0] += 1
                numbers[token] = counters[prefix]
            }
            out += source.substring(with: NSRange(location: last, length: match.range.location - last))
            out += "\(prefix)\(numbers[token]!)"
            last = match.range.location + match.range.length
        }
        out += source.substring(from: last)
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
