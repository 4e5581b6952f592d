import Foundation
import XCTest

/// `train --out` where the run folder cannot be made: one line naming the folder, and nothing written.
///
/// The tests run as root, for whom permission bits do not stop writes, so "not writable" is made with a
/// regular file where a parent folder should be (mkdir fails with ENOTDIR for everyone). When not root,
/// a folder with its write bits cleared is tried as well.
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
        try assertRejected(.train, trainArguments(out: out), in: folder, mentions: [out.path, "cannot create"])
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

    func testOutUnderAReadOnlyFolder() throws {
        guard geteuid() != 0 else { return }  // root writes anyway: covered by testOutUnderARegularFile
        let locked = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        chmod(locked.path, 0o555)
        defer { chmod(locked.path, 0o755) }
        let out = locked.appendingPathComponent("run")
        try assertRejected(.train, trainArguments(out: out), in: folder, mentions: [out.path, "cannot create"])
    }
}
