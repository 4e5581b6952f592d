import Foundation
import IBP
import IBPFormats
import XCTest

/// Issue #11, kind 5: `train` never ignores a flag silently.
final class TrainFlagTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 100)
    }

    private func newRun(_ run: URL, steps: Int = 4, _ extra: [String] = []) -> [String] {
        ["--model", "tiny", "--method", "nominal", "--steps", "\(steps)", "--batch-size", "10", "--eval-limit", "10",
         "--data", data.path, "--out", run.path] + extra
    }

    private func record(_ run: URL) throws -> TrainingSettings {
        try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json")))
    }

    /// The cases: `--resume R --steps=300` (equals form) extends the run; `--resume R` alone, from another
    /// working folder, uses the data folder the run recorded (the README's resume command and the hint after
    /// Ctrl-C).
    func testResumeWithStepsInTheEqualsFormAndWithoutData() throws {
        let run = folder.appendingPathComponent("run")
        let first = try Tool.train.run(newRun(run), in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let elsewhere = folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let extended = try Tool.train.run(["--resume", run.path, "--steps=7"], in: elsewhere)
        XCTAssertEqual(extended.status, 0, extended.stderr)
        XCTAssertTrue(extended.stdout.contains("finished 7 steps"), extended.stdout)
        XCTAssertEqual(try Checkpoint.load(run.appendingPathComponent("final.ckpt")).step, 7)
        XCTAssertEqual(try record(run).steps, 7)
        XCTAssertEqual(try record(run).data, data.standardizedFileURL.path)
    }

    /// A flag given with --resume that differs from the record is refused in one line that names it, with exit
    /// status 64 and no file touched; an equal one is accepted.
    func testDifferentFlagsOnResumeAreRefused() throws {
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try Tool.train.run(newRun(run), in: folder).status, 0)
        let other = folder.appendingPathComponent("other-data")
        try Fixtures.writeData(to: other, count: 50)
        let cases: [([String], [String])] = [
            (["--learning-rate", "0.5"], ["--learning-rate 0.5 differs from the run's 0.001", "settings.json"]),
            (["--batch-size", "20"], ["--batch-size 20 differs from the run's 10"]),
            (["--eval-epsilon", "0.3"], ["--eval-epsilon 0.3 differs from the run's 0.1"]),
            (["--data", other.path], ["--data the MNIST training and test files in \(other.path) differ"]),
            (["--steps", "2"], ["--steps 2 is below the 4 steps the run has taken"]),
        ]
        for (flags, mentions) in cases {
            try assertRejected(.train, ["--resume", run.path] + flags, in: folder, mentions: mentions, status: 64)
        }
        let same = try Tool.train.run(["--resume", run.path, "--batch-size", "10", "--method", "nominal"], in: folder)
        XCTAssertEqual(same.status, 0, same.stderr)
    }

    /// `train --method ibp --epsilon 0.3` used to train at the default 0.1 and only evaluate at 0.3: refused,
    /// pointing to the two flags it could mean.
    func testEpsilonIsRefusedWithThePointers() throws {
        try assertRejected(.train, ["--method", "ibp", "--epsilon", "0.3", "--out", folder.appendingPathComponent("run").path],
                           in: folder, mentions: ["--epsilon 0.3", "--epsilon-train 0.3", "--eval-epsilon 0.3"], status: 64)
    }

    /// An IBP run shorter than its warm-up says so (it trains a nominal model), and one that ends inside the ramp
    /// says at which eps it stops.
    func testShortIBPRunsWarn() throws {
        let run = folder.appendingPathComponent("short")
        let outcome = try Tool.train.run(["--model", "tiny", "--method", "ibp", "--steps", "3", "--batch-size", "10",
                                          "--eval-limit", "10", "--data", data.path, "--out", run.path], in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("train: warning: the 2000-step warm-up (--warmup-steps) covers all 3 steps"),
                      outcome.stderr)
        let ramp = try Tool.train.run(["--model", "tiny", "--method", "ibp", "--steps", "6", "--warmup-steps", "2",
                                       "--ramp-steps", "8", "--epsilon-train", "0.2", "--eps-schedule", "linear", "--batch-size", "10", "--eval-limit", "10",
                                       "--data", data.path, "--out", folder.appendingPathComponent("ramp").path], in: folder)
        XCTAssertEqual(ramp.status, 0, ramp.stderr)
        XCTAssertTrue(ramp.stderr.contains("training stops at eps 0.075"), ramp.stderr)  // 0.2 * (5 - 2) / 8
    }

    /// `--threads` is taken and recorded with the GEMM kernel; lists take commas and the repeated flag alike.
    func testThreadsAndListSyntax() throws {
        let run = folder.appendingPathComponent("run")
        let outcome = try Tool.train.run(newRun(run, ["--threads", "1", "--decay-steps", "1,2", "--decay-steps", "3"]),
                                         in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let settings = try record(run)
        XCTAssertEqual(settings.threads, 1)
        XCTAssertEqual(settings.gemmKernel, GEMMKernel.current.rawValue)
        XCTAssertEqual(settings.schedule.decaySteps, [1, 2, 3])
        try assertRejected(.train, ["--resume", run.path, "--threads", "2"], in: folder,
                           mentions: ["--threads 2 differs from the run's 1"], status: 64)
    }

    /// Flags that shape only the IBP objective do nothing with --method nominal: refused rather than ignored.
    func testIBPFlagsWithNominalTrainingAreRefused() throws {
        try assertRejected(.train, ["--method", "nominal", "--epsilon-train", "0.3", "--out", folder.appendingPathComponent("r").path],
                           in: folder, mentions: ["--epsilon-train", "no effect with --method nominal"], status: 64)
    }

    /// New-user trial: `--epochs 1e-9` trained one step in silence, and with `--warmup-epochs 0.5` the warning named
    /// `--warmup-steps`. A positive epoch value that rounds to zero steps is refused naming the flag; warnings name the epoch
    /// flags given (100 images, batch 10: 10 steps an epoch).
    func testEpochFlagsUnderOneStepAreRefusedAndWarningsNameTheFlagGiven() throws {
        for (flag, value) in [("--epochs", "1e-9"), ("--epochs", "0.04"), ("--warmup-epochs", "0.01"), ("--ramp-epochs", "0.049"),
                              ("--decay-epochs", "0.001")] {
            var arguments = ["--model", "tiny", "--batch-size", "10", "--eval-limit", "10", "--data", data.path,
                             "--out", folder.appendingPathComponent("run").path, flag, value]
            if flag != "--epochs" { arguments += ["--epochs", "1"] }
            try assertRejected(.train, arguments, in: folder,
                               mentions: ["\(flag) \(value) rounds to zero steps (",
                                          "of 10 of the 100 training images); give at least 0.05 or 0"], status: 64)
        }
        let outcome = try Tool.train.run(["--model", "tiny", "--method", "ibp", "--epochs", "0.3", "--warmup-epochs", "0.5",
                                          "--batch-size", "10", "--eval-limit", "10", "--data", data.path,
                                          "--out", folder.appendingPathComponent("short").path], in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("the 5-step warm-up (--warmup-epochs 0.5) covers all 3 steps"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("give more --epochs or fewer --warmup-epochs"), outcome.stderr)
        XCTAssertFalse(outcome.stderr.contains("--warmup-steps"), outcome.stderr)
    }
}
