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
        let data = withoutByteOrderMark(data)
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
        let data = withoutByteOrderMark(data)
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
            if case .dataCorrupted(let context) = e, context.codingPath.isEmpty,
               let misfit = misfitNumber(T.self, in: parsed) {
                throw Failure(reason: misfit)
            }
            if case .typeMismatch(_, let context) = e, context.codingPath.isEmpty {
                throw Failure(reason: describe(e) + ", got \(parsed.kindName)")
            }
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

    /// `data` without a leading UTF-8 byte order mark (EF BB BF), which editors on Windows write; the VNNLIB and
    /// CSV readers skip it too. RFC 8259 section 8.1 lets a parser ignore it.
    static func withoutByteOrderMark(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
    }

    /// A step of a path into a JSON value.
    private enum Step { case key(String), index(Int) }

    /// The field whose number does not fit its type, as one phrase, or nil. Why: Foundation's `JSONDecoder` (Linux)
    /// reports a number that its field cannot hold (`3.5` or `1e40` for a whole number) as "the given data was not
    /// valid JSON" at the top level, although the text is valid JSON. Each number that is not a small whole number
    /// is replaced by 0 in turn (at most 1,000 of them) and the text decoded again; the first whose replacement
    /// clears that error is the field.
    static func misfitNumber<T: Codable>(_ type: T.Type, in parsed: JSONValue) -> String? {
        var candidates: [([Step], String)] = []
        func collect(_ v: JSONValue, _ path: [Step]) {
            guard candidates.count < 1000 else { return }
            switch v {
            case .number(let text) where Int64(text) == nil: candidates.append((path, text))
            case .object(let pairs): for (k, x) in pairs { collect(x, path + [.key(k)]) }
            case .array(let items): for (i, x) in items.enumerated() { collect(x, path + [.index(i)]) }
            default: break
            }
        }
        collect(parsed, [])
        func replacing(_ v: JSONValue, _ path: ArraySlice<Step>) -> JSONValue {
            guard let first = path.first else { return .number("0") }
            switch (v, first) {
            case let (.object(pairs), .key(k)):
                return .object(pairs.map { $0.key == k ? ($0.key, replacing($0.value, path.dropFirst())) : $0 })
            case let (.array(items), .index(i)):
                var copy = items
                copy[i] = replacing(items[i], path.dropFirst())
                return .array(copy)
            default: return v
            }
        }
        for (path, text) in candidates {
            let edited = Data(replacing(parsed, path[...]).serialized().utf8)
            do {
                _ = try JSONDecoder().decode(T.self, from: edited)
            } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
                continue
            } catch {}
            var name = ""
            for step in path {
                switch step {
                case .key(let k): name += (name.isEmpty ? "" : ".") + k
                case .index(let i): name += "[\(i)]"
                }
            }
            return "field \"\(FileText.shown(name))\" is \(FileText.shown(text, limit: 40)), which it cannot hold; "
                + "expected a whole number (or a number within its range)"
        }
        return nil
    }

    /// The path of the first object key in `given` that `known` (the decoded value encoded again) lacks.
    static func firstUnknownField(_ given: JSONValue, known: JSONValue, path: String) -> String? {
        switch (given, known) {
        case let (.object(pairs), .object(knownPairs)):
            for (key, value) in pairs {
                let here = path.isEmpty ? key : "\(path).\(key)"
                guard let match = knownPairs.first(where: { $0.key == key }) else {
                    if value == .null { continue }
                    return "\"\(FileText.shown(here))\""
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
            return text.isEmpty ? "the top level" : "\"\(FileText.shown(text))\""
        }
        switch error {
        case let .keyNotFound(key, context):
            return "missing field \(name(context.codingPath + [key]))"
        case let .typeMismatch(type, context):
            if context.codingPath.isEmpty { return "expected \(article(type)) at the top level" }
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
        // Foundation names JSON's containers by their Swift types: say what the file must hold instead.
        if n.hasPrefix("Dictionary<") { return "a JSON object" }
        if n.hasPrefix("Array<") { return "a JSON array" }
        return (n.first.map { "AEIOU".contains($0) } ?? false ? "an " : "a ") + n
    }
}
