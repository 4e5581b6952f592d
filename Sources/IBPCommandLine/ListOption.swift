import Foundation
import ArgumentParser
import IBPFormats

/// One value of a list flag, which every command takes the same way: comma-separated (`--epsilon 0.1,0.3`), the
/// repeated flag (`--epsilon 0.1 --epsilon 0.3`), or both. Declare the flag as an array of these with
/// `.unconditionalSingleValue` parsing (so that `--epsilon -0.1` reaches the range check instead of argument-parser's
/// "missing value", which takes "-0.1" for a flag) and read `values` (see `Array.flattened`):
///
///     @Option(name: .long, parsing: .unconditionalSingleValue, help: "...")
///     var epsilon: [CommaSeparated<Float>] = [CommaSeparated([0.1])]
///     ... epsilon.flattened
///
/// An empty argument (`--decay-steps ''`) is an empty list; an empty item (`ibp,,crown`, `ibp,`, `,0.1`) is
/// refused, as is an item that is not an `Element`: here, once for every list flag of every tool, in one line
/// that names the flag and the item (`FlagValueRule`, through `mainWithOneLineErrors`).
public struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument, CustomStringConvertible {
    public let values: [Element]

    public init(_ values: [Element]) { self.values = values }

    public init?(argument: String) {
        guard case .success(let items) = Self.parse(argument) else { return nil }
        values = items
    }

    /// The items of `argument`, trimmed and read as `Element`s, or the first fault: an empty item (its
    /// position) or an item `Element` cannot read.
    enum Fault: Error { case emptyItem(position: Int, of: Int), unreadable(String) }
    static func parse(_ argument: String) -> Result<[Element], Fault> {
        if argument.isEmpty { return .success([]) }
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        var items: [Element] = []
        for (index, part) in parts.enumerated() {
            // Numbers are read by the decimal grammar untrimmed (`' 0.1'` is refused, as for a single-value flag);
            // names are trimmed (`ibp, crown`). Whole numbers and `NumberText` (ranges, grids) likewise untrimmed.
            let number = Element.self == Float.self || Element.self == Double.self || Element.self is any FixedWidthInteger.Type
                || Element.self == NumberText.self || Element.self is any RangedWholeNumber.Type
            let text = number ? String(part) : part.trimmingCharacters(in: .whitespaces)
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                return .failure(.emptyItem(position: index, of: parts.count))
            }
            // Whole numbers by the one whole-number grammar (`+5` refused, as for a single-value flag).
            let whole = Element.self is any FixedWidthInteger.Type
            if whole && !WholeNumberText.isWhole(text, allowsMinus: true) { return .failure(.unreadable(text)) }
            let read: Element? = Element.self == Float.self ? DecimalText.float(text) as? Element
                : Element.self == Double.self ? DecimalText.double(text) as? Element : Element(argument: text)
            guard let item = read else { return .failure(.unreadable(text)) }
            items.append(item)
        }
        return .success(items)
    }

    public var description: String { values.map { "\($0)" }.joined(separator: ",") }

    public var defaultValueDescription: String { description }
}

/// An item of a list of numbers that its command parses itself (`visualize --samples 0-9`, `--epsilons
/// 0:0.3:0.1`), kept as typed: unlike a name it is not trimmed, so `--epsilons '0.1, 0.2'` reaches the decimal
/// grammar with its space and is refused, as `--epsilon '0.1, 0.2'` is.
public struct NumberText: ExpressibleByArgument, CustomStringConvertible {
    public let text: String
    public init(argument: String) { text = argument }
    public var description: String { text }
}

extension Array where Element == CommaSeparated<NumberText> {
    /// A list flag given as commas, repeated, or both (`--epsilons 0.1,0.2 --epsilons 0:0.3:0.1`), as the one text
    /// its parser (`FigureLists`) reads; nil when the flag was not given.
    public var list: String? { isEmpty ? nil : flattened().map(\.text).joined(separator: ",") }
}

extension CommaSeparated: FlagValueRule {
    public static var accepted: String {
        "values separated by single commas, each \((Element.self as? FlagValueRule.Type)?.accepted ?? "a valid value")"
    }

    public static func refusal(of text: String, flag: String) -> String {
        switch parse(text) {
        case .failure(.emptyItem(let position, let count)):
            if count == 1 { return "\(flag) '\(text)' is blank; give a value, or '' for an empty list" }
            let place = position == 0 ? "before the first comma" : (position == count - 1 ? "after the last comma"
                                                                       : "between two commas")
            return "\(flag) '\(text)' has an empty item \(place); give values separated by single commas"
        case .failure(.unreadable(let item)):
            let whole = item == text ? "" : " in '\(text)'"
            if let rule = Element.self as? FlagValueRule.Type { return rule.refusal(of: item, flag: flag) + whole }
            return "\(flag): '\(item)'\(whole) is not a valid value"
        case .success:
            return "\(flag) takes \(accepted), got '\(text)'"
        }
    }
}

extension Array {
    /// The values of a list flag given any number of times (see `CommaSeparated`).
    public func flattened<T>() -> [T] where Element == CommaSeparated<T> { flatMap(\.values) }
}

/// Checks the values of a list flag (issue 11): a list given must not be empty (`--epsilon ""`), and must not
/// name a value twice (`--epsilon 0.1,0.1`), which would repeat a column or a run without saying so; duplicates
/// are refused, not silently dropped, in every tool.
/// - Throws: `ValidationError` naming the flag and the repeated value.
public func validateList<T: Hashable>(_ values: [T], flag: String, given: Bool) throws {
    guard given else { return }
    if values.isEmpty { throw ValidationError("\(flag) is empty; give at least one value or leave the flag out") }
    // Numbers as typed (`FlagText`): `--epsilon 0.1,0.10` names 0.1 and 0.10, not "0.1 twice".
    let texts = (values as? [Float]).map { FlagText.show(flag, items: $0, reading: { DecimalText.float($0) }) }
        ?? values.map { "\($0)" }
    var seen: [T: Int] = [:]
    for (i, v) in values.enumerated() {
        if let j = seen[v] {
            let what = texts[j] == texts[i] ? "\(texts[i]) twice" : "\(texts[j]) and \(texts[i]), the same value"
            throw ValidationError("\(flag) names \(what); give each value once")
        }
        seen[v] = i
    }
}

/// The items of a list of names (`--bounds ibp,crown`, repeated or both), lower-cased: names are case-blind.
public func lowercasedNames(_ lists: [CommaSeparated<String>]) -> [String] {
    lists.flattened().map { $0.lowercased() }
}
