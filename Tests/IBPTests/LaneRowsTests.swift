import Foundation
import XCTest
@testable import IBP
import IBPFormats

/// CROWN's backward passes on lanes (`LaneRows`: a sample's rows as SIMD lanes, dead neurons skipped) against the
/// straightforward dense rows through the layers' GEMM kernels (`CROWNMethod.lanes` and `transposedRows` off): the
/// same bounds at every stage and for the specification up to the order of the sums, for CROWN and CROWN-IBP, with and without
/// `upperOnly`, on VALID and SAME chains, padded/strided/asymmetric convolutions, ReLU (with many stably inactive
/// neurons, the skipped case), sigmoid and tanh.
final class LaneRowsTests: XCTestCase {
    private func network(_ name: String, seed: UInt64, side: Int, biasShift: Float) -> Network {
        var rand = TestRandom(seed)
        return rand.network(name, side: side, biasShift: biasShift)
    }

    private func chains() -> [(String, [Layer], [Int])] {
        var rand = TestRandom(78)
        return rand.crownChains()
    }

    /// Every stage's and the specification's bounds of `got` within 1e-5 of `want`'s magnitude (+1), and the same
    /// `finite`; returns whether any bound differs in its bits.
    @discardableResult
    private func assertClose(_ got: ChainBounds, _ want: ChainBounds, _ label: String) -> Bool {
        let pairs = zip(got.stages, want.stages).map { ($0, $1) } + [(got.specification!, want.specification!)]
        var differ = false
        for (stage, (g, w)) in pairs.enumerated() {
            let values = (w.upper.data + w.lower.data).filter(\.isFinite)
            let scale = (values.map(abs).max() ?? 0) + 1
            for (a, b) in zip(g.lower.data + g.upper.data, w.lower.data + w.upper.data) {
                XCTAssert(a == b || abs(a - b) <= 1e-5 * scale, "\(label) stage \(stage): \(a) against \(b)")
                if a.bitPattern != b.bitPattern { differ = true }
            }
        }
        XCTAssertEqual(got.finite, want.finite, label)
        return differ
    }

    /// Lanes and dense rows agree within 1e-5 of each stage's magnitude, stage by stage, specification included;
    /// every chain's specification pass runs on the lanes (so the comparison cannot pass by falling back).
    func testLanesEqualDenseRows() throws {
        var rand = TestRandom(5)
        for (name, layers, shape) in chains() {
            XCTAssertNotNil(LaneRows(layers, top: layers.count - 2), "\(name): the lanes do not take the chain")
            let x = rand.tensor([2] + shape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.05)
            let spec = Specification.elided(labels: [3, 7], classes: 10)
            for intermediate in [CROWNMethod.Intermediate.crown, .ibp] {
                for upperOnly in [false, true] {
                    var dense = CROWNMethod(intermediate: intermediate)
                    dense.lanes = false
                    dense.transposedRows = false
                    let reference = try dense.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                    // Lanes whatever the share of dead neurons; a small row budget as well, so row blocks end
                    // inside a sample.
                    var always = CROWNMethod(intermediate: intermediate)
                    always.minimumDeadShare = 0
                    var small = always
                    small.rowBudget = 3000
                    // The lanes' convolutions by GEMM wherever unpadded, and never (the scatter).
                    var scatter = always
                    scatter.laneConvolutionsByGEMM = false
                    for (method, gemmShare) in [(always, 0.0), (small, 0.5), (scatter, 0.5), (CROWNMethod(intermediate: intermediate), 0.5)] {
                        LaneRows.gemmLiveShare = gemmShare
                        defer { LaneRows.gemmLiveShare = 0.5 }
                        let bounds = try method.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                        XCTAssertEqual(bounds.stages.count, reference.stages.count)
                        assertClose(bounds, reference, "\(name) \(intermediate) upperOnly \(upperOnly)")
                    }
                }
            }
        }
    }

