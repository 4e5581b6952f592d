import Foundation
import IBPFormats

/// The three standard streams of a tool, checked the same way in every tool (`mainWithOneLineErrors`):
/// - before any work, a closed standard output is refused in one line (exit 1): the tool's answer would be lost,
///   and the first file the tool opens would get descriptor 1 and receive the printed text. A closed standard
///   input or error is given /dev/null, so no file of the run can take its number either.
/// - at the end, standard output is flushed and its error flag read: a full disk (`> /dev/full`), a closed pipe
///   reader or a closed descriptor gives one line, `TOOL: error: cannot write standard output: REASON`, and a
///   non-zero exit, instead of exit 0 with the output lost.
/// - Ctrl-C (SIGINT) and SIGTERM print one line naming the tool before it ends by the signal (`TemporaryFiles`
///   removes the temporary file being written first); `train` and `verify --instances` replace the SIGINT and
///   SIGTERM handlers with their own (`Interrupt`), which stop cleanly and say where they stopped.
public enum StandardStreams {
    /// Prepares the streams of `tool`; returns the message for a closed standard output (the caller exits 1).
    public static func prepare(tool: String) -> String? {
        for fd: Int32 in [0, 2] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            // open() returns the lowest free descriptor: this one.
            _ = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
        }
        TemporaryFiles.installInterruptMessages(tool: tool)
        if fcntl(1, F_GETFD) == -1 && errno == EBADF {
            return "cannot write standard output: it is closed; redirect it to a file or /dev/null instead"
        }
        return nil
    }

    /// Flushes standard output; returns the one-line message when anything printed could not be written
    /// (the error flag stays set after an earlier, implicit flush failed).
    public static func finish() -> String? {
        errno = 0
        let flushed = fflush(stdout)
        let code = errno
        guard flushed != 0 || ferror(stdout) != 0 else { return nil }
        let reason = code != 0 ? String(cString: strerror(code)) : "a write failed"
        return "cannot write standard output: \(reason)"
    }
}

/// `message` as one line for stderr: its lines (ended by LF, CR or CR LF) joined by spaces (argument-parser's
/// messages span lines), other control characters and spaces written as escapes (`FileText.oneLine`), so a path
/// holding ESC cannot colour the terminal. FF, VT, NEL, U+2028 and U+2029 are escaped, not joined: they come from a
/// file's text, and a space would hide what they are (trial 35: a U+2028 in a property was shown as `' '`).
public func oneLineMessage(_ message: String) -> String {
    FileText.oneLine(message.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).joined(separator: " "))
}
