import Foundation

/// Timing of repeated work: one warm-up run, then `repeats` timed runs.
public struct Stopwatch: Sendable {
    /// What a run's duration is read from.
    public enum Clock: String, Sendable, CaseIterable {
        /// Elapsed (monotonic) time: what a user waits for.
        case wall
        /// CPU time of the whole process: steadier than `wall` on a machine shared with other jobs, and with one
        /// worker thread it is the work a single core does.
        case cpu
    }

    public var clock: Clock
    /// Timed runs per measure (after the warm-up).
    public var repeats: Int
    /// Each timed run repeats the work until it lasts about this long, so short steps are not timer noise.
    public var targetSeconds: Double

    public init(repeats: Int = 5, targetSeconds: Double = 0.4, clock: Clock = .wall) {
        self.clock = clock
        self.repeats = max(1, repeats)
        self.targetSeconds = targetSeconds
    }

    /// Seconds of one call of `body` on this stopwatch's clock.
    public func seconds(_ body: () -> Void) -> Double {
        let start = now()
        body()
        return now() - start
    }

    private func now() -> Double {
        var t = timespec()
        clock_gettime(clock == .wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Items per second of `body`, which handles `items` items per call: one rate per timed run.
    public func rates(items: Int, _ body: () -> Void) -> [Double] {
        let warm = seconds(body)
        let calls = max(1, Int((targetSeconds / max(warm, 1e-6)).rounded()))
        return (0..<repeats).map { _ in
            let t = seconds { for _ in 0..<calls { body() } }
            return Double(items * calls) / t
        }
    }

    /// Milliseconds per call of `body`: one value per timed run.
    public func milliseconds(_ body: () -> Void) -> [Double] {
        _ = seconds(body)
        return (0..<repeats).map { _ in 1000 * seconds(body) }
    }
}
