/// Scratch memory a layer keeps across calls (so the hot loop allocates nothing), handed out to parallel workers
/// as disjoint ranges. Not thread-safe itself: one layer runs one forward or backward at a time.
final class Workspace {
    private var base: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// At least `count` floats, uninitialised, valid until the next `reserve`.
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
