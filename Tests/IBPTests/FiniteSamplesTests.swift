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
}
