extension Tensor {
    /// For a batch (n, ...): clears `finite[s]` when sample s holds a NaN or an infinity; samples already false are
    /// not read. `finite.count` must be n.
    ///
    /// Why integer bits: a float is non-finite exactly when its 8 exponent bits are all ones, and
    /// ((bits & 0x7f800000) + 0x00800000) has bit 31 set exactly then. OR-ing that over a sample is branch-free
    /// integer work the compiler vectorises, where `isFinite` with an early exit was 15% of a `curves` run (it is
    /// called on every stage of every bound method).
    public func markNonFiniteSamples(in finite: inout [Bool]) {
        precondition(finite.count == batch, "one flag per sample")
        let size = sampleSize
        guard size > 0 else { return }
        data.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: UInt32.self) { bits in
                finite.withUnsafeMutableBufferPointer { flags in
                    // Samples on all cores, each sample's flag written by one of them.
                    Parallel.chunks(batch, minChunk: max(1, (1 << 15) / size)) { samples in
                        for s in samples where flags[s] {
                            var acc: UInt32 = 0
                            for i in (s * size)..<((s + 1) * size) { acc |= (bits[i] & 0x7f80_0000) &+ 0x0080_0000 }
                            if acc & 0x8000_0000 != 0 { flags[s] = false }
                        }
                    }
                }
            }
        }
    }
}
