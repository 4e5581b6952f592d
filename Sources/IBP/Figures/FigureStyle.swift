import IBPRender

/// Type sizes (pixels per em of DejaVu Sans) and spacing shared by the tile figures. Body text is 12 px: its
/// capitals are 8.7 px and a line from cap height to descender 11.2 px tall in the default PNG.
enum FigureStyle {
    static let title = 15.0
    static let verdict = 13.0
    static let body = 12.0
    /// Colour-bar and bar-chart numbers.
    static let small = 11.0
    /// Space around a column and between stage blocks.
    static let margin = 14.0
    /// Space between tiles.
    static let gap = 4
    /// Space between tile rows.
    static let rowGap = 6.0
    /// Width of a stage's grey colour bar.
    static let barWidth = 80.0
    static let verifiedColor = RGB(20, 130, 50)
    static let refutedColor = RGB(200, 30, 30)
    static let dividerColor = RGB.grey
    static let tileOutline = RGB.lightGrey

    /// Height of one line of text at `size` (ascent + descent) plus `leading`, rounded up to whole pixels.
    static func lineHeight(_ fonts: FontSet, _ size: Double, weight: FontWeight = .regular, leading: Double = 3) -> Double {
        let m = fonts.verticalMetrics(size: size, weight: weight)
        return (m.ascent + m.descent + leading).rounded(.up)
    }

    static func ascent(_ fonts: FontSet, _ size: Double, weight: FontWeight = .regular) -> Double {
        fonts.verticalMetrics(size: size, weight: weight).ascent
    }

    /// `text` with every digit replaced by 8, one of DejaVu's equal-width digits: the reservation for a line
    /// whose numbers are not known yet.
    static func reserve(_ text: String) -> String {
        String(text.map { $0.isNumber ? "8" : $0 })
    }

    /// "6×12×12" for a shape.
    static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
}
