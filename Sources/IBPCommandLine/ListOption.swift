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
