import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats
import IBPRender

/// The options every `visualize` subcommand takes. Each is optional so that a subcommand can refuse the ones it
/// does not use (`unused(_:by:)`) instead of ignoring them; the defaults are applied by the accessors.
struct SharedOptions: ParsableArguments {
    @Option(name: .long, help: "Folder with the MNIST test IDX files. Default: $IBP_DATA, else sample_data/mnist.")
    var data: String?

    @Option(name: .long, help: "Output file, ending in .png, .svg or .pdf: the extension is the format (--format, if given, must agree).")
    var out: String?

    @Option(name: .long, help: "Output format: png, svg or pdf (default: from --out, else png).")
    var format: String?

    // `.unconditional` here and on --epsilon so that a negative value (`--sample -1`) reaches the range check
    // instead of "missing value": the default strategy takes "-1" for a flag.
    @Option(name: .long, parsing: .unconditional, help: "Index of the MNIST test image (default 0).", transform: wholeInt(atLeast: 0))
    var sample: Int?

    @Option(name: .long, parsing: .unconditional, help: "Perturbation radius, L-infinity on pixels in [0, 1] (default 0.1).", transform: decimalFloat)
    var epsilon: Float?

    @Option(name: .long, help: "Bound method of compare, sweep and widths: ibp (default), sound-ibp, crown-ibp, crown.")
    var bounds: String?

    @Option(name: .long, parsing: .unconditional, help: "Pixels per activation value, 1...64 (default 6, or the largest below it whose figure fits 16384 px a side and 40 megapixels).", transform: wholeInt(FigureOptions.scaleRange))
    var scale: Int?

    @Option(name: .long, parsing: .unconditional, help: "Channel tiles per line before wrapping (default 8; 1...256).", transform: wholeInt(FigureOptions.maxChannelsRange))
    var maxChannels: Int?

    @Flag(name: .long, help: "One grey scale per stage across all panels, so they compare value for value.")
    var sharedScale = false

    @Option(name: .long, help: "The perturbed input of the 'perturbed' rows: pgd (default), random or none.")
    var perturbation: Perturbation?

    @Option(name: .long, parsing: .unconditional, help: "PGD steps (default 20; 0...10000).", transform: wholeInt(FigureOptions.pgdStepsRange))
    var pgdSteps: Int?

    @Option(name: .long, parsing: .unconditional, help: "Seed of PGD's random start or of the random point (default 0).", transform: wholeUInt64)
    var seed: UInt64?

    @Option(name: .long, help: "Also write the numbers behind the figure to this JSON file (compare, methods, sweep).")
    var dumpBounds: String?

    /// `--data`, else `$IBP_DATA`, else the repository's `sample_data/mnist` (from any folder inside it).
    var dataDirectory: String {
        if let data { return data }
        if let env = ProcessInfo.processInfo.environment["IBP_DATA"], !env.isEmpty { return env }
        return Shipped.path("sample_data/mnist")
    }

    /// The figure options these flags give.
    var options: FigureOptions {
        var o = FigureOptions()
        if let scale { o.scale = scale }
        // Without --scale, a tile figure too large at the default is drawn at the largest scale that fits.
        o.scaleFitsLimit = scale == nil
        if let maxChannels { o.maxChannels = maxChannels }
        o.sharedScale = sharedScale
        if let bounds, let method = BoundMethodName(rawValue: bounds.lowercased()) { o.bounds = method }
        if let perturbation { o.perturbation = perturbation }
        if let pgdSteps { o.pgdSteps = pgdSteps }
        if let seed { o.seed = seed }
        return o
    }

