import Foundation
import IBPFormats
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
        if r.kind == .training {
            _ = try trainingRecords(r)
            return
        }
        guard !r.models.isEmpty else { throw SettingsError(message: "\(r.kind.rawValue) needs at least one --model") }
        let models = try r.models.map(model)
        try r.options.validate()
        if r.kind == .methods {
            if Self.methods(r, models[0]).applicable.isEmpty {
                throw SettingsError(message: "--methods: \(models[0].path): " + Self.methods(r, models[0]).refused.map {
                    "\($0.refusal)" }.joined(separator: "; ") + "; " + BoundMethodName.advice(
                        refused: r.methodList, given: r.methodList, layers: models[0].classifier.layers, flag: "--methods"),
                                    isUsageError: false)
            }
        } else {
            // A method that cannot bound a model (CROWN and max pooling) is refused before any work.
            let flag = r.methods.isEmpty ? "--bounds" : "--methods"
            for m in models {
                let refused = r.methodList.filter { m.refusal($0) != nil }
                if let method = refused.first, let refusal = m.refusal(method) {
                    throw SettingsError(message: "\(flag) \(method.rawValue): \(m.path): \(refusal); " + BoundMethodName.advice(
                        refused: refused, given: r.methodList, layers: m.classifier.layers, flag: flag), isUsageError: false)
                }
            }
        }
        switch r.kind {
        case .compare, .methods, .sweep:
            _ = try fittedOptions(r, models: models)
        case .training:
            break
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

    /// A tile figure's options at the scale it is drawn at (`FigureRenderer.fitted`: a default scale too large for
    /// the size limit is lowered; a scale given is kept or refused), before any work.
    func fittedOptions(_ r: FigureRequest, models: [FigureModel]) throws -> FigureOptions {
        switch r.kind {
        case .compare:
            return try FigureRenderer.fittedCompare(models, epsilon: r.epsilon, options: r.options, fonts: fonts)
        case .methods:
            let columns = Self.methods(r, models[0])
            return try FigureRenderer.fittedMethods(models[0], epsilon: r.epsilon, methods: columns.applicable,
                                                    dropped: columns.refused.map(\.method), options: r.options, fonts: fonts)
        case .sweep:
            guard !r.epsilons.isEmpty else { throw SettingsError(message: "sweep needs at least one epsilon in --epsilons") }
            return try FigureRenderer.fittedSweep(models[0], sample: r.sample, epsilons: r.epsilons, options: r.options,
                                                  fonts: fonts)
        case .widths, .curves, .training:
            return r.options
        }
    }

    /// The input boxes `r` bounds per model and method, as parts (images or samples, what `--limit` or `--samples`
    /// counts) x boxes per part: `curves` images x grid (CROWN is bounded at each eps, no bisection; see
    /// `CurveEvaluator`), `widths` its samples, `sweep` its eps, `compare` and `methods` one.
    public static func boxes(_ r: FigureRequest, images: Int) -> (parts: Int, perPart: Int) {
        switch r.kind {
        case .curves: return (min(r.limit ?? images, images), r.epsilons.count)
        case .widths: return (r.sampleList.count, 1)
        case .sweep: return (1, r.epsilons.count)
        case .compare, .methods: return (1, 1)
        case .training: return (0, 0)
        }
    }

    /// Each method's estimated work (`BoundMethodName.workPerBox`, summed over `models`) for `parts` x `perPart`
    /// boxes per model, saturated at Int.max, and each model's work per box.
    public static func work(_ r: FigureRequest, models: [FigureModel], parts: Int, perPart: Int)
        -> [(method: BoundMethodName, work: Int, boxes: Int, perBox: [Int])] {
        let boxes = ResourceLimits.product(parts, perPart)
        return r.methodList.map { method in
            let (work, perBox) = method.work(models.map(\.classifier.layers), boxesPerModel: boxes)
            return (method, work, models.count * boxes, perBox)
        }
    }

    /// Refuses a request whose CROWN work over `parts` x `perPart` input boxes per model, summed over `models`, is
    /// over the command's limit (`BoundMethodName.commandRefusal`); `fewer(fit)` says what to give instead when
    /// `fit` parts fit.
    public func checkWork(_ r: FigureRequest, models: [FigureModel], parts: Int, perPart: Int,
                          fewer: (Int) -> String) throws {
        let flag = r.methods.isEmpty ? "--bounds" : "--methods"
        for (method, work, boxes, perBox) in Self.work(r, models: models, parts: parts, perPart: perPart) {
            guard let refusal = method.commandRefusal(work: work, boxes: boxes, perBox: perBox) else { continue }
            let fit = BoundMethodName.fitting(parts, work: work)
            let instead = fit > 0 ? ", or " + fewer(fit) : ""
            throw SettingsError(message: "\(flag) \(method.rawValue): " + (models.count == 1 ? models[0].path : "\(models.count) models")
                + ": \(refusal); " + BoundMethodName.advice(refused: [method], given: r.methodList,
                                                            networks: models.map(\.classifier.layers), flag: flag)
                + instead, isUsageError: false)
        }
    }

    /// Checks the request's samples (and `--limit`) against the data, naming the flag.
    func checkSamples(_ r: FigureRequest, data: Dataset) throws {
        if r.kind == .curves {
            if let limit = r.limit, limit > data.count {
                throw SettingsError(message: "--limit \(limit): \(dataDescription) holds \(CountText.of(data.count, "test image"))")
            }
            return
        }
        let flag = r.kind == .widths && !r.samples.isEmpty ? "--samples" : "--sample"
        for s in r.sampleList where s < 0 || s >= data.count {
            throw SettingsError(message: "\(flag): \(s) is out of range: " + FigureMaker.holds(dataDescription, data.count))
        }
    }

    /// "DATA holds N test images (samples 0-(N-1))", with how to reach more when the folder holds fewer than MNIST's
    /// 10,000 (the shipped sample_data/mnist holds 100).
    static func holds(_ description: String, _ count: Int) -> String {
        "\(description) holds \(CountText.of(count, "test image"))"
            + (count > 1 ? " (samples 0-\(count - 1))" : count == 1 ? " (sample 0)" : "")
            + (count < 10_000 ? "; give --data with a folder of the full MNIST for others" : "")
    }

    // MARK: Making

    /// Checks and makes the figure; `progress(done, total)` reports the evaluations of `widths` and `curves`.
    @discardableResult
    public func make(_ r: FigureRequest, progress: (Int, Int) -> Void = { _, _ in }) throws -> FigureRecord {
        try check(r)
        if r.kind == .training { return try makeTraining(r) }
        let data = try self.data()
        try checkSamples(r, data: data)
        let models = try r.models.map(model)
        let (parts, perPart) = Self.boxes(r, images: data.count)
        // What the number that fits is for names the models as evaluate's "--limit N fits 3 eps and 2 models" does
        // (trial 34: curves of 2 models said only "fits the 3 eps of --epsilons").
        let andModels = models.count > 1 ? " and \(models.count) models" : ""
        try checkWork(r, models: models, parts: parts, perPart: perPart) { fit in
            switch r.kind {
            case .curves: return "bound fewer images (--limit \(fit) fits the \(perPart) eps of --epsilons\(andModels))"
            case .widths: return "give at most \(fit) --samples"
            default: return "give fewer --epsilons"
            }
        }
        // Created only now, after every check, so a request refused above leaves no empty folder behind.
        try Self.createFolder(for: r.output, flag: "--out")
        if let dump = r.dumpBounds { try Self.createFolder(for: dump, flag: "--dump-bounds") }
        let url = TypedPath.url(r.output)
        let dump = r.dumpBounds.map { TypedPath.url($0) }
        var options = try fittedOptions(r, models: models)
        options.format = r.format
        switch r.kind {
        case .compare, .methods, .sweep:
            let renderer = try FigureRenderer(models: models, roles: r.roles, data: data, dataDescription: dataDescription)
            let panels: [FigurePanel]
            switch r.kind {
            case .compare: panels = try renderer.write(sample: r.sample, epsilon: r.epsilon, options: options, to: url, dumpBounds: dump)
            case .methods:
                panels = try renderer.writeMethods(sample: r.sample, epsilon: r.epsilon,
                                                   methods: Self.methods(r, models[0]).applicable, options: options,
                                                   to: url, dumpBounds: dump)
            default: panels = try renderer.writeSweep(sample: r.sample, epsilons: r.epsilons, options: options, to: url, dumpBounds: dump)
            }
            var drawn = r
            drawn.options.scale = options.scale
            var made = record(drawn, panels: panels)
            if r.kind == .methods {
                made.notes = Self.methods(r, models[0]).refused.map { "\($0.method.rawValue) not drawn: \(models[0].path): \($0.refusal)" }
            }
            if options.scale != r.options.scale {
                made.notes.append("drawn at --scale \(options.scale), the largest that fits \(FigureSizeLimit.limit) "
                                  + "(the default \(r.options.scale) does not); give --scale to choose another")
            }
            return made
        case .widths:
            return try makeWidths(r, models: models, data: data, url: url, progress: progress)
        case .curves:
            return try makeCurves(r, models: models, data: data, url: url, progress: progress)
        case .training:
            return try makeTraining(r)
        }
    }

    /// `methods`' columns: the requested methods that can bound `model`, and the others with the reason.
    static func methods(_ r: FigureRequest, _ model: FigureModel)
        -> (applicable: [BoundMethodName], refused: [(method: BoundMethodName, refusal: BoundMethodError)]) {
        var applicable: [BoundMethodName] = [], refused: [(method: BoundMethodName, refusal: BoundMethodError)] = []
        for method in r.methodList {
            if let refusal = model.refusal(method) { refused.append((method, refusal)) } else { applicable.append(method) }
        }
        return (applicable, refused)
    }

    /// Creates the missing folders above the file `path`, as every tool does for what it writes.
    /// - Throws: `SettingsError` (a failure at run time, exit status 1) naming the flag, the file and the folder.
    static func createFolder(for path: String, flag: String) throws {
        let folder = URL(fileURLWithPath: TypedPath.folder(of: TypedPath.url(path).path), isDirectory: true)
        if let reason = FolderCreation.create(folder) {
            throw SettingsError(message: "\(flag) \(path): cannot create the folder \(folder.path): \(reason)",
                                isUsageError: false)
        }
    }

    func provenance(_ r: FigureRequest, models: [FigureModel], _ extra: [(String, String)]) -> [(String, String)] {
        let roles = r.roles ?? models.indices.map { "Model-\($0 + 1)" }
        var text = [("Software", FigureRenderer.version), ("Figure", r.kind.rawValue)]
        for (role, m) in zip(roles, models) { text += [(role, FigureRenderer.latin1(m.path)), ("\(role)-SHA256", m.sha256)] }
        // The data folder is not recorded: the same images under another path give the same bytes.
        return text + extra + [("Bounds", r.methodList.map(\.rawValue).joined(separator: ","))]
    }

    /// Caption and alt text of a tile figure from its panels.
    func record(_ r: FigureRequest, panels: [FigurePanel]) -> FigureRecord {
        FigureMaker.record(r, panels: panels)
    }
}
