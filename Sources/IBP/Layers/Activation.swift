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

    @inline(__always) private func f(_ z: Float) -> Float {
        switch kind {
        case .relu: return max(z, 0)
        case .sigmoid: return 1 / (1 + expf(-z))
        }
    }

    @inline(__always) private func df(_ z: Float) -> Float {
        switch kind {
        case .relu: return z > 0 ? 1 : 0
        case .sigmoid: let s = 1 / (1 + expf(-z)); return s * (1 - s)
        }
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let size = input.values.sampleSize
        let nominal = input.nominalRows * size
        var values = input.values
        var radius = input.radius
        values.data.withUnsafeMutableBufferPointer { v in
            Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                for i in range { v[i] = f(v[i]) }
            }
            guard radius != nil else { return }
            radius!.data.withUnsafeMutableBufferPointer { r in
                let centres = v.baseAddress! + nominal
                Parallel.chunks(r.count, minChunk: 1 << 15) { range in
                    for i in range {
                        // [l, u] -> [f(l), f(u)], back to centre/radius.
                        let lo = f(centres[i] - r[i]), hi = f(centres[i] + r[i])
                        centres[i] = (hi + lo) * 0.5
                        r[i] = (hi - lo) * 0.5
                    }
                }
            }
        }
        if cache { cachedInput = input }
        return Flow(values: values, radius: radius)
    }

    public func backward(_ grad: Flow, inputGradient: Bool) -> Flow {
        guard let input = cachedInput, input.values.batch == grad.values.batch,
              input.radius?.batch == grad.radius?.batch else {
            preconditionFailure("backward does not match the cached forward")
        }
        let nominal = input.nominalRows * input.values.sampleSize
        var dValues = grad.values
        var dRadius = grad.radius
        dValues.data.withUnsafeMutableBufferPointer { dv in
            input.values.data.withUnsafeBufferPointer { x in
                Parallel.chunks(nominal, minChunk: 1 << 15) { range in
                    for i in range { dv[i] *= df(x[i]) }
                }
                guard let r = input.radius else { return }
                dRadius!.data.withUnsafeMutableBufferPointer { dr in
                    r.data.withUnsafeBufferPointer { rp in
                        let dmu = dv.baseAddress! + nominal, mu = x.baseAddress! + nominal
                        Parallel.chunks(rp.count, minChunk: 1 << 15) { range in
                            for i in range {
                                // mu' = (f(u) + f(l))/2, r' = (f(u) - f(l))/2 with l = mu - r, u = mu + r.
                                let dl = (dmu[i] - dr[i]) * 0.5 * df(mu[i] - rp[i])
                                let du = (dmu[i] + dr[i]) * 0.5 * df(mu[i] + rp[i])
                                dmu[i] = dl + du
                                dr[i] = du - dl
                            }
                        }
                    }
                }
            }
        }
        return Flow(values: dValues, radius: dRadius)
    }
}
