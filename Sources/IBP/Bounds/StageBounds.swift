/// One named point of the network (`x`, `l1`, `a1`, ..., `y`) for one sample: nominal values and the
/// interval [lower, upper] that IBP gives over the input box.
public struct StageBounds: Sendable {
    /// What produced a stage; figures colour input and sigmoid stages on a fixed [0, 1] scale, tanh stages on
    /// [-1, 1]. `pool` is a max pooling (imported ONNX models).
    public enum Kind: String, Sendable {
        case input, affine, relu, sigmoid, tanh, pool, logits
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

    /// The stages of sample `index` of a batch under IBP, as plain arrays.
    public func stageBounds(_ x: Tensor, epsilon: Float, sample index: Int = 0) -> [StageBounds] {
        try! stageBounds(x, epsilon: epsilon, sample: index, method: .ibp)
    }

    /// The stages (`x, l1, a1, ..., y`) of sample `index` of a batch under a bound method, as plain arrays: the
    /// nominal values and [lower, upper]; the input stage is the exact box [clip(x - eps, 0, 1), clip(x + eps, 0, 1)].
    /// - Throws: `BoundMethodError` when the method cannot bound a layer of this network.
    public func stageBounds(_ x: Tensor, epsilon: Float, sample index: Int, method: BoundMethodName) throws
        -> [StageBounds] {
        let bounds = try method.method.bounds(layers, box: InputBox(around: x, epsilon: epsilon), specification: nil)
        let nominal = nominalStages(x)
        let names = ["x"] + (stageNames + ["y"])
        var out: [StageBounds] = []
        for (stage, name) in zip(bounds.stages, names) {
            guard let name, let values = nominal.first(where: { $0.name == name })?.values else { continue }
            let size = values.sampleSize, range = index * size..<(index + 1) * size
            out.append(StageBounds(name: name, kind: stageKind(name), shape: values.sampleShape,
                                   normal: Array(values.data[range]), lower: Array(stage.lower.data[range]),
                                   upper: Array(stage.upper.data[range])))
        }
        return out
    }

    /// The layers in order, head included: the chain every bound method walks.
    public var layers: [Layer] { body + [head as Layer] }

    /// Bounds of every stage of a batch over its eps-boxes and, with `labels`, of the elided specification's
    /// margins z_j - z_y (shape (n, classes)); `ChainBounds.specification.upper` are the worst-case margins.
    public func bounds(_ x: Tensor, epsilon: Float, labels: [Int]?, method: BoundMethodName) throws -> ChainBounds {
        try method.method.bounds(layers, box: InputBox(around: x, epsilon: epsilon),
                                 specification: labels.map { Specification.elided(labels: $0, classes: classes) })
    }

    /// Rigorous upper bounds of the elided margins (batch, classes) over each sample's eps-box
    /// (`SoundIntervalMethod`); verified when all entries j != y are negative. The true class's entry is 0.
    public func soundMargins(x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        try! bounds(x, epsilon: epsilon, labels: labels, method: .soundIBP).specification!.upper
    }

    /// The sound interval of every stage (`x` to the logits `y`, as `stages`) for a batch.
    public func soundStages(_ x: Tensor, epsilon: Float) -> [(name: String, bounds: SoundInterval)] {
        let bounds = try! bounds(x, epsilon: epsilon, labels: nil, method: .soundIBP)
        return zip(bounds.stages, ["x"] + (stageNames + ["y"])).compactMap { stage, name in
            name.map { ($0, SoundInterval(lower: stage.lower, upper: stage.upper)) }
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
