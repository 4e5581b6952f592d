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
            // Plain POSIX calls rather than FileManager.createFile, which on Linux writes through a
            // temporary file of its own that a killed process would leave behind under another name.
            let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o666)
            guard fd >= 0 else { throw WriteError(path: url.path, reason: "cannot write (\(lastError))") }
            defer { close(fd) }
            try data.withUnsafeBytes { buffer in
                var done = 0
                while done < buffer.count {
                    let n = Foundation.write(fd, buffer.baseAddress! + done, buffer.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw WriteError(path: url.path, reason: "cannot write (\(lastError))") }
                    done += n
                }
            }
        }
    }

    /// Calls `body` with a temporary path beside `url`; when it returns, renames the result onto `url`.
    /// If `body` throws, the temporary file is removed and nothing at `url` changes.
    ///
    /// `url` may name a regular file (replaced), nothing (created) or a symbolic link, which stays: the file it names
    /// is written (renaming over the link would replace it by a copy and leave its target as it was). Anything else
    /// that exists there is refused (`WriteError`): a folder, and above all a device, FIFO or socket, which a
    /// rename would replace by a regular file (`--per-sample /dev/null` as root replaced /dev/null).
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let url = try destination(url)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) does not exist")
        }
        guard access(dir.path, W_OK) == 0 else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) is not writable")
        }
        removeStaleTemporaries(of: url)
        let temp = dir.appendingPathComponent("\(temporaryPrefix(of: url))\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        // Tracked so that Ctrl-C or SIGTERM during the write removes it (`TemporaryFiles`).
        let slot = TemporaryFiles.register(temp.path)
        defer { TemporaryFiles.unregister(slot) }
        do {
            try body(temp)
            // fsync before rename so a crash cannot leave a renamed but empty file.
            try sync(temp.path, naming: url.path)
            guard rename(temp.path, url.path) == 0 else {
                throw WriteError(path: url.path, reason: "cannot rename into place (\(lastError))")
            }
        } catch {
            unlink(temp.path)
            throw error
        }
        // The folder's entry for the new name lasts over a power loss only once the folder is synced too.
        try? sync(dir.path, naming: url.path)
    }

    /// The file a write to `url` replaces or creates: `url` itself, or at the end of its symbolic links (up to 32,
    /// relative targets taken from the link's folder).
    /// - Throws: `WriteError` when what is there is not a regular file, or the links loop.
    public static func destination(_ url: URL) throws -> URL {
        var current = url
        for _ in 0..<32 {
            var info = stat()
            guard lstat(current.path, &info) == 0 else { return current }  // nothing there: created
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                return current
            case S_IFLNK:
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: current.path) else {
                    throw WriteError(path: url.path, reason: "cannot read the symbolic link \(current.path)")
                }
                current = target.hasPrefix("/") ? URL(fileURLWithPath: target)
                    : current.deletingLastPathComponent().appendingPathComponent(target)
            case S_IFDIR:
                throw WriteError(path: url.path, reason: "is a folder, not a file name")
            default:
                throw WriteError(path: url.path, reason: "\(current.path == url.path ? "is" : "leads to \(current.path),") "
                                 + "\(kind(info.st_mode)), not a regular file; give a file name")
            }
        }
        throw WriteError(path: url.path, reason: "has more than 32 symbolic links in a row (a loop?)")
    }

    /// "a device", "a FIFO" or "a socket", for messages.
    public static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a folder"
        default: return "not a regular file"
        }
    }

    /// Temporary files of `url` are `.NAME.PID.RANDOM.tmp`.
    static func temporaryPrefix(of url: URL) -> String { ".\(url.lastPathComponent)." }

    /// Removes temporary files of `url` left by processes that no longer run (killed in the middle of a
    /// write, which SIGKILL allows), so that repeatedly killed runs do not fill their folder.
    static func removeStaleTemporaries(of url: URL) {
        let dir = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let fields = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard fields.count == 2, let pid = pid_t(fields[0]), UInt32(fields[1]) != nil, pid != getpid() else { continue }
            // kill with signal 0 only asks whether the process exists.
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir.appendingPathComponent(name).path) }
        }
    }

    private static func sync(_ path: String, naming target: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WriteError(path: target, reason: "cannot open the written file to sync it (\(lastError))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw WriteError(path: target, reason: "cannot sync (\(lastError))") }
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}
