import Foundation

/// The decimal grammar `-?D+(.D+)?([eE][+-]?D+)?` (D a digit 0-9), read to a finite `Double` or `Float`: the one
/// parser of every number a person types, in every tool's flags, list flags, grids and CSV fields.
///
/// Why not `Double(String)`: Swift's initialiser reads C's `strtod` grammar, which also takes hexadecimal floats
/// (`0x0.1` is 0.0625, `0x10` is 16), `inf`, `nan`, `infinity`, and a leading '+'; a user who typed `0x10` meant
/// something else, and a silent 16 is a wrong experiment, not a convenience. Whitespace is not trimmed here: a
/// value with a space (`' 0.1'`) is refused, since it usually means a shell quoting slip.
public enum DecimalText {
    /// What the grammar accepts, for messages: "a decimal number such as 0.1".
    public static let accepted = "a decimal number such as 0.1"

    /// Whether `text` is in the decimal grammar (a leading '+' only when `allowsPlusSign`, as VNNLIB's
    /// SMT-LIB numerals allow).
    public static func isDecimal(_ text: some StringProtocol, allowsPlusSign: Bool = false) -> Bool {
        let b = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "-") || (allowsPlusSign && b[i] == UInt8(ascii: "+")) { i += 1 }
        guard digits() > 0 else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == b.count
    }

    /// `text` as a finite Double, or nil when it is outside the grammar or overflows (`1e999`).
    public static func double(_ text: some StringProtocol, allowsPlusSign: Bool = false) -> Double? {
        guard isDecimal(text, allowsPlusSign: allowsPlusSign), let v = Double(String(text)), v.isFinite else { return nil }
        return v
    }

    /// `text` as a finite Float (rounded once from the decimal text, as `Float(String)` does), or nil when it is
    /// outside the grammar or overflows Float (`1e39`).
    public static func float(_ text: some StringProtocol) -> Float? {
        guard isDecimal(text), let v = Float(String(text)), v.isFinite else { return nil }
        return v
    }
}
