import Foundation
import IBP
import XCTest

/// `train --resume FOLDER` on folders that are not a resumable run.
final class ResumeBadInputTests: XCTestCase {
    private var folder: URL!
    private var data: URL!
    private var run: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
        run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
    }

    private func writeSettings() throws {
        var settings = TrainingSettings(model: "tiny", method: .nominal, schedule: Schedule(epsilonTrain: 0.1), steps: 10)
        settings.evalLimit = 10
        try JSONEncoder().encode(settings).write(to: run.appendingPathComponent("settings.json"))
    }

    private func assertResumeRejected(mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRejected(.train, ["--resume", run.path, "--data", data.path], in: folder, mentions: mentions,
                           file: file, line: line)
    }

    func testTruncatedCheckpoint() throws {
        try writeSettings()
        let checkpoint = run.appendingPathComponent("checkpoint.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let bytes = try Data(contentsOf: checkpoint)
        try bytes.prefix(bytes.count - 100).write(to: checkpoint)
        try assertResumeRejected(mentions: [checkpoint.path, "lie outside"])
    }

    func testCheckpointWithoutOptimizerState() throws {
        try writeSettings()
        try Fixtures.writeCheckpoint(to: run.appendingPathComponent("checkpoint.ckpt"))
        try assertResumeRejected(mentions: ["checkpoint.ckpt", "optimizer state"])
    }

    func testMissingCheckpoint() throws {
        try writeSettings()
        try assertResumeRejected(mentions: [run.appendingPathComponent("checkpoint.ckpt").path, "no such file"])
    }

    func testMalformedSettings() throws {
        let settings = run.appendingPathComponent("settings.json")
        try Data("{\"model\": \"tiny\",".utf8).write(to: settings)
        try assertResumeRejected(mentions: [settings.path, "not valid training settings"])
    }

    /// A FIFO or folder in place of one of the run's files is the run folder's damage (status 1, named as such, before
    /// any step); it was refused as a command-line error (64, "give a file name"; new-user L6), and a damaged
    /// final.ckpt would only have shown when the run wrote it at its end.
    func testADamagedRunFileIsTheRunsFault() throws {
        try writeSettings()
        for name in ["checkpoint.ckpt", "settings.json", "final.ckpt", "curves.png"] {
            let file = run.appendingPathComponent(name)
            let saved = try? Data(contentsOf: file)
            try? FileManager.default.removeItem(at: file)
            XCTAssertEqual(mkfifo(file.path, 0o644), 0)
            try assertRejected(.train, ["--resume", run.path, "--data", data.path], in: folder,
                               mentions: ["\(file.path) is a FIFO, not a regular file: the run folder is damaged"], status: 1)
            try FileManager.default.removeItem(at: file)
            try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
            try assertRejected(.train, ["--resume", run.path, "--data", data.path], in: folder,
                               mentions: ["\(file.path) is a folder, not a regular file: the run folder is damaged"], status: 1)
            try FileManager.default.removeItem(at: file)
            try saved?.write(to: file)
        }
    }

    func testFolderThatIsNotARun() throws {
        try assertResumeRejected(mentions: [run.appendingPathComponent("settings.json").path, "no such file"])
    }

    /// New-user trial: a hand-edited `"steps": 3.5` said "field the top level: The given data was not valid JSON."
    /// (it is valid JSON) and `"steps": -3` said "--steps must be at least 1", a flag the user did not give. Both
    /// name the settings file and the field.
    func testHandEditedSettingsNameTheFileAndTheField() throws {
        let settings = run.appendingPathComponent("settings.json")
        try writeSettings()
        let recorded = try String(contentsOf: settings, encoding: .utf8)
        XCTAssertTrue(recorded.contains("\"steps\":10"), recorded)
        try Data(recorded.replacingOccurrences(of: "\"steps\":10", with: "\"steps\":3.5").utf8).write(to: settings)
        try assertResumeRejected(mentions: [settings.path + ": not valid training settings: field \"steps\" is 3.5, "
                                            + "which it cannot hold; expected a whole number"])
        try Data(recorded.replacingOccurrences(of: "\"steps\":10", with: "\"steps\":-3").utf8).write(to: settings)
        let outcome = try assertRejected(.train, ["--resume", run.path, "--data", data.path], in: folder,
                                         mentions: [settings.path + ": not valid training settings: field \"steps\" must "
                                                    + "be at least 1, got -3"])
        XCTAssertFalse(outcome.stderr.contains("--steps"), outcome.stderr)
    }
}
