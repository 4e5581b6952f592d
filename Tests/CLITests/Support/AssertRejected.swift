import Foundation
import XCTest

/// The brief's "within a second", with slack for a loaded 2-core machine (a training job may run beside the tests).
let rejectionTimeLimit: TimeInterval = 3

extension XCTestCase {
    /// Runs `tool` on a bad input and checks what issue 7 asks of every rejection: a non-zero exit (not a
    /// crash, not a hang), exactly one line on stderr that contains every string of `mentions` (the file or
    /// flag, and the problem), within `rejectionTimeLimit`, and nothing created or changed under `folder`
    /// (no output file, no stray `.tmp`).
    @discardableResult
    /// - Parameters:
    ///   - status: the exit status expected (64 for a command-line error, 1 for a failure while running), when given.
    ///   - timeLimit: the time allowed, `rejectionTimeLimit` unless given.
    ///   - virtualMemoryKiB: run under this `ulimit -v`, so that a large allocation fails instead of passing.
    func assertRejected(_ tool: Tool, _ arguments: [String], in folder: URL, mentions: [String], status: Int32? = nil,
                        timeLimit: TimeInterval = rejectionTimeLimit, virtualMemoryKiB: Int? = nil,
                        file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        try tool.requireBuilt()
        let before = TempFolder.listing(folder)
        let outcome = try tool.run(arguments, in: folder, timeout: 20, virtualMemoryKiB: virtualMemoryKiB)
        let what = outcome.commandLine
        XCTAssertFalse(outcome.timedOut, "\(what): still running after 20 s", file: file, line: line)
        XCTAssertFalse(outcome.crashed, "\(what): crashed (signal \(outcome.status)): \(outcome.stderr)", file: file, line: line)
        XCTAssertNotEqual(outcome.status, 0, "\(what): exited 0", file: file, line: line)
        if let status { XCTAssertEqual(outcome.status, status, "\(what): exit status", file: file, line: line) }
        XCTAssertEqual(outcome.stderrLines.count, 1, "\(what): stderr is not one line:\n\(outcome.stderr)", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(outcome.stderr.contains(text), "\(what): stderr does not mention '\(text)': \(outcome.stderr)",
                          file: file, line: line)
        }
        // A slow run is timed once more before it counts: a busy machine (or a binary just linked and not yet
        // in the page cache) can stall one process start, a slow reader stalls both.
        var seconds = outcome.seconds
        if seconds >= timeLimit {
            seconds = min(seconds, try tool.run(arguments, in: folder, timeout: 20, virtualMemoryKiB: virtualMemoryKiB).seconds)
        }
        XCTAssertLessThan(seconds, timeLimit, "\(what): took \(seconds) s", file: file, line: line)
        // Equal listings (paths and sizes) also rule out a stray `.tmp` from an interrupted atomic write.
        XCTAssertEqual(TempFolder.listing(folder), before, "\(what): changed files under \(folder.path)", file: file, line: line)
        return outcome
    }
}
