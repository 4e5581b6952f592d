import Foundation
import IBPRender
import XCTest

/// The figure fonts, or a failure naming what to install.
func testFonts() throws -> FontSet { try Fonts.load() }

extension Canvas {
    /// Pixels that differ from `background`.
    func inked(background: RGB = .white) -> [(x: Int, y: Int, color: RGB)] {
        var out: [(Int, Int, RGB)] = []
        for y in 0..<height {
            for x in 0..<width where pixel(x: x, y: y) != background { out.append((x, y, pixel(x: x, y: y))) }
        }
        return out
    }

    func count(_ color: RGB) -> Int {
        var n = 0
        for y in 0..<height { for x in 0..<width where pixel(x: x, y: y) == color { n += 1 } }
        return n
    }
}
