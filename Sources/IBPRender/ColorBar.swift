extension Picture {
    /// A horizontal colour bar filling `rect`, running from `lo` at the left to `hi` at the right in `steps`
    /// blocks, outlined, with the end values written beside it (`lo` to the left, right-aligned; `hi` to the right)
    /// in text of `labelSize` pixels. Callers reserve `gap + width of the label` on each side.
    public mutating func colorBar(_ rect: Rect, lo: Double, hi: Double, labelSize: Double, gap: Double = 4,
                                  steps: Int = 64, color: (Double) -> RGB) {
        let n = max(1, steps)
        let colors = (0..<n).map { i in color(lo + (hi - lo) * (n == 1 ? 0 : Double(i) / Double(n - 1))) }
        cells(CellImage(rect: rect, columns: n, rows: 1, colors: colors))
        outline(Rect(x: rect.x - 1, y: rect.y - 1, width: rect.width + 2, height: rect.height + 2), .darkGrey)
        let baseline = rect.y + rect.height / 2 + labelSize * 0.36
        text(NumberLabel.format(lo), x: rect.x - 1 - gap, y: baseline, size: labelSize, color: .darkGrey, anchor: .end)
        text(NumberLabel.format(hi), x: rect.x + rect.width + 1 + gap, y: baseline, size: labelSize, color: .darkGrey)
    }

    /// A colour bar for `Colormap.grey` over `[lo, hi]` (white at `lo`, black at `hi`).
    public mutating func greyColorBar(_ rect: Rect, lo: Double, hi: Double, labelSize: Double, gap: Double = 4) {
        colorBar(rect, lo: lo, hi: hi, labelSize: labelSize, gap: gap) { Colormap.grey($0, lo: lo, hi: hi) }
    }
}
