import Foundation

/// An error from reading or writing an `.npz` archive.
public typealias NPZError = FileFormatError<NPZProblem>

/// What went wrong (see `NPZError`).
public enum NPZProblem: FileProblem {
    /// The zip structure is damaged, inconsistent or cut short (the text says where).
    case corrupt(String)
    /// An entry's data does not match the CRC-32 the central directory records.
    case crcMismatch(entry: String, stored: UInt32, computed: UInt32)
    /// A zip feature this reader does not handle (encryption, other compression methods, ...).
    case unsupported(String)
    /// An entry that is not a `.npy` array (the archive is some other zip, e.g. a PyTorch `.pt` file).
    case notAnArray(String)
    /// A name the caller required is not in the archive.
    case missingEntry(String)
    /// A bad argument to the writer.
    case invalidArgument(String)
    /// The file is empty (0 bytes).
    case empty

    public var text: String {
        switch self {
        case .corrupt(let why): return "corrupt .npz archive: \(why)"
        case let .crcMismatch(entry, stored, computed):
            return "CRC-32 mismatch in entry \(entry): stored \(hex(stored)), data gives \(hex(computed))"
        case .unsupported(let why): return "unsupported .npz archive: \(why)"
        case .notAnArray(let entry): return "unsupported .npz archive: entry \(entry) is not a .npy array"
        case .missingEntry(let name): return "no array named '\(name)' in the archive"
        case .invalidArgument(let why): return why
        case .empty: return GzipProblem.empty(compressed: false).text
        }
    }

    private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

    public var advice: String? {
        switch self {
        case .corrupt, .crcMismatch: return FileAdvice.intactCopy
        case .unsupported, .notAnArray:
            return "give an archive of numpy arrays as numpy.savez or numpy.savez_compressed write them"
        case .empty: return FileAdvice.emptyFile
        case .missingEntry, .invalidArgument: return nil
        }
    }
}

/// numpy `.npz` archives: zip files of `.npy` arrays, stored or deflated (`np.savez`, `np.savez_compressed`).
/// Arrays are keyed by entry name without `.npy`, e.g. `l1/W`.
public enum NPZ {
    /// Largest expansion accepted for a deflated entry (deflate cannot exceed about 1032:1).
    static let maxDeflateRatio = 1100
    /// Largest uncompressed entry accepted (256 MiB, 64 M float32 values: far beyond any model of this project);
    /// checked against the central directory before inflating.
    public static let maxEntryBytes = 256 << 20
    /// Bytes inflated first to read an entry's `.npy` header (a version 1 header is at most 65,545 bytes).
    static let npyHeaderPrefix = 70_000

