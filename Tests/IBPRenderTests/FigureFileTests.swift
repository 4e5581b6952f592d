import Foundation
import FoundationXML
import IBPRender
import XCTest

/// One picture, three formats: PNG through libpng with provenance, SVG that is well-formed XML, PDF with a valid
/// header; all byte-reproducible.
final class FigureFileTests: XCTestCase {
    private func samplePicture() -> Picture {
        var p = Picture(width: 220, height: 120)
        p.fill(Rect(x: 10, y: 10, width: 40, height: 20), .red)
        p.outline(Rect(x: 60, y: 10, width: 40, height: 20), .blue, width: 2)
        p.line([Point(10, 100), Point(200, 40)], Stroke(.black, width: 1.5, dash: [4, 2]))
        p.text("eps 0.100 · m_j < 0 ⇒ verified", x: 10, y: 60, size: 12)
        p.text("y", x: 210, y: 100, size: 12, anchor: .end, vertical: true)
        p.cells(CellImage(rect: Rect(x: 120, y: 70, width: 48, height: 24), columns: 4, rows: 2,
                          colors: [.black, .white, .red, .blue, RGB(grey: 100), .green, .magenta, .orange]))
        return p
    }

    func testPNGKeepsProvenanceAndIsReproducible() throws {
        let fonts = try testFonts()
        let folder = try makeTempFolder(self)
        let a = folder.appendingPathComponent("a.png"), b = folder.appendingPathComponent("b.png")
        try FigureFile.write(samplePicture(), to: a, format: .png, metadata: [("Sample", "0")], fonts: fonts)
        try FigureFile.write(samplePicture(), to: b, format: .png, metadata: [("Sample", "0")], fonts: fonts)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        let (canvas, text) = try PNGFile.read(a)
        XCTAssertEqual(canvas.width, 220)
        XCTAssertEqual(canvas.height, 120)
        XCTAssertEqual(text["Sample"], "0")
        XCTAssertEqual(text["Cairo"], FigureFile.cairoVersion)
        XCTAssertEqual(text["Font"], fonts.description)
        // Value cells are sharp blocks: 12 x 12 pixels each, exact colours, no smoothing at their edges.
        XCTAssertEqual(canvas.pixel(x: 120, y: 70), .black)
        XCTAssertEqual(canvas.pixel(x: 131, y: 81), .black)
        XCTAssertEqual(canvas.pixel(x: 132, y: 81), .white)
        XCTAssertEqual(canvas.pixel(x: 167, y: 93), .orange)
        XCTAssertEqual(canvas.pixel(x: 30, y: 20), .red)
        // A 2-px outline drawn inside its whole-pixel rectangle is crisp.
        XCTAssertEqual(canvas.pixel(x: 60, y: 20), .blue)
        XCTAssertEqual(canvas.pixel(x: 61, y: 20), .blue)
        XCTAssertEqual(canvas.pixel(x: 62, y: 20), .white)
    }

    /// Cairo numbers SVG images after per-process counters; drawing something else in between must not change
    /// the bytes.
    func testSVGIsWellFormedXMLAndReproducible() throws {
        let fonts = try testFonts()
        let first = try FigureFile.vector(samplePicture(), format: .svg, metadata: [("Title", "a < b & c")], fonts: fonts)
        _ = try FigureFile.raster(samplePicture(), fonts: fonts)
        _ = try FigureFile.vector(samplePicture(), format: .pdf, metadata: [], fonts: fonts)
        let second = try FigureFile.vector(samplePicture(), format: .svg, metadata: [("Title", "a < b & c")], fonts: fonts)
        XCTAssertEqual(first, second)
        let parser = XMLParser(data: first)
        XCTAssertTrue(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        let text = String(decoding: first, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("<?xml"))
        XCTAssertTrue(text.contains("<metadata>"))
        XCTAssertTrue(text.contains("Title: a &lt; b &amp; c"))
        XCTAssertTrue(text.contains("image-rendering:pixelated"))
        XCTAssertTrue(text.contains("id=\"image1\""), "image ids are renumbered from 1")
        XCTAssertTrue(text.contains("width=\"220px\""))
    }

    func testPDFHasHeaderFixedDateAndIsReproducible() throws {
        let fonts = try testFonts()
        let a = try FigureFile.vector(samplePicture(), format: .pdf, metadata: [("Title", "figure")], fonts: fonts)
        Thread.sleep(forTimeInterval: 1.1)
        let b = try FigureFile.vector(samplePicture(), format: .pdf, metadata: [("Title", "figure")], fonts: fonts)
        XCTAssertEqual(a, b, "PDF bytes depend on the time")
        XCTAssertEqual(String(decoding: a.prefix(8), as: UTF8.self), "%PDF-1.5")
        XCTAssertTrue(String(decoding: a.suffix(8), as: UTF8.self).contains("%%EOF"))
        let text = String(decoding: a, as: Unicode.ASCII.self)
        XCTAssertTrue(text.contains("19700101000000"), "creation date is the fixed epoch")
        XCTAssertTrue(text.contains("/Title (figure)"))
        XCTAssertTrue(text.contains("/FontFile") || text.contains("/FontFile2") || text.contains("/FontFile3"), "font embedded")
        XCTAssertTrue(text.contains("/MediaBox [ 0 0 165 90 ]"), "1 px = 0.75 pt")
    }

    func testFormatsFromExtensions() {
        XCTAssertEqual(FigureFormat(path: "a/b.PNG"), .png)
        XCTAssertEqual(FigureFormat(path: "x.svg"), .svg)
        XCTAssertEqual(FigureFormat(path: "x.pdf"), .pdf)
        XCTAssertNil(FigureFormat(path: "x.jpg"))
        XCTAssertNil(FigureFormat(path: "dir.png/x"))
        XCTAssertNil(FigureFormat(path: "noextension"))
    }

    /// A picture beyond the limit is refused before Cairo allocates anything, quickly, writing nothing.
    func testOversizedPictureIsRefusedWithoutWork() throws {
        let fonts = try testFonts()
        let folder = try makeTempFolder(self)
        let url = folder.appendingPathComponent("big.png")
        let started = Date()
        for (w, h) in [(20_000.0, 10.0), (8000, 8000), (Double.nan, 10), (10, .infinity), (0, 10)] {
            XCTAssertThrowsError(try FigureFile.write(Picture(width: w, height: h), to: url, format: .png, fonts: fonts)) {
                XCTAssertTrue("\($0)".hasPrefix(url.path + ": figure of "), "\($0)")
                XCTAssertTrue("\($0)".contains("exceeds the limit of 16384 px a side and 40 megapixels"), "\($0)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        XCTAssertNil(FigureSizeLimit.problem(width: 16_384, height: 2_000))
        XCTAssertNotNil(FigureSizeLimit.problem(width: 16_385, height: 10))
    }

    func testWriteIntoMissingFolderIsOneLine() throws {
        let fonts = try testFonts()
        let folder = try makeTempFolder(self)
        for format in FigureFormat.allCases {
            let url = folder.appendingPathComponent("missing/x.\(format.rawValue)")
            XCTAssertThrowsError(try FigureFile.write(samplePicture(), to: url, format: format, fonts: fonts)) {
                XCTAssertTrue("\($0)".hasPrefix(url.path + ": "), "\($0)")
                XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
                XCTAssertFalse("\($0)".contains("\n"))
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
