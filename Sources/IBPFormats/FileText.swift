/// Text that came from a file, made safe for a one-line message: control characters (newlines, escape sequences,
/// NUL, ...) written as escapes, and long names cut, so a hostile name can neither break the line nor drown it.
public enum FileText {
    /// `s` with every control character (Unicode category Cc) written as `\n`, `\r`, `\t` or `\u{XX}`.
    public static func oneLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A name for a message: `oneLine`, and cut to `limit` characters with the full length said.
    public static func shown(_ s: String, limit: Int = 100) -> String {
        let line = oneLine(s)
        guard line.count > limit else { return line }
        return String(line.prefix(limit)) + "... (\(s.count) characters)"
    }
}

/// A name from a file in single quotes, as messages show it (see `FileText.shown`).
func quoted(_ s: String) -> String { "'" + FileText.shown(s) + "'" }
