/// The bound of a linear function over a box, the last step of every method:
/// over [mu - r, mu + r], a x + b lies in [a mu + b - |a| r, a mu + b + |a| r] (exact in reals, Hoelder).
enum LinearBound {
    /// For rows A (m, shape) whose row i belongs to sample i / rowsPerSample of a box (centre, radius: (n, shape))
    /// and biases (m), returns (a mu + b - |a| r, a mu + b + |a| r) per row. Sums run in 16 partial sums in a fixed
    /// order, so the bits do not depend on the number of cores.
    static func evaluate(_ a: Tensor, rowsPerSample k: Int, centre: Tensor, radius: Tensor,
                         bias: [Float]) -> (lower: [Float], upper: [Float]) {
        let m = a.batch, d = a.sampleSize
        precondition(centre.sampleSize == d && radius.shape == centre.shape && bias.count == m
                     && m == centre.batch * k, "linear bound shapes do not agree")
        var lower = [Float](repeating: 0, count: m), upper = lower
        a.data.withUnsafeBufferPointer { ap in
            centre.data.withUnsafeBufferPointer { cp in
                radius.data.withUnsafeBufferPointer { rp in
                    lower.withUnsafeMutableBufferPointer { lo in
                        upper.withUnsafeMutableBufferPointer { hi in
                            let ap = ap.baseAddress!, cp = cp.baseAddress!, rp = rp.baseAddress!
                            let lo = lo.baseAddress!, hi = hi.baseAddress!
                            Parallel.chunks(m, minChunk: max(1, 4096 / max(d, 1))) { range in
                                for row in range {
                                    let (centreTerm, radiusTerm) = dots(ap + row * d, cp + (row / k) * d,
                                                                        rp + (row / k) * d, count: d)
                                    let mid = centreTerm + bias[row]
                                    lo[row] = mid - radiusTerm
                                    hi[row] = mid + radiusTerm
                                }
                            }
                        }
                    }
                }
            }
        }
        return (lower, upper)
    }

    /// (a . c, |a| . r) in 16 partial sums each.
    @inline(__always)
    private static func dots(_ a: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ r: UnsafePointer<Float>,
                             count: Int) -> (Float, Float) {
        var sc = SIMD16<Float>(), sr = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            let av = load16(a + i)
            sc += av * load16(c + i)
            sr += av.replacing(with: -av, where: av .< 0) * load16(r + i)
            i &+= 16
        }
        var tc = sc.sum(), tr = sr.sum()
        while i < count {
            tc += a[i] * c[i]
            tr += abs(a[i]) * r[i]
            i &+= 1
        }
        return (tc, tr)
    }

    /// C z + d bounds for rows C (n, k, outputs) over an interval of z given as centre/radius (n, outputs).
    static func rows(_ spec: Specification, centre: Tensor, radius: Tensor) -> Interval {
        let n = spec.batch, k = spec.rowCount
        let (lo, hi) = evaluate(spec.rows.flattenedRows(n * k, spec.outputs),
                                rowsPerSample: k, centre: centre.reshaped(sampleShape: [spec.outputs]),
                                radius: radius.reshaped(sampleShape: [spec.outputs]), bias: spec.offsets)
        return Interval(lower: Tensor(shape: [n, k], data: lo), upper: Tensor(shape: [n, k], data: hi))
    }
}

extension Tensor {
    /// The same values as a batch of `rows` rows of `width` values.
    func flattenedRows(_ rows: Int, _ width: Int) -> Tensor {
        Tensor(shape: [rows, width], data: data)
    }
}
