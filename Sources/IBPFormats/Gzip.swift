import CZlib
import Foundation

/// An error from reading, decompressing or compressing gzip / deflate data (path `<memory>` for data in memory).
public typealias GzipError = FileFormatError<GzipProblem>

/// What went wrong (see `GzipError`).
public enum GzipProblem: FileProblem {
    /// The file could not be read at all (missing, unreadable, a folder, ...).
    case unreadable(String)
    /// zlib rejected the stream as invalid (bad header, bad block, bad checksum, ...).
    case corrupt(String)
    /// The stream ends before the compressed data does.
    case truncated(producedBytes: Int)
    /// The output would exceed the caller's `maxBytes` limit.
    case tooLarge(limit: Int)
    /// The file itself is larger than the reader accepts.
    case fileTooLarge(bytes: Int, limit: Int)
    /// Bytes after the last gzip member that are not another gzip member.
    case trailingGarbage(offset: Int)
    /// zlib itself failed (out of memory, version mismatch, ...).
    case zlib(String)
    /// The file is empty (0 bytes), or its compressed data holds nothing (`compressed`): what no reader of
    /// `readPlainOrCompressed` takes.
    case empty(compressed: Bool)
    /// What one gunzip gives starts with the gzip magic again (a file compressed twice).
    case compressedTwice

    public var text: String {
        switch self {
        case .unreadable(let why): return "cannot read file: \(why)"
        case .corrupt(let why): return "corrupt compressed data: \(why)"
        case .truncated(let n): return "truncated compressed data: the stream ends early (after \(n) decompressed bytes)"
        case .tooLarge(let limit): return "decompressed data exceeds the limit of \(limit) bytes"
        case let .fileTooLarge(bytes, limit): return "the file is \(bytes) bytes, more than the \(limit) accepted"
        case .trailingGarbage(let offset): return "unexpected bytes after the end of the compressed data at offset \(offset)"
        case .zlib(let why): return "zlib failure: \(why)"
        case .empty(let compressed):
            return compressed ? "gzip-compressed, and empty once decompressed (0 bytes)" : "the file is empty (0 bytes)"
        case .compressedTwice:
            return "still compressed after one gunzip (compressed twice?); gunzip it and give the result instead"
        }
    }

    public var advice: String? {
        switch self {
        case .corrupt, .truncated, .trailingGarbage: return FileAdvice.intactCopy
        case .empty: return FileAdvice.emptyFile
        case .unreadable, .tooLarge, .fileTooLarge, .zlib, .compressedTwice: return nil
        }
    }
}

/// gzip (RFC 1952) and raw deflate (RFC 1951) through zlib.
///
/// Decompression never trusts sizes claimed by headers or trailers: the output grows only as zlib produces
/// real data, and an optional `maxBytes` bounds it. Corrupt or cut-short streams throw `GzipError`.
public enum Gzip {
    /// The chunk size zlib writes into before the output is appended (the output grows by real data only).
    static let chunkSize = 1 << 18

