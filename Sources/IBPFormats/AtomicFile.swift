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
    /// `url` may name a regular file (replaced) or nothing (created). Anything else that exists there is refused
    /// (`WriteError`, see `destination`): a symbolic link (writing through it turned a linked checkpoint into a PNG),
    /// a folder, and above all a device, FIFO or socket, which a rename would replace by a regular file
    /// (`--per-sample /dev/null` as root replaced /dev/null). A link put there after the check is replaced by the
    /// rename itself, never written through.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        // As the OS resolves it: the temporary file and the rename in the folder `lnk/..` names (`TypedPath`).
        let url = try destination(TypedPath.url(url))
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) does not exist")
        }
        guard access(dir.path, W_OK) == 0 else {
            throw WriteError(path: url.path, reason: "folder \(dir.path) is not writable")
        }
        if let reason = nameTooLong(url) { throw WriteError(path: url.path, reason: reason) }
        removeStaleTemporaries(of: url)
        let temp = temporaryURL(of: url)
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

    /// The file a write to `url` replaces or creates: `url` itself, which must be a regular file or not exist.
    /// One rule for every output of every tool (checked before work by `validateOutputFile` and again here):
    /// a symbolic link is refused, never written through, so the file it names cannot be replaced by a file of
    /// another kind (`fig.png -> precious.ckpt`); `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` are named as streams.
    /// - Throws: `WriteError` when what is there is a link, a folder, a device, a FIFO or a socket.
    public static func destination(_ url: URL) throws -> URL {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return url }  // nothing there: created
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return url
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?"
            if let stream = streamName(url.path, target: target) {
                throw WriteError(path: url.path, reason: "is \(stream), not a file; outputs are written as files "
                                 + "(atomically), so give a file name and read that file")
            }
            throw WriteError(path: url.path, reason: "is a symbolic link (to \(target)); an output is never written "
                             + "through a link: give the file's own name or remove the link")
        case S_IFDIR:
            throw WriteError(path: url.path, reason: "is a folder, not a file name")
        default:
            throw WriteError(path: url.path, reason: "is \(kind(info.st_mode)), not a regular file; give a file name")
        }
    }

    /// "standard output" for `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1` (and a link to them), the same for
    /// standard error and input, "the open file 5" for other descriptors; nil for other paths.
    static func streamName(_ path: String, target: String) -> String? {
        let names = ["stdin": "standard input", "stdout": "standard output", "stderr": "standard error"]
        for candidate in [path, target] {
            let url = URL(fileURLWithPath: candidate)
            let folder = url.deletingLastPathComponent().path, name = url.lastPathComponent
            if folder == "/dev", let stream = names[name] { return stream }
            if folder == "/dev/fd" || folder == "/proc/self/fd" || folder.hasPrefix("/proc/") && folder.hasSuffix("/fd"),
               let fd = Int(name) {
                return fd <= 2 ? ["standard input", "standard output", "standard error"][fd] : "the open file \(fd)"
            }
        }
        return nil
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

    /// Bytes a temporary name adds after its prefix: `PID.RANDOM.tmp`, each number at most 10 digits.
    static let temporarySuffixBytes = 10 + 1 + 10 + 4

    /// The longest file name `folder` takes (NAME_MAX, 255 on Linux file systems).
    public static func nameLimit(in folder: URL) -> Int {
        let limit = pathconf(folder.path, Int32(_PC_NAME_MAX))
        return limit > 0 ? limit : 255
    }

    /// Why the folder cannot hold a file of `url`'s name (longer than `nameLimit`), or nil when it can.
    public static func nameTooLong(_ url: URL) -> String? {
        let bytes = url.lastPathComponent.utf8.count, limit = nameLimit(in: url.deletingLastPathComponent())
        guard bytes > limit else { return nil }
        return "the file name is \(bytes) bytes, longer than the folder's limit of \(limit); give a shorter name"
    }

    /// Temporary files of `url` are `.NAME.PID.RANDOM.tmp`. A NAME so long that this would exceed the folder's
    /// name limit (a legal 250-byte output name) is cut at a character boundary and tagged with a hash of the whole
    /// name, `.NAMEPREFIX~1a2b3c4d.PID.RANDOM.tmp`, so the temporary name always fits and stays the same for one
    /// output (stale ones of it are found again).
    static func temporaryPrefix(of url: URL) -> String {
        let name = url.lastPathComponent
        let room = nameLimit(in: url.deletingLastPathComponent()) - temporarySuffixBytes - 2  // the two dots
        guard name.utf8.count > room else { return ".\(name)." }
        // FNV-1a, 32 bits: only needs to tell long names with one prefix apart, not to resist anyone.
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let tag = "~" + String(format: "%08x", hash)
        var cut = ""
        for scalar in name.unicodeScalars {
            guard cut.utf8.count + String(scalar).utf8.count + tag.utf8.count <= room else { break }
            cut.unicodeScalars.append(scalar)
        }
        return ".\(cut)\(tag)."
    }

    /// A fresh temporary path for a write of `url`: `.NAME.PID.RANDOM.tmp` beside it (`temporaryPrefix`), never longer
    /// than the folder's name limit. `validateOutputFile` creates and removes exactly such a name before any work.
    public static func temporaryURL(of url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent("\(temporaryPrefix(of: url))\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    }

    /// Removes temporary files of `url` left by processes that no longer run (killed in the middle of a
    /// write, which SIGKILL allows), so that repeatedly killed runs do not fill their folder.
    static func removeStaleTemporaries(of url: URL) {
        let dir = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let fields = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard fields.count == 2, let pid = pid_t(fields[0]), UInt32(fields[1]) != nil, pid != getpid() else { continue }
            if processEnded(pid) { unlink(dir.appendingPathComponent(name).path) }
        }
    }

    /// Whether process `pid` no longer runs: gone (kill with signal 0 only asks whether it exists), or a zombie,
    /// which will never finish a write (a killed run not yet reaped by its parent kept its temporary file alive).
    static func processEnded(_ pid: pid_t) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        #if os(Linux)
        // /proc/PID/stat: "PID (COMM) STATE ...", COMM may hold spaces and parentheses, so read after the last ')'.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first == "Z"
        #else
        return false
        #endif
    }

    private static func sync(_ path: String, naming target: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw WriteError(path: target, reason: "cannot open the written file to sync it (\(lastError))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw WriteError(path: target, reason: "cannot sync (\(lastError))") }
    }

    private static var lastError: String { String(cString: strerror(errno)) }
}
