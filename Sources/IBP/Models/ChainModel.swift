import IBPFormats

/// z = f_n(... f_1(x)): a model that is any chain of layers, without the linear head `Network` keeps apart
/// (an imported ONNX classifier: `ChainModel.importONNX`). Its last layer need not be affine (a net ending in a
/// ReLU): the bound methods then apply a specification C z + d to the output interval, not folded into a layer.
public final class ChainModel: Classifier {
    public let modelName: String
    public let layers: [Layer]
    public let inputShape: [Int]

    /// Requires each layer's input shape to be the previous layer's output shape (the first: `inputShape`).
    public init(name: String, inputShape: [Int], layers: [Layer]) {
        var shape = inputShape
        for (index, layer) in layers.enumerated() {
            precondition(layer.inputShape.reduce(1, *) == shape.reduce(1, *) && layer.inputShape == shape,
                         "\(LayerName.of(index, "\(type(of: layer))")) takes \(layer.inputShape), the chain gives \(shape)")
            shape = layer.outputShape
        }
        self.modelName = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The shape of one output sample.
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

    public var classes: Int { outputShape.reduce(1, *) }

    /// Every trainable parameter, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func logits(_ x: Tensor) -> Tensor {
        var flow = Flow(values: shapedInput(x))
        for layer in layers { flow = layer.forward(flow, cache: false) }
        return flow.values.reshaped(sampleShape: [classes])
    }
}
