import Crypto
import Foundation
import IBPFormats

/// Images as float pixels in [0, 1] (byte / 255) with integer labels, ready to batch.
public struct Dataset: Sendable {
    /// The classes an MNIST label file may hold (labels 0...9, checked by the IDX reader).
    public static let mnistClasses = 10

    /// Refuses a model whose outputs do not score this data's classes: fewer outputs than a label needs, or more
    /// than MNIST's 10 classes (a 784-output identity network would be read as a 784-class classifier and score
    /// 0% without a word). One rule for checkpoints and ONNX models.
    /// - Returns: the reason in a few words, or nil when the outputs fit.
    public func outputMismatch(classes: Int) -> String? {
        if let label = labels.max(), label >= classes {
            return "the model has \(classes) outputs, but the data hold label \(label)"
        }
        // Data read from MNIST files (they carry a digest); arrays built in code may use other classes.
        if sha256 != nil, classes > Dataset.mnistClasses {
            return "the model has \(classes) outputs, but MNIST has \(Dataset.mnistClasses) classes; give a classifier "
                + "with \(Dataset.mnistClasses) outputs (one logit per digit)"
        }
        return nil
    }

    public let count: Int
    public let sampleShape: [Int]
    public let pixels: [Float]
    public let labels: [Int]
    /// SHA-256 (hex) of the images' bytes, then the labels' bytes, as read (after decompression): equal for the
    /// same images wherever they lie. Nil for data sets made from floats.
    public let sha256: String?

    public init(_ images: LabelledImages) {
        count = images.count
        sampleShape = [1, images.rows, images.cols]
        pixels = images.pixels.map { Float($0) / 255 }
        labels = images.labels.map { Int($0) }
        sha256 = Dataset.sha256(of: images)
    }

    /// SHA-256 (hex) of the images' bytes, then the labels' bytes: `sha256` of the data set they make.
    public static func sha256(of images: LabelledImages) -> String {
        var hash = SHA256()
        images.pixels.withUnsafeBytes { hash.update(bufferPointer: $0) }
        images.labels.withUnsafeBytes { hash.update(bufferPointer: $0) }
        return hash.finalize().hex
    }

    public init(sampleShape: [Int], pixels: [Float], labels: [Int], sha256: String? = nil) {
        self.count = labels.count
        self.sampleShape = sampleShape
        self.pixels = pixels
        self.labels = labels
        self.sha256 = sha256
    }

    /// Loads a split of MNIST (or an IDX set laid out like it) from `directory`.
    public static func mnist(directory: URL, split: MNIST.Split, limit: Int? = nil) throws -> Dataset {
        Dataset(try MNIST.load(directory: directory, split: split, limit: limit))
    }

    /// The samples at `indices`, as a batch.
    public func batch(_ indices: some Collection<Int>) -> (x: Tensor, labels: [Int]) {
        let size = sampleShape.reduce(1, *)
        var data = [Float]()
        data.reserveCapacity(indices.count * size)
        for i in indices { data.append(contentsOf: pixels[i * size..<(i + 1) * size]) }
        return (Tensor(shape: [indices.count] + sampleShape, data: data), indices.map { labels[$0] })
    }

    /// The seed of `holdingOut`'s choice: fixed, so that every run holding out `n` images holds out the same ones
    /// whatever its `--seed`, and validation accuracies of different runs compare.
    public static let validationSeed: UInt64 = 0x5EED_0F_7A1D

    /// Splits off `n` samples chosen at random (from `validationSeed`) as a validation set, for model selection
    /// that never looks at the test set (issue 15). Both parts keep the original order of their samples; the
    /// training part keeps this set's `sha256` (it names the file read, which a resumed run checks).
    /// - Precondition: `0 < n < count` (callers check and name their flag).
    public func holdingOut(_ n: Int) -> (training: Dataset, validation: Dataset) {
        precondition(n > 0 && n < count, "hold out 1...\(count - 1) samples")
        let chosen = BatchOrder.permutation(count: count, seed: Dataset.validationSeed).suffix(n)
        var isValidation = [Bool](repeating: false, count: count)
        for i in chosen { isValidation[i] = true }
        let size = sampleShape.reduce(1, *)
        func part(_ keep: Bool) -> Dataset {
            let indices = (0..<count).filter { isValidation[$0] == keep }
            var pixels = [Float]()
            pixels.reserveCapacity(indices.count * size)
            for i in indices { pixels.append(contentsOf: self.pixels[i * size..<(i + 1) * size]) }
            return Dataset(sampleShape: sampleShape, pixels: pixels, labels: indices.map { labels[$0] },
                           sha256: keep ? nil : sha256)
        }
        return (part(false), part(true))
    }
}
