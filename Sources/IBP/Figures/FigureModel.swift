import Crypto
import Foundation
import IBPFormats

/// A model file loaded for figures (any kind `ModelFile` reads: the project's `.ckpt`, the seed's Chainer `.npz`, an
/// ONNX classifier), with what the figure files record about it.
public struct FigureModel {
    public let path: String
    public let sha256: String
    public let file: ModelFile
    /// The model every figure runs: the checkpoint's `Network` or the imported ONNX `ChainModel`.
    public let classifier: any Classifier

    /// Loads `path` by its content (`ModelFile.load`).
    /// - Throws: the reader's one-line error naming the file.
    public init(path: String) throws {
        let url = TypedPath.url(path)
        file = try ModelFile.load(url)
        classifier = file.makeClassifier()
        // POSIX reads (`Gzip.readRaw`): `Data(contentsOf:)` throws Foundation's error dump, and `load` has read it already.
        let bytes = try Gzip.readRaw(url, maxBytes: max(ResourceLimits.maxCheckpointBytes, ONNXLimits().maxFileBytes))
        sha256 = SHA256.hash(data: bytes).hex
        self.path = path
    }

    private init(path: String, sha256: String, file: ModelFile, classifier: any Classifier) {
        self.path = path
        self.sha256 = sha256
        self.file = file
        self.classifier = classifier
    }

    /// The project's network, nil for an ONNX model.
    public var network: Network? { classifier as? Network }

    /// The same model with its own layers (layers keep caches and buffers, so each thread needs one): a checkpoint's
    /// network is copied, an ONNX model imported again from the same file.
    public func copy() throws -> FigureModel {
        switch file {
        case .checkpoint:
            return FigureModel(path: path, sha256: sha256, file: file, classifier: (classifier as! Network).copy())
        case .onnx:
            let again = try ModelFile.load(TypedPath.url(path))
            return FigureModel(path: path, sha256: sha256, file: again, classifier: again.makeClassifier())
        }
    }

    /// The file's name.
    public var name: String { TypedPath.url(path).lastPathComponent }

    /// The shape the figure's input stage `x` is drawn with: the raw image the model reads. The model's input shape
    /// without unit axes, as one channel when it is [h, w], and as a square [1, k, k] when it is a vector of k * k
    /// pixels (an ONNX model reading MNIST as [784] or [784, 1]: the same pixels in the same row-major order).
    public var imageShape: [Int] {
        let shape = classifier.inputShape.filter { $0 != 1 }
        switch shape.count {
        case 0: return [1]
        case 1:
            let side = Int(Double(shape[0]).squareRoot().rounded())
            return side * side == shape[0] ? [1, side, side] : shape
        case 2: return [1] + shape
        default: return shape
        }
    }

    /// Throws unless the figures can draw this model on `data`: it takes the data's images (`ModelFile.checkFits`)
    /// as an image or as the vector of its pixels (`imageShape` is the data's image shape), so the `x` stage shows
    /// the raw image. For MNIST: input [1, 28, 28], [28, 28], [784], [784, 1] or [1, 784].
    public func checkFits(_ data: Dataset) throws {
        try file.checkFits(data, path: path)
        guard imageShape == data.sampleShape else {
            throw CheckpointError(path: path, reason: "the model's input has shape \(classifier.inputShape), but figures "
                                  + "draw models that read the data's images \(data.sampleShape) or their "
                                  + "\(data.sampleShape.reduce(1, *)) pixels as a vector")
        }
    }

    /// The stages a figure shows (`StagePlan`), the input drawn as `imageShape`.
    public var plan: StagePlan { StagePlan(classifier, imageShape: imageShape) }

    /// A column of this model under `method` at `epsilon`, before any bound is computed.
    public func spec(method: BoundMethodName, epsilon: Float, perturbation: Perturbation, title: String? = nil) -> ColumnSpec {
        ColumnSpec(title: title ?? name, model: classifier.modelName, method: method, epsilon: epsilon,
                   perturbation: perturbation, outlines: plan.outlines)
    }

    /// Why `method` cannot bound this model (`BoundMethodName.refusal`), or nil.
    public func refusal(_ method: BoundMethodName) -> BoundMethodError? { method.refusal(classifier.layers) }
}
