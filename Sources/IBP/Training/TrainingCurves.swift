import Foundation
import IBPRender

/// `curves.png`: losses (top), accuracies (middle) and the schedule of eps, kappa, beta and learning rate (bottom)
/// against step, from the metrics log.
public enum TrainingCurves {
    /// The figure's title: "MODEL METHOD eps_train=E" for certified training; a nominal run has no training eps,
    /// so "MODEL nominal (verified at eps E)" with the eps its evaluations used.
    public static func title(model: String, method: TrainingSettings.Method, epsilonTrain: Float,
                             evalEpsilon: Float) -> String {
        method == .nominal ? "\(model) nominal (verified at eps \(evalEpsilon))"
            : "\(model) \(method.rawValue) eps_train=\(epsilonTrain)"
    }

    /// Writes the figure of `records` to `url` in `format` with `fonts` (loaded by the caller before its long work,
    /// so a missing font is reported first).
    public static func render(_ records: [MetricsLog.Record], to url: URL, title: String, format: FigureFormat = .png,
                              fonts: FontSet) throws {
        try FigureFile.write(picture(records, title: title, fonts: fonts), to: url, format: format,
                             metadata: [("Title", title)], fonts: fonts)
    }

    static func picture(_ records: [MetricsLog.Record], title: String, fonts: FontSet) -> Picture {
        let train = records.filter { $0.type == "train" }, eval = records.filter { $0.type == "eval" }
        func series(_ name: String, _ rows: [MetricsLog.Record], _ value: (MetricsLog.Record) -> Double?,
                    marker: LinePlot.Marker = .none) -> LinePlot.Series? {
            let points = rows.compactMap { r in value(r).map { (x: Double(r.step), y: $0) } }
            return points.isEmpty ? nil : LinePlot.Series(name: name, points: points, marker: marker, lineWidth: 1.5)
        }
        let losses = LinePlot(title: title, xLabel: "step", yLabel: "loss", series: [
            series("total loss", train) { $0.loss.map(Double.init) },
            series("nominal xent", train) { $0.nominalLoss.map(Double.init) },
            series("verified xent", train) { $0.verifiedLoss.map(Double.init) },
        ].compactMap { $0 })
        // Evaluations name their images: held-out training images (`--validation`) or test images.
        let evalName = eval.contains { $0.split == "validation" } ? "validation" : "test"
        let accuracies = LinePlot(title: "accuracy", xLabel: "step", yLabel: "accuracy", series: [
            series("batch nominal", train) { $0.nominalAccuracy },
            series("batch verified", train) { $0.verifiedAccuracy },
            series("\(evalName) nominal", eval, { $0.nominalAccuracy }, marker: .dot),
            series("\(evalName) verified", eval, { $0.verifiedAccuracy }, marker: .dot),
        ].compactMap { $0 }, yRange: 0...1)
        // The objective's schedule: eps, kappa (weight of the nominal loss), beta (CROWN-IBP's weight) and the
        // learning rate relative to its first value, all in [0, 1] for the runs this tool trains.
        let firstRate = train.first?.learningRate.map(Double.init) ?? 1
        let schedule = LinePlot(title: "schedule", xLabel: "step", yLabel: "value", series: [
            series("eps", train) { $0.epsilon.map(Double.init) },
            series("kappa", train) { $0.kappa.map(Double.init) },
            series("beta", train) { $0.beta.map(Double.init) },
            series("lr / lr(0)", train) { r in r.learningRate.map { Double($0) / firstRate } },
        ].compactMap { $0 }, yRange: 0...1)
        var pic = Picture(width: 900, height: 1096)
        pic.place(losses.picture(width: 900, height: 360, fonts: fonts), x: 0, y: 0)
        pic.place(accuracies.picture(width: 900, height: 360, fonts: fonts), x: 0, y: 368)
        pic.place(schedule.picture(width: 900, height: 360, fonts: fonts), x: 0, y: 736)
        return pic
    }
}
