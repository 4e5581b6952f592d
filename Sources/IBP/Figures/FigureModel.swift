import Crypto
import Foundation

/// A checkpoint loaded for figures, with what the figure files record about it.
public struct FigureModel {
    public let path: String
    public let sha256: String
    public let network: Network
    public let checkpoint: Checkpoint

    /// Loads `path` (any format `Checkpoint.load` reads).
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

    /// The checkpoint's file name.
    public var name: String { URL(fileURLWithPath: path).lastPathComponent }

    /// A column of this model under `method` at `epsilon`, before any bound is computed.
    public func spec(method: BoundMethodName, epsilon: Float, perturbation: Perturbation, title: String? = nil) -> ColumnSpec {
        ColumnSpec(title: title ?? name, model: network.architecture.name, method: method, epsilon: epsilon,
                   perturbation: perturbation, outlines: network.stageOutlines())
    }
}
