import Foundation
import IBPRender
import XCTest

final class PNGFileTests: XCTestCase {
    private func sampleCanvas() -> Canvas {
        var canvas = Canvas(width: 37, height: 21, background: .white)
        for y in 3..<8 { for x in 2..<12 { canvas.setPixel(x: x, y: y, .red) } }
        canvas.setPixel(x: 36, y: 20, RGB(1, 2, 3))
        for x in 0..<37 { canvas.setPixel(x: x, y: 20 - x * 20 / 36, .blue) }
        return canvas
    }

    func testRoundTripKeepsSizePixelsAndText() throws {
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("x.png")
        let canvas = sampleCanvas()
        try PNGFile.write(canvas, to: url, text: [("Title", "a2.lower eps=0.100"), ("Software", "IBPVis café")])
        let (read, text) = try PNGFile.read(url)
        XCTAssertEqual(read.width, 37)
        XCTAssertEqual(read.height, 21)
        XCTAssertEqual(read.pixel(x: 36, y: 20), RGB(1, 2, 3))
        XCTAssertEqual(read.pixel(x: 5, y: 5), .red)
        XCTAssertEqual(read, canvas)
        XCTAssertEqual(text, ["Title": "a2.lower eps=0.100", "Software": "IBPVis café"])
    }

    /// The image data is deflated in two halves at once and spliced into one zlib stream: libpng (which checks the
    /// chunk CRC and zlib's Adler-32) reads back every pixel for one-row and one-column images (one half empty),
    /// odd heights (the halves differ in size) and noise whose halves each deflate to more than one 64 KiB chunk,
    /// and the bytes are the same on every write.
    func testTwoHalvesSpliceIntoOneValidStream() throws {
        let folder = try makeTempFolder(self)
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt8 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        for (width, height) in [(1, 1), (5, 1), (1, 7), (3, 2), (17, 3), (300, 301)] {
            // Noise over a flat, striped background: runs that the second half's dictionary can reach, and bytes
            // that do not compress.
            let pixels = (0..<(width * height * 3)).map { i in (i / 3) % 11 < 4 ? UInt8(200) : next() }
            let canvas = Canvas(width: width, height: height, pixels: pixels)
            let a = folder.appendingPathComponent("a\(width)x\(height).png")
            let b = folder.appendingPathComponent("b\(width)x\(height).png")
            try PNGFile.write(canvas, to: a)
            try PNGFile.write(canvas, to: b)
            XCTAssertEqual(try PNGFile.read(a).canvas, canvas, "\(width)x\(height)")
            XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b), "\(width)x\(height)")
        }
    }

    func testWritesAreByteIdentical() throws {
        let folder = try makeTempFolder(self)
        let a = folder.appendingPathComponent("a.png"), b = folder.appendingPathComponent("b.png")
        try PNGFile.write(sampleCanvas(), to: a, text: [("k", "v")])
        try PNGFile.write(sampleCanvas(), to: b, text: [("k", "v")])
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
    }

    func testOverwriteLeavesNoTemporaryFiles() throws {
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("x.png")
        try PNGFile.write(sampleCanvas(), to: url)
        try PNGFile.write(Canvas(width: 3, height: 3, background: .black), to: url)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["x.png"])
        XCTAssertEqual(try PNGFile.read(url).canvas.pixel(x: 1, y: 1), .black)
    }

    func testMissingFolderThrowsClearErrorAndWritesNothing() throws {
        let folder = try makeTempFolder(self)
        let missing = folder.appendingPathComponent("output")
        let url = missing.appendingPathComponent("x.png")
        XCTAssertThrowsError(try PNGFile.write(sampleCanvas(), to: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(error is PNGError)
            XCTAssertTrue(message.hasPrefix(url.path + ": "), message)
            XCTAssertTrue(message.contains("does not exist"), message)
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testInvalidTextKeyThrowsAndWritesNothing() throws {
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("x.png")
        XCTAssertThrowsError(try PNGFile.write(sampleCanvas(), to: url, text: [("", "v")]))
        XCTAssertThrowsError(try PNGFile.write(sampleCanvas(), to: url, text: [("k", "π")]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }

    func testTruncatedPNGThrows() throws {
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("x.png")
        var big = Canvas(width: 200, height: 200)
        for y in 0..<200 { for x in 0..<200 { big.setPixel(x: x, y: y, RGB(UInt8(x), UInt8((x * y) % 251), UInt8(199 - y))) } }
        try PNGFile.write(big, to: url)
        let bytes = try Data(contentsOf: url)
        for length in [0, 4, 8, 20, 40, bytes.count / 2, bytes.count - 13] {
            let cut = folder.appendingPathComponent("cut\(length).png")
            try bytes.prefix(length).write(to: cut)
            XCTAssertThrowsError(try PNGFile.read(cut)) { error in
                XCTAssertTrue(String(describing: error).hasPrefix(cut.path + ": "))
            }
        }
    }

    func testGarbageAndCorruptedPNGThrow() throws {
        let folder = try makeTempFolder(self)
        let garbage = folder.appendingPathComponent("garbage.png")
        try Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: garbage)
        XCTAssertThrowsError(try PNGFile.read(garbage)) { error in
            XCTAssertEqual(String(describing: error), "\(garbage.path): not a PNG file")
        }

        let url = folder.appendingPathComponent("x.png")
        try PNGFile.write(sampleCanvas(), to: url)
        var bytes = try Data(contentsOf: url)
        // Flip a byte inside the IHDR chunk so its CRC no longer matches.
        bytes[20] ^= 0xFF
        let corrupt = folder.appendingPathComponent("corrupt.png")
        try bytes.write(to: corrupt)
        XCTAssertThrowsError(try PNGFile.read(corrupt))
    }

    func testMissingFileThrows() throws {
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("none.png")
        XCTAssertThrowsError(try PNGFile.read(url)) { error in
            XCTAssertTrue(String(describing: error).hasPrefix(url.path + ": cannot open"))
        }
    }
}
