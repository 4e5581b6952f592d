import Synchronization

/// Scratch memory a layer keeps across calls (so the hot loop allocates nothing), handed out to parallel workers
/// as disjoint ranges.
///
/// Thread-safe: each call borrows a buffer of its own from a pool for the length of `withBuffer` and returns it
/// after. One thread at a time (a training step) reuses one buffer; callers that use the same layer from several
/// threads at once (bound methods over chunks of a batch, `CROWNMethod.chunkedVerdict`) each get another, and the
/// pool then keeps one per concurrent caller. Why: a single buffer shared by every call let two threads bounding
/// one network write each other's im2col patches (`LaneRowsTests.testBoundsFromSeveralThreadsOnOneNetwork`).
final class Workspace: Sendable {
    /// One allocation; only the thread that borrowed it touches it.
    private final class Buffer: @unchecked Sendable {
        var base: UnsafeMutablePointer<Float>?
        var capacity = 0

        func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
            if count > capacity || base == nil {
                base?.deallocate()
                capacity = max(count, 1)
                base = .allocate(capacity: capacity)
            }
            return base!
        }

        deinit { base?.deallocate() }
    }

    private let free = Mutex<[Buffer]>([])

    /// Calls `body` with at least `count` floats, uninitialised, valid until `body` returns and used by no other
    /// call meanwhile.
    func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = free.withLock { $0.popLast() } ?? Buffer()
        defer { free.withLock { $0.append(buffer) } }
        return try body(buffer.reserve(count))
    }
}
