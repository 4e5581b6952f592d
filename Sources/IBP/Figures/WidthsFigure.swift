import Foundation
import IBPRender

/// One line of the `widths` figure: a model under a bound method, with each sample's mean bound width per stage.
public struct WidthsLine: Sendable {
    public var name: String
    /// Stage names in order (`x`, `l1`, `a1`, ..., `y`).
    public var stages: [String]
    /// `perSample[s][k]`: mean of u - l over stage k's units for sample s (`StageSummary.meanWidth`).
    public var perSample: [[Double]]

    public init(name: String, stages: [String], perSample: [[Double]]) {
        self.name = name
        self.stages = stages
        self.perSample = perSample
    }

    /// Mean over samples per stage, and the smallest and largest sample value.
    var statistics: (mean: [Double], lo: [Double], hi: [Double]) {
        let n = Double(max(1, perSample.count))
        var mean: [Double] = [], lo: [Double] = [], hi: [Double] = []
        for k in stages.indices {
            let column = perSample.map { $0[k] }
            mean.append(column.reduce(0, +) / n)
            lo.append(column.min() ?? 0)
            hi.append(column.max() ?? 0)
        }
        return (mean, lo, hi)
    }
}

/// `widths`: mean bound width u - l per stage on a log axis, one line per model or bound method: the "explodes
/// against tight" picture of the comparison figure in one panel. With several samples the line is their mean and
/// the band spans the smallest to the largest sample. Stages whose width is 0 (eps 0) cannot be drawn on a log axis
/// and break the line.
public enum WidthsFigure {
    public static let width = 960.0
    public static let height = 540.0

    public static func picture(_ lines: [WidthsLine], title: String, fonts: FontSet) -> Picture {
        let longest = lines.max { $0.stages.count < $1.stages.count }?.stages ?? []
        var plot = LinePlot(title: title, xLabel: "stage", yLabel: "mean bound width u − l", legend: .right)
        plot.yScale = .log10
        plot.xTickLabels = longest.enumerated().map { (Double($0.offset), $0.element) }
        for (i, line) in lines.enumerated() {
            let color = RGB.palette[i % RGB.palette.count]
            let stats = line.statistics
            let x = line.stages.indices.map(Double.init)
            if line.perSample.count > 1 {
                plot.bands.append(LinePlot.Band(x: x, lower: stats.lo, upper: stats.hi, color: color))
            }
            plot.series.append(LinePlot.Series(name: line.name, x: x, y: stats.mean, color: color, marker: .dot))
        }
        return plot.picture(width: width, height: height, fonts: fonts)
    }
}
