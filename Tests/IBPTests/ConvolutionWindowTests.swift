import Foundation
import XCTest
@testable import IBP
import IBPFormats

/// CROWN's windowed passes for convolution neurons (`ConvolutionWindows`) against the straightforward dense rows
/// (`CROWNMethod.windows` off): the same bounds at every stage and for the specification, up to the order of the
/// sums, on VALID and SAME (padded) chains, strided and asymmetric kernels, a convolution right after another
/// (padding masked before an affine step), ReLU, sigmoid and tanh; the windows on lanes (where no window reaches
/// padding) and on rows.
final class ConvolutionWindowTests: XCTestCase {
    private func network(_ name: String, seed: UInt64, side: Int) -> (Network, TestRandom) {
        var rand = TestRandom(seed)
        return (rand.network(name, side: side), rand)
    }

    /// A chain with a padded convolution feeding a padded, strided, asymmetric one directly, then tanh, a VALID
    /// convolution, ReLU and a dense head, on [1, 10, 10].
    private func paddedChain(_ rand: inout TestRandom) -> ChainModel {
        let ops: [ChainOp] = [
            rand.conv(1, 3, kernel: (3, 3), pads: Padding2D(top: 1, left: 1, bottom: 1, right: 1)),
            rand.conv(3, 4, kernel: (3, 2), strides: (2, 1), pads: Padding2D(top: 1, left: 0, bottom: 1, right: 1)),
            .tanh, rand.conv(4, 2, kernel: (2, 2)), .relu, .reshape([72]), rand.dense(72, 10),
        ]
        return rand.chainModel("padded", inputShape: [1, 10, 10], ops)
    }

    /// Windowed and dense CROWN agree within 1e-5 of each stage's magnitude; every chain has at least one layer
    /// the windows take (so the comparison cannot pass by falling back to the dense rows everywhere).
    func testWindowedNeuronBoundsEqualDenseRows() throws {
        var chains: [(String, [Layer], [Int])] = []
        for (i, (name, side)) in [("small", 16), ("medium", 16), ("large", 8), ("vissmall", 16)].enumerated() {
            let (net, _) = network(name, seed: UInt64(40 + i), side: side)
            chains.append((name, net.layers, [1, 1, side, side]))
        }
        var rand = TestRandom(77)
        chains.append(("padded", paddedChain(&rand).layers, [1, 1, 10, 10]))
        for (name, layers, shape) in chains {
            let windowed = layers.indices.filter { ConvolutionWindows(layers, index: $0) != nil }
            XCTAssertFalse(windowed.isEmpty, "\(name): no layer uses the windows")
            let x = rand.tensor([2] + shape.dropFirst(), in: 0...1)
            let box = InputBox(around: x, epsilon: 0.05)
            let spec = Specification.elided(labels: [3, 7], classes: 10)
            var dense = CROWNMethod(intermediate: .crown)
            dense.windows = false
            // A small row budget as well, so blocks of windows end inside a sample.
            var small = CROWNMethod(intermediate: .crown)
            small.rowBudget = 5000
            // The windows on rows where the default takes them on lanes (`laneBounds`).
            var rows = CROWNMethod(intermediate: .crown)
            rows.windowLanes = false
            let onLanes = windowed.filter { ConvolutionWindows(layers, index: $0)!.lanesPay }
            // Lanes only where no window reaches padding: the VALID chains, not `large` (SAME) or the padded one.
            XCTAssertEqual(!onLanes.isEmpty, ["small", "medium", "vissmall"].contains(name),
                           "\(name): windows on lanes at \(onLanes)")
            let reference = try dense.bounds(layers, box: box, specification: spec, upperOnly: false)
            for method in [CROWNMethod(intermediate: .crown), small, rows] {
                let bounds = try method.bounds(layers, box: box, specification: spec, upperOnly: false)
                let pairs = zip(bounds.stages, reference.stages).map { ($0, $1) }
                    + [(bounds.specification!, reference.specification!)]
                for (stage, (got, want)) in pairs.enumerated() {
                    let scale = (want.upper.data + want.lower.data).map(abs).max()! + 1
                    for (g, w) in zip(got.lower.data + got.upper.data, want.lower.data + want.upper.data) {
                        XCTAssert(abs(g - w) <= 1e-5 * scale, "\(name) stage \(stage): \(g) against dense \(w)")
                    }
                }
                XCTAssertEqual(bounds.finite, reference.finite)
            }
        }
    }
}
