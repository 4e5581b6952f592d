/// A field a record fills with one of a fixed set of words (an enum with String raw values: a training method, a
/// bound method, a precision, a figure kind, ...). Decoding a word it does not know throws a `DecodingError` whose
/// text names the word and every word the field takes (`is "bf17"; expected fp32, bf16`), which `StrictJSON` puts
/// after the field's name, instead of Foundation's "Cannot initialize GEMMPrecision from invalid String value bf17",
/// which names a Swift type the user never sees.
public protocol NamedChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension NamedChoice {
    /// The word, or a `DecodingError.dataCorrupted` naming it (or what the field holds instead of a word: a number,
    /// true, false, null, a list, an object) and the words the field takes.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let word = try? container.decode(String.self) else {
            let shown: String
            if let flag = try? container.decode(Bool.self) {
                shown = flag ? "true" : "false"
            } else if let number = try? container.decode(Double.self) {
                shown = "the number " + (number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)")
            } else if container.decodeNil() {
                shown = "null"
            } else if (try? decoder.unkeyedContainer()) != nil {
                shown = "a list"
            } else {
                shown = "an object"
            }
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "is \(shown), not a word; expected " + Self.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard let value = Self(rawValue: word) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "is \"\(FileText.shown(word))\"; expected "
                    + Self.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        self = value
    }
}