    /// The dense rows' relaxation steps that also add the bias term of the affine layer below
    /// (`Relaxations.fuseBias`) give the bounds of a separate `addBias` pass within 1e-5 of each stage's magnitude
    /// (the same terms, summed per neuron instead of per row), for CROWN and CROWN-IBP, with and without
    /// `upperOnly`; and the fused intercepts are b + a beta neuron by neuron.
    func testFusedBiasesEqualSeparateBiasPass() throws {
        var rand = TestRandom(15)
        for (name, layers, shape) in chains() {
            let x = rand.tensor([3] + shape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.05)
            let spec = Specification.elided(labels: [3, 7, 1], classes: 10)
            for intermediate in [CROWNMethod.Intermediate.crown, .ibp] {
                for upperOnly in [false, true] {
                    var separate = CROWNMethod(intermediate: intermediate)
                    separate.lanes = false
                    separate.fuseBiases = false
                    var fused = separate
                    fused.fuseBiases = true
                    let want = try separate.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                    let got = try fused.bounds(layers, box: box, specification: spec, upperOnly: upperOnly)
                    let differ = assertClose(got, want, "\(name) \(intermediate) upperOnly \(upperOnly) fused")
                    // The fused path ran: its sums are in another order, so some bound moved in its last bits.
                    if name.hasPrefix("small0") && !upperOnly { XCTAssertTrue(differ, "\(name): fused bounds are the separate pass's bits") }
                }
            }
        }
        let lines = Relaxations(lowerSlope: [0, 1, 0.5, 0.25], lowerIntercept: [0, 0, -1, 2],
                                upperSlope: [0, 1, 0.75, 0.5], upperIntercept: [0, 0, 1, 3], size: 2)
        var withBias = lines
        withBias.fuseBias([10, -4])
        XCTAssertEqual(withBias.fusedIntercepts?.upper, [0, -4, 8.5, 1])
        XCTAssertEqual(withBias.fusedIntercepts?.lower, [0, -4, 4, 1])
        XCTAssertEqual(lines.deadCount, 1)
    }

    /// A verdict over a batch larger than `verdictChunk` is bounded chunk by chunk (`CROWNMethod.chunkedVerdict`):
    /// on dense rows every sample's specification bounds and `finite` are the same bits as the whole batch's (7
    /// samples in chunks of one), on lanes the same within 1e-5 (the lanes' choice is made per chunk); the
    /// stages are the input box alone, and a call that asks for lower bounds too is not chunked.
    func testChunkedVerdictEqualsWholeBatch() throws {
        var rand = TestRandom(9)
        for (name, layers, shape) in chains() {
            let x = rand.tensor([7] + shape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.05)
            let spec = Specification.elided(labels: [3, 7, 0, 9, 1, 1, 5], classes: 10)
            for intermediate in [CROWNMethod.Intermediate.crown, .ibp] {
                for lanes in [false, true] {
                    var whole = CROWNMethod(intermediate: intermediate)
                    whole.lanes = lanes
                    var chunked = whole
                    chunked.verdictChunk = 3
                    chunked.verdictGroup = 1
                    let want = try whole.bounds(layers, box: box, specification: spec, upperOnly: true)
                    let got = try chunked.bounds(layers, box: box, specification: spec, upperOnly: true)
                    XCTAssertEqual(got.stages.count, 1, "\(name)")
                    XCTAssertEqual(got.stages[0].lower.data, box.lower.data)
                    XCTAssertEqual(got.finite, want.finite, "\(name)")
                    let values = want.specification!.upper.data.filter(\.isFinite)
                    let scale = (values.map(abs).max() ?? 0) + 1
                    for (g, w) in zip(got.specification!.upper.data, want.specification!.upper.data) {
                        XCTAssert(lanes ? g == w || abs(g - w) <= 1e-5 * scale : g.bitPattern == w.bitPattern,
                                  "\(name) \(intermediate) lanes \(lanes): \(g) chunked against \(w) whole")
                    }
                    let both = try chunked.bounds(layers, box: box, specification: spec, upperOnly: false)
                    XCTAssertEqual(both.stages.count, layers.count + 1, "\(name): lower bounds asked, not chunked")
                }
            }
        }
    }

