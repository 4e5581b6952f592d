/// A field a record fills with one of a fixed set of words (an enum with String raw values: a training method, a
/// bound method, a precision, a figure kind, ...). Decoding a word it does not know throws a `DecodingError` whose
/// text names the word and every word the field takes (`is "bf17"; expected fp32, bf16`), which `StrictJSON` puts
/// after the field's name, instead of Foundation's "Cannot initialize GEMMPrecision from invalid String value bf17",
/// which names a Swift type the user never sees.
public protocol NamedChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension NamedChoice {
    /// The word, or a `DecodingError.dataCorrupted` naming it and the words the field takes.
    public init(from decoder: Decoder) throws {
        let word = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: word) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "is \"\(FileText.shown(word))\"; expected "
                    + Self.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        self = value
    }
}
