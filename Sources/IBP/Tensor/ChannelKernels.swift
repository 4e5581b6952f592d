/// Per-channel sums and maps over tensors laid out (n, C, spatial...), the loops of batch normalisation: each row's
/// channel block is `spatial` contiguous floats, so every kernel walks rows and channels in memory order and runs
/// its inner loop over one contiguous block (the compiler vectorises it).
public enum ChannelKernels {
    /// sum over rows in `rows` and positions of a (times b when given), per channel: c sums.
    /// Each block of `spatial` products is summed in Float (one vectorised pass), the blocks in Double, so a sum
    /// over a batch of 256 x 196 positions keeps Double's accuracy across blocks.
    /// - Precondition: `a` (and `b`) have at least `rows.upperBound` rows of c x spatial floats.
    public static func sums(_ a: Tensor, times b: Tensor? = nil, rows: Range<Int>, channels c: Int,
                            spatial k: Int) -> [Double] {
        precondition(rows.upperBound * c * k <= a.count && rows.upperBound * c * k <= (b?.count ?? a.count))
        var out = [Double](repeating: 0, count: c)
        a.data.withUnsafeBufferPointer { ap in
            func run(_ bp: UnsafeBufferPointer<Float>?) {
                for row in rows {
                    for ch in 0..<c {
                        let base = (row * c + ch) * k
                        var s: Float = 0
                        if let bp { for i in 0..<k { s += ap[base + i] * bp[base + i] } }
                        else { for i in 0..<k { s += ap[base + i] } }
                        out[ch] += Double(s)
                    }
                }
            }
            if let b { b.data.withUnsafeBufferPointer { run($0) } } else { run(nil) }
        }
        return out
    }

    /// sum over rows in `rows` and positions of a (x - centre[ch]), or of (x - centre[ch])^2 when `a` is nil, per
    /// channel: the centred sums of batch normalisation's variance and gradient, without the cancellation of
    /// sum(a x) - centre sum(a). Blocks in Float, blocks summed in Double, as `sums`.
    public static func centredSums(_ a: Tensor?, _ x: Tensor, centre: [Float], rows: Range<Int>, channels c: Int,
                                   spatial k: Int) -> [Double] {
        precondition(rows.upperBound * c * k <= min(x.count, a?.count ?? x.count))
        var out = [Double](repeating: 0, count: c)
        x.data.withUnsafeBufferPointer { xp in
            func run(_ ap: UnsafeBufferPointer<Float>?) {
                for row in rows {
                    for ch in 0..<c {
                        let base = (row * c + ch) * k, m = centre[ch]
                        var s: Float = 0
                        if let ap { for i in 0..<k { s += ap[base + i] * (xp[base + i] - m) } }
                        else { for i in 0..<k { let d = xp[base + i] - m; s += d * d } }
                        out[ch] += Double(s)
                    }
                }
            }
            if let a { a.data.withUnsafeBufferPointer { run($0) } } else { run(nil) }
        }
        return out
    }

    /// y = scale[ch] x + shift[ch] for every row and position (shift 0 when nil); the same shape as `x`.
    public static func affine(_ x: Tensor, scale: [Float], shift: [Float]?, channels c: Int, spatial k: Int) -> Tensor {
        var y = Tensor(zeros: x.shape)
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { xp in
                for row in 0..<x.batch {
                    for ch in 0..<c {
                        let base = (row * c + ch) * k, s = scale[ch], t = shift?[ch] ?? 0
                        for i in 0..<k { out[base + i] = s * xp[base + i] + t }
                    }
                }
            }
        }
        return y
    }

    /// y += scale[ch] x + shift[ch] on the rows in `rows` only (the others are left as they are).
    public static func addAffine(into y: inout Tensor, _ x: Tensor, rows: Range<Int>, scale: [Float], shift: [Float],
                                 channels c: Int, spatial k: Int) {
        precondition(rows.upperBound * c * k <= min(x.count, y.count))
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { xp in
                for row in rows {
                    for ch in 0..<c {
                        let base = (row * c + ch) * k, s = scale[ch], t = shift[ch]
                        for i in 0..<k { out[base + i] += s * xp[base + i] + t }
                    }
                }
            }
        }
    }
}
