import Dispatch
import XCTest
@testable import IBP

/// The pool behind `Parallel`: every iteration runs exactly once, the caller sees all of their writes, loops
/// started inside a loop run (serially) instead of deadlocking, and callers on several threads at once each get
/// their own loop done.
final class WorkerPoolTests: XCTestCase {
    func testEveryIterationRunsOnceAndIsVisible() {
        let pool = WorkerPool.shared
        for iterations in [2, 3, 8, 100, 1000] {
            for _ in 0..<200 {
                var hits = [Int](repeating: 0, count: iterations)
                hits.withUnsafeMutableBufferPointer { h in
                    let h = h.baseAddress!
                    pool.run(iterations: iterations, helpers: 3) { i in h[i] += 1 }
                }
                XCTAssertEqual(hits, [Int](repeating: 1, count: iterations))
            }
        }
    }

    func testNestedLoopsRunSerially() {
        var total = [Int](repeating: 0, count: 4)
        total.withUnsafeMutableBufferPointer { t in
            let t = t.baseAddress!
            WorkerPool.shared.run(iterations: 4, helpers: 1) { i in
                WorkerPool.shared.run(iterations: 10, helpers: 1) { j in t[i] += j }
            }
        }
        XCTAssertEqual(total, [45, 45, 45, 45])
    }

    func testConcurrentCallers() {
        let callers = 4, rounds = 300
        var sums = [Int](repeating: 0, count: callers)
        sums.withUnsafeMutableBufferPointer { s in
            let s = s.baseAddress!
            DispatchQueue.concurrentPerform(iterations: callers) { c in
                for _ in 0..<rounds {
                    var parts = [Int](repeating: 0, count: 16)
                    parts.withUnsafeMutableBufferPointer { p in
                        let p = p.baseAddress!
                        WorkerPool.shared.run(iterations: 16, helpers: 1) { i in p[i] = i + c }
                    }
                    s[c] += parts.reduce(0, +)
                }
            }
        }
        XCTAssertEqual(sums, (0..<callers).map { c in rounds * (120 + 16 * c) })
    }
}
