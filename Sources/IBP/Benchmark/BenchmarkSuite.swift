import Foundation
import IBPFormats

/// Everything `ibp-bench` measures, as one report.
public struct BenchmarkReport: Codable {
    /// ISO 8601 time the run started.
    public var date: String
    /// CPU model (from /proc/cpuinfo).
    public var machine: String
    /// The CPU's vendor, family, model, stepping and the ISA flags that decide the kernels (`CPUInfo.summary`).
    public var cpu: String
    /// The GEMM kernel the layers used (`GEMMKernel.current`) and OpenBLAS's own description (core type).
    public var gemmKernel: String
    /// The kernel `GEMMKernel.preferred(for:)` picks for this CPU (differs from `gemmKernel` under `--kernel`).
    public var preferredKernel: String?
    public var blas: String
    public var cores: Int
    public var rows: [BenchmarkRow]

    public init(date: String, cpu: CPUInfo = .current, cores: Int, rows: [BenchmarkRow]) {
        self.date = date; self.machine = cpu.modelName; self.cpu = cpu.summary
        self.gemmKernel = GEMMKernel.current.rawValue; self.preferredKernel = GEMMKernel.preferred(for: cpu).rawValue
        self.blas = GEMMKernel.blasDescription
        self.cores = cores; self.rows = rows
    }

