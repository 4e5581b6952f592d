import Foundation
import IBP
import IBPFormats
import XCTest

/// The flags of fast certified training (Shi et al. 2021) at the command line: recorded, refused when they clash
/// or differ on `--resume`, each in one line.
final class FastTrainFlagTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 100)
    }

    private func record(_ run: URL) throws -> TrainingSettings {
        try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json")))
    }

    /// An IBP run in epochs records the paper's defaults and the resolved steps; the checkpoint holds the same.
    func testEpochRunRecordsDefaults() throws {
        let run = folder.appendingPathComponent("run")
        let outcome = try Tool.train.run(["--model", "tiny", "--epochs", "0.5", "--warmup-epochs", "0.1", "--ramp-epochs",
                                          "0.2", "--decay-epochs", "", "--batch-size", "10", "--eval-limit", "10",
                                          "--data", data.path, "--out", run.path], in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let s = try record(run)
        XCTAssertEqual(s.steps, 5)
        XCTAssertEqual(s.schedule.warmupSteps, 1)
        XCTAssertEqual(s.schedule.rampSteps, 2)
        XCTAssertEqual(s.schedule.decaySteps, [])
        XCTAssertEqual(s.initialization, .ibp)
        XCTAssertEqual(s.schedule.epsilonRamp, .smooth)
        XCTAssertEqual(s.warmupRegularizer, WarmupRegularizer(lambda: 0.5, tolerance: 0.5))
        var stored = try XCTUnwrap(try Checkpoint.load(run.appendingPathComponent("final.ckpt")).trainingSettings)
        stored.data = s.data
        XCTAssertEqual(stored, s)
        try assertRejected(.train, ["--resume", run.path, "--init", "orthogonal"], in: folder,
                           mentions: ["--init orthogonal differs from the run's ibp"], status: 64)
        try assertRejected(.train, ["--resume", run.path, "--reg-lambda", "0.2"], in: folder,
                           mentions: ["--reg-lambda 0.2 differs from the run's 0.5"], status: 64)
        let same = try Tool.train.run(["--resume", run.path, "--epochs", "0.5", "--eps-schedule", "smooth"], in: folder)
        XCTAssertEqual(same.status, 0, same.stderr)
    }

    func testClashesAndBadValuesAreRefused() throws {
        let out = ["--out", folder.appendingPathComponent("r").path]
        try assertRejected(.train, ["--steps", "10", "--epochs", "1"] + out, in: folder,
                           mentions: ["--steps and --epochs set the same count"], status: 64)
        try assertRejected(.train, ["--ramp-steps", "10", "--ramp-epochs", "1"] + out, in: folder,
                           mentions: ["--ramp-steps and --ramp-epochs"], status: 64)
        try assertRejected(.train, ["--method", "nominal", "--reg-lambda", "0.5"] + out, in: folder,
                           mentions: ["--reg-lambda", "no effect with --method nominal"], status: 64)
        try assertRejected(.train, ["--reg-tolerance", "0"] + out, in: folder,
                           mentions: ["--reg-tolerance must be a positive finite number"], status: 64)
        try assertRejected(.train, ["--epochs=-2"] + out, in: folder, mentions: ["--epochs must be in [0, 1000000]"],
                           status: 64)
        try assertRejected(.train, ["--init", "kaiming"] + out, in: folder, mentions: ["--init"], status: 64)
        try assertRejected(.train, ["--eps-schedule", "cubic"] + out, in: folder, mentions: ["--eps-schedule"], status: 64)
    }
}
