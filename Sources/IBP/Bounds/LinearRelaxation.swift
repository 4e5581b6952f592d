import Foundation
import Synchronization

/// Two lines around a monotone activation on an interval: a_l z + b_l <= f(z) <= a_u z + b_u for every z in [l, u].
public struct LinearRelaxation: Equatable, Sendable {
    public var lowerSlope: Float
    public var lowerIntercept: Float
    public var upperSlope: Float
    public var upperIntercept: Float

    /// Constant lines [f(l), f(u)], valid for any monotone non-decreasing f (the fallback at non-finite ends).
    static func constant(_ lo: Float, _ hi: Float) -> LinearRelaxation {
        LinearRelaxation(lowerSlope: 0, lowerIntercept: lo, upperSlope: 0, upperIntercept: hi)
    }
}

extension MonotoneKind {
    /// CROWN's linear relaxation of f on [l, u] (Zhang et al., NeurIPS 2018, section 3.2; auto_LiRPA's vanilla,
    /// non-optimised relaxations).
    ///
    /// - ReLU: stable intervals are exact (identity for l >= 0, zero for u <= 0); otherwise the chord
    ///   u (z - l) / (u - l) above and, below, the adaptive slope 1 where u > -l, else 0.
    /// - Sigmoid and tanh (S-shaped: convex for z < 0, concave for z > 0): for u <= 0 the chord above and the
    ///   tangent at the midpoint below; for l >= 0 the chord below and the midpoint tangent above; across 0, below
    ///   the chord if f'(l) exceeds its slope, else the tangent at the point d <= 0 whose tangent just passes under
    ///   f(u') (u' = u rounded up to auto_LiRPA's 0.01 grid), and above symmetrically; and, as auto_LiRPA does for
    ///   smoothness, the midpoint tangent where that point lies beyond the midpoint.
    ///
    /// Postcondition: lowerSlope z + lowerIntercept <= f(z) <= upperSlope z + upperIntercept for every real z in
    /// [l, u], with f and the lines evaluated exactly. Lines are formed in Double and rounded to Float with the
    /// intercepts moved outwards by the slope's rounding error times max(|l|, |u|) plus 2^-40 relative, so the
    /// rounding cannot break it (`RelaxationTests` checks it on a dense grid, at the ends, at l = u and at
    /// saturated ends). Non-finite ends give the constant lines [f(l), f(u)]. Requires l <= u.
    public func relaxation(lower l: Float, upper u: Float) -> LinearRelaxation {
        guard l.isFinite, u.isFinite else { return .constant(value(l), value(u)) }
        switch self {
        case .relu:
            return MonotoneKind.reluRelaxation(lower: l, upper: u)
        case .sigmoid:
            return SShaped.relaxation(SShaped.sigmoid, l: l, u: u)
        case .tanh:
            return SShaped.relaxation(SShaped.tanh, l: l, u: u)
        }
    }

    /// `relaxation(lower:upper:)` with sigmoid/tanh tangent points read from `points` (`SShaped.points`) where they
    /// hold them: the same lines, without a lock per call.
    func relaxation(lower l: Float, upper u: Float, points: (lower: [Double], upper: [Double])?) -> LinearRelaxation {
        guard l.isFinite, u.isFinite else { return .constant(value(l), value(u)) }
        switch self {
        case .relu:
            return MonotoneKind.reluRelaxation(lower: l, upper: u)
        case .sigmoid:
            return SShaped.relaxation(SShaped.sigmoid, l: l, u: u, points: points)
        case .tanh:
            return SShaped.relaxation(SShaped.tanh, l: l, u: u, points: points)
        }
    }

    /// The tangent-table snapshots a stage of pre-activation bounds reads (nil for ReLU): entries up to the largest
    /// finite |bound| of the stage.
    func tangentPoints(lower: UnsafeBufferPointer<Float>, upper: UnsafeBufferPointer<Float>)
        -> (lower: [Double], upper: [Double])? {
        let fn: SShaped.Function
        switch self {
        case .relu: return nil
        case .sigmoid: fn = SShaped.sigmoid
        case .tanh: fn = SShaped.tanh
        }
        var reach: Float = 0
        for v in lower where v.isFinite { reach = max(reach, -v) }
        for v in upper where v.isFinite { reach = max(reach, v) }
        return SShaped.points(fn, reach: reach)
    }

