import ArgumentParser
import IBPFormats

/// A whole-number flag's range of its own is said in one phrase by every refusal of the flag, whether the text is
/// not digits (`--pgd-steps 1e3`) or the number is outside the range (`--pgd-steps 10001`): a user told "0 to
/// 9223372036854775807" (the Int type's) and then "0...10000" was told two ranges.
extension WholeNumberRange {
    /// The one line for `text` given to `flag`: `--scale takes a whole number from 1 to 64, got 'nan' (digits only)`.
    public func refusal(of text: String, flag: String) -> String {
        "\(flag) takes \(accepted), got '\(text)' (\(fault(text)))"
    }
}

/// A whole-number flag's value outside its grammar or its range; `FlagValueRules.explain` says the range.
public struct NotAWholeNumberInRange: Error, CustomStringConvertible {
    public let range: WholeNumberRange
    public var description: String { range.accepted }
}

/// The transform of a whole-number flag with a range of its own (`transform: wholeInt(1...64)`): the whole-number
/// grammar, then the range, both refused with the same line naming the range.
public func wholeInt(_ range: ClosedRange<Int>) -> (String) throws -> Int {
    wholeInt(WholeNumberRange(range))
}

/// `wholeInt(_:)` for a flag bounded below only (`transform: wholeInt(atLeast: 1)`).
public func wholeInt(atLeast lower: Int) -> (String) throws -> Int {
    wholeInt(WholeNumberRange(atLeast: lower))
}

private func wholeInt(_ range: WholeNumberRange) -> (String) throws -> Int {
    { text in
        guard let value = range.value(text) else { throw NotAWholeNumberInRange(range: range) }
        return value
    }
}

/// The item of a whole-number list flag with a range of its own (`--decay-steps`: `[CommaSeparated<DecayStep>]`):
/// read untrimmed by the whole-number grammar, and refused with the flag's range, as a single-value flag is.
public protocol RangedWholeNumber: ExpressibleByArgument, FlagValueRule {
    static var range: WholeNumberRange { get }
    var value: Int { get }
    init(checked value: Int)
}

extension RangedWholeNumber {
    public init?(argument: String) {
        guard let value = Self.range.value(argument) else { return nil }
        self.init(checked: value)
    }

    public static var accepted: String { range.accepted }

    public static func refusal(of text: String, flag: String) -> String { range.refusal(of: text, flag: flag) }
}

extension Array {
    /// The numbers of a whole-number list flag given any number of times.
    public func flattened<T: RangedWholeNumber>() -> [Int] where Element == CommaSeparated<T> { flatMap(\.values).map(\.value) }
}
