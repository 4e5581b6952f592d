import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

/// `visualize widths`: mean bound width per stage on a log axis.
struct Widths: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mean bound width per stage on a log axis, one line per model and method: 'explodes' against 'tight'.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("model"), help: "Model (.ckpt, .npz or .onnx), one line each; repeat (default: the shipped vissmall pair).")
    var models: [String] = []

    @Option(name: .customLong("methods"), parsing: .unconditionalSingleValue,
            help: "Bound methods, one line per model each, commas or the repeated flag (default: --bounds, else ibp).")
    var methodLists: [CommaSeparated<String>] = []

    @Option(name: .customLong("samples"), parsing: .unconditionalSingleValue,
            help: "Average over these test images, like 0-99, commas or the repeated flag, with a band from the smallest to the largest (default: --sample).")
    var sampleLists: [CommaSeparated<NumberText>] = []

    private var methods: String? { methodLists.list }
    private var samples: String? { sampleLists.list }

    func validate() throws {
        try refuseEmptyPaths("--model", models)
        try validateDistinctInputs(models.map { RunFile("--model", $0) }, what: "model")
        try shared.unused(Self.unusedOptions, by: "widths")
        if methods != nil { try shared.unused(["--bounds"], by: "widths with --methods") }
        if samples != nil { try shared.unused(["--sample"], by: "widths with --samples") }
        if let methods { _ = try DistinctLists.methods(methods) }
        if let samples { _ = try DistinctLists.samples(samples) }
        try shared.validateOutputs(try shared.output(defaultName: "widths").path, inputs: models.isEmpty ? [Shipped.baseline, Shipped.ibp].map { RunFile("--model (default)", $0) } : models.map { RunFile("--model", $0) })
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            let (out, format) = try shared.output(defaultName: "widths")
            var request = FigureRequest(kind: .widths, output: out, format: format,
                                        models: models.isEmpty ? [Shipped.baseline, Shipped.ibp] : models)
            request.options = shared.options
            if let methods { request.methods = try DistinctLists.methods(methods) }
            if let samples { request.samples = try DistinctLists.samples(samples) }
            request.sample = shared.sample ?? 0
            request.epsilon = shared.epsilon ?? 0.1
            try make(request, maker: maker, label: "widths")
        }
    }
}
