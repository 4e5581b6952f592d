import Foundation
import IBPFormats
import IBPRender

/// Makes the tile figures (`compare`, `methods`, `sweep`) of one or more checkpoints on samples of a data set:
/// computes the panels, checks the figure's size before any work, draws and writes it.
public struct FigureRenderer {
    public static let version = "ibpvis 0.2.0"

    public let models: [FigureModel]
    /// How each model is named in the files' provenance: "Baseline", "IBP", or "Model-N".
    public let roles: [String]
    public let data: Dataset
    /// Where the samples come from, for error messages.
    public let dataDescription: String
    public let fonts: FontSet

    /// Checks that every model takes the data's images and scores all its labels, and loads the fonts.
    public init(models: [FigureModel], roles: [String]? = nil, data: Dataset, dataDescription: String) throws {
        precondition(!models.isEmpty, "a figure needs a model")
        for m in models { try m.checkFits(data) }
        fonts = try Fonts.load()
        self.models = models
        self.roles = roles ?? models.indices.map { "Model-\($0 + 1)" }
        self.data = data
        self.dataDescription = dataDescription
    }

    /// The seed's pair: baseline left, IBP-trained right.
    public init(baseline: FigureModel, ibp: FigureModel, data: Dataset, dataDescription: String) throws {
        try self.init(models: [baseline, ibp], roles: ["Baseline", "IBP"], data: data, dataDescription: dataDescription)
    }

    private init(checked models: [FigureModel], roles: [String], data: Dataset, dataDescription: String, fonts: FontSet) {
        self.models = models
        self.roles = roles
        self.data = data
        self.dataDescription = dataDescription
        self.fonts = fonts
    }

    public var baseline: FigureModel { models[0] }
    public var ibp: FigureModel { models[models.count > 1 ? 1 : 0] }

    /// A renderer with its own models, for another thread.
    public func copy() throws -> FigureRenderer {
        FigureRenderer(checked: try models.map { try $0.copy() }, roles: roles, data: data, dataDescription: dataDescription,
                       fonts: fonts)
    }

    // MARK: Panels

    private func sampleAndEpsilon(_ sample: Int, _ epsilon: Float) throws -> (x: Tensor, label: Int) {
        guard epsilon.isFinite, epsilon >= 0, epsilon <= 1 else {
            throw SettingsError(message: "--epsilon must be a number in [0, 1], got \(FlagText.show("--epsilon", epsilon))")
        }
        guard sample >= 0, sample < data.count else {
            throw SettingsError(message: "sample \(sample) is out of range: " + FigureMaker.holds(dataDescription, data.count))
        }
        let (x, labels) = data.batch(sample..<sample + 1)
        return (x, labels[0])
    }

    private func panel(_ m: FigureModel, x: Tensor, label: Int, epsilon: Float, method: BoundMethodName,
                       options: FigureOptions) throws -> FigurePanel {
        try FigurePanel.make(model: m.classifier, plan: m.plan, title: m.name, x: x, label: label, epsilon: epsilon,
                             method: method, perturbation: options.perturbation, pgdSteps: options.pgdSteps, seed: options.seed)
    }

    /// `compare`: one panel per model, with `options.bounds`.
    public func panels(sample: Int, epsilon: Float, options: FigureOptions) throws -> [FigurePanel] {
        let (x, label) = try sampleAndEpsilon(sample, epsilon)
        return try models.map { try panel($0, x: x, label: label, epsilon: epsilon, method: options.bounds, options: options) }
    }

    /// `methods`: the first model, one panel per bound method.
    public func methodPanels(sample: Int, epsilon: Float, methods: [BoundMethodName], options: FigureOptions) throws -> [FigurePanel] {
        let (x, label) = try sampleAndEpsilon(sample, epsilon)
        return try methods.map { try panel(models[0], x: x, label: label, epsilon: epsilon, method: $0, options: options) }
    }

    /// `sweep`: the first model, one panel per epsilon, with `options.bounds`.
    public func sweepPanels(sample: Int, epsilons: [Float], options: FigureOptions) throws -> [FigurePanel] {
        try epsilons.map { eps in
            let (x, label) = try sampleAndEpsilon(sample, eps)
            return try panel(models[0], x: x, label: label, epsilon: eps, method: options.bounds, options: options)
        }
    }

    // MARK: Writing

    /// PNG tEXt holds Latin-1 only: other characters of a path are percent-encoded.
    static func latin1(_ text: String) -> String {
        text.unicodeScalars.allSatisfy { $0.value < 128 }
            ? text : text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "?"
    }

