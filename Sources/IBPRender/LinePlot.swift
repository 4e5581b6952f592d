import Foundation

/// A line chart y = f(x) of named series, with shaded bands, a linear or log10 y axis, round-numbered ticks,
/// axis labels, a title and a legend, drawn as a `Picture` (anti-aliased lines and text through Cairo).
///
/// Total: non-finite points (and, on a log axis, points <= 0) are skipped and break the line, so diverged runs and
/// zero widths still plot; ranges that are empty or not finite fall back to a unit range.
public struct LinePlot {
    /// The symbol drawn at each data point.
    public enum Marker: Sendable {
        case none, dot, square, cross, triangle
    }

    /// Where the legend goes: a corner inside the plot area (`.auto` picks the one covering the fewest points),
    /// outside to the right of it, or nowhere.
    public enum LegendPlacement: Sendable {
        case auto, topLeft, topRight, bottomLeft, bottomRight, right, hidden
    }

    public enum AxisScale: Sendable {
        case linear, log10
    }

    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        /// Nil takes the next colour of `RGB.palette`.
        public var color: RGB?
        public var marker: Marker
        /// Line width in pixels; 0 draws markers only.
        public var lineWidth: Double
        /// Dash pattern (on, off, ... pixels); empty for a solid line.
        public var dash: [Double]

        public init(name: String, points: [(x: Double, y: Double)], color: RGB? = nil, marker: Marker = .none,
                    lineWidth: Double = 2, dash: [Double] = []) {
            self.name = name
            self.points = points
            self.color = color
            self.marker = marker
            self.lineWidth = lineWidth
            self.dash = dash
        }

