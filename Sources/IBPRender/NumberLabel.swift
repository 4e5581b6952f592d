import Foundation

/// Short text for numbers on axes, colour bars and figure labels. Total: NaN and infinities have labels too.
public enum NumberLabel {
    /// The longest text `format` returns for a finite value with the default 3 significant digits, e.g.
    /// "-8.88e+300": layouts reserve its width so a figure's size does not depend on its numbers.
    public static let widest = "-8.88e-300"

    /// `value` with about `significant` significant digits, switching to exponent form
    /// (`1.50e-04`) for very small or large magnitudes so labels stay short.
    public static func format(_ value: Double, significant: Int = 3) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return "0" }
        let digits = min(max(significant, 1), 17)
        let magnitude = abs(value)
        if magnitude < 1e-3 || magnitude >= 1e5 {
            return String(format: "%.\(digits - 1)e", value)
        }
        let digitsBeforePoint = Total.int(floor(log10(magnitude)), in: -400...400, nan: 0) + 1
        let decimals = max(0, digits - digitsBeforePoint)
        return String(format: "%.\(decimals)f", value)
    }

    /// `value` with exactly `decimals` digits after the point, e.g. `eps=0.100`.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return String(format: "%.\(min(max(0, decimals), 17))f", value)
    }

    /// An epsilon as figures, file names and tables show it: three decimals (`0.100`), or the shortest text that
    /// reads back as the same Float when three decimals would not (`0.0004`, `1e-40`, `0.1234`), so distinct
    /// epsilons never print alike (a sweep over 0, 0.0004 and 0.0008 was labelled 0.000, 0.000 and 0.001, and two
    /// batch figures at 0.0004 and 0.0008 were both `sample0000-eps0.000.png`).
    /// `decimals` (4) is for the files' metadata, which has always given four.
    public static func epsilon(_ eps: Float, decimals: Int = 3) -> String {
        let short = String(format: "%.\(min(max(0, decimals), 9))f", eps)
        return Float(short) == eps ? short : "\(eps)"
    }

    /// `10` raised to `exponent` written with superscript digits ("10⁻³", "1", "10", "10²"), for log axes.
    public static func powerOfTen(_ exponent: Int) -> String {
        if exponent == 0 { return "1" }
        if exponent == 1 { return "10" }
        let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                    "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(exponent).map { superscripts[$0] ?? $0 })
    }
}
