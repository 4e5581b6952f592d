/// An interval in centre/radius form: every value lies in [centre - radius, centre + radius].
public struct IntervalBounds {
    public var centre: Tensor
    public var radius: Tensor

    public init(centre: Tensor, radius: Tensor) {
        precondition(centre.shape == radius.shape, "centre \(centre.shape) and radius \(radius.shape) differ")
        self.centre = centre
        self.radius = radius
    }

    /// The eps-ball around `x` intersected with the pixel range, [clip(x - eps, 0, 1), clip(x + eps, 0, 1)]
    /// (`InputBox`), in the centre/radius form that encloses it (`init(enclosing:)`).
    public static func inputBox(around x: Tensor, epsilon: Float) -> IntervalBounds {
        IntervalBounds(enclosing: InputBox(around: x, epsilon: epsilon))
    }

    /// The exact box corners of `inputBox` (lower, upper), for clipping attacks.
    public static func inputLimits(around x: Tensor, epsilon: Float) -> (lower: Tensor, upper: Tensor) {
        let box = InputBox(around: x, epsilon: epsilon)
        return (box.lower, box.upper)
    }

    /// mu = l/2 + u/2 and r = u/2 - l/2 (halving first, so ends near the largest float cannot overflow), with r
    /// raised by ulps until fl(mu - r) <= l and fl(mu + r) >= u: the float box [mu - r, mu + r] contains [l, u],
    /// so a point of the box is a point of the interval every method propagates.
    public init(enclosing box: InputBox) {
        let (mu, r) = Tensor.pair(shape: box.lower.shape) { mp, rp in
            box.lower.data.withUnsafeBufferPointer { lo in
                box.upper.data.withUnsafeBufferPointer { hi in
                    // Elementwise, on all cores (the bits do not depend on the split).
                    Parallel.chunks(lo.count, minChunk: 1 << 15) { range in
                        for i in range {
                            let l = lo[i], u = hi[i]
                            let m = l * 0.5 + u * 0.5
                            var radius = u * 0.5 - l * 0.5
                            while m - radius > l || m + radius < u { radius = radius.nextUp }
                            mp[i] = m
                            rp[i] = radius
                        }
                    }
                }
            }
        }
        self.init(centre: mu, radius: r)
    }

    public var lower: Tensor { Tensor(shape: centre.shape, data: Elementwise.combine(centre.data, radius.data, sign: -1)) }
    public var upper: Tensor { Tensor(shape: centre.shape, data: Elementwise.combine(centre.data, radius.data, sign: 1)) }
}

/// An input region: the box [lower, upper] (shape (n, ...)), exact as given; a bound method's `stages[0]`.
public struct InputBox {
    public var lower: Tensor
    public var upper: Tensor

    /// A box given by its corners (e.g. a VNNLIB property's). Requires lower <= upper elementwise.
    public init(lower: Tensor, upper: Tensor) {
        precondition(lower.shape == upper.shape, "box corners \(lower.shape) and \(upper.shape) differ")
        self.lower = lower
        self.upper = upper
    }

    /// The eps-ball around `x` intersected with the pixel range: [clip(x - eps, 0, 1), clip(x + eps, 0, 1)],
    /// each corner one float32 operation and a clip, as auto_LiRPA and the VNN-COMP properties define it.
    public init(around x: Tensor, epsilon: Float) {
        var lo = x, hi = x
        for i in x.data.indices {
            lo.data[i] = min(max(x.data[i] - epsilon, 0), 1)
            hi.data[i] = min(max(x.data[i] + epsilon, 0), 1)
        }
        self.init(lower: lo, upper: hi)
    }

    /// The same box with one epsilon per sample (`epsilons[s]` for row s of `x`, shape (n, ...), n =
    /// `epsilons.count`): each corner is the very float operation and clip of `init(around:epsilon:)`, so row s
    /// equals, bit for bit, row s of the box built with the scalar `epsilons[s]` (the grid bisection of
    /// `CurveEvaluator` relies on this).
    public init(around x: Tensor, epsilons: [Float]) {
        precondition(epsilons.count == x.batch, "\(epsilons.count) epsilons for a batch of \(x.batch)")
        var lo = x, hi = x
        let size = x.sampleSize
        for s in 0..<x.batch {
            let epsilon = epsilons[s]
            for i in s * size..<(s + 1) * size {
                lo.data[i] = min(max(x.data[i] - epsilon, 0), 1)
                hi.data[i] = min(max(x.data[i] + epsilon, 0), 1)
            }
        }
        self.init(lower: lo, upper: hi)
    }

    public var batch: Int { lower.batch }
    public var interval: Interval { Interval(lower: lower, upper: upper) }
}
