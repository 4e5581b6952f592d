import Foundation

/// Images with one label each, as loaded from an MNIST-style pair of IDX files.
public struct LabelledImages: Equatable {
    /// Number of images (and labels).
    public var count: Int
    /// Image height in pixels.
    public var rows: Int
    /// Image width in pixels.
    public var cols: Int
    /// `count * rows * cols` bytes, image after image, each row-major (0 = background, 255 = ink).
    public var pixels: [UInt8]
    /// `count` labels, each in 0...9.
    public var labels: [UInt8]

    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(count >= 0 && rows > 0 && cols > 0, "bad dimensions \(count)x\(rows)x\(cols)")
        precondition(pixels.count == count * rows * cols, "\(pixels.count) pixels for \(count) images of \(rows)x\(cols)")
        precondition(labels.count == count, "\(labels.count) labels for \(count) images")
        self.count = count
        self.rows = rows
        self.cols = cols
        self.pixels = pixels
        self.labels = labels
    }

    /// The first `n` images (all of them when there are fewer), as `MNIST.load(..., limit: n)` reads them.
    public func prefix(_ n: Int) -> LabelledImages {
        let k = Swift.max(0, Swift.min(n, count))
        return LabelledImages(count: k, rows: rows, cols: cols, pixels: Array(pixels[0..<(k * rows * cols)]),
                              labels: Array(labels[0..<k]))
    }

    /// The pixels of image `i` (a slice of `pixels`).
    public func image(_ i: Int) -> ArraySlice<UInt8> {
        let n = rows * cols
        return pixels[(i * n)..<((i + 1) * n)]
    }
}

/// The images of one IDX3 file.
public struct IDXImages: Equatable {
    /// Number of images read (at most the limit asked for).
    public var count: Int
    /// Image height in pixels.
    public var rows: Int
    /// Image width in pixels.
    public var cols: Int
    /// `count * rows * cols` bytes.
    public var pixels: [UInt8]
    /// The number of images the file holds (may exceed `count` when a limit was given).
    public var countInFile: Int
}

/// An error from reading or writing IDX files.
public typealias IDXError = FileFormatError<IDXProblem>

/// What went wrong (see `IDXError`).
public enum IDXProblem: FileProblem {
    /// The magic number is not the one expected (2051 images, 2049 labels).
    case wrongMagic(found: UInt32, expected: UInt32)
    /// The file is empty (0 bytes), or gzip data that holds nothing (`compressed`).
    case empty(compressed: Bool)
    /// The file (or what its gzip data holds, when `compressed`) is too short to hold even the header.
    case shortHeader(bytes: Int, compressed: Bool)
    /// Image dimensions differ from the required ones, or are zero.
    case wrongDimensions(rows: Int, cols: Int, expected: String)
    /// The header claims more data than the file holds.
    case truncated(claimed: String, claimedBytes: Int, actualBytes: Int)
    /// The file holds more bytes than the header accounts for.
    case trailingGarbage(expectedBytes: Int)
    /// A header size is so large that it cannot be a real file.
    case absurdSize(String)
    /// A label is outside 0...9.
    case badLabel(index: Int, value: UInt8)
    /// The image file and the label file disagree on the number of items.
    case countMismatch(images: Int, labels: Int, labelPath: String)
    /// Neither the plain nor the `.gz` file exists.
    case missing(tried: [String])
    /// The data folder itself does not exist (a mistyped `--data`): said so, not answered with how to get MNIST.
    case noFolder
    /// Both the plain and the `.gz` file exist: which one holds the data would be a guess.
    case ambiguous(plain: String, compressed: String)
    /// A split's files are valid but hold no images (a data set nothing can be trained on or evaluated with).
    case noImages(file: String, split: String)
    /// A bad argument (negative limit, wrong sizes to write, ...).
    case invalidArgument(String)

