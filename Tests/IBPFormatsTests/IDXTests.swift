import Foundation
import XCTest
@testable import IBPFormats

final class IDXTests: XCTestCase {
    /// A small valid set: `count` 28x28 images with distinct pixel patterns, labels i % 10.
    func makeSet(_ count: Int) -> LabelledImages {
        let pixels = (0..<(count * 784)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 784) }
        return LabelledImages(count: count, rows: 28, cols: 28, pixels: pixels, labels: (0..<count).map { UInt8($0 % 10) })
    }

    /// Big-endian header bytes.
    func header(_ words: [UInt32]) -> Data {
        var d = Data()
        for w in words { d.append(contentsOf: [UInt8(w >> 24), UInt8((w >> 16) & 255), UInt8((w >> 8) & 255), UInt8(w & 255)]) }
        return d
    }

    func testRoundTripGzipAndRaw() throws {
        let dir = try makeTempDir(self)
        let set = makeSet(37)
        for compressed in [true, false] {
            let sub = dir.appendingPathComponent(compressed ? "gz" : "raw")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try MNIST.write(set, directory: sub, split: .train, compressed: compressed)
            XCTAssertEqual(try MNIST.load(directory: sub, split: .train), set)
            let limited = try MNIST.load(directory: sub, split: .train, limit: 5)
            XCTAssertEqual(limited.count, 5)
            XCTAssertEqual(limited.pixels, Array(set.pixels[0..<(5 * 784)]))
            XCTAssertEqual(limited.labels, Array(set.labels[0..<5]))
            XCTAssertEqual(try MNIST.load(directory: sub, split: .train, limit: 1000).count, 37)
            XCTAssertEqual(try MNIST.load(directory: sub, split: .train, limit: 0).count, 0)
        }
        XCTAssertTrue(Gzip.isGzip(try Data(contentsOf: dir.appendingPathComponent("gz/train-images-idx3-ubyte.gz"))))
        // The single-file readers.
        let images = try IDX.readImages(dir.appendingPathComponent("raw/train-images-idx3-ubyte"))
        XCTAssertEqual(images.countInFile, 37)
        XCTAssertEqual(images.pixels, set.pixels)
        XCTAssertEqual(try IDX.readLabels(dir.appendingPathComponent("gz/train-labels-idx1-ubyte.gz")).labels, set.labels)
    }

    func testMissingFiles() throws {
        let dir = try makeTempDir(self)
        assertThrows(IDXError.self, [dir.path, "t10k-images-idx3-ubyte.gz"]) { try MNIST.load(directory: dir, split: .test) }
    }

    func testTruncatedImages() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("t10k-images-idx3-ubyte")
        try (header([2051, 10, 28, 28]) + Data(count: 1234 - 16)).write(to: url)
        let e = assertThrows(IDXError.self, [url.path, "truncated", "header claims 10 images (7856 bytes) but the file holds 1234"]) {
            try IDX.readImages(url)
        }
        XCTAssertEqual(e?.problem, .truncated(claimed: "10 images", claimedBytes: 7856, actualBytes: 1234))
        try Data([0x00, 0x00, 0x08]).write(to: url)
        assertThrows(IDXError.self, ["too few for an IDX header"]) { try IDX.readImages(url) }
    }

    func testTruncatedLabelsAndTrailingGarbage() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("labels")
        try (header([2049, 10]) + Data(count: 9)).write(to: url)
        assertThrows(IDXError.self, ["truncated", "10 labels"]) { try IDX.readLabels(url) }
        try (header([2049, 10]) + Data(count: 11)).write(to: url)
        assertThrows(IDXError.self, ["trailing garbage"]) { try IDX.readLabels(url) }
        try (header([2051, 1, 28, 28]) + Data(count: 785)).write(to: url)
        assertThrows(IDXError.self, ["trailing garbage"]) { try IDX.readImages(url) }
    }

    func testWrongMagic() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("x")
        try (header([2049, 1, 28, 28]) + Data(count: 784)).write(to: url)
        let e = assertThrows(IDXError.self, ["magic 2049, expected 2051"]) { try IDX.readImages(url) }
        XCTAssertEqual(e?.problem, .wrongMagic(found: 2049, expected: 2051))
        try (header([2051, 1]) + Data(count: 1)).write(to: url)
        assertThrows(IDXError.self, ["magic 2051, expected 2049"]) { try IDX.readLabels(url) }
    }

    func testWrongDimensions() throws {
        let dir = try makeTempDir(self)
        try IDX.write(images: [UInt8](repeating: 0, count: 2 * 32 * 32), count: 2, rows: 32, cols: 32,
                      to: dir.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        try IDX.write(labels: [1, 2], to: dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        assertThrows(IDXError.self, ["32x32, expected 28x28"]) { try MNIST.load(directory: dir, split: .test) }
        // Any size is accepted when asked.
        XCTAssertEqual(try IDX.readImages(dir.appendingPathComponent("t10k-images-idx3-ubyte.gz"), size: nil).rows, 32)
    }

    func testCountMismatch() throws {
        let dir = try makeTempDir(self)
        let set = makeSet(3)
        try IDX.write(images: set.pixels, count: 3, rows: 28, cols: 28, to: dir.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        try IDX.write(labels: [1, 2], to: dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        let e = assertThrows(IDXError.self, ["3 images", "2 labels"]) { try MNIST.load(directory: dir, split: .test) }
        XCTAssertEqual(e.map { if case .countMismatch = $0.problem { return true } else { return false } }, true)
    }

    func testLabelOutOfRange() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("l.gz")
        try IDX.write(labels: [1, 2, 10, 3], to: url)
        let e = assertThrows(IDXError.self, ["label 2 is 10"]) { try IDX.readLabels(url) }
        XCTAssertEqual(e?.problem, .badLabel(index: 2, value: 10))
    }

    func testCutGzip() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let set = makeSet(20)
        try IDX.write(images: set.pixels, count: 20, rows: 28, cols: 28, to: url)
        let full = try Data(contentsOf: url)
        try full.prefix(full.count / 2).write(to: url)
        assertThrows(GzipError.self, [url.path, "truncated"]) { try IDX.readImages(url) }
    }

    /// An empty file, gzip data that holds nothing and a file compressed twice say so, not "truncated: the file holds
    /// 0 bytes" (the compressed file holds 20) or "magic 529205248" (the gzip magic read as an IDX one).
    func testEmptyAndTwiceCompressedFilesSayWhatTheyAre() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        try Data().write(to: url)
        var e = assertThrows(IDXError.self, [url.path + ": the file is empty (0 bytes)"]) { try IDX.readImages(url) }
        XCTAssertEqual(e?.problem, .empty(compressed: false))
        try Gzip.compress(Data()).write(to: url)
        e = assertThrows(IDXError.self, [url.path + ": gzip-compressed, and empty once decompressed (0 bytes)"]) {
            try IDX.readLabels(url)
        }
        XCTAssertEqual(e?.problem, .empty(compressed: true))
        try Gzip.compress(header([2051])).write(to: url)
        e = assertThrows(IDXError.self, ["truncated: the file holds 4 bytes once decompressed, too few for an IDX header"]) {
            try IDX.readImages(url)
        }
        XCTAssertEqual(e?.problem, .shortHeader(bytes: 4, compressed: true))
        let set = makeSet(3)
        try IDX.write(images: set.pixels, count: 3, rows: 28, cols: 28, to: url)
        try Gzip.compress(try Data(contentsOf: url)).write(to: url)
        assertThrows(GzipError.self, [url.path + ": still compressed after one gunzip (compressed twice?)"]) {
            try IDX.readImages(url)
        }
    }

    func testHugeHeaderThrowsQuicklyWithoutAllocating() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        // 2^31 images of 28x28 claimed, 784 bytes present (and 0xffffffff as well).
        for count: UInt32 in [1 << 31, UInt32.max] {
            let gz = try Gzip.compress(header([2051, count, 28, 28]) + Data(count: 784))
            try gz.write(to: url)
            let start = Date()
            let e = assertThrows(IDXError.self, ["truncated", "\(count) images", "\(16 + Int(count) * 784) bytes", "holds 800"]) {
                try IDX.readImages(url)
            }
            XCTAssertNotNil(e)
            XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        }
        // Labels too.
        try Gzip.compress(header([2049, UInt32.max]) + Data(count: 3)).write(to: url)
        assertThrows(IDXError.self, ["truncated"]) { try IDX.readLabels(url) }
    }

    func testSampleDataLoads() throws {
        let dir = packageRoot().appendingPathComponent("sample_data/mnist")
        let set = try MNIST.load(directory: dir, split: .test)
        XCTAssertEqual(set.count, 100)
        XCTAssertEqual(set.rows, 28)
        XCTAssertEqual(set.cols, 28)
        XCTAssertEqual(set.pixels.count, 100 * 784)
        XCTAssertEqual(Array(set.labels.prefix(10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        // Image 0 (a 7) has ink but not everywhere.
        let ink = set.image(0).filter { $0 > 128 }.count
        XCTAssertGreaterThan(ink, 50)
        XCTAssertLessThan(ink, 400)
    }

    func testDefaultDirectory() {
        // Depends on the environment; just check the rule.
        if let env = ProcessInfo.processInfo.environment["IBP_DATA"], !env.isEmpty {
            XCTAssertEqual(MNIST.defaultDirectory().path, URL(fileURLWithPath: env).path)
        } else {
            XCTAssertTrue(MNIST.defaultDirectory().path.hasSuffix("data/mnist"))
        }
    }

    /// Loads the full MNIST or Fashion-MNIST when present (set IBP_TEST_MNIST / IBP_TEST_FASHION to a folder).
    func testFullDataSetsWhenPresent() throws {
        var tried = false
        let env = ProcessInfo.processInfo.environment
        let candidates = [
            env["IBP_TEST_MNIST"].map { URL(fileURLWithPath: $0) } ?? packageRoot().appendingPathComponent("data/mnist"),
            env["IBP_TEST_FASHION"].map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist"),
        ]
        for dir in candidates {
            guard (try? MNIST.locate(MNIST.Split.train.imagesFileName, in: dir)) != nil else { continue }
            tried = true
            let train = try MNIST.load(directory: dir, split: .train)
            let test = try MNIST.load(directory: dir, split: .test)
            XCTAssertEqual(train.count, 60000)
            XCTAssertEqual(test.count, 10000)
            XCTAssertEqual(train.labels.count, 60000)
        }
        if !tried { throw XCTSkip("no full MNIST or Fashion-MNIST folder present") }
    }
}
