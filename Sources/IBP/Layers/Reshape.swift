/// y = x read with another sample shape of the same element count, row-major order kept (ONNX Reshape and Flatten;
/// `Flatten` is the case [C, H, W] -> [C H W] that the project's architectures use). Exact under every bound method.
public final class Reshape: Layer {
    public let inputShape: [Int]
    public let outputShape: [Int]
    public var primitive: Primitive { .reshape(to: outputShape) }

    public init(inputShape: [Int], outputShape: [Int]) {
        precondition(inputShape.reduce(1, *) == outputShape.reduce(1, *), "cannot reshape \(inputShape) to \(outputShape)")
        self.inputShape = inputShape
        self.outputShape = outputShape
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        input.reshaped(sampleShape: outputShape)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        grad.reshaped(sampleShape: inputShape)
    }
}
