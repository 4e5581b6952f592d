import Foundation

/// Round-numbered tick positions (steps of 1, 2 or 5 times a power of ten) for plot axes.
public struct AxisTicks: Equatable, Sendable {
    /// Tick values in increasing order, all inside the range they were made for.
    public let values: [Double]
    /// Distance between neighbouring ticks.
    public let step: Double

    /// Ticks inside `lo...hi`, about `target` of them.
    public init(lo: Double, hi: Double, target: Int) {
        let step = Self.niceStep(span: hi - lo, target: max(1, target))
        self.step = step
        let first = (lo / step).rounded(.up)
        let last = (hi / step).rounded(.down)
        var values: [Double] = []
        if first <= last {
            var k = first
            while k <= last {
                // Snap to zero so "-0" and 1e-17 style labels cannot appear.
                let v = k * step
                values.append(abs(v) < step * 1e-9 ? 0 : v)
                k += 1
            }
        }
        self.values = values
    }

    /// The range `lo...hi` widened outward to whole multiples of the nice step for about `target` ticks,
    /// so automatically ranged axes start and end on a labelled tick.
    public static func niceRange(lo: Double, hi: Double, target: Int) -> ClosedRange<Double> {
        let step = niceStep(span: hi - lo, target: max(1, target))
        return (lo / step).rounded(.down) * step ... (hi / step).rounded(.up) * step
    }

    /// The label for tick `value`, with just enough decimals to tell neighbouring ticks apart.
    public func label(_ value: Double) -> String {
        guard step > 1e-4, step < 1e6 else { return NumberLabel.format(value) }
        let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        return NumberLabel.fixed(value, decimals: decimals)
    }

    private static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(target)
        let magnitude = pow(10, floor(log10(raw)))
        let normalized = raw / magnitude
        let nice: Double = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10
        return nice * magnitude
    }
}
