extension Canvas {
    /// Draws a horizontal colour bar at (x, y) running from `lo` on the left to `hi` on the right,
    /// outlined, with both end values written underneath. Returns the total height used.
    @discardableResult
    public mutating func drawColorBar(x: Int, y: Int, width: Int, height: Int, lo: Double, hi: Double,
                                      textScale: Int = 1, textColor: RGB = .black,
                                      color: (Double) -> RGB) -> Int {
        guard width > 0, height > 0 else { return 0 }
        for i in 0..<width {
            let t = width == 1 ? 0 : Double(i) / Double(width - 1)
            fillRect(x: x + i, y: y, width: 1, height: height, color(lo + t * (hi - lo)))
        }
        strokeRect(x: x - 1, y: y - 1, width: width + 2, height: height + 2, .darkGrey)
        let labelY = y + height + 3
        let loText = NumberLabel.format(lo), hiText = NumberLabel.format(hi)
        drawText(loText, x: x, y: labelY, textColor, scale: textScale)
        drawText(hiText, x: x + width - BitmapFont.width(of: hiText, scale: textScale), y: labelY, textColor, scale: textScale)
        return labelY + BitmapFont.height(of: "0", scale: textScale) - y
    }

    /// A colour bar for `Colormap.grey` over `[lo, hi]`.
    @discardableResult
    public mutating func drawGreyColorBar(x: Int, y: Int, width: Int, height: Int, lo: Double, hi: Double,
                                          textScale: Int = 1) -> Int {
        drawColorBar(x: x, y: y, width: width, height: height, lo: lo, hi: hi, textScale: textScale) {
            Colormap.grey($0, lo: lo, hi: hi)
        }
    }
}
