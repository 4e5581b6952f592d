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
        let text = withoutByteOrderMark(data)
        do {
            _ = try JSONParser.parse(Array(text))
        } catch let e as JSONParser.ParseError {
            throw syntaxFailure(data, e)
        }
    }

    /// The parser's failure on `data` as a reason; an empty file (0 bytes) is said to be empty, not "unexpected end
    /// at byte 0".
    private static func syntaxFailure(_ data: Data, _ e: JSONParser.ParseError) -> Failure {
        Failure(reason: data.isEmpty ? "empty (0 bytes), not JSON" : "not valid JSON: \(e.reason)")
    }

    /// Decodes `T` from `data`, refusing repeated keys, unknown fields and anything `JSONDecoder` refuses.
    /// A field given as `null` counts as absent (for optionals).
    /// - Throws: `Failure` whose reason names the field by its path, e.g. `layers[2].conv.padding`.
    public static func decode<T: Codable>(_ type: T.Type, from original: Data) throws -> T {
        let data = withoutByteOrderMark(original)
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(Array(data))
        } catch let e as JSONParser.ParseError {
            throw syntaxFailure(original, e)
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
            throw Failure(reason: describe(e, in: parsed))
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
        if let spelling = wholeNumberSpelling(T.self, in: parsed) { throw Failure(reason: spelling) }
        return value
    }

    /// `data` without a leading UTF-8 byte order mark (EF BB BF), which editors on Windows write; the VNNLIB and
    /// CSV readers skip it too. RFC 8259 section 8.1 lets a parser ignore it.
    static func withoutByteOrderMark(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
    }

    /// A step of a path into a JSON value.
    private enum Step { case key(String), index(Int) }

    /// The field whose number does not fit its type, as one phrase naming the field and the cause, or nil. Why:
    /// Foundation's `JSONDecoder` (Linux) reports a number that its field cannot hold (`3.5` or `1e40` for a whole
    /// number, `-1` for an unsigned one, `1e300` for a `Float`) as "the given data was not valid JSON" at the top
    /// level, although the text is valid JSON. Each number is replaced by 0 in turn (at most 1,000 of them) and the
    /// text decoded again; the first whose replacement clears that error is the field, and `cause` says what it holds.
    static func misfitNumber<T: Decodable>(_ type: T.Type, in parsed: JSONValue) -> String? {
        func misfit(_ document: JSONValue, _ path: [Step], _ text: String) -> String {
            "field \"\(FileText.shown(pathName(path)))\" is \(FileText.shown(text, limit: 40)), which it cannot hold; "
                + cause(T.self, document, at: path, text: text)
        }
        let all = numbers(in: parsed)
        for (path, text) in all where fits(T.self, parsed, replacing: path, with: "0") { return misfit(parsed, path, text) }
        // Several numbers that do not fit: replaced by 0 one after another, the number whose replacement clears the
        // error is one of them, probed with the earlier ones already replaced (so its probes meet no other misfit).
        var document = parsed
        for (path, text) in all {
            if fits(T.self, document, replacing: path, with: "0") { return misfit(document, path, text) }
            document = replacedValue(document, at: path, with: "0")
        }
        return nil
    }

    /// What the field at `path` takes, found by decoding probe values there: a float of 32 or 64 bits when a
    /// fraction decodes, else a whole number in the range of the widest integer type whose bounds both decode.
    private static func cause<T: Decodable>(_ type: T.Type, _ parsed: JSONValue, at path: [Step], text: String) -> String {
        if fits(T.self, parsed, replacing: path, with: "0.5") {
            let bits = fits(T.self, parsed, replacing: path, with: "1e39") ? "64-bit" : "32-bit"
            let limit = bits == "64-bit" ? "1.8e308" : "3.4e38"
            // A nonzero number that rounds to 0 (`1e-50` for a Float) is too small, not over a magnitude limit.
            if let fault = DecimalText.rangeFault(text, asFloat: bits == "32-bit"), fault.contains("too small") {
                return "expected a number a \(bits) float can hold \(fault)"
            }
            return "expected a number within the range of a \(bits) float (magnitude at most about \(limit))"
        }
        guard let value = Double(text), value.rounded() == value else { return "expected a whole number" }
        let ranges = [("0", "\(UInt64.max)"), ("\(Int64.min)", "\(Int64.max)"), ("0", "\(UInt32.max)"),
                      ("\(Int32.min)", "\(Int32.max)"), ("0", "\(UInt16.max)"), ("\(Int16.min)", "\(Int16.max)"),
                      ("0", "\(UInt8.max)"), ("\(Int8.min)", "\(Int8.max)")]
        for (low, high) in ranges
            where fits(T.self, parsed, replacing: path, with: low) && fits(T.self, parsed, replacing: path, with: high) {
            return "expected a whole number from \(low) to \(high)"
        }
        return "expected a whole number"
    }

    /// A whole-number field given a number that is not written as digits (`10.0`, `1e1`), as one phrase, or nil.
    /// One rule for every JSON file the tools read, as for whole-number flags (`--steps 1e3` is refused): such a
    /// field takes digits with an optional minus sign. Foundation's decoder would take `10.0` as 10, so the field's
    /// kind is found by decoding a fraction in its place: only numbers whose value is whole and whose text is not
    /// plain digits are probed (files the tools write hold none), so reading costs nothing extra.
    static func wholeNumberSpelling<T: Decodable>(_ type: T.Type, in parsed: JSONValue) -> String? {
        for (path, text) in numbers(in: parsed) where !isDigits(text) {
            guard let value = Double(text), value.isFinite, value.rounded() == value,
                  !fits(T.self, parsed, replacing: path, with: "0.5") else { continue }
            let hint = abs(value) < 9.0e15 ? "; write \(Int64(value))" : ""
            return "field \"\(FileText.shown(pathName(path)))\" is \(FileText.shown(text, limit: 40)): a whole-number "
                + "field takes digits only\(hint)"
        }
        return nil
    }

    /// `wholeNumberSpelling` for readers that decode with `JSONDecoder` themselves (the figure manifest): the
    /// first whole-number field of `T` in `data` written other than as digits, as one phrase, or nil.
    public static func wholeNumberSpelling<T: Decodable>(_ type: T.Type, in data: Data) -> String? {
        guard let parsed = try? JSONParser.parse(Array(withoutByteOrderMark(data))) else { return nil }
        return wholeNumberSpelling(T.self, in: parsed)
    }

    /// `misfitNumber` for readers that decode with `JSONDecoder` themselves: the field of `T` in `data` holding a
    /// number it cannot hold, with the cause, as one phrase, or nil.
    public static func misfitNumber<T: Decodable>(_ type: T.Type, in data: Data) -> String? {
        guard let parsed = try? JSONParser.parse(Array(withoutByteOrderMark(data))) else { return nil }
        return misfitNumber(T.self, in: parsed)
    }

    /// Every number of the JSON text `data` with its path as messages name it (`layers[2].linear.units`) and its
    /// text as written, in document order (at most 1,000); empty when `data` is not JSON.
    public static func numberFields(in data: Data) -> [(path: String, text: String)] {
        guard let parsed = try? JSONParser.parse(Array(withoutByteOrderMark(data))) else { return [] }
        return numbers(in: parsed).map { (pathName($0.0), $0.1) }
    }

    /// The keys of the top-level object of `data`, in the file's order (empty when it is not an object).
    public static func topLevelKeys(_ data: Data) -> [String] {
        guard case .object(let pairs)? = try? JSONParser.parse(Array(withoutByteOrderMark(data))) else { return [] }
        return pairs.map(\.key)
    }

    /// `-?[0-9]+`: how a whole number is written.
    static func isDigits(_ text: String) -> Bool {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        return !digits.isEmpty && digits.allSatisfy { (48...57).contains($0) }
    }

    /// Every number of `parsed` with its path, in document order (at most 1,000).
    private static func numbers(in parsed: JSONValue) -> [([Step], String)] {
        var found: [([Step], String)] = []
        func collect(_ v: JSONValue, _ path: [Step]) {
            guard found.count < 1000 else { return }
            switch v {
            case .number(let text): found.append((path, text))
            case .object(let pairs): for (k, x) in pairs { collect(x, path + [.key(k)]) }
            case .array(let items): for (i, x) in items.enumerated() { collect(x, path + [.index(i)]) }
            default: break
            }
        }
        collect(parsed, [])
        return found
    }

    /// Whether the field at `path` can hold the number `number`: `T` decodes from `parsed` with that value there, or
    /// fails for another reason than a number that does not fit (which Foundation reports as a top-level
    /// `dataCorrupted`), so a missing field elsewhere in the file does not change what the probe says.
    private static func fits<T: Decodable>(_ type: T.Type, _ parsed: JSONValue, replacing path: [Step],
                                              with number: String) -> Bool {
        do {
            _ = try JSONDecoder().decode(T.self, from: replaced(parsed, at: path, with: number))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            return false
        } catch {}
        return true
    }

    /// The text of `parsed` with the value at `path` replaced by the number `number`.
    private static func replaced(_ parsed: JSONValue, at path: [Step], with number: String) -> Data {
        Data(replacedValue(parsed, at: path, with: number).serialized().utf8)
    }

    /// `parsed` with the value at `path` replaced by the number `number`.
    private static func replacedValue(_ parsed: JSONValue, at path: [Step], with number: String) -> JSONValue {
        func replacing(_ v: JSONValue, _ path: ArraySlice<Step>) -> JSONValue {
            guard let first = path.first else { return .number(number) }
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
        return replacing(parsed, path[...])
    }

    /// `layers[2].conv.units`: a path as messages name it.
    private static func pathName(_ path: [Step]) -> String {
        var name = ""
        for step in path {
            switch step {
            case .key(let k): name += (name.isEmpty ? "" : ".") + k
            case .index(let i): name += "[\(i)]"
            }
        }
        return name
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

    /// A `DecodingError` as one phrase naming the field; with the parsed text, a field of the wrong type is shown
    /// as written (`field "seed" is the string "0", not a whole number`).
    static func describe(_ error: DecodingError, in parsed: JSONValue? = nil) -> String {
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
            if let given = parsed?.value(at: context.codingPath)?.shownForMessage {
                return "field \(name(context.codingPath)) is \(given), not \(article(type))"
            }
            return "field \(name(context.codingPath)) is not \(article(type))"
        case let .valueNotFound(type, context):
            return "field \(name(context.codingPath)) is null, expected \(article(type))"
        case let .dataCorrupted(context):
            // Foundation calls a value its field cannot hold "not valid JSON" at the top level; the text has been
            // parsed already, so say what is known instead of Foundation's sentence.
            if context.codingPath.isEmpty { return "a value does not fit its field (a number out of range?)" }
            // A `NamedChoice` already says what the field holds and takes: `field "precision" is "bf17"; ...`,
            // `field "precision" is the number 3, not a word; ...`.
            if context.debugDescription.hasPrefix("is ") {
                return "field \(name(context.codingPath)) \(context.debugDescription)"
            }
            return "field \(name(context.codingPath)): \(FileText.shown(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func article(_ type: Any.Type) -> String {
        let n = "\(type)"
        // Foundation names JSON's containers by their Swift types: say what the file must hold instead.
        if n.hasPrefix("Dictionary<") { return "a JSON object" }
        if n.hasPrefix("Array<") { return "a JSON array" }
        // And its scalars (`is not a String` named a Swift type the user never sees).
        switch n {
        case "String": return "a string (text in quotes)"
        case "Bool": return "true or false"
        case "Int", "Int32", "Int64", "UInt", "UInt32", "UInt64": return "a whole number"
        case "Float", "Double": return "a number"
        default: return (n.first.map { "AEIOU".contains($0) } ?? false ? "an " : "a ") + n
        }
    }
}
