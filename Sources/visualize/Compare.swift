import ArgumentParser
import Foundation
import IBPFormats
import IBPRender
import IBP
import IBPCommandLine

/// `visualize compare` (the default): models side by side; also the batch (`--samples`, `--epsilons`) and the
/// manifest (`--manifest`) runs.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Models side by side, one column each (the default; with two, the seed's figure).",
        discussion: """
        Columns: --baseline and --ibp (the seed's spelling; default the shipped vissmall pair), then every --model. \
        Each column shows per stage the rows range / normal / lower / upper / perturbed, the mean and max bound \
        width, for ReLU stages the stable and unstable neurons, and under the logits the worst-case margin per class.
        """)

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "Baseline model (.ckpt, the seed's Chainer .npz, or an ONNX classifier .onnx); first column.")
    var baseline: String?

    @Option(name: .long, help: "IBP-trained model (any of those kinds); second column.")
    var ibp: String?

    @Option(name: .customLong("model"), help: "Another model (.ckpt, .npz or .onnx) as a column; repeat for more.")
    var models: [String] = []

    @Option(name: .customLong("samples"), parsing: .unconditionalSingleValue,
            help: "Batch: sample indices like 0-9,42, commas or the repeated flag (one figure per sample and epsilon, into --out-dir).")
    var sampleLists: [CommaSeparated<NumberText>] = []

    @Option(name: .customLong("epsilons"), parsing: .unconditionalSingleValue,
            help: "Batch: epsilons like 0.05,0.1,0.2 or a grid 0:0.3:0.1, commas or the repeated flag.")
    var epsilonLists: [CommaSeparated<NumberText>] = []

    private var samples: String? { sampleLists.list }
    private var epsilons: String? { epsilonLists.list }

    @Option(name: .long, help: "Batch: output folder (gets index.md and index.html too; default output/batch).")
    var outDir: String?

    @Flag(name: .long, help: "Batch: delete the figures of an earlier batch in --out-dir that this one does not write (without it such a folder is refused: the new index would not list them).")
    var force = false

    @Option(name: .long, help: "Regenerate every figure listed in this manifest (e.g. docs/figures.json), any kind.")
    var manifest: String?

    private var isBatch: Bool { samples != nil || epsilons != nil }

    /// The columns and their provenance names.
    private var columns: (paths: [String], roles: [String]) {
        let pair = models.isEmpty || baseline != nil || ibp != nil
        let paths = (pair ? [baseline ?? Shipped.baseline, ibp ?? Shipped.ibp] : []) + models
        let roles = (pair ? ["Baseline", "IBP"] : []) + models.indices.map { "Model-\($0 + (pair ? 3 : 1))" }
        return (paths, roles)
    }

    func validate() throws {
        try refuseEmptyPaths([("--baseline", baseline), ("--ibp", ibp), ("--out-dir", outDir), ("--manifest", manifest)])
        try refuseEmptyPaths("--model", models)
        // A model named twice (`--model a --model a`, or `--baseline a --model ./a`) would draw one column twice.
        try validateDistinctInputs([RunFile("--baseline", baseline ?? ""), RunFile("--ibp", ibp ?? "")]
            .filter { !$0.path.isEmpty } + models.map { RunFile("--model", $0) }, what: "model")
        if manifest != nil {
            // --baseline and --ibp are accepted (and unused) so that a command line that names the pair still runs a
            // manifest; flags that name another figure are refused.
            guard !isBatch, models.isEmpty, outDir == nil, !force else {
                throw ValidationError("--manifest takes its figures from the manifest; give no --model, --samples, "
                                      + "--epsilons, --out-dir or --force")
            }
            try shared.unused(["--out", "--format", "--dump-bounds", "--sample", "--epsilon", "--bounds", "--scale",
                               "--max-channels", "--shared-scale", "--perturbation", "--pgd-steps", "--seed"],
                              by: "--manifest")
            return
        }
        // The columns as run, the shipped defaults included (`--baseline (default)`).
        let pair = models.isEmpty || baseline != nil || ibp != nil
        let named = pair ? [RunFile(baseline == nil ? "--baseline (default)" : "--baseline", columns.paths[0]),
                            RunFile(ibp == nil ? "--ibp (default)" : "--ibp", columns.paths[1])] : []
        let inputs = named + models.map { RunFile("--model", $0) }
        if isBatch {
            try shared.unused(Self.unusedInBatch, by: "a batch (--samples, --epsilons; it writes into --out-dir)")
            let indices = try DistinctLists.samples(samples ?? String(shared.sample ?? 0))
            let epsList = try DistinctLists.epsilons(epsilons ?? String(shared.epsilon ?? 0.1))
            let format = try shared.output(defaultName: "batch").format
            // Every file the batch writes, checked like any output before the work (a link among them is refused,
            // never written through): the figures `runBatch` names and the folder's index.
            let folderPath = outDir ?? "output/batch"
            let folder = TypedPath.url(folderPath, isDirectory: true)
            // A file on the way is named once for the folder (as `runBatch` would after the work), not per figure.
            try validateOutputFolder(folderPath, flag: "--out-dir")
            let names = indices.flatMap { s in epsList.map { FigureBatch.fileName(sample: s, epsilon: $0, format: format) } }
                + ["index.md", "index.html"]
            try validateRunFiles(outputs: names.map { RunFile("--out-dir", folder.appendingPathComponent($0).path) },
                                 inputs: inputs + dataFiles(given: shared.data, default: shared.dataDirectory))
            // Figures of an earlier batch that this one does not overwrite would sit beside an index that does not
            // list them (a second batch with other samples or epsilons into the same folder).
            let earlier = FigureBatch.earlierFigures(in: folder, keeping: Set(names))
            if !earlier.isEmpty && !force {
                throw ValidationError("--out-dir \(FileText.oneLine(folderPath)) holds \(earlier.count) figure"
                    + (earlier.count == 1 ? "" : "s") + " of an earlier batch that this one does not write ("
                    + FileText.oneLine(earlier[0]) + (earlier.count > 1 ? ", ..." : "")
                    + "), which its new index would not list: pass --force to delete "
                    + (earlier.count == 1 ? "it" : "them") + " first, or choose another --out-dir")
            }
        } else {
            if force { throw ValidationError("--force is for a batch (--samples, --epsilons), whose --out-dir it clears of an earlier batch's figures") }
            if outDir != nil { throw ValidationError("--out-dir is for a batch (--samples, --epsilons); use --out") }
            try shared.validateOutputs(try shared.output(defaultName: "comparison").path, inputs: inputs)
        }
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            if let manifest {
                let loaded = try FigureManifest.load(TypedPath.url(manifest))
                try checkManifestFiles(loaded, path: manifest)
                try loaded.regenerate(maker: maker) {
                    print("[\($0)] \($2.rawValue): \(FileText.oneLine($1))")
                }
                return
            }
            // A checkpoint named by a flag that cannot be read is reported with that flag, before any work.
            for (flag, path) in [("--baseline", baseline), ("--ibp", ibp)] + models.map({ ("--model", Optional($0)) }) {
                if let path { _ = try naming(flag) { try ModelFile.load(TypedPath.url(path)) } }
            }
            let (out, format) = try shared.output(defaultName: "comparison")
            var request = FigureRequest(kind: .compare, output: out, format: format, models: columns.paths)
            request.roles = columns.roles
            request.sample = shared.sample ?? 0
            request.epsilon = shared.epsilon ?? 0.1
            request.options = shared.options
            request.options.format = format
            request.dumpBounds = shared.dumpBounds
            if isBatch { return try runBatch(request, maker: maker) }
            try make(request, maker: maker, label: "compare")
        }
    }

    /// One `compare` figure per sample and epsilon, spread over the cores, then the folder's index.
    private func runBatch(_ template: FigureRequest, maker: FigureMaker) throws {
        let indices = try DistinctLists.samples(samples ?? String(template.sample))
        let epsList = try DistinctLists.epsilons(epsilons ?? String(template.epsilon))
        for eps in Set(epsList) {
            var r = template
            r.epsilon = eps
            try maker.check(r)
        }
        let data = try maker.data()
        // Checked here rather than left to the renderer, whose message cannot name the flag.
        for index in indices where index >= data.count {
            throw SettingsError(message: "\(samples == nil ? "--sample" : "--samples"): \(index) is out of range: "
                                + "\(maker.dataDescription) holds \(CountText.of(data.count, "test image"))")
        }
        // Every figure bounds its sample at its eps under each method: CROWN's work is budgeted over all of them.
        let andModels = template.models.count > 1 ? " and \(template.models.count) models" : ""
        try maker.checkWork(template, models: try template.models.map(maker.model), parts: indices.count,
                            perPart: epsList.count) { "give fewer --samples (\($0) fit the \(epsList.count) eps of --epsilons\(andModels))" }
        let folderPath = outDir ?? "output/batch"
        let folder = TypedPath.url(folderPath, isDirectory: true)
        if let reason = FolderCreation.create(folder) {
            throw SettingsError(message: "--out-dir \(folderPath): cannot create the folder: \(reason)")
        }
        let jobs = indices.flatMap { s in
            epsList.map { FigureJob(sample: s, epsilon: $0, output: folder.appendingPathComponent(
                FigureBatch.fileName(sample: s, epsilon: $0, format: template.format))) }
        }
        if force {
            // An earlier batch's figures that this one does not write (`validate` refused them without --force).
            for name in FigureBatch.earlierFigures(in: folder, keeping: Set(jobs.map(\.output.lastPathComponent))) {
                do {
                    try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
                } catch {
                    throw SettingsError(message: "--out-dir \(FileText.oneLine(folderPath)): cannot delete the earlier "
                                        + "batch's \(FileText.oneLine(name)): \(FileText.oneLine(error.localizedDescription))")
                }
            }
        }
        let renderer = try FigureRenderer(models: try template.models.map(maker.model), roles: template.roles, data: data,
                                          dataDescription: maker.dataDescription)
        let started = Date()
        var bar = ProgressBar(total: jobs.count, label: "figures", plainEvery: max(1, jobs.count / 4))
        // The scale the batch draws at (FigureBatch.run fits it the same way), said when the default was lowered.
        var fitted = template.options
        for eps in Set(epsList).sorted() {
            fitted = try FigureRenderer.fittedCompare(renderer.models, epsilon: eps, options: fitted, fonts: renderer.fonts)
        }
        if fitted.scale != template.options.scale {
            FileHandle.standardError.write(Data(("visualize: note: drawn at --scale \(fitted.scale), the largest that fits "
                + "\(FigureSizeLimit.limit) (the default \(template.options.scale) does not); give --scale to choose another\n").utf8))
        }
        let records = try FigureBatch.run(jobs, renderer: renderer, options: template.options) { bar.update($0) }
        try FigureIndex.write(records, to: folder, title: "Figures in \(folderPath)",
                              command: "visualize " + CommandLine.arguments.dropFirst().joined(separator: " "))
        print(String(format: "wrote %d figure%@ and index.md, index.html to %@ in %.2f s", jobs.count,
                     jobs.count == 1 ? "" : "s", FileText.oneLine(folderPath),
                     Date().timeIntervalSince(started)))
    }
}