    /// Provenance of a figure of `models` (all of them, or the first) with `extra` pairs.
    func provenance(_ extra: [(String, String)], allModels: Bool = true) -> [(String, String)] {
        var text = [("Software", FigureRenderer.version)]
        for (role, m) in zip(roles, models).prefix(allModels ? models.count : 1) {
            text += [(role, Self.latin1(m.path)), ("\(role)-SHA256", m.sha256)]
        }
        return text + extra.map { ($0.0, Self.latin1($0.1)) }
    }

    /// Writes `picture` to `url` and, when `dumpBounds` is given, the numbers of `panels` as JSON, atomically both.
    func write(_ picture: Picture, panels: [FigurePanel], kind: String, sample: Int, metadata: [(String, String)],
               format: FigureFormat, to url: URL, dumpBounds: URL?) throws {
        guard let dumpBounds else {
            return try FigureFile.write(picture, to: url, format: format, metadata: metadata, fonts: fonts)
        }
        // The figure is written while the dump still waits under its temporary name, so a figure that cannot be
        // written leaves no dump behind either.
        try AtomicFile.write(to: dumpBounds) { temp in
            try AtomicFile.write(BoundsDump.json(panels: panels, kind: kind, sample: sample), to: temp)
            try FigureFile.write(picture, to: url, format: format, metadata: metadata, fonts: fonts)
        }
    }

    /// `compare`: renders test sample `sample` at `epsilon` for every model to `url` (format `options.format`),
    /// optionally with its numbers in `dumpBounds`.
    @discardableResult
    public func write(sample: Int, epsilon: Float, options: FigureOptions, to url: URL,
                      dumpBounds: URL? = nil) throws -> [FigurePanel] {
        let options = try Self.fittedCompare(models, epsilon: epsilon, options: options, fonts: fonts)
        let panels = try self.panels(sample: sample, epsilon: epsilon, options: options)
        let figure = ComparisonFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
        let picture = figure.picture(panels: panels, fonts: fonts)
        try write(picture, panels: panels, kind: "compare", sample: sample,
                  metadata: provenance(figureText("compare", sample: sample, epsilon: epsilon, options: options)),
                  format: options.format, to: url, dumpBounds: dumpBounds)
        return panels
    }

    /// `methods`: the first model's panels under each of `methods`.
    @discardableResult
    public func writeMethods(sample: Int, epsilon: Float, methods: [BoundMethodName], options: FigureOptions, to url: URL,
                             dumpBounds: URL? = nil) throws -> [FigurePanel] {
        let options = try Self.fittedMethods(models[0], epsilon: epsilon, methods: methods, options: options, fonts: fonts)
        let panels = try methodPanels(sample: sample, epsilon: epsilon, methods: methods, options: options)
        let figure = ComparisonFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
        let picture = figure.picture(panels: panels, titles: methods.map { Self.methodTitle($0, models[0]) }, fonts: fonts)
        var text = figureText("methods", sample: sample, epsilon: epsilon, options: options)
        text[text.firstIndex { $0.0 == "Bounds" }!].1 = methods.map(\.rawValue).joined(separator: ",")
        try write(picture, panels: panels, kind: "methods", sample: sample, metadata: provenance(text, allModels: false),
                  format: options.format, to: url, dumpBounds: dumpBounds)
        return panels
    }

    /// `sweep`: the first model at each of `epsilons`.
    @discardableResult
    public func writeSweep(sample: Int, epsilons: [Float], options: FigureOptions, to url: URL,
                           dumpBounds: URL? = nil) throws -> [FigurePanel] {
        let options = try Self.fittedSweep(models[0], sample: sample, epsilons: epsilons, options: options, fonts: fonts)
        let panels = try sweepPanels(sample: sample, epsilons: epsilons, options: options)
        let figure = SweepFigure(scale: options.scale, maxChannels: options.maxChannels, sharedScale: options.sharedScale)
        let picture = figure.picture(panels: panels, title: models[0].name, sample: sample, fonts: fonts)
        var text = figureText("sweep", sample: sample, epsilon: epsilons.first ?? 0, options: options)
        text[text.firstIndex { $0.0 == "Epsilon" }!].1 = epsilons.map { NumberLabel.epsilon($0, decimals: 4) }
            .joined(separator: ",")
        try write(picture, panels: panels, kind: "sweep", sample: sample, metadata: provenance(text, allModels: false),
                  format: options.format, to: url, dumpBounds: dumpBounds)
        return panels
    }

    private func figureText(_ kind: String, sample: Int, epsilon: Float, options: FigureOptions) -> [(String, String)] {
        [("Figure", kind), ("Sample", String(sample)), ("Epsilon", NumberLabel.epsilon(epsilon, decimals: 4)),
         ("Bounds", options.bounds.rawValue), ("Perturbation", options.perturbation.rawValue),
         ("Seed", String(options.seed))]
    }
}
