import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ibp-bench",
        abstract: "Training, verification and attack throughput of the MNIST models, against this machine's sgemm peak.",
        version: FigureRenderer.version)

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Models to measure: comma-separated, the repeated flag, or both (default small,medium). crown-verify runs "
        + "only for small and vissmall, crown-ibp-train-step only for ReLU models, and figure and figures-100 time "
        + "the shipped vissmall checkpoints (so they run with --models left out or naming vissmall); with --measures "
        + "too, a model a measure does not apply to is refused.", valueName: "models"))
    var models: [CommaSeparated<String>] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Measures to run (default: all), e.g. ibp-train-step,ibp-verify; commas or the repeated flag.", valueName: "measures"))
    var measures: [CommaSeparated<String>] = []

    // `.unconditional` on the numbers: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Timed runs per measure, after one warm-up (median, min and max are reported; 1...1000).",
            transform: wholeInt(1...1000))
    var repeats = 5

    @Option(name: .long, parsing: .unconditional, help: "Worker threads for the layers' loops and GEMMs (default: one per core; 1...\(TrainingSettings.maxThreads)).",
            transform: wholeInt(1...TrainingSettings.maxThreads))
    var threads: Int?

    @Option(name: .long, help: "wall (elapsed time) or cpu (process CPU time, steadier on a busy machine).")
    var clock: Stopwatch.Clock = .wall

    @Option(name: .long, help: ArgumentHelp(
        "GEMM kernel for the layers: avx512, avx2 or blas (default: this CPU's entry in the built-in table of kernels per CPU, measured on each CPU kind: see the README's Speed section); "
        + "to compare kernels back to back.", valueName: "kernel"))
    var kernel: GEMMKernel?

    func validate() throws {
        if let kernel, !GEMMKernel.isAvailable(kernel) {
            let runs = [GEMMKernel.avx512, .avx2, .blas].filter(GEMMKernel.isAvailable).map(\.rawValue)
            throw ValidationError("--kernel \(kernel.rawValue): this CPU cannot run it; it runs \(runs.joined(separator: ", "))")
        }
        if modelList.isEmpty { throw ValidationError("--models: give at least one model") }
        try validateList(models.flattened() as [String], flag: "--models", given: !models.isEmpty)
        try validateList(measures.flattened() as [String], flag: "--measures", given: !measures.isEmpty)
        for m in modelList where Architecture.named(m) == nil {
            throw ValidationError("--models: unknown model '\(FileText.shown(m))'; known: \(Architecture.names.joined(separator: ", "))")
        }
        for m in measureSet ?? [] where !BenchmarkSuite.measureNames.contains(m) {
            if let measure = BenchmarkSuite.measure(giving: m) {
                throw ValidationError("--measures: \(m) is a row of the measure \(measure), not a measure of its own; "
                                      + ((measureSet ?? []).contains(measure) ? "drop it: \(measure), given too, prints it"
                                         : "give --measures \(measure)"))
            }
            throw ValidationError("--measures: unknown measure \(m); known: \(BenchmarkSuite.measureNames.joined(separator: ", "))")
        }
        try checkCombinations()
    }

    /// With both --models and --measures given, every pair must be measured as named: a pair that gives no row
    /// (crown-verify on medium) or times another model (figure on small) is refused before any work, as are
    /// models given with only machine measures. (With --models alone, `skippedNote` names what is left out.)
    private func checkCombinations() throws {
        guard !models.isEmpty, !measures.isEmpty else { return }
        let given = orderedMeasures
        if given.allSatisfy(BenchmarkSuite.machineMeasures.contains) {
            throw ValidationError("--models: --measures \(given.joined(separator: ",")) measures the machine, not a "
                + "model; drop --models")
        }
        for model in modelList {
            for measure in given {
                guard let reason = BenchmarkSuite.notMeasured(measure, model: model) else { continue }
                let alone = BenchmarkSuite.figureMeasures.contains(measure) ? " (\(measure) alone needs no --models)" : ""
                throw ValidationError("--models \(model) with --measures \(measure) would measure "
                    + (BenchmarkSuite.figureMeasures.contains(measure) ? "something else" : "nothing")
                    + ": \(reason); drop \(model) from --models or \(measure) from --measures\(alone)")
            }
        }
    }

    /// The measures given, in order and once each.
    private var orderedMeasures: [String] {
        var seen = Set<String>()
        return (measures.flattened() as [String]).filter { seen.insert($0).inserted }
    }

    /// With --models given and every measure (the default), the pairs that give no row, as one note line (nil when
    /// every pair is measured); the figure measures run only when vissmall is among the models.
    private var skippedNote: String? {
        guard !models.isEmpty, measures.isEmpty else { return nil }
        var parts: [String] = []
        for measure in BenchmarkSuite.measureNames where !BenchmarkSuite.machineMeasures.contains(measure) {
            if BenchmarkSuite.figureMeasures.contains(measure) { continue }
            let left = modelList.filter { BenchmarkSuite.notMeasured(measure, model: $0) != nil }
            if let first = left.first, let reason = BenchmarkSuite.notMeasured(measure, model: first) {
                parts.append("\(measure) for \(left.joined(separator: ", ")): \(reason)")
            }
        }
        if !modelList.contains("vissmall") {
            parts.append("figure and figures-100 (they time visualize's figures of the shipped vissmall checkpoints; "
                + "add vissmall to --models, or leave --models out)")
        }
        return parts.isEmpty ? nil : "ibp-bench: note: not measured: " + parts.joined(separator: "; ")
    }

    /// Whether the figure measures run: asked for (or by default), and --models left at its default or naming vissmall.
    private func runsFigure(_ measure: String) -> Bool {
        (measureSet?.contains(measure) ?? true) && (models.isEmpty || modelList.contains("vissmall"))
    }

    private var modelList: [String] { models.isEmpty ? ["small", "medium"] : models.flattened() }
    private var measureSet: Set<String>? { measures.isEmpty ? nil : Set(measures.flattened()) }

    func run() throws {
        try reportingErrors("ibp-bench") { try measure() }
    }

    private func measure() throws {
        let date = ISO8601DateFormatter().string(from: Date())
        if let threads { Parallel.workers = threads }
        if let kernel { GEMMKernel.current = kernel }
        let stopwatch = Stopwatch(repeats: repeats, clock: clock)
        if let skippedNote { FileHandle.standardError.write(Data("\(skippedNote)\n".utf8)) }
        // The figure measures' font, checkpoints and images are loaded first, so a missing one is reported before
        // minutes of other measures rather than after them. They are the repository's shipped files, found from
        // any folder inside it (as visualize's defaults); outside it, the line says so (not "pass --data": the
        // checkpoints are the repository's too).
        var figures: FigureBenchmark?
        if BenchmarkSuite.figureMeasures.contains(where: runsFigure) {
            let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            figures = try FigureBenchmark(root: RepositoryPath.root(containing: here))
        }
        defer { figures?.cleanUp() }
        var rows = BenchmarkSuite.run(models: modelList, measures: measureSet, stopwatch: stopwatch) { row in
            if !json { FileHandle.standardError.write(Data("  \(row.model) \(row.measure) done\n".utf8)) }
        }
        if let figures {
            if runsFigure("figure") {
                rows.append(BenchmarkSuite.milliseconds(model: "vissmall", measure: "figure", stopwatch: stopwatch) {
                    try! figures.renderOne()
                })
            }
            if runsFigure("figures-100") {
                rows.append(BenchmarkSuite.milliseconds(model: "vissmall", measure: "figures-100",
                                                        stopwatch: stopwatch) { try! figures.renderHundred() })
            }
        }
        let report = BenchmarkReport(date: date, cores: MachineInfo.cores, rows: rows)
        print(json ? report.json : report.table)
    }
}

extension Stopwatch.Clock: ExpressibleByArgument {}
extension GEMMKernel: ExpressibleByArgument {}

Bench.mainWithOneLineErrors()
