import Foundation

/// Round-numbered tick positions (steps of 1, 2 or 5 times a power of ten) for plot axes.
/// Total: a range that is empty, reversed or not finite gives no ticks, never a long loop.
public struct AxisTicks: Equatable, Sendable {
    /// Tick values in increasing order, all inside the range they were made for.
    public let values: [Double]
    /// Distance between neighbouring ticks.
    public let step: Double

    /// At most this many ticks, whatever the range.
    static let maxCount = 200

    /// Ticks inside `lo...hi`, about `target` of them.
    public init(lo: Double, hi: Double, target: Int) {
        let step = Self.niceStep(span: hi - lo, target: max(1, target))
        self.step = step
        guard lo.isFinite, hi.isFinite, lo <= hi, step > 0 else {
            values = []
            return
        }
        // A slack of 1e-6 steps keeps an end that is a multiple of the step only up to rounding on the axis:
        // 0.45 / 0.05 = 8.999999999999998, and an end that came from a Float is off by 1e-8 (Float(0.45) is
        // 0.44999998807907104). A tick that far outside the range is less than a pixel off the edge.
        let first = (lo / step - 1e-6).rounded(.up)
        let last = (hi / step + 1e-6).rounded(.down)
        var values: [Double] = []
        if first <= last, last - first < Double(Self.maxCount) {
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
    /// so automatically ranged axes start and end on a labelled tick. A range that is not finite becomes 0...1.
    public static func niceRange(lo: Double, hi: Double, target: Int) -> ClosedRange<Double> {
        guard lo.isFinite, hi.isFinite, lo <= hi else { return 0...1 }
        let step = niceStep(span: hi - lo, target: max(1, target))
        let a = (lo / step).rounded(.down) * step, b = (hi / step).rounded(.up) * step
        return a.isFinite && b.isFinite && a < b ? a...b : lo...(hi > lo ? hi : lo + 1)
    }

    /// The label for tick `value`, with just enough decimals to tell neighbouring ticks apart.
    public func label(_ value: Double) -> String {
        guard step > 1e-4, step < 1e6 else { return NumberLabel.format(value) }
        let decimals = max(0, Total.int((-log10(step) - 1e-9).rounded(.up), in: 0...17, nan: 0))
        return NumberLabel.fixed(value, decimals: decimals)
    }

    private static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(target)
        let magnitude = pow(10, floor(log10(raw)))
        guard magnitude > 0, magnitude.isFinite else { return 1 }
        let normalized = raw / magnitude
        let nice: Double = normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10
        return nice * magnitude
    }
}

/// Decade ticks of a log10 axis: the exponents k with lo <= 10^k <= hi (lo, hi > 0), at most `AxisTicks.maxCount`.
public struct LogTicks: Equatable, Sendable {
    public let exponents: [Int]

    public init(lo: Double, hi: Double) {
        guard lo > 0, hi >= lo, lo.isFinite, hi.isFinite else {
            exponents = []
            return
        }
        let a = Total.int(log10(lo).rounded(.up), in: -400...400, nan: 0)
        let b = Total.int(log10(hi).rounded(.down), in: -400...400, nan: 0)
        exponents = a <= b ? Array(a...min(b, a + AxisTicks.maxCount)) : []
    }

    /// The range lo...hi widened outward to whole decades. Not finite or not positive gives 1...10.
    public static func decadeRange(lo: Double, hi: Double) -> ClosedRange<Double> {
        guard lo > 0, hi >= lo, lo.isFinite, hi.isFinite else { return 1...10 }
        let a = pow(10, floor(log10(lo))), b = pow(10, ceil(log10(hi)))
        return a > 0 && b.isFinite && a < b ? a...b : a...(a * 10)
    }
}
