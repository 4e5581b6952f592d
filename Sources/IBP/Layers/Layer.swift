/// What flows between layers. `values` holds the nominal rows followed by the interval centres;
/// `radius`, when present, holds the radii of the last `radius.batch` rows of `values`.
/// Stacking nominal inputs and centres lets an affine layer serve both with one GEMM (they share W).
public struct Flow {
    public var values: Tensor
    public var radius: Tensor?

    public init(values: Tensor, radius: Tensor? = nil) {
        if let r = radius { precondition(r.batch <= values.batch && r.sampleShape == values.sampleShape) }
        self.values = values
        self.radius = radius
    }

    /// Number of leading rows of `values` that are plain (nominal) inputs rather than interval centres.
    public var nominalRows: Int { values.batch - (radius?.batch ?? 0) }

    /// The same rows read with another sample shape of the same element count (row-major order kept): what a
    /// reshape does forward, and to the gradient backward. Exact for intervals: centres and radii move together.
    public func reshaped(sampleShape: [Int]) -> Flow {
        Flow(values: values.reshaped(sampleShape: sampleShape), radius: radius?.reshaped(sampleShape: sampleShape))
    }

    /// `input`, the forward input a layer cached, for the backward pass of `grad`, which must have as many nominal
    /// and interval rows: a backward without its forward (nil), or for another batch, is a programming error.
    static func cached(_ input: Flow?, for grad: Flow) -> Flow {
        guard let input, input.values.batch == grad.values.batch, input.radius?.batch == grad.radius?.batch else {
            preconditionFailure("backward does not match the cached forward")
        }
        return input
    }
}

/// A trainable array and its accumulated gradient.
public final class Parameter {
    public let name: String
    public var value: Tensor
    public var grad: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }
}

/// One layer: forward, backward and interval propagation live together so IBP is checked in one place.
/// Shapes exclude the batch axis. Layers are classes because they own their caches and buffers.
public protocol Layer: AnyObject {
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }
    /// Trainable parameters (empty for activations and reshapes).
    var parameters: [Parameter] { get }
    /// The layer as one of the closed set of maps every bound method handles (a requirement, so a new layer
    /// kind that forgets it does not compile).
    var primitive: Primitive { get }
    /// Propagates nominal rows and intervals; with `cache` the inputs are kept for `backward`.
    func forward(_ input: Flow, cache: Bool) -> Flow
    /// Given d(loss)/d(output) for the flow of the last cached forward, accumulates parameter gradients (unless
    /// `parameterGradients` is false, as for an attack, which needs only the input gradient) and returns
    /// d(loss)/d(input) (unless `inputGradient` is false, when it returns an empty flow).
    func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow
}

extension Layer {
    public var parameters: [Parameter] { [] }

    /// `backward` accumulating parameter gradients, as training does.
    public func backward(_ grad: Flow, inputGradient: Bool) -> Flow {
        backward(grad, inputGradient: inputGradient, parameterGradients: true)
    }
}
