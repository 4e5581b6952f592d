import BigInt
import Foundation
import XCTest
@testable import IBP

/// Sound IBP folds a general specification (VNNLIB's rows, not the elided margins) into the last affine layer when
/// each row's coefficients and bias take at most one rounding: its bounds must contain the exact real-arithmetic
/// bounds of the rows over the head's exact input box (`ExactIBP`), for rows with one or two nonzero Float
/// coefficients (not only +-1) and offsets; rows of another form fall back to the output box, which must contain
/// them too.
final class SoundFoldedRowsTests: XCTestCase {
    /// Rows (coefficients by output, offset) over 5 outputs.
    private static let rows: [([Int: Float], Float)] = [
        ([1: 1, 3: -1], 0), ([0: 0.3, 4: -1.7], 0), ([2: -2.25], 0.37), ([4: 1e-3], -0.1), ([:], 0.5),
    ]

    private func specification(_ rows: [([Int: Float], Float)], batch: Int) -> Specification {
        var c = Tensor(zeros: [batch, rows.count, 5]), d: [Float] = []
        for s in 0..<batch {
            for (j, (coefficients, offset)) in rows.enumerated() {
                for (o, v) in coefficients { c.data[(s * rows.count + j) * 5 + o] = v }
                d.append(offset)
            }
        }
        return Specification(rows: c, offsets: d, disjuncts: [[[Int]]](repeating: [Array(rows.indices)], count: batch))
    }

    /// max and min over the exact head input box of sum_o C_o (W_o h + b_o) + d, in exact dyadic arithmetic.
    private func exactRange(_ net: Network, _ box: ExactIBP, _ row: ([Int: Float], Float)) -> (Dyadic, Dyadic) {
        let w = net.head.weight.value.data, b = net.head.bias.value.data, d = net.head.inFeatures
        var hi = Dyadic(row.1), lo = hi
        for (o, a) in row.0 { hi = hi + Dyadic(a) * Dyadic(b[o]); lo = lo + Dyadic(a) * Dyadic(b[o]) }
        for i in 0..<d {
            var c = Dyadic.zero
            for (o, a) in row.0 { c = c + Dyadic(a) * Dyadic(w[o * d + i]) }
            hi = hi + c * (c.isNegative ? box.lower[i] : box.upper[i])
            lo = lo + c * (c.isNegative ? box.upper[i] : box.lower[i])
        }
        return (hi, lo)
    }

    func testFoldedRowsContainTheExactBounds() throws {
        var rand = TestRandom(97)
        for k in 0..<12 {
            let size = 4 + k % 3
            let net = Network(Architecture(name: "dense", inputShape: [1, 1, size],
                                           layers: [.flatten, .linear(units: 6 + k % 4), .activation(.relu), .linear(units: 5)]))
            for p in net.parameters { p.value = rand.tensor(p.value.shape, in: -1.5...1.5) }
            let x = rand.tensor([3, 1, 1, size], in: 0...1)
            let epsilon: Float = [0.01, 0.1, 0.3][k % 3]
            // The folded form, and a three-coefficient row that makes the method fall back to the output box.
            for rows in [Self.rows, Self.rows + [([0: 1, 1: 1, 2: 1], 0)]] {
                let spec = specification(rows, batch: 3)
                let bounds = try SoundIntervalMethod().bounds(net.layers, box: InputBox(around: x, epsilon: epsilon),
                                                              specification: spec).specification!
                for s in 0..<3 {
                    let box = net.body.reduce(ExactIBP(input: Array(x.data[s * size..<(s + 1) * size]), epsilon: epsilon)) {
                        $0.through($1)
                    }
                    for (j, row) in rows.enumerated() {
                        let (hi, lo) = exactRange(net, box, row)
                        let u = bounds.upper.data[s * rows.count + j], l = bounds.lower.data[s * rows.count + j]
                        XCTAssert(Dyadic(u) >= hi, "network \(k) sample \(s) row \(j): sound upper \(u) < exact \(hi.approximate)")
                        XCTAssert(Dyadic(l) <= lo, "network \(k) sample \(s) row \(j): sound lower \(l) > exact \(lo.approximate)")
                    }
                }
            }
        }
    }

    /// Folding is what makes sound IBP as tight as IBP on a property's rows: within 1e-4 of plain IBP's folded
    /// bounds, and tighter than the rows bounded on the output box.
    func testFoldedRowsAreAsTightAsIBP() throws {
        var rand = TestRandom(98)
        let net = Network(Architecture(name: "dense", inputShape: [1, 1, 8],
                                       layers: [.flatten, .linear(units: 12), .activation(.relu), .linear(units: 5)]))
        for p in net.parameters { p.value = rand.tensor(p.value.shape, in: -1...1) }
        let x = rand.tensor([2, 1, 1, 8], in: 0...1)
        let box = InputBox(around: x, epsilon: 0.1)
        let spec = specification(Self.rows, batch: 2)
        let sound = try SoundIntervalMethod().bounds(net.layers, box: box, specification: spec).specification!
        let plain = try IntervalMethod().bounds(net.layers, box: box, specification: spec)
        for i in sound.upper.data.indices {
            XCTAssertEqual(sound.upper.data[i], plain.specification!.upper.data[i], accuracy: 1e-4)
            XCTAssertEqual(sound.lower.data[i], plain.specification!.lower.data[i], accuracy: 1e-4)
        }
        // y_1 - y_3 from the output box is u_1 - l_3, looser than the folded bound.
        let y = plain.stages.last!
        for s in 0..<2 {
            XCTAssertLessThan(sound.upper.data[s * Self.rows.count], y.upper.data[s * 5 + 1] - y.lower.data[s * 5 + 3])
        }
    }
}
