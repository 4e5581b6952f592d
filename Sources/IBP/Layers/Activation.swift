import Foundation

/// An elementwise monotone non-decreasing activation. Because it is monotone, the interval image of
/// [l, u] is [f(l), f(u)], so IBP applies f to l = mu - r and u = mu + r and re-centres.
public final class Activation: Layer {
    public enum Kind: String, Codable, Sendable {
        case relu, sigmoid
    }

    public let kind: Kind
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    private var cachedInput: Flow?

    public init(_ kind: Kind, shape: [Int]) {
        self.kind = kind
        self.inputShape = shape
    }

    // The kind is switched on once per call, not per element, and the function is a type parameter rather than
    // a closure: inside the parallel loops a closure stays an indirect call per element, a type is specialised
    // (and vectorised).
    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let output: Flow
        switch kind {
        case .relu: output = propagate(input, ReLU.self)
        case .sigmoid: output = propagate(input, Sigmoid.self)
        }
        if cache { cachedInput = input }
        return output
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        guard let input = cachedInput, input.values.batch == grad.values.batch,
              input.radius?.batch == grad.radius?.batch else {
            preconditionFailure("backward does not match the cached forward")
        }
        switch kind {
        case .relu: return backpropagate(grad, input: input, ReLU.self)
        case .sigmoid: return backpropagate(grad, input: input, Sigmoid.self)
        }
    }

    private func propagate<F: MonotoneFunction>(_ input: Flow, _: F.Type) -> Flow {
        let size = input.values.sampleSize
        let nominal = input.nominalRows * size
        // Outputs are written straight into new tensors: copying the input first and mutating it costs a pass.
        var radius: Tensor?
        let values = Tensor(shape: input.values.shape) { v in
            input.values.data.withUnsafeBufferPointer { x in
                let x = x.baseAddress!
                Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                    for i in range { v[i] = F.value(x[i]) }
                }
                guard let r = input.radius else { return }
                radius = Tensor(shape: r.shape) { ro in
                    r.data.withUnsafeBufferPointer { rp in
                        let mu = x + nominal, centres = v + nominal, r = rp.baseAddress!
                        Parallel.chunks(rp.count, minChunk: 1 << 15) { range in
                            for i in range {
                                // [l, u] -> [f(l), f(u)], back to centre/radius.
                                let lo = F.value(mu[i] - r[i]), hi = F.value(mu[i] + r[i])
                                centres[i] = (hi + lo) * 0.5
                                ro[i] = (hi - lo) * 0.5
                            }
                        }
                    }
                }
            }
        }
        return Flow(values: values, radius: radius)
    }

    private func backpropagate<F: MonotoneFunction>(_ grad: Flow, input: Flow, _: F.Type) -> Flow {
        let nominal = input.nominalRows * input.values.sampleSize
        var dRadius: Tensor?
        let dValues = Tensor(shape: grad.values.shape) { dv in
            grad.values.data.withUnsafeBufferPointer { g in
                input.values.data.withUnsafeBufferPointer { x in
                    let g = g.baseAddress!, x = x.baseAddress!
                    Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                        for i in range { dv[i] = g[i] * F.derivative(x[i]) }
                    }
                    guard let r = input.radius, let gr = grad.radius else { return }
                    dRadius = Tensor(shape: gr.shape) { dr in
                        gr.data.withUnsafeBufferPointer { gr in
                            r.data.withUnsafeBufferPointer { rp in
                                let gmu = g + nominal, gr = gr.baseAddress!, mu = x + nominal, r = rp.baseAddress!
                                let dmu = dv + nominal
                                Parallel.chunks(rp.count, minChunk: 1 << 15) { range in
                                    for i in range {
                                        // mu' = (f(u) + f(l))/2, r' = (f(u) - f(l))/2 with l = mu - r, u = mu + r.
                                        let dl = (gmu[i] - gr[i]) * 0.5 * F.derivative(mu[i] - r[i])
                                        let du = (gmu[i] + gr[i]) * 0.5 * F.derivative(mu[i] + r[i])
                                        dmu[i] = dl + du
                                        dr[i] = du - dl
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Flow(values: dValues, radius: dRadius)
    }
}

/// A monotone non-decreasing function and its derivative, as a type so loops over it are specialised.
private protocol MonotoneFunction {
    static func value(_ z: Float) -> Float
    static func derivative(_ z: Float) -> Float
}

private enum ReLU: MonotoneFunction {
    @inline(__always) static func value(_ z: Float) -> Float { max(z, 0) }
    @inline(__always) static func derivative(_ z: Float) -> Float { z > 0 ? 1 : 0 }
}

private enum Sigmoid: MonotoneFunction {
    @inline(__always) static func value(_ z: Float) -> Float { 1 / (1 + expf(-z)) }
    @inline(__always) static func derivative(_ z: Float) -> Float { let s = value(z); return s * (1 - s) }
}
