import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ibp-bench",
        abstract: "Training, verification and attack throughput of the MNIST models, against this machine's sgemm peak.")

    @Flag(name: .long, help: "Print one JSON object instead of a table.")
    var json = false

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Models to measure: comma-separated, the repeated flag, or both (default small,medium).", valueName: "models"))
    var models: [CommaSeparated<String>] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Measures to run (default: all), e.g. ibp-train-step,ibp-verify; commas or the repeated flag.", valueName: "measures"))
    var measures: [CommaSeparated<String>] = []

    // `.unconditional` on the numbers: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Timed runs per measure, after one warm-up (median, min and max are reported; 1...1000).", transform: wholeInt)
    var repeats = 5

    @Option(name: .long, parsing: .unconditional, help: "Worker threads for the layers' loops and GEMMs (default: one per core).", transform: wholeInt)
    var threads: Int?

    @Option(name: .long, help: "wall (elapsed time) or cpu (process CPU time, steadier on a busy machine).")
    var clock: Stopwatch.Clock = .wall

    @Option(name: .long, help: ArgumentHelp(
        "GEMM kernel for the layers: avx512, avx2 or blas (default: this CPU's choice, GEMMKernel.preferred(for:)); "
        + "to compare kernels back to back.", valueName: "kernel"))
    var kernel: GEMMKernel?

    func validate() throws {
        if let threads, !(1...TrainingSettings.maxThreads).contains(threads) {
            throw ValidationError("--threads must be in 1...\(TrainingSettings.maxThreads), got \(FlagText.show("--threads", threads))")
        }
        if let kernel, !GEMMKernel.isAvailable(kernel) {
            let runs = [GEMMKernel.avx512, .avx2, .blas].filter(GEMMKernel.isAvailable).map(\.rawValue)
            throw ValidationError("--kernel \(kernel.rawValue): this CPU cannot run it; it runs \(runs.joined(separator: ", "))")
        }
        if modelList.isEmpty { throw ValidationError("--models: give at least one model") }
        if !(1...1000).contains(repeats) { throw ValidationError("--repeats must be in 1...1000, got \(FlagText.show("--repeats", repeats))") }
        try validateList(models.flattened() as [String], flag: "--models", given: !models.isEmpty)
        try validateList(measures.flattened() as [String], flag: "--measures", given: !measures.isEmpty)
        for m in modelList where Architecture.named(m) == nil {
            throw ValidationError("--models: unknown model '\(FileText.shown(m))'; known: \(Architecture.names.joined(separator: ", "))")
        }
        for m in measureSet ?? [] where !BenchmarkSuite.measureNames.contains(m) {
            throw ValidationError("--measures: unknown measure \(m); known: \(BenchmarkSuite.measureNames.joined(separator: ", "))")
        }
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
        // The figure measures' font, checkpoints and images are loaded first, so a missing one is reported before
        // minutes of other measures rather than after them. They are the repository's shipped files, found from
        // any folder inside it (as visualize's defaults).
        var figures: FigureBenchmark?
        if measureSet.map({ $0.contains("figure") || $0.contains("figures-100") }) ?? true {
            let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            figures = try FigureBenchmark(root: RepositoryPath.root(containing: here) ?? here)
        }
        defer { figures?.cleanUp() }
        var rows = BenchmarkSuite.run(models: modelList, measures: measureSet, stopwatch: stopwatch) { row in
            if !json { FileHandle.standardError.write(Data("  \(row.model) \(row.measure) done\n".utf8)) }
        }
        if let figures {
            if measureSet?.contains("figure") ?? true {
                rows.append(BenchmarkSuite.milliseconds(model: "vissmall", measure: "figure", stopwatch: stopwatch) {
                    try! figures.renderOne()
                })
            }
            if measureSet?.contains("figures-100") ?? true {
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
