import IBPRender
import XCTest

final class ColormapTests: XCTestCase {
    func testGreyEndpointsAndClamping() {
        XCTAssertEqual(Colormap.grey(0, lo: 0, hi: 1), RGB(grey: 255))
        XCTAssertEqual(Colormap.grey(1, lo: 0, hi: 1), RGB(grey: 0))
        XCTAssertEqual(Colormap.grey(0.5, lo: 0, hi: 1), RGB(grey: 128))
        XCTAssertEqual(Colormap.grey(-3, lo: 0, hi: 1), .white)
        XCTAssertEqual(Colormap.grey(7, lo: 0, hi: 1), .black)
        XCTAssertEqual(Colormap.grey(.infinity, lo: 0, hi: 1), .black)
        XCTAssertEqual(Colormap.grey(2, lo: 2, hi: 2), .white)
    }

    func testNaNIsMagenta() {
        XCTAssertEqual(Colormap.grey(.nan, lo: 0, hi: 1), RGB(255, 0, 255))
        XCTAssertEqual(Colormap.boundRange(lowerGap: .nan, upperGap: 0, scale: 1), RGB(255, 0, 255))
    }

    func testBoundRangeColours() {
        XCTAssertEqual(Colormap.boundRange(lowerGap: 0, upperGap: 0, scale: 1), .white)
        // Loose lower bound only: a = 1, b = 0 gives (0, 0, 255).
        XCTAssertEqual(Colormap.boundRange(lowerGap: 2, upperGap: 0, scale: 2), RGB(0, 0, 255))
        // Half loose lower bound: a = 0.5 gives (127.5, 127.5, 255) rounded.
        XCTAssertEqual(Colormap.boundRange(lowerGap: 1, upperGap: 0, scale: 2), RGB(128, 128, 255))
        XCTAssertEqual(Colormap.boundRange(lowerGap: 0, upperGap: 5, scale: 2), RGB(255, 0, 0))
        XCTAssertEqual(Colormap.boundRange(lowerGap: 1, upperGap: 1, scale: 2), RGB(128, 0, 128))
        XCTAssertEqual(Colormap.boundRange(lowerGap: 0.5, upperGap: 0.25, scale: 1), RGB(128, 64, 191))
        XCTAssertEqual(Colormap.boundRange(lowerGap: -1, upperGap: 0, scale: 1), .white)
        XCTAssertEqual(Colormap.boundRange(lowerGap: 1, upperGap: 0, scale: 0), RGB(0, 0, 255))
    }

    func testColorBarAndTiles() {
        var c = Canvas(width: 120, height: 40)
        let used = c.drawGreyColorBar(x: 10, y: 5, width: 100, height: 8, lo: 0, hi: 1)
        XCTAssertEqual(used, 8 + 3 + 9)
        XCTAssertEqual(c.pixel(x: 10, y: 8), .white)
        XCTAssertEqual(c.pixel(x: 109, y: 8), .black)
        XCTAssertNotEqual(c.pixel(x: 10, y: 17), .white, "lo label is drawn under the bar")

        var t = Canvas(width: 8, height: 4)
        t.drawGreyTile([0, 1, .nan, 0.5], columns: 2, rows: 2, x: 0, y: 0, cell: 2, lo: 0, hi: 1)
        XCTAssertEqual(t.pixel(x: 1, y: 1), .white)
        XCTAssertEqual(t.pixel(x: 3, y: 0), .black)
        XCTAssertEqual(t.pixel(x: 0, y: 3), Colormap.nanColor)
        t.drawBoundRangeTile(normal: [0, 0], lower: [-1, 0], upper: [0, 1], columns: 2, rows: 1,
                             x: 4, y: 0, cell: 2, scale: 1)
        XCTAssertEqual(t.pixel(x: 4, y: 0), RGB(0, 0, 255))
        XCTAssertEqual(t.pixel(x: 7, y: 1), RGB(255, 0, 0))
    }

    func testNumberLabels() {
        XCTAssertEqual(NumberLabel.fixed(0.1, decimals: 3), "0.100")
        XCTAssertEqual(NumberLabel.format(0), "0")
        XCTAssertEqual(NumberLabel.format(0.5), "0.500")
        XCTAssertEqual(NumberLabel.format(-12.345), "-12.3")
        XCTAssertEqual(NumberLabel.format(1.5e-4), "1.50e-04")
        XCTAssertEqual(NumberLabel.format(.nan), "nan")
    }
}
