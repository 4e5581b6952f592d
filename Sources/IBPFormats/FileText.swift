import Foundation

/// Text that came from a file, made safe for a one-line message: control characters (newlines, escape sequences,
/// NUL, ...) and spaces other than ' ' written as escapes, and long names cut, so a hostile name can neither break
/// the line nor drown it, and a character that looks like a space says what it is.
public enum FileText {
    /// `s` with every control character (Unicode category Cc) and every whitespace but ' ' written as `\n`, `\r`,
    /// `\t` or `\u{XX}`. Why the whitespace: U+2028 and U+2029 break the line in some terminals and editors, and
    /// were otherwise shown as a plain space (trial 35: `found ' '` for a U+2028 in a property, where NEL gave
    /// `found '\u{85}'`), as were U+00A0 and the other spaces of Unicode.
    public static func oneLine(_ s: String) -> String {
        func escaped(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.generalCategory == .control || (scalar != " " && scalar.properties.isWhitespace)
        }
        guard s.unicodeScalars.contains(where: escaped) else { return s }
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where escaped(scalar):
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A name for a message: `oneLine`, and cut to `limit` characters with the full length said.
    public static func shown(_ s: String, limit: Int = 100) -> String {
        let line = oneLine(s)
        guard line.count > limit else { return line }
        return String(line.prefix(limit)) + "... (\(s.count) characters)"
    }
}

/// A name from a file in single quotes, as messages show it (see `FileText.shown`).
func quoted(_ s: String) -> String { "'" + FileText.shown(s) + "'" }

extension FileText {
    /// `error` as a short phrase for a one-line message: Foundation's file and POSIX errors by what they mean
    /// (`not UTF-8 text`, `permission denied`, `no such file`), never Foundation's dump (`Error Domain=
    /// NSCocoaErrorDomain Code=259 "(null)" UserInfo={...}`); any other error by its own description, lines joined.
    /// The caller names the file.
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
        guard ns.domain == NSCocoaErrorDomain else { return "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ") }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileReadInapplicableStringEncoding: return "not UTF-8 text"
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        // 259 is what `String(contentsOf:encoding: .utf8)` throws for bytes that are not UTF-8.
        case .fileReadCorruptFile: return "damaged, or not UTF-8 text"
        case .fileReadTooLarge: return "too large to read"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileWriteFileExists: return "a file of that name exists"
        default:
            // Most file errors carry the POSIX error underneath: its text says what happened.
            if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(Int32(posix.code))).lowercased()
            }
            return "a file system error (Foundation code \(ns.code))"
        }
    }

    /// Whether `error` is one of Foundation's (Cocoa or POSIX domain), whose description is a dump, not a message.
    public static func isFoundationError(_ error: Error) -> Bool {
        let domain = (error as NSError).domain
        return domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain
    }
}