    func validate() throws {
        try refuseEmptyPaths([("--data", data), ("--out", out), ("--dump-bounds", dumpBounds)])
        if let epsilon { try validateEpsilon(epsilon) }
        if let format, FigureFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format \(format) is not png, svg or pdf")
        }
        // One method: a list here would otherwise draw its first method and drop the rest without a word.
        if let bounds, try DistinctLists.methods(bounds, flag: "--bounds").count != 1 {
            throw ValidationError("--bounds takes one bound method, got \(bounds); methods, widths and curves take a list in --methods")
        }
        try options.validate()
    }

    /// Refuses the flags of `names` that were given, since `command` does not use them.
    func unused(_ names: [String], by command: String) throws {
        let given: [String: Bool] = [
            "--sample": sample != nil, "--epsilon": epsilon != nil, "--bounds": bounds != nil, "--scale": scale != nil,
            "--max-channels": maxChannels != nil, "--shared-scale": sharedScale, "--perturbation": perturbation != nil,
            "--pgd-steps": pgdSteps != nil, "--seed": seed != nil, "--dump-bounds": dumpBounds != nil, "--out": out != nil,
            "--format": format != nil, "--data": data != nil,
        ]
        for name in names where given[name] == true {
            throw ValidationError("\(command) does not use \(name)")
        }
    }

    /// The output path and format: `--out`'s extension, which must be .png, .svg or .pdf and agree with `--format`
    /// when that is given (`figureFormat`); `--format`, else PNG, when `--out` is absent; `defaultName` (without extension) under output/ when `--out` is absent.
    func output(defaultName: String) throws -> (path: String, format: FigureFormat) {
        let chosen = format.flatMap { FigureFormat(rawValue: $0.lowercased()) }
        guard let out else {
            let f = chosen ?? .png
            return ("output/\(defaultName).\(f.fileExtension)", f)
        }
        return (out, try figureFormat(of: out, flag: "--out", format: chosen))
    }

    /// Checks, before any work, that `--out` (or `path`) and `--dump-bounds` can be written: their folders exist
    /// and are writable or can be created (`FigureMaker.make` creates them just before it writes), and they are not
    /// folders.
    /// `inputs` are the files the subcommand reads (the default models included): no output may be one of them,
    /// nor one of the data folder's files (`dataFiles`, given or default), nor the other output.
    func validateOutputs(_ path: String, inputs: [RunFile] = []) throws {
        try validateRunFiles(outputs: [RunFile("--out", path)] + (dumpBounds.map { [RunFile("--dump-bounds", $0)] } ?? []),
                             inputs: inputs + dataFiles(given: data, default: dataDirectory), createsFolders: true)
    }

    /// A figure maker on `--data`.
    func maker() throws -> FigureMaker {
        let folder = dataDirectory
        return try FigureMaker(dataDescription: folder) {
            // A folder that does not exist is named with where it was looked for (`DataOptions.requireFolder`).
            try DataOptions.requireFolder(given: data, defaultRelative: "sample_data/mnist", shipped: true)
            return try Dataset.mnist(directory: TypedPath.url(folder, isDirectory: true), split: .test)
        }
    }
}

/// The shipped checkpoints the subcommands default to, found from any folder inside the repository.
enum Shipped {
    static let folder = "sample_data/checkpoints/"
    static var baseline: String { path(folder + "vissmall-baseline.ckpt") }
    static var ibp: String { path(folder + "vissmall-ibp-eps0.1.ckpt") }
    static var small: [String] { ["small-nominal", "small-ibp-eps0.2", "small-ibp-eps0.4"].map { path(folder + $0 + ".ckpt") } }

    /// `body` with the one line a missing default checkpoint gets extended by where it was looked for and what to do
    /// (run outside the repository, `sample_data/checkpoints/...` exists nowhere the tool looks).
    static func explainingMissingDefaults(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as CheckpointError where e.reason == "no such file" && e.path.hasPrefix(folder) {
            throw MissingDefault(path: e.path)
        }
    }

    struct MissingDefault: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "\(path): no such file: a default checkpoint of visualize, looked for in the working folder and in the "
                + "ibpvis repository around it; run inside the repository, or name the models (--baseline and --ibp, "
                + "or --model)"
        }
    }

    /// `relative` as typed when it exists in the working folder (so figures made from the root record the same
    /// relative paths), else in the repository root (`RepositoryPath`), else as typed (its error then names it).
    static func path(_ relative: String) -> String {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        let resolved = RepositoryPath.resolve(relative)
        return FileManager.default.fileExists(atPath: resolved.path) ? resolved.path : relative
    }
}

/// `reportingErrors("visualize", body)`, a missing default checkpoint explained (`Shipped.explainingMissingDefaults`).
func reportingVisualizeErrors(_ body: () throws -> Void) throws {
    try reportingErrors("visualize") { try Shipped.explainingMissingDefaults(body) }
}

/// Makes `request` with a progress bar for the long kinds, and prints where it went.
func make(_ request: FigureRequest, maker: FigureMaker, label: String) throws {
    var bar: ProgressBar?
    let record = try maker.make(request) { done, total in
        if bar == nil { bar = ProgressBar(total: total, label: label, plainEvery: max(1, total / 4)) }
        bar?.update(done)
    }
    for note in record.notes { FileHandle.standardError.write(Data("visualize: note: \(oneLineMessage(note))\n".utf8)) }
    print("wrote \(FileText.oneLine(request.output))" + (request.dumpBounds.map { " and \(FileText.oneLine($0))" } ?? ""))
}

extension Array where Element == CommaSeparated<String> {
    /// A list flag of names given as commas, repeated, or both (`--methods ibp,crown --methods crown-ibp`), as the
    /// one text `FigureLists` parses; nil when the flag was not given.
    var list: String? { isEmpty ? nil : flattened().joined(separator: ",") }
}
