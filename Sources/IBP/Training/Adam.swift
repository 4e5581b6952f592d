import Foundation

/// Adam (Kingma & Ba) in TensorFlow's form, as the paper's code uses:
/// lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m / (sqrt(v) + eps).
public struct Adam {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Number of updates taken so far.
    public var t: Int = 0
    /// First and second moments, one array per parameter (same order as `Network.parameters`).
    public var m: [[Float]]
    public var v: [[Float]]

    public init(parameters: [Parameter]) {
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    /// Applies one update with learning rate `lr` to the parameters' values from their gradients.
    public mutating func step(_ parameters: [Parameter], learningRate lr: Float) {
        t += 1
        let lrT = Float(Double(lr) * (1 - pow(Double(beta2), Double(t))).squareRoot() / (1 - pow(Double(beta1), Double(t))))
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for (index, p) in parameters.enumerated() {
            p.value.data.withUnsafeMutableBufferPointer { w in
                p.grad.data.withUnsafeBufferPointer { g in
                    m[index].withUnsafeMutableBufferPointer { mp in
                        v[index].withUnsafeMutableBufferPointer { vp in
                            let count = w.count, w = w.baseAddress!, g = g.baseAddress!, mp = mp.baseAddress!, vp = vp.baseAddress!
                            // Elementwise, so splitting over the cores gives the same bits as one loop.
                            // 16 lanes at a time, then the tail: the same IEEE operations per element either way.
                            Parallel.chunks(count, minChunk: 1 << 14) { range in
                                var i = range.lowerBound
                                while i &+ 16 <= range.upperBound {
                                    let gi = load16(g + i)
                                    let mi = b1 * load16(mp + i) + (1 - b1) * gi
                                    let vi = b2 * load16(vp + i) + (1 - b2) * gi * gi
                                    store16(mi, mp + i)
                                    store16(vi, vp + i)
                                    store16(load16(w + i) - lrT * mi / (vi.squareRoot() + eps), w + i)
                                    i &+= 16
                                }
                                for i in i..<range.upperBound {
                                    let gi = g[i]
                                    let mi = b1 * mp[i] + (1 - b1) * gi, vi = b2 * vp[i] + (1 - b2) * gi * gi
                                    mp[i] = mi
                                    vp[i] = vi
                                    w[i] -= lrT * mi / (vi.squareRoot() + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
