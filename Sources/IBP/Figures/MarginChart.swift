import IBPRender

/// The bar chart under the logits: for each class j the worst-case elided margin m_j = max over the eps-box of
/// z_j - z_y (Gowal et al. 2019, section 3), the quantity that is certified. A bar below the zero line (green) is
/// a class that provably cannot overtake the label; one above it (red) is where the certificate fails. The label's
/// own column has no bar and a bold number; non-finite margins are magenta bars to the chart's edge.
enum MarginChart {
    static let slot = 20.0
    static let bar = 14.0
    static let plotHeight = 72.0
    static let caption = "worst-case margin m_j = max over the box of z_j − z_y (< 0: safe)"

    static func width(classes: Int, fonts: FontSet) -> Double {
        max(Double(classes) * slot, fonts.width(caption, size: FigureStyle.body)).rounded(.up)
    }

    static func height(fonts: FontSet) -> Double {
        (FigureStyle.lineHeight(fonts, FigureStyle.body) + 4 + plotHeight + 4
            + FigureStyle.lineHeight(fonts, FigureStyle.small)).rounded(.up)
    }

    /// The chart with its caption at the top-left; the value labels sit right-aligned in the `gutter` to the left
    /// of the bars.
    static func draw(margins: [Float], label: Int, range: ClosedRange<Double>, gutter: Double, fonts: FontSet) -> Picture {
        let body = FigureStyle.body, small = FigureStyle.small
        let captionHeight = FigureStyle.lineHeight(fonts, body)
        var pic = Picture(width: gutter + width(classes: margins.count, fonts: fonts), height: height(fonts: fonts))
        pic.text(caption, x: gutter, y: FigureStyle.ascent(fonts, body) + 1, size: body, color: .darkGrey)
        let top = captionHeight + 4, bottom = top + plotHeight
        let lo = range.lowerBound, hi = range.upperBound
        func y(_ v: Double) -> Double { bottom - (v - lo) / (hi - lo) * plotHeight }
        let zero = y(0).rounded()
        let chartWidth = Double(margins.count) * slot
        let smallAscent = FigureStyle.ascent(fonts, small)
        pic.outline(Rect(x: gutter, y: top, width: chartWidth, height: plotHeight + 1), RGB(grey: 225))
        // The two ends are labelled; "0" too when it does not collide with them (the zero line is drawn anyway).
        var labelled: [Double] = []
        for (value, at) in [(hi, top), (lo, bottom)] where value != 0 {
            pic.text(NumberLabel.format(value), x: gutter - 6, y: at + smallAscent * 0.36, size: small, color: .darkGrey,
                     anchor: .end)
            labelled.append(at)
        }
        if labelled.allSatisfy({ abs($0 - zero) >= smallAscent * 1.2 }) {
            pic.text("0", x: gutter - 6, y: zero + smallAscent * 0.36, size: small, color: .darkGrey, anchor: .end)
        }
        for (j, m) in margins.enumerated() {
            let x = gutter + Double(j) * slot + (slot - bar) / 2
            let isLabel = j == label
            pic.text(String(j), x: x + bar / 2, y: bottom + 4 + smallAscent, size: small,
                     weight: isLabel ? .bold : .regular, color: isLabel ? .black : .darkGrey, anchor: .middle)
            if isLabel { continue }
            let v = Double(m)
            let color: RGB
            let end: Double
            if v.isFinite {
                color = v < 0 ? FigureStyle.verifiedColor : FigureStyle.refutedColor
                end = y(min(max(v, lo), hi))
            } else {
                color = Colormap.nonFiniteColor
                end = v == -.infinity ? bottom : top
            }
            let y0 = min(zero, end), y1 = max(zero, end)
            pic.fill(Rect(x: x, y: y0, width: bar, height: max(1, y1 - y0)), color)
        }
        pic.horizontalRule(x0: gutter, x1: gutter + chartWidth, y: zero, .black)
        return pic
    }
}
