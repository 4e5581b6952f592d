import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

/// `visualize training`: a run's losses and accuracies against step, redrawn from its metrics log.
struct Training: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A training run's losses and accuracies against step, redrawn from its metrics.jsonl (train's curves.png).")

    @OptionGroup var shared: SharedOptions

    @Option(name: .long, help: "The run's metrics log (RUN/metrics.jsonl).")
    var metrics: String

    @Option(name: .long, help: "Title above the plots (default: the run folder's name).")
    var title: String?

    func validate() throws {
        try refuseEmptyPaths([("--metrics", metrics)])
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: metrics, isDirectory: &isFolder), isFolder.boolValue {
            // The log's path as the folder was typed (`run/metrics.jsonl`, not the absolute path).
            let log = TypedPath.join(metrics, "metrics.jsonl")
            throw ValidationError("--metrics \(metrics) is a folder; give the run's log file, \(log)")
        }
        try shared.unused(Self.unusedOptions, by: "training")
        try shared.validateOutputs(try shared.output(defaultName: "training").path, inputs: [RunFile("--metrics", metrics)])
    }

    func run() throws {
        try reportingVisualizeErrors {
            let maker = try shared.maker()
            let (out, format) = try shared.output(defaultName: "training")
            var request = FigureRequest(kind: .training, output: out, format: format, models: [])
            request.metrics = metrics
            request.title = title
            try make(request, maker: maker, label: "training")
        }
    }
}
