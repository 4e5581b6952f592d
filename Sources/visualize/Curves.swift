import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

/// `visualize curves`: accuracy against epsilon.
struct Curves: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Nominal, PGD and verified accuracy against epsilon on a fine grid, one colour per checkpoint.")

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("model"), help: "Model (.ckpt, .npz or .onnx); repeat (default: the three shipped small checkpoints).")
    var models: [String] = []

    @Option(name: .customLong("methods"), parsing: .unconditionalSingleValue,
            help: "Bound methods, one verified line per checkpoint each, commas or the repeated flag (default: --bounds, else ibp).")
    var methodLists: [CommaSeparated<String>] = []

    @Option(name: .customLong("epsilons"), parsing: .unconditionalSingleValue,
            help: "Epsilon grid start:stop:step or a list, commas or the repeated flag (default \(Visualization.curveEpsilons), 46 values).")
    var epsilonLists: [CommaSeparated<NumberText>] = []

    private var methods: String? { methodLists.list }
    private var epsilons: String { epsilonLists.list ?? Visualization.curveEpsilons }

    // `.unconditional`: a negative value (`--limit -1`) reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Evaluate only the first N test images (default: all of --data).", transform: wholeInt(atLeast: 1))
    var limit: Int?

    @Option(name: .long, parsing: .unconditional, help: "Run PGD at every k-th epsilon of the grid and at the largest (default 5; 0: no PGD).", transform: wholeInt(atLeast: 0))
    var pgdEvery = 5

    @Flag(name: .long, help: ArgumentHelp(
        "Bound every eps of the grid and attack every correctly classified sample (the brute force), instead of one bisection per sample.",
        discussion: "The same verified counts, several times slower; for checking the bisection (scripts/check-curves.sh)."))
    var exhaustive = false

    func validate() throws {
        try refuseEmptyPaths("--model", models)
        try validateDistinctInputs(models.map { RunFile("--model", $0) }, what: "model")
        try shared.unused(Self.unusedOptions, by: "curves")
        if methods != nil { try shared.unused(["--bounds"], by: "curves with --methods") }
        if let methods { _ = try DistinctLists.methods(methods) }
        _ = try DistinctLists.epsilons(epsilons)
        try shared.validateOutputs(try shared.output(defaultName: "curves").path, inputs: models.isEmpty ? Shipped.small.map { RunFile("--model (default)", $0) } : models.map { RunFile("--model", $0) })
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            let (out, format) = try shared.output(defaultName: "curves")
            var request = FigureRequest(kind: .curves, output: out, format: format, models: models.isEmpty ? Shipped.small : models)
            request.options = shared.options
            if let methods { request.methods = try DistinctLists.methods(methods) }
            request.epsilons = try DistinctLists.epsilons(epsilons)
            request.limit = limit
            request.pgdEvery = pgdEvery
            request.exhaustive = exhaustive
            try make(request, maker: maker, label: "curves")
        }
    }
}
