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

/// A property of the outputs z of a chain, per sample: rows C z + d (C: (n, k, outputs), d: (n, k)), each row read as
/// "a counterexample satisfies C_i z + d_i >= 0", grouped into disjuncts of conjunctions (VNNLIB's
/// `(or (and ...) ...)`). The property holds for a sample when every disjunct has a row whose upper bound over the
/// box is negative (a tie counts against the property, as in VNN-COMP). Every bound method starts from this value.
public struct Specification {
    /// C, shape (n, k, outputs).
    public var rows: Tensor
    /// d, n * k values.
    public var offsets: [Float]
    /// Per sample, the disjuncts, each a list of row indices in 0..<k.
    public var disjuncts: [[[Int]]]
    /// Set for the elided classification specification (row j = e_j - e_y, the true class's row zero and in no
    /// disjunct), which a method may fold into the last affine map (Gowal et al. 2019, section 3.1).
    public var labels: [Int]?

    public init(rows: Tensor, offsets: [Float], disjuncts: [[[Int]]], labels: [Int]? = nil) {
        precondition(rows.shape.count == 3 && offsets.count == rows.shape[0] * rows.shape[1]
                     && disjuncts.count == rows.shape[0], "specification shapes do not agree")
        self.rows = rows
        self.offsets = offsets
        self.disjuncts = disjuncts
        self.labels = labels
    }

    /// The elided classification specification: z_j - z_y >= 0 is a counterexample for every j != y.
    public static func elided(labels: [Int], classes: Int) -> Specification {
        let n = labels.count
        var c = Tensor(zeros: [n, classes, classes])
        for (s, y) in labels.enumerated() {
            for j in 0..<classes where j != y {
                c.data[(s * classes + j) * classes + j] = 1
                c.data[(s * classes + j) * classes + y] = -1
            }
        }
        return Specification(rows: c, offsets: [Float](repeating: 0, count: n * classes),
                             disjuncts: labels.map { y in (0..<classes).filter { $0 != y }.map { [$0] } },
                             labels: labels)
    }

    public var batch: Int { rows.shape[0] }
    /// Rows per sample, k.
    public var rowCount: Int { rows.shape[1] }
    public var outputs: Int { rows.shape[2] }

    /// The specification of the samples `range` (their rows, offsets, disjuncts and labels).
    public func samples(_ range: Range<Int>) -> Specification {
        let k = rowCount
        return Specification(rows: rows.rows(range), offsets: Array(offsets[range.lowerBound * k..<range.upperBound * k]),
                             disjuncts: Array(disjuncts[range]), labels: labels.map { Array($0[range]) })
    }

    /// Whether the property holds for each sample given upper bounds (n, k) of its rows: every disjunct has a row
    /// whose upper bound is finite and negative.
    public func holds(upper: Tensor) -> [Bool] {
        let k = rowCount
        return (0..<batch).map { s in
            disjuncts[s].allSatisfy { conjunction in
                conjunction.contains { i in
                    let u = upper.data[s * k + i]
                    return u.isFinite && u < 0
                }
            }
        }
    }

    /// Whether a concrete output violates the property (some disjunct has all its rows >= 0), e.g. to check a
    /// counterexample with a plain forward pass. `outputs` is (n, outputs).
    public func violated(by outputs: Tensor) -> [Bool] {
        let k = rowCount, o = self.outputs
        return (0..<batch).map { s in
            disjuncts[s].contains { conjunction in
                conjunction.allSatisfy { i in
                    var v = offsets[s * k + i]
                    for j in 0..<o { v += rows.data[(s * k + i) * o + j] * outputs.data[s * o + j] }
                    return v >= 0
                }
            }
        }
    }
}
