import Foundation
import XCTest
@testable import IBP

/// The fast relaxation paths against the straightforward ones: `ReLURelaxationKernel` (its AVX2 and Swift kernels)
/// gives the scalar `MonotoneKind.reluRelaxation`'s lines bit for bit, and the sigmoid/tanh tangent tables built on
/// first use (`TangentTable`) hold the entries a table built whole holds.
final class RelaxationKernelTests: XCTestCase {
    /// Random intervals of every kind (stable either side, unstable with u > -l and u < -l, tiny, huge, equal ends,
    /// signed zeros, hi < lo, infinities, NaN) at every offset and count, so the SIMD groups and the tail both run.
    func testReLUKernelEqualsScalarLines() {
        var rng = RandomSource(seed: 3)
        var pairs: [(Float, Float)] = [(-1, 3), (-3, 1), (0, 0), (-0.0, 0), (0, -0.0), (-1, -1), (2, 2), (-1e-30, 1e-30),
                                       (-3e38, 3e38), (-1, .infinity), (-.infinity, 1), (.nan, 1), (-1, .nan),
                                       (1, -1), (-1e-45, 1e-45), (-0.1, 1e-7), (-1e7, 0.3), (0, 5), (-5, 0)]
        // Runs of stable neurons only (identity and zero lines mixed, signed zeros, l = u), so whole groups of
        // sixteen take the vector path at both offsets.
        for i in 0..<96 {
            let a = Float(i % 7) * 0.5
            pairs.append(i % 3 == 0 ? (-a - 1, -a) : i % 5 == 0 ? (0, a) : i % 11 == 0 ? (-0.0, 0) : (a, a + 2))
        }
        for _ in 0..<4000 {
            let scale = Float(pow(10, Double(rng.uniform() * 8 - 4)))
            let a = (rng.uniform() * 2 - 1) * scale, b = (rng.uniform() * 2 - 1) * scale
            pairs.append(rng.uniform() < 0.05 ? (max(a, b), min(a, b)) : (min(a, b), max(a, b)))
        }
        // Unstable neurons across Float's whole range (the chord's rounding near FLT_MAX and near 2^-120).
        for _ in 0..<2000 {
            let a = Float(pow(10, Double(rng.uniform() * 76 - 38))), b = Float(pow(10, Double(rng.uniform() * 76 - 38)))
            pairs.append((-a, b))
        }
        let lo = pairs.map(\.0), hi = pairs.map(\.1)
        // Both kernels: the AVX2 one (where this CPU has it) and the Swift one.
        let saved = ReLURelaxationKernel.reluRelaxationAVX2
        defer { ReLURelaxationKernel.reluRelaxationAVX2 = saved }
        for (avx2, start) in [(saved, 0), (saved, 3), (false, 0), (false, 3)] {
            ReLURelaxationKernel.reluRelaxationAVX2 = avx2
            let count = lo.count - start - 5
            let blank = [Float](repeating: .nan, count: count)
            var gotLS = blank, gotLI = blank, gotUS = blank, gotUI = blank
            lo.withUnsafeBufferPointer { lp in
                hi.withUnsafeBufferPointer { hp in
                    gotLS.withUnsafeMutableBufferPointer { ls in
                        gotLI.withUnsafeMutableBufferPointer { li in
                            gotUS.withUnsafeMutableBufferPointer { us in
                                gotUI.withUnsafeMutableBufferPointer { ui in
                                    ReLURelaxationKernel.relax(lower: lp.baseAddress! + start,
                                                               upper: hp.baseAddress! + start, count: count,
                                                               lowerSlope: ls.baseAddress!,
                                                               lowerIntercept: li.baseAddress!,
                                                               upperSlope: us.baseAddress!,
                                                               upperIntercept: ui.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
            let got = [gotLS, gotLI, gotUS, gotUI]
            for i in 0..<count {
                let l = lo[start + i], u = max(l, hi[start + i])
                let want = MonotoneKind.reluRelaxation(lower: l, upper: u)
                let wanted = [want.lowerSlope, want.lowerIntercept, want.upperSlope, want.upperIntercept]
                for k in 0..<4 {
                    XCTAssertEqual(got[k][i].bitPattern, wanted[k].bitPattern,
                                   "[\(l), \(hi[start + i])] line part \(k) (AVX2 \(avx2)): \(got[k][i]) against scalar \(wanted[k])")
                }
            }
        }
    }

    /// The whole-stage relaxation (`Relaxations`) equals the scalar relaxation of each neuron, for every kind.
    /// `Relaxations.apply` (A <- A+ a_u + A- a_l, c += A+ b_u + A- b_l) on the AVX2 row kernel and in Swift: the
    /// same bits for rows of every length (groups of sixteen and tails), several rows per sample, signed zeros,
    /// infinities and NaN in the rows (any NaN equals any NaN).
    func testApplyAVX2EqualsSwiftBitForBit() {
        var rng = RandomSource(seed: 5)
        let saved = Relaxations.applyAVX2
        defer { Relaxations.applyAVX2 = saved }
        for size in [1, 7, 16, 33, 100, 784] {
            let samples = 3, rowsPerSample = 4
            func values(_ n: Int) -> [Float] { (0..<n).map { _ in (rng.uniform() * 2 - 1) * 3 } }
            let lines = Relaxations(lowerSlope: values(samples * size), lowerIntercept: values(samples * size),
                                    upperSlope: values(samples * size), upperIntercept: values(samples * size),
                                    size: size)
            var rows = values(samples * rowsPerSample * size)
            for (i, special) in [Float(-0.0), 0, .infinity, -.infinity, .nan, 1e-40, -3e38].enumerated()
                where i * 5 < rows.count { rows[i * 5] = special }
            let bias = values(samples * rowsPerSample)
            var results: [([UInt32], [UInt32])] = []
            for avx2 in [false, saved] {
                Relaxations.applyAVX2 = avx2
                var a = Tensor(shape: [samples * rowsPerSample, size], data: rows)
                var c = bias
                lines.apply(to: &a, bias: &c, rowsPerSample: rowsPerSample, firstSample: 0)
                // A NaN's sign and payload depend on which operand of an addition the compiler puts first (it may
                // commute them), so every NaN counts as one value; every other value must match bit for bit.
                func bits(_ x: Float) -> UInt32 { x.isNaN ? Float.nan.bitPattern : x.bitPattern }
                results.append((a.data.map(bits), c.map(bits)))
            }
            XCTAssertEqual(results[0].0, results[1].0, "rows of \(size)")
            XCTAssertEqual(results[0].1, results[1].1, "bias of rows of \(size)")
        }
    }

    /// The lanes' relaxation step (`LaneRows.relax`, rows as 16 lanes per neuron) on the AVX2 kernel and in Swift:
    /// the same bits, in place and from another buffer, for neuron counts around the 64-neuron blocks, with all-zero
    /// vectors (copied, adding nothing), vectors of -0, and signed zeros, infinities and NaN among the lanes.
    func testLaneRelaxAVX2EqualsSwiftBitForBit() {
        var rng = RandomSource(seed: 6)
        let saved = LaneRows.relaxAVX2
        defer { LaneRows.relaxAVX2 = saved }
        let L = LaneRows.lanes
        for count in [1, 7, 64, 65, 200] {
            func values(_ n: Int) -> [Float] { (0..<n).map { _ in (rng.uniform() * 2 - 1) * 3 } }
            let us = values(count), ui = values(count), ls = values(count), li = values(count)
            var source = values(count * L)
            for j in stride(from: 0, to: count, by: 3) { for l in 0..<L { source[j * L + l] = 0 } }
            for j in stride(from: 1, to: count, by: 5) { for l in 0..<L { source[j * L + l] = -0.0 } }
            for (i, special) in [Float(-0.0), 0, .infinity, -.infinity, .nan, 1e-40, -3e38].enumerated()
                where i * 37 + 2 < source.count { source[i * 37 + 2] = special }
            func bits(_ x: Float) -> UInt32 { x.isNaN ? Float.nan.bitPattern : x.bitPattern }
            var results: [[UInt32]] = []
            for avx2 in [false, saved] {
                LaneRows.relaxAVX2 = avx2
                for inPlace in [true, false] {
                    var out = inPlace ? source : [Float](repeating: 7, count: source.count)
                    var c = SIMD16<Float>((0..<L).map { Float($0) - 4.5 })
                    us.withUnsafeBufferPointer { usp in ui.withUnsafeBufferPointer { uip in
                        ls.withUnsafeBufferPointer { lsp in li.withUnsafeBufferPointer { lip in
                            let lines = Lines(lowerSlope: lsp.baseAddress!, lowerIntercept: lip.baseAddress!,
                                              upperSlope: usp.baseAddress!, upperIntercept: uip.baseAddress!)
                            source.withUnsafeBufferPointer { src in
                                out.withUnsafeMutableBufferPointer { o in
                                    LaneRows.relax(from: inPlace ? UnsafePointer(o.baseAddress!) : src.baseAddress!,
                                                   into: o.baseAddress!, count: count, lines: lines, c: &c)
                                }
                            }
                        } }
                    } }
                    results.append(out.map(bits) + (0..<L).map { bits(c[$0]) })
                }
            }
            XCTAssertEqual(results[0], results[1], "\(count) neurons: in place and from another buffer differ")
            XCTAssertEqual(results[0], results[2], "\(count) neurons in place: AVX2 against Swift")
            XCTAssertEqual(results[1], results[3], "\(count) neurons from another buffer: AVX2 against Swift")
        }
    }

    func testStageRelaxationsEqualScalarLines() {
        var rng = RandomSource(seed: 4)
        let n = 3, size = 1000
        var lower = Tensor(zeros: [n, size]), upper = lower
        for i in 0..<(n * size) {
            let a = (rng.uniform() * 2 - 1) * 6, b = (rng.uniform() * 2 - 1) * 6
            lower.data[i] = min(a, b); upper.data[i] = max(a, b)
        }
        for kind in MonotoneKind.allCases {
            let r = Relaxations(kind, Interval(lower: lower, upper: upper))
            for i in 0..<(n * size) {
                let want = kind.relaxation(lower: lower.data[i], upper: upper.data[i])
                XCTAssertEqual(LinearRelaxation(lowerSlope: r.lowerSlope[i], lowerIntercept: r.lowerIntercept[i],
                                                upperSlope: r.upperSlope[i], upperIntercept: r.upperIntercept[i]),
                               want, "\(kind) [\(lower.data[i]), \(upper.data[i])]")
            }
        }
    }

    /// Entries built on demand are those of the whole table (sampled across the grid, in and out of order), and
    /// a request builds only up to the next multiple of 256 past the index asked for.
    func testTangentTableBuildsOnDemandWithTheSameEntries() {
        let f: @Sendable (Double) -> Double = { 1 / (1 + exp(-$0)) }
        let df: @Sendable (Double) -> Double = { let s = 1 / (1 + exp(-$0)); return s * (1 - s) }
        let table = TangentTable(count: SShaped.tableCount) { SShaped.lowerTangentPoint(at: SShaped.step * Double($0), f, df) }
        XCTAssertEqual(table.builtCount, 0)
        XCTAssertEqual(table.entries(through: 10).count, 256)
        for index in [0, 1, 255, 256, 3000, 777, SShaped.tableCount - 1] {
            let entries = table.entries(through: index)
            XCTAssertEqual(entries[index], SShaped.lowerTangentPoint(at: SShaped.step * Double(index), f, df),
                           "entry \(index)")
        }
        XCTAssertEqual(table.builtCount, SShaped.tableCount)
    }
}

/// The sigmoid/tanh relaxation with f and f' from one call per point (`SShaped.Function.valueAndDerivative`)
/// against the straightforward formulas with separate f and f' calls (the code before, kept here as the
/// reference): the same lines bit for bit, across 0, on either side, at l = u, beyond the table and at huge ends.
final class SShapedRelaxationTests: XCTestCase {
    private func reference(_ fn: SShaped.Function, _ lf: Float, _ uf: Float) -> LinearRelaxation {
        let l = Double(lf), u = Double(uf), f = fn.value, df = fn.derivative
        let yl = f(l), yu = f(u), m = (l + u) / 2
        let chord = (yu - yl) / max(u - l, 1e-8)
        let chordLine = (chord, yl - chord * l)
        func tangent(_ d: Double) -> (Double, Double) { (df(d), f(d) - df(d) * d) }
        var lower: (Double, Double), upper: (Double, Double)
        if u <= 0 {
            (lower, upper) = (tangent(m), chordLine)
        } else if l >= 0 {
            (lower, upper) = (chordLine, tangent(m))
        } else {
            func point(_ table: TangentTable, _ b: Double) -> Double? {
                let position = max(b, 0) / SShaped.step
                guard position < Double(SShaped.tableCount - 1) else { return nil }
                return table.entries(through: Int(position) + 1)[Int(position) + 1]
            }
            let dLower = point(fn.lowerPoints, u) ?? SShaped.lowerTangentPoint(at: u, f, df)
            let dUpper = point(fn.upperPoints, -l) ?? SShaped.upperTangentPoint(at: l, f, df)
            lower = chord < df(l) ? chordLine : tangent(dLower)
            upper = chord < df(u) ? chordLine : tangent(dUpper)
            if dLower >= m { lower = tangent(m) }
            if dUpper < m { upper = tangent(m) }
        }
        return fn.kind.rounded(lower: lower, upper: upper, l: lf, u: uf)
    }

    func testOneCallPerPointGivesTheSameLines() {
        var rng = RandomSource(seed: 8)
        var pairs: [(Float, Float)] = [(-1, 1), (-3, 0.5), (-0.5, 3), (0.2, 4), (-4, -0.2), (0, 0), (1, 1), (-2, -2),
                                       (-1e-6, 1e-6), (-50, 50), (-1000, 3), (-3, 1000), (-600, 600), (-0.01, 8),
                                       (-8, 0.01), (-1e30, 1e30)]
        for _ in 0..<2000 {
            let a = (rng.uniform() * 2 - 1) * 10, b = (rng.uniform() * 2 - 1) * 10
            pairs.append((min(a, b), max(a, b)))
        }
        for fn in [SShaped.sigmoid, SShaped.tanh] {
            for (l, u) in pairs {
                XCTAssertEqual(SShaped.relaxation(fn, l: l, u: u), reference(fn, l, u), "\(fn.kind) [\(l), \(u)]")
            }
        }
    }
}
