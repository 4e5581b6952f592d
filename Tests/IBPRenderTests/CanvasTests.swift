import IBPRender
import XCTest

final class CanvasTests: XCTestCase {
    func testBackgroundAndPixels() {
        var c = Canvas(width: 10, height: 8, background: RGB(grey: 200))
        XCTAssertEqual(c.pixels.count, 240)
        XCTAssertEqual(c.pixel(x: 9, y: 7), RGB(grey: 200))
        c.setPixel(x: 3, y: 2, .red)
        XCTAssertEqual(c.pixel(x: 3, y: 2), .red)
        XCTAssertEqual(Array(c.pixels[(2 * 10 + 3) * 3..<(2 * 10 + 3) * 3 + 3]), [RGB.red.r, RGB.red.g, RGB.red.b])
        let before = c
        c.setPixel(x: 100, y: 100, .black)
        c.setPixel(x: -1, y: 0, .black)
        XCTAssertEqual(c, before, "points outside the canvas are ignored")
    }

    func testWrapsPixels() {
        let c = Canvas(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(c.pixel(x: 1, y: 0), RGB(4, 5, 6))
    }
}