    /// The ReLU case of `relaxation(lower:upper:)` (the same postcondition), inlined into the loops that relax a
    /// whole stage: CROWN-IBP relaxes every neuron of a batch, and a call per neuron cost a tenth of its time.
    @inline(__always)
    static func reluRelaxation(lower l: Float, upper u: Float) -> LinearRelaxation {
        guard l.isFinite, u.isFinite else { return .constant(MonotoneKind.relu.value(l), MonotoneKind.relu.value(u)) }
        if l >= 0 { return LinearRelaxation(lowerSlope: 1, lowerIntercept: 0, upperSlope: 1, upperIntercept: 0) }
        if u <= 0 { return LinearRelaxation(lowerSlope: 0, lowerIntercept: 0, upperSlope: 0, upperIntercept: 0) }
        let slope = Double(u) / (Double(u) - Double(l))
        let lowerSlope: Double = u > -l ? 1 : 0
        return MonotoneKind.relu.rounded(lower: (lowerSlope, 0), upper: (slope, -slope * Double(l)), l: l, u: u)
    }

    /// Rounds Double lines (slope, intercept) to Float keeping the postcondition: with a = Float(alpha), the line
    /// a z + b' is below alpha z + beta on [l, u] when b' <= beta - |a - alpha| max(|l|, |u|); then outwards by
    /// 2^-40 relative (and 2^-120 absolute) for the Double evaluation of f and of the lines, and rounded outwards.
    @inline(__always)
    func rounded(lower: (Double, Double), upper: (Double, Double), l: Float, u: Float)
        -> LinearRelaxation {
        let reach = max(abs(Double(l)), abs(Double(u)))
        let aL = Float(lower.0), aU = Float(upper.0)
        let bL = lower.1 - abs(Double(aL) - lower.0) * reach
        let bU = upper.1 + abs(Double(aU) - upper.0) * reach
        let pad = { (b: Double) in abs(b) * 0x1p-40 + 0x1p-120 }
        return LinearRelaxation(lowerSlope: aL, lowerIntercept: RoundingModel.downward(bL - pad(bL)),
                                upperSlope: aU, upperIntercept: RoundingModel.upward(bU + pad(bU)))
    }
}

/// The relaxation of S-shaped functions (convex left of 0, concave right of it, increasing), in Double.
enum SShaped {
    struct Function: Sendable {
        let value: @Sendable (Double) -> Double
        let derivative: @Sendable (Double) -> Double
        /// (value, derivative) from one exp or tanh: the same two numbers as `value` and `derivative` (each is
        /// computed from the same s = f(z)), for the relaxation, which needs both at up to five points.
        let valueAndDerivative: @Sendable (Double) -> (Double, Double)
        let kind: MonotoneKind
        /// Tangent points for the lower line across 0, by grid index i (u' = 0.01 i), and for the upper line by
        /// index i of l' = -0.01 i (auto_LiRPA's precomputed table, to 500), built on first use up to the largest
        /// index asked for (`TangentTable`).
        let lowerPoints: TangentTable
        let upperPoints: TangentTable
    }

    static let step = 0.01
    static let gridLimit = 500.0
    /// Entries of each table: indices 0...gridLimit / step + 4.
    static let tableCount = Int(gridLimit / step) + 5

    static let sigmoid = make(.sigmoid, { 1 / (1 + exp(-$0)) }, { let s = 1 / (1 + exp(-$0)); return s * (1 - s) },
                              { let s = 1 / (1 + exp(-$0)); return (s, s * (1 - s)) })
    static let tanh = make(.tanh, { Foundation.tanh($0) }, { let t = Foundation.tanh($0); return 1 - t * t },
                           { let t = Foundation.tanh($0); return (t, 1 - t * t) })

    private static func make(_ kind: MonotoneKind, _ f: @escaping @Sendable (Double) -> Double,
                             _ df: @escaping @Sendable (Double) -> Double,
                             _ both: @escaping @Sendable (Double) -> (Double, Double)) -> Function {
        let lower = TangentTable(count: tableCount) { lowerTangentPoint(at: step * Double($0), f, df) }
        let upper = TangentTable(count: tableCount) { upperTangentPoint(at: -step * Double($0), f, df) }
        return Function(value: f, derivative: df, valueAndDerivative: both, kind: kind, lowerPoints: lower,
                        upperPoints: upper)
    }

    /// Snapshots of both tables of `fn` that hold every entry a relaxation on intervals within [-reach, reach] reads
    /// (for the loops that relax a whole stage: one lock per stage, not per neuron).
    static func points(_ fn: Function, reach: Float) -> (lower: [Double], upper: [Double]) {
        let index = gridIndex(Double(reach)) ?? (tableCount - 1)
        return (fn.lowerPoints.entries(through: index), fn.upperPoints.entries(through: index))
    }

