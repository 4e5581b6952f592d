/// Maps numbers to colours for activation and bound images. Every function is total: NaN, ±inf and
/// huge values give a colour, never a trap.
public enum Colormap {
    /// Drawn wherever a value is NaN or infinite, so broken numbers stand out from every real colour.
    public static let nonFiniteColor = RGB.magenta

    /// Greys: `lo` (and below) is white, `hi` (and above) is black, linear in between; a non-finite `value` is
    /// `nonFiniteColor`. When `[lo, hi]` is empty or not finite there is no range to spread over, so values
    /// above `lo` are black and the rest white.
    @inlinable
    public static func grey(_ value: Double, lo: Double, hi: Double) -> RGB {
        guard value.isFinite else { return nonFiniteColor }
        let t: Double
        let span = hi - lo
        if span > 0 && span.isFinite {
            t = min(max((value - lo) / span, 0), 1)
        } else {
            t = value > lo ? 1 : 0
        }
        return RGB(grey: Total.byte(1 - t))
    }

    /// Colour for how far the interval bounds sit from the unperturbed value:
    /// `lowerGap = normal - lower`, `upperGap = upper - normal`, both measured against `scale`.
    ///
    /// With `a = clamp(lowerGap/scale)` and `b = clamp(upperGap/scale)` the colour is
    /// `(1 - a, 1 - a - b, 1 - b) * 255`, so a loose upper bound is red, a loose lower bound blue,
    /// both loose black, and tight bounds white. A non-positive or infinite `scale` saturates any positive gap;
    /// a non-finite gap is `nonFiniteColor`.
    @inlinable
    public static func boundRange(lowerGap: Double, upperGap: Double, scale: Double) -> RGB {
        guard lowerGap.isFinite, upperGap.isFinite, !scale.isNaN else { return nonFiniteColor }
        func fraction(_ gap: Double) -> Double {
            scale > 0 && scale.isFinite ? min(max(gap / scale, 0), 1) : (gap > 0 ? 1 : 0)
        }
        let a = fraction(lowerGap), b = fraction(upperGap)
        return RGB(Total.byte(1 - a), Total.byte(1 - a - b), Total.byte(1 - b))
    }
}
