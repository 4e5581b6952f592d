import Foundation
import IBPRender

/// `curves.png`: losses (top) and accuracies (bottom) against step, from the metrics log.
public enum TrainingCurves {
    public static func render(metrics: MetricsLog, to url: URL, title: String) throws {
        try PNGFile.write(canvas(metrics.records, title: title), to: url, text: [("Title", title)])
    }

    static func canvas(_ records: [MetricsLog.Record], title: String) -> Canvas {
        let train = records.filter { $0.type == "train" }, eval = records.filter { $0.type == "eval" }
        func series(_ name: String, _ rows: [MetricsLog.Record], _ value: (MetricsLog.Record) -> Double?,
                    marker: LinePlot.Marker = .none) -> LinePlot.Series? {
            let points = rows.compactMap { r in value(r).map { (x: Double(r.step), y: $0) } }
            return points.isEmpty ? nil : LinePlot.Series(name: name, points: points, marker: marker)
        }
        let losses = LinePlot(title: title, xLabel: "step", yLabel: "loss", series: [
            series("total loss", train) { $0.loss.map(Double.init) },
            series("nominal xent", train) { $0.nominalLoss.map(Double.init) },
            series("verified xent", train) { $0.verifiedLoss.map(Double.init) },
        ].compactMap { $0 })
        let accuracies = LinePlot(title: "accuracy", xLabel: "step", yLabel: "accuracy", series: [
            series("batch nominal", train) { $0.nominalAccuracy },
            series("batch verified", train) { $0.verifiedAccuracy },
            series("test nominal", eval, { $0.nominalAccuracy }, marker: .dot),
            series("test verified", eval, { $0.verifiedAccuracy }, marker: .dot),
        ].compactMap { $0 }, yRange: 0...1)
        return Canvas.stackedVertically([losses.render(width: 900, height: 360),
                                         accuracies.render(width: 900, height: 360)], spacing: 8)
    }
}
