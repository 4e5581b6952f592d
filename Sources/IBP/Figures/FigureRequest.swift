import Foundation
import IBPFormats
import IBPRender

/// The figures `visualize` draws, one subcommand each.
public enum FigureKind: String, CaseIterable, Codable, Sendable, NamedChoice {
    /// Models side by side (the seed's figure for two).
    case compare
    /// One model, one column per bound method.
    case methods
    /// One model, one row block per epsilon.
    case sweep
    /// Mean bound width per stage on a log axis, one line per model or method.
    case widths
    /// Nominal, PGD and verified accuracy against epsilon.
    case curves
    /// A training run's losses and accuracies against step, redrawn from its `metrics.jsonl` (what `train` writes
    /// as the run's `curves.png`).
    case training
}

/// One figure to make, as `visualize`'s flags or a manifest entry describe it; `FigureMaker` makes it.
public struct FigureRequest: Sendable {
    public var kind: FigureKind
    public var output: String
    public var format: FigureFormat
    /// Checkpoint paths: the columns of `compare`, the lines of `widths` and `curves`; `methods` and `sweep` use
    /// the first.
    public var models: [String]
    /// Provenance names of the models ("Baseline", "IBP"); nil names them "Model-N".
    public var roles: [String]?
    /// `methods`: the columns; `widths` and `curves`: the lines per model. Empty: `options.bounds` alone.
    public var methods: [BoundMethodName] = []
    public var sample: Int = 0
    /// `widths`: averaged over these samples (empty: `sample` alone).
    public var samples: [Int] = []
    public var epsilon: Float = 0.1
    /// `sweep`: the row blocks; `curves`: the grid.
    public var epsilons: [Float] = []
    public var options = FigureOptions()
    /// `curves`: evaluate the first `limit` test images (nil: all).
    public var limit: Int?
    /// `curves`: PGD at every `pgdEvery`-th epsilon of the grid (0: no PGD).
    public var pgdEvery: Int = 5
    /// `curves`: bound every method at every epsilon and attack every correctly classified sample (the brute force
    /// `Evaluator`), instead of `CurveEvaluator`'s bisection; the same verified counts, slower.
    public var exhaustive = false
    /// Caption and alt text for the index; nil: made from the figure.
    public var caption: String?
    public var alt: String?
    /// `compare`, `methods`, `sweep`: also write the numbers to this JSON file.
    public var dumpBounds: String?
    /// `training`: the run's metrics log and the figure's title (default: the log's folder name).
    public var metrics: String?
    public var title: String?

    public init(kind: FigureKind, output: String, format: FigureFormat, models: [String]) {
        self.kind = kind
        self.output = output
        self.format = format
        self.models = models
    }

    /// The methods the figure uses.
    public var methodList: [BoundMethodName] { methods.isEmpty ? [options.bounds] : methods }

    /// `widths` averages over these.
    public var sampleList: [Int] { samples.isEmpty ? [sample] : samples }

    /// At most this many lines in `widths` and `curves` (what fits the legend beside the plot).
    public static let maxLines = 24
}

/// A figure that was written, for the index: where it went, its caption and alt text.
public struct FigureRecord: Sendable {
    public var output: String
    public var format: FigureFormat
    public var caption: String
    public var alt: String
    /// What the user should know about how the figure was made (methods of `methods` that could not bound the model).
    public var notes: [String] = []
}
