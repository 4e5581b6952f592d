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

extension Picture {
    /// Text runs whose ink box (advance width by ascent and descent) leaves the picture, with how far.
    func textOutside(fonts: FontSet) -> [String] {
        texts.compactMap { run in
            let w = fonts.width(run.text, size: run.size, weight: run.weight)
            let m = fonts.verticalMetrics(size: run.size, weight: run.weight)
            let shift = run.anchor == .start ? 0 : run.anchor == .middle ? w / 2 : w
            // Vertical text is turned a quarter anticlockwise: it runs upwards from (x, y + shift).
            let (left, right, top, bottom) = run.vertical
                ? (run.x - m.ascent, run.x + m.descent, run.y + shift - w, run.y + shift)
                : (run.x - shift, run.x - shift + w, run.y - m.ascent, run.y + m.descent)
            let inside = left >= -0.5 && right <= width + 0.5 && top >= -0.5 && bottom <= height + 0.5
            return inside ? nil : "\(run.text) [\(left), \(right)] x [\(top), \(bottom)]"
        }
    }
}