    public var text: String {
        switch self {
        case let .wrongMagic(found, expected):
            return "not an IDX \(expected == IDX.imagesMagic ? "images" : "labels") file: magic \(found), expected \(expected)"
        case let .empty(compressed):
            return GzipProblem.empty(compressed: compressed).text
        case let .shortHeader(bytes, compressed):
            return "truncated: the file holds \(bytes) bytes\(compressed ? " once decompressed" : ""), too few for an IDX header"
        case let .wrongDimensions(rows, cols, expected):
            return "images are \(rows)x\(cols), expected \(expected)"
        case let .truncated(claimed, claimedBytes, actualBytes):
            return "truncated: header claims \(claimed) (\(claimedBytes) bytes) but the file holds \(actualBytes)"
        case let .trailingGarbage(expectedBytes):
            return "trailing garbage after the \(expectedBytes) bytes the header accounts for"
        case let .absurdSize(what):
            return "header claims an impossible size: \(what)"
        case let .badLabel(index, value):
            return "label \(index) is \(value), outside 0...9"
        case let .countMismatch(images, labels, labelPath):
            return "\(CountText.of(images, "image")) but \(labelPath) holds \(CountText.of(labels, "label"))"
        case let .missing(tried):
            return "no MNIST file found (tried \(tried.joined(separator: ", "))); get MNIST with scripts/get-mnist.sh "
                + "DIR (run in the repository), then pass --data DIR or set IBP_DATA=DIR"
        case .noFolder:
            return "no such folder; check the name, or get MNIST into it with scripts/get-mnist.sh DIR (run in the repository)"
        case let .ambiguous(plain, compressed):
            return "both \(plain) and \(compressed) exist, so which one to read would be a guess; remove or rename one"
        case let .noImages(file, split):
            return "the \(split) images (\(file)) are an empty set, 0 images; give a folder with MNIST "
                + "(get it with scripts/get-mnist.sh DIR, run in the repository)"
        case let .invalidArgument(why):
            return why
        }
    }

    public var advice: String? {
        switch self {
        case .wrongMagic, .shortHeader, .wrongDimensions, .truncated, .trailingGarbage, .absurdSize, .badLabel,
             .countMismatch:
            return "the file is damaged or not MNIST's: get MNIST again with scripts/get-mnist.sh DIR (run in the repository)"
        case .empty:
            return "an interrupted download leaves such a file: get MNIST again with scripts/get-mnist.sh DIR (run in the "
                + "repository)"
        case .missing, .noFolder, .ambiguous, .noImages, .invalidArgument:
            return nil
        }
    }
}

/// Reading and writing the IDX format of MNIST (big-endian header, then unsigned bytes),
/// gzip-compressed or raw (detected by the gzip magic bytes).
public enum IDX {
    /// Magic number of an IDX3 unsigned-byte file (images).
    public static let imagesMagic: UInt32 = 2051
    /// Magic number of an IDX1 unsigned-byte file (labels).
    public static let labelsMagic: UInt32 = 2049
    /// Default limit on a file's decompressed size (1 GiB; MNIST train images are 47 MB).
    public static let defaultMaxBytes = 1 << 30

    /// The file's bytes (still compressed if gzip) and its first `bytes` decompressed header bytes, after checking
    /// `limit`, the header's length and its magic number.
    private static func readHeader(_ url: URL, magic expected: UInt32, bytes: Int, limit: Int?,
                                   maxBytes: Int) throws -> (raw: Data, header: [UInt8]) {
        let path = url.path
        func fail(_ p: IDXProblem) -> IDXError { IDXError(path: path, problem: p) }
        if let limit, limit < 0 { throw fail(.invalidArgument("negative limit \(limit)")) }
        // One limit for both forms (`Gzip.readPlainOrCompressed`): a file larger than it is refused by its size
        // before it is read, a compressed one whose output passes it while inflating.
        let raw = try Gzip.readRaw(url, maxBytes: maxBytes)
        let header = try Gzip.contents(of: raw, path: path, maxBytes: maxBytes, stopAfter: bytes)
        guard header.count >= bytes else {
            let compressed = Gzip.isGzip(raw)
            throw fail(header.isEmpty ? .empty(compressed: compressed) : .shortHeader(bytes: header.count, compressed: compressed))
        }
        let magic = bigEndian32(header, 0)
        guard magic == expected else { throw fail(.wrongMagic(found: magic, expected: expected)) }
        return (raw, header)
    }

