/// The float32 error model behind sound mode: IEEE-754 binary32 arithmetic, round to nearest, no DAZ
/// (denormal inputs are not treated as zero), dot products summed in any order, with or without FMA.
enum RoundingModel {
    /// Unit roundoff of float32, u = 2^-24.
    static let unitRoundoff: Double = 0x1p-24

    /// The smallest x >= `value` (rounded up): a correctly rounded op's result x^ has x^.nextDown <= x <= x^.nextUp.
    @inline(__always) static func up(_ value: Float) -> Float { value.nextUp }

    /// The largest x <= `value` (rounded down), as `up`.
    @inline(__always) static func down(_ value: Float) -> Float { value.nextDown }

    /// The least float >= d.
    @inline(__always) static func upward(_ d: Double) -> Float {
        let f = Float(d)
        return Double(f) < d ? f.nextUp : f
    }

    /// The greatest float <= d.
    @inline(__always) static func downward(_ d: Double) -> Float {
        let f = Float(d)
        return Double(f) > d ? f.nextDown : f
    }

    /// A float >= gamma_n / (1 - gamma_n) = n u / (1 - 2 n u), where gamma_n = n u / (1 - n u) bounds the relative
    /// error of an n-term float32 sum in any order; the factor 1 + 2^-30 covers this Double expression's own rounding.
    static func gammaRatio(terms n: Int) -> Float {
        let nu = Double(n) * unitRoundoff
        precondition(2 * nu < 1, "\(n)-term dot products are too long for the float32 error bound")
        return upward(nu / (1 - 2 * nu) * (1 + 0x1p-30))
    }

    /// Absolute error of n products that may underflow: each product loses at most 2^-126 (even with flush-to-zero
    /// of results); the sums of floats underflow exactly. Bound: n 2^-126, rounded up.
    static func underflow(terms n: Int) -> Float {
        upward(Double(n) * Double(Float.leastNormalMagnitude))
    }
}
