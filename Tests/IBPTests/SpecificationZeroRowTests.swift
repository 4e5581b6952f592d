import Foundation
import XCTest
@testable import IBP

/// CROWN and CROWN-IBP bound a zero row of the specification by its offset without a backward pass
/// (`CROWNMethod.skipZeroRows`): against every row through the pass (the switch off), the same bounds for every
/// row, the zero rows exactly [d, d], on the elided specification (the label's row) and on rows whose zero rows
/// differ from sample to sample, with and without `upperOnly`, on dense rows and on lanes.
final class SpecificationZeroRowTests: XCTestCase {
    func testZeroRowsGetTheirOffsetsAndTheOthersTheSameBounds() throws {
        var rand = TestRandom(21)
        let net = rand.network("small")
        let x = rand.tensor([3, 1, 28, 28], in: 0...1)
        let box = InputBox(around: x, epsilon: 0.02)
        // Sample 0: rows 1 and 3 zero; sample 1: none; sample 2: all but row 2 (so samples keep different counts).
        var rows = rand.tensor([3, 4, 10])
        for (s, j) in [(0, 1), (0, 3), (2, 0), (2, 1), (2, 3)] {
            for i in 0..<10 { rows.data[(s * 4 + j) * 10 + i] = 0 }
        }
        let offsets: [Float] = (0..<12).map { Float($0) * 0.25 - 1 }
        let general = Specification(rows: rows, offsets: offsets, disjuncts: [[[0]], [[0]], [[2]]])
        let elided = Specification.elided(labels: [3, 7, 0], classes: 10)
        for spec in [general, elided] {
            for intermediate in [CROWNMethod.Intermediate.ibp, .crown] {
                for lanes in [false, true] {
                    for upperOnly in [false, true] {
                        var reference = CROWNMethod(intermediate: intermediate)
                        reference.skipZeroRows = false
                        reference.lanes = lanes
                        reference.minimumDeadShare = 0
                        var fast = reference
                        fast.skipZeroRows = true
                        let want = try XCTUnwrap(reference.bounds(net.layers, box: box, specification: spec,
                                                                  upperOnly: upperOnly).specification)
                        let got = try XCTUnwrap(fast.bounds(net.layers, box: box, specification: spec,
                                                            upperOnly: upperOnly).specification)
                        let k = spec.rowCount, o = spec.outputs
                        for s in 0..<3 {
                            for j in 0..<k {
                                let q = s * k + j
                                let zero = (0..<o).allSatisfy { spec.rows.data[q * o + $0] == 0 }
                                let label = "\(intermediate) lanes \(lanes) upperOnly \(upperOnly) sample \(s) row \(j)"
                                if zero {
                                    XCTAssertEqual(got.upper.data[q], spec.offsets[q], label)
                                    if !upperOnly { XCTAssertEqual(got.lower.data[q], spec.offsets[q], label) }
                                }
                                let scale = 1 + abs(want.upper.data[q])
                                XCTAssertEqual(got.upper.data[q], want.upper.data[q], accuracy: 1e-5 * scale, label)
                                if !upperOnly {
                                    XCTAssertEqual(got.lower.data[q], want.lower.data[q],
                                                   accuracy: 1e-5 * (1 + abs(want.lower.data[q])), label)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
