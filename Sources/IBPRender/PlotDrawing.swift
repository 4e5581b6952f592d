/// Series and legend drawing used by `LinePlot`, on the canvas of the plot area alone.
extension Canvas {
    mutating func draw(_ series: LinePlot.Series, color: RGB, project: Projection) {
        var previous: (x: Int, y: Int)?
        var drawn: [(x: Int, y: Int)] = []
        for p in series.points {
            guard p.x.isFinite, p.y.isFinite else {
                previous = nil
                continue
            }
            let point = (x: project.x(p.x), y: project.y(p.y))
            if let previous {
                drawLine(x0: previous.x, y0: previous.y, x1: point.x, y1: point.y, color, thickness: series.lineWidth)
            }
            previous = point
            drawn.append(point)
        }
        // A lone point has no line through it, so it needs a marker to be seen at all.
        let marker = series.marker == .none && drawn.count == 1 ? .dot : series.marker
        for point in drawn {
            drawMarker(marker, x: point.x, y: point.y, color)
        }
    }

    mutating func drawMarker(_ marker: LinePlot.Marker, x: Int, y: Int, _ color: RGB) {
        switch marker {
        case .none:
            break
        case .dot:
            fillRect(x: x - 2, y: y - 1, width: 5, height: 3, color)
            fillRect(x: x - 1, y: y - 2, width: 3, height: 5, color)
        case .square:
            strokeRect(x: x - 3, y: y - 3, width: 7, height: 7, color, thickness: 2)
        case .cross:
            drawLine(x0: x - 3, y0: y - 3, x1: x + 3, y1: y + 3, color, thickness: 2)
            drawLine(x0: x - 3, y0: y + 3, x1: x + 3, y1: y - 3, color, thickness: 2)
        }
    }

    /// Draws the legend box; for `.auto`, in the corner where the fewest pixels differ from `ignoring` colours.
    mutating func drawLegend(_ series: [LinePlot.Series], placement: LinePlot.LegendPlacement, scale: Int,
                             background: RGB, ignoring: Set<RGB>) {
        let pad = 4 * scale, swatch = 16 * scale
        let rowHeight = BitmapFont.height(of: "0", scale: scale) + 2 * scale
        let boxWidth = pad * 3 + swatch + (series.map { BitmapFont.width(of: $0.name, scale: scale) }.max() ?? 0)
        let boxHeight = pad * 2 + rowHeight * series.count - 2 * scale
        let margin = 6
        let corners: [LinePlot.LegendPlacement: (Int, Int)] = [
            .topRight: (width - margin - boxWidth, margin),
            .topLeft: (margin, margin),
            .bottomRight: (width - margin - boxWidth, height - margin - boxHeight),
            .bottomLeft: (margin, height - margin - boxHeight),
        ]
        let order: [LinePlot.LegendPlacement] = [.topRight, .topLeft, .bottomRight, .bottomLeft]
        let chosen = placement == .auto
            ? order.min { inked(corners[$0]!, boxWidth, boxHeight, ignoring) < inked(corners[$1]!, boxWidth, boxHeight, ignoring) }!
            : placement
        guard let (x, y) = corners[chosen] else { return }
        fillRect(x: x, y: y, width: boxWidth, height: boxHeight, background)
        strokeRect(x: x, y: y, width: boxWidth, height: boxHeight, .grey)
        for (i, line) in series.enumerated() {
            let color = line.color ?? RGB.palette[i % RGB.palette.count]
            let rowY = y + pad + i * rowHeight
            let midY = rowY + BitmapFont.ascent * scale / 2
            drawLine(x0: x + pad, y0: midY, x1: x + pad + swatch - 1, y1: midY, color, thickness: line.lineWidth)
            drawMarker(line.marker, x: x + pad + swatch / 2, y: midY, color)
            drawText(line.name, x: x + pad * 2 + swatch, y: rowY, scale: scale)
        }
    }

    /// How many pixels in the rectangle are not one of the `ignoring` colours.
    private func inked(_ corner: (Int, Int), _ w: Int, _ h: Int, _ ignoring: Set<RGB>) -> Int {
        let x0 = max(0, corner.0), x1 = min(width, corner.0 + w)
        let y0 = max(0, corner.1), y1 = min(height, corner.1 + h)
        guard x0 < x1, y0 < y1 else { return 0 }
        var count = 0
        for y in y0..<y1 {
            for x in x0..<x1 where !ignoring.contains(pixel(x: x, y: y)) {
                count += 1
            }
        }
        return count
    }
}
