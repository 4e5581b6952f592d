/// Drawing whole value grids (activations, bounds) as images, each value a square block.
extension Canvas {
    /// Draws `values` (row-major, `columns`×`rows`) with `Colormap.grey` over `[lo, hi]`,
    /// top-left at (x, y), each value a `cell`×`cell` block.
    public mutating func drawGreyTile(_ values: [Float], columns: Int, rows: Int, x: Int, y: Int, cell: Int,
                                      lo: Double, hi: Double) {
        precondition(values.count == columns * rows, "tile needs columns * rows values")
        for r in 0..<rows {
            for c in 0..<columns {
                let color = Colormap.grey(Double(values[r * columns + c]), lo: lo, hi: hi)
                fillRect(x: x + c * cell, y: y + r * cell, width: cell, height: cell, color)
            }
        }
    }

    /// Draws the bound-range colour of each unit (row-major, `columns`×`rows`) from its unperturbed
    /// value and its lower and upper bounds, with `Colormap.boundRange` at `scale`.
    public mutating func drawBoundRangeTile(normal: [Float], lower: [Float], upper: [Float], columns: Int, rows: Int,
                                            x: Int, y: Int, cell: Int, scale: Double) {
        let n = columns * rows
        precondition(normal.count == n && lower.count == n && upper.count == n, "tile needs columns * rows values")
        for r in 0..<rows {
            for c in 0..<columns {
                let i = r * columns + c
                let color = Colormap.boundRange(lowerGap: Double(normal[i]) - Double(lower[i]),
                                                upperGap: Double(upper[i]) - Double(normal[i]), scale: scale)
                fillRect(x: x + c * cell, y: y + r * cell, width: cell, height: cell, color)
            }
        }
    }
}
