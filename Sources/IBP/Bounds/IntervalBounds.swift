/// An interval in centre/radius form: every value lies in [centre - radius, centre + radius].
public struct IntervalBounds {
    public var centre: Tensor
    public var radius: Tensor

    public init(centre: Tensor, radius: Tensor) {
        precondition(centre.shape == radius.shape, "centre \(centre.shape) and radius \(radius.shape) differ")
        self.centre = centre
        self.radius = radius
    }

    /// The eps-ball around `x` intersected with the pixel range: [clip(x - eps, 0, 1), clip(x + eps, 0, 1)].
    public static func inputBox(around x: Tensor, epsilon: Float) -> IntervalBounds {
        var mu = x, r = x
        for i in x.data.indices {
            let lo = min(max(x.data[i] - epsilon, 0), 1), hi = min(max(x.data[i] + epsilon, 0), 1)
            mu.data[i] = (hi + lo) * 0.5
            r.data[i] = (hi - lo) * 0.5
        }
        return IntervalBounds(centre: mu, radius: r)
    }

    /// The exact box corners of `inputBox` (lower, upper), for clipping attacks.
    public static func inputLimits(around x: Tensor, epsilon: Float) -> (lower: Tensor, upper: Tensor) {
        var lo = x, hi = x
        for i in x.data.indices {
            lo.data[i] = min(max(x.data[i] - epsilon, 0), 1)
            hi.data[i] = min(max(x.data[i] + epsilon, 0), 1)
        }
        return (lo, hi)
    }

    public var lower: Tensor { Tensor(shape: centre.shape, data: zip(centre.data, radius.data).map { $0 - $1 }) }
    public var upper: Tensor { Tensor(shape: centre.shape, data: zip(centre.data, radius.data).map { $0 + $1 }) }
}