    /// Reads an IDX3 images file.
    /// - Parameters:
    ///   - url: the file, gzip or raw.
    ///   - size: required (rows, cols), or nil to accept any positive size. MNIST is 28x28.
    ///   - limit: keep at most this many images (the whole file is still validated).
    ///   - maxBytes: limit on the decompressed size.
    public static func readImages(_ url: URL, size: (rows: Int, cols: Int)? = (28, 28), limit: Int? = nil,
                                  maxBytes: Int = defaultMaxBytes) throws -> IDXImages {
        let path = url.path
        func fail(_ p: IDXProblem) -> IDXError { IDXError(path: path, problem: p) }
        let (raw, header) = try readHeader(url, magic: imagesMagic, bytes: 16, limit: limit, maxBytes: maxBytes)
        let count = Int(bigEndian32(header, 4)), rows = Int(bigEndian32(header, 8)), cols = Int(bigEndian32(header, 12))
        if let size, rows != size.rows || cols != size.cols {
            throw fail(.wrongDimensions(rows: rows, cols: cols, expected: "\(size.rows)x\(size.cols)"))
        }
        guard rows > 0 && cols > 0 else {
            throw fail(.wrongDimensions(rows: rows, cols: cols, expected: "positive sizes"))
        }
        // Everything below is checked against the real size before any allocation by the header's numbers.
        let (perImage, o1) = rows.multipliedReportingOverflow(by: cols)
        let (dataBytes, o2) = count.multipliedReportingOverflow(by: perImage)
        let (total, o3) = dataBytes.addingReportingOverflow(16)
        if o1 || o2 || o3 { throw fail(.absurdSize("\(CountText.of(count, "image")) of \(rows)x\(cols)")) }
        let bytes = try body(raw, total: total, maxBytes: maxBytes, path: path)
        if total > bytes.count {
            throw fail(.truncated(claimed: CountText.of(count, "image"), claimedBytes: total, actualBytes: bytes.count))
        }
        if total < bytes.count { throw fail(.trailingGarbage(expectedBytes: total)) }
        let kept = min(count, limit ?? count)
        let pixels = Array(bytes[16..<(16 + kept * perImage)])
        return IDXImages(count: kept, rows: rows, cols: cols, pixels: pixels, countInFile: count)
    }

    /// Reads an IDX1 labels file; every label must be in 0...9.
    /// - Parameters:
    ///   - url: the file, gzip or raw.
    ///   - limit: keep at most this many labels (the whole file is still validated).
    ///   - maxBytes: limit on the decompressed size.
    /// - Returns: the labels kept and the number the file holds.
    public static func readLabels(_ url: URL, limit: Int? = nil,
                                  maxBytes: Int = defaultMaxBytes) throws -> (labels: [UInt8], countInFile: Int) {
        let path = url.path
        func fail(_ p: IDXProblem) -> IDXError { IDXError(path: path, problem: p) }
        let (raw, header) = try readHeader(url, magic: labelsMagic, bytes: 8, limit: limit, maxBytes: maxBytes)
        let count = Int(bigEndian32(header, 4))
        let total = 8 + count  // count < 2^32, no overflow on 64-bit
        let bytes = try body(raw, total: total, maxBytes: maxBytes, path: path)
        if total > bytes.count {
            throw fail(.truncated(claimed: CountText.of(count, "label"), claimedBytes: total, actualBytes: bytes.count))
        }
        if total < bytes.count { throw fail(.trailingGarbage(expectedBytes: total)) }
        let bad: Int? = bytes.withUnsafeBufferPointer { buf in
            for i in 8..<total where buf[i] > 9 { return i - 8 }
            return nil
        }
        if let bad { throw fail(.badLabel(index: bad, value: bytes[8 + bad])) }
        let kept = min(count, limit ?? count)
        return (Array(bytes[8..<(8 + kept)]), count)
    }

    /// Writes an IDX3 images file (gzip-compressed when `url` ends in `.gz`), atomically.
    public static func write(images pixels: [UInt8], count: Int, rows: Int, cols: Int, to url: URL) throws {
        guard count >= 0, rows > 0, cols > 0, count <= Int(UInt32.max), rows <= Int(UInt32.max), cols <= Int(UInt32.max),
              pixels.count == count * rows * cols else {
            throw IDXError(path: url.path, problem: .invalidArgument(
                "cannot write \(pixels.count) pixels as \(count) images of \(rows)x\(cols)"))
        }
        var data = Data(capacity: 16 + pixels.count)
        for v in [imagesMagic, UInt32(count), UInt32(rows), UInt32(cols)] { appendBigEndian32(&data, v) }
        data.append(contentsOf: pixels)
        try writeMaybeCompressed(data, to: url)
    }

    /// Writes an IDX1 labels file (gzip-compressed when `url` ends in `.gz`), atomically.
    /// Labels are not restricted to 0...9 here, so tests can write bad files.
    public static func write(labels: [UInt8], to url: URL) throws {
        guard labels.count <= Int(UInt32.max) else {
            throw IDXError(path: url.path, problem: .invalidArgument("too many labels (\(labels.count))"))
        }
        var data = Data(capacity: 8 + labels.count)
        appendBigEndian32(&data, labelsMagic)
        appendBigEndian32(&data, UInt32(labels.count))
        data.append(contentsOf: labels)
        try writeMaybeCompressed(data, to: url)
    }

    static func writeMaybeCompressed(_ data: Data, to url: URL) throws {
        let out = url.pathExtension == "gz" ? try Gzip.compress(data) : data
        try AtomicFile.write(out, to: url)
    }

