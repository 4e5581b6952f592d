import Foundation

/// Short text for numbers on axes, colour bars and figure labels.
public enum NumberLabel {
    /// `value` with about `significant` significant digits, switching to exponent form
    /// (`1.5e-04`) for very small or large magnitudes so labels stay short.
    public static func format(_ value: Double, significant: Int = 3) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude < 1e-3 || magnitude >= 1e5 {
            return String(format: "%.\(max(0, significant - 1))e", value)
        }
        let digitsBeforePoint = Int(floor(log10(magnitude))) + 1
        let decimals = max(0, significant - digitsBeforePoint)
        return String(format: "%.\(decimals)f", value)
    }

    /// `value` with exactly `decimals` digits after the point, e.g. `eps=0.100`.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.\(max(0, decimals))f", value)
    }
}
