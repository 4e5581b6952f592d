import Crypto
import Foundation
import IBPFormats
import IBPRender

/// Options of one figure besides its sample and epsilon.
public struct FigureOptions: Codable, Equatable, Sendable {
    public var scale: Int = 6
    public var maxChannels: Int = 8
    public var perturbation: Perturbation = .pgd
    public var pgdSteps: Int = 20
    public var seed: UInt64 = 0

    public init() {}

    /// Rejects values that cannot make a figure, naming the flag.
    public func validate() throws {
        guard (1...64).contains(scale) else { throw SettingsError(message: "--scale must be in 1...64, got \(scale)") }
        guard (1...256).contains(maxChannels) else {
            throw SettingsError(message: "--max-channels must be in 1...256, got \(maxChannels)")
        }
        guard (0...10_000).contains(pgdSteps) else { throw SettingsError(message: "--pgd-steps must be in 0...10000") }
    }
}

/// A checkpoint loaded for figures, with what the PNG records about it.
public struct FigureModel {
    public let path: String
    public let sha256: String
    public let network: Network
    public let checkpoint: Checkpoint

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        checkpoint = try Checkpoint.load(url)
        network = checkpoint.makeNetwork()
        let bytes = try Data(contentsOf: url)
        sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        self.path = path
    }

    private init(path: String, sha256: String, network: Network, checkpoint: Checkpoint) {
        self.path = path
        self.checkpoint = checkpoint
        self.sha256 = sha256
        self.network = network
    }

    /// The same model with its own network (layers keep caches, so each thread needs one).
    public func copy() -> FigureModel { FigureModel(path: path, sha256: sha256, network: network.copy(), checkpoint: checkpoint) }

    public var name: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// Renders comparison figures of a baseline and an IBP-trained model on samples of a data set.
public struct FigureRenderer {
    public static let version = "ibpvis 0.1.0"

    public let baseline: FigureModel
    public let ibp: FigureModel
    public let data: Dataset
    /// Where the samples come from, for error messages.
    public let dataDescription: String

    /// Checks that both models take the data's images and score all its labels.
    public init(baseline: FigureModel, ibp: FigureModel, data: Dataset, dataDescription: String) throws {
        try baseline.checkpoint.checkFits(data, path: baseline.path)
        try ibp.checkpoint.checkFits(data, path: ibp.path)
        self.baseline = baseline
        self.ibp = ibp
        self.data = data
        self.dataDescription = dataDescription
    }

    /// A renderer with its own networks, for another thread.
    public func copy() -> FigureRenderer {
        FigureRenderer(checked: baseline.copy(), ibp: ibp.copy(), data: data, dataDescription: dataDescription)
    }

    private init(checked baseline: FigureModel, ibp: FigureModel, data: Dataset, dataDescription: String) {
        self.baseline = baseline
        self.ibp = ibp
        self.data = data
        self.dataDescription = dataDescription
    }

    /// Both panels of test sample `sample` at `epsilon`.
    public func panels(sample: Int, epsilon: Float, options: FigureOptions) throws -> (FigurePanel, FigurePanel) {
        guard epsilon.isFinite, epsilon >= 0, epsilon <= 1 else {
            throw SettingsError(message: "--epsilon must be a number in [0, 1], got \(epsilon)")
        }
        guard sample >= 0, sample < data.count else {
            throw SettingsError(message: "sample \(sample) is out of range: \(dataDescription) holds \(data.count) test images")
        }
        let (x, labels) = data.batch(sample..<sample + 1)
        func panel(_ m: FigureModel) throws -> FigurePanel {
            try FigurePanel.make(network: m.network, title: m.name, x: x, label: labels[0], epsilon: epsilon,
                                 perturbation: options.perturbation, pgdSteps: options.pgdSteps, seed: options.seed)
        }
        return (try panel(baseline), try panel(ibp))
    }

    /// PNG tEXt holds Latin-1 only: other characters of a path are percent-encoded.
    static func latin1(_ text: String) -> String {
        text.unicodeScalars.allSatisfy { $0.value < 128 }
            ? text : text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "?"
    }

    /// Renders one figure to `url` (PNG, atomically) and optionally its numbers to `dumpBounds` (JSON).
    public func write(sample: Int, epsilon: Float, options: FigureOptions, to url: URL, dumpBounds: URL? = nil) throws {
        let (left, right) = try panels(sample: sample, epsilon: epsilon, options: options)
        let canvas = ComparisonFigure(scale: options.scale, maxChannels: options.maxChannels).render(left: left, right: right)
        let text = [
            ("Software", FigureRenderer.version),
            ("Baseline", FigureRenderer.latin1(baseline.path)), ("Baseline-SHA256", baseline.sha256),
            ("IBP", FigureRenderer.latin1(ibp.path)), ("IBP-SHA256", ibp.sha256),
            ("Sample", String(sample)), ("Epsilon", NumberLabel.fixed(Double(epsilon), decimals: 4)),
            ("Perturbation", options.perturbation.rawValue), ("Seed", String(options.seed)),
        ]
        guard let dumpBounds else { return try PNGFile.write(canvas, to: url, text: text) }
        // The PNG is written while the dump still waits under its temporary name, so a PNG that cannot be
        // written (say a checkpoint path that is not Latin-1) leaves no dump behind either.
        try AtomicFile.write(to: dumpBounds) { temp in
            try AtomicFile.write(BoundsDump.json(baseline: left, ibp: right, sample: sample), to: temp)
            try PNGFile.write(canvas, to: url, text: text)
        }
    }
}
