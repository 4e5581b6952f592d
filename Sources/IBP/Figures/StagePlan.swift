/// Which layer outputs of a model z = f_n(... f_1(x)) a figure shows, and their names: the input `x`, every affine
/// output `lK` (K counts the affine layers: convolutions, dense layers, normalisations, padding, average pooling),
/// every activation `aK` (after affine layer K, the seed's naming), every max pooling `pK`, and the last layer's
/// output `y`; reshapes (flatten) add no stage. For the project's own `Network` this is exactly its `x, l1, a1, ...,
/// y`; for an imported ONNX chain the same rule names whatever the graph holds, whether or not it ends in an affine
/// layer (a trailing ReLU's output is then `y`).
public struct StagePlan: Sendable {
    /// One entry per layer: the stage its output is, or nil for a reshape.
    public let layerStages: [StageOutline?]
    /// The input stage.
    public let input: StageOutline

    /// The plan of `model`'s layers; `imageShape` is the shape the input stage is drawn with (the data's images, e.g.
    /// [1, 28, 28] for an ONNX model that reads them as [784]: the same pixels in the same row-major order).
    public init(_ model: any Classifier, imageShape: [Int]? = nil) {
        input = StageOutline(name: "x", kind: .input, shape: imageShape ?? model.inputShape)
        var affine = 0
        var used: Set<String> = ["x"]
        var out: [StageOutline?] = []
        for (i, layer) in model.layers.enumerated() {
            let last = i == model.layers.count - 1
            var name: String
            var kind: StageBounds.Kind
            switch layer.primitive {
            case .reshape:
                out.append(nil)
                continue
            case .affine:
                affine += 1
                (name, kind) = ("l\(affine)", .affine)
            case .monotone(let f):
                switch f {
                case .relu: kind = .relu
                case .sigmoid: kind = .sigmoid
                case .tanh: kind = .tanh
                }
                name = "a\(affine)"
            case .maxPool:
                (name, kind) = ("p\(affine)", .pool)
            }
            if last { (name, kind) = ("y", .logits) }
            // Two activations in a row would share a name: the second gets a prime.
            while used.contains(name) { name += "'" }
            used.insert(name)
            out.append(StageOutline(name: name, kind: kind, shape: layer.outputShape))
        }
        layerStages = out
    }

    /// Every stage in order: `x`, then the named layer outputs.
    public var outlines: [StageOutline] { [input] + layerStages.compactMap { $0 } }
}

extension Classifier {
    /// The nominal value of every stage of `StagePlan` for a batch `x` (n, inputShape), as flat arrays per stage
    /// (the input first), through the same layers the bound methods walk.
    func nominalStageValues(_ x: Tensor, plan: StagePlan) -> [[Float]] {
        var flow = Flow(values: x)
        var out = [x.data]
        for (layer, stage) in zip(layers, plan.layerStages) {
            flow = layer.forward(flow, cache: false)
            if stage != nil { out.append(flow.values.data) }
        }
        return out
    }
}
