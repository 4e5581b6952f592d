import Foundation

/// The whole-number grammar `-?D+` (D a digit 0-9): the one reader of every whole number a person types (every
/// integer flag, integer list items, `--samples` ranges, `verify --shard K/N`), the counterpart of `DecimalText`.
///
/// Why not `Int(String)`: Swift's initialiser also takes a leading '+' (`+5`), which the decimal flags refuse;
/// one rule for all numbers. A '-' is part of the grammar so that `--limit -1` reaches the flag's own range check
/// ("must be >= 1, got -1"); where a '-' means something else (the range `0-2`) callers split first, and a part
/// is then digits only.
public enum WholeNumberText {
    /// What the grammar accepts, for messages.
    public static let accepted = "a whole number (digits only)"

    /// Whether `text` is digits, after one leading '-' when `allowsMinus`.
    public static func isWhole(_ text: some StringProtocol, allowsMinus: Bool) -> Bool {
        var digits = Substring(text)
        if allowsMinus, digits.first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// `text` as a `T`, or nil when it is outside the grammar or out of `T`'s range (for an unsigned `T`, any
    /// negative number is out of range).
    public static func integer<T: FixedWidthInteger>(_ text: some StringProtocol, as: T.Type = T.self) -> T? {
        guard isWhole(text, allowsMinus: true) else { return nil }
        return T(String(text))
    }
}
