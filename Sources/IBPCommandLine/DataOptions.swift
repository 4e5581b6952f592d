import ArgumentParser
import Foundation
import IBP
import IBPFormats

/// `--data DIR`, shared by every command: default `$IBP_DATA`, else `data/mnist`.
public struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Folder with the four MNIST IDX files (.gz or raw). Default: $IBP_DATA, else data/mnist.")
    public var data: String?

    public init() {}

    public var directory: URL {
        data.map { URL(fileURLWithPath: $0) } ?? MNIST.defaultDirectory()
    }
}

/// Checks an epsilon given on the command line: finite and in [0, 1].
public func validateEpsilon(_ value: Float, flag: String = "--epsilon") throws {
    guard value.isFinite, value >= 0, value <= 1 else {
        throw ValidationError("\(flag) must be a number in [0, 1], got \(value)")
    }
}

/// Runs a command's body, turning any error into one line on standard error and exit status 1.
public func reportingErrors(_ command: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("\(command): error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
