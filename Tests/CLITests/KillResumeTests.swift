import Foundation
import IBP
import XCTest

/// `train` killed with SIGKILL at random moments, over and over: the newest `checkpoint.ckpt` must always
/// load, never go back in steps within a run, and `train --resume` must carry on from it to the same
/// weights as an uninterrupted run.
final class KillResumeTests: XCTestCase {
    private let steps = 150
    private let kills = 20

    /// A small, fast IBP run. With `--checkpoint-every 1` most of its time goes to checkpoint writes, so most
    /// kills land inside one.
    private func newRunArguments(data: URL, out: URL, checkpointEvery: Int) -> [String] {
        ["--model", "tiny", "--method", "ibp", "--batch-size", "10", "--steps", "\(steps)", "--warmup-steps", "20",
         "--ramp-steps", "60", "--decay-steps", "100", "--checkpoint-every", "\(checkpointEvery)",
         "--eval-every", "100000", "--eval-limit", "10", "--seed", "3", "--data", data.path, "--out", out.path, "--force"]
    }

    func testKilledTrainingResumesFromItsNewestCheckpoint() throws {
        try Tool.train.requireBuilt()
        let folder = try TempFolder.make(for: self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data)
        let capture = try TempFolder.make(for: self)

        // The reference: the same training, never interrupted (checkpoint writes do not change the weights).
        let reference = folder.appendingPathComponent("reference")
        let clean = try Tool.train.run(newRunArguments(data: data, out: reference, checkpointEvery: 1000), in: folder, timeout: 60)
        XCTAssertEqual(clean.status, 0, clean.stderr)

        let run = folder.appendingPathComponent("run")
        let checkpointURL = run.appendingPathComponent("checkpoint.ckpt")
        let finalURL = run.appendingPathComponent("final.ckpt")
        var newest = 0, killsAfterACheckpoint = 0
        for kill in 1...kills {
            // With no checkpoint there is nothing to resume, and a finished run has nothing left to kill:
            // both start over (as a user would).
            let resume = FileManager.default.fileExists(atPath: checkpointURL.path)
                && !FileManager.default.fileExists(atPath: finalURL.path)
            if !resume { newest = 0 }
            let arguments = resume ? ["--resume", run.path, "--data", data.path]
                                   : newRunArguments(data: data, out: run, checkpointEvery: 1)
            let process = try Tool.train.launch(arguments, in: folder, capture: capture)
            if process.wait(upTo: .random(in: 0.05...1.0)) {  // SIGKILL unless it finished first
                XCTAssertEqual(process.terminationStatus, 0, "kill \(kill): train failed")
            }
            guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
                XCTAssertFalse(resume, "kill \(kill): checkpoint.ckpt disappeared")
                continue
            }
            let checkpoint = try Checkpoint.load(checkpointURL)
            XCTAssertGreaterThanOrEqual(checkpoint.step, newest, "kill \(kill): the checkpoint went back in steps")
            XCTAssertNotNil(checkpoint.adam, "kill \(kill): checkpoint.ckpt lacks the optimizer state")
            newest = checkpoint.step
            killsAfterACheckpoint += 1
        }
        XCTAssertGreaterThanOrEqual(killsAfterACheckpoint, kills / 2, "too few kills came after a first checkpoint")

        let last = try Tool.train.run(["--resume", run.path, "--data", data.path], in: folder, timeout: 60)
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertTrue(last.stdout.contains("finished \(steps) steps"), last.stdout)
        XCTAssertEqual(try Checkpoint.load(checkpointURL).step, steps)
        let resumed = try Checkpoint.load(finalURL)
        let uninterrupted = try Checkpoint.load(reference.appendingPathComponent("final.ckpt"))
        XCTAssertEqual(resumed.step, steps)
        for (a, b) in zip(resumed.parameters, uninterrupted.parameters) {
            XCTAssertEqual(a.array.values.map(\.bitPattern), b.array.values.map(\.bitPattern),
                           "\(a.name) differs from the uninterrupted run's")
        }
        // Each kill may leave a temporary file; the writes after the last resume remove them.
        let strays = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(strays, [], "temporary files of killed runs are left in the run folder")
    }
}
