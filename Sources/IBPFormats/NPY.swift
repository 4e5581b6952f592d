import Foundation

/// An error from parsing or writing a `.npy` array; its path names the file (for arrays inside an `.npz`:
/// `file.npz[entry.npy]`).
public typealias NPYError = FileFormatError<NPYProblem>

/// What went wrong with a `.npy` array, as a short phrase, and what to do about it.
public struct NPYProblem: TextProblem {
    public let text: String
    public let advice: String?
    /// A problem of the file's bytes (damaged, cut short, or another kind of file): the advice is to use an intact
    /// copy.
    public init(text: String) { self.init(text: text, advice: FileAdvice.intactCopy) }
    public init(text: String, advice: String?) {
        self.text = text
        self.advice = advice
    }
}

/// The numpy `.npy` format (versions 1.0, 2.0 and 3.0) for float arrays in C order.
/// Reads dtypes `<f4` and `<f8` (and big-endian `>f4`, `>f8`) and `<i4`, converting to Float; writes `<f4`, version 1.0.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads a `.npy` file; one larger than `maxBytes` is refused by its size before it is read.
    public static func read(_ url: URL, maxBytes: Int = Gzip.defaultMaxFileBytes) throws -> NDArray {
        let data = try Gzip.readRaw(url, maxBytes: maxBytes)
        return try data.withUnsafeBytes { try parse($0, path: url.path) }
    }

    /// Parses the bytes of a `.npy` file; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>") throws -> NDArray {
        try data.withUnsafeBytes { try parse($0, path: path) }
    }

    /// What a `.npy` header declares: the array's shape and element type, and where its data starts.
    public struct Header {
        public let descr: String
        public let shape: [Int]
        /// Elements (the product of `shape`, checked for overflow).
        public let count: Int
        /// Column-major data (`fortran_order`).
        public let fortran: Bool
        let itemSize: Int
        let bigEndian: Bool
        let integer: Bool
        /// Bytes before the data (magic, version, header length, header).
        public let dataStart: Int
        /// The size of the whole `.npy` file this header describes, or nil when it does not fit in an Int.
        public var fileSize: Int? {
            let (data, o1) = count.multipliedReportingOverflow(by: itemSize)
            let (total, o2) = data.addingReportingOverflow(dataStart)
            return o1 || o2 ? nil : total
        }
    }

    /// Reads the header at the start of `bytes`, which may hold only a prefix of the file (the header itself must
    /// be complete): an archive reader checks with it, before inflating an entry, that the entry's declared size
    /// is what the header needs.
    public static func header(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        func fail(_ why: String) -> NPYError { NPYError(path: path, reason: why) }
        guard !bytes.isEmpty else { throw fail("empty (0 bytes), not a .npy array") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy array (bad magic)") }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy version \(major).\(minor)")
        }
        guard minor == 0 else { throw fail("unsupported .npy version \(major).\(minor)") }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("truncated .npy header: claims \(headerLength) bytes, \(bytes.count - headerStart) present")
        }
        let dataStart = headerStart + headerLength
        let headerBytes = Array(bytes[headerStart..<dataStart])
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("unreadable .npy header")
        }
        let dict: [String: PyValue]
        do {
            var parser = PyLiteralParser(Array(header.unicodeScalars))
            dict = try parser.parseHeaderDict()
        } catch let e as PyLiteralParser.ParseError {
            throw fail("malformed .npy header (\(e.reason)): \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // numpy itself refuses any other key; a reader that skipped one would read the array one way while
        // a writer may have meant another.
        if let extra = dict.keys.sorted().first(where: { !["descr", "fortran_order", "shape"].contains($0) }) {
            throw fail("header has the unknown key '\(extra)' (a .npy header holds exactly descr, fortran_order and shape)")
        }
        guard case .string(let descr)? = dict["descr"] else { throw fail("header has no string 'descr'") }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("header has no boolean 'fortran_order'") }
        guard case .tuple(let shapeValues)? = dict["shape"] else {
            throw fail(dict["shape"] == nil ? "header has no tuple 'shape'" : "header's 'shape' is not a tuple")
        }
        var shape: [Int] = []
        var count = 1
        for v in shapeValues {
            guard case .int(let d) = v, d >= 0 else {
                let what = if case .int(let d) = v { "the negative size \(d)" } else { "an entry that is not a whole number" }
                throw fail("the header's 'shape' holds \(what); expected sizes of 0 or more")
            }
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape + [d]) is too large") }
            shape.append(d)
            count = c
        }
        let itemSize: Int, bigEndian: Bool
        var integer = false
        switch descr {
        case "<f4": (itemSize, bigEndian) = (4, false)
        case ">f4": (itemSize, bigEndian) = (4, true)
        case "<f8": (itemSize, bigEndian) = (8, false)
        case ">f8": (itemSize, bigEndian) = (8, true)
        case "<i4": (itemSize, bigEndian, integer) = (4, false, true)
        default:
            throw NPYError(path: path, problem: NPYProblem(text: "unsupported dtype '\(descr)' (only <f4, <f8 and <i4)",
                                                           advice: "save the array as float32 (numpy: a.astype('<f4'))"))
        }
        return Header(descr: descr, shape: shape, count: count, fortran: fortran, itemSize: itemSize, bigEndian: bigEndian,
                      integer: integer, dataStart: dataStart)
    }

    /// Parses the bytes of a `.npy` file; `path` names it in errors.
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NDArray {
        func fail(_ why: String) -> NPYError { NPYError(path: path, reason: why) }
        let h = try header(bytes, path: path)
        let (descr, shape, count, fortran, itemSize, bigEndian, integer, dataStart)
            = (h.descr, h.shape, h.count, h.fortran, h.itemSize, h.bigEndian, h.integer, h.dataStart)
        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow, needed == available else {
            throw fail("shape \(shape) of \(descr) needs \(overflow ? "too many" : String(needed)) data bytes but \(available) are present")
        }
        // A finite float64 beyond float32's range would become an infinity here and be reported as "a non-finite
        // value (-inf)" by the checks that follow; the file holds a number, and the line says which.
        var tooLarge: (index: Int, value: Double)?
        let values = [Float](unsafeUninitializedCapacity: count) { buf, initialized in
            let src = bytes.baseAddress! + dataStart
            if integer {
                // Labels and indices: exact as Float up to 2^24 in magnitude.
                for i in 0..<count {
                    buf[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                }
            } else if itemSize == 4 {
                for i in 0..<count {
                    let raw = src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
                    buf[i] = Float(bitPattern: bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw))
                }
            } else {
                for i in 0..<count {
                    let raw = src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                    let value = Double(bitPattern: bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw))
                    buf[i] = Float(value)
                    if tooLarge == nil, value.isFinite, !buf[i].isFinite { tooLarge = (i, value) }
                }
            }
            initialized = count
        }
        if let tooLarge {
            let array = NDArray(shape: shape, values: values)
            // The position in the array's own order (C, or Fortran for a column-major file).
            let position = fortran ? "element \(tooLarge.index) in Fortran order" : array.describe(index: tooLarge.index)
            // The text says what the values must be.
            throw NPYError(path: path, problem: NPYProblem(
                text: "holds a value too large for float32 (\(String(describing: tooLarge.value).replacingOccurrences(of: "e+", with: "e"))) "
                    + "at \(position); every value must be a finite float32 (magnitude at most about 3.4e38)", advice: nil))
        }
        return NDArray(shape: shape, values: fortran ? rowMajor(columnMajor: values, shape: shape) : values)
    }

    /// The row-major (C order) copy of values stored column-major (Fortran order) with `shape`.
    static func rowMajor(columnMajor values: [Float], shape: [Int]) -> [Float] {
        guard shape.count > 1 else { return values }
        var out = values
        var index = [Int](repeating: 0, count: shape.count)
        for position in values.indices {
            // `index` is the multi-index of row-major `position`; its column-major offset reads the value.
            var offset = 0, stride = 1
            for axis in 0..<shape.count {
                offset += index[axis] * stride
                stride *= shape[axis]
            }
            out[position] = values[offset]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }

    /// The bytes of a version 1.0 `.npy` file holding `array` as `<f4` (header padded to 64 bytes as numpy does).
    public static func encode(_ array: NDArray) -> Data {
        let shapeText: String
        switch array.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(array.shape[0]),)"
        default: shapeText = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1  // magic+version+length, header, newline
        let padded = (unpadded + 63) / 64 * 64
        header += String(repeating: " ", count: padded - unpadded) + "\n"
        var data = Data(capacity: padded + 4 * array.values.count)
        data.append(contentsOf: magic)
        data.append(contentsOf: [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        array.values.withUnsafeBufferPointer { buf in
            #if _endian(little)
            data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buf.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                            count: buf.count * 4))
            #else
            for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        return data
    }

    /// Writes `array` as a `.npy` file, atomically.
    public static func write(_ array: NDArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }
}

