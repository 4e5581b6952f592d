import CPNG
import Foundation
import IBPFormats

/// A PNG that could not be written or read; the description is one line naming the file.
public typealias PNGError = FileFormatError<PNGProblem>

/// What went wrong with a PNG file, in a few words.
public struct PNGProblem: TextProblem {
    public let text: String
    public init(text: String) { self.text = text }
}

/// Saving canvases as 8-bit RGB PNG files with tEXt metadata, and reading them back.
public enum PNGFile {
    /// Writes `canvas` to `url` atomically: readers see the old file or the complete new one, never a partial file.
    /// The same canvas and text always produce the same bytes.
    ///
    /// `text` becomes tEXt chunks in order. Keys must be 1–79 printable ASCII characters without
    /// leading or trailing spaces; values must be Latin-1 without NUL, as the PNG format requires.
    public static func write(_ canvas: Canvas, to url: URL, text: [(String, String)] = []) throws {
        let path = url.path
        guard canvas.width > 0, canvas.height > 0 else {
            throw PNGError(path: path, reason: "cannot write an empty \(canvas.width)x\(canvas.height) image")
        }
        guard canvas.width <= Int(Int32.max), canvas.height <= Int(Int32.max), text.count <= Int(Int32.max) else {
            throw PNGError(path: path, reason: "cannot write a \(canvas.width)x\(canvas.height) image (PNG holds 2^31 - 1 a side)")
        }
        let keys = try text.map { try keyBytes($0.0, path: path) }
        let values = try text.map { try valueBytes($0.1, key: $0.0, path: path) }
        do {
            try AtomicFile.write(to: url) { temp in
                try writeFile(canvas, tempPath: temp.path, keys: keys, values: values, reportedPath: path)
            }
        } catch let error as AtomicFile.WriteError {
            throw PNGError(path: error.path, reason: error.reason)
        }
    }

    /// Reads any PNG at `url`, converted to 8-bit RGB (alpha dropped, palette and grey expanded),
    /// with its text chunks. Corrupt or truncated files throw rather than crash.
    public static func read(_ url: URL) throws -> (canvas: Canvas, text: [String: String]) {
        let path = url.path
        var width: Int32 = 0, height: Int32 = 0, count: Int32 = 0
        var rgb: UnsafeMutablePointer<UInt8>?
        var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        var message = [CChar](repeating: 0, count: 512)
        let code = cpng_read_rgb(path, &width, &height, &rgb, &count, &keys, &values, &message, message.count)
        guard code == 0, let rgb else {
            throw PNGError(path: path, reason: readReason(code: code, message: message))
        }
        defer {
            cpng_free(rgb)
            cpng_free_text(count, keys, values)
        }
        let canvas = Canvas(width: Int(width), height: Int(height),
                            pixels: [UInt8](UnsafeBufferPointer(start: rgb, count: Int(width) * Int(height) * 3)))
        var text: [String: String] = [:]
        for i in 0..<Int(count) {
            guard let k = keys?[i], let v = values?[i] else { continue }
            text[latin1(k)] = latin1(v)
        }
        return (canvas, text)
    }

    private static func writeFile(_ canvas: Canvas, tempPath: String, keys: [[CChar]], values: [[CChar]],
                                  reportedPath: String) throws {
        var message = [CChar](repeating: 0, count: 512)
        let code = withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in
                canvas.pixels.withUnsafeBufferPointer { pixels in
                    cpng_write_rgb(tempPath, Int32(canvas.width), Int32(canvas.height), pixels.baseAddress,
                                   Int32(keys.count), keyPointers, valuePointers, &message, message.count)
                }
            }
        }
        guard code == 0 else {
            throw PNGError(path: reportedPath, reason: "cannot write PNG (\(string(message)))")
        }
    }

    /// Calls `body` with a C array of pointers to the NUL-terminated strings in `strings`.
    private static func withCStringArray<R>(_ strings: [[CChar]],
                                            _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        var copies = strings
        return copies.withUnsafeMutableBufferPointer { outer in
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(outer.count)
            // Each inner array is pinned only inside its own closure, so nest them recursively.
            func pin(_ i: Int) -> R {
                if i == outer.count { return pointers.withUnsafeBufferPointer { body($0.baseAddress) } }
                return outer[i].withUnsafeBufferPointer { inner in
                    pointers.append(inner.baseAddress)
                    return pin(i + 1)
                }
            }
            return pin(0)
        }
    }

    private static func keyBytes(_ key: String, path: String) throws -> [CChar] {
        let scalars = key.unicodeScalars
        guard (1...79).contains(scalars.count),
              scalars.allSatisfy({ (32...126).contains($0.value) }),
              key.first != " ", key.last != " " else {
            throw PNGError(path: path, reason: "invalid text key \"\(key)\" (need 1-79 printable ASCII characters)")
        }
        return scalars.map { CChar(bitPattern: UInt8($0.value)) } + [0]
    }

    private static func valueBytes(_ value: String, key: String, path: String) throws -> [CChar] {
        let scalars = value.unicodeScalars
        guard scalars.allSatisfy({ (1...255).contains($0.value) }) else {
            throw PNGError(path: path, reason: "text value for \"\(key)\" is not Latin-1 or contains NUL")
        }
        return scalars.map { CChar(bitPattern: UInt8($0.value)) } + [0]
    }

    private static func latin1(_ cString: UnsafePointer<CChar>) -> String {
        var scalars = String.UnicodeScalarView()
        var p = cString
        while p.pointee != 0 {
            scalars.append(Unicode.Scalar(UInt8(bitPattern: p.pointee)))
            p += 1
        }
        return String(scalars)
    }

    private static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private static func readReason(code: Int32, message: [CChar]) -> String {
        let detail = string(message)
        switch code {
        case 3, 6: return detail
        default: return "corrupt or truncated PNG (\(detail.isEmpty ? "error \(code)" : detail))"
        }
    }
}
