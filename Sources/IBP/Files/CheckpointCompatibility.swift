import Foundation

extension Checkpoint {
    /// The number of classes the model scores: the units of its last (linear) layer.
    public var classes: Int {
        guard case let .linear(units)? = architecture.layers.last else { return 0 }
        return units
    }

    /// The batch `Evaluator.evaluate` uses by default (its `batchSize`), for the memory check of `checkFits`.
    public static let evaluationBatch = 500

    /// Throws unless the model can run on `data`: a checkpoint is valid on its own, but one made for other
    /// images (another input shape) or fewer classes than the labels would trap inside the layers, and one whose
    /// evaluation batch (`evaluationBatch`, or fewer images) needs more memory than `ResourceLimits` allows would
    /// fail part-way. `load` has already checked that one image fits.
    /// - Parameter path: the checkpoint's file, named in the error.
    public func checkFits(_ data: Dataset, path: String) throws {
        do {
            try ResourceLimits.check(architecture, for: .evaluation(batch: min(max(data.count, 1), Checkpoint.evaluationBatch)),
                                     batchFlag: "--limit")
        } catch let e as ResourceLimits.Exceeded {
            throw CheckpointError(path: path, reason: e.message)
        }
        guard architecture.inputShape == data.sampleShape else {
            throw CheckpointError(path: path, reason: "the model takes inputs of shape \(architecture.inputShape), "
                                  + "but the data's images have shape \(data.sampleShape)")
        }
        if let reason = data.outputMismatch(classes: classes) { throw CheckpointError(path: path, reason: reason) }
    }
}
