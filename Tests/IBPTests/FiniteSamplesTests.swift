import XCTest
@testable import IBP

/// `Tensor.markNonFiniteSamples`: exactly the samples holding NaN or an infinity are marked, whatever else they hold.
final class FiniteSamplesTests: XCTestCase {
    func testEveryKindOfValue() {
        let finiteValues: [Float] = [0, -0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                     .leastNonzeroMagnitude, .leastNormalMagnitude, 3e38, -1e-45]
        let bad: [Float] = [.infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7fc0_0001), Float(bitPattern: 0xff80_0001)]
        // Each sample: 37 values (not a multiple of a vector width), finite except possibly one at position p.
        var rows: [[Float]] = []
        var expected: [Bool] = []
        for (k, v) in bad.enumerated() {
            for position in [0, 17, 36] {
                var row = (0..<37).map { finiteValues[($0 + k) % finiteValues.count] }
                row[position] = v
                rows.append(row)
                expected.append(false)
            }
        }
        rows.append((0..<37).map { finiteValues[$0 % finiteValues.count] })
        expected.append(true)
        let t = Tensor(shape: [rows.count, 37], data: rows.flatMap { $0 })
        var finite = [Bool](repeating: true, count: rows.count)
        t.markNonFiniteSamples(in: &finite)
        XCTAssertEqual(finite, expected)
        // A sample already marked stays marked; the reference is Float.isFinite.
        var some = expected.indices.map { $0 % 2 == 0 }
        t.markNonFiniteSamples(in: &some)
        XCTAssertEqual(some, expected.indices.map { $0 % 2 == 0 && rows[$0].allSatisfy(\.isFinite) })
    }

    /// A batch large enough to be split over the cores: every sample's flag is its own, whichever core takes it.
    func testSplitBatch() {
        let batch = 40_000, size = 5
        var data = [Float](repeating: 1, count: batch * size)
        var expected = [Bool](repeating: true, count: batch)
        for s in stride(from: 3, to: batch, by: 977) {
            data[s * size + s % size] = s % 2 == 0 ? .nan : -.infinity
            expected[s] = false
        }
        var finite = [Bool](repeating: true, count: batch)
        Tensor(shape: [batch, size], data: data).markNonFiniteSamples(in: &finite)
        XCTAssertEqual(finite, expected)
    }
}

/// `Elementwise.combine` and the interval conversions built on it, split over the cores: each element is one IEEE
/// addition or subtraction, the same bits as the scalar loop.
final class ElementwiseTests: XCTestCase {
    func testSumAndDifferenceEqualScalarBitForBit() {
        var rng = RandomSource(seed: 12)
        for count in [0, 1, 15, 17, 100_003] {
            let a = (0..<count).map { _ in (rng.uniform() * 2 - 1) * 1e3 }
            let b = (0..<count).map { i in i % 7 == 0 ? Float.infinity : (rng.uniform() * 2 - 1) * 1e-3 }
            XCTAssertEqual(Elementwise.combine(a, b, sign: 1).map(\.bitPattern), zip(a, b).map { ($0 + $1).bitPattern })
            XCTAssertEqual(Elementwise.combine(a, b, sign: -1).map(\.bitPattern), zip(a, b).map { ($0 - $1).bitPattern })
        }
    }

    /// `IntervalBounds(enclosing:)` on a box split over the cores: every element's float box contains its interval.
    func testEnclosingContainsEveryElement() {
        var rng = RandomSource(seed: 13)
        let n = 100_000
        let lower = (0..<n).map { _ in (rng.uniform() * 2 - 1) * 3 }
        let upper = lower.map { $0 + rng.uniform() * 0.7 }
        let box = InputBox(lower: Tensor(shape: [n, 1], data: lower), upper: Tensor(shape: [n, 1], data: upper))
        let b = IntervalBounds(enclosing: box)
        for i in 0..<n {
            XCTAssertLessThanOrEqual(b.centre.data[i] - b.radius.data[i], lower[i])
            XCTAssertGreaterThanOrEqual(b.centre.data[i] + b.radius.data[i], upper[i])
        }
        XCTAssertEqual(b.lower.data, zip(b.centre.data, b.radius.data).map { $0 - $1 })
    }
}
