import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

/// `visualize sweep`: one model, one row block per epsilon.
struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One model and sample, one row block per epsilon: how the bounds grow with the ball.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "Model (.ckpt, .npz or .onnx) (default: the shipped IBP-trained vissmall).")
    var model: String?

    @Option(name: .customLong("epsilons"), parsing: .unconditionalSingleValue,
            help: "Epsilons, one row block each: a list or a grid start:stop:step, commas or the repeated flag (default \(Visualization.sweepEpsilons)).")
    var epsilonLists: [CommaSeparated<NumberText>] = []

    private var epsilons: String { epsilonLists.list ?? Visualization.sweepEpsilons }

    func validate() throws {
        try refuseEmptyPaths([("--model", model)])
        try shared.unused(Self.unusedOptions, by: "sweep (it takes --epsilons)")
        _ = try DistinctLists.epsilons(epsilons)
        try shared.validateOutputs(try shared.output(defaultName: "sweep").path, inputs: [model.map { RunFile("--model", $0) } ?? RunFile("--model (default)", Shipped.ibp)])
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            let (out, format) = try shared.output(defaultName: "sweep")
            var request = FigureRequest(kind: .sweep, output: out, format: format, models: [model ?? Shipped.ibp])
            request.epsilons = try DistinctLists.epsilons(epsilons)
            request.sample = shared.sample ?? 0
            request.options = shared.options
            request.dumpBounds = shared.dumpBounds
            try make(request, maker: maker, label: "sweep")
        }
    }
}
