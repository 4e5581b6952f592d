import Foundation

/// Decodes JSON that can be read only one way: Foundation's `JSONDecoder` takes the last of repeated keys and
/// skips fields it does not know, so `{"stride": 1, "stride": 2}` or a misspelt `"kernal"` would silently give a
/// model other than the one the writer meant. Here the text must be RFC 8259 JSON without repeated keys
/// (`JSONParser`), decode to `T`, and hold no field that `T` does not encode back.
public enum StrictJSON {
    /// Why a text was refused, as one phrase (the caller names the file).
    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Checks that `data` is RFC 8259 JSON that can be read only one way (no object repeats a key), for readers
    /// that decode with `JSONDecoder` themselves (which would take the last of repeated keys).
    /// - Throws: `Failure` with the parser's reason.
    public static func checkSyntax(_ data: Data) throws {
        do {
            _ = try JSONParser.parse(Array(data))
        } catch let e as JSONParser.ParseError {
            throw Failure(reason: "not valid JSON: \(e.reason)")
        }
    }

    /// Decodes `T` from `data`, refusing repeated keys, unknown fields and anything `JSONDecoder` refuses.
    /// A field given as `null` counts as absent (for optionals).
    /// - Throws: `Failure` whose reason names the field by its path, e.g. `layers[2].conv.padding`.
    public static func decode<T: Codable>(_ type: T.Type, from data: Data) throws -> T {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(Array(data))
        } catch let e as JSONParser.ParseError {
            throw Failure(reason: "not valid JSON: \(e.reason)")
        }
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: data)
        } catch let e as DecodingError {
            throw Failure(reason: describe(e))
        }
        let encoded: JSONValue
        do {
            encoded = try JSONParser.parse(Array(try JSONEncoder().encode(value)))
        } catch {
            throw Failure(reason: "does not encode back to JSON (\(error))")
        }
        if let unknown = firstUnknownField(parsed, known: encoded, path: "") {
            throw Failure(reason: "unknown field \(unknown)")
        }
        return value
    }

    /// The path of the first object key in `given` that `known` (the decoded value encoded again) lacks.
    static func firstUnknownField(_ given: JSONValue, known: JSONValue, path: String) -> String? {
        switch (given, known) {
        case let (.object(pairs), .object(knownPairs)):
            for (key, value) in pairs {
                let here = path.isEmpty ? key : "\(path).\(key)"
                guard let match = knownPairs.first(where: { $0.key == key }) else {
                    if value == .null { continue }
                    return "\"\(here)\""
                }
                if let deeper = firstUnknownField(value, known: match.value, path: here) { return deeper }
            }
            return nil
        case let (.array(items), .array(knownItems)) where items.count == knownItems.count:
            for (i, (a, b)) in zip(items, knownItems).enumerated() {
                if let deeper = firstUnknownField(a, known: b, path: "\(path)[\(i)]") { return deeper }
            }
            return nil
        default:
            return nil
        }
    }

    /// A `DecodingError` as one phrase naming the field.
    static func describe(_ error: DecodingError) -> String {
        func name(_ path: [CodingKey]) -> String {
            var text = ""
            for key in path {
                if let i = key.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the top level" : "\"\(text)\""
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing field \(name(context.codingPath + [key]))"
        case let .typeMismatch(type, context):
            return "field \(name(context.codingPath)) is not \(article(type))"
        case let .valueNotFound(type, context):
            return "field \(name(context.codingPath)) is null, expected \(article(type))"
        case let .dataCorrupted(context):
            return "field \(name(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func article(_ type: Any.Type) -> String {
        let n = "\(type)"
        return (n.first.map { "AEIOU".contains($0) } ?? false ? "an " : "a ") + n
    }
}
