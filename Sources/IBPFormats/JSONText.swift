import Foundation

/// JSON text of a Foundation-style value tree with every number in its shortest round-trip form:
/// `JSONSerialization` widens a `Float` to `Double` and prints `0.10000000149011612` for eps 0.1;
/// here a `Float` prints as `0.1` (the shortest decimal that reads back to the same float32) and a `Double`
/// as the shortest that reads back to the same double. Keys are sorted by their UTF-8 bytes, so equal values
/// give equal text.
///
/// Accepted values: `[String: Any]`, `[Any]`, `String`, `Bool`, the integer types, `Float`, `Double`, `NSNumber`
/// (from `JSONSerialization`), `NSNull` and `nil`. Non-finite numbers, which JSON cannot hold, print as `null`.
public enum JSONText {
    public static func serialize(_ value: Any?) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    /// `serialize` as UTF-8 bytes.
    public static func data(_ value: Any?) -> Data { Data(serialize(value).utf8) }

    /// The shortest text that reads back as the same float32 (`0.1`, `1e-20`, `3.0`); `null` when not finite.
    public static func number(_ x: Float) -> String { x.isFinite ? x.description : "null" }

    /// The shortest text that reads back as the same double; `null` when not finite.
    public static func number(_ x: Double) -> String { x.isFinite ? x.description : "null" }

    private static func write(_ value: Any?, into out: inout String) {
        guard let value else { out += "null"; return }
        switch value {
        // Real NSNumber objects first: on Linux they also cast to Bool, Int and Double.
        case let v as NSNumber where type(of: value) is NSNumber.Type: out += number(v)
        case let v as String: out += JSONValue.quote(v)
        case let v as Bool: out += v ? "true" : "false"
        case let v as Float: out += number(v)
        case let v as Double: out += number(v)
        case let v as Int: out += String(v)
        case let v as Int64: out += String(v)
        case let v as Int32: out += String(v)
        case let v as UInt64: out += String(v)
        case let v as UInt32: out += String(v)
        case let v as UInt: out += String(v)
        case is NSNull: out += "null"
        case let v as [String: Any]:
            out += "{"
            for (i, key) in v.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
                if i > 0 { out += "," }
                out += JSONValue.quote(key) + ":"
                write(v[key]!, into: &out)
            }
            out += "}"
        case let v as [Any]:
            out += "["
            for (i, item) in v.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case let v as [Any?]:
            write(v.map { $0 ?? NSNull() } as [Any], into: &out)
        default:
            // Optionals wrapped in Any arrive here as Optional<T>.
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional {
                write(mirror.children.first?.value, into: &out)
            } else {
                out += JSONValue.quote("\(value)")
            }
        }
    }

    /// An `NSNumber` from `JSONSerialization`: booleans as `true`/`false`, integers exactly, floats and doubles
    /// in shortest form.
    private static func number(_ n: NSNumber) -> String {
        switch String(cString: n.objCType) {
        case "c", "B":
            // `JSONSerialization` gives booleans as char-typed numbers 0 and 1.
            let v = n.int64Value
            return v == 0 || v == 1 ? (v == 1 ? "true" : "false") : String(v)
        case "f": return number(n.floatValue)
        case "d": return number(n.doubleValue)
        case "Q": return String(n.uint64Value)
        default: return String(n.int64Value)
        }
    }
}
