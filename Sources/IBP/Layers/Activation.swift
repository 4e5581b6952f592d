/// An elementwise monotone non-decreasing activation y = f(x) (ReLU, sigmoid, tanh). Because f is monotone, the
/// interval image of [l, u] is [f(l), f(u)], so IBP applies f to l = mu - r and u = mu + r and re-centres
/// (`MonotoneKind.intervalImage`, shared with the IBP bound method).
public final class Activation: Layer {
    public typealias Kind = MonotoneKind

    public let kind: Kind
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    public var primitive: Primitive { .monotone(kind) }
    private var cachedInput: Flow?

    public init(_ kind: Kind, shape: [Int]) {
        self.kind = kind
        self.inputShape = shape
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let size = input.values.sampleSize
        let nominal = input.nominalRows * size
        // Outputs are written straight into new tensors: copying the input first and mutating it costs a pass.
        var radius: Tensor?
        let values = Tensor(shape: input.values.shape) { v in
            input.values.data.withUnsafeBufferPointer { x in
                let x = x.baseAddress!
                kind.apply(x, into: v, count: nominal)
                guard let r = input.radius else { return }
                radius = Tensor(shape: r.shape) { ro in
                    r.data.withUnsafeBufferPointer { rp in
                        kind.intervalImage(centre: x + nominal, radius: rp.baseAddress!, intoCentre: v + nominal,
                                           radius: ro, count: rp.count)
                    }
                }
            }
        }
        if cache { cachedInput = input }
        return Flow(values: values, radius: radius)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        let input = Flow.cached(cachedInput, for: grad)
        let nominal = input.nominalRows * input.values.sampleSize
        var dRadius: Tensor?
        let dValues = Tensor(shape: grad.values.shape) { dv in
            grad.values.data.withUnsafeBufferPointer { g in
                input.values.data.withUnsafeBufferPointer { x in
                    let g = g.baseAddress!, x = x.baseAddress!
                    kind.derivativeTimes(g, at: x, into: dv, count: nominal)
                    guard let r = input.radius, let gr = grad.radius else { return }
                    dRadius = Tensor(shape: gr.shape) { dr in
                        gr.data.withUnsafeBufferPointer { gr in
                            r.data.withUnsafeBufferPointer { rp in
                                kind.intervalImageBackward(dCentre: g + nominal, dRadius: gr.baseAddress!,
                                                           centre: x + nominal, radius: rp.baseAddress!,
                                                           intoCentre: dv + nominal, radius: dr, count: rp.count)
                            }
                        }
                    }
                }
            }
        }
        return Flow(values: dValues, radius: dRadius)
    }
}
