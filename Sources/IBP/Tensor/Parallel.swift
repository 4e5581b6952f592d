import Foundation

/// Splits loops over the batch across the machine's cores.
public enum Parallel {
    /// How many workers elementwise and im2col loops use; 1 makes every loop serial.
    nonisolated(unsafe) public static var workers: Int = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// Calls `body(range)` on disjoint chunks covering 0..<count, concurrently when worthwhile.
    @inline(__always)
    static func chunks(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = min(workers, max(1, count / max(minChunk, 1)))
        if parts <= 1 { body(0..<count); return }
        WorkerPool.shared.run(iterations: parts, helpers: workers - 1) { p in
            let lo = count * p / parts, hi = count * (p + 1) / parts
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Calls `body(p)` for p in 0..<parts, handing parts to free cores as they finish (in order on one core
    /// when `workers` is 1).
    @inline(__always)
    static func parts(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || workers <= 1 {
            for p in 0..<parts { body(p) }
            return
        }
        WorkerPool.shared.run(iterations: parts, helpers: workers - 1, body)
    }
}
