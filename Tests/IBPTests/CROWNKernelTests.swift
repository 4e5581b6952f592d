import Foundation
import XCTest
@testable import IBP

/// The whole-stage loops CROWN's speed relies on against their one-element definitions: a stage's relaxation lines
/// (`Relaxations`, ReLU's lines inlined, on all cores) against `MonotoneKind.relaxation` per neuron, and the
/// vectorised non-finite check of `ChainBounds.markNonFinite` against `isFinite` per value.
final class CROWNKernelTests: XCTestCase {
    /// Ends that hit every case: stable either way, unstable both sides of u = -l, l = u, zeros, and infinite and
    /// NaN ends, in a batch long enough to be split across cores.
    private func ends(count: Int, seed: UInt64) -> (Tensor, Tensor) {
        var rand = TestRandom(seed)
        let special: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, 1e-30, -1e30, 3]
        var lower = rand.tensor([count], in: -2...1), upper = rand.tensor([count], in: -1...2)
        for i in stride(from: 0, to: count, by: 7) { lower.data[i] = special[(i / 7) % special.count] }
        for i in stride(from: 3, to: count, by: 11) { upper.data[i] = special[(i / 11) % special.count] }
        for i in stride(from: 5, to: count, by: 13) { upper.data[i] = lower.data[i] }
        return (Tensor(shape: [count / 100, 100], data: lower.data), Tensor(shape: [count / 100, 100], data: upper.data))
    }

    func testStageRelaxationsEqualTheRelaxationOfEachNeuron() {
        for f in [MonotoneKind.relu, .sigmoid, .tanh] {
            let (lower, upper) = ends(count: 100_000, seed: 3)
            let stage = Relaxations(f, Interval(lower: lower, upper: upper))
            for i in 0..<lower.count {
                let l = lower.data[i], r = f.relaxation(lower: l, upper: max(l, upper.data[i]))
                let got = [stage.lowerSlope[i], stage.lowerIntercept[i], stage.upperSlope[i], stage.upperIntercept[i]]
                let want = [r.lowerSlope, r.lowerIntercept, r.upperSlope, r.upperIntercept]
                XCTAssert(zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) },
                          "\(f) on [\(l), \(upper.data[i])]: \(got) against \(want)")
            }
        }
    }

    func testNonFiniteMarksEqualIsFinitePerValue() {
        var rand = TestRandom(9)
        for size in [1, 15, 16, 17, 100, 3200] {
            var t = rand.tensor([40, size])
            for s in 0..<40 where s % 3 != 0 {
                t.data[s * size + (s * 7) % size] = [Float.nan, .infinity, -.infinity][s % 3]
            }
            var finite = [Bool](repeating: true, count: 40)
            finite[4] = false
            ChainBounds.markNonFinite(t, in: &finite)
            for s in 0..<40 {
                let want = s != 4 && t.data[(s * size)..<((s + 1) * size)].allSatisfy(\.isFinite)
                XCTAssertEqual(finite[s], want, "size \(size), sample \(s)")
            }
        }
    }
}