    /// Bound methods only read the network: several threads bounding the same fresh network at once (as
    /// `chunkedVerdict`'s chunks do, one per core) get the bits of one thread alone. (A layer that formed |W| in a
    /// buffer of its own on every `applyAbsolute` let one thread read another's half-written |W|: IBP radii of 0,
    /// and CROWN-IBP bounds of `small` 2% too tight.)
    func testBoundsFromSeveralThreadsOnOneNetwork() throws {
        var rand = TestRandom(19)
        let reference = chains(), shared = chains()
        for ((name, layers, shape), (_, fresh, _)) in zip(reference, shared) {
            let x = rand.tensor([4] + shape, in: 0...1)
            let box = InputBox(around: x, epsilon: 0.05)
            let spec = Specification.elided(labels: [3, 7, 0, 9], classes: 10)
            let methods: [any BoundMethod] = [IntervalMethod(), CROWNMethod(intermediate: .ibp),
                                              CROWNMethod(intermediate: .crown)]
            let want = try methods.map { try $0.bounds(layers, box: box, specification: spec, upperOnly: true) }
            let threads = 4
            let got = UnsafeMutableBufferPointer<[ChainBounds]?>.allocate(capacity: threads)
            got.initialize(repeating: nil)
            defer { got.deallocate() }
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                got[t] = try? methods.map { try $0.bounds(fresh, box: box, specification: spec, upperOnly: true) }
            }
            for t in 0..<threads {
                guard let bounds = got[t] else { XCTFail("\(name) thread \(t) threw"); continue }
                for (m, (g, w)) in zip(bounds, want).enumerated() {
                    XCTAssertEqual(g.specification!.upper.data.map(\.bitPattern), w.specification!.upper.data.map(\.bitPattern),
                                   "\(name) method \(m) thread \(t)")
                }
            }
        }
    }

    /// The shortcut's premise holds where it is taken: on the biased `small`, a sizeable share of the ReLU neurons
    /// is dead (all four lines zero), so `testLanesEqualDenseRows` exercises the skipped neurons.
    func testDeadNeuronsAreExercised() throws {
        let layers = network("small", seed: 62, side: 12, biasShift: -0.3).layers
        var rand = TestRandom(6)
        let box = InputBox(around: rand.tensor([3, 1, 12, 12], in: 0...1), epsilon: 0.05)
        let stages = IntervalMethod().propagate(layers, box: box, specification: nil)
        var dead = 0, total = 0
        for (t, layer) in layers.enumerated() {
            guard case let .monotone(f) = layer.primitive else { continue }
            let r = Relaxations(f, Interval(stages.stages[t]))
            for s in 0..<3 { r.withLines(sample: s) { lines in for j in 0..<r.size where lines.isDead(j) { dead += 1 } } }
            total += r.lowerSlope.count
        }
        XCTAssertGreaterThan(Double(dead), 0.2 * Double(total), "\(dead) of \(total) neurons dead")
        XCTAssertLessThan(dead, total)
        // `deadShare` counts the same neurons (the lanes' switch).
        var relaxations = [Int: Relaxations]()
        for (t, layer) in layers.enumerated() {
            if case let .monotone(f) = layer.primitive { relaxations[t] = Relaxations(f, Interval(stages.stages[t])) }
        }
        XCTAssertEqual(LaneRows.deadShare(layers, top: layers.count - 1, relaxations: relaxations),
                       Double(dead) / Double(total), accuracy: 1e-12)
    }

    /// A chain with an affine map other than `Linear` and `Conv2D` (average pooling, elementwise affine) keeps the
    /// dense rows.
    func testOtherAffineMapsKeepDenseRows() {
        var rand = TestRandom(9)
        for chain in rand.importedChains() where !chain.hasMaxPool {
            XCTAssertNil(LaneRows(chain.layers, top: chain.layers.count - 2), chain.modelName)
        }
    }
}
