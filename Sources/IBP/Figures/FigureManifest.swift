import Foundation
import IBPRender
import IBPFormats

/// `docs/figures.json`: every figure the docs embed, of any kind and format, so one command regenerates them all
/// after a model changes and says which files changed. Paths are relative to the current directory (run from the
/// package root); `index.md` and `index.html` are written beside the manifest.
///
/// An entry names its `output` (the format follows its extension: .png, .svg or .pdf) and `kind` (`compare` when
/// absent) and takes the flags of that subcommand as fields: `baseline`, `ibp`, `models`, `methods` ("ibp,crown"),
/// `bounds`, `sample`, `samples` ("0-99"), `epsilon`, `epsilons` ("0,0.1" or "0:0.45:0.01"), `scale`,
/// `maxChannels`, `sharedScale`, `perturbation`, `pgdSteps`, `seed`, `limit`, `pgdEvery`, `metrics` and `title`
/// (`training`), and the index's `caption` and `alt` (made from the figure when absent).
public struct FigureManifest {
    public struct Entry: Decodable {
        /// Every field an entry may have; any other is refused (a misspelt field would otherwise be ignored).
        static let fields: Set<String> = [
            "kind", "output", "baseline", "ibp", "models", "methods", "bounds", "sample", "samples", "epsilon", "epsilons",
            "scale", "maxChannels", "sharedScale", "perturbation", "pgdSteps", "seed", "limit", "pgdEvery", "caption", "alt",
            "metrics", "title",
        ]
        public var kind: FigureKind?
        public var output: String
        public var baseline: String?
        public var ibp: String?
        public var models: [String]?
        public var methods: String?
        public var bounds: String?
        public var sample: Int?
        public var samples: String?
        public var epsilon: Float?
        public var epsilons: String?
        public var scale: Int?
        public var maxChannels: Int?
        public var sharedScale: Bool?
        public var perturbation: Perturbation?
        public var pgdSteps: Int?
        public var seed: UInt64?
        public var limit: Int?
        public var pgdEvery: Int?
        public var caption: String?
        public var alt: String?
        /// `training`: the run's metrics log and the figure's title.
        public var metrics: String?
        public var title: String?
    }

    private struct File: Decodable {
        var figures: [Entry]
    }

    public typealias Outcome = FigureIndex.Outcome

    public let url: URL
    /// One request per entry, in order, already checked for everything that does not need a checkpoint.
    public let requests: [FigureRequest]

