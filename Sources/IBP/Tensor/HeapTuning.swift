/// glibc's malloc serves blocks over its (dynamic) mmap threshold with fresh pages and hands freed heap tops
/// back to the kernel, so every step's activation tensors (megabytes each) page-faulted and were zeroed by the
/// kernel again. Fixing the thresholds keeps freed blocks in the heap for the next step.
enum HeapTuning {
    /// Applied once, on first use (from `Tensor(zeros:)`): blocks up to 32 MiB (glibc's largest mmap threshold)
    /// come from the heap, and up to 1 GiB of free heap is kept rather than trimmed.
    static let applied: Void = {
        #if os(Linux)
        _ = mallopt(mTrimThreshold, 1 << 30)
        _ = mallopt(mMmapThreshold, 32 << 20)
        #endif
    }()
}

#if os(Linux)
// <malloc.h> is not part of Swift's Glibc module; these are its M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
private let mTrimThreshold: Int32 = -1
private let mMmapThreshold: Int32 = -3
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
