import CKernels

/// CROWN's ReLU relaxation (`MonotoneKind.reluRelaxation`) of a whole stage with the same bits as the scalar lines,
/// a_l z + b_l <= max(z, 0) <= a_u z + b_u on [l, u] (Zhang et al., NeurIPS 2018, section 3.2), sixteen neurons
/// at a time where all sixteen are stable.
///
/// Identity behind the shortcut: for finite l >= 0 the scalar function returns the identity lines (1, 0, 1, 0) and
/// for finite u <= 0 the zero lines (0, 0, 0, 0), whatever else l and u are; so a group of sixteen neurons that are
/// all finite and stable gets those lines from two vector compares and four vector stores, and any other group
/// goes neuron by neuron through the scalar function (unstable neurons: the chord and the adaptive slope, formed
/// in Double; non-finite ends: constant lines). `RelaxationKernelTests` checks bit equality with the scalar
/// function. Why: the scalar loop, a call and branches per neuron, was a tenth of CROWN-IBP on `small`, whose
/// trained stages are mostly stable. (A first version formed the unstable lines in SIMD8<Double> as well; Swift's
/// generic SIMD conversions made it three times slower than the scalar loop.)
enum ReLURelaxationKernel {
    /// Whether `relax` runs the AVX2 kernel (`ckernels_relu_relaxation_avx2`, all neurons eight at a time: 13% of
    /// CROWN-IBP on a naturally trained `small`, whose neurons are mostly unstable); tests turn it off to compare.
    nonisolated(unsafe) static var reluRelaxationAVX2 = ckernels_avx2_available() == 1

    /// Lines of neurons i in 0..<count from pre-activation bounds lo, hi (u = max(l, hi), as the scalar loop).
    static func relax(lower lo: UnsafePointer<Float>, upper hi: UnsafePointer<Float>, count: Int,
                      lowerSlope ls: UnsafeMutablePointer<Float>, lowerIntercept li: UnsafeMutablePointer<Float>,
                      upperSlope us: UnsafeMutablePointer<Float>, upperIntercept ui: UnsafeMutablePointer<Float>) {
        if reluRelaxationAVX2 {
            // The C kernel takes groups of eight until one holds a non-finite bound; that group (or the tail) goes
            // through the scalar lines here, and the kernel resumes after it.
            var i = 0
            while i < count {
                i += ckernels_relu_relaxation_avx2(lo + i, hi + i, count - i, ls + i, li + i, us + i, ui + i)
                let next = min(i + 8, count)
                scalar(lo, hi, from: i, to: next, ls, li, us, ui)
                i = next
            }
            return
        }
        typealias F = SIMD16<Float>
        let zero = F(), one = F(repeating: 1)
        var i = 0
        while i &+ 16 <= count {
            let l = load16(lo + i), h = load16(hi + i)
            // u = max(l, hi) as Swift's max: hi where hi >= l.
            let u = l.replacing(with: h, where: h .>= l)
            // Finite: x - x is 0 (infinities and NaN give NaN).
            let finite = (l - l) .== zero .& (u - u) .== zero
            let active = l .>= zero
            if all(finite .& (active .| (u .<= zero))) {
                let slope = zero.replacing(with: one, where: active)
                store16(slope, ls + i); store16(zero, li + i)
                store16(slope, us + i); store16(zero, ui + i)
            } else {
                scalar(lo, hi, from: i, to: i &+ 16, ls, li, us, ui)
            }
            i &+= 16
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
