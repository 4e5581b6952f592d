import IBPRender
import XCTest

final class ColormapTests: XCTestCase {
    func testGreyEndpointsAndClamping() {
        XCTAssertEqual(Colormap.grey(0, lo: 0, hi: 1), RGB(grey: 255))
        XCTAssertEqual(Colormap.grey(1, lo: 0, hi: 1), RGB(grey: 0))
        XCTAssertEqual(Colormap.grey(0.5, lo: 0, hi: 1), RGB(grey: 128))
        XCTAssertEqual(Colormap.grey(-3, lo: 0, hi: 1), .white)
        XCTAssertEqual(Colormap.grey(7, lo: 0, hi: 1), .black)
        XCTAssertEqual(Colormap.grey(2, lo: 2, hi: 2), .white)
        XCTAssertEqual(Colormap.grey(1e300, lo: 0, hi: 1), .black)
    }

    /// NaN and infinities are drawn in the marked colour, and a scale that is itself not finite never traps
    /// (issue #11 kind 1: NaN converted to UInt8 in a colour bar killed `visualize`).
    func testNonFiniteValuesAndScalesAreMarkedNotFatal() {
        for v in [Double.nan, .infinity, -.infinity] {
            XCTAssertEqual(Colormap.grey(v, lo: 0, hi: 1), Colormap.nonFiniteColor)
            XCTAssertEqual(Colormap.boundRange(lowerGap: v, upperGap: 0, scale: 1), Colormap.nonFiniteColor)
            XCTAssertEqual(Colormap.boundRange(lowerGap: 0, upperGap: v, scale: 1), Colormap.nonFiniteColor)
        }
        XCTAssertEqual(Colormap.nonFiniteColor, RGB(255, 0, 255))
        // Scales with NaN or infinite ends: every call returns a colour.
        for (lo, hi) in [(Double.nan, 1.0), (0, .nan), (-.infinity, .infinity), (0, .infinity), (-1e308, 1e308)] {
            _ = Colormap.grey(0.5, lo: lo, hi: hi)
        }
        XCTAssertEqual(Colormap.grey(0.5, lo: -.infinity, hi: .infinity), .black)
        XCTAssertEqual(Colormap.boundRange(lowerGap: 1, upperGap: 0, scale: .infinity), RGB(0, 0, 255))
        XCTAssertEqual(Colormap.boundRange(lowerGap: 1, upperGap: 0, scale: .nan), Colormap.nonFiniteColor)
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

    func testTotalConversions() {
        XCTAssertEqual(Total.byte(.nan), 0)
        XCTAssertEqual(Total.byte(.infinity), 255)
        XCTAssertEqual(Total.byte(-.infinity), 0)
        XCTAssertEqual(Total.byte(0.5), 128)
        XCTAssertEqual(Total.byte(1e300), 255)
        XCTAssertEqual(Total.int(.nan, in: -5...5, nan: 3), 3)
        XCTAssertEqual(Total.int(1e300, in: -5...5, nan: 0), 5)
        XCTAssertEqual(Total.int(-.infinity, in: -5...5, nan: 0), -5)
        XCTAssertEqual(Total.int(2.5, in: -5...5, nan: 0), 3)
        XCTAssertEqual(Total.clamp(.nan, to: 0...1, nan: 0.25), 0.25)
    }

    func testNumberLabels() {
        XCTAssertEqual(NumberLabel.fixed(0.1, decimals: 3), "0.100")
        XCTAssertEqual(NumberLabel.format(0), "0")
        XCTAssertEqual(NumberLabel.format(0.5), "0.500")
        XCTAssertEqual(NumberLabel.format(-12.345), "-12.3")
        XCTAssertEqual(NumberLabel.format(1.5e-4), "1.50e-04")
        XCTAssertEqual(NumberLabel.format(.nan), "nan")
        XCTAssertEqual(NumberLabel.format(-.infinity), "-inf")
        XCTAssertEqual(NumberLabel.format(-Double.greatestFiniteMagnitude), "-1.80e+308")
        XCTAssertEqual(NumberLabel.powerOfTen(-3), "10⁻³")
        XCTAssertEqual(NumberLabel.powerOfTen(0), "1")
        XCTAssertEqual(NumberLabel.powerOfTen(12), "10¹²")
        XCTAssertLessThanOrEqual(NumberLabel.format(-Double.leastNonzeroMagnitude).count, NumberLabel.widest.count)
    }
}
