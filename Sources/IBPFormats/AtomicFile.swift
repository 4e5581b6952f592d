import Foundation

/// Writes files so that readers only ever see the old file or the complete new one:
/// the bytes go to a temporary file in the same folder, which is then renamed over the target.
public enum AtomicFile {
    /// Errors that name the file and what went wrong, for one-line messages at the front ends.
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temp in
            guard FileManager.default.createFile(atPath: temp.path, contents: data) else {
                throw WriteError(path: url.path, reason: "cannot write (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Calls `body` with a temporary path beside `url`; when it returns, renames the result onto `url`.
    /// If `body` throws, the temporary file is removed and nothing at `url` changes.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) does not exist")
        }
        guard access(dir.path, W_OK) == 0 else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) is not writable")
        }
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try body(temp)
            // fsync before rename so a crash cannot leave a renamed but empty file.
            let fd = open(temp.path, O_RDONLY)
            if fd >= 0 { fsync(fd); close(fd) }
            guard rename(temp.path, url.path) == 0 else {
                throw WriteError(path: url.path, reason: "cannot rename into place (\(String(cString: strerror(errno))))")
            }
        } catch {
            unlink(temp.path)
            throw error
        }
    }
}
