/// CROWN's ReLU relaxation (`MonotoneKind.reluRelaxation`) of a whole stage, eight neurons at a time in SIMD, with
/// the same bits as the scalar lines: a_l z + b_l <= max(z, 0) <= a_u z + b_u on [l, u] (Zhang et al., NeurIPS 2018,
/// section 3.2; the chord above, the adaptive slope 1 where u > -l, else 0, below).
///
/// Identity behind the shortcut: for finite l < 0 < u the scalar function computes, in Double, slope = u / (u - l),
/// the upper intercept b = -slope l + |Float(slope) - slope| max(|l|, |u|) moved up by |b| 2^-40 + 2^-120 and
/// rounded upwards to Float, and the lower intercept 0 - 0 moved down by 2^-120 (exactly -2^-120 in Float); these
/// are the same IEEE operations lane by lane (division, products, sums and the Double-to-Float conversion are
/// correctly rounded, and Swift does not contract them into FMAs), and rounding upwards a positive Double is
/// Float(d) or its next float up, the bit pattern plus one. Stable lanes take the exact lines (identity for l >= 0,
/// zero for u <= 0); a group with a non-finite end goes through the scalar function (its constant lines).
/// `RelaxationKernelTests` checks bit equality with the scalar function. Why: the scalar loop, a call and branches
/// per neuron, was a tenth of CROWN-IBP on the naturally trained `small`.
enum ReLURelaxationKernel {
    /// Lines of neurons i in 0..<count from pre-activation bounds lo, hi (u = max(l, hi), as the scalar loop).
    static func relax(lower lo: UnsafePointer<Float>, upper hi: UnsafePointer<Float>, count: Int,
                      lowerSlope ls: UnsafeMutablePointer<Float>, lowerIntercept li: UnsafeMutablePointer<Float>,
                      upperSlope us: UnsafeMutablePointer<Float>, upperIntercept ui: UnsafeMutablePointer<Float>) {
        typealias F = SIMD8<Float>
        typealias D = SIMD8<Double>
        let width = 8
        var i = 0
        while i &+ width <= count {
            let l = UnsafeRawPointer(lo + i).loadUnaligned(as: F.self)
            // u = max(l, hi) as Swift's max: hi where hi >= l.
            let h = UnsafeRawPointer(hi + i).loadUnaligned(as: F.self)
            let u = l.replacing(with: h, where: h .>= l)
            // Non-finite ends (or NaN): the scalar function's constant lines.
            let finite = (l - l) .== F() .& (u - u) .== F()
            guard all(finite) else {
                scalar(lo, hi, from: i, to: i &+ width, ls, li, us, ui)
                i &+= width
                continue
            }
            let ld = D(l), ud = D(u)
            let slope = ud / (ud - ld)
            let aU = F(slope)
            let reach = pointwiseMax(ld.replacing(with: -ld, where: ld .< 0), ud.replacing(with: -ud, where: ud .< 0))
            let gap = D(aU) - slope
            let b = (-slope) * ld + gap.replacing(with: -gap, where: gap .< 0) * reach
            let padded = b + (b.replacing(with: -b, where: b .< 0) * 0x1p-40 + 0x1p-120)
            var bU = F(padded)
            // Upwards: padded > 0, so the next float up is the bit pattern plus one.
            let next = unsafeBitCast(unsafeBitCast(bU, to: SIMD8<UInt32>.self) &+ 1, to: F.self)
            let below = D(bU) .< padded
            var roundUp = SIMDMask<SIMD8<Int32>>()
            for k in 0..<width { roundUp[k] = below[k] }
            bU = bU.replacing(with: next, where: roundUp)
            let active = l .>= 0, inactive = u .<= 0
            let stable = active .| inactive
            let one = F(repeating: 1), zero = F()
            var lowerSlope = zero.replacing(with: one, where: u .> -l)
            var lowerIntercept = F(repeating: -0x1p-120)
            var upperSlope = aU, upperIntercept = bU
            lowerSlope = lowerSlope.replacing(with: zero, where: inactive).replacing(with: one, where: active)
            lowerIntercept = lowerIntercept.replacing(with: zero, where: stable)
            upperSlope = upperSlope.replacing(with: zero, where: inactive).replacing(with: one, where: active)
            upperIntercept = upperIntercept.replacing(with: zero, where: stable)
            UnsafeMutableRawPointer(ls + i).storeBytes(of: lowerSlope, as: F.self)
            UnsafeMutableRawPointer(li + i).storeBytes(of: lowerIntercept, as: F.self)
            UnsafeMutableRawPointer(us + i).storeBytes(of: upperSlope, as: F.self)
            UnsafeMutableRawPointer(ui + i).storeBytes(of: upperIntercept, as: F.self)
            i &+= width
        }
        scalar(lo, hi, from: i, to: count, ls, li, us, ui)
    }

    /// The scalar lines for neurons from..<to.
    @inline(__always)
    private static func scalar(_ lo: UnsafePointer<Float>, _ hi: UnsafePointer<Float>, from: Int, to: Int,
                               _ ls: UnsafeMutablePointer<Float>, _ li: UnsafeMutablePointer<Float>,
                               _ us: UnsafeMutablePointer<Float>, _ ui: UnsafeMutablePointer<Float>) {
        for i in from..<to {
            let r = MonotoneKind.reluRelaxation(lower: lo[i], upper: max(lo[i], hi[i]))
            ls[i] = r.lowerSlope; li[i] = r.lowerIntercept
            us[i] = r.upperSlope; ui[i] = r.upperIntercept
        }
    }
}