    /// One JSON object with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// A plain-text table under the CPU, kernel and OpenBLAS lines; GFLOP/s rows also show their share of the
    /// measured sgemm peak of the kernel in use.
    public var table: String {
        let peak = rows.first { $0.measure == "sgemm-peak" }?.median
        let bf16Peak = rows.first { $0.measure == BenchmarkSuite.bf16PeakMeasure }?.median
        let otherPeaks = rows.filter {
            $0.model == "machine" && $0.measure != "sgemm-peak" && $0.measure != BenchmarkSuite.bf16PeakMeasure
        }
        // Columns as wide as their longest entry (a model file's name, `medium-bn`), with a space after.
        let modelWidth = max(9, (rows.map(\.model.count).max() ?? 0) + 1)
        let measureWidth = max(22, (rows.map(\.measure.count).max() ?? 0) + 1)
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
        func number(_ x: Double) -> String {
            let text = String(format: "%.1f", x)
            return String(repeating: " ", count: max(0, 11 - text.count)) + text
        }
        var kernelLine = "GEMM kernel in use: \(gemmKernel) "
        // The table: `GEMMKernel.preferred(for:)`, measured per CPU kind (README, "Speed").
        if let preferredKernel, preferredKernel != gemmKernel {
            kernelLine += "(set by --kernel; the built-in table of kernels per CPU picks \(preferredKernel) here)"
        } else {
            kernelLine += "(the built-in table of kernels per CPU picks it here)"
        }
        // One clause for the kernels it beat, one for those that measured faster (with their peaks).
        if let peak {
            let name = { (row: BenchmarkRow) in String(row.measure.prefix { $0 != "-" }) }
            func list(_ items: [String]) -> String {
                items.count == 1 ? items[0] : items.dropLast().joined(separator: ", ") + " and " + items.last!
            }
            let slower = otherPeaks.filter { peak >= $0.median }
            let faster = otherPeaks.filter { peak < $0.median }
            if !slower.isEmpty { kernelLine += "; it measured faster here than \(list(slower.map(name)))" }
            if !faster.isEmpty {
                kernelLine += "; \(list(faster.map(name))) measured faster here ("
                    + list(faster.map { String(format: "%.0f", $0.median) }) + " GFLOP/s)"
            }
        }
        if rows.contains(where: { $0.measure.hasSuffix("-bf16") || $0.measure == BenchmarkSuite.bf16PeakMeasure }) {
            // --kernel chooses the float32 kernel only: the bf16 products have one kernel (`gemm_bf16.c`).
            kernelLine += "; the bf16 rows run the AVX512_BF16 kernel whatever the float32 kernel"
        }
        var lines = ["\(cpu), \(CountText.of(cores, "core")), \(date)", kernelLine, "OpenBLAS: \(blas)",
                     pad("model", modelWidth) + pad("measure", measureWidth) + "     median        min        max  unit"]
        for r in rows {
            var line = pad(r.model, modelWidth) + pad(r.measure, measureWidth) + number(r.median) + number(r.min) + number(r.max)
                + "  " + r.unit
            if r.unit == "GFLOP/s", !r.measure.hasSuffix("sgemm-peak") {
                if r.measure.hasSuffix("-bf16") {
                    if let bf16Peak { line += String(format: " (%.0f%% of bf16 peak)", 100 * r.median / bf16Peak) }
                } else if let peak {
                    line += String(format: " (%.0f%% of sgemm peak)", 100 * r.median / peak)
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

public enum BenchmarkSuite {
    /// Measures the sgemm peak (of the kernel the layers use, and of the system BLAS when that differs), then for
    /// each model: nominal and IBP training steps (batch 100, with their
    /// GFLOP/s), IBP verification (batch 1000) and PGD-20 (batch 100). `progress` hears each row as it is done.
    /// `measures`, when given, keeps only those (names as in the rows, e.g. `ibp-train-step`), for profiling.
    public static func run(models: [String], measures: Set<String>? = nil, stopwatch: Stopwatch,
                           progress: (BenchmarkRow) -> Void = { _ in }) -> [BenchmarkRow] {
        var rows: [BenchmarkRow] = []
        func add(_ row: BenchmarkRow) { rows.append(row); progress(row) }
        func wanted(_ measure: String) -> Bool { measures?.contains(measure) ?? true }
        if wanted("sgemm-peak") {
            add(BenchmarkRow(model: "machine", measure: "sgemm-peak",
                             observations: SGEMMPeak.gflops(stopwatch: stopwatch), unit: "GFLOP/s"))
            // The other kernel as well, where this CPU runs it: the table in `GEMMKernel.preferred(for:)` chose
            // one, and this row shows whether the choice holds here (OPENBLAS_CORETYPE may hold OpenBLAS to AVX2).
            for other in [GEMMKernel.avx512, .avx2, .blas] where other != GEMMKernel.current && GEMMKernel.isAvailable(other) {
                add(BenchmarkRow(model: "machine", measure: "\(other.rawValue)-sgemm-peak",
                                 observations: SGEMMPeak.gflops(kernel: other, stopwatch: stopwatch), unit: "GFLOP/s"))
            }
            // bf16 products (multiply-adds on bfloat16 inputs, counted as float32's), for `train --precision bf16`.
            if GEMMPrecision.isAvailable(.bf16) {
                add(BenchmarkRow(model: "machine", measure: bf16PeakMeasure, observations: GEMMPrecision.with(.bf16) {
                    SGEMMPeak.gflops(stopwatch: stopwatch)
                }, unit: "GFLOP/s"))
            }
        }
        for model in models {
            guard var bench = ModelBenchmark(model: model, stopwatch: stopwatch) else { continue }
            var ibpStep: BenchmarkRow?
            for bounds in [false, true] where wanted(bounds ? "ibp-train-step" : "nominal-train-step") {
                let step = bench.trainStep(bounds: bounds)
                add(step)
                if bounds { ibpStep = step }
                add(step.scaled(by: bench.network.trainingFLOPs(bounds: bounds) * 1e-9,
                                measure: bounds ? "ibp-train-gflops" : "nominal-train-gflops", unit: "GFLOP/s"))
            }
            // CROWN-IBP training (ReLU models): the step mid-ramp (beta 0.5), and its cost as a multiple of IBP's.
            if wanted("ibp-train-step-bf16") && notMeasured("ibp-train-step-bf16", model: model) == nil {
                let step = bench.trainStep(bounds: true, precision: .bf16)
                add(step)
                add(step.scaled(by: bench.network.trainingFLOPs(bounds: true) * 1e-9, measure: "ibp-train-gflops-bf16",
                                unit: "GFLOP/s"))
            }
            if wanted("crown-ibp-train-step") && notMeasured("crown-ibp-train-step", model: model) == nil,
               let step = bench.crownIBPTrainStep() {
                add(step)
                if let ibpStep { add(BenchmarkRow.ratio(ibpStep, over: step, measure: "crown-ibp-train-cost")) }
            }
            if wanted("ibp-verify") {
                let verify = bench.verify()
                add(verify)
                add(verify.scaled(by: bench.network.verificationFLOPs * 1e-9, measure: "ibp-verify-gflops",
                                  unit: "GFLOP/s"))
            }
            // CROWN-IBP at batch 1000; CROWN's intermediate passes cost about a neuron's backward pass per
            // neuron, so it runs at batch 50 and only on `small` and `vissmall` (the models auto_LiRPA's figures in
            // ../shared/lirpa cover; on `medium` a single image takes seconds).
            if wanted("crown-ibp-verify") { add(bench.verify(.crownIBP, batch: 1000)) }
            if wanted("crown-verify") && notMeasured("crown-verify", model: model) == nil { add(bench.verify(.crown, batch: 50)) }
            if wanted("pgd20") { add(bench.pgd20()) }
        }
        return rows
    }

    /// Every measure name `run` and the figure benchmarks produce (GFLOP/s rows come with their step).
    /// The machine row of the bf16 products' peak (GFLOP/s rows of bf16 measures are shares of it).
    public static let bf16PeakMeasure = "bf16-sgemm-peak"

    public static let measureNames = ["sgemm-peak", "nominal-train-step", "ibp-train-step", "ibp-train-step-bf16",
                                      "crown-ibp-train-step",
                                      "ibp-verify",
                                      "crown-ibp-verify", "crown-verify", "pgd20",
                                      "figure", "figures-100"]

    /// The measure whose run gives the row `row` when `row` is not a measure of its own (`bf16-sgemm-peak` and the
    /// other kernels' peaks come with `sgemm-peak`, GFLOP/s rows with their step, `crown-ibp-train-cost` with
    /// `crown-ibp-train-step`), else nil: `ibp-bench --measures` names it for a row name given as a measure.
    public static func measure(giving row: String) -> String? {
        guard !measureNames.contains(row) else { return nil }
        if row.hasSuffix("-sgemm-peak") { return "sgemm-peak" }
        if row == "crown-ibp-train-cost" { return "crown-ibp-train-step" }
        return gflopsRows[row]
    }

    /// The GFLOP/s rows `run` prints, each with the measure that gives it (a name built by rule named rows that
    /// never exist, such as `pgd20-gflops`).
    static let gflopsRows = ["nominal-train-gflops": "nominal-train-step", "ibp-train-gflops": "ibp-train-step",
                             "ibp-train-gflops-bf16": "ibp-train-step-bf16", "ibp-verify-gflops": "ibp-verify"]

    /// The figure measures: they time `visualize`'s default figure of the shipped vissmall checkpoints
    /// (`FigureBenchmark`), whatever the models measured; `ibp-bench` runs them, not `run`.
    public static let figureMeasures = ["figure", "figures-100"]

    /// Measures of the machine, not of a model (`--models` does not change them).
    public static let machineMeasures = ["sgemm-peak"]

    /// Why `measure` gives no row for `model` (a phrase starting with the measure's name), or nil when it gives
    /// one: `run` and `ibp-bench` decide by this one rule, so a combination that measures nothing, or something
    /// else than the model named, can be refused (or noted) before any work.
    public static func notMeasured(_ measure: String, model: String) -> String? {
        switch measure {
        case "ibp-train-step-bf16" where !GEMMPrecision.isAvailable(.bf16):
            return "ibp-train-step-bf16 needs AVX512_BF16, which this CPU lacks"
        case "crown-verify" where !["small", "vissmall"].contains(model):
            return "crown-verify runs only for small and vissmall (the models auto_LiRPA's reference figures cover; "
                + "CROWN on larger models takes seconds per image)"
        case "crown-ibp-train-step":
            let reLUOnly = Architecture.named(model)?.layers.allSatisfy {
                if case let .activation(kind) = $0 { kind == .relu } else { true }
            } ?? true
            return reLUOnly ? nil : "crown-ibp-train-step needs a ReLU model (CROWN-IBP training handles ReLU only)"
        case "figure", "figures-100":
            // (One `where` would bind to the last pattern only.)
            return model == "vissmall" ? nil
                : "\(measure) times visualize's figures of the shipped vissmall checkpoints, whatever --models names"
        default:
            return nil
        }
    }

    /// A row of milliseconds per call of `body`, for measures outside the library (e.g. figure rendering).
    public static func milliseconds(model: String, measure: String, stopwatch: Stopwatch,
                                    _ body: () -> Void) -> BenchmarkRow {
        BenchmarkRow(model: model, measure: measure, observations: stopwatch.milliseconds(body), unit: "ms")
    }
}
