/// A model z = f(x) read as a chain of layers x -> f1 -> ... -> fn -> z, whose outputs z (n, classes) score the
/// classes: what evaluation, PGD and every bound method need of a model. `Network` (a body and a linear head, the
/// project's trained architectures) and `ChainModel` (any chain, e.g. an imported ONNX graph, which may end in a
/// non-affine layer such as a ReLU) conform.
public protocol Classifier: AnyObject {
    /// A short name for reports (`small`, `mnist-net_256x2.onnx`).
    var modelName: String { get }
    /// The layers in order: the chain every bound method walks.
    var layers: [Layer] { get }
    /// The shape of one input sample (without the batch axis), e.g. [1, 28, 28] or an ONNX model's [784, 1].
    var inputShape: [Int] { get }
    /// The number of outputs z_j (one per class).
    var classes: Int { get }
    /// z for a batch x (n, inputShape) -> (n, classes).
    func logits(_ x: Tensor) -> Tensor
}

extension Classifier {
    /// x (n, ...) read with this model's input shape; the same values (e.g. MNIST images [1, 28, 28] for an ONNX
    /// input [784, 1]: both are the 784 pixels in row-major order). Requires the same element count per sample.
    public func shapedInput(_ x: Tensor) -> Tensor {
        x.sampleShape == inputShape ? x : x.reshaped(sampleShape: inputShape)
    }
}

extension Network: Classifier {
    public var modelName: String { architecture.name }
    public var inputShape: [Int] { architecture.inputShape }
}