    /// One entry of the central directory.
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeaderOffset: Int
        /// The name's bytes as stored, to compare with the local header's.
        var rawName: [UInt8]
    }

    /// Reads every array of an `.npz` file.
    /// - Parameters:
    ///   - url: the archive.
    ///   - required: names (without `.npy`) that must be present, else `.missingEntry` is thrown.
    ///   - skipping: names (without `.npy`) whose entries are checked (CRC) but not parsed, e.g. string metadata.
    ///   - maxBytes: a larger file is refused by its size before it is read.
    public static func read(_ url: URL, required: [String] = [], skipping: Set<String> = [],
                            maxBytes: Int = Gzip.defaultMaxFileBytes) throws -> [String: NDArray] {
        let data = try Gzip.readRaw(url, maxBytes: maxBytes)
        let arrays = try data.withUnsafeBytes { try parse($0, path: url.path, skipping: skipping) }
        for name in required where arrays[name] == nil {
            throw NPZError(path: url.path, problem: .missingEntry(name))
        }
        return arrays
    }

    /// Parses the bytes of an `.npz` archive; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>") throws -> [String: NDArray] {
        try data.withUnsafeBytes { try parse($0, path: path) }
    }

    static func parse(_ file: UnsafeRawBufferPointer, path: String, skipping: Set<String> = []) throws
        -> [String: NDArray] {
        func corrupt(_ why: String) -> NPZError { NPZError(path: path, problem: .corrupt(why)) }
        let entries = try centralDirectory(file, path: path)
        var arrays: [String: NDArray] = [:]
        // Entries must not share bytes (overlapping entries are how zip bombs and two-faced archives are built).
        var coveredUntil = 0
        for e in entries.sorted(by: { $0.localHeaderOffset < $1.localHeaderOffset }) {
            guard e.flags & 0x1 == 0 else { throw NPZError(path: path, problem: .unsupported("entry \(e.name) is encrypted")) }
            guard e.method == 0 || e.method == 8 else {
                throw NPZError(path: path, problem: .unsupported("entry \(e.name) uses compression method \(e.method)"))
            }
            // Local header: only its name and extra lengths are used (sizes may be 0xffffffff with zip64, as numpy writes).
            guard e.localHeaderOffset <= file.count - 30 else { throw corrupt("local header of \(e.name) lies outside the file") }
            guard le32(file, e.localHeaderOffset) == 0x0403_4b50 else { throw corrupt("bad local header signature for \(e.name)") }
            let localNameLength = Int(le16(file, e.localHeaderOffset + 26))
            let dataStart = e.localHeaderOffset + 30 + localNameLength + Int(le16(file, e.localHeaderOffset + 28))
            // A reader that walks the local headers (streaming unzip) and one that reads the central directory
            // must see the same archive: the same name, method and, unless sizes follow the data, CRC.
            guard e.localHeaderOffset + 30 + localNameLength <= file.count,
                  Array(file[(e.localHeaderOffset + 30)..<(e.localHeaderOffset + 30 + localNameLength)]) == e.rawName else {
                throw corrupt("the local header of \(e.name) names another entry than the central directory")
            }
            guard le16(file, e.localHeaderOffset + 8) == e.method else {
                throw corrupt("the local header of \(e.name) gives another compression method than the central directory")
            }
            if le16(file, e.localHeaderOffset + 6) & 0x8 == 0 {
                guard le32(file, e.localHeaderOffset + 14) == e.crc else {
                    throw corrupt("the local header of \(e.name) gives another CRC-32 than the central directory")
                }
            }
            guard coveredUntil <= e.localHeaderOffset else {
                throw corrupt("entry \(e.name) overlaps the data of the entry before it")
            }
            guard dataStart <= file.count, e.compressedSize <= file.count - dataStart else {
                throw corrupt("data of \(e.name) (\(e.compressedSize) bytes at \(dataStart)) runs past the end of the file (\(file.count) bytes)")
            }
            let raw = UnsafeRawBufferPointer(rebasing: file[dataStart..<(dataStart + e.compressedSize)])
            let entryPath = "\(path)[\(e.name)]"
            let contents: [UInt8]
            if e.method == 0 {
                guard e.compressedSize == e.size else { throw corrupt("stored entry \(e.name) has compressed size \(e.compressedSize) != size \(e.size)") }
                contents = Array(raw)
            } else {
                let (limit, overflow) = e.compressedSize.multipliedReportingOverflow(by: maxDeflateRatio)
                guard overflow || e.size <= limit + 64 else {
                    throw corrupt("entry \(e.name) claims \(e.size) bytes from only \(e.compressedSize) compressed bytes")
                }
                // A deflate bomb (a 1.5 MB file whose entry inflates to 1.6 GB) is refused from what the archive
                // declares, before any memory is spent on it: a hard limit per entry, and the size the entry's
                // .npy header needs. Inflating then stops at the declared size (`maxBytes`).
                guard e.size <= maxEntryBytes else {
                    throw corrupt("entry \(e.name) declares \(e.size) bytes uncompressed, over the limit of \(maxEntryBytes) bytes per entry")
                }
                if e.name.hasSuffix(".npy"), !skipping.contains(String(e.name.dropLast(4))) {
                    let prefix: [UInt8]
                    do {
                        prefix = try Gzip.inflate(raw, gzip: false, maxBytes: nil, stopAfter: min(e.size, npyHeaderPrefix),
                                                  path: entryPath)
                    } catch let g as GzipError {
                        throw corrupt("entry \(e.name): \(g.problem.text)")
                    }
                    let header = try prefix.withUnsafeBytes { try NPY.header($0, path: entryPath) }
                    guard let needed = header.fileSize, needed == e.size else {
                        throw corrupt("entry \(e.name) declares \(e.size) bytes uncompressed but its .npy header (shape "
                                      + "\(header.shape), \(header.descr)) needs \(header.fileSize.map(String.init) ?? "more than Int.max")")
                    }
                }
                do {
                    contents = try Gzip.inflate(raw, gzip: false, maxBytes: e.size, path: entryPath)
                } catch let g as GzipError {
                    throw corrupt("entry \(e.name): \(g.problem.text)")
                }
                guard contents.count == e.size else {
                    throw corrupt("entry \(e.name) inflates to \(contents.count) bytes, the directory says \(e.size)")
                }
            }
            coveredUntil = dataStart + e.compressedSize
            let crc = contents.withUnsafeBytes { Gzip.crc32($0) }
            guard crc == e.crc else { throw NPZError(path: path, problem: .crcMismatch(entry: e.name, stored: e.crc, computed: crc)) }
            if e.name.hasSuffix("/") && e.size == 0 { continue }  // a folder entry
            guard e.name.hasSuffix(".npy") else { throw NPZError(path: path, problem: .notAnArray(e.name)) }
            let key = String(e.name.dropLast(4))
            guard arrays[key] == nil else { throw corrupt("two entries named \(e.name)") }
            if skipping.contains(key) { continue }
            arrays[key] = try contents.withUnsafeBytes { try NPY.parse($0, path: entryPath) }
        }
        return arrays
    }

    /// Finds and parses the central directory (zip64 end records included), bounds-checking everything.
    static func centralDirectory(_ file: UnsafeRawBufferPointer, path: String) throws -> [Entry] {
        func corrupt(_ why: String) -> NPZError { NPZError(path: path, problem: .corrupt(why)) }
        let n = file.count
        guard n > 0 else { throw NPZError(path: path, problem: .empty) }
        guard n >= 22 else { throw corrupt("\(n) bytes is too short for a zip file") }
        // The end-of-central-directory record sits in the last 22 + 65535 bytes.
        var eocd = -1
        var p = n - 22
        while p >= max(0, n - 22 - 65535) {
            if le32(file, p) == 0x0605_4b50 && p + 22 + Int(le16(file, p + 20)) == n { eocd = p; break }
            p -= 1
        }
        guard eocd >= 0 else { throw corrupt("no end-of-central-directory record (truncated or not a zip file)") }
        var entryCount = Int(le16(file, eocd + 10))
        var cdSize = Int(le32(file, eocd + 12))
        var cdOffset = Int(le32(file, eocd + 16))
        guard le16(file, eocd + 4) == 0 || le16(file, eocd + 4) == 0xffff else {
            throw NPZError(path: path, problem: .unsupported("multi-disk zip"))
        }
        if entryCount == 0xffff || cdSize == 0xffff_ffff || cdOffset == 0xffff_ffff {
            // zip64: a locator (20 bytes) precedes the EOCD and points at the zip64 EOCD record (56 bytes).
            guard eocd >= 20, n >= 56, le32(file, eocd - 20) == 0x0706_4b50 else { throw corrupt("zip64 locator missing") }
            let z = le64(file, eocd - 20 + 8)
            guard z <= UInt64(n - 56), le32(file, Int(z)) == 0x0606_4b50 else { throw corrupt("zip64 end record missing") }
            let zi = Int(z)
            let count64 = le64(file, zi + 32), size64 = le64(file, zi + 40), offset64 = le64(file, zi + 48)
            guard count64 <= UInt64(n), size64 <= UInt64(n), offset64 <= UInt64(n) else { throw corrupt("zip64 end record sizes exceed the file") }
            (entryCount, cdSize, cdOffset) = (Int(count64), Int(size64), Int(offset64))
        }
        guard cdOffset <= n, cdSize <= n - cdOffset, cdOffset + cdSize <= eocd else {
            throw corrupt("central directory (\(cdSize) bytes at \(cdOffset)) lies outside the file (\(n) bytes)")
        }
        guard entryCount <= cdSize / 46 else { throw corrupt("\(entryCount) entries cannot fit in a \(cdSize)-byte central directory") }
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var q = cdOffset
        let cdEnd = cdOffset + cdSize
        for index in 0..<entryCount {
            guard q <= cdEnd - 46, le32(file, q) == 0x0201_4b50 else {
                throw corrupt("central directory entry \(index) of \(entryCount) is missing or damaged")
            }
            let nameLength = Int(le16(file, q + 28)), extraLength = Int(le16(file, q + 30)), commentLength = Int(le16(file, q + 32))
            let next = q + 46 + nameLength + extraLength + commentLength
            guard next <= cdEnd else { throw corrupt("central directory entry \(index) runs past the directory") }
            let nameBytes = Array(file[(q + 46)..<(q + 46 + nameLength)])
            let flags = le16(file, q + 8)
            guard let name = String(bytes: nameBytes, encoding: .utf8) ?? String(bytes: nameBytes, encoding: .isoLatin1) else {
                throw corrupt("unreadable entry name")
            }
            var e = Entry(name: name, method: le16(file, q + 10), flags: flags, crc: le32(file, q + 16),
                          compressedSize: Int(le32(file, q + 20)), size: Int(le32(file, q + 24)),
                          localHeaderOffset: Int(le32(file, q + 42)), rawName: nameBytes)
            // zip64 extra field (id 1): the 64-bit values, in order, for the fields that are 0xffffffff.
            if e.size == 0xffff_ffff || e.compressedSize == 0xffff_ffff || e.localHeaderOffset == 0xffff_ffff {
                var x = q + 46 + nameLength
                let xEnd = x + extraLength
                var found = false
                while x + 4 <= xEnd {
                    let id = le16(file, x), len = Int(le16(file, x + 2))
                    guard x + 4 + len <= xEnd else { break }
                    if id == 1 {
                        var f = x + 4
                        func take() throws -> Int {
                            guard f + 8 <= x + 4 + len else { throw corrupt("short zip64 field in \(name)") }
                            let v = le64(file, f)
                            f += 8
                            guard v <= UInt64(Int.max) else { throw corrupt("zip64 size too large in \(name)") }
                            return Int(v)
                        }
                        if e.size == 0xffff_ffff { e.size = try take() }
                        if e.compressedSize == 0xffff_ffff { e.compressedSize = try take() }
                        if e.localHeaderOffset == 0xffff_ffff { e.localHeaderOffset = try take() }
                        found = true
                        break
                    }
                    x += 4 + len
                }
                guard found else { throw corrupt("entry \(name) lacks its zip64 sizes") }
            }
            entries.append(e)
            q = next
        }
        return entries
    }

    /// Writes `arrays` as an uncompressed (stored) `.npz` that `numpy.load` reads, atomically.
    /// Entries are `name.npy` in sorted name order, with fixed timestamps: the same input gives the same bytes.
    public static func write(_ arrays: [String: NDArray], to url: URL) throws {
        try AtomicFile.write(encode(arrays, path: url.path), to: url)
    }

    /// The bytes of a stored `.npz` holding `arrays` (see `write`).
    public static func encode(_ arrays: [String: NDArray], path: String = "<memory>") throws -> Data {
        func invalid(_ why: String) -> NPZError { NPZError(path: path, problem: .invalidArgument(why)) }
        guard arrays.count < 0xffff else { throw invalid("too many arrays (\(arrays.count)) for a zip without zip64") }
        var out = Data()
        var central = Data()
        for key in arrays.keys.sorted() {
            guard !key.isEmpty else { throw invalid("empty array name") }
            let name = Array((key + ".npy").utf8)
            guard name.count < 0xffff else { throw invalid("array name too long") }
            let body = NPY.encode(arrays[key]!)
            let offset = out.count
            guard body.count < 0xffff_ffff, offset < 0xffff_ffff else { throw invalid("archive too large for a zip without zip64") }
            let crc = Gzip.crc32(body)
            let utf8Flag: UInt16 = name.contains { $0 >= 0x80 } ? 0x800 : 0
            // Local file header.
            appendLE32(&out, 0x0403_4b50)
            for v: UInt16 in [20, utf8Flag, 0, 0, 0x21] { appendLE16(&out, v) }  // version, flags, stored, time 00:00, date 1980-01-01
            appendLE32(&out, crc)
            appendLE32(&out, UInt32(body.count))
            appendLE32(&out, UInt32(body.count))
            appendLE16(&out, UInt16(name.count))
            appendLE16(&out, 0)
            out.append(contentsOf: name)
            out.append(body)
            // Central directory entry.
            appendLE32(&central, 0x0201_4b50)
            for v: UInt16 in [0x0314, 20, utf8Flag, 0, 0, 0x21] { appendLE16(&central, v) }  // made by unix 2.0, needed 2.0
            appendLE32(&central, crc)
            appendLE32(&central, UInt32(body.count))
            appendLE32(&central, UInt32(body.count))
            for v: UInt16 in [UInt16(name.count), 0, 0, 0, 0] { appendLE16(&central, v) }  // name, extra, comment, disk, internal attrs
            appendLE32(&central, 0o100644 << 16)  // external attributes: regular file rw-r--r--
            appendLE32(&central, UInt32(offset))
            central.append(contentsOf: name)
        }
        let cdOffset = out.count
        guard cdOffset + central.count < 0xffff_ffff else { throw invalid("archive too large for a zip without zip64") }
        out.append(central)
        appendLE32(&out, 0x0605_4b50)
        for v: UInt16 in [0, 0, UInt16(arrays.count), UInt16(arrays.count)] { appendLE16(&out, v) }
        appendLE32(&out, UInt32(central.count))
        appendLE32(&out, UInt32(cdOffset))
        appendLE16(&out, 0)
        return out
    }

    // MARK: - little-endian helpers (callers have bounds-checked)

    static func le16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }

    static func le32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    static func le64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    static func appendLE16(_ d: inout Data, _ v: UInt16) {
        withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
    }

    static func appendLE32(_ d: inout Data, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) }
    }
}
