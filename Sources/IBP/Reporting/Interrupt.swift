import Foundation
import IBPFormats

/// Turns SIGINT (Ctrl-C) into a flag the training loop polls, so it can checkpoint and exit cleanly.
public enum Interrupt {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    /// Installs the handler; a second Ctrl-C still ends the process at once.
    public static func install() {
        signal(SIGINT) { _ in
            // The second Ctrl-C ends the process at once: remove the temporary files of writes in progress first.
            if Interrupt.flag != 0 { TemporaryFiles.removeAll(); TemporaryFiles.writeInterruptLine(); _exit(130) }
            Interrupt.flag = 1
        }
    }

    public static var requested: Bool { flag != 0 }
}