        /// A series from parallel arrays; extra values in the longer one are ignored.
        public init(name: String, x: [Double], y: [Double], color: RGB? = nil, marker: Marker = .none,
                    lineWidth: Double = 2, dash: [Double] = []) {
            self.init(name: name, points: zip(x, y).map { (x: $0, y: $1) }, color: color, marker: marker,
                      lineWidth: lineWidth, dash: dash)
        }
    }

    /// A shaded area between `lower` and `upper` over `x` (e.g. the spread over samples around a mean line).
    public struct Band: Sendable {
        public var x: [Double]
        public var lower: [Double]
        public var upper: [Double]
        public var color: RGB
        public var opacity: Double

        public init(x: [Double], lower: [Double], upper: [Double], color: RGB, opacity: Double = 0.18) {
            self.x = x
            self.lower = lower
            self.upper = upper
            self.color = color
            self.opacity = opacity
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band] = []
    /// Fixed x range, or nil to fit the data and round outward to ticks.
    public var xRange: ClosedRange<Double>?
    /// Fixed y range (e.g. `0...1` for accuracy), or nil to fit the data and round outward.
    public var yRange: ClosedRange<Double>?
    public var yScale: AxisScale = .linear
    /// Named x ticks (e.g. stage names at 0, 1, 2, ...) instead of numbered ones.
    public var xTickLabels: [(x: Double, label: String)]?
    public var legend: LegendPlacement
    /// Body text size in pixels per em (tick labels, legend, axis labels); the title is 15% larger.
    public var textSize: Double

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                legend: LegendPlacement = .auto, textSize: Double = 12) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.legend = legend
        self.textSize = textSize
    }

    /// The colour series `index` is drawn in.
    public func color(of index: Int) -> RGB { series[index].color ?? RGB.palette[index % RGB.palette.count] }

    private struct Axis {
        var lo: Double
        var hi: Double
        /// Major ticks: position and label.
        var ticks: [(value: Double, label: String)]
        /// Unlabelled minor ticks (log axes: 2..9 times each decade).
        var minor: [Double] = []
    }

    /// Draws the chart on a new `width` x `height` picture.
    public func picture(width: Double, height: Double, fonts: FontSet) -> Picture {
        var pic = Picture(width: width, height: height)
        let s = textSize, titleSize = (textSize * 1.15).rounded()
        let pad = 10.0, tick = 5.0
        let m = fonts.verticalMetrics(size: s), tm = fonts.verticalMetrics(size: titleSize, weight: .bold)
        let lineHeight = m.ascent + m.descent

        let top = pad + (title.isEmpty ? 0 : tm.ascent + tm.descent + 6)
        let bottom = tick + 3 + lineHeight + (xLabel.isEmpty ? 0 : 4 + lineHeight) + pad
        let yAxis = makeYAxis()
        let yLabelWidth = yAxis.ticks.map { fonts.width($0.label, size: s) }.max() ?? 0
        let left = (pad + (yLabel.isEmpty ? 0 : lineHeight + 6) + yLabelWidth + 4 + tick).rounded()
        let legendSize = legendBox(fonts: fonts)
        let outside = legend == .right && !series.isEmpty ? legendSize.width + pad : 0
        // The last x tick label is centred on the plot's right edge: half of it must fit in the right margin.
        let right = pad + max(outside, lastXLabelWidth(fonts: fonts) / 2)
        let plot = Rect(x: left, y: top.rounded(), width: (width - left - right).rounded(.down),
                        height: (height - top.rounded() - bottom).rounded(.down))
        if !title.isEmpty {
            pic.text(title, x: plot.x + max(plot.width, 0) / 2, y: pad + tm.ascent, size: titleSize, weight: .bold,
                     anchor: .middle)
        }
        guard plot.width > 10, plot.height > 10 else { return pic }
        let xAxis = makeXAxis(plotWidth: plot.width, fonts: fonts)

        func px(_ v: Double) -> Double { plot.x + (v - xAxis.lo) / (xAxis.hi - xAxis.lo) * plot.width }
        func py(_ v: Double) -> Double {
            let t = yScale == .log10 ? (log10(v) - log10(yAxis.lo)) / (log10(yAxis.hi) - log10(yAxis.lo))
                                     : (v - yAxis.lo) / (yAxis.hi - yAxis.lo)
            return plot.y + plot.height - t * plot.height
        }
        func usable(_ x: Double, _ y: Double) -> Bool { x.isFinite && y.isFinite && (yScale == .linear || y > 0) }

        // Grid, then the data clipped to the plot area, then the frame, ticks and labels on top.
        let grid = RGB(grey: 232)
        for t in xAxis.ticks { pic.verticalRule(x: px(t.value).rounded(.down), y0: plot.y, y1: plot.y + plot.height, grid) }
        for t in yAxis.ticks { pic.horizontalRule(x0: plot.x, x1: plot.x + plot.width, y: py(t.value).rounded(.down), grid) }
        // Lines and bands are clipped to the plot area; markers only to a slightly larger one, so a point on
        // the frame stays whole.
        var data = Picture(width: width, height: height), marks = Picture(width: width, height: height)
        for band in bands {
            var upper: [Point] = [], lower: [Point] = []
            for i in 0..<min(band.x.count, band.lower.count, band.upper.count) {
                let x = band.x[i], lo = band.lower[i], hi = band.upper[i]
                if usable(x, lo) && usable(x, hi) {
                    upper.append(Point(px(x), py(hi)))
                    lower.append(Point(px(x), py(lo)))
                } else {
                    data.polygon(upper + lower.reversed(), fill: band.color, opacity: band.opacity)
                    upper = []
                    lower = []
                }
            }
            data.polygon(upper + lower.reversed(), fill: band.color, opacity: band.opacity)
        }
        for (i, line) in series.enumerated() {
            let color = self.color(of: i)
            var run: [Point] = []
            var drawn: [Point] = []
            for p in line.points {
                if usable(p.x, p.y) {
                    run.append(Point(px(p.x), py(p.y)))
                    drawn.append(run.last!)
                } else {
                    if line.lineWidth > 0 { data.line(run, Stroke(color, width: line.lineWidth, dash: line.dash)) }
                    run = []
                }
            }
            if line.lineWidth > 0 { data.line(run, Stroke(color, width: line.lineWidth, dash: line.dash)) }
            // A lone point has no line through it, so it needs a marker to be seen at all.
            let marker = line.marker == .none && drawn.count == 1 ? .dot : line.marker
            for p in drawn { marks.marker(marker, at: p, color: color) }
        }
        pic.clip(plot, data)
        pic.clip(Rect(x: plot.x - 5, y: plot.y - 5, width: plot.width + 10, height: plot.height + 10), marks)
        pic.outline(Rect(x: plot.x - 1, y: plot.y - 1, width: plot.width + 2, height: plot.height + 2), .darkGrey)

        let axisColor = RGB.darkGrey
        for t in xAxis.ticks {
            let x = px(t.value).rounded(.down)
            pic.verticalRule(x: x, y0: plot.y + plot.height + 1, y1: plot.y + plot.height + 1 + tick, axisColor)
            pic.text(t.label, x: x + 0.5, y: plot.y + plot.height + 1 + tick + 3 + m.ascent, size: s, anchor: .middle)
        }
        for v in yAxis.minor {
            let y = py(v).rounded(.down)
            pic.horizontalRule(x0: plot.x - 1 - tick / 2, x1: plot.x - 1, y: y, axisColor)
        }
        for t in yAxis.ticks {
            let y = py(t.value).rounded(.down)
            pic.horizontalRule(x0: plot.x - 1 - tick, x1: plot.x - 1, y: y, axisColor)
            pic.text(t.label, x: plot.x - 1 - tick - 4, y: y + 0.5 + m.ascent * 0.36, size: s, anchor: .end)
        }
        if !xLabel.isEmpty {
            pic.text(xLabel, x: plot.x + plot.width / 2, y: height - pad - m.descent, size: s, anchor: .middle)
        }
        if !yLabel.isEmpty {
            pic.text(yLabel, x: pad + m.ascent, y: plot.y + plot.height / 2, size: s, anchor: .middle, vertical: true)
        }
        if legend != .hidden && !series.isEmpty {
            let origin = legendOrigin(size: legendSize, plot: plot, outsideX: width - right + pad, px: px, py: py,
                                      usable: usable)
            drawLegend(into: &pic, at: origin, size: legendSize, fonts: fonts)
        }
        return pic
    }

    // MARK: Axes

    private func makeYAxis() -> Axis {
        var values = series.flatMap { $0.points.map(\.y) }
        for band in bands { values += band.lower + band.upper }
        if yScale == .log10 {
            let positive = values.filter { $0.isFinite && $0 > 0 }
            var range = LogTicks.decadeRange(lo: positive.min() ?? 1, hi: positive.max() ?? 10)
            if let fixed = yRange, fixed.lowerBound > 0, fixed.upperBound > fixed.lowerBound, fixed.upperBound.isFinite {
                range = fixed
            }
            let exponents = LogTicks(lo: range.lowerBound, hi: range.upperBound).exponents
            // With many decades, label every second or third one so the labels do not crowd.
            let every = max(1, (exponents.count + 7) / 8)
            let labelled = exponents.filter { $0 % every == 0 }
            var minor: [Double] = []
            if exponents.count <= 12 {
                let a = Total.int(floor(log10(range.lowerBound)), in: -400...400, nan: 0)
                let b = Total.int(ceil(log10(range.upperBound)), in: -400...400, nan: 0)
                for k in a..<max(a, b) {
                    for f in 2...9 {
                        let v = Double(f) * pow(10, Double(k))
                        if v > range.lowerBound && v < range.upperBound { minor.append(v) }
                    }
                }
            }
            return Axis(lo: range.lowerBound, hi: range.upperBound,
                        ticks: labelled.map { (pow(10, Double($0)), NumberLabel.powerOfTen($0)) }, minor: minor)
        }
        let range = linearRange(fixed: yRange, values: values, target: 6)
        let ticks = AxisTicks(lo: range.lowerBound, hi: range.upperBound, target: 6)
        return Axis(lo: range.lowerBound, hi: range.upperBound, ticks: ticks.values.map { ($0, ticks.label($0)) })
    }

    /// The width of the label that can sit at the right end of the x axis (the largest of a fine tick set).
    private func lastXLabelWidth(fonts: FontSet) -> Double {
        if let named = xTickLabels { return named.last.map { fonts.width($0.label, size: textSize) } ?? 0 }
        let range = linearRange(fixed: xRange, values: series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x), target: 10)
        let ticks = AxisTicks(lo: range.lowerBound, hi: range.upperBound, target: 10)
        return ticks.values.map { fonts.width(ticks.label($0), size: textSize) }.max() ?? 0
    }

    /// The x axis with as many ticks as fit without their labels touching.
    private func makeXAxis(plotWidth: Double, fonts: FontSet) -> Axis {
        let xs = series.flatMap { $0.points.map(\.x) } + bands.flatMap(\.x)
        if let named = xTickLabels, !named.isEmpty {
            let positions = named.map(\.x).filter(\.isFinite)
            let lo = xRange?.lowerBound ?? ((positions.min() ?? 0) - 0.5)
            let hi = xRange?.upperBound ?? ((positions.max() ?? 1) + 0.5)
            return Axis(lo: lo, hi: hi > lo ? hi : lo + 1, ticks: named.filter { $0.x.isFinite }.map { ($0.x, $0.label) })
        }
        var target = max(2, Total.int(plotWidth / 80, in: 2...200, nan: 2))
        while true {
            let range = linearRange(fixed: xRange, values: xs, target: target)
            let ticks = AxisTicks(lo: range.lowerBound, hi: range.upperBound, target: target)
            let widest = ticks.values.map { fonts.width(ticks.label($0), size: textSize) }.max() ?? 0
            let spacing = plotWidth * ticks.step / (range.upperBound - range.lowerBound)
            if target <= 2 || spacing >= widest + 12 {
                return Axis(lo: range.lowerBound, hi: range.upperBound, ticks: ticks.values.map { ($0, ticks.label($0)) })
            }
            target -= 1
        }
    }

    private func linearRange(fixed: ClosedRange<Double>?, values: [Double], target: Int) -> ClosedRange<Double> {
        if let fixed, fixed.upperBound > fixed.lowerBound, fixed.lowerBound.isFinite, fixed.upperBound.isFinite,
           (fixed.upperBound - fixed.lowerBound).isFinite {
            return fixed
        }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if !(hi - lo).isFinite {
            // A span beyond Double's range cannot be projected; show the finite data around zero instead.
            lo = max(lo, -1e300)
            hi = min(hi, 1e300)
        }
        if hi <= lo {
            let half = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= half
            hi += half
        }
        return AxisTicks.niceRange(lo: lo, hi: hi, target: target)
    }

    // MARK: Legend

    private var legendPad: Double { 6 }
    private var swatch: Double { 26 }

    private func legendBox(fonts: FontSet) -> (width: Double, height: Double, row: Double) {
        let m = fonts.verticalMetrics(size: textSize)
        let row = (m.ascent + m.descent) * 1.15
        let names = series.map { fonts.width($0.name, size: textSize) }.max() ?? 0
        return ((legendPad * 3 + swatch + names).rounded(.up), (legendPad * 2 + row * Double(series.count)).rounded(.up), row)
    }

    private func legendOrigin(size: (width: Double, height: Double, row: Double), plot: Rect, outsideX: Double,
                              px: (Double) -> Double, py: (Double) -> Double,
                              usable: (Double, Double) -> Bool) -> Point {
        let margin = 6.0
        let corners: [(LegendPlacement, Point)] = [
            (.topRight, Point(plot.x + plot.width - margin - size.width, plot.y + margin)),
            (.topLeft, Point(plot.x + margin, plot.y + margin)),
            (.bottomRight, Point(plot.x + plot.width - margin - size.width, plot.y + plot.height - margin - size.height)),
            (.bottomLeft, Point(plot.x + margin, plot.y + plot.height - margin - size.height)),
        ]
        switch legend {
        case .right: return Point(outsideX, plot.y)
        case .auto:
            // The corner whose box covers the fewest data points (ties: the order above).
            let points = series.flatMap { $0.points.filter { usable($0.x, $0.y) }.map { Point(px($0.x), py($0.y)) } }
            func covered(_ o: Point) -> Int {
                points.filter { $0.x >= o.x && $0.x <= o.x + size.width && $0.y >= o.y && $0.y <= o.y + size.height }.count
            }
            return corners.min { covered($0.1) < covered($1.1) }!.1
        default:
            return corners.first { $0.0 == legend }?.1 ?? corners[0].1
        }
    }

    private func drawLegend(into pic: inout Picture, at origin: Point, size: (width: Double, height: Double, row: Double),
                            fonts: FontSet) {
        let box = Rect(x: origin.x.rounded(), y: origin.y.rounded(), width: size.width, height: size.height)
        pic.fill(box, .white)
        pic.outline(box, RGB(grey: 200))
        let m = fonts.verticalMetrics(size: textSize)
        for (i, line) in series.enumerated() {
            let color = self.color(of: i)
            let rowTop = box.y + legendPad + Double(i) * size.row
            let mid = rowTop + size.row / 2
            if line.lineWidth > 0 {
                pic.line([Point(box.x + legendPad, mid), Point(box.x + legendPad + swatch, mid)],
                         Stroke(color, width: line.lineWidth, dash: line.dash))
            }
            pic.marker(line.marker, at: Point(box.x + legendPad + swatch / 2, mid), color: color)
            pic.text(line.name, x: box.x + legendPad * 2 + swatch, y: mid + m.ascent * 0.36, size: textSize)
        }
    }
}

extension Picture {
    /// A plot marker centred on `p`.
    public mutating func marker(_ marker: LinePlot.Marker, at p: Point, color: RGB) {
        switch marker {
        case .none:
            break
        case .dot:
            add(.circle(p, radius: 3, fill: color, stroke: nil))
        case .square:
            outline(Rect(x: p.x - 3.5, y: p.y - 3.5, width: 7, height: 7), color, width: 1.5)
        case .cross:
            line([Point(p.x - 3.5, p.y - 3.5), Point(p.x + 3.5, p.y + 3.5)], Stroke(color, width: 1.5))
            line([Point(p.x - 3.5, p.y + 3.5), Point(p.x + 3.5, p.y - 3.5)], Stroke(color, width: 1.5))
        case .triangle:
            add(.path([Point(p.x, p.y - 4), Point(p.x + 4, p.y + 3), Point(p.x - 4, p.y + 3)], closed: true,
                      stroke: nil, fill: color, opacity: 1))
        }
    }
}
