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

    private static func sigmoid(_ z: Float) -> Float { 1 / (1 + expf(-z)) }

    // The kind is switched on once per call, not per element, so each loop is specialised (and vectorised).
    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let output: Flow
        switch kind {
        case .relu: output = propagate(input) { max($0, 0) }
        case .sigmoid: output = propagate(input, Activation.sigmoid)
        }
        if cache { cachedInput = input }
        return output
    }

    public func backward(_ grad: Flow, inputGradient: Bool) -> Flow {
        guard let input = cachedInput, input.values.batch == grad.values.batch,
              input.radius?.batch == grad.radius?.batch else {
            preconditionFailure("backward does not match the cached forward")
        }
        switch kind {
        case .relu: return backpropagate(grad, input: input) { $0 > 0 ? 1 : 0 }
        case .sigmoid: return backpropagate(grad, input: input) { let s = Activation.sigmoid($0); return s * (1 - s) }
        }
    }

    @inline(__always)
    private func propagate(_ input: Flow, _ f: (Float) -> Float) -> Flow {
        let size = input.values.sampleSize
        let nominal = input.nominalRows * size
        // Outputs are written straight into new tensors: copying the input first and mutating it costs a pass.
        var radius: Tensor?
        let values = Tensor(shape: input.values.shape) { v in
            input.values.data.withUnsafeBufferPointer { x in
                let x = x.baseAddress!
                Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                    for i in range { v[i] = f(x[i]) }
                }
                guard let r = input.radius else { return }
                radius = Tensor(shape: r.shape) { ro in
                    r.data.withUnsafeBufferPointer { rp in
                        let mu = x + nominal, centres = v + nominal, r = rp.baseAddress!
                        Parallel.chunks(rp.count, minChunk: 1 << 15) { range in
                            for i in range {
                                // [l, u] -> [f(l), f(u)], back to centre/radius.
                                let lo = f(mu[i] - r[i]), hi = f(mu[i] + r[i])
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

    @inline(__always)
    private func backpropagate(_ grad: Flow, input: Flow, _ df: (Float) -> Float) -> Flow {
        let nominal = input.nominalRows * input.values.sampleSize
        var dRadius: Tensor?
        let dValues = Tensor(shape: grad.values.shape) { dv in
            grad.values.data.withUnsafeBufferPointer { g in
                input.values.data.withUnsafeBufferPointer { x in
                    let g = g.baseAddress!, x = x.baseAddress!
                    Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                        for i in range { dv[i] = g[i] * df(x[i]) }
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
                                        let dl = (gmu[i] - gr[i]) * 0.5 * df(mu[i] - r[i])
                                        let du = (gmu[i] + gr[i]) * 0.5 * df(mu[i] + r[i])
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
