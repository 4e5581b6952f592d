import Foundation

/// The temporary files `AtomicFile` is writing at this moment, removed by a SIGINT or SIGTERM handler so that an
/// interrupted tool (Ctrl-C during `visualize --samples 0-60`) never leaves a hidden `.NAME.PID.RANDOM.tmp`
/// behind. The handler then restores the default action and raises the signal again, so the process ends as it
/// would have (status 130 for Ctrl-C in a shell). A process that handles the signal itself (`train`'s
/// `Interrupt`) keeps its handler and calls `removeAll()` where it ends the process.
///
/// Why fixed buffers: a signal handler may only call async-signal-safe functions (`unlink`, `signal`, `raise`),
/// so it cannot take a lock or touch Swift strings; it walks these slots, reading only paths whose slot is
/// marked in use after the bytes were written.
public enum TemporaryFiles {
    /// Files written at once (one per worker thread is plenty); a write beyond them is not tracked, only left
    /// to `AtomicFile`'s removal of stale temporaries on the next run.
    static let slots = 256
    /// Bytes per path (Linux's PATH_MAX).
    static let pathBytes = 4096

    nonisolated(unsafe) private static let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * pathBytes)
    nonisolated(unsafe) private static let inUse: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: slots)
        p.initialize(repeating: 0, count: slots)
        return p
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Tracks `path` until `unregister(_:)`; returns its slot (nil when all are taken or the path is too long).
    static func register(_ path: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        installHandlers()
        let bytes = Array(path.utf8CString)
        guard bytes.count <= pathBytes, let slot = (0..<slots).first(where: { inUse[$0] == 0 }) else { return nil }
        bytes.withUnsafeBufferPointer { (paths + slot * pathBytes).update(from: $0.baseAddress!, count: bytes.count) }
        // The bytes are in place before the slot says so: the handler never reads a half-written path.
        atomicFence()
        inUse[slot] = 1
        return slot
    }

    /// Stops tracking the file of `slot` (renamed into place or removed).
    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.lock()
        inUse[slot] = 0
        lock.unlock()
    }

    /// Removes every tracked temporary file; async-signal-safe (only `unlink`).
    public static func removeAll() {
        for slot in 0..<slots where inUse[slot] != 0 { unlink(paths + slot * pathBytes) }
    }

    /// The line the handler writes for SIGINT and for SIGTERM (NUL-terminated, made before the handler can run);
    /// nil until `installInterruptMessages`.
    nonisolated(unsafe) private static var interruptLine: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var terminateLine: UnsafeMutablePointer<CChar>?

    /// Installs the handlers now (not at the first write) with a one-line message naming `tool`, so that every
    /// tool's Ctrl-C says what happened (`visualize: interrupted (Ctrl-C); ...`) instead of ending in silence.
    public static func installInterruptMessages(tool: String) {
        func line(_ what: String) -> UnsafeMutablePointer<CChar> {
            // On a terminal the progress bar's line is open (it ends in \r, not \n): start a line of our own.
            let start = isatty(2) == 1 ? "\n" : ""
            let text = Array("\(start)\(tool): \(what); finished files are complete, no partial file is left\n".utf8CString)
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: text.count)
            buffer.initialize(from: text, count: text.count)
            return buffer
        }
        lock.lock()
        defer { lock.unlock() }
        interruptLine = line("interrupted (Ctrl-C)")
        terminateLine = line("terminated (SIGTERM)")
        installHandlers()
    }

    /// Writes the SIGINT line of `installInterruptMessages` to standard error, if made; async-signal-safe, for a
    /// handler that ends the process itself (`train`'s second Ctrl-C).
    public static func writeInterruptLine() {
        writeSignalLine(SIGINT)
    }

    /// Writes the line of `installInterruptMessages` for `signal` (SIGINT's or SIGTERM's) to standard error, if
    /// made; async-signal-safe, for a handler that ends the process itself (a second Ctrl-C or SIGTERM).
    public static func writeSignalLine(_ signal: Int32) {
        if let line = signal == SIGTERM ? terminateLine : interruptLine { _ = write(2, line, strlen(line)) }
    }

    /// Installs the SIGINT and SIGTERM handler, for each signal whose action is still the default (an ignored
    /// signal stays ignored, another handler stays in place).
    private static func installHandlers() {
        guard !installed else { return }
        installed = true
        for sig in [SIGINT, SIGTERM] {
            var current = sigaction()
            guard sigaction(sig, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil else { continue }
            signal(sig) { received in
                TemporaryFiles.removeAll()
                // write(2) and strlen are async-signal-safe; the line was made before the handler was installed.
                if let line = received == SIGINT ? TemporaryFiles.interruptLine : TemporaryFiles.terminateLine {
                    _ = write(2, line, strlen(line))
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// A full barrier (a lock round trip) so the path's bytes are visible before the slot's flag.
    private static func atomicFence() {
        let fence = NSLock()
        fence.lock()
        fence.unlock()
    }
}
