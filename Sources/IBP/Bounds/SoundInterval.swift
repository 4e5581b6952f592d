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

    /// A centre/radius form of [l, u] that contains it exactly: mu = l/2 + u/2 in floats (any value would do),
    /// r = max(up(mu - l), up(u - mu)), so mu - r <= l and mu + r >= u in real arithmetic.
    static func enclosing(lower: Tensor, upper: Tensor) -> IntervalBounds {
        var centre = lower, radius = lower
        for i in lower.data.indices {
            let l = lower.data[i], u = upper.data[i], mu = l * 0.5 + u * 0.5
            centre.data[i] = mu
            radius.data[i] = max(RoundingModel.up(mu - l), RoundingModel.up(u - mu))
        }
        return IntervalBounds(centre: centre, radius: radius)
    }

    /// The box made sound: its corners are float roundings of real numbers (x -/+ eps, or a property's decimals),
    /// so each is moved outwards by one ulp, which contains the real corner; a corner inside the pixel range
    /// [0, 1] stays inside it (clip is monotone, so clip(down(x - eps), 0, 1) <= clip(x - eps, 0, 1) in reals).
    /// Then enclosed in centre/radius form.
    static func soundInputBox(_ box: InputBox) -> IntervalBounds {
        var lower = box.lower, upper = box.upper
        for i in lower.data.indices {
            let l = box.lower.data[i], u = box.upper.data[i]
            lower.data[i] = l >= 0 && l <= 1 ? min(max(RoundingModel.down(l), 0), 1) : RoundingModel.down(l)
            upper.data[i] = u >= 0 && u <= 1 ? min(max(RoundingModel.up(u), 0), 1) : RoundingModel.up(u)
        }
        return enclosing(lower: lower, upper: upper)
    }
}