    /// True when `data` starts with the gzip magic bytes `1f 8b`.
    public static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
    }

    /// Reads a whole file; if it starts with the gzip magic it is decompressed (all members),
    /// otherwise its raw bytes are returned. Decompressed bytes that start with the gzip magic again throw
    /// `.compressedTwice`.
    /// - Parameters:
    ///   - url: the file.
    ///   - maxBytes: optional limit on the returned size (decompressed, or raw); exceeding it throws `.tooLarge`.
    public static func readFile(_ url: URL, maxBytes: Int?) throws -> Data {
        Data(try readFileBytes(url, maxBytes: maxBytes))
    }

    /// Reads a file that may be gzip-compressed (VNN-COMP ships `.vnnlib.gz` and `.onnx.gz`): its bytes, inflated
    /// when they start with the gzip magic, under one limit for both forms. A file larger than `maxBytes` is refused
    /// by its size before it is read (`.fileTooLarge`), a compressed one whose output passes `maxBytes` while
    /// inflating (`.tooLarge`, see `inflateWithin`). None of its readers' formats is empty, so an empty file or stream
    /// is refused (`.empty`), as is a stream whose inflated bytes start with the gzip magic again (`.compressedTwice`).
    /// - Returns: the bytes and whether they were compressed.
    /// - Throws: `GzipError` (unreadable, empty, too large, corrupt, truncated, compressed twice).
    public static func readPlainOrCompressed(_ url: URL, maxBytes: Int) throws -> (data: Data, compressed: Bool) {
        let path = url.relativePath
        let raw = try readRaw(url, maxBytes: maxBytes)
        guard isGzip(raw) else {
            if raw.isEmpty { throw GzipError(path: path, problem: .empty(compressed: false)) }
            return (raw, false)
        }
        let data = try inflateWithin(raw, maxBytes: maxBytes, path: path)
        if data.isEmpty { throw GzipError(path: path, problem: .empty(compressed: true)) }
        if isGzip(data) { throw GzipError(path: path, problem: .compressedTwice) }
        return (data, true)
    }

    /// The gzip data `raw` inflated (all members), at most `maxBytes`, in two passes. The first inflates into one
    /// small buffer that is thrown away, counting: it stops as soon as the count passes `maxBytes` (`.tooLarge`: a gzip
    /// bomb costs at most `maxBytes` of inflating and no memory) and finds a stream that is cut short or damaged
    /// (`.truncated`, `.corrupt`) before anything is allocated. The second inflates into a buffer of exactly the size
    /// counted (one allocation, no growing copies). The gzip trailer's size field is not read: in a cut file those 4
    /// bytes are compressed data, a forged one says anything, and a true one holds only the last member's size mod 2^32.
    static func inflateWithin(_ raw: Data, maxBytes: Int, path: String) throws -> Data {
        try raw.withUnsafeBytes { input in
            let count = try inflateStream(input, gzip: true, maxBytes: maxBytes, path: path) { _ in true }
            var data = Data(count: count)
            try data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                var filled = 0
                // The same bytes inflate to the same `count` bytes, which the limit holds the copy to.
                _ = try inflateStream(input, gzip: true, maxBytes: count, path: path) { piece in
                    UnsafeMutableRawBufferPointer(rebasing: out[filled..<(filled + piece.count)])
                        .copyMemory(from: UnsafeRawBufferPointer(piece))
                    filled += piece.count
                    return true
                }
            }
            return data
        }
    }

    /// For a file that does not exist: ", but NAME.gz is there ..." when its compressed form does (VNN-COMP's
    /// benchmark repositories ship `x.onnx.gz` and `x.vnnlib.gz` while their instance lists name `x.onnx`), else "".
    /// The compressed file is never read in its place: that would be a guess.
    public static func compressedSiblingHint(_ url: URL) -> String {
        let sibling = url.relativePath + ".gz"
        guard FileManager.default.fileExists(atPath: url.path + ".gz") else { return "" }
        return ", but \(sibling) is there (VNN-COMP ships its files compressed): name \(sibling), which is read as it "
            + "is, or gunzip it"
    }

    /// The first `count` bytes of what the gzip file at `url` holds (fewer when it holds fewer), inflated from at most
    /// its first 64 KiB; nil when it cannot be read or is not gzip data. To tell what a compressed file is.
    public static func peek(_ url: URL, count: Int = 512) -> Data? {
        let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        let n = head.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
        guard n >= 2 else { return nil }
        let raw = Data(head[..<n])
        guard isGzip(raw) else { return nil }
        // A stream cut at 64 KiB ends early: inflate in steps and keep what came out before that.
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: count)
        let produced: Int = head.withUnsafeMutableBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(n)
                stream.next_out = output.baseAddress
                stream.avail_out = uInt(output.count)
                _ = CZlib.inflate(&stream, Z_SYNC_FLUSH)
                return output.count - Int(stream.avail_out)
            }
        }
        return Data(out[..<produced])
    }

    /// Like `readFile` but returns a byte array (used by the readers in this module).
    /// One limit for both forms, as `readPlainOrCompressed`: a file larger than `maxBytes` is refused by its size
    /// before it is read, a compressed one whose output passes it while inflating.
    static func readFileBytes(_ url: URL, maxBytes: Int?) throws -> [UInt8] {
        try contents(of: try readRaw(url, maxBytes: maxBytes), path: url.path, maxBytes: maxBytes)
    }

    /// The largest file the whole-file readers of this module accept by default (`NPY`, `NPZ`, `Safetensors`), 4 GiB:
    /// its size is checked before anything is allocated, so a wrong path to a huge file is refused at once.
    public static let defaultMaxFileBytes = 1 << 32

    /// `raw` decompressed if it starts with the gzip magic, else as it is. Decompressed bytes that start with the gzip
    /// magic again throw `.compressedTwice`.
    /// - Parameters:
    ///   - maxBytes: optional limit on the returned size; exceeding it throws `.tooLarge`.
    ///   - stopAfter: stop decompressing once this many bytes are out (the result may hold a little more, and
    ///     the rest of the stream is not checked), so a reader can look at a header before trusting the size.
    static func contents(of raw: Data, path: String, maxBytes: Int? = nil, stopAfter: Int? = nil) throws -> [UInt8] {
        if isGzip(raw) {
            let bytes = try raw.withUnsafeBytes {
                try inflate($0, gzip: true, maxBytes: maxBytes, stopAfter: stopAfter, path: path)
            }
            if bytes.starts(with: [0x1f, 0x8b]) { throw GzipError(path: path, problem: .compressedTwice) }
            return bytes
        }
        if let maxBytes, raw.count > maxBytes {
            throw GzipError(path: path, problem: .tooLarge(limit: maxBytes))
        }
        return [UInt8](raw)
    }

    /// `.fileTooLarge` for a regular file at `url` over `maxBytes`, else nil (missing and unreadable files included):
    /// a check by size alone, for a caller that must refuse a huge file before other work and reads it later
    /// through `readRaw`, which checks the size again on the file it opens.
    public static func sizeProblem(_ url: URL, maxBytes: Int) -> GzipProblem? {
        var info = stat()
        guard stat(url.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > maxBytes else { return nil }
        return .fileTooLarge(bytes: Int(info.st_size), limit: maxBytes)
    }

    /// Reads a file's raw bytes (no decompression), turning failures into a one-line `GzipError.unreadable`.
    /// POSIX calls rather than `Data(contentsOf:)`, which hangs on a FIFO, reads `/dev/zero` until memory
    /// runs out, and (Swift 6.3 on Linux) leaks a buffer for an empty file.
    /// - Parameter maxBytes: a file larger than this is refused (`.fileTooLarge`) before anything is allocated;
    ///   nil only where the caller has checked the size another way.
    public static func readRaw(_ url: URL, maxBytes: Int?) throws -> Data {
        // Messages name the file as the caller did (a relative path stays relative).
        let path = url.relativePath
        func fail(_ why: String) -> GzipError { GzipError(path: path, problem: .unreadable(why)) }
        func failure() -> GzipError { fail(errno == ENOENT ? "no such file" : String(cString: strerror(errno))) }
        // O_NONBLOCK: opening a FIFO that has no writer must not wait for one.
        let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure() }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("it is a folder")
        default: throw fail("not a regular file")
        }
        if let maxBytes, Int(info.st_size) > maxBytes {
            throw GzipError(path: path, problem: .fileTooLarge(bytes: Int(info.st_size), limit: maxBytes))
        }
        var data = Data(count: Int(info.st_size))
        let read = try data.withUnsafeMutableBytes { buffer -> Int in
            var done = 0
            while done < buffer.count {
                let n = Foundation.read(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw failure() }
                if n == 0 { break }  // the file shrank since fstat
                done += n
            }
            return done
        }
        return data.prefix(read)
    }

    /// Decompresses in-memory gzip data (all concatenated members).
    /// - Parameters:
    ///   - data: gzip-compressed bytes.
    ///   - maxBytes: optional limit on the output size.
    ///   - path: name used in error messages.
    public static func decompress(_ data: Data, maxBytes: Int? = nil, path: String = "<memory>") throws -> Data {
        Data(try data.withUnsafeBytes { try inflate($0, gzip: true, maxBytes: maxBytes, path: path) })
    }

    /// Decompresses raw deflate data (no header or trailer, as in zip entries).
    /// The stream must end exactly at the end of `data`.
    public static func inflateRaw(_ data: Data, maxBytes: Int? = nil, path: String = "<memory>") throws -> Data {
        Data(try data.withUnsafeBytes { try inflate($0, gzip: false, maxBytes: maxBytes, path: path) })
    }

    /// Compresses `data` as a single gzip member (mtime 0, no file name: deterministic for a given zlib).
    public static func compress(_ data: Data, level: Int = 9) throws -> Data {
        try data.withUnsafeBytes { try deflateGzip($0, level: Int32(level)) }
    }

    /// CRC-32 (as used by gzip and zip) of `bytes`.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: uLong = CZlib.crc32(0, nil, 0)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
            offset += n
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// CRC-32 of `data`.
    public static func crc32(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { crc32($0) }
    }

    // MARK: - zlib plumbing

    /// Inflates `input` (gzip with auto-detected header when `gzip`, else raw deflate).
    /// For gzip, concatenated members are all decompressed; anything else after a member is an error.
    /// With `stopAfter`, returns as soon as the output holds that many bytes (see `contents(of:)`).
    static func inflate(_ input: UnsafeRawBufferPointer, gzip: Bool, maxBytes: Int?, stopAfter: Int? = nil,
                        path: String) throws -> [UInt8] {
        var output: [UInt8] = []
        _ = try inflateStream(input, gzip: gzip, maxBytes: maxBytes, path: path) { piece in
            output.append(contentsOf: piece)
            if let stopAfter, output.count >= stopAfter { return false }
            return true
        }
        return output
    }

    /// Inflates `input` (as `inflate`) through one buffer of `chunkSize` bytes, handing each piece of output to
    /// `sink`, which returns false to stop there (the rest of the stream is then not checked).
    /// - Returns: the number of bytes handed to `sink`.
    /// - Throws: `.tooLarge` as soon as the output would pass `maxBytes` (before that piece reaches `sink`),
    ///   `.truncated`, `.corrupt`, `.trailingGarbage`, `.zlib`.
    static func inflateStream(_ input: UnsafeRawBufferPointer, gzip: Bool, maxBytes: Int?, path: String,
                              sink: (UnsafeBufferPointer<UInt8>) throws -> Bool) throws -> Int {
        func fail(_ p: GzipProblem) -> GzipError { GzipError(path: path, problem: p) }
        var stream = z_stream()
        let windowBits: Int32 = gzip ? 15 + 32 : -15
        var rc = inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw fail(.zlib("inflateInit2 returned \(rc)")) }
        defer { inflateEnd(&stream) }

        var total = 0
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var fed = 0  // bytes of input handed to zlib so far
        guard let base = input.baseAddress, input.count > 0 else {
            throw fail(.truncated(producedBytes: 0))
        }
        let bytes = base.assumingMemoryBound(to: Bytef.self)

        while true {
            if stream.avail_in == 0 && fed < input.count {
                let n = min(input.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: bytes + fed)
                stream.avail_in = uInt(n)
                fed += n
            }
            let (produced, more): (Int, Bool) = try chunk.withUnsafeMutableBufferPointer { buf in
                stream.next_out = buf.baseAddress
                stream.avail_out = uInt(buf.count)
                rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                let produced = buf.count - Int(stream.avail_out)
                guard produced > 0 else { return (0, true) }
                if let maxBytes, total + produced > maxBytes {
                    throw fail(.tooLarge(limit: maxBytes))
                }
                return (produced, try sink(UnsafeBufferPointer(rebasing: buf[0..<produced])))
            }
            total += produced
            if !more { return total }
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let consumed = fed - Int(stream.avail_in)
                if consumed == input.count { return total }
                guard gzip else { throw fail(.trailingGarbage(offset: consumed)) }
                // Another gzip member may follow; anything else is garbage.
                if input.count - consumed >= 2, bytes[consumed] == 0x1f, bytes[consumed + 1] == 0x8b {
                    guard inflateReset(&stream) == Z_OK else { throw fail(.zlib("inflateReset failed")) }
                    continue
                }
                throw fail(.trailingGarbage(offset: consumed))
            case Z_BUF_ERROR:
                // No progress was possible: with all input fed, the stream was cut short.
                if stream.avail_in == 0 && fed == input.count && produced == 0 {
                    throw fail(.truncated(producedBytes: total))
                }
                continue
            case Z_DATA_ERROR, Z_NEED_DICT:
                let msg = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw fail(.corrupt(msg))
            case Z_MEM_ERROR:
                throw fail(.zlib("out of memory"))
            default:
                throw fail(.zlib("inflate returned \(rc)"))
            }
        }
    }

    /// Deflates `input` as one gzip member.
    static func deflateGzip(_ input: UnsafeRawBufferPointer, level: Int32) throws -> Data {
        func fail(_ why: String) -> GzipError { GzipError(path: "<memory>", problem: .zlib(why)) }
        var stream = z_stream()
        var rc = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw fail("deflateInit2 returned \(rc)") }
        defer { deflateEnd(&stream) }

        var output = Data()
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var fed = 0
        let bytes = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        while true {
            if stream.avail_in == 0 && fed < input.count, let bytes {
                let n = min(input.count - fed, 1 << 30)
                stream.next_in = UnsafeMutablePointer(mutating: bytes + fed)
                stream.avail_in = uInt(n)
                fed += n
            }
            let flush = fed == input.count ? Z_FINISH : Z_NO_FLUSH
            let produced: Int = chunk.withUnsafeMutableBufferPointer { buf in
                stream.next_out = buf.baseAddress
                stream.avail_out = uInt(buf.count)
                rc = deflate(&stream, flush)
                return buf.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
            if rc == Z_STREAM_END { return output }
            guard rc == Z_OK || rc == Z_BUF_ERROR else { throw fail("deflate returned \(rc)") }
        }
    }
}
