import Foundation

extension StrictJSON {
    /// The numbers and strings of each object in the top-level array `key` (`"figures"` of a manifest), by field,
    /// numbers as written in the file (`1e400`, `-1`, `10.0`), so that a reader can refuse a number with the
    /// field's own range before Foundation's decoder reports it by its Swift type ("from -9223372036854775808 to
    /// ..."; Foundation's `JSONSerialization` refuses the whole file for `1e400`). Empty when `data` is not JSON of
    /// that shape; an element that is not an object gives empty dictionaries.
    public static func scalarTexts(_ data: Data, inArray key: String) -> [(numbers: [String: String], strings: [String: String])] {
        guard let parsed = try? JSONParser.parse(Array(withoutByteOrderMark(data))),
              case .object(let pairs) = parsed,
              let array = pairs.first(where: { $0.key == key })?.value,
              case .array(let items) = array else { return [] }
        return items.map { item in
            guard case .object(let fields) = item else { return ([:], [:]) }
            var numbers: [String: String] = [:], strings: [String: String] = [:]
            for (name, value) in fields {
                if case .number(let text) = value { numbers[name] = text }
                if case .string(let text) = value { strings[name] = text }
            }
            return (numbers, strings)
        }
    }
}
