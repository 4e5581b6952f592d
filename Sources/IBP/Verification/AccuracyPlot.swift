import Foundation
import IBPRender

/// Verified and PGD accuracy against test epsilon, one pair of lines per evaluated checkpoint.
public enum AccuracyPlot {
    public static func render(_ reports: [EvaluationReport], to url: URL) throws {
        var series: [LinePlot.Series] = []
        for (i, report) in reports.enumerated() {
            let color = RGB.palette[i % RGB.palette.count]
            let name = URL(fileURLWithPath: report.checkpoint).deletingPathExtension().lastPathComponent
            let eps = report.results.map { Double($0.epsilon) }
            series.append(LinePlot.Series(name: "\(name) verified", x: eps, y: report.results.map(\.verifiedAccuracy),
                                          color: color, marker: .dot))
            let pgd = report.results.compactMap { r in r.pgdAccuracy.map { (x: Double(r.epsilon), y: $0) } }
            if !pgd.isEmpty {
                series.append(LinePlot.Series(name: "\(name) PGD", points: pgd, color: color, marker: .cross, lineWidth: 1))
            }
        }
        let count = reports.first?.count ?? 0
        let plot = LinePlot(title: "MNIST test accuracy under L-inf perturbation (\(count) images)",
                            xLabel: "test epsilon", yLabel: "accuracy", series: series, yRange: 0...1, legend: .bottomLeft)
        try PNGFile.write(plot.render(width: 800, height: 500), to: url,
                          text: [("Software", FigureRenderer.version),
                                 ("Checkpoints", reports.map(\.checkpoint).joined(separator: " "))])
    }
}
