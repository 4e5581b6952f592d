/// The elided classification specification: c = e_j - e_y for every class j is folded into the last
/// layer, so the worst case of z_j - z_y over an interval (mu, r) of the head's input is
/// m_j = (W_j - W_y) mu + (b_j - b_y) + |W_j - W_y| r. The sample is verified when m_j < 0 for all j != y.
public enum ElidedSpecification {
    /// Worst-case margins (batch, classes); the entry of the true class is exactly 0.
    public static func margins(head: Linear, centre: Tensor, radius: Tensor, labels: [Int]) -> Tensor {
        let n = centre.batch, d = head.inFeatures, k = head.outFeatures
        precondition(labels.count == n && radius.batch == n && centre.sampleSize == d)
        var out = Tensor(zeros: [n, k])
        head.weight.value.data.withUnsafeBufferPointer { w in
            head.bias.value.data.withUnsafeBufferPointer { b in
                centre.data.withUnsafeBufferPointer { mu in
                    radius.data.withUnsafeBufferPointer { r in
                        out.data.withUnsafeMutableBufferPointer { m in
                            let mp = m.baseAddress!
                            Parallel.chunks(n, minChunk: 16) { range in
                                for s in range {
                                    let y = labels[s], wy = w.baseAddress! + y * d
                                    let mus = mu.baseAddress! + s * d, rs = r.baseAddress! + s * d
                                    for j in 0..<k where j != y {
                                        let wj = w.baseAddress! + j * d
                                        var acc = b[j] - b[y]
                                        for i in 0..<d {
                                            let diff = wj[i] - wy[i]
                                            acc += diff * mus[i] + abs(diff) * rs[i]
                                        }
                                        mp[s * k + j] = acc
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Back-propagates d(loss)/d(margins): accumulates the head's gradients and returns d/d(mu), d/d(r).
    public static func backward(head: Linear, centre: Tensor, radius: Tensor, labels: [Int],
                                dMargins: Tensor) -> (dCentre: Tensor, dRadius: Tensor) {
        let n = centre.batch, d = head.inFeatures, k = head.outFeatures
        var dmu = Tensor(zeros: centre.shape), dr = Tensor(zeros: radius.shape)
        head.weight.value.data.withUnsafeBufferPointer { w in
            head.weight.grad.data.withUnsafeMutableBufferPointer { gw in
                head.bias.grad.data.withUnsafeMutableBufferPointer { gb in
                    centre.data.withUnsafeBufferPointer { mu in
                        radius.data.withUnsafeBufferPointer { r in
                            dmu.data.withUnsafeMutableBufferPointer { dm in
                                dr.data.withUnsafeMutableBufferPointer { drp in
                                    for s in 0..<n {
                                        let y = labels[s]
                                        for j in 0..<k where j != y {
                                            let g = dMargins.data[s * k + j]
                                            if g == 0 { continue }
                                            gb[j] += g; gb[y] -= g
                                            for i in 0..<d {
                                                let diff = w[j * d + i] - w[y * d + i]
                                                let sign: Float = diff > 0 ? 1 : (diff < 0 ? -1 : 0)
                                                let gWeight = g * (mu[s * d + i] + sign * r[s * d + i])
                                                gw[j * d + i] += gWeight
                                                gw[y * d + i] -= gWeight
                                                dm[s * d + i] += g * diff
                                                drp[s * d + i] += g * abs(diff)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dmu, dr)
    }
}
