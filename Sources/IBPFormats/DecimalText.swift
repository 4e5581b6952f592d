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

    /// `text` as a finite Double, or nil when it is outside the grammar, overflows (`1e999`) or underflows to zero
    /// (`1e-400`: a nonzero text read as 0 is a silent guess). `-0` (and `-0.0`, `-0e5`) reads as +0: a minus on
    /// zero names no other value, and a -0 would print as `-0.0` and pass duplicate checks beside `0`.
    public static func double(_ text: some StringProtocol, allowsPlusSign: Bool = false) -> Double? {
        guard isDecimal(text, allowsPlusSign: allowsPlusSign), let v = Double(String(text)), v.isFinite,
              v != 0 || !hasNonzeroDigit(text) else { return nil }
        return v == 0 ? 0 : v
    }

    /// `text` as a finite Float (rounded once from the decimal text, as `Float(String)` does), or nil when it is
    /// outside the grammar, overflows Float (`1e39`) or underflows to zero in Float (`1e-50`); `-0` reads as +0.
    public static func float(_ text: some StringProtocol) -> Float? {
        guard isDecimal(text), let v = Float(String(text)), v.isFinite, v != 0 || !hasNonzeroDigit(text) else { return nil }
        return v == 0 ? 0 : v
    }

    /// Why `text` is refused as a Float (`asFloat`) or Double although it is in the grammar: "(too large for a
    /// 32-bit float)" or "(too small for a 32-bit float: it rounds to 0)"; nil when it is outside the grammar or
    /// read fine. Messages add it after the typed text, so `1e-50` is never reported as `0.0`.
    public static func rangeFault(_ text: some StringProtocol, asFloat: Bool, allowsPlusSign: Bool = false) -> String? {
        guard isDecimal(text, allowsPlusSign: allowsPlusSign) else { return nil }
        let kind = asFloat ? "32-bit float" : "64-bit float"
        let finite: Bool, zero: Bool
        if asFloat, let v = Float(String(text)) { finite = v.isFinite; zero = v == 0 }
        else if let v = Double(String(text)) { finite = v.isFinite; zero = v == 0 }
        else { return nil }
        // The magnitude is what does not fit: `-1e400` is not "too large" as a number, it is too large in magnitude.
        let magnitude = text.first == "-" ? " in magnitude" : ""
        if !finite { return "(too large\(magnitude) for a \(kind))" }
        if zero && hasNonzeroDigit(text) { return "(too small\(magnitude) for a \(kind): it rounds to 0)" }
        return nil
    }

    /// Why a number read from a file is refused, as the end of "X is ...": "out of range (too large for a 64-bit
    /// float)" for a decimal too large or too small for the type (`1e400`: it is not "not positive"), else
    /// `otherwise` (what the field takes: "not a positive number of seconds"). One wording for every file format that
    /// reads decimals (CSV timeouts, VNNLIB numerals, grids), as `FlagValueRule` words it for flags.
    public static func refusal(_ text: some StringProtocol, asFloat: Bool = false, allowsPlusSign: Bool = false,
                               otherwise: String) -> String {
        rangeFault(text, asFloat: asFloat, allowsPlusSign: allowsPlusSign).map { "out of range \($0)" } ?? otherwise
    }

    /// Whether the significand (before any exponent) has a digit other than 0.
    static func hasNonzeroDigit(_ text: some StringProtocol) -> Bool {
        for c in text.utf8 {
            if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return false }
            if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(c) { return true }
        }
        return false
    }
}
