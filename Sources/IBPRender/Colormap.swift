/// Maps numbers to colours for activation and bound images.
public enum Colormap {
    /// Drawn wherever a value is NaN, so missing or broken numbers stand out from every real colour.
    public static let nanColor = RGB.magenta

    /// Greys: `lo` (and below) is white, `hi` (and above) is black, linear in between.
    /// When `hi <= lo` there is no range to spread over, so values above `lo` are black and the rest white.
    @inlinable
    public static func grey(_ value: Double, lo: Double, hi: Double) -> RGB {
        guard !value.isNaN else { return nanColor }
        let t: Double
        if hi > lo {
            t = min(max((value - lo) / (hi - lo), 0), 1)
        } else {
            t = value > lo ? 1 : 0
        }
        return RGB(grey: UInt8(((1 - t) * 255).rounded()))
    }

    /// Colour for how far the interval bounds sit from the unperturbed value:
    /// `lowerGap = normal - lower`, `upperGap = upper - normal`, both measured against `scale`.
    ///
    /// With `a = clamp(lowerGap/scale)` and `b = clamp(upperGap/scale)` the colour is
    /// `(1 - a, 1 - a - b, 1 - b) * 255`, so a loose upper bound is red, a loose lower bound blue,
    /// both loose black, and tight bounds white. A non-positive `scale` saturates any positive gap.
    @inlinable
    public static func boundRange(lowerGap: Double, upperGap: Double, scale: Double) -> RGB {
        guard !lowerGap.isNaN, !upperGap.isNaN, !scale.isNaN else { return nanColor }
        func fraction(_ gap: Double) -> Double {
            scale > 0 ? min(max(gap / scale, 0), 1) : (gap > 0 ? 1 : 0)
        }
        let a = fraction(lowerGap), b = fraction(upperGap)
        func byte(_ v: Double) -> UInt8 { UInt8((min(max(v, 0), 1) * 255).rounded()) }
        return RGB(byte(1 - a), byte(1 - a - b), byte(1 - b))
    }
}