    /// The whole file, decompressed, but no further than one byte past the `total` its header declares: a
    /// small gzip file of zeros would otherwise inflate to `maxBytes` (1 GiB, seconds) before being rejected.
    static func body(_ raw: Data, total: Int, maxBytes: Int, path: String) throws -> [UInt8] {
        // Past maxBytes the reader throws anyway; the min keeps the + 1 from overflowing.
        try Gzip.contents(of: raw, path: path, maxBytes: maxBytes, stopAfter: min(total, maxBytes) + 1)
    }

    static func bigEndian32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func appendBigEndian32(_ data: inout Data, _ v: UInt32) {
        data.append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)])
    }
}

/// MNIST (and Fashion-MNIST, which uses the same files) as pairs of IDX files in one folder:
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`, each optionally with `.gz`.
public enum MNIST {
    /// Which half of the data set.
    public enum Split: String, CaseIterable {
        /// The 60,000 training images (`train-*`).
        case train
        /// The 10,000 test images (`t10k-*`).
        case test

        /// The file name prefix: `train` or `t10k`.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
        /// Base name of the images file, without `.gz`.
        public var imagesFileName: String { "\(filePrefix)-images-idx3-ubyte" }
        /// Base name of the labels file, without `.gz`.
        public var labelsFileName: String { "\(filePrefix)-labels-idx1-ubyte" }
    }

    /// The data folder: `$IBP_DATA` when set and non-empty, else `data/mnist` (relative to the current folder).
    public static func defaultDirectory() -> URL {
        if let env = ProcessInfo.processInfo.environment["IBP_DATA"], !env.isEmpty {
            return TypedPath.url(env, isDirectory: true)
        }
        return URL(fileURLWithPath: "data/mnist", isDirectory: true)
    }

    /// Finds `baseName` or `baseName.gz` in `directory`.
    /// - Throws: `IDXError` naming the folder when neither exists, or when both do (`.ambiguous`: the two may
    ///   differ, and reading either would be a silent guess).
    public static func locate(_ baseName: String, in directory: URL) throws -> URL {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw IDXError(path: directory.path, problem: .invalidArgument(
                "is a file, not the folder of the MNIST files; give the folder (--data DIR or IBP_DATA=DIR)"))
        }
        if !FileManager.default.fileExists(atPath: directory.path) {
            throw IDXError(path: directory.path, problem: .noFolder)
        }
        let plain = directory.appendingPathComponent(baseName), compressed = directory.appendingPathComponent(baseName + ".gz")
        let found = [plain, compressed].filter { FileManager.default.fileExists(atPath: $0.path) }
        if found.count == 2 {
            throw IDXError(path: directory.path, problem: .ambiguous(plain: baseName, compressed: baseName + ".gz"))
        }
        if let url = found.first { return url }
        throw IDXError(path: directory.path, problem: .missing(tried: [baseName, baseName + ".gz"]))
    }

    /// Loads one split: 28x28 images with labels in 0...9, image and label counts equal, at least one image.
    /// - Parameters:
    ///   - directory: the folder holding the IDX files (see `defaultDirectory()`).
    ///   - split: `.train` or `.test`.
    ///   - limit: keep only the first `limit` images (the files are still validated whole).
    public static func load(directory: URL, split: Split, limit: Int? = nil) throws -> LabelledImages {
        let imagesURL = try locate(split.imagesFileName, in: directory)
        let labelsURL = try locate(split.labelsFileName, in: directory)
        let images = try IDX.readImages(imagesURL, size: (28, 28), limit: limit)
        let labels = try IDX.readLabels(labelsURL, limit: limit)
        guard images.countInFile == labels.countInFile else {
            throw IDXError(path: imagesURL.path, problem: .countMismatch(
                images: images.countInFile, labels: labels.countInFile, labelPath: labelsURL.path))
        }
        // Valid files of 0 images would give 0.00% accuracy, empty plots and 'give at most 0': refused, naming
        // the folder, for every tool (they all load through here).
        guard images.countInFile > 0 else {
            throw IDXError(path: directory.path, problem: .noImages(
                file: imagesURL.lastPathComponent, split: split == .train ? "training" : "test"))
        }
        return LabelledImages(count: images.count, rows: images.rows, cols: images.cols,
                              pixels: images.pixels, labels: labels.labels)
    }

    /// Writes `set` as the split's two IDX files in `directory` (gzip when `compressed`), atomically.
    public static func write(_ set: LabelledImages, directory: URL, split: Split, compressed: Bool = true) throws {
        let ext = compressed ? ".gz" : ""
        try IDX.write(images: set.pixels, count: set.count, rows: set.rows, cols: set.cols,
                      to: directory.appendingPathComponent(split.imagesFileName + ext))
        try IDX.write(labels: set.labels, to: directory.appendingPathComponent(split.labelsFileName + ext))
    }
}
