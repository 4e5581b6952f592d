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

extension WholeNumberText {
    /// Why `text` is outside the grammar, as a phrase for messages ("digits only, no '+' sign"), or nil when it is
    /// inside it (a refused value is then out of range).
    public static func fault(_ text: some StringProtocol) -> String? {
        if isWhole(text, allowsMinus: true) { return nil }
        if text.hasPrefix("+") { return "digits only, no '+' sign" }
        if text.contains(where: { $0 == " " || $0 == "\t" }) { return "digits only, no spaces" }
        if text.contains(".") || text.contains(where: { $0 == "e" || $0 == "E" }) && text.first?.isNumber == true {
            return "digits only, no exponent or decimal point"
        }
        return "digits only"
    }
}

/// The values a whole number of one flag or field takes: its own range, not its Swift type's (`--scale` 1 to 64,
/// a manifest's `"sample"` 0 or more). Every refusal of that flag or field names this range, whether the text is
/// not digits or the number is outside it.
public struct WholeNumberRange: Sendable, Equatable {
    public let lower: Int
    /// nil: no bound of its own above (a count checked against the data later, such as `--limit`).
    public let upper: Int?

    public init(_ range: ClosedRange<Int>) { lower = range.lowerBound; upper = range.upperBound }
    public init(atLeast lower: Int) { self.lower = lower; upper = nil }

    /// "a whole number from 1 to 64", or "a whole number, 1 or more" without an upper bound.
    public var accepted: String {
        upper.map { "a whole number from \(lower) to \($0)" } ?? "a whole number, \(lower) or more"
    }

    public func contains(_ value: Int) -> Bool { value >= lower && upper.map { value <= $0 } ?? true }

    /// `text` as a number of this range, or nil.
    public func value(_ text: some StringProtocol) -> Int? {
        guard let value = WholeNumberText.integer(text, as: Int.self), contains(value) else { return nil }
        return value
    }

    /// Why `text` is refused, as a phrase: outside the grammar (`WholeNumberText.fault`), out of range, or (without
    /// an upper bound of its own) too large for an Int.
    public func fault(_ text: some StringProtocol) -> String {
        if let grammar = WholeNumberText.fault(text) { return grammar }
        let tooLarge = upper == nil && !text.hasPrefix("-") && Int(String(text)) == nil
        return tooLarge ? "too large for a 64-bit integer" : "out of range"
    }
}