    /// The largest d <= 0 (to bisection precision, always on the valid side) whose tangent is below f at u >= 0:
    /// f'(d)(u - d) + f(d) <= f(u). On [l, 0] the tangent is below the convex part; on [0, u] f minus the
    /// tangent is concave and non-negative at both ends.
    static func lowerTangentPoint(at u: Double, _ f: (Double) -> Double, _ df: (Double) -> Double) -> Double {
        func valid(_ d: Double) -> Bool { df(d) * (u - d) + f(d) <= f(u) }
        var lo = -1.0
        while !valid(lo) { lo *= 2 }
        var hi = 0.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if valid(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// The smallest d >= 0 whose tangent is above f at l <= 0 (mirror of `lowerTangentPoint`).
    static func upperTangentPoint(at l: Double, _ f: (Double) -> Double, _ df: (Double) -> Double) -> Double {
        func valid(_ d: Double) -> Bool { df(d) * (l - d) + f(d) >= f(l) }
        var hi = 1.0
        while !valid(hi) { hi *= 2 }
        var lo = 0.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if valid(mid) { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// `points`: snapshots of the tables from `points(_:reach:)` (entries beyond them are read from the tables).
    static func relaxation(_ fn: Function, l lf: Float, u uf: Float,
                           points: (lower: [Double], upper: [Double])? = nil) -> LinearRelaxation {
        let l = Double(lf), u = Double(uf), f = fn.value, df = fn.derivative, both = fn.valueAndDerivative
        // f and f' at each point from one exp (or tanh) each, every point at most once: the same numbers as
        // separate f(z) and f'(z) calls (`RelaxationKernelTests` checks the lines against those), with a third of
        // the calls (they were most of CROWN-IBP on `vissmall`).
        let (yl, dfl) = both(l), (yu, dfu) = both(u), m = (l + u) / 2
        let chord = (yu - yl) / max(u - l, 1e-8)
        let chordLine = (chord, yl - chord * l)
        func tangent(_ d: Double) -> (Double, Double) { let (y, s) = both(d); return (s, y - s * d) }
        var lower: (Double, Double), upper: (Double, Double)
        if u <= 0 {
            (lower, upper) = (tangent(m), chordLine)
        } else if l >= 0 {
            (lower, upper) = (chordLine, tangent(m))
        } else {
            let dLower = point(fn.lowerPoints, points?.lower, at: u) ?? lowerTangentPoint(at: u, f, df)
            let dUpper = point(fn.upperPoints, points?.upper, at: -l) ?? upperTangentPoint(at: l, f, df)
            // The midpoint tangent where the tangent point lies beyond the midpoint; else the chord if f' at the
            // end exceeds its slope, else the tangent at the table's point.
            let atMidpoint = dLower >= m || dUpper < m ? tangent(m) : nil
            lower = dLower >= m ? atMidpoint! : chord < dfl ? chordLine : tangent(dLower)
            upper = dUpper < m ? atMidpoint! : chord < dfu ? chordLine : tangent(dUpper)
        }
        // The chord through (l, f(l)) with a clamped denominator (l = u) is the constant f(l): exact there.
        return fn.kind.rounded(lower: lower, upper: upper, l: lf, u: uf)
    }

    /// The table entry for a bound b >= 0: index floor(b / 0.01) + 1 (the next grid point up, so the entry is valid
    /// for b), or nil beyond the table. The grid position is compared before it becomes an Int: a huge finite bound
    /// (an exploding stage, b = 1e30) would not fit one and trapped.
    private static func point(_ table: TangentTable, _ snapshot: [Double]?, at b: Double) -> Double? {
        guard let index = gridIndex(b) else { return nil }
        if let snapshot, index < snapshot.count { return snapshot[index] }
        return table.entries(through: index)[index]
    }

    /// floor(max(b, 0) / 0.01) + 1, or nil when that is not below the table's size (or b is NaN).
    private static func gridIndex(_ b: Double) -> Int? {
        let position = max(b, 0) / step
        guard position < Double(tableCount - 1) else { return nil }
        return Int(position) + 1
    }
}

/// A table of `count` values entry(i), computed on first use in order, up to the largest index read so far
/// (rounded up to 256 entries): entry i is entry(i) whether it was built early or late, so a relaxation reads the
/// same bits as from a table built whole. Why: building both 50,005-entry tangent tables of a function (60
/// bisection steps of exp each) took 0.27 s, more than CROWN-IBP on 1,000 `vissmall` images, while bounds of
/// trained networks read the first few hundred entries. Thread-safe (one lock per call; readers keep snapshots).
final class TangentTable: Sendable {
    let count: Int
    private let entry: @Sendable (Int) -> Double
    private let built = Mutex<[Double]>([])

    init(count: Int, entry: @escaping @Sendable (Int) -> Double) {
        self.count = count
        self.entry = entry
    }

    /// The entries 0...index at least (all built entries), index < count.
    func entries(through index: Int) -> [Double] {
        precondition(index >= 0 && index < count, "tangent table index \(index) outside 0..<\(count)")
        return built.withLock { table in
            if table.count <= index {
                let end = min(count, (index / 256 + 1) * 256)
                table.reserveCapacity(end)
                for i in table.count..<end { table.append(entry(i)) }
            }
            return table
        }
    }

    /// How many entries are built (for tests).
    var builtCount: Int { built.withLock { $0.count } }
}
