import Foundation
import XCTest

/// `train --out` where the run folder cannot be made: one line naming the folder, and nothing written.
///
/// A regular file where a parent folder should be fails for everyone (mkdir: ENOTDIR). A folder without write bits
/// is refused even for root, whom the bits do not stop (README "Outputs": permission bits are the user's intent),
/// as every other tool's outputs are.
final class OutputFolderTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
    }

    private func trainArguments(out: URL, force: Bool = false) -> [String] {
        ["--model", "tiny", "--steps", "2", "--batch-size", "10", "--eval-limit", "10", "--data", data.path, "--out", out.path]
            + (force ? ["--force"] : [])
    }

    func testOutUnderARegularFile() throws {
        let file = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: file)
        let out = file.appendingPathComponent("run")
        try assertRejected(.train, trainArguments(out: out), in: folder,
                           mentions: [out.path, "\(file.path) is a file, so the folder \(out.path) cannot be created"], status: 64)
    }

    func testOutThatIsARegularFile() throws {
        let file = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: file)
        // New-user report, kind 7: the message says what the path is (a file), not "pass --resume or --force".
        try assertRejected(.train, trainArguments(out: file), in: folder, mentions: [file.path, "is a file, not a run folder"],
                           status: 64)
        try assertRejected(.train, trainArguments(out: file, force: true), in: folder,
                           mentions: [file.path, "is a file, not a run folder"], status: 64)
    }

    /// New user (paths23, item 2): as root, `train --out` wrote into a folder of mode 555 (and created folders
    /// inside one), while every other tool refused it. Now refused before any work (exit 64), like theirs: a new
    /// run folder inside a locked one (nested too), a locked run folder with `--force`, and `--resume` of a
    /// locked run; nothing is written.
    func testOutUnderAReadOnlyFolder() throws {
        let locked = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try Tool.train.run(trainArguments(out: run), in: folder, timeout: 60).status, 0)
        chmod(locked.path, 0o555)
        chmod(run.path, 0o555)
        defer { chmod(locked.path, 0o755); chmod(run.path, 0o755) }
        for out in [locked.appendingPathComponent("run"), locked.appendingPathComponent("new/deeper")] {
            try assertRejected(.train, trainArguments(out: out), in: folder,
                               mentions: ["--out \(out.path)/settings.json: folder \(locked.path) is not writable"], status: 64)
        }
        try assertRejected(.train, trainArguments(out: locked, force: true), in: folder,
                           mentions: ["--out \(locked.path)/settings.json: folder \(locked.path) is not writable"], status: 64)
        try assertRejected(.train, trainArguments(out: run, force: true), in: folder,
                           mentions: ["--out \(run.path)/settings.json: folder \(run.path) is not writable"], status: 64)
        try assertRejected(.train, ["--resume", run.path, "--steps", "3"], in: folder,
                           mentions: ["--resume \(run.path)/settings.json: folder \(run.path) is not writable"], status: 64)
        // A read-only file in a writable run folder is refused too (it is not replaced, as any output).
        chmod(run.path, 0o755)
        chmod(run.appendingPathComponent("metrics.jsonl").path, 0o444)
        try assertRejected(.train, ["--resume", run.path, "--steps", "3"], in: folder,
                           mentions: ["--resume \(run.path)/metrics.jsonl is read-only"], status: 64)
    }
}
