import Foundation
import IBPFormats
import IBPRender

/// `widths` and `curves`: the line-plot figures, computed from many samples or the whole test set.
extension FigureMaker {
    private func lineName(_ m: FigureModel, _ method: BoundMethodName, methods: Int) -> String {
        let stem = TypedPath.url(m.path).deletingPathExtension().lastPathComponent
        return methods > 1 ? "\(stem) (\(method.rawValue))" : stem
    }

    func makeWidths(_ r: FigureRequest, models: [FigureModel], data: Dataset, url: URL,
                            progress: (Int, Int) -> Void) throws -> FigureRecord {
        let total = models.count * r.methodList.count * r.sampleList.count
        var done = 0
        var lines: [WidthsLine] = []
        for m in models {
            try m.checkFits(data)
            let plan = m.plan
            for method in r.methodList {
                var perSample: [[Double]] = []
                var names: [String] = []
                for s in r.sampleList {
                    let (x, labels) = data.batch(s..<s + 1)
                    let stages = try FigureBounds.compute(model: m.classifier, plan: plan, x: x, label: labels[0],
                                                          epsilon: r.epsilon, method: method).stages
                    names = stages.map(\.name)
                    perSample.append(StageSummary.of(stages).map(\.meanWidth))
                    done += 1
                    progress(done, total)
                }
                lines.append(WidthsLine(name: lineName(m, method, methods: r.methodList.count), stages: names,
                                        perSample: perSample))
            }
        }
        let samples = r.sampleList
        let over = samples.count == 1 ? "test image \(samples[0])"
            : "\(samples.count) test images (line: mean, band: smallest to largest)"
        let title = "Mean bound width per stage at eps \(NumberLabel.epsilon(r.epsilon)), \(over)"
        let picture = WidthsFigure.picture(lines, title: title, fonts: fonts)
        try FigureFile.write(picture, to: url, format: r.format, metadata: provenance(r, models: models, [
            ("Samples", samples.count == 1 ? String(samples[0]) : "\(samples.count) from \(samples[0]) to \(samples.last!)"),
            ("Epsilon", NumberLabel.epsilon(r.epsilon, decimals: 4)),
        ]), fonts: fonts)
        let caption = r.caption ?? "Mean interval width u − l per stage (log scale) at eps "
            + "\(NumberLabel.epsilon(r.epsilon)) on \(over): \(lines.map(\.name).joined(separator: ", "))."
        let alt = r.alt ?? "Line plot of mean bound width against stage (x, l1, a1, ..., y) on a log axis, one line per "
            + "model or method; " + lines.map { line in
                "\(line.name) ends at \(NumberLabel.format(line.statistics.mean.last ?? 0))"
            }.joined(separator: ", ") + " at the logits."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }

    func makeCurves(_ r: FigureRequest, models: [FigureModel], data full: Dataset, url: URL,
                            progress: (Int, Int) -> Void) throws -> FigureRecord {
        var data = full
        if let limit = r.limit, limit < full.count {
            let size = full.sampleShape.reduce(1, *)
            data = Dataset(sampleShape: full.sampleShape, pixels: Array(full.pixels[0..<limit * size]),
                           labels: Array(full.labels[0..<limit]))
        }
        // Progress in samples: each model's pass evaluates every epsilon and method of a batch at once.
        let total = models.count * data.count
        var curves: [AccuracyCurve] = []
        for (i, m) in models.enumerated() {
            try m.checkFits(data)
            let before = i * data.count
            let stem = TypedPath.url(m.path).deletingPathExtension().lastPathComponent
            curves += try AccuracyCurves.measure(m.classifier, name: stem, on: data, epsilons: r.epsilons, methods: r.methodList,
                                                 pgdSteps: r.options.pgdSteps, pgdEvery: r.pgdEvery, seed: r.options.seed,
                                                 exhaustive: r.exhaustive) {
                progress(before + $0, total)
            }
        }
        let attacked = AccuracyCurves.attackedIndices(r.epsilons, pgdEvery: r.pgdEvery, pgdSteps: r.options.pgdSteps).count
        let pgd = attacked == 0 ? "no PGD" : "PGD-\(r.options.pgdSteps) at \(attacked) of \(r.epsilons.count) eps values"
        let title = "MNIST test accuracy against eps (\(CountText.of(data.count, "test image")); \(pgd))"
        let picture = CurvesFigure.picture(curves, title: title, fonts: fonts)
        try FigureFile.write(picture, to: url, format: r.format, metadata: provenance(r, models: models, [
            ("Epsilons", r.epsilons.map { NumberLabel.epsilon($0, decimals: 4) }.joined(separator: ",")),
            ("Images", String(data.count)), ("PGD", pgd), ("Seed", String(r.options.seed)),
        ] + attackedCounts(curves)), fonts: fonts)
        let caption = r.caption ?? "Nominal (dotted), PGD (dashed) and verified (solid) accuracy against eps on "
            + "\(data.count) MNIST test images: \(Set(curves.map(\.name)).sorted().joined(separator: ", "))."
        let alt = r.alt ?? "Accuracy curves against test epsilon from \(NumberLabel.format(Double(r.epsilons.first!))) to "
            + "\(NumberLabel.format(Double(r.epsilons.last!))); " + curves.map { c in
                let mid = c.results[c.results.count / 2]
                return "\(c.name) verifies \(NumberLabel.fixed(100 * mid.verifiedAccuracy, decimals: 1))% at eps "
                    + NumberLabel.fixed(Double(mid.epsilon), decimals: 2)
            }.joined(separator: ", ") + "."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }

    /// Per checkpoint, how many samples PGD ran on at each attacked eps (what the attack cost; `CurveEvaluator`
    /// skips certified and already broken samples), as one provenance entry; none for the brute force.
    private func attackedCounts(_ curves: [AccuracyCurve]) -> [(String, String)] {
        let lines = curves.filter { $0.results.contains { $0.pgdAttacked != nil } }.map { c in
            "\(c.name): " + c.results.compactMap { r in r.pgdAttacked.map { "\($0) at \(NumberLabel.epsilon(r.epsilon, decimals: 4))" } }
                .joined(separator: ", ")
        }
        return lines.isEmpty ? [] : [("PGD attacked", lines.joined(separator: "; "))]
    }
}
