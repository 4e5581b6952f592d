import Foundation
import IBPRender

/// Makes `FigureRequest`s of every kind, for `visualize`'s subcommands and the manifest alike: checks each request
/// before any work (checkpoints loaded, figure size against `FigureSizeLimit`, lists), loads the data once, draws
/// and writes. Checkpoints are loaded once per path.
public final class FigureMaker {
    public let fonts: FontSet
    /// The data folder, for messages and provenance.
    public let dataDescription: String
    private let loadData: () throws -> Dataset
    private var loadedData: Dataset?
    private var loadedModels: [String: FigureModel] = [:]

    /// Loads the fonts (a missing font is the first error, before anything else); the data is loaded when first
    /// needed, after the checks.
    public init(dataDescription: String, loadData: @escaping () throws -> Dataset) throws {
        fonts = try Fonts.load()
        self.dataDescription = dataDescription
        self.loadData = loadData
    }

    public func model(_ path: String) throws -> FigureModel {
        if let m = loadedModels[path] { return m }
        let m = try FigureModel(path: path)
        loadedModels[path] = m
        return m
    }

    public func data() throws -> Dataset {
        if let loadedData { return loadedData }
        let d = try loadData()
        loadedData = d
        return d
    }

    // MARK: Checks before any work

    /// Loads the request's checkpoints and checks its lists and the size of its figure; nothing is computed and the
    /// data is not read. Errors are one line naming the flag.
    public func check(_ r: FigureRequest) throws {
        guard !r.models.isEmpty else { throw SettingsError(message: "\(r.kind.rawValue) needs at least one --model") }
        let models = try r.models.map(model)
        try r.options.validate()
        switch r.kind {
        case .compare:
            try FigureRenderer.checkSize(FigureRenderer.compareSize(models, epsilon: r.epsilon, options: r.options, fonts: fonts),
                                         from: FigureRenderer.sizeSource(r.options, columns: models.count, noun: "model"),
                                         lower: "--scale or --max-channels, or compare fewer models")
        case .methods:
            try FigureRenderer.checkSize(FigureRenderer.methodsSize(models[0], epsilon: r.epsilon, methods: r.methodList,
                                                                    options: r.options, fonts: fonts),
                                         from: FigureRenderer.sizeSource(r.options, columns: r.methodList.count, noun: "method"),
                                         lower: "--scale or --max-channels, or give fewer --methods")
        case .sweep:
            guard !r.epsilons.isEmpty else { throw SettingsError(message: "sweep needs at least one epsilon in --epsilons") }
            try FigureRenderer.checkSize(FigureRenderer.sweepSize(models[0], sample: r.sample, epsilons: r.epsilons,
                                                                  options: r.options, fonts: fonts),
                                         from: FigureRenderer.sizeSource(r.options, columns: r.epsilons.count, noun: "epsilon"),
                                         lower: "--scale or --max-channels, or give fewer --epsilons")
        case .widths, .curves:
            let perModel = r.kind == .curves ? r.methodList.count + 2 : r.methodList.count
            let lines = models.count * perModel
            guard lines <= FigureRequest.maxLines else {
                throw SettingsError(message: "\(models.count) --model and \(r.methodList.count) --methods give \(lines) "
                                    + "lines; at most \(FigureRequest.maxLines) fit the legend")
            }
            if r.kind == .curves, r.epsilons.isEmpty {
                throw SettingsError(message: "curves needs at least one epsilon in --epsilons")
            }
        }
    }

    /// Checks the request's samples (and `--limit`) against the data, naming the flag.
    func checkSamples(_ r: FigureRequest, data: Dataset) throws {
        if r.kind == .curves {
            if let limit = r.limit, limit > data.count {
                throw SettingsError(message: "--limit \(limit): \(dataDescription) holds \(data.count) test images")
            }
            return
        }
        let flag = r.kind == .widths && !r.samples.isEmpty ? "--samples" : "--sample"
        for s in r.sampleList where s < 0 || s >= data.count {
            throw SettingsError(message: "\(flag): \(s) is out of range: \(dataDescription) holds \(data.count) test images")
        }
    }

    // MARK: Making

