import Foundation
import IBPFormats

/// Turns SIGINT (Ctrl-C) and SIGTERM (what a cluster scheduler sends at a job's time limit, before SIGKILL) into a
/// flag the long loops poll (`train`'s steps, `verify --instances`' instances), so they can write their finished
/// work (the checkpoint, the results of the finished instances) and exit by the signal's status (128 + signal).
/// Before, SIGTERM ended `train` and `verify --instances` at once and lost that work. A second signal of either
/// kind still ends the process at once, removing the temporary files of writes in progress first.
public enum Interrupt {
    /// The first signal received (SIGINT or SIGTERM), 0 before any.
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handler for SIGINT and SIGTERM.
    public static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { sig in
                // The second signal ends the process at once: remove the temporary files of writes in progress
                // first, say so in the line every tool prints for the signal, and exit by its status.
                if Interrupt.received != 0 {
                    TemporaryFiles.removeAll()
                    TemporaryFiles.writeSignalLine(sig)
                    _exit(128 + sig)
                }
                Interrupt.received = sig
            }
        }
    }

    /// Whether a signal asked the process to stop.
    public static var requested: Bool { received != 0 }

    /// The first signal received (SIGINT or SIGTERM), nil before any.
    public static var receivedSignal: Int32? { received == 0 ? nil : received }

    /// How a stop by `signal` is named at the start of a tool's line: "interrupted" for Ctrl-C (SIGINT),
    /// "terminated (SIGTERM)" for SIGTERM, as `TemporaryFiles`' lines say.
    public static func name(of signal: Int32) -> String {
        signal == SIGTERM ? "terminated (SIGTERM)" : "interrupted"
    }
}
