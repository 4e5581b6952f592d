/// Reshapes (C, H, W) to a vector in C order, matching Chainer's and PyTorch's flatten.
public final class Flatten: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { [inputShape.reduce(1, *)] }

    public init(inputShape: [Int]) { self.inputShape = inputShape }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        input.reshaped(sampleShape: outputShape)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        grad.reshaped(sampleShape: inputShape)
    }
}

extension Flatten {
    public var primitive: Primitive { .reshape(to: outputShape) }
}
