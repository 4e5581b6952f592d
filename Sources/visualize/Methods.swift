import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

/// `visualize methods`: one model, one column per bound method.
struct Methods: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One model, one column per bound method: how much of the 'explosion' is the network and how much the bound.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "Model (.ckpt, .npz or .onnx) (default: the shipped IBP-trained vissmall).")
    var model: String?

    @Option(name: .customLong("methods"), parsing: .unconditionalSingleValue,
            help: "Bound methods, one column each, commas or the repeated flag (default ibp,crown-ibp,crown).")
    var methodLists: [CommaSeparated<String>] = []

    private var methods: String { methodLists.list ?? "ibp,crown-ibp,crown" }

    func validate() throws {
        try refuseEmptyPaths([("--model", model)])
        try shared.unused(Self.unusedOptions, by: "methods (it takes --methods)")
        _ = try DistinctLists.methods(methods)
        try shared.validateOutputs(try shared.output(defaultName: "methods").path, inputs: [model.map { RunFile("--model", $0) } ?? RunFile("--model (default)", Shipped.ibp)])
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            let (out, format) = try shared.output(defaultName: "methods")
            var request = FigureRequest(kind: .methods, output: out, format: format, models: [model ?? Shipped.ibp])
            request.methods = try DistinctLists.methods(methods)
            request.sample = shared.sample ?? 0
            request.epsilon = shared.epsilon ?? 0.1
            request.options = shared.options
            request.dumpBounds = shared.dumpBounds
            try make(request, maker: maker, label: "methods")
        }
    }
}
