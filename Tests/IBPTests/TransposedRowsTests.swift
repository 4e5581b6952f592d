import XCTest
@testable import IBP

/// The specification's pass with the rows held as columns, sixteen at a time (`TransposedRows`) against the dense
/// rows through the layers' kernels (`CROWNMethod.transposedRows` off): the same bounds up to the order of the
/// sums, on every kind of layer the pass meets (dense, VALID, SAME, padded, strided and asymmetric convolutions with
/// col2im folded in; average pooling, zero padding and elementwise maps through their own transposed step), for
/// batches that fill panels partly, and a sample's bounds the same bits whatever else is in its batch.
final class TransposedRowsTests: XCTestCase {
    override func setUpWithError() throws {
        guard TransposedRows.available else { throw XCTSkip("this CPU has no AVX2: the dense rows are used") }
    }

    /// Chains the pass takes: `LaneRowsTests`' (`crownChains`) and the imported layer kinds without max pooling.
    private func chains() -> [(String, [Layer], [Int])] {
        var rand = TestRandom(41)
        return rand.crownChains() + rand.importedChains().filter { !$0.hasMaxPool }.map { ($0.modelName, $0.layers, [1, 10, 10]) }
    }

    /// Columns and dense rows agree within 1e-5 of the specification's magnitude (+1): CROWN-IBP with and without
    /// `upperOnly` and the fused biases for 1 and 19 samples (one panel part-filled; two panels, and with a small row
    /// budget two blocks of samples), CROWN for 7; and the columns ran: some bound differs in its bits (its sums
    /// run in another order).
    func testColumnsEqualDenseRows() throws {
        var rand = TestRandom(3)
        var cases: [(Int, CROWNMethod.Intermediate, Bool, Bool, Int?)] = []
        for n in [1, 19] {
            for upperOnly in [false, true] {
                for fuse in [true, false] { cases.append((n, .ibp, upperOnly, fuse, nil)) }
            }
        }
        cases += [(19, .ibp, true, true, 3000), (7, .crown, false, true, nil)]
        for (name, layers, shape) in chains() {
            var differ = false
            for (n, intermediate, upperOnly, fuse, budget) in cases {
                let box = InputBox(around: rand.tensor([n] + shape, in: 0...1), epsilon: 0.05)
                let spec = Specification.elided(labels: (0..<n).map { ($0 * 7 + 3) % 10 }, classes: 10)
                var dense = CROWNMethod(intermediate: intermediate)
                dense.lanes = false
                dense.fuseBiases = fuse
                dense.transposedRows = false
                var columns = dense
                columns.transposedRows = true
                if let budget { columns.rowBudget = budget }
                let want = try dense.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                let got = try columns.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                let label = "\(name) n \(n) \(intermediate) upperOnly \(upperOnly) fuse \(fuse) budget \(budget ?? 0)"
                differ = assertClose(got.specification!, want.specification!, label) || differ
                XCTAssertEqual(got.finite, want.finite, label)
            }
            XCTAssertTrue(differ, "\(name): the columns gave the dense rows' bits everywhere (did they run?)")
        }
    }

    /// A sample's bounds are the same bits alone, in a batch of 21 (a panel's other lanes, and a second panel) and
    /// at another place in it: lanes never mix.
    func testSampleBoundsDoNotDependOnTheBatch() throws {
        var rand = TestRandom(8)
        for (name, layers, shape) in chains() {
            let n = 21
            let x = rand.tensor([n] + shape, in: 0...1)
            let labels = (0..<n).map { ($0 * 3 + 1) % 10 }
            var method = CROWNMethod(intermediate: .ibp)
            method.lanes = false
            let whole = try method.bounds(layers, box: InputBox(around: x, epsilon: 0.05),
                                          specification: .elided(labels: labels, classes: 10), upperOnly: true)
            let order = Array((0..<n).reversed()), size = x.sampleSize
            let flipped = Tensor(shape: x.shape, data: order.flatMap { x.data[$0 * size..<($0 + 1) * size] })
            let reversed = try method.bounds(layers, box: InputBox(around: flipped, epsilon: 0.05),
                                             specification: .elided(labels: order.map { labels[$0] }, classes: 10),
                                             upperOnly: true)
            let k = whole.specification!.upper.sampleSize
            for s in [0, 5, 16, 20] {
                let alone = try method.bounds(layers, box: InputBox(around: x.rows(s..<s + 1), epsilon: 0.05),
                                              specification: .elided(labels: [labels[s]], classes: 10),
                                              upperOnly: true)
                let want = alone.specification!.upper.data.map(\.bitPattern)
                XCTAssertEqual(Array(whole.specification!.upper.data[s * k..<(s + 1) * k]).map(\.bitPattern), want,
                               "\(name) sample \(s) in the batch")
                let r = n - 1 - s
                XCTAssertEqual(Array(reversed.specification!.upper.data[r * k..<(r + 1) * k]).map(\.bitPattern), want,
                               "\(name) sample \(s) at \(r)")
            }
        }
    }

    /// Every bound of `got` within 1e-5 of `want`'s magnitude (+1); returns whether any differs in its bits.
    private func assertClose(_ got: Interval, _ want: Interval, _ label: String) -> Bool {
        let values = (want.upper.data + want.lower.data).filter(\.isFinite)
        let scale = (values.map(abs).max() ?? 0) + 1
        var differ = false
        for (a, b) in zip(got.lower.data + got.upper.data, want.lower.data + want.upper.data) {
            XCTAssert(a == b || abs(a - b) <= 1e-5 * scale, "\(label): \(a) against \(b)")
            if a.bitPattern != b.bitPattern { differ = true }
        }
        return differ
    }
}
