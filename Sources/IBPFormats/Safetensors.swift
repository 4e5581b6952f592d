import Foundation

/// An error from reading or writing a safetensors file.
public typealias SafetensorsError = FileFormatError<SafetensorsProblem>

/// What went wrong (see `SafetensorsError`).
public enum SafetensorsProblem: FileProblem {
    /// The file is shorter than the 8-byte header length.
    case tooShort(bytes: Int)
    /// The header length exceeds what the file (or a sane limit) holds.
    case headerTooLong(claimed: UInt64, available: Int)
    /// The header is not valid UTF-8 JSON of the expected structure.
    case malformedHeader(String)
    /// A tensor has a dtype other than F32.
    case unsupportedDtype(tensor: String, dtype: String)
    /// A tensor's shape does not match the size of its byte range.
    case sizeMismatch(tensor: String, shape: [Int], bytes: Int)
    /// A tensor's byte range lies outside the data section.
    case offsetsOutOfRange(tensor: String, begin: Int, end: Int, dataBytes: Int)
    /// Two tensors' byte ranges overlap.
    case overlap(String, String)
    /// The tensors leave part of the data section unused (a gap or unused tail).
    case notCovering(String)
    /// `__metadata__` is not an object of strings.
    case badMetadata(String)
    /// A bad argument to the writer.
    case invalidArgument(String)

    public var text: String {
        switch self {
        case .tooShort(0): return GzipProblem.empty(compressed: false).text
        case .tooShort(let n): return "not a safetensors file: \(n) bytes, shorter than the 8-byte header length"
        case let .headerTooLong(claimed, available):
            return "header length \(claimed) exceeds the \(available) bytes that follow it (the file is cut short, "
                + "or is not a safetensors file; write it again or use an intact copy)"
        case .malformedHeader(let why): return "malformed safetensors header: \(why)"
        case let .unsupportedDtype(tensor, dtype): return "tensor \(tensor) has dtype \(dtype), only F32 is supported"
        case let .sizeMismatch(tensor, shape, bytes):
            var needed = 4, overflow = false
            for d in shape where !overflow { (needed, overflow) = needed.multipliedReportingOverflow(by: d) }
            return "tensor \(tensor) of shape \(shape) needs \(overflow ? "more than 2^63" : String(needed)) bytes but its offsets span \(bytes)"
        case let .offsetsOutOfRange(tensor, begin, end, dataBytes):
            return "tensor \(tensor) data_offsets [\(begin), \(end)] lie outside the \(dataBytes)-byte data section "
                + "(the file is cut short, or its header is wrong; write it again or use an intact copy)"
        case let .overlap(a, b): return "tensors \(a) and \(b) overlap"
        case .notCovering(let why): return "tensors do not cover the data section exactly: \(why)"
        case .badMetadata(let why): return "bad __metadata__: \(why)"
        case .invalidArgument(let why): return why
        }
    }

    public var advice: String? {
        switch self {
        case .headerTooLong, .offsetsOutOfRange, .invalidArgument: return nil
        case .unsupportedDtype: return "store its tensors as float32 (F32)"
        // An empty file too: an interrupted copy leaves one.
        case .tooShort, .malformedHeader, .sizeMismatch, .overlap, .notCovering, .badMetadata:
            return "the file is damaged or not a safetensors checkpoint: use an intact copy, or save it again "
                + "(train writes checkpoints; convert makes one from the seed's Chainer .npz)"
        }
    }
}

/// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"__metadata__": {..}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..}`),
/// then the little-endian tensor data; offsets are relative to the start of the data section.
/// Only F32 tensors are supported.
public enum Safetensors {
    /// Largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000

