/// Elementwise sums and differences of equal-length float arrays, 16 lanes at a time and split over the cores
/// (elementwise, so the bits do not depend on the split). Why: the centre/radius -> lower/upper conversions of every
/// stage ran as scalar `zip(...).map` on one core while the other waited (4% of CROWN-IBP on `small-nominal`).
enum Elementwise {
    /// a + b (`sign` 1) or a - b (`sign` -1), elementwise: each element one IEEE addition or subtraction.
    static func combine(_ a: [Float], _ b: [Float], sign: Float) -> [Float] {
        precondition(a.count == b.count && (sign == 1 || sign == -1), "elementwise operands of different lengths")
        return [Float](unsafeUninitializedCapacity: a.count) { out, initialized in
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    let ap = ap.baseAddress, bp = bp.baseAddress, op = out.baseAddress
                    guard let ap, let bp, let op else { return }
                    Parallel.chunks(a.count, minChunk: 1 << 15) { range in
                        var i = range.lowerBound
                        if sign > 0 {
                            while i &+ 16 <= range.upperBound { store16(load16(ap + i) + load16(bp + i), op + i); i &+= 16 }
                            for j in i..<range.upperBound { op[j] = ap[j] + bp[j] }
                        } else {
                            while i &+ 16 <= range.upperBound { store16(load16(ap + i) - load16(bp + i), op + i); i &+= 16 }
                            for j in i..<range.upperBound { op[j] = ap[j] - bp[j] }
                        }
                    }
                }
            }
            initialized = a.count
        }
    }
}