    /// Reads and checks the manifest. Every error is a failure of the file (exit status 1, `ManifestError`), one line
    /// naming it: missing, a folder, unreadable, not a manifest, or an entry that names what is wrong.
    public static func load(_ url: URL) throws -> FigureManifest {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ManifestError("\(url.path): no such manifest")
        }
        guard !isFolder.boolValue else { throw ManifestError("\(url.path): is a folder, not a figure manifest") }
        // By its size first (a wrong path to a huge file is refused before it is read), one line for what is unreadable.
        let data: Data
        do { data = try Gzip.readRaw(url, maxBytes: FigureManifest.maxBytes) } catch {
            throw ManifestError("\(error)")
        }
        // Read one way or not at all (issue 11): JSONDecoder alone would take the last of repeated keys.
        do { try StrictJSON.checkSyntax(data) } catch {
            throw ManifestError("\(url.path): not a figure manifest (\(error))")
        }
        // Every level refuses what it does not know (a misspelt "figures" key would otherwise be ignored).
        if let unknown = StrictJSON.topLevelKeys(data).first(where: { $0 != "figures" }) {
            throw ManifestError("\(url.path): unknown top-level key '\(FileText.shown(unknown))' (a manifest holds only "
                                + "\"figures\"); remove it or fix its spelling")
        }
        // Whole-number fields take their flags' ranges (`"sample"` 0 or more, `"scale"` 1 to 64), said in one line
        // whatever the text (`1e400`, `-1`, `1.0`), before the decoder names the Swift type's range.
        if let problem = wholeNumberProblem(data) { throw ManifestError("\(url.path): \(problem)") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            // An entry's coding path is `figures`, `Index N`: name it "figure N" like the checks below do.
            let entry = context.codingPath.compactMap(\.intValue).first.map(figureName) ?? "the manifest"
            throw ManifestError("\(url.path): \(entry) lacks '\(key.stringValue)'")
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.count > 2 {
            let entry = context.codingPath.compactMap(\.intValue).first.map(figureName) ?? "the manifest"
            let field = context.codingPath.last!.stringValue
            // A `NamedChoice` (kind, perturbation, format, bound method) names the word and the words it takes.
            let what = context.debugDescription.hasPrefix("is \"") ? context.debugDescription : "has an unknown value"
            throw ManifestError("\(url.path): \(entry): '\(field)' \(what)")
        } catch let DecodingError.typeMismatch(type, context) where context.codingPath.count > 2 {
            // `"sample": "0"` or `"sample": 1.5`: name the figure, the field and the type it needs.
            let entry = context.codingPath.compactMap(\.intValue).first.map(figureName) ?? "the manifest"
            let needed = type == Int.self || type == UInt64.self ? "a whole number"
                : type == Float.self || type == Double.self ? "a number" : type == Bool.self ? "true or false"
                : type == String.self ? "a string" : "\(type)"
            throw ManifestError("\(url.path): \(entry): '\(context.codingPath.last!.stringValue)' must be \(needed)")
        } catch let error as DecodingError {
            // Any other field with a value of the wrong kind (`"sample": 1.5`): name the figure and the field.
            let context: DecodingError.Context?
            switch error {
            case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c): context = c
            @unknown default: context = nil
            }
            guard let context, let index = context.codingPath.compactMap(\.intValue).first,
                  let field = context.codingPath.last?.stringValue, context.codingPath.count > 2 else {
                // Foundation on Linux reports a fraction in an integer field as "not valid JSON", without a path.
                if let problem = StrictJSON.misfitNumber(File.self, in: data) {
                    throw ManifestError("\(url.path): \(renumbered(problem))")
                }
                throw ManifestError("\(url.path): not a figure manifest ({\"figures\": [{\"output\", \"kind\", ...}]}, "
                                    + "see FigureManifest)")
            }
            throw ManifestError("\(url.path): \(figureName(index)): '\(field)' has an unusable value (\(context.debugDescription))")
        } catch {
            throw ManifestError("\(url.path): not a figure manifest ({\"figures\": [{\"output\", \"kind\", ...}]}, "
                                + "see FigureManifest)")
        }
        // One rule for whole numbers in every JSON file the tools read: digits only (`"sample": 1.0` is refused).
        if let spelling = StrictJSON.wholeNumberSpelling(File.self, in: data) {
            throw ManifestError("\(url.path): \(renumbered(spelling))")
        }
        // An empty list would write an empty index.md/index.html and report success (new user).
        guard !file.figures.isEmpty else {
            throw ManifestError("\(url.path): \"figures\" is empty; list at least one figure ({\"output\", \"kind\", ...})")
        }
        let raw = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["figures"] as? [[String: Any]] ?? []
        var requests: [FigureRequest] = []
        for (i, entry) in file.figures.enumerated() {
            do {
                if i < raw.count, let unknown = Set(raw[i].keys).subtracting(Entry.fields).sorted().first {
                    throw SettingsError(message: "unknown field '\(FileText.shown(unknown))' (known: \(Entry.fields.sorted().joined(separator: ", ")))")
                }
                requests.append(try request(entry))
            } catch {
                throw ManifestError("\(url.path): \(figureName(i)) (\(entry.output)): \(error)")
            }
        }
        // Two figures written to one file: the second would silently replace the first. An existing output is
        // known by device and inode (a hard link to another figure's file is that file), a new one by its path.
        var outputs: [String: Int] = [:]
        for (i, r) in requests.enumerated() {
            let key = FileIdentity.node(r.output).map { "node " + $0 }
                ?? TypedPath.resolved(r.output)
            if let first = outputs[key] {
                throw ManifestError("\(url.path): figures \(first + 1) and \(i + 1) both write \(r.output); give each figure its own output")
            }
            outputs[key] = i
        }
        return FigureManifest(url: url, requests: requests)
    }

    /// The request an entry describes, with the defaults of its subcommand.
    static func request(_ e: Entry) throws -> FigureRequest {
        guard let format = FigureFormat(path: e.output) else {
            throw SettingsError(message: "output must end in .png, .svg or .pdf")
        }
        let kind = e.kind ?? .compare
        var models = e.models ?? []
        var roles: [String]?
        switch kind {
        case .compare:
            if e.baseline != nil || e.ibp != nil || models.isEmpty {
                guard let baseline = e.baseline else { throw SettingsError(message: "lacks 'baseline'") }
                guard let ibp = e.ibp else { throw SettingsError(message: "lacks 'ibp'") }
                roles = ["Baseline", "IBP"] + models.indices.map { "Model-\($0 + 3)" }
                models = [baseline, ibp] + models
            }
        case .methods, .sweep, .widths, .curves:
            guard !models.isEmpty else { throw SettingsError(message: "lacks 'models'") }
        case .training:
            guard e.metrics != nil else { throw SettingsError(message: "lacks 'metrics' (the run's metrics.jsonl)") }
        }
        var r = FigureRequest(kind: kind, output: e.output, format: format, models: models)
        r.roles = roles
        if let m = e.methods { r.methods = try FigureLists.methods(m, flag: "methods") }
        if let b = e.bounds {
            let list = try FigureLists.methods(b, flag: "bounds")
            guard list.count == 1 else { throw SettingsError(message: "bounds takes one method, got \(b) (a list goes in 'methods')") }
            r.options.bounds = list[0]
        }
        if let s = e.sample {
            guard s >= 0 else { throw SettingsError(message: "'sample' must not be negative") }
            r.sample = s
        }
        if let s = e.samples { r.samples = try FigureLists.samples(s, flag: "samples") }
        if let eps = e.epsilon {
            guard eps.isFinite, (0...1).contains(eps) else { throw SettingsError(message: "epsilon must be in [0, 1]") }
            r.epsilon = eps == 0 ? 0 : eps   // a JSON -0 is +0 (the decimal grammar's rule), never an `eps-0.000` file
        }
        r.epsilons = try FigureLists.epsilons(e.epsilons ?? (kind == .curves ? Visualization.curveEpsilons
                                                                             : Visualization.sweepEpsilons), flag: "epsilons")
        if let v = e.scale { r.options.scale = v } else { r.options.scaleFitsLimit = true }
        if let v = e.maxChannels { r.options.maxChannels = v }
        if let v = e.sharedScale { r.options.sharedScale = v }
        if let v = e.perturbation { r.options.perturbation = v }
        if let v = e.pgdSteps { r.options.pgdSteps = v }
        if let v = e.seed { r.options.seed = v }
        if let v = e.limit {
            guard v >= 1 else { throw SettingsError(message: "limit must be at least 1") }
            r.limit = v
        }
        if let v = e.pgdEvery {
            guard v >= 0 else { throw SettingsError(message: "pgdEvery must not be negative") }
            r.pgdEvery = v
        }
        r.caption = e.caption
        r.alt = e.alt
        r.metrics = e.metrics
        r.title = e.title
        // The options' checks name the command line's flags (`--scale`); a manifest names its fields.
        do {
            try r.options.validate()
        } catch let e as SettingsError {
            var message = e.message
            for (flag, field) in [("--scale", "scale"), ("--max-channels", "maxChannels"), ("--pgd-steps", "pgdSteps")] {
                message = message.replacingOccurrences(of: flag, with: "'\(field)'")
            }
            throw SettingsError(message: message, isUsageError: e.isUsageError)
        }
        return r
    }

    /// Regenerates every figure in order, then the index beside the manifest, and reports what changed. Every
    /// entry's checkpoints and size are checked before the first figure is drawn.
    public func regenerate(maker: FigureMaker, progress: (Int, String, Outcome) -> Void) throws {
        for (i, r) in requests.enumerated() {
            do {
                try maker.check(r)
            } catch {
                throw ManifestError("\(url.path): \(FigureManifest.figureName(i)) (\(r.output)): \(error)")
            }
        }
        try checkWork(maker: maker)
        var records: [FigureRecord] = []
        for (i, r) in requests.enumerated() {
            let before = FigureIndex.Previous(r.output)
            do {
                records.append(try maker.make(r))
            } catch {
                throw ManifestError("\(url.path): \(FigureManifest.figureName(i)) (\(r.output)): \(error)")
            }
            progress(i + 1, r.output, before.outcome(after: FigureIndex.comparable(r.output)))
        }
        // Named as the manifest was (relative paths stay relative), so the index holds no path of this machine.
        let folder = (url.relativePath as NSString).deletingLastPathComponent
        let written = try FigureIndex.write(records, to: url.deletingLastPathComponent(), title: "Figures",
                                            command: "swift run -c release visualize --manifest \(url.relativePath) --data DATA_DIR")
        for (k, file) in written.enumerated() {
            let name = TypedPath.url(file.path).lastPathComponent
            progress(requests.count + k + 1, folder.isEmpty ? name : "\(folder)/\(name)", file.outcome)
        }
    }

    /// Refuses a manifest whose figures' CROWN work together (`FigureMaker.work`, every figure's models and boxes)
    /// is over one command's limit (`BoundMethodName.commandRefusal`), naming the figure that needs the most; each
    /// figure alone is checked when it is made.
    func checkWork(maker: FigureMaker) throws {
        guard requests.contains(where: { $0.kind != .training }) else { return }
        let images = try maker.data().count
        var total: [BoundMethodName: (work: Int, boxes: Int, perBox: [Int], most: Int, mostIndex: Int)] = [:]
        for (i, r) in requests.enumerated() where r.kind != .training {
            let (parts, perPart) = FigureMaker.boxes(r, images: images)
            for (method, work, boxes, perBox) in FigureMaker.work(r, models: try r.models.map(maker.model), parts: parts,
                                                                  perPart: perPart) {
                var t = total[method] ?? (0, 0, [], 0, i)
                t.work = ResourceLimits.sum(t.work, work)
                t.boxes += boxes
                if boxes > 0 { t.perBox += perBox }
                if work > t.most { t.most = work; t.mostIndex = i }
                total[method] = t
            }
        }
        for method in BoundMethodName.allCases {
            guard let t = total[method], let refusal = method.commandRefusal(work: t.work, boxes: t.boxes, perBox: t.perBox) else { continue }
            throw ManifestError("\(url.path): its figures together: \(refusal); \(FigureManifest.figureName(t.mostIndex)) "
                                + "(\(requests[t.mostIndex].output)) needs the most (\(ResourceLimits.grouped(t.most))): give it a "
                                + "smaller limit or another method, or split the manifest")
        }
    }

    /// A figure as messages name it, counted from 1 as the progress lines count (`[1] created: out/a.png`).
    public static func figureName(_ index: Int) -> String { "figure \(index + 1)" }

    /// StrictJSON's phrase for a field of an entry (`field "figures[0].epsilon" is 1e300, ...`) with the figure named
    /// as every other message names it (`figure 1: field "epsilon" is 1e300, ...`), not by its 0-based JSON index.
    static func renumbered(_ phrase: String) -> String {
        let prefix = "field \"figures["
        guard phrase.hasPrefix(prefix), let close = phrase.firstIndex(of: "]"),
              let index = Int(phrase[phrase.index(phrase.startIndex, offsetBy: prefix.count)..<close]),
              phrase[phrase.index(after: close)...].hasPrefix(".") else { return phrase }
        return "\(figureName(index)): field \"" + phrase[phrase.index(close, offsetBy: 2)...]
    }

    /// The whole-number fields of an entry and the values each takes: the ranges of their flags. (`seed` takes any
    /// UInt64, checked apart.)
    static let wholeNumberRanges: [(field: String, range: WholeNumberRange)] = [
        ("sample", WholeNumberRange(atLeast: 0)), ("scale", WholeNumberRange(FigureOptions.scaleRange)),
        ("maxChannels", WholeNumberRange(FigureOptions.maxChannelsRange)),
        ("pgdSteps", WholeNumberRange(FigureOptions.pgdStepsRange)), ("limit", WholeNumberRange(atLeast: 1)),
        ("pgdEvery", WholeNumberRange(atLeast: 0)),
    ]

    /// "figure N (OUTPUT): 'field' takes RANGE, got TEXT (why)" for the first whole-number field whose number, as
    /// written, is not digits or is outside the field's range; nil when there is none.
    static func wholeNumberProblem(_ data: Data) -> String? {
        for (index, (numbers, strings)) in StrictJSON.scalarTexts(data, inArray: "figures").enumerated() {
            let output = strings["output"].map { " (\(FileText.shown($0)))" } ?? ""
            var problems = wholeNumberRanges.lazy.compactMap { field, range in
                numbers[field].flatMap { range.value($0) == nil ? "'\(field)' takes \(range.accepted), got \($0) (\(range.fault($0)))" : nil }
            }.makeIterator()
            if let problem = problems.next() { return "\(figureName(index))\(output): \(problem)" }
            if let seed = numbers["seed"], WholeNumberText.integer(seed, as: UInt64.self) == nil {
                return "\(figureName(index))\(output): 'seed' takes a whole number from 0 to \(UInt64.max), got \(seed) "
                    + "(\(WholeNumberText.fault(seed) ?? "out of range"))"
            }
        }
        return nil
    }

    /// `regenerate` with a maker on `data`.
    public func regenerate(data: Dataset, dataDescription: String, progress: (Int, String, Outcome) -> Void) throws {
        try regenerate(maker: try FigureMaker(dataDescription: dataDescription) { data }, progress: progress)
    }
}

/// A manifest that cannot be used: missing, unreadable, malformed, or an entry whose figure cannot be made. The
/// manifest is a file the command reads, not its command line, so this is a failure at run time (exit status 1).
extension FigureManifest {
    /// The largest manifest read (64 MiB; a manifest of a thousand figures is well under 1 MiB), checked by its size
    /// before it is read.
    public static let maxBytes = 64 << 20
}

public struct ManifestError: CommandLineClassified, CustomStringConvertible {
    public let message: String
    public var isUsageError: Bool { false }
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}
