import IBPRender
import XCTest

final class CanvasTests: XCTestCase {
    func testBackgroundAndRects() {
        var c = Canvas(width: 10, height: 8, background: RGB(grey: 200))
        XCTAssertEqual(c.pixels.count, 240)
        XCTAssertEqual(c.pixel(x: 9, y: 7), RGB(grey: 200))
        c.fillRect(x: -5, y: -5, width: 7, height: 7, .red)
        XCTAssertEqual(c.pixel(x: 1, y: 1), .red)
        XCTAssertEqual(c.pixel(x: 2, y: 2), RGB(grey: 200))
        c.strokeRect(x: 4, y: 2, width: 4, height: 4, .blue)
        XCTAssertEqual(c.pixel(x: 4, y: 2), .blue)
        XCTAssertEqual(c.pixel(x: 7, y: 5), .blue)
        XCTAssertEqual(c.pixel(x: 5, y: 3), RGB(grey: 200))
        c.setPixel(x: 100, y: 100, .black)
    }

    func testLinesIncludeEndpointsAndClip() {
        var c = Canvas(width: 10, height: 10)
        c.drawLine(x0: 0, y0: 0, x1: 9, y1: 9, .black)
        for i in 0..<10 { XCTAssertEqual(c.pixel(x: i, y: i), .black) }
        var d = Canvas(width: 10, height: 10)
        d.drawLine(x0: -1_000_000, y0: 5, x1: 1_000_000, y1: 5, .red)
        for x in 0..<10 { XCTAssertEqual(d.pixel(x: x, y: 5), .red) }
        XCTAssertEqual(d.pixel(x: 3, y: 4), .white)
    }

    func testBlitClipsAndStacks() {
        var big = Canvas(width: 6, height: 6)
        big.blit(Canvas(width: 4, height: 4, background: .black), x: 4, y: -2)
        XCTAssertEqual(big.pixel(x: 5, y: 0), .black)
        XCTAssertEqual(big.pixel(x: 5, y: 2), .white)
        XCTAssertEqual(big.pixel(x: 3, y: 0), .white)

        let v = Canvas.stackedVertically([Canvas(width: 3, height: 2, background: .red),
                                          Canvas(width: 5, height: 1, background: .blue)], spacing: 1)
        XCTAssertEqual(v.width, 5)
        XCTAssertEqual(v.height, 4)
        XCTAssertEqual(v.pixel(x: 0, y: 1), .red)
        XCTAssertEqual(v.pixel(x: 4, y: 0), .white)
        XCTAssertEqual(v.pixel(x: 4, y: 3), .blue)
        let h = Canvas.stackedHorizontally([Canvas(width: 2, height: 3), Canvas(width: 2, height: 1, background: .black)])
        XCTAssertEqual(h.width, 4)
        XCTAssertEqual(h.height, 3)
        XCTAssertEqual(h.pixel(x: 3, y: 0), .black)
    }

    func testRotationAndDividers() {
        var c = Canvas(width: 3, height: 2)
        c.setPixel(x: 2, y: 0, .red)
        let r = c.rotatedCounterClockwise()
        XCTAssertEqual(r.width, 2)
        XCTAssertEqual(r.height, 3)
        XCTAssertEqual(r.pixel(x: 0, y: 0), .red)
        var d = Canvas(width: 4, height: 4)
        d.drawHorizontalDivider(y: 1, .black)
        d.drawVerticalDivider(x: 2, .red)
        XCTAssertEqual(d.pixel(x: 0, y: 1), .black)
        XCTAssertEqual(d.pixel(x: 2, y: 3), .red)
    }
}
