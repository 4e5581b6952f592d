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
        data.map { TypedPath.url($0, isDirectory: true) } ?? DataOptions.defaultDirectory
    }

    /// `$IBP_DATA` when set and non-empty, else `data/mnist` in the working folder or the repository root.
    public static var defaultDirectory: URL {
        if let env = environmentFolder { return TypedPath.url(env, isDirectory: true) }
        return RepositoryPath.resolve(defaultRelative)
    }

    /// The default folder, relative to the working folder or the repository root.
    public static let defaultRelative = "data/mnist"

    /// `$IBP_DATA` when set and non-empty.
    public static var environmentFolder: String? {
        ProcessInfo.processInfo.environment["IBP_DATA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Refuses a data folder that does not exist, in one line naming where it was looked for (a missing folder was
    /// answered with how to download MNIST, and from a subfolder named only one of the two places tried): the
    /// folder `given` (`--data`), else `$IBP_DATA`'s, else every place the default `defaultRelative` was looked
    /// for (the working folder and the repository root, `RepositoryPath.candidates`). A folder that exists is
    /// left to the reader (a file, missing or ambiguous IDX files).
    /// - Throws: `SettingsError` (a failure at run time, exit status 1).
    /// - Parameter shipped: the default is a folder the repository ships (`visualize`'s `sample_data/mnist`), which
    ///   is not downloaded but found by running inside the repository.
    public static func requireFolder(given: String?, defaultRelative: String = DataOptions.defaultRelative,
                                     shipped: Bool = false) throws {
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
        if let given {
            guard !exists(given) else { return }
            throw SettingsError(message: "--data \(given): no such folder; check the name, or get MNIST into it with "
                                + "scripts/get-mnist.sh DIR (run in the repository)", isUsageError: false)
        }
        if let env = environmentFolder {
            guard !exists(env) else { return }
            throw SettingsError(message: "IBP_DATA=\(env): no such folder; check the name, or get MNIST into it with "
                                + "scripts/get-mnist.sh DIR (run in the repository), or pass --data DIR", isUsageError: false)
        }
        let tried = RepositoryPath.candidates(defaultRelative)
        guard !tried.contains(where: { exists($0.path) }) else { return }
        let where_ = "the default \(defaultRelative) is not at " + tried.map(\.path).joined(separator: " nor at ")
        throw SettingsError(message: "no data folder: " + where_ + (shipped
            ? " (it ships with the repository); run inside the repository, or pass --data DIR or set IBP_DATA=DIR"
            : "; get MNIST with scripts/get-mnist.sh \(defaultRelative) (run in the repository), then run again, or "
              + "pass --data DIR or set IBP_DATA=DIR"), isUsageError: false)
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
