import IBPFormats
/// The shape of the eps ramp: the fraction f(t) in [0, 1] of `--epsilon-train` reached at step t of a ramp from
/// step s (the end of the warm-up) to step e = s + `rampSteps`. `linear`: f = (t - s) / (e - s) (Gowal et al.).
/// `smooth`: DeepMind's `smooth_schedule` (interval-bound-propagation, src/utils.py), f = alpha (t - s)^beta up to
/// the mid step m = s + floor(mid (e - s)), then linear from f(m) to 1 at e, with alpha chosen so that the slope is
/// continuous at m; mid = 0.25, beta = 4 (its defaults). Shi et al. (NeurIPS 2021) ramp eps the same way (slow
/// polynomial or exponential start, linear end) so that the bounds do not blow up while eps is tiny.
public enum EpsilonRamp: String, Codable, CaseIterable, Sendable, NamedChoice {
    case linear
    case smooth

    /// Where the polynomial start of `smooth` ends, as a fraction of the ramp.
    public static let smoothMidPoint = 0.25
    /// The power of the polynomial start of `smooth`.
    public static let smoothBeta = 4.0

    /// The fraction of the target eps at `step` (0-based) for a ramp starting at `start` and lasting `length`
    /// steps: 0 up to and including `start`, 1 from `start + length` on, non-decreasing in between.
    public func fraction(step: Int, start: Int, length: Int) -> Double {
        guard step > start else { return 0 }
        guard length > 0 else { return 1 }
        let end = start + length
        guard step < end else { return 1 }
        switch self {
        case .linear:
            return Double(step - start) / Double(length)
        case .smooth:
            let beta = EpsilonRamp.smoothBeta
            // The mid step is an integer step, truncated as DeepMind's int() does.
            let mid = start + Int(Double(length) * EpsilonRamp.smoothMidPoint)
            let alpha: Double
            if mid <= start {
                alpha = 1
            } else {
                let t = pow(Double(mid - start), beta - 1)
                alpha = 1 / (Double(end - mid) * beta * t + Double(mid - start) * t)
            }
            if step < mid { return alpha * pow(Double(step - start), beta) }
            let midValue = alpha * pow(Double(mid - start), beta)
            // Linear from (mid, midValue) to (end, 1), clipped to [midValue, 1].
            let linear = midValue + (1 - midValue) * Double(step - mid) / Double(end - mid)
            return min(max(linear, midValue), 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
