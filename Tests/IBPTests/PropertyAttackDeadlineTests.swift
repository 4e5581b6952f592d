import Foundation
import XCTest
@testable import IBP

/// The attack's time limit holds within a step: restarts go through the network `PropertyAttack.restartsPerPass` at
/// a time, with the limit checked between passes (the new-user trial: 1,024 restarts through a large convolutional
/// net were one pass, 2.9 s past a 1 s limit).
final class PropertyAttackDeadlineTests: XCTestCase {
    func testManyRestartsStopSoonAfterTheDeadline() {
        let net = Network(Architecture.named("medium")!)
        let restarts = 16 * PropertyAttack.restartsPerPass
        let lower = Tensor(zeros: [1, 1, 28, 28])
        let upper = Tensor(shape: [1, 1, 28, 28], data: [Float](repeating: 1, count: 784))
        let spec = Specification.elided(labels: [3], classes: 10)
        // What one pass of every restart costs here (after a warm-up): the step the limit could not stop before.
        let x = Tensor(shape: [restarts, 1, 28, 28], data: (0..<(restarts * 784)).map { Float($0 % 97) / 97 })
        _ = PropertyAttack.marginAndGradient(net, x: x.rows(0..<PropertyAttack.restartsPerPass), specification: spec)
        var started = Date()
        _ = PropertyAttack.marginAndGradient(net, x: x, specification: spec)
        let wholePass = Date().timeIntervalSince(started)
        let limit = 0.02
        started = Date()
        let outcome = PropertyAttack(restarts: restarts, steps: 1000).run(
            net, lower: lower, upper: upper, specification: spec, deadline: started.addingTimeInterval(limit)) { _ in false }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertFalse(outcome.accepted)
        // A pass of 32 restarts is a sixteenth of the whole one; without the passes the first step alone takes all of it.
        XCTAssertLessThan(elapsed, limit + wholePass / 4, "whole pass \(wholePass) s")
    }
}