extension Compare {
    /// Refuses, before any figure is made, a manifest whose figures would overwrite a file the run reads: the
    /// manifest itself, a model or metrics log of any entry, a file of the data folder, or another entry's output.
    /// - Throws: `ManifestError` (the manifest is a file, so a failure at run time) naming both entries' fields.
    func checkManifestFiles(_ loaded: FigureManifest, path: String) throws {
        var outputs: [RunFile] = []
        var inputs = [RunFile("--manifest", path)] + dataFiles(given: shared.data, default: shared.dataDirectory)
        for (i, r) in loaded.requests.enumerated() {
            outputs.append(RunFile("\(FigureManifest.figureName(i)) output", r.output))
            if let dump = r.dumpBounds { outputs.append(RunFile("\(FigureManifest.figureName(i)) dumpBounds", dump)) }
            inputs += r.models.map { RunFile("\(FigureManifest.figureName(i)) model", $0) }
            do { try DistinctLists.check(r, figure: FigureManifest.figureName(i)) } catch { throw ManifestError("\(path): \(error)") }
            if let metrics = r.metrics { inputs.append(RunFile("\(FigureManifest.figureName(i)) metrics", metrics)) }
        }
        // The index beside the manifest is written too (`FigureManifest.regenerate`).
        let beside = TypedPath.folder(of: path)
        outputs += ["index.md", "index.html"].map { RunFile("the manifest's index", TypedPath.join(beside, $0)) }
        do {
            try validateRunFiles(outputs: outputs, inputs: inputs, createsFolders: true)
        } catch {
            throw ManifestError("\(path): \(error)")
        }
    }
}
