/// A line chart of named series with axes, round-numbered ticks, axis labels, a title and a legend.
///
/// Non-finite points are skipped and break the line, so diverged runs still plot.
public struct LinePlot {
    /// The symbol drawn at each data point.
    public enum Marker: Sendable {
        case none, dot, square, cross
    }

    /// Where the legend goes inside the plot area; `.auto` picks the corner covering the least data.
    public enum LegendPlacement: Sendable {
        case auto, topLeft, topRight, bottomLeft, bottomRight, hidden
    }

    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Nil takes the next colour of `RGB.palette`.
        public var color: RGB?
        public var marker: Marker
        public var lineWidth: Int

        public init(name: String, points: [(x: Double, y: Double)], color: RGB? = nil,
                    marker: Marker = .none, lineWidth: Int = 2) {
            self.name = name
            self.points = points
            self.color = color
            self.marker = marker
            self.lineWidth = lineWidth
        }

        /// A series from parallel arrays; extra values in the longer one are ignored.
        public init(name: String, x: [Double], y: [Double], color: RGB? = nil,
                    marker: Marker = .none, lineWidth: Int = 2) {
            self.init(name: name, points: zip(x, y).map { (x: $0, y: $1) }, color: color,
                      marker: marker, lineWidth: lineWidth)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed x range, or nil to fit the data and round outward to ticks.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range (e.g. `0...1` for accuracy), or nil to fit the data and round outward to ticks.
    public var yRange: ClosedRange<Double>?
    public var legend: LegendPlacement
    /// Integer scale for all text.
    public var textScale: Int

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                legend: LegendPlacement = .auto, textScale: Int = 1) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.legend = legend
        self.textScale = textScale
    }

    /// Draws the chart onto a new `width`×`height` canvas.
    public func render(width: Int, height: Int, background: RGB = .white) -> Canvas {
        var canvas = Canvas(width: width, height: height, background: background)
        let s = max(1, textScale)
        let pad = 6 * s, tick = 4 * s
        let textHeight = BitmapFont.height(of: "0", scale: s)

        let top = pad + (title.isEmpty ? 0 : textHeight + pad)
        let bottom = tick + pad + textHeight + (xLabel.isEmpty ? 0 : pad + textHeight) + pad
        let roughPlotHeight = max(1, height - top - bottom)
        let yAxis = axis(range: yRange, values: series.flatMap { $0.points.map(\.y) },
                         target: max(2, roughPlotHeight / (40 * s)))
        let yLabelWidth = yAxis.ticks.values.map { BitmapFont.width(of: yAxis.ticks.label($0), scale: s) }.max() ?? 0
        let left = pad + (yLabel.isEmpty ? 0 : textHeight + pad) + yLabelWidth + tick + pad / 2
        let right = 3 * pad
        let plot = (x: left, y: top, width: width - left - right, height: height - top - bottom)
        guard plot.width > 4, plot.height > 4 else { return canvas }
        let xAxis = fittingXAxis(plotWidth: plot.width, scale: s)

        let project = Projection(xRange: xAxis.range, yRange: yAxis.range, width: plot.width, height: plot.height)
        var area = Canvas(width: plot.width, height: plot.height, background: background)
        let gridColor = RGB(grey: 232)
        for v in xAxis.ticks.values { area.drawVerticalDivider(x: project.x(v), gridColor) }
        for v in yAxis.ticks.values { area.drawHorizontalDivider(y: project.y(v), gridColor) }
        for (i, line) in series.enumerated() {
            area.draw(line, color: line.color ?? RGB.palette[i % RGB.palette.count], project: project)
        }
        if legend != .hidden && !series.isEmpty {
            area.drawLegend(series, placement: legend, scale: s, background: background, ignoring: [background, gridColor])
        }
        canvas.blit(area, x: plot.x, y: plot.y)
        canvas.strokeRect(x: plot.x - 1, y: plot.y - 1, width: plot.width + 2, height: plot.height + 2, .darkGrey)

        for v in xAxis.ticks.values {
            let px = plot.x + project.x(v)
            canvas.fillRect(x: px, y: plot.y + plot.height + 1, width: 1, height: tick, .darkGrey)
            let label = xAxis.ticks.label(v)
            canvas.drawText(label, x: px - BitmapFont.width(of: label, scale: s) / 2,
                            y: plot.y + plot.height + 1 + tick + pad / 2, scale: s)
        }
        for v in yAxis.ticks.values {
            let py = plot.y + project.y(v)
            canvas.fillRect(x: plot.x - 1 - tick, y: py, width: tick, height: 1, .darkGrey)
            let label = yAxis.ticks.label(v)
            // Centre on the cap height so the digits, not the descender space, line up with the tick.
            canvas.drawText(label, x: plot.x - 1 - tick - pad / 2 - BitmapFont.width(of: label, scale: s),
                            y: py - BitmapFont.ascent * s / 2, scale: s)
        }
        if !title.isEmpty {
            canvas.drawText(title, x: plot.x + (plot.width - BitmapFont.width(of: title, scale: s)) / 2, y: pad, scale: s)
        }
        if !xLabel.isEmpty {
            canvas.drawText(xLabel, x: plot.x + (plot.width - BitmapFont.width(of: xLabel, scale: s)) / 2,
                            y: height - pad - textHeight, scale: s)
        }
        if !yLabel.isEmpty {
            var label = Canvas(width: BitmapFont.width(of: yLabel, scale: s), height: textHeight, background: background)
            label.drawText(yLabel, x: 0, y: 0, scale: s)
            let rotated = label.rotatedCounterClockwise()
            canvas.blit(rotated, x: pad, y: plot.y + (plot.height - rotated.height) / 2)
        }
        return canvas
    }

    private struct Axis {
        var range: ClosedRange<Double>
        var ticks: AxisTicks
    }

    private func axis(range fixed: ClosedRange<Double>?, values: [Double], target: Int) -> Axis {
        if let fixed, fixed.upperBound > fixed.lowerBound, fixed.lowerBound.isFinite, fixed.upperBound.isFinite {
            return Axis(range: fixed, ticks: AxisTicks(lo: fixed.lowerBound, hi: fixed.upperBound, target: target))
        }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi <= lo {
            let half = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= half
            hi += half
        }
        let range = AxisTicks.niceRange(lo: lo, hi: hi, target: target)
        return Axis(range: range, ticks: AxisTicks(lo: range.lowerBound, hi: range.upperBound, target: target))
    }

    /// The x axis with as many ticks as fit without their labels touching.
    private func fittingXAxis(plotWidth: Int, scale: Int) -> Axis {
        let xs = series.flatMap { $0.points.map(\.x) }
        var target = max(2, plotWidth / (70 * scale))
        while true {
            let candidate = axis(range: xRange, values: xs, target: target)
            let widest = candidate.ticks.values.map { BitmapFont.width(of: candidate.ticks.label($0), scale: scale) }.max() ?? 0
            let span = candidate.range.upperBound - candidate.range.lowerBound
            let spacing = Double(plotWidth) * candidate.ticks.step / span
            if target <= 2 || spacing >= Double(widest + 10 * scale) { return candidate }
            target -= 1
        }
    }
}

/// Maps data coordinates to pixel positions inside the plot area.
struct Projection {
    let xRange: ClosedRange<Double>
    let yRange: ClosedRange<Double>
    let width: Int
    let height: Int

    func x(_ v: Double) -> Int {
        pixel((v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Double(width - 1))
    }

    func y(_ v: Double) -> Int {
        pixel(Double(height - 1) - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Double(height - 1))
    }

    /// Rounds to a pixel, clamped far outside the area so wild values cannot overflow `Int`.
    private func pixel(_ v: Double) -> Int {
        Int(min(max(v, -1e6), 1e6).rounded())
    }
}
