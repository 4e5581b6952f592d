import ArgumentParser
import Foundation
import IBP
import IBPFormats

/// The exit statuses of every command (README, "Exit status").
public enum ExitStatus {
    /// The command line is wrong (`EX_USAGE`): a flag unknown, repeated, missing or out of range, flags that
    /// contradict each other or a resumed run's record.
    public static let usage: Int32 = 64
    /// Anything found while working: a file missing, unreadable or malformed, a model over the resource limits,
    /// a failed write.
    public static let failure: Int32 = 1

    /// The status for `error` raised after the command line was parsed and validated.
    public static func of(_ error: Error) -> Int32 {
        switch error {
        case let e as CommandLineClassified: return e.isUsageError ? usage : failure
        case is ValidationError: return usage
        case let e as FlagError: return of(e.underlying)
        default: return failure
        }
    }
}

extension ParsableCommand {
    /// Like `main()`, but every error is one line on standard error (`train: error: ...`) and the exit status
    /// follows `ExitStatus`: 64 for anything wrong with the command line (parsing and `validate()`, whatever
    /// they throw), 1 for failures while running. Scripts and the bad-input tests can then rely on one line that
    /// names the flag and the problem, instead of the message followed by the usage text.
    public static func mainWithOneLineErrors() {
        // Standard output closed is refused before any work; Ctrl-C gets its line (`StandardStreams`).
        if let closed = StandardStreams.prepare(tool: configuration.commandName ?? "\(self)") {
            report(closed, hint: "")
            Foundation.exit(ExitStatus.failure)
        }
        // `--flag=` is `--flag ''` (`DashedNames.normalized`); every reading below is of these words.
        let arguments = DashedNames.normalized(self, arguments: Array(CommandLine.arguments.dropFirst()))
        // Messages about a flag's value echo it as typed (`FlagText`), `validate()` included.
        FlagText.arguments = arguments
        // What the parser would read wrongly without failing (a dash-named file with an 'h' as a help request, a
        // value for a flag that takes none) is refused first (`DashedNames.beforeParsing`).
        if let misread = DashedNames.beforeParsing(self, arguments: arguments) {
            report(misread, hint: " (see --help)")
            Foundation.exit(ExitStatus.usage)
        }
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // Help and version requests exit cleanly: the library prints them as usual.
            if exitCode(for: error) == .success { exit(withError: error) }
            // An unknown option is named first, whatever else failed (`DashedNames`: a file whose name starts with
            // '-' as the unknown option it was read as); argument-parser reported a value its flag cannot take before
            // an unknown option later on the line (`--epsilon abc --limt 5`), which then looked like the only
            // problem. Otherwise a value the flag's type cannot read says what the flag takes (`FlagValueRule`).
            let text = message(for: error)
            report(DashedNames.explain(text, command: self, arguments: arguments)
                   ?? FlagValueRules.explain(error)
                   ?? text, hint: " (see --help)")
            Foundation.exit(ExitStatus.usage)
        }
        do {
            try RepeatedFlags.check(type(of: command), arguments: arguments)
        } catch {
            report(message(for: error), hint: " (see --help)")
            Foundation.exit(ExitStatus.usage)
        }
        do {
            var running = command
            try running.run()
            // What was printed must have arrived (`> /dev/full` exited 0 with the answer lost).
            if let failed = StandardStreams.finish() {
                report(failed, hint: "")
                Foundation.exit(ExitStatus.failure)
            }
        } catch let code as ExitCode {
            if let failed = StandardStreams.finish() {
                report(failed, hint: "")
                Foundation.exit(code.rawValue == 0 ? ExitStatus.failure : code.rawValue)
            }
            Foundation.exit(code.rawValue)
        } catch {
            // `--help` arrives here: the parser returns a command that throws the request when run.
            if exitCode(for: error) == .success { exit(withError: error) }
            let classified = error is CommandLineClassified || error is FlagError
            // Foundation's errors print as a dump ("Error Domain=NSCocoaErrorDomain Code=..."): say what they mean.
            let text = FileText.isFoundationError(error) ? FileText.reason(error) : message(for: error)
            report(text, hint: classified ? "" : (exitCode(for: error) == .validationFailure ? " (see --help)" : ""))
            Foundation.exit(classified ? ExitStatus.of(error) : exitCode(for: error).rawValue)
        }
    }

    private static func report(_ message: String, hint: String) {
        // One line, and no control character from a file's text (a NUL or an escape sequence in a recorded name)
        // reaches the terminal raw, whichever message quoted it: the last line of defence behind `FileText.shown`.
        let text = oneLineMessage(message)
        guard !text.isEmpty else { return }
        let name = configuration.commandName ?? "\(self)"
        FileHandle.standardError.write(Data("\(name): error: \(text)\(hint)\n".utf8))
    }
}
