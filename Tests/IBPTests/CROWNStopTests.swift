import XCTest
@testable import IBP

/// CROWN's stop condition (`CROWNMethod.stop`, what `verify --timeout` and Ctrl-C set): checked inside a layer's
/// passes, not only between layers, so a time limit ends a pass over a wide layer within one row block; a method
/// that stops throws `BoundMethodError.stopped` rather than returning partial bounds.
final class CROWNStopTests: XCTestCase {
    /// A counter shared with the stop closure (the windows' blocks call it from worker threads).
    private final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
        var total: Int { lock.lock(); defer { lock.unlock() }; return count }
    }

    func testCROWNChecksItsStopInsideLayersAndThrowsWhenItHolds() throws {
        var rand = TestRandom(3)
        let layers = rand.network("medium-bn", side: 16).layers
        let box = InputBox(around: rand.tensor([4, 1, 16, 16], in: 0...1), epsilon: 0.02)
        let spec = Specification.elided(labels: [1, 2, 3, 4], classes: 10)
        for intermediate in [CROWNMethod.Intermediate.crown, .ibp] {
            var plain = CROWNMethod(intermediate: intermediate)
            plain.rowBudget = 20_000
            let want = try plain.bounds(layers, box: box, specification: spec)
            let calls = Calls()
            var counted = plain
            counted.stop = { _ = calls.next(); return false }
            let got = try counted.bounds(layers, box: box, specification: spec)
            XCTAssertEqual(got.specification!.upper.data, want.specification!.upper.data)
            // CROWN: more checks than layers (the blocks of each layer's passes check too).
            let total = calls.total
            if intermediate == .crown { XCTAssertGreaterThan(total, 2 * layers.count) }
            for cut in [1, total / 2, total] {
                let after = Calls()
                var stopping = plain
                stopping.stop = { after.next() >= cut }
                XCTAssertThrowsError(try stopping.bounds(layers, box: box, specification: spec)) { error in
                    XCTAssertEqual(error as? BoundMethodError, .stopped(method: plain.name.rawValue))
                }
            }
        }
    }
}