/// A value in a `.npy` header (a Python literal).
enum PyValue: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case tuple([PyValue])
    case list([PyValue])
    case none
}

/// Parses the Python dict literal of a `.npy` header: strings, ints, True/False/None, tuples (and lists).
struct PyLiteralParser {
    struct ParseError: Error { let reason: String }
    let s: [Unicode.Scalar]
    var i = 0
    var depth = 0

    init(_ s: [Unicode.Scalar]) { self.s = s }

    mutating func skipSpace() {
        while i < s.count, s[i] == " " || s[i] == "\n" || s[i] == "\t" || s[i] == "\r" { i += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpace()
        guard i < s.count, s[i] == c else { throw ParseError(reason: "expected '\(c)' at \(i)") }
        i += 1
    }

    mutating func peek() -> Unicode.Scalar? {
        skipSpace()
        return i < s.count ? s[i] : nil
    }

    mutating func parseHeaderDict() throws -> [String: PyValue] {
        try expect("{")
        var dict: [String: PyValue] = [:]
        while true {
            if peek() == "}" { i += 1; break }
            guard case .string(let key) = try parseValue() else { throw ParseError(reason: "dict key is not a string") }
            try expect(":")
            guard dict[key] == nil else { throw ParseError(reason: "duplicate key '\(key)'") }
            dict[key] = try parseValue()
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        guard peek() == nil else { throw ParseError(reason: "text after the dict") }
        return dict
    }

    mutating func parseValue() throws -> PyValue {
        guard let c = peek() else { throw ParseError(reason: "unexpected end") }
        switch c {
        case "'", "\"":
            i += 1
            var out = ""
            while i < s.count, s[i] != c {
                if s[i] == "\\" { throw ParseError(reason: "escapes in strings are not supported") }
                out.unicodeScalars.append(s[i])
                i += 1
            }
            guard i < s.count else { throw ParseError(reason: "unterminated string") }
            i += 1
            return .string(out)
        case "(", "[":
            let close: Unicode.Scalar = c == "(" ? ")" : "]"
            // A header may hold up to 4 GiB of '(' (version 2): recursing once per level would overflow the stack.
            depth += 1
            defer { depth -= 1 }
            guard depth <= 32 else { throw ParseError(reason: "tuples nested too deep at \(i)") }
            i += 1
            var items: [PyValue] = []
            while true {
                if peek() == close { i += 1; break }
                items.append(try parseValue())
                if peek() == "," { i += 1; continue }
                try expect(close)
                break
            }
            return c == "(" ? .tuple(items) : .list(items)
        case "0"..."9", "-":
            let start = i
            if s[i] == "-" { i += 1 }
            while i < s.count, ("0"..."9").contains(s[i]) { i += 1 }
            if i < s.count, s[i] == "L" { i += 1 }  // Python 2 long literal
            let text = String(String.UnicodeScalarView(s[start..<i])).replacingOccurrences(of: "L", with: "")
            guard let v = Int(text) else {
                // Digits that overflow are a number too large, not a malformed one.
                let why = text.contains(where: \.isNumber) ? "out of the range of a 64-bit integer" : "not a number"
                throw ParseError(reason: "integer '\(FileText.shown(text, limit: 40))' is \(why)")
            }
            return .int(v)
        default:
            for (word, value) in [("True", PyValue.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.unicodeScalars)
                if i + w.count <= s.count, Array(s[i..<(i + w.count)]) == w {
                    i += w.count
                    return value
                }
            }
            throw ParseError(reason: "unexpected character '\(c)' at \(i)")
        }
    }
}
