import Foundation

/// Sound IBP through a monotone activation: the real image of [l, u] is [f(l), f(u)], bounded outwards.
enum SoundActivation {
    /// Relative widening of the sigmoid, 2^-40: sigma = 1/(1 + exp(-z)) in Double has relative error below
    /// (2 k + 3) 2^-53 for exp within k ulps (glibc's: k = 1), so this tolerates exp errors up to 2^11 ulps.
    private static let sigmoidSlack = 0x1p-40

    static func forward(_ kind: Activation.Kind, _ box: IntervalBounds) -> IntervalBounds {
        var interval = box.soundInterval
        for i in interval.lower.data.indices {
            let l = interval.lower.data[i], u = interval.upper.data[i]
            switch kind {
            case .relu:
                // max(z, 0) is exact in floats.
                interval.lower.data[i] = max(l, 0)
                interval.upper.data[i] = max(u, 0)
            case .sigmoid:
                // sigma in (0, 1); where exp(-z) overflows (z < -708) sigma < 2^-1000, below the least float.
                interval.lower.data[i] = max(RoundingModel.downward(sigmoid(l) * (1 - sigmoidSlack)), 0)
                interval.upper.data[i] = min(max(RoundingModel.upward(sigmoid(u) * (1 + sigmoidSlack)),
                                                 .leastNonzeroMagnitude), 1)
            }
        }
        return .enclosing(lower: interval.lower, upper: interval.upper)
    }

    private static func sigmoid(_ z: Float) -> Double { 1 / (1 + exp(-Double(z))) }
}
