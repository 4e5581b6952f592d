import Foundation

extension Checkpoint {
    /// The number of classes the model scores: the units of its last (linear) layer.
    public var classes: Int {
        guard case let .linear(units)? = architecture.layers.last else { return 0 }
        return units
    }

    /// Throws unless the model can run on `data`: a checkpoint is valid on its own, but one made for other
    /// images (another input shape) or fewer classes than the labels would trap inside the layers.
    /// - Parameter path: the checkpoint's file, named in the error.
    public func checkFits(_ data: Dataset, path: String) throws {
        guard architecture.inputShape == data.sampleShape else {
            throw CheckpointError(path: path, reason: "the model takes inputs of shape \(architecture.inputShape), "
                                  + "but the data's images have shape \(data.sampleShape)")
        }
        if let label = data.labels.max(), label >= classes {
            throw CheckpointError(path: path, reason: "the model scores \(classes) classes, but the data hold label \(label)")
        }
    }
}
