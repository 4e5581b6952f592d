import IBPRender
import XCTest

/// Text is set in DejaVu Sans through FreeType and Cairo: anti-aliased, at the size asked for.
final class TextRenderingTests: XCTestCase {
    /// "Hg" at 12 px per em: the ink spans the capital's height plus the descender, about 0.94 em (11.2 px), so body
    /// text is at least 11 px high; and its edges are grey levels between ink and paper (anti-aliasing).
    func testBodyTextIsAntiAliasedAndElevenPixelsHigh() throws {
        let fonts = try testFonts()
        var picture = Picture(width: 60, height: 30)
        picture.text("Hg", x: 5, y: 20, size: 12)
        let canvas = try FigureFile.raster(picture, fonts: fonts)
        let ink = canvas.inked()
        let rows = ink.map(\.y), columns = ink.map(\.x)
        let height = rows.max()! - rows.min()! + 1
        XCTAssertGreaterThanOrEqual(height, 11, "ink rows \(rows.min()!)...\(rows.max()!)")
        XCTAssertLessThanOrEqual(height, 13)
        // The baseline at y = 20: the capital's bottom touches it, the descender hangs below.
        XCTAssertLessThanOrEqual(rows.min()!, 20 - 8)
        XCTAssertGreaterThan(rows.max()!, 20)
        XCTAssertGreaterThanOrEqual(columns.min()!, 5)
        let greys = Set(ink.map(\.color).filter { $0 != .black })
        XCTAssertGreaterThan(greys.count, 10, "edges should be blended, got \(greys.count) grey levels")
        XCTAssertTrue(ink.allSatisfy { $0.color.r == $0.color.g && $0.color.g == $0.color.b }, "grey anti-aliasing, no colour fringes")
    }

    /// The capital H alone is 0.729 em tall: 8 to 9 px at 12 px per em, 11 px at 15.
    func testCapitalHeightFollowsTheSize() throws {
        let fonts = try testFonts()
        for (size, expected) in [(12.0, 8...10), (15.0, 10...12), (24.0, 17...19)] {
            var picture = Picture(width: 40, height: 40)
            picture.text("H", x: 5, y: 30, size: size)
            let rows = try FigureFile.raster(picture, fonts: fonts).inked().filter { $0.color.r < 128 }.map(\.y)
            XCTAssertTrue(expected.contains(rows.max()! - rows.min()! + 1), "size \(size): \(rows.max()! - rows.min()! + 1) rows")
        }
    }

    func testMeasuredWidthMatchesInkAndAnchors() throws {
        let fonts = try testFonts()
        let text = "width u − l: mean 0.123"
        let w = fonts.width(text, size: 12)
        XCTAssertGreaterThan(w, 100)
        XCTAssertLessThan(w, 160)
        XCTAssertEqual(fonts.width("0123456789", size: 12), 10 * fonts.width("8", size: 12), accuracy: 1e-9,
                       "DejaVu's digits are equal-width, which the layouts' reservations rely on")
        var picture = Picture(width: 200, height: 20)
        picture.text(text, x: 190, y: 15, size: 12, anchor: .end)
        let columns = try FigureFile.raster(picture, fonts: fonts).inked().map(\.x)
        XCTAssertLessThanOrEqual(columns.max()!, 190)
        XCTAssertGreaterThanOrEqual(columns.min()!, Int(190 - w) - 1)
    }

    func testFontProvenanceAndMissingFont() throws {
        let fonts = try testFonts()
        XCTAssertTrue(fonts.description.hasPrefix("DejaVu Sans Version "), fonts.description)
        XCTAssertTrue(fonts.description.contains("FreeType 2."), fonts.description)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-fonts-\(UUID().uuidString)")
        XCTAssertThrowsError(try Fonts.load(folder: empty)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(empty.appendingPathComponent("DejaVuSans.ttf").path + ": "), message)
            XCTAssertTrue(message.contains("fonts-dejavu-core"), message)
            XCTAssertFalse(message.contains("\n"))
        }
        let folder = try makeTempFolder(self)
        try Data("not a font".utf8).write(to: folder.appendingPathComponent("DejaVuSans.ttf"))
        XCTAssertThrowsError(try Fonts.load(folder: folder)) { XCTAssertTrue("\($0)".contains("not a font"), "\($0)") }
    }
}
