import Foundation
import XCTest

/// One of the package's executables, run as a separate process the way a user runs it.
enum Tool: String {
    case train, evaluate, visualize, verify, convert
    case ibpBench = "ibp-bench"
    /// The README's library example (`Examples/UseIBP`), built by this package too.
    case useIBPExample = "use-ibp-example"

    /// The folder holding the built products. On Linux the test bundle is an executable in that folder
    /// (`.build/debug/<Package>PackageTests.xctest`); `Bundle.main` is that bundle's folder or the bundle itself.
    static let productsDirectory: URL = {
        let bundle = Bundle.main.bundleURL
        return bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    }()

    var url: URL { Tool.productsDirectory.appendingPathComponent(rawValue) }

    /// Throws (failing the calling test with a clear message, instead of reporting every bad input as
    /// "not rejected") when the product was not built: `swift build` must run before `swift test`.
    func requireBuilt() throws {
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw MissingProduct(path: url.path) }
    }

    /// Starts the tool in `folder` with stdout and stderr going to files in `capture`.
    /// `IBP_DATA` is removed so the tool sees only the data the test names.
    /// With `virtualMemoryKiB`, the tool runs under `ulimit -v` (through /bin/sh), so an allocation beyond it fails.
    func launch(_ arguments: [String], in folder: URL, capture: URL, virtualMemoryKiB: Int? = nil) throws -> Process {
        let process = Process()
        if let virtualMemoryKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(virtualMemoryKiB) && exec \"$0\" \"$@\"", url.path] + arguments
        } else {
            process.executableURL = url
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["IBP_DATA"] = nil
        process.environment = environment
        for name in ["stdout", "stderr"] { try Data().write(to: capture.appendingPathComponent(name)) }
        process.standardOutput = try FileHandle(forWritingTo: capture.appendingPathComponent("stdout"))
        process.standardError = try FileHandle(forWritingTo: capture.appendingPathComponent("stderr"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the tool to completion, killing it after `timeout` seconds (a hang is then reported, not waited out).
    func run(_ arguments: [String], in folder: URL, timeout: TimeInterval = 30, virtualMemoryKiB: Int? = nil) throws -> Outcome {
        let capture = try TempFolder.make(prefix: "capture")
        defer { try? FileManager.default.removeItem(at: capture) }
        let started = Date()
        let process = try launch(arguments, in: folder, capture: capture, virtualMemoryKiB: virtualMemoryKiB)
        let timedOut = !process.wait(upTo: timeout)
        let seconds = Date().timeIntervalSince(started)
        func text(_ name: String) -> String {
            (try? String(contentsOf: capture.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        return Outcome(tool: self, arguments: arguments, status: process.terminationStatus,
                       crashed: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
                       seconds: seconds, stdout: text("stdout"), stderr: text("stderr"))
    }
}

struct MissingProduct: Error, CustomStringConvertible {
    let path: String
    var description: String { "\(path) is missing: run `swift build` before `swift test --filter CLITests`" }
}

/// What a finished run of a tool did.
struct Outcome {
    let tool: Tool
    let arguments: [String]
    let status: Int32
    /// Ended by a signal (a trap, SIGSEGV, or our SIGKILL after a timeout).
    let crashed: Bool
    let timedOut: Bool
    let seconds: TimeInterval
    let stdout: String
    let stderr: String

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
    var commandLine: String { ([tool.rawValue] + arguments).joined(separator: " ") }
}

extension Process {
    /// Waits until the process ends or `timeout` passes, then kills it with SIGKILL.
    /// Returns false on a timeout.
    func wait(upTo timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(5_000) }
        guard isRunning else { return true }
        kill(processIdentifier, SIGKILL)
        waitUntilExit()
        return false
    }
}
