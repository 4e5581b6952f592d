import Foundation

/// A file in memory-backed /dev/shm (else the temporary folder) that each fuzz input is written to,
/// for the readers that only take a URL. One per process, so parallel fuzz jobs do not collide.
public struct ScratchFile {
    public let url: URL

    /// `name` ends the file name, so readers that look at the extension (`.npz`, `.gz`) see it.
    public init(name: String) {
        let shm = "/dev/shm"
        let folder = FileManager.default.isWritableFile(atPath: shm) ? shm : NSTemporaryDirectory()
        url = URL(fileURLWithPath: folder).appendingPathComponent("ibp-fuzz-\(getpid())-\(name)")
    }

    /// Replaces the file's contents with `bytes` (a plain write: atomicity is not what is being tested).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot open \(url.path)")
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            precondition(n > 0, "cannot write \(url.path)")
            done += n
        }
        close(fd)
    }
}