    /// Checks and makes the figure; `progress(done, total)` reports the evaluations of `widths` and `curves`.
    @discardableResult
    public func make(_ r: FigureRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> FigureRecord {
        try check(r)
        let data = try self.data()
        try checkSamples(r, data: data)
        let models = try r.models.map(model)
        let url = URL(fileURLWithPath: r.output)
        let dump = r.dumpBounds.map { URL(fileURLWithPath: $0) }
        var options = r.options
        options.format = r.format
        switch r.kind {
        case .compare, .methods, .sweep:
            let renderer = try FigureRenderer(models: models, roles: r.roles, data: data, dataDescription: dataDescription)
            let panels: [FigurePanel]
            switch r.kind {
            case .compare: panels = try renderer.write(sample: r.sample, epsilon: r.epsilon, options: options, to: url, dumpBounds: dump)
            case .methods:
                panels = try renderer.writeMethods(sample: r.sample, epsilon: r.epsilon, methods: r.methodList, options: options,
                                                   to: url, dumpBounds: dump)
            default: panels = try renderer.writeSweep(sample: r.sample, epsilons: r.epsilons, options: options, to: url, dumpBounds: dump)
            }
            return record(r, panels: panels)
        case .widths:
            return try makeWidths(r, models: models, data: data, url: url, progress: progress)
        case .curves:
            return try makeCurves(r, models: models, data: data, url: url, progress: progress)
        }
    }

    private func provenance(_ r: FigureRequest, models: [FigureModel], _ extra: [(String, String)]) -> [(String, String)] {
        let roles = r.roles ?? models.indices.map { "Model-\($0 + 1)" }
        var text = [("Software", FigureRenderer.version), ("Figure", r.kind.rawValue)]
        for (role, m) in zip(roles, models) { text += [(role, FigureRenderer.latin1(m.path)), ("\(role)-SHA256", m.sha256)] }
        // The data folder is not recorded: the same images under another path give the same bytes.
        return text + extra + [("Bounds", r.methodList.map(\.rawValue).joined(separator: ","))]
    }

    private func lineName(_ m: FigureModel, _ method: BoundMethodName, methods: Int) -> String {
        let stem = URL(fileURLWithPath: m.path).deletingPathExtension().lastPathComponent
        return methods > 1 ? "\(stem) (\(method.rawValue))" : stem
    }

    private func makeWidths(_ r: FigureRequest, models: [FigureModel], data: Dataset, url: URL,
                            progress: (Int, Int) -> Void) throws -> FigureRecord {
        let total = models.count * r.methodList.count * r.sampleList.count
        var done = 0
        var lines: [WidthsLine] = []
        for m in models {
            try m.checkpoint.checkFits(data, path: m.path)
            for method in r.methodList {
                var perSample: [[Double]] = []
                var names: [String] = []
                for s in r.sampleList {
                    let (x, labels) = data.batch(s..<s + 1)
                    let stages = try FigureBounds.compute(network: m.network, x: x, label: labels[0], epsilon: r.epsilon,
                                                          method: method).stages
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
        let title = "Mean bound width per stage at eps \(NumberLabel.fixed(Double(r.epsilon), decimals: 3)), \(over)"
        let picture = WidthsFigure.picture(lines, title: title, fonts: fonts)
        try FigureFile.write(picture, to: url, format: r.format, metadata: provenance(r, models: models, [
            ("Samples", samples.count == 1 ? String(samples[0]) : "\(samples.count) from \(samples[0]) to \(samples.last!)"),
            ("Epsilon", NumberLabel.fixed(Double(r.epsilon), decimals: 4)),
        ]), fonts: fonts)
        let caption = r.caption ?? "Mean interval width u − l per stage (log scale) at eps "
            + "\(NumberLabel.fixed(Double(r.epsilon), decimals: 3)) on \(over): \(lines.map(\.name).joined(separator: ", "))."
        let alt = r.alt ?? "Line plot of mean bound width against stage (x, l1, a1, ..., y) on a log axis, one line per "
            + "model or method; " + lines.map { line in
                "\(line.name) ends at \(NumberLabel.format(line.statistics.mean.last ?? 0))"
            }.joined(separator: ", ") + " at the logits."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }

    private func makeCurves(_ r: FigureRequest, models: [FigureModel], data full: Dataset, url: URL,
                            progress: (Int, Int) -> Void) throws -> FigureRecord {
        var data = full
        if let limit = r.limit, limit < full.count {
            let size = full.sampleShape.reduce(1, *)
            data = Dataset(sampleShape: full.sampleShape, pixels: Array(full.pixels[0..<limit * size]),
                           labels: Array(full.labels[0..<limit]))
        }
        let total = models.count * r.methodList.count * r.epsilons.count
        var curves: [AccuracyCurve] = []
        for (i, m) in models.enumerated() {
            try m.checkpoint.checkFits(data, path: m.path)
            let before = i * r.methodList.count * r.epsilons.count
            let stem = URL(fileURLWithPath: m.path).deletingPathExtension().lastPathComponent
            curves += try AccuracyCurves.measure(m.network, name: stem, on: data, epsilons: r.epsilons, methods: r.methodList,
                                                 pgdSteps: r.options.pgdSteps, pgdEvery: r.pgdEvery, seed: r.options.seed) {
                progress(before + $0, total)
            }
        }
        let attacked = r.pgdEvery > 0 && r.options.pgdSteps > 0 ? (r.epsilons.count + r.pgdEvery - 1) / r.pgdEvery : 0
        let pgd = attacked == 0 ? "no PGD" : "PGD-\(r.options.pgdSteps) at \(attacked) of \(r.epsilons.count) eps values"
        let title = "MNIST test accuracy against eps (\(data.count) test images; \(pgd))"
        let picture = CurvesFigure.picture(curves, title: title, fonts: fonts)
        try FigureFile.write(picture, to: url, format: r.format, metadata: provenance(r, models: models, [
            ("Epsilons", r.epsilons.map { NumberLabel.fixed(Double($0), decimals: 4) }.joined(separator: ",")),
            ("Images", String(data.count)), ("PGD", pgd), ("Seed", String(r.options.seed)),
        ]), fonts: fonts)
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

    /// Caption and alt text of a tile figure from its panels.
    func record(_ r: FigureRequest, panels: [FigurePanel]) -> FigureRecord {
        FigureMaker.record(r, panels: panels)
    }

    /// The index entry of a tile figure (`compare`, `methods`, `sweep`) of `r` drawn from `panels`.
    public static func record(_ r: FigureRequest, panels: [FigurePanel]) -> FigureRecord {
        func verdict(_ p: FigurePanel) -> String { p.verified ? "verified" : "not verified" }
        let eps = NumberLabel.fixed(Double(r.epsilon), decimals: 3)
        let label = panels.first.map { " (label \($0.label))" } ?? ""
        let method = r.options.bounds.rawValue.uppercased()
        var caption: String
        switch r.kind {
        case .methods:
            caption = "\(panels.first?.title ?? "") on MNIST test image \(r.sample)\(label) at eps \(eps) under "
                + panels.map { "\($0.method.rawValue.uppercased()) (\(verdict($0)))" }.joined(separator: ", ") + "."
        case .sweep:
            caption = "\(panels.first?.title ?? "") on MNIST test image \(r.sample)\(label) with \(method) bounds at eps "
                + panels.map { "\(NumberLabel.format(Double($0.epsilon))) (\(verdict($0)))" }.joined(separator: ", ") + "."
        default:
            caption = panels.map { "\($0.title) (\(verdict($0)))" }.joined(separator: " vs ")
                + " on MNIST test image \(r.sample)\(label) at eps \(eps), \(method) bounds."
        }
        if let given = r.caption { caption = given }
        let unit: String
        switch r.kind {
        case .methods: unit = "bound method"
        case .sweep: unit = "epsilon"
        default: unit = "model"
        }
        let rows = r.kind == .sweep ? "range, lower and upper bounds" : "range, clean, lower, upper and perturbed activations"
        var parts: [String] = []
        for p in panels {
            let name: String
            switch r.kind {
            case .sweep: name = "eps " + NumberLabel.format(Double(p.epsilon))
            case .methods: name = p.method.rawValue
            default: name = p.title
            }
            let width = NumberLabel.format(p.summaries.last?.meanWidth ?? 0)
            parts.append("\(name): \(verdict(p)), mean logit width \(width)")
        }
        let alt = r.alt ?? "Per-stage interval bounds, one panel per \(unit): tiles of the input, each activation and the "
            + "logits (\(rows)), mean and max width per stage, and the worst-case margin per class under the logits; "
            + parts.joined(separator: "; ") + "."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }
}
