import IBPRender
import XCTest

final class BitmapFontTests: XCTestCase {
    private func inkedPixels(_ c: Canvas) -> Int {
        (0..<c.height).reduce(0) { sum, y in sum + (0..<c.width).filter { c.pixel(x: $0, y: y) != .white }.count }
    }

    func testMeasures() {
        XCTAssertEqual(BitmapFont.width(of: ""), 0)
        XCTAssertEqual(BitmapFont.width(of: "a"), 5)
        XCTAssertEqual(BitmapFont.width(of: "a2.lower"), 47)
        XCTAssertEqual(BitmapFont.width(of: "eps", scale: 2), 34)
        XCTAssertEqual(BitmapFont.height(of: "x"), 9)
        XCTAssertEqual(BitmapFont.height(of: "x\ny", scale: 2), 40)
        XCTAssertEqual(BitmapFont.measure("ab\nlonger").width, BitmapFont.width(of: "longer"))
    }

    func testEveryPrintableCharacterExceptSpaceHasInk() {
        for code in 33...126 {
            var c = Canvas(width: 6, height: 10)
            c.drawText(String(UnicodeScalar(UInt8(code))), x: 0, y: 0)
            XCTAssertGreaterThan(inkedPixels(c), 0, "character \(code)")
        }
        var space = Canvas(width: 6, height: 10)
        space.drawText(" ", x: 0, y: 0)
        XCTAssertEqual(inkedPixels(space), 0)
    }

    func testDistinctGlyphs() {
        func bitmap(_ s: String) -> [UInt8] {
            var c = Canvas(width: 6, height: 10)
            c.drawText(s, x: 0, y: 0)
            return c.pixels
        }
        let glyphs = (32...126).map { bitmap(String(UnicodeScalar(UInt8($0)))) }
        XCTAssertEqual(Set(glyphs).count, glyphs.count)
    }

    func testScaledTextStaysInsideItsMeasure() {
        let label = "pred 7 -> 3 [eps=1e-3] 95%"
        let (w, h) = BitmapFont.measure(label, scale: 3)
        var c = Canvas(width: w + 10, height: h + 10)
        c.drawText(label, x: 5, y: 5, .black, scale: 3)
        XCTAssertGreaterThan(inkedPixels(c), 0)
        var inner = Canvas(width: w, height: h, background: .red)
        inner.drawText(label, x: 0, y: 0, .black, scale: 3)
        var outside = c
        outside.fillRect(x: 5, y: 5, width: w, height: h, .white)
        XCTAssertEqual(inkedPixels(outside), 0)
    }

    func testUnknownCharactersDrawAsQuestionMark() {
        var a = Canvas(width: 6, height: 10), b = Canvas(width: 6, height: 10)
        a.drawText("é", x: 0, y: 0)
        b.drawText("?", x: 0, y: 0)
        XCTAssertEqual(a, b)
    }
}
