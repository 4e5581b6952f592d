/// Float-to-integer conversions that cannot trap: every conversion from a computed floating-point value to an
/// integer in the rendering code goes through here, because `Int(Double.nan)` or `UInt8(300.0)` stops the process
/// (an overflowing checkpoint once killed `visualize` with SIGILL inside a colour bar; issue #11, kind 1).
public enum Total {
    /// `value` rounded to the nearest integer and clamped to `range`; NaN gives `nan`.
    @inlinable
    public static func int(_ value: Double, in range: ClosedRange<Int>, nan: Int) -> Int {
        guard !value.isNaN else { return nan }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return Int(value.rounded())
    }

    /// A colour channel from a fraction of full intensity: `fraction * 255` rounded, clamped to 0...255;
    /// NaN gives 0.
    @inlinable
    public static func byte(_ fraction: Double) -> UInt8 {
        UInt8(int(fraction * 255, in: 0...255, nan: 0))
    }

    /// `value` clamped to `range`, with NaN mapped to `nan`: for coordinates handed to Cairo, which draws
    /// nothing sensible (or fails) for NaN and for values beyond about 2^23 device units.
    @inlinable
    public static func clamp(_ value: Double, to range: ClosedRange<Double>, nan: Double) -> Double {
        guard !value.isNaN else { return nan }
        return min(max(value, range.lowerBound), range.upperBound)
    }
}
