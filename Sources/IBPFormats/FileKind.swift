import Foundation

/// What a file is, told from its first bytes (magic numbers), so that a reader handed the wrong kind of file can
/// say what it got ("a PNG file") instead of failing somewhere inside its own format's parser.
///
/// Only signatures that cannot be a valid file of the formats this project reads are named; anything else is
/// `.unknown` and goes to the format's own parser, whose errors then say what is wrong with it.
public enum FileKind: Equatable, Sendable {
    /// Zero bytes.
    case empty
    /// A safetensors file: an 8-byte little-endian header length N that fits the file, then `{`.
    case safetensors
    /// A zip archive (`PK\3\4`): numpy `.npz`, but also PyTorch `.pt` files and many others.
    case zip
    /// A single numpy `.npy` array (`\x93NUMPY`).
    case npy
    case png
    case jpeg
    case gif
    case pdf
    /// gzip-compressed data (`1f 8b`).
    case gzip
    case bzip2
    case xz
    case zstd
    /// HDF5 (Keras `.h5` models and others).
    case hdf5
    /// A Python pickle (protocol 2 or later; legacy `torch.save` files).
    case pickle
    /// An ONNX model: a protobuf `ModelProto` starting with its `ir_version` field.
    case onnx
    /// An MNIST IDX file (`00 00 08 0N`).
    case idx
    /// An executable (ELF).
    case elf
    /// JSON: the first non-blank character is `{` or `[` and the rest is text.
    case json
    /// Text without NUL bytes (a script, CSV, VNNLIB, ...).
    case text
    /// None of the above.
    case unknown

    /// The kind of the file whose bytes start with `prefix` (512 bytes are plenty; fewer work too).
    public static func identify(_ prefix: some Collection<UInt8>) -> FileKind {
        let b = Array(prefix.prefix(512))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            b.count >= offset + magic.count && Array(b[offset..<(offset + magic.count)]) == magic
        }
        if b.isEmpty { return .empty }
        if b.count >= 9, b[8] == UInt8(ascii: "{") {
            // The header length must leave room for the header; a text file starting `........{` has bytes
            // >= 0x20 in its top length bytes and claims petabytes.
            let n = b[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            if n >= 2 && n < 1 << 40 { return .safetensors }
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if starts([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return .npy }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x1F, 0x8B]) { return .gzip }
        if starts(Array("BZh".utf8)) { return .bzip2 }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if starts([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]) { return .hdf5 }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0x08, (1...4).contains(b[3]) { return .idx }
        // ModelProto: field 1 (ir_version, varint, 1...127 in practice), then another of its fields
        // (producer_name 0x12, producer_version 0x1a, domain 0x22, model_version 0x28, doc_string 0x32,
        // graph 0x3a, opset_import 0x42).
        if b.count >= 3, b[0] == 0x08, (1..<0x80).contains(b[1]),
           [0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42].contains(b[2]) { return .onnx }
        if b.count >= 2, b[0] == 0x80, (2...5).contains(b[1]) { return .pickle }
        // Printable ASCII (0x20-0x7E) and tab/LF/CR, or UTF-8: a byte >= 0x80 alone (`0a ff`) is not text.
        if !b.contains(0), b.allSatisfy({ (0x20..<0x7F).contains($0) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D })
            || isUTF8Text(b) {
            let first = b.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .text
        }
        return .unknown
    }

    /// Bytes without NUL that decode as UTF-8 (a cut-off final character is allowed) and hold no control
    /// characters other than tab, newline and carriage return.
    private static func isUTF8Text(_ b: [UInt8]) -> Bool {
        guard !b.contains(where: { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) else { return false }
        guard String(validating: b, as: UTF8.self) == nil else { return true }
        // A prefix may end inside a character: the cut bytes must be a lead byte and fewer continuation bytes than
        // it announces (a lone 0xFF, which no UTF-8 text holds, is not such a cut).
        for cut in 1...min(3, b.count) {
            let tail = b.suffix(cut)
            let need = (0xC2...0xDF).contains(tail.first!) ? 2 : (0xE0...0xEF).contains(tail.first!) ? 3
                : (0xF0...0xF4).contains(tail.first!) ? 4 : 0
            if need > cut, tail.dropFirst().allSatisfy({ (0x80...0xBF).contains($0) }),
               String(validating: b.dropLast(cut), as: UTF8.self) != nil { return true }
        }
        return false
    }

    /// The kind of the regular file at `path`, from its first 512 bytes; `.unknown` when it is not a regular file or
    /// cannot be read. Only a regular file is opened (a FIFO would block the open).
    public static func ofFile(atPath path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
              let handle = FileHandle(forReadingAtPath: path) else { return .unknown }
        defer { try? handle.close() }
        do {
            // nil at the end of the file: an empty file.
            return identify(try handle.read(upToCount: 512) ?? Data())
        } catch {
            return .unknown
        }
    }

    /// Whether a file of this kind holds a model (or may: a zip is how `.npz` and PyTorch models are stored, a
    /// pickle and HDF5 how `torch.save` and Keras write theirs): what no output replaces without `--force`
    /// (README, "Outputs").
    public var holdsModel: Bool {
        switch self {
        case .safetensors, .zip, .onnx, .pickle, .hdf5: return true
        default: return false
        }
    }

    /// The kind as a noun phrase for messages: "a PNG file", "an ONNX model".
    public var description: String {
        switch self {
        case .empty: return "an empty file, 0 bytes"
        case .safetensors: return "a safetensors file"
        case .zip: return "a zip archive"
        case .npy: return "a single .npy array"
        case .png: return "a PNG file"
        case .jpeg: return "a JPEG file"
        case .gif: return "a GIF file"
        case .pdf: return "a PDF file"
        case .gzip: return "a gzip file"
        case .bzip2: return "a bzip2 file"
        case .xz: return "an xz file"
        case .zstd: return "a zstd file"
        case .hdf5: return "an HDF5 file, as Keras writes"
        case .pickle: return "a Python pickle, as torch.save writes"
        case .onnx: return "an ONNX model"
        case .idx: return "an MNIST IDX file"
        case .elf: return "an executable"
        case .json: return "a JSON file"
        case .text: return "a text file"
        case .unknown: return "an unrecognised file"
        }
    }
}
