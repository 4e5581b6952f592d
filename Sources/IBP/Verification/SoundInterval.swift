/// An interval [lower, upper] whose bounds were rounded outwards at every step, so it contains the interval
/// that IBP computes in exact real arithmetic from the same float weights and input.
public struct SoundInterval {
    public var lower: Tensor
    public var upper: Tensor
}

extension IntervalBounds {
    /// The directed corners: [down(mu - r), up(mu + r)] contains the exact [mu - r, mu + r].
    var soundInterval: SoundInterval {
        var lower = centre, upper = centre
        for i in centre.data.indices {
            lower.data[i] = RoundingModel.down(centre.data[i] - radius.data[i])
            upper.data[i] = RoundingModel.up(centre.data[i] + radius.data[i])
        }
        return SoundInterval(lower: lower, upper: upper)
    }

    /// A centre/radius form of [l, u] that contains it exactly: mu = (l + u)/2 in floats (any value would do),
    /// r = max(up(mu - l), up(u - mu)), so mu - r <= l and mu + r >= u in real arithmetic.
    static func enclosing(lower: Tensor, upper: Tensor) -> IntervalBounds {
        var centre = lower, radius = lower
        for i in lower.data.indices {
            let l = lower.data[i], u = upper.data[i], mu = (l + u) * 0.5
            centre.data[i] = mu
            radius.data[i] = max(RoundingModel.up(mu - l), RoundingModel.up(u - mu))
        }
        return IntervalBounds(centre: centre, radius: radius)
    }

    /// `inputBox` made sound: [clip(down(x - eps), 0, 1), clip(up(x + eps), 0, 1)] contains the real
    /// [clip(x - eps, 0, 1), clip(x + eps, 0, 1)] because clip is monotone; then enclosed in centre/radius form.
    static func soundInputBox(around x: Tensor, epsilon: Float) -> IntervalBounds {
        var lower = x, upper = x
        for i in x.data.indices {
            lower.data[i] = min(max(RoundingModel.down(x.data[i] - epsilon), 0), 1)
            upper.data[i] = min(max(RoundingModel.up(x.data[i] + epsilon), 0), 1)
        }
        return enclosing(lower: lower, upper: upper)
    }
}
