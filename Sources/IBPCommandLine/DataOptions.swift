import ArgumentParser
import Foundation
import IBP
import IBPFormats

/// `--data DIR`, shared by every command: default `$IBP_DATA`, else `data/mnist` of the repository (from any
/// working folder inside it, see `RepositoryPath`).
public struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Folder with the four MNIST IDX files (.gz or raw; scripts/get-mnist.sh makes them). Default: $IBP_DATA, else data/mnist.",
        valueName: "dir"))
    public var data: String?

    public init() {}

    /// The folder given, else the default.
    public var directory: URL {
        data.map { URL(fileURLWithPath: $0) } ?? DataOptions.defaultDirectory
    }

    /// `$IBP_DATA` when set and non-empty, else `data/mnist` in the working folder or the repository root.
    public static var defaultDirectory: URL {
        if let env = ProcessInfo.processInfo.environment["IBP_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return RepositoryPath.resolve("data/mnist")
    }
}

/// Checks an epsilon given on the command line: finite and in [0, 1].
public func validateEpsilon(_ value: Float, flag: String = "--epsilon") throws {
    guard value.isFinite, value >= 0, value <= 1 else {
        throw ValidationError("\(flag) must be a number in [0, 1], got \(FlagText.show(flag, value))")
    }
}

/// Runs a command's body, turning any error into one line on standard error and the exit status of
/// `ExitStatus.of` (64 when the command line is at fault, else 1).
public func reportingErrors(_ command: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let text = FileText.isFoundationError(error) ? FileText.reason(error) : "\(error)"
        FileHandle.standardError.write(Data("\(command): error: \(oneLineMessage(text))\n".utf8))
        throw ExitCode(ExitStatus.of(error))
    }
}
