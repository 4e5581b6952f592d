import Foundation
import ArgumentParser

/// One value of a list flag, which every command takes the same way: comma-separated (`--epsilon 0.1,0.3`), the
/// repeated flag (`--epsilon 0.1 --epsilon 0.3`), or both. Declare the flag as an array of these with
/// `.singleValue` parsing and read `values` (see `Array.flattened`):
///
///     @Option(name: .long, parsing: .singleValue, help: "...")
///     var epsilon: [CommaSeparated<Float>] = [CommaSeparated([0.1])]
///     ... epsilon.flattened
///
/// An empty argument (`--decay-steps ''`) is an empty list; an empty item between commas (`0.1,,0.3`) is refused.
public struct CommaSeparated<Element: ExpressibleByArgument>: ExpressibleByArgument, CustomStringConvertible {
    public let values: [Element]

    public init(_ values: [Element]) { self.values = values }

    public init?(argument: String) {
        if argument.isEmpty { values = []; return }
        var items: [Element] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, let item = Element(argument: text) else { return nil }
            items.append(item)
        }
        values = items
    }

    public var description: String { values.map { "\($0)" }.joined(separator: ",") }

    public var defaultValueDescription: String { description }
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
    var seen = Set<T>()
    for v in values where !seen.insert(v).inserted {
        throw ValidationError("\(flag) names \(v) twice; give each value once")
    }
}

/// The items of a list of names given as comma lists or the repeated flag, trimmed and lower-cased; an empty
/// argument (`--bounds ""`) gives no items, an empty item between commas (`ibp,,crown`) stays and is refused by
/// the name's parser.
public func listItems(_ arguments: [String]) -> [String] {
    arguments.flatMap { argument -> [String] in
        argument.isEmpty ? [] : argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    }
}
