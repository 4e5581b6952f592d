/// One named point of the network (`x`, `l1`, `a1`, ..., `y`) for one sample: nominal values and the
/// interval [lower, upper] that IBP gives over the input box.
public struct StageBounds: Sendable {
    /// What produced a stage; figures colour input and sigmoid stages on a fixed [0, 1] scale.
    public enum Kind: String, Sendable {
        case input, affine, relu, sigmoid, logits
    }

    public var name: String
    public var kind: Kind
    /// Shape without the batch axis, e.g. [6, 12, 12].
    public var shape: [Int]
    public var normal: [Float]
    public var lower: [Float]
    public var upper: [Float]
}

extension Network {
    /// Propagates a batch of inputs and their eps-box together and records every stage
    /// (input, affine outputs, activations, logits); flatten adds no stage.
    /// Returns, per stage, the nominal tensor and the interval (centre, radius) of the whole batch.
    public func stages(_ x: Tensor, epsilon: Float) -> [(name: String, nominal: Tensor, bounds: IntervalBounds)] {
        let n = x.batch
        let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
        var flow = Flow(values: x.stacked(with: box.centre), radius: box.radius)
        var out = [(name: "x", nominal: x, bounds: box)]
        for (layer, name) in zip(body + [head as Layer], stageNames + ["y"]) {
            flow = layer.forward(flow, cache: false)
            if let name {
                out.append((name, flow.values.rows(0..<n),
                            IntervalBounds(centre: flow.values.rows(n..<2 * n), radius: flow.radius!)))
            }
        }
        return out
    }

    /// Nominal values of every stage for a batch (the same names as `stages`), e.g. for a perturbed input.
    public func nominalStages(_ x: Tensor) -> [(name: String, values: Tensor)] {
        var flow = Flow(values: x)
        var out = [(name: "x", values: x)]
        for (layer, name) in zip(body + [head as Layer], stageNames + ["y"]) {
            flow = layer.forward(flow, cache: false)
            if let name { out.append((name, flow.values)) }
        }
        return out
    }

    /// The stages of sample `index` of a batch, as plain arrays.
    public func stageBounds(_ x: Tensor, epsilon: Float, sample index: Int = 0) -> [StageBounds] {
        stages(x, epsilon: epsilon).map { stage in
            let size = stage.nominal.sampleSize, range = index * size..<(index + 1) * size
            let lower = stage.bounds.lower, upper = stage.bounds.upper
            return StageBounds(name: stage.name, kind: stageKind(stage.name), shape: stage.nominal.sampleShape,
                               normal: Array(stage.nominal.data[range]),
                               lower: Array(lower.data[range]), upper: Array(upper.data[range]))
        }
    }

    /// The kind of the stage called `name` (`x`, `lN`, `aN` or `y`).
    public func stageKind(_ name: String) -> StageBounds.Kind {
        switch name.first {
        case "x": return .input
        case "y": return .logits
        case "l": return .affine
        default:
            let index = stageNames.firstIndex(of: name)!
            return (body[index] as? Activation)?.kind == .sigmoid ? .sigmoid : .relu
        }
    }

    /// A copy with the same weights and its own caches, for use on another thread.
    public func copy() -> Network {
        let c = Network(architecture)
        for (dst, src) in zip(c.parameters, parameters) { dst.value = src.value }
        return c
    }
}