    /// Writes `tensors` (data in the given order) and `metadata` to `url`, atomically.
    /// The JSON header has sorted keys and is padded with spaces to a multiple of 8 bytes,
    /// so identical inputs give identical bytes.
    public static func write(tensors: [(name: String, array: NDArray)], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors: tensors, metadata: metadata, path: url.path), to: url)
    }

    /// The bytes of a safetensors file (see `write`).
    public static func encode(tensors: [(name: String, array: NDArray)], metadata: [String: String] = [:],
                              path: String = "<memory>") throws -> Data {
        var entries: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        var offset = 0
        for (name, array) in tensors {
            guard name != "__metadata__", !name.isEmpty else {
                throw SafetensorsError(path: path, problem: .invalidArgument("invalid tensor name \"\(name)\""))
            }
            guard seen.insert(name).inserted else {
                throw SafetensorsError(path: path, problem: .invalidArgument("tensor name \(name) given twice"))
            }
            let bytes = array.values.count * 4
            entries.append((name, .object([
                ("dtype", .string("F32")),
                ("shape", .array(array.shape.map { .number(String($0)) })),
                ("data_offsets", .array([.number(String(offset)), .number(String(offset + bytes))])),
            ])))
            offset += bytes
        }
        if !metadata.isEmpty {
            entries.append(("__metadata__", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })))
        }
        var header = Array(JSONValue.object(entries).serialized().utf8)
        header.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8))
        var out = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for (_, array) in tensors {
            array.values.withUnsafeBufferPointer { buf in
                #if _endian(little)
                if let base = buf.baseAddress {
                    out.append(UnsafeRawPointer(base).assumingMemoryBound(to: UInt8.self), count: buf.count * 4)
                }
                #else
                for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
                #endif
            }
        }
        return out
    }

    /// Reads a safetensors file of F32 tensors.
    /// - Returns: the tensors by name, their names in data order, and the `__metadata__` strings (empty if absent).
    /// - Throws: `GzipError.fileTooLarge` for a file larger than `maxBytes`, by its size before it is read.
    public static func read(_ url: URL, maxBytes: Int = Gzip.defaultMaxFileBytes)
        throws -> (tensors: [String: NDArray], order: [String], metadata: [String: String]) {
        let data = try Gzip.readRaw(url, maxBytes: maxBytes)
        return try parse(data, path: url.path)
    }

    /// Parses the bytes of a safetensors file; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>") throws
        -> (tensors: [String: NDArray], order: [String], metadata: [String: String]) {
        try data.withUnsafeBytes { try parse($0, path: path) }
    }

    static func parse(_ file: UnsafeRawBufferPointer, path: String) throws
        -> (tensors: [String: NDArray], order: [String], metadata: [String: String]) {
        func fail(_ p: SafetensorsProblem) -> SafetensorsError { SafetensorsError(path: path, problem: p) }
        guard file.count >= 8 else { throw fail(.tooShort(bytes: file.count)) }
        let n = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(file.count - 8), n <= UInt64(maxHeaderBytes) else {
            throw fail(.headerTooLong(claimed: n, available: file.count - 8))
        }
        let headerEnd = 8 + Int(n)
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(file[8..<headerEnd]))
        } catch let e as JSONParser.ParseError {
            throw fail(.malformedHeader(e.reason))
        }
        guard case .object(let pairs) = json else { throw fail(.malformedHeader("the header is \(json.kindName), not an object")) }
        let dataBytes = file.count - headerEnd
        var metadata: [String: String] = [:]
        var infos: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in pairs {
            if name == "__metadata__" {
                guard case .object(let items) = value else { throw fail(.badMetadata("it is \(value.kindName), not an object")) }
                for (k, v) in items {
                    guard case .string(let s) = v else { throw fail(.badMetadata("value of \"\(k)\" is \(v.kindName), not a string")) }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = value else { throw fail(.malformedHeader("tensor \(name) is \(value.kindName), not an object")) }
            var dtype: String?, shape: [Int]?, offsets: [Int]?
            for (k, v) in fields {
                switch k {
                case "dtype":
                    guard case .string(let s) = v else { throw fail(.malformedHeader("tensor \(name): dtype is not a string")) }
                    dtype = s
                case "shape":
                    guard case .array(let items) = v else { throw fail(.malformedHeader("tensor \(name): shape is not an array")) }
                    shape = try items.map {
                        guard let d = $0.nonNegativeInt else {
                            throw fail(.malformedHeader("tensor \(name): shape holds a value that \($0.nonNegativeIntFault); expected whole numbers from 0 to 2^63 - 1"))
                        }
                        return d
                    }
                case "data_offsets":
                    guard case .array(let items) = v, items.count == 2 else {
                        throw fail(.malformedHeader("tensor \(name): data_offsets is not a pair"))
                    }
                    offsets = try items.map {
                        guard let d = $0.nonNegativeInt else {
                            throw fail(.malformedHeader("tensor \(name): data_offsets holds a value that \($0.nonNegativeIntFault); expected whole numbers from 0 to 2^63 - 1"))
                        }
                        return d
                    }
                default:
                    throw fail(.malformedHeader("tensor \(name): unknown field \"\(k)\""))
                }
            }
            guard let dtype, let shape, let offsets else {
                throw fail(.malformedHeader("tensor \(name) lacks dtype, shape or data_offsets"))
            }
            guard dtype == "F32" else { throw fail(.unsupportedDtype(tensor: name, dtype: dtype)) }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end, end <= dataBytes else {
                throw fail(.offsetsOutOfRange(tensor: name, begin: begin, end: end, dataBytes: dataBytes))
            }
            var count = 1
            for d in shape {
                let (c, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, c <= dataBytes else { throw fail(.sizeMismatch(tensor: name, shape: shape, bytes: end - begin)) }
                count = c
            }
            guard count * 4 == end - begin else { throw fail(.sizeMismatch(tensor: name, shape: shape, bytes: end - begin)) }
            infos.append((name, shape, begin, end))
        }
        // Sorted by position, the ranges must tile [0, dataBytes) exactly.
        infos.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for (k, t) in infos.enumerated() {
            if t.begin < position { throw fail(.overlap(infos[k - 1].name, t.name)) }
            if t.begin > position {
                throw fail(.notCovering("bytes \(position)..<\(t.begin) before tensor \(t.name) belong to no tensor"))
            }
            position = t.end
        }
        guard position == dataBytes else {
            throw fail(.notCovering("bytes \(position)..<\(dataBytes) at the end belong to no tensor"))
        }
        var tensors: [String: NDArray] = [:]
        let base = file.baseAddress! + headerEnd
        for t in infos {
            let count = (t.end - t.begin) / 4
            let values = [Float](unsafeUninitializedCapacity: count) { buf, initialized in
                for i in 0..<count {
                    let raw = base.loadUnaligned(fromByteOffset: t.begin + 4 * i, as: UInt32.self)
                    buf[i] = Float(bitPattern: UInt32(littleEndian: raw))
                }
                initialized = count
            }
            tensors[t.name] = NDArray(shape: t.shape, values: values)
        }
        return (tensors, infos.map(\.name), metadata)
    }
}
