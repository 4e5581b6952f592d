import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Like `main()`, but a bad command line gives one line on standard error (`train: error: ...`), as every
    /// other failure of the tools does (see `reportingErrors`), instead of the message followed by the usage
    /// text. Scripts and the bad-input tests can then rely on one line that names the flag and the problem.
    public static func mainWithOneLineErrors() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help and version requests exit cleanly: the library prints them as usual.
            if code == .success { exit(withError: error) }
            let text = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
            // An empty message means the error was already reported (an ExitCode from `reportingErrors`).
            if !text.isEmpty {
                let name = configuration.commandName ?? "\(self)"
                FileHandle.standardError.write(Data("\(name): error: \(text) (see --help)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
