import Foundation
import IBPFormats
import XCTest
@testable import IBP

final class TrainingTests: XCTestCase {
    private var dir: URL!

    /// A tiny data set laid out like MNIST: the shipped 100 test images serve as both splits.
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = try MNIST.load(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        try MNIST.write(images, directory: data, split: .train)
        try MNIST.write(images, directory: data, split: .test)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func settings(steps: Int) -> TrainingSettings {
        var schedule = Schedule(epsilonTrain: 0.1)
        schedule.warmupSteps = 4
        schedule.rampSteps = 6
        schedule.decaySteps = [12]
        var s = TrainingSettings(model: "tiny", method: .ibp, schedule: schedule, steps: steps)
        s.batchSize = 16
        s.checkpointEvery = 5
        s.evalEvery = 7
        s.evalLimit = 50
        return s
    }

    /// Training straight through and stopping half-way then resuming give bit-identical weights.
    func testResumeContinuesExactly() throws {
        let data = dir.appendingPathComponent("data")
        let straight = try Trainer.start(settings(steps: 16), dataDirectory: data,
                                         directory: dir.appendingPathComponent("a"), force: false)
        XCTAssertTrue(try straight.run(progress: { _ in }))

        let first = try Trainer.start(settings(steps: 16), dataDirectory: data,
                                      directory: dir.appendingPathComponent("b"), force: false)
        var stopAt = 0
        XCTAssertFalse(try first.run(progress: { stopAt = $0.step }, shouldStop: { stopAt == 8 }))
        let resumed = try Trainer.resume(directory: dir.appendingPathComponent("b"), dataDirectory: data)
        XCTAssertEqual(resumed.step, 8)
        XCTAssertTrue(try resumed.run(progress: { _ in }))

        let a = try Data(contentsOf: dir.appendingPathComponent("a/final.ckpt"))
        let b = try Data(contentsOf: dir.appendingPathComponent("b/final.ckpt"))
        XCTAssertEqual(a, b, "resumed run differs from the straight one")
        let metrics = try String(contentsOf: dir.appendingPathComponent("b/metrics.jsonl"), encoding: .utf8)
        XCTAssert(metrics.contains("\"type\":\"eval\""))
        XCTAssert(FileManager.default.fileExists(atPath: dir.appendingPathComponent("b/curves.png").path))
    }

    /// IBP training lowers the loss on a fixed batch and raises verified accuracy at a small epsilon.
    func testTrainingLearns() throws {
        var s = settings(steps: 150)
        s.schedule.warmupSteps = 20
        s.schedule.rampSteps = 40
        s.schedule.decaySteps = []
        s.schedule.epsilonTrain = 0.05
        s.evalEpsilon = 0.05
        s.evalEvery = 1000
        let trainer = try Trainer.start(s, dataDirectory: dir.appendingPathComponent("data"),
                                        directory: dir.appendingPathComponent("c"), force: false)
        var losses: [Float] = []
        try trainer.run(progress: { losses.append($0.batch.nominalLoss) })
        XCTAssertLessThan(losses.suffix(10).reduce(0, +), losses.prefix(10).reduce(0, +) / 2)
        let result = try trainer.evaluate()
        XCTAssertGreaterThan(result.nominalAccuracy, 0.8)
        XCTAssertGreaterThan(result.verifiedAccuracy, 0.6)
    }

    func testBadSettingsAreRejectedBeforeWork() {
        var s = settings(steps: 10)
        s.schedule.epsilonTrain = .nan
        XCTAssertThrowsError(try s.validate()) { XCTAssert("\($0)".contains("--epsilon-train"), "\($0)") }
        s = settings(steps: 0)
        XCTAssertThrowsError(try s.validate()) { XCTAssert("\($0)".contains("--steps"), "\($0)") }
        s = settings(steps: 10)
        s.schedule.kappaFinal = 1.5
        XCTAssertThrowsError(try s.validate()) { XCTAssert("\($0)".contains("--kappa"), "\($0)") }
        s = settings(steps: 10)
        s.model = "huge"
        XCTAssertThrowsError(try s.validate()) { XCTAssert("\($0)".contains("huge"), "\($0)") }
    }

    /// Issue 15: model selection on held-out training images. The split is disjoint, covers every image, is the same
    /// whatever the run's seed, and the run trains on the rest only.
    func testValidationSplitIsDisjointAndFixed() throws {
        let all = try Dataset.mnist(directory: dir.appendingPathComponent("data"), split: .train)
        let (rest, held) = all.holdingOut(30)
        XCTAssertEqual(rest.count, all.count - 30)
        XCTAssertEqual(held.count, 30)
        XCTAssertEqual(rest.sha256, all.sha256, "the training part names the file read")
        // Every image lands in exactly one part: compare the multisets of (pixels, label).
        let size = all.sampleShape.reduce(1, *)
        func rows(_ d: Dataset) -> [[Float]] {
            (0..<d.count).map { Array(d.pixels[$0 * size..<($0 + 1) * size]) + [Float(d.labels[$0])] }
        }
        let key = { (r: [Float]) in r.map { String($0.bitPattern) }.joined(separator: ",") }
        XCTAssertEqual((rows(rest) + rows(held)).map(key).sorted(), rows(all).map(key).sorted())
        XCTAssertEqual(all.holdingOut(30).validation.pixels, held.pixels, "the split does not depend on anything else")
        XCTAssertNotEqual(Array(held.pixels.prefix(size * 30)), Array(all.pixels.suffix(size * 30)),
                          "a random choice, not the last images")
    }

    /// With --validation, evaluations use the held-out images and best.ckpt holds the weights of the best
    /// evaluation at or after the end of the ramp; a count not below the training images is refused in one line.
    func testValidationRunSelectsBestCheckpoint() throws {
        var s = settings(steps: 21)
        s.validationImages = 20
        s.evalLimit = 20
        let out = dir.appendingPathComponent("v")
        let trainer = try Trainer.start(s, dataDirectory: dir.appendingPathComponent("data"), directory: out, force: false)
        XCTAssertTrue(try trainer.run(progress: { _ in }))
        let log = try MetricsLog(url: out.appendingPathComponent("metrics.jsonl"), upTo: 21)
        let evals = log.records.filter { $0.type == "eval" }
        XCTAssertEqual(evals.map(\.step), [7, 14, 21])
        XCTAssert(evals.allSatisfy { $0.split == "validation" && $0.count == 20 })
        // The ramp ends at step 10: the best of steps 14 and 21, the later one on a tie.
        let best = evals.filter { $0.step >= 10 }.max { ($0.verifiedAccuracy!, $0.step) < ($1.verifiedAccuracy!, $1.step) }!
        let chosen = try Checkpoint.load(out.appendingPathComponent("best.ckpt"))
        XCTAssertEqual(chosen.step, best.step)
        XCTAssert(chosen.settings["selected_by"]?.contains("step \(best.step)") == true, "\(chosen.settings)")

        s.validationImages = 100
        XCTAssertThrowsError(try Trainer.start(s, dataDirectory: dir.appendingPathComponent("data"),
                                               directory: dir.appendingPathComponent("w"), force: false)) {
            XCTAssert("\($0)".contains("--validation 100 must be below the 100 training images"), "\($0)")
        }
        // New user: --validation 99 left 1 training image and the default batch trained on it, repeated; the
        // effective batch size (given or default) is checked against the images left.
        s.validationImages = 90
        XCTAssertThrowsError(try Trainer.start(s, dataDirectory: dir.appendingPathComponent("data"),
                                               directory: dir.appendingPathComponent("w"), force: false)) {
            XCTAssert("\($0)".contains("--validation 90 leaves 10 of the training images"), "\($0)")
            XCTAssert("\($0)".contains("--batch-size 16"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("w").path), "nothing written")
        s.validationImages = 0
        XCTAssertThrowsError(try s.validate()) { XCTAssert("\($0)".contains("--validation"), "\($0)") }
        var flags = TrainingFlags()
        flags.validation = 30
        XCTAssertEqual(flags.conflicts(with: trainer.settings).map(\.flag), ["--validation"])
    }

    /// New user: `--out DIR --force` wrote run files into any folder, even the data folder. --force starts over in
    /// an empty folder or an earlier run's (settings.json), nothing else; the user's files stay untouched.
    func testForceStartsOverOnlyInARunFolder() throws {
        let data = dir.appendingPathComponent("data")
        let before = try FileManager.default.contentsOfDirectory(atPath: data.path).sorted()
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: data, force: true)) {
            XCTAssert("\($0)".contains("--out \(data.path) is the data folder"), "\($0)")
        }
        let mine = dir.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: mine.appendingPathComponent("metrics.jsonl"))
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: mine, force: true)) {
            XCTAssert("\($0)".contains("is not a run folder (no settings.json; it holds metrics.jsonl)"), "\($0)")
        }
        XCTAssertEqual(try String(contentsOf: mine.appendingPathComponent("metrics.jsonl"), encoding: .utf8), "keep")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted(), before)
        // Trial 28: without --force such a folder was told to pass --resume or --force, and both were then refused;
        // the refusal comes at once, and only a run's folder is offered --resume, an empty one --force.
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: mine, force: false)) {
            XCTAssert("\($0)".contains("is not a run folder (no settings.json; it holds metrics.jsonl)"), "\($0)")
            XCTAssertFalse("\($0)".contains("--resume"), "\($0)")
        }
        let vacant = dir.appendingPathComponent("vacant")
        try FileManager.default.createDirectory(at: vacant, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: vacant, force: false)) {
            XCTAssert("\($0)".contains("exists: it is empty; pass --force to start the run in it"), "\($0)")
        }
        let plain = dir.appendingPathComponent("plain.txt")
        try Data("x".utf8).write(to: plain)
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: plain, force: true)) {
            XCTAssert("\($0)".contains("--out \(plain.path) is a file, not a folder"), "\($0)")
        }
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertTrue(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: empty, force: true)
            .run(progress: { _ in }))
        XCTAssertTrue(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: empty, force: true)
            .run(progress: { _ in }), "an earlier run's folder starts over")
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: empty, force: false)) {
            XCTAssert("\($0)".contains("exists: pass --resume to continue it or --force to start over"), "\($0)")
        }
        // Trial 30: a run that left settings.json but no checkpoint (it diverged at once, or stopped before its
        // first checkpoint) was offered --resume, which then said there is nothing to resume.
        for name in ["checkpoint.ckpt", "final.ckpt"] {
            try FileManager.default.removeItem(at: empty.appendingPathComponent(name))
        }
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: empty, force: false)) {
            XCTAssert("\($0)".contains("exists: it holds a run that stopped before its first checkpoint, so there is "
                                       + "nothing to resume; pass --force to start over"), "\($0)")
            XCTAssertFalse("\($0)".contains("--resume"), "\($0)")
        }
        // Trial 31: any settings.json (`garbage`, `{"x":1}`) was taken for a run's record, and --force would have
        // replaced it. Only one that reads as a run's settings is; any other folder is not a run's.
        for (name, text, reason) in [("t6", "garbage", "not valid JSON"), ("t7", "{\"x\":1}", "")] {
            let other = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: other.appendingPathComponent("settings.json"))
            for force in [false, true] {
                XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data, directory: other, force: force)) {
                    XCTAssert("\($0)".contains("--out \(other.path) is not a run folder (its settings.json is not a run's "
                                               + "record: \(reason)"), "\($0)")
                    XCTAssert("\($0)".contains("; it holds settings.json), so --force will not write into it; give a new "
                                               + "folder (or an empty one, with --force)"), "\($0)")
                    XCTAssertFalse("\($0)".contains("stopped before its first checkpoint"), "\($0)")
                }
            }
            XCTAssertEqual(try String(contentsOf: other.appendingPathComponent("settings.json"), encoding: .utf8), text)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other.path), ["settings.json"])
        }
        let file = dir.appendingPathComponent("file")
        try Data().write(to: file)
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: data,
                                               directory: file.appendingPathComponent("run"), force: false)) {
            XCTAssert("\($0)".contains("cannot create the run folder: \(file.path) is a file, not a folder"), "\($0)")
        }
    }

    /// New user: a run shorter than a second showed "0 samples/s" on every progress line.
    func testProgressShowsARateFromTheFirstStep() throws {
        var rates: [Double] = []
        XCTAssertTrue(try Trainer.start(settings(steps: 3), dataDirectory: dir.appendingPathComponent("data"),
                                        directory: dir.appendingPathComponent("r"), force: false)
            .run(progress: { rates.append($0.samplesPerSecond) }))
        XCTAssertEqual(rates.count, 3)
        XCTAssert(rates.allSatisfy { $0 > 0 && $0.isFinite }, "\(rates)")
    }

    func testExistingRunFolderNeedsForceOrResume() throws {
        let out = dir.appendingPathComponent("d")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: dir.appendingPathComponent("data"),
                                               directory: out, force: false)) {
            // An empty folder has no run to resume (trial 28: it was offered --resume, which then failed).
            XCTAssert("\($0)".contains("exists: it is empty; pass --force"), "\($0)")
            XCTAssertFalse("\($0)".contains("--resume"), "\($0)")
        }
    }
}

/// Issue #11, kind 5: a flag is never silently ignored, and a resumed run is the run it continues.
final class TrainingResumeTests: XCTestCase {
    private var dir: URL!
    private var data: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
        data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = try MNIST.load(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        try MNIST.write(images, directory: data, split: .train)
        try MNIST.write(images, directory: data, split: .test)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func settings(steps: Int) -> TrainingSettings {
        var flags = TrainingFlags()
        flags.model = "tiny"
        flags.steps = steps
        flags.batchSize = 4
        flags.warmupSteps = 30
        flags.rampSteps = 100
        flags.decaySteps = [170]
        flags.evalEvery = 90
        flags.evalLimit = 20
        flags.checkpointEvery = 1000
        return flags.settings()
    }

    /// metrics.jsonl of a run stopped mid-window (step 150, between the records at 100 and 200) and resumed holds
    /// the records of an uninterrupted run: the same steps, window counts, losses and evaluations.
    func testResumedMetricsEqualAnUninterruptedRun() throws {
        let straight = try Trainer.start(settings(steps: 250), dataDirectory: data, directory: dir.appendingPathComponent("a"),
                                         force: false)
        XCTAssertTrue(try straight.run(progress: { _ in }))
        let first = try Trainer.start(settings(steps: 250), dataDirectory: data, directory: dir.appendingPathComponent("b"),
                                      force: false)
        var at = 0
        XCTAssertFalse(try first.run(progress: { at = $0.step }, shouldStop: { at == 150 }))
        let resumed = try Trainer.resume(directory: dir.appendingPathComponent("b"))
        XCTAssertEqual(resumed.step, 150)
        XCTAssertTrue(try resumed.run(progress: { _ in }))

        func records(_ run: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent("\(run)/metrics.jsonl"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    // Wall time differs between any two runs; everything else must not.
                    line.replacingOccurrences(of: #""seconds":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
                }
        }
        let a = try records("a"), b = try records("b")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.filter { $0.contains("\"type\":\"train\"") }.count, 2)
        XCTAssertEqual(a.filter { $0.contains("\"type\":\"eval\"") }.count, 3)  // steps 90, 180, 250
        XCTAssertTrue(a.contains { $0.contains("\"count\":400") && $0.contains("\"step\":200") }, "\(a)")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("a/final.ckpt")),
                       try Data(contentsOf: dir.appendingPathComponent("b/final.ckpt")))
    }

    /// A run keeps the GEMM kernel it started on when resumed on a CPU that runs it (the AVX2 kernel became this
    /// host's default while runs begun on OpenBLAS were under way): the resumed steps are the uninterrupted run's bits.
    func testResumeKeepsTheRecordedKernel() throws {
        let preferred = GEMMKernel.current
        defer { GEMMKernel.current = preferred }
        let other: GEMMKernel = preferred == .blas ? (GEMMKernel.isAvailable(.avx2) ? .avx2 : .blas) : .blas
        GEMMKernel.current = other
        let straight = try Trainer.start(settings(steps: 10), dataDirectory: data, directory: dir.appendingPathComponent("s"),
                                         force: false)
        XCTAssertTrue(try straight.run(progress: { _ in }))
        var at = 0
        XCTAssertFalse(try Trainer.start(settings(steps: 10), dataDirectory: data, directory: dir.appendingPathComponent("k"),
                                         force: false).run(progress: { at = $0.step }, shouldStop: { at == 5 }))
        GEMMKernel.current = preferred
        let resumed = try Trainer.resume(directory: dir.appendingPathComponent("k"))
        XCTAssertEqual(GEMMKernel.current, other)
        XCTAssertEqual(resumed.warnings.filter { $0.contains("GEMM") }, [])
        XCTAssertTrue(try resumed.run(progress: { _ in }))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("s/final.ckpt")),
                       try Data(contentsOf: dir.appendingPathComponent("k/final.ckpt")))
    }

    /// `--precision bf16`: the steps' products run in bfloat16 (the weights differ from an fp32 run's), the record
    /// says so (an fp32 run records no field, as before the flag), a resumed bf16 run continues in bf16 (the bits of
    /// a straight one), `--precision fp32` on it is a conflict, and float32 is back after every step.
    func testBF16PrecisionIsRecordedKeptOnResumeAndScopedToTheSteps() throws {
        try XCTSkipUnless(GEMMPrecision.isAvailable(.bf16), "this CPU cannot run bf16 products")
        var bf16 = settings(steps: 10)
        bf16.precision = .bf16
        let fp32Run = try Trainer.start(settings(steps: 10), dataDirectory: data, directory: dir.appendingPathComponent("f"),
                                        force: false)
        XCTAssertTrue(try fp32Run.run(progress: { _ in }))
        let straight = try Trainer.start(bf16, dataDirectory: data, directory: dir.appendingPathComponent("s"), force: false)
        var precisions: Set<GEMMPrecision> = []
        XCTAssertTrue(try straight.run(progress: { _ in precisions.insert(GEMMPrecision.current) }))
        XCTAssertEqual(precisions, [.fp32], "progress (and the evaluations beside it) run in float32")
        let f = try Data(contentsOf: dir.appendingPathComponent("f/final.ckpt"))
        let s = try Data(contentsOf: dir.appendingPathComponent("s/final.ckpt"))
        XCTAssertNotEqual(f, s, "bf16 steps must change the weights' bits")
        let record = try String(contentsOf: dir.appendingPathComponent("s/settings.json"), encoding: .utf8)
        XCTAssert(record.contains("\"precision\" : \"bf16\""), record)
        XCTAssertFalse(try String(contentsOf: dir.appendingPathComponent("f/settings.json"), encoding: .utf8)
            .contains("precision"))
        var at = 0
        XCTAssertFalse(try Trainer.start(bf16, dataDirectory: data, directory: dir.appendingPathComponent("k"), force: false)
            .run(progress: { at = $0.step }, shouldStop: { at == 5 }))
        var flags = TrainingFlags()
        flags.precision = .fp32
        XCTAssertThrowsError(try Trainer.resume(directory: dir.appendingPathComponent("k"), flags: flags)) {
            XCTAssert("\($0)".contains("--precision fp32"), "\($0)")
        }
        let resumed = try Trainer.resume(directory: dir.appendingPathComponent("k"))
        XCTAssertTrue(try resumed.run(progress: { _ in }))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("k/final.ckpt")), s)
        XCTAssertEqual(GEMMPrecision.current, .fp32)
    }

    /// A run in `name`, started with `s` and stopped after 2 steps (so its checkpoint is written), and its
    /// settings.json: what the record-editing tests below start from.
    private func stoppedRun(_ name: String, _ s: TrainingSettings) throws -> (run: URL, record: URL) {
        let run = dir.appendingPathComponent(name)
        var at = 0
        XCTAssertFalse(try Trainer.start(s, dataDirectory: data, directory: run, force: false)
            .run(progress: { at = $0.step }, shouldStop: { at == 2 }))
        return (run, run.appendingPathComponent("settings.json"))
    }

    /// A hand-edited `"data"` that is empty or relative is refused by name: it meant whatever folder the resume ran
    /// in (`""` resumed from the current folder and exited 0).
    func testARecordedDataFolderMustBeAbsolute() throws {
        let (run, url) = try stoppedRun("d", settings(steps: 4))
        let original = try String(contentsOf: url, encoding: .utf8)
        let recorded = try XCTUnwrap(StrictJSON.decode(TrainingSettings.self, from: Data(original.utf8)).data)
        for bad in ["", "data", "../mnist"] {
            try original.replacingOccurrences(of: "\"\(recorded)\"", with: "\"\(bad)\"").write(to: url, atomically: true,
                                                                                          encoding: .utf8)
            XCTAssertThrowsError(try Trainer.resume(directory: run)) {
                XCTAssert("\($0)".contains("field \"data\" is \"\(bad)\"; expected the absolute path"), "\($0)")
            }
        }
        try original.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Trainer.resume(directory: run).step, 2)
    }

    /// A record that states a default train leaves out (`"precision": "fp32"`, `"initialization": "orthogonal"` and a
    /// warm-up regulariser of weight 0 for a run recorded without them) is the same run as one without the field: the resume goes on (it said "written by
    /// another run (precision "fp32" in settings.json, unset in the checkpoint)"); another value is still refused.
    func testARecordedDefaultIsTheSameRunAsAnAbsentField() throws {
        var s = settings(steps: 4)
        s.initialization = nil
        s.warmupRegularizer = nil
        let (run, url) = try stoppedRun("p", s)
        let original = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(original.contains("\"precision\""))
        XCTAssertFalse(original.contains("\"initialization\""))
        XCTAssertFalse(original.contains("\"warmupRegularizer\""))
        let stated = original.replacingOccurrences(of: "{", with: "{\"precision\": \"fp32\", \"initialization\": \"orthogonal\", "
                                                   + "\"warmupRegularizer\": {\"lambda\": 0, \"tolerance\": 0.5}, ",
                                                   options: [], range: original.startIndex..<original.index(after: original.startIndex))
        try stated.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(try Trainer.resume(directory: run).step, 2)
        try stated.replacingOccurrences(of: "\"orthogonal\"", with: "\"ibp\"").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.resume(directory: run)) {
            XCTAssert("\($0)".contains("record different settings (initialization not set in the checkpoint, \"ibp\" in settings.json)"), "\($0)")
        }
        try stated.replacingOccurrences(of: "\"lambda\": 0,", with: "\"lambda\": 0.25,").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.resume(directory: run)) {
            XCTAssert("\($0)".contains("warmupRegularizer.lambda not set in the checkpoint, 0.25 in settings.json"), "\($0)")
        }
    }

    /// New user (F9, F10): a record whose value differs from the checkpoint's is shown as written, not as
    /// normalised ("orthogonal" in settings.json was called "unset"), a null field is "not set", and the refusal
    /// names both files without deciding which one is wrong (it said "written by another run" of an edited record).
    func testDifferingRecordsAreShownAsWritten() throws {
        var s = settings(steps: 4)
        s.initialization = .ibp
        let (run, url) = try stoppedRun("w", s)
        let original = try String(contentsOf: url, encoding: .utf8)
        XCTAssert(original.contains("\"initialization\" : \"ibp\""), original)
        for (edited, shown) in [("\"orthogonal\"", "\"orthogonal\" in settings.json"), ("null", "not set in settings.json")] {
            try original.replacingOccurrences(of: "\"initialization\" : \"ibp\"", with: "\"initialization\" : \(edited)")
                .write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Trainer.resume(directory: run)) {
                XCTAssert("\($0)".contains("record different settings (initialization \"ibp\" in the checkpoint, \(shown))"), "\($0)")
                XCTAssert("\($0)".contains("the checkpoint is another run's, or settings.json was edited"), "\($0)")
            }
        }
    }

    /// A record naming another model than the checkpoint holds names both models (it named only settings.json's
    /// and blamed the checkpoint; new-user L4).
    func testAnotherModelNamesBoth() throws {
        let (run, url) = try stoppedRun("m", settings(steps: 4))
        let original = try String(contentsOf: url, encoding: .utf8)
        try original.replacingOccurrences(of: "\"model\" : \"tiny\"", with: "\"model\" : \"small\"")
            .write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.resume(directory: run)) {
            XCTAssert("\($0)".contains("record different models (\"tiny\" in the checkpoint, \"small\" in settings.json)"), "\($0)")
        }
    }

    /// New user (F9): a record without its data folder (absent or null) resumed from the default folder of
    /// whatever working folder the command ran in. That default now stands in only when the record's digest checks
    /// the images; without the digest `--data` is required. A record without `gemmKernel` gets the kernel the
    /// resume ran (the rewritten record had lost it).
    func testARecordWithoutItsDataFolderOrKernel() throws {
        let (run, url) = try stoppedRun("d", settings(steps: 6))
        var record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        XCTAssertNotNil(record["gemmKernel"])
        record["data"] = NSNull()
        record["gemmKernel"] = NSNull()
        let digest = record.removeValue(forKey: "dataSHA256")
        try JSONSerialization.data(withJSONObject: record).write(to: url)
        // A run recorded before the digest was: neither file has it.
        let checkpointURL = run.appendingPathComponent("checkpoint.ckpt")
        let checkpoint = try Checkpoint.load(checkpointURL)
        var stored = try StrictJSON.decode(TrainingSettings.self, from: Data(try XCTUnwrap(checkpoint.settings["settings"]).utf8))
        stored.dataSHA256 = nil
        var old = checkpoint
        old.settings["settings"] = String(decoding: try JSONEncoder().encode(stored), as: UTF8.self)
        try old.save(to: checkpointURL)
        XCTAssertThrowsError(try Trainer.resume(directory: run, defaultData: data)) {
            XCTAssert("\($0)".contains("records no data folder (field \"data\" absent or null) and no digest of its images"), "\($0)")
            XCTAssert("\($0)".contains("pass --data DIR"), "\($0)")
        }
        // With the digest, the default folder is checked by it and taken; a default that is missing or holds other
        // images is refused saying it was the default (new-user M3: the lines named neither settings.json nor --data).
        try checkpoint.save(to: checkpointURL)
        record["dataSHA256"] = digest
        try JSONSerialization.data(withJSONObject: record).write(to: url)
        let missing = dir.appendingPathComponent("no-such-folder")
        XCTAssertThrowsError(try Trainer.resume(directory: run, defaultData: missing)) {
            XCTAssert("\($0)".hasPrefix("\(url.path) records no data folder, so the default one was tried: \(missing.path) cannot be read"), "\($0)")
            XCTAssert("\($0)".hasSuffix("pass --data DIR with the run's MNIST files"), "\($0)")
        }
        let other = dir.appendingPathComponent("other")
        try FileManager.default.copyItem(at: data, to: other)
        var test = try MNIST.load(directory: data, split: .test)
        test.labels[0] = (test.labels[0] + 1) % 10
        try MNIST.write(test, directory: other, split: .test)
        XCTAssertThrowsError(try Trainer.resume(directory: run, defaultData: other)) {
            XCTAssert("\($0)".hasPrefix("\(url.path) records no data folder, so the default one was tried: the MNIST test files"), "\($0)")
            XCTAssert("\($0)".hasSuffix("pass --data DIR with the run's MNIST files"), "\($0)")
        }
        let resumed = try Trainer.resume(directory: run, defaultData: data)
        XCTAssertEqual(resumed.settings.gemmKernel, GEMMKernel.current.rawValue)
        let rewritten = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        XCTAssertEqual(rewritten["gemmKernel"] as? String, GEMMKernel.current.rawValue)
        XCTAssertEqual(rewritten["data"] as? String, TypedPath.resolved(data.path))
    }

    /// On a CPU without AVX512_BF16 (simulated), a new bf16 run and the resume of one are refused before any step,
    /// in one line that names the instruction set and both ways on (the resume does not ask for a flag it never had).
    func testBF16WithoutTheInstructionsIsRefusedForNewAndResumedRuns() throws {
        var bf16 = settings(steps: 4)
        bf16.precision = .bf16
        let saved = GEMMPrecision.bf16Runs
        defer { GEMMPrecision.bf16Runs = saved }
        if saved {
            XCTAssertFalse(try Trainer.start(bf16, dataDirectory: data, directory: dir.appendingPathComponent("r"),
                                             force: false).run(progress: { _ in }, shouldStop: { true }))
        }
        GEMMPrecision.bf16Runs = false
        var attempts: [() throws -> Void] = [{
            _ = try Trainer.start(bf16, dataDirectory: self.data, directory: self.dir.appendingPathComponent("n"),
                                  force: false)
        }]
        // The resume of a run recorded in bf16 (made above while the instructions ran).
        if saved { attempts.append { _ = try Trainer.resume(directory: self.dir.appendingPathComponent("r")) } }
        for attempt in attempts {
            XCTAssertThrowsError(try attempt()) {
                let text = "\($0)"
                XCTAssert(text.contains("need AVX512_BF16") && text.contains("without --precision")
                          && text.contains("resumes only on a CPU that has it") && !text.contains("\n"), text)
            }
        }
    }

    /// The record: the data folder (absolute), its digest, the thread count and the GEMM kernel; resuming without
    /// --data uses the recorded folder, and a checkpoint does not record the folder (it would make its bytes
    /// depend on where the data lies).
    func testTheRunRecordsEverySettingAndResumeUsesIt() throws {
        let run = dir.appendingPathComponent("r")
        let trainer = try Trainer.start(settings(steps: 5), dataDirectory: data, directory: run, force: false)
        try trainer.run(progress: { _ in })
        let record = try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json")))
        XCTAssertEqual(record.data, data.standardizedFileURL.path)
        XCTAssertEqual(record.threads, Parallel.workers)
        XCTAssertEqual(record.gemmKernel, GEMMKernel.current.rawValue)
        XCTAssertEqual(record.dataSHA256?.count, 64 + 1 + 64)
        let stored = try Checkpoint.load(run.appendingPathComponent("final.ckpt")).trainingSettings
        XCTAssertNil(stored?.data)
        XCTAssertEqual(stored?.dataSHA256, record.dataSHA256)

        // --steps extends; the record follows.
        var flags = TrainingFlags()
        flags.steps = 9
        let resumed = try Trainer.resume(directory: run, flags: flags)
        XCTAssertEqual(resumed.settings.steps, 9)
        XCTAssertTrue(try resumed.run(progress: { _ in }))
        XCTAssertEqual(try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json"))).steps, 9)
    }

    /// A flag that differs from the record is refused in one line naming it, both values and the record; the
    /// same value is accepted.
    func testDifferentFlagsOnResumeAreRefused() throws {
        let run = dir.appendingPathComponent("r")
        try Trainer.start(settings(steps: 3), dataDirectory: data, directory: run, force: false).run(progress: { _ in })
        let cases: [(String, (inout TrainingFlags) -> Void)] = [
            ("--learning-rate 0.5 differs from the run's 0.001", { $0.learningRate = 0.5 }),
            ("--epsilon-train 0.3 differs from the run's 0.1", { $0.epsilonTrain = 0.3 }),
            ("--decay-steps 5,6 differs from the run's 170", { $0.decaySteps = [5, 6] }),
            ("--model small differs from the run's tiny", { $0.model = "small" }),
            ("--threads 3 differs", { $0.threads = Parallel.workers == 3 ? 2 : 3 }),
        ]
        for (message, edit) in cases {
            var flags = TrainingFlags()
            edit(&flags)
            XCTAssertThrowsError(try Trainer.resume(directory: run, flags: flags)) { error in
                let expected = message.replacingOccurrences(of: "--threads 3", with: "--threads \(flags.threads ?? 0)")
                XCTAssert("\(error)".hasPrefix(expected), "'\(error)' does not start with '\(expected)'")
                XCTAssert((error as? CommandLineClassified)?.isUsageError == true)
            }
        }
        var same = TrainingFlags()
        same.learningRate = 0.001
        same.model = "tiny"
        XCTAssertNoThrow(try Trainer.resume(directory: run, flags: same))
        var fewer = TrainingFlags()
        fewer.steps = 2
        XCTAssertThrowsError(try Trainer.resume(directory: run, flags: fewer)) { XCTAssert("\($0)".contains("below the 3 steps"), "\($0)") }
    }

    /// --data on resume may name another folder with the same images (the record keeps the folder the run started
    /// with), never other images.
    func testDataOnResumeMustHoldTheSameImages() throws {
        let run = dir.appendingPathComponent("r")
        try Trainer.start(settings(steps: 3), dataDirectory: data, directory: run, force: false).run(progress: { _ in })
        let moved = dir.appendingPathComponent("moved")
        try FileManager.default.copyItem(at: data, to: moved)
        try FileManager.default.removeItem(at: data)
        // The recorded folder is gone: the error names it and says what to do.
        XCTAssertThrowsError(try Trainer.resume(directory: run)) { error in
            XCTAssert("\(error)".contains("the run's data folder \(data.standardizedFileURL.path)"), "\(error)")
            XCTAssert("\(error)".contains("pass --data DIR"), "\(error)")
        }
        XCTAssertNoThrow(try Trainer.resume(directory: run, dataDirectory: moved))
        XCTAssertEqual(try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json"))).data,
                       data.path)
        // Other images under the same names are refused.
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let images = try MNIST.load(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: 99)
        try MNIST.write(images, directory: other, split: .train)
        try MNIST.write(images, directory: other, split: .test)
        XCTAssertThrowsError(try Trainer.resume(directory: run, dataDirectory: other)) { error in
            XCTAssert("\(error)".hasPrefix("--data the MNIST training and test files in \(other.path) differ"), "\(error)")
        }
    }

    /// A metrics.jsonl line that is not a record (or has an unknown field) stops the resume instead of being
    /// dropped, which would leave the resumed log short of an uninterrupted one's.
    func testAMalformedMetricsLineIsReported() throws {
        let run = dir.appendingPathComponent("r")
        let trainer = try Trainer.start(settings(steps: 100), dataDirectory: data, directory: run, force: false)
        XCTAssertTrue(try trainer.run(progress: { _ in }))
        let log = run.appendingPathComponent("metrics.jsonl")
        var text = try String(contentsOf: log, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"type\":\"train\"", with: "\"type\":\"train\",\"lossScale\":2")
        try text.write(to: log, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Trainer.resume(directory: run)) { error in
            XCTAssert("\(error)".contains("metrics.jsonl: line 2 is not a metrics record: unknown field \"lossScale\""), "\(error)")
        }
    }

    /// A metrics.jsonl that was deleted, emptied or cut stops the resume: continuing would write a log without the
    /// history an uninterrupted run keeps (a new user's resume after deleting it exited 0 with steps 300+ only).
    func testMissingOrCutMetricsStopTheResume() throws {
        let run = dir.appendingPathComponent("cut")
        let trainer = try Trainer.start(settings(steps: 250), dataDirectory: data, directory: run, force: false)
        XCTAssertTrue(try trainer.run(progress: { _ in }))
        let log = run.appendingPathComponent("metrics.jsonl")
        let full = try String(contentsOf: log, encoding: .utf8)
        let cut = full.split(separator: "\n").filter { !$0.contains("\"step\":200") }.joined(separator: "\n") + "\n"
        for (what, text) in [("missing", nil), ("emptied", ""), ("cut", cut)] as [(String, String?)] {
            if let text { try text.write(to: log, atomically: true, encoding: .utf8) } else { try FileManager.default.removeItem(at: log) }
            XCTAssertThrowsError(try Trainer.resume(directory: run), what) { error in
                XCTAssert("\(error)".contains("metrics.jsonl"), "\(what): \(error)")
                XCTAssert("\(error)".contains("step 250"), "\(what): \(error)")
            }
        }
        try full.write(to: log, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try Trainer.resume(directory: run))
    }

    /// New user (paths23, item 11): a run shorter than the log's 100-step window (its log holds only evaluations)
    /// resumed without a word after metrics.jsonl was deleted, and the history was lost; an emptied log likewise.
    /// Every checkpoint after step 0 is written after the log, so a missing log is always a lost one, and the
    /// evaluations the run made must be there as its training records must.
    func testAShortRunsMissingOrEmptiedLogStopsTheResume() throws {
        let run = dir.appendingPathComponent("short")
        XCTAssertTrue(try Trainer.start(settings(steps: 10), dataDirectory: data, directory: run, force: false)
            .run(progress: { _ in }))
        let log = run.appendingPathComponent("metrics.jsonl")
        let full = try String(contentsOf: log, encoding: .utf8)
        XCTAssert(full.contains("\"type\":\"eval\""), full)
        var flags = TrainingFlags()
        flags.steps = 12
        for (what, text, expected) in [("missing", nil, "missing, but the checkpoint is at step 10"),
                                       ("emptied", "", "its last evaluation record is at step 0")] as [(String, String?, String)] {
            if let text { try text.write(to: log, atomically: true, encoding: .utf8) } else { try FileManager.default.removeItem(at: log) }
            XCTAssertThrowsError(try Trainer.resume(directory: run, flags: flags), what) { error in
                XCTAssert("\(error)".contains("\(log.path): \(expected)"), "\(what): \(error)")
                XCTAssert("\(error)".contains("restore"), "\(what): \(error)")
            }
        }
        try full.write(to: log, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try Trainer.resume(directory: run, flags: flags))
    }

    /// New user (paths23, item 11b): `--resume --data OTHER` checked only the evaluated first `evalLimit` test
    /// images, so a folder whose test files differ after them was taken, and the record was rewritten to name it,
    /// so that a later refusal called OTHER the folder the run started with. The whole test files are digested
    /// now, the refusal names the files that differ and the folder the run started with, and the record keeps it.
    func testDataOnResumeChecksTheWholeTestFilesAndTheRecordKeepsItsFolder() throws {
        let run = dir.appendingPathComponent("r")
        XCTAssertTrue(try Trainer.start(settings(steps: 3), dataDirectory: data, directory: run, force: false).run(progress: { _ in }))
        let started = try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json")))
        // Another folder whose test labels differ after the 20 images evaluated (label 90 of 100).
        let other = dir.appendingPathComponent("other")
        try FileManager.default.copyItem(at: data, to: other)
        var test = try MNIST.load(directory: data, split: .test)
        test.labels[90] = (test.labels[90] + 1) % 10
        try MNIST.write(test, directory: other, split: .test)
        XCTAssertThrowsError(try Trainer.resume(directory: run, dataDirectory: other, steps: 4)) { error in
            XCTAssert("\(error)".hasPrefix("--data the MNIST test files (t10k-*) in \(other.path) differ from those the run "
                                          + "started with (in \(started.data!), sha256 "), "\(error)")
        }
        // A copy with the same files is taken, and the record keeps the folder the run started with.
        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: data, to: copy)
        XCTAssertTrue(try Trainer.resume(directory: run, dataDirectory: copy, steps: 4).run(progress: { _ in }))
        let after = try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: run.appendingPathComponent("settings.json")))
        XCTAssertEqual(after.data, started.data)
        XCTAssertEqual(after.dataSHA256, started.dataSHA256)
        // Training images changed in the copy: the refusal names the training files and the original folder.
        var train = try MNIST.load(directory: data, split: .train)
        train.labels[0] = (train.labels[0] + 1) % 10
        try MNIST.write(train, directory: copy, split: .train)
        XCTAssertThrowsError(try Trainer.resume(directory: run, dataDirectory: copy, steps: 5)) { error in
            XCTAssert("\(error)".contains("the MNIST training files (train-*) in \(copy.path) differ from those the run "
                                         + "started with (in \(started.data!), "), "\(error)")
        }
    }

    /// A record made before the whole test files were digested holds the digest of the first `evalLimit` (here 20)
    /// test images (or `-` with `--validation`): it is still accepted for the same files, and only for them.
    func testARecordOfTheEvaluatedTestImagesIsStillAccepted() throws {
        let whole = try MNIST.load(directory: data, split: .test)
        let train = Dataset.sha256(of: try MNIST.load(directory: data, split: .train))
        let run = Trainer.RunData(train: try Dataset.mnist(directory: data, split: .train),
                                   evaluated: Dataset(whole.prefix(20)), digest: "\(train)+\(Dataset.sha256(of: whole))",
                                   legacyTestDigest: Dataset.sha256(of: whole.prefix(20)))
        XCTAssertNil(run.differs(from: run.digest))
        XCTAssertNil(run.differs(from: "\(train)+\(Dataset.sha256(of: whole.prefix(20)))"))
        XCTAssertEqual(run.differs(from: "\(train)+\(Dataset.sha256(of: whole.prefix(19)))"),
                       "test files (t10k-*)")
        XCTAssertEqual(run.differs(from: "\(Dataset.sha256(of: whole.prefix(99)))+\(Dataset.sha256(of: whole))"),
                       "training files (train-*)")
    }

    /// New user, kind "silent guess": a checkpoint copied in from another run (other seed and learning rate) was
    /// resumed as if it were this run's; a run that stopped before its first checkpoint said only "no such file".
    func testResumeRefusesAnotherRunsCheckpointAndSaysWhenThereIsNone() throws {
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        var other = settings(steps: 20)
        other.seed = 1
        other.schedule.learningRate = 0.002
        XCTAssertFalse(try Trainer.start(settings(steps: 20), dataDirectory: data, directory: a, force: false)
            .run(progress: { _ in }, shouldStop: { true }))
        XCTAssertFalse(try Trainer.start(other, dataDirectory: data, directory: b, force: false)
            .run(progress: { _ in }, shouldStop: { true }))
        XCTAssertNoThrow(try Trainer.resume(directory: a))
        try FileManager.default.removeItem(at: a.appendingPathComponent("checkpoint.ckpt"))
        XCTAssertThrowsError(try Trainer.resume(directory: a)) {
            XCTAssert("\($0)".contains("stopped before its first checkpoint"), "\($0)")
            XCTAssert("\($0)".contains("--out \(a.path) --force"), "\($0)")
        }
        try FileManager.default.copyItem(at: b.appendingPathComponent("checkpoint.ckpt"), to: a.appendingPathComponent("checkpoint.ckpt"))
        XCTAssertThrowsError(try Trainer.resume(directory: a)) {
            // Each differing setting is named by its path with both values, e.g. the learning rate.
            XCTAssert("\($0)".contains("record different settings ("), "\($0)")
            XCTAssert("\($0)".contains("the checkpoint is another run's, or settings.json was edited"), "\($0)")
            XCTAssert("\($0)".contains("schedule.learningRate 0.002 in the checkpoint"), "\($0)")
            XCTAssert("\($0)".contains("seed "), "\($0)")
        }
    }

    /// New user: `visualize training` drew records train never writes (accuracy 1.7, verified above nominal,
    /// steps going back, unknown types). Each is refused naming the file and line.
    func testMetricsRecordsTrainCannotWriteAreRefused() throws {
        let log = dir.appendingPathComponent("m.jsonl")
        let good = #"{"type":"train","step":100,"epsilon":0.1,"kappa":0.5,"learningRate":0.001,"loss":0.3,"nominalLoss":0.3,"#
            + #""nominalAccuracy":0.9,"count":100}"#
        let cases = [
            (#"{"type":"train","step":100,"nominalAccuracy":1.7}"#, "nominalAccuracy 1.7 is outside [0, 1]"),
            (#"{"type":"eval","step":100,"nominalAccuracy":0.7,"verifiedAccuracy":0.9}"#, "verified accuracy 0.9 above nominal 0.7"),
            (good + "\n" + good, "train record at step 100 after one at step 100"),
            (#"{"type":"zzz","step":100}"#, "unknown record type \"zzz\""),
            (#"{"type":"train","step":1000000000000000}"#, "outside 1...1000000000"),
            (#"{"type":"train","step":100,"epsilon":-0.5}"#, "epsilon -0.5 is outside [0, 1]"),
            (#"{"type":"eval","step":100,"count":0}"#, "count 0 is below 1"),
            // Trust22b: a record without its type's fields drew an empty figure (visualize training, exit 0).
            (#"{"step":10,"type":"eval"}"#, #"the eval record at step 10 lacks "epsilon""#),
            (#"{"type":"eval","step":10,"epsilon":0.1,"nominalAccuracy":0.9,"count":5}"#, #"lacks "verifiedAccuracy""#),
            (#"{"type":"train","step":100,"epsilon":0.1,"kappa":0.5,"learningRate":0.001,"loss":0.3,"nominalAccuracy":0.9,"count":100}"#,
             #"the train record at step 100 lacks "nominalLoss""#),
            (#"{"type":"eval","step":10,"epsilon":0.1,"nominalAccuracy":0.9,"verifiedAccuracy":0.8,"count":5,"loss":1}"#,
             #"the eval record at step 10 has "loss", which only the other record type has"#),
            (good.replacingOccurrences(of: "}", with: #","split":"test"}"#), #"has "split""#),
        ]
        for (text, expected) in cases {
            try (text + "\n").write(to: log, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try MetricsLog(url: log, upTo: Int.max), text) {
                XCTAssert("\($0)".contains(expected) && "\($0)".contains("m.jsonl: line"), "\(text): \($0)")
            }
        }
        try (good + "\n" + #"{"type":"eval","step":100,"epsilon":0.1,"nominalAccuracy":0.9,"verifiedAccuracy":0.8,"count":20}"#
             + "\n").write(to: log, atomically: true, encoding: .utf8)
        XCTAssertEqual(try MetricsLog(url: log, upTo: Int.max).records.count, 2)
    }

    /// Trust22b: a line that is not UTF-8 said "cannot read the metrics log (Error Domain=NSCocoaErrorDomain Code=259
    /// ...)"; it names the file and the line, and the lines before it are not the problem.
    func testMetricsLineThatIsNotUTF8IsNamedByLine() throws {
        let log = dir.appendingPathComponent("m.jsonl")
        let good = #"{"type":"eval","step":100,"nominalAccuracy":0.9,"verifiedAccuracy":0.8,"count":20,"epsilon":0.1}"#
        try (Data((good + "\n").utf8) + Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])).write(to: log)
        XCTAssertThrowsError(try MetricsLog(url: log, upTo: Int.max)) {
            XCTAssertEqual("\($0)", "\(log.path): line 2 is not UTF-8 text; the log was not written by train, or was damaged")
        }
    }

    /// Trust22b: a finished run whose checkpoint.ckpt is gone (final.ckpt is there) was said to have "stopped before
    /// its first checkpoint"; it is called finished, with what to do.
    func testResumeOfAFinishedRunWithoutItsCheckpointSaysItFinished() throws {
        let run = dir.appendingPathComponent("done")
        XCTAssertTrue(try Trainer.start(settings(steps: 6), dataDirectory: dir.appendingPathComponent("data"), directory: run,
                                        force: false).run(progress: { _ in }))
        try FileManager.default.removeItem(at: run.appendingPathComponent("checkpoint.ckpt"))
        XCTAssertThrowsError(try Trainer.resume(directory: run)) {
            let text = "\($0)"
            XCTAssert(text.contains("no such file, but the run finished at step 6"), text)
            XCTAssert(text.contains("--out NEW_FOLDER") && text.contains("--out \(run.path) --force"), text)
            XCTAssertFalse(text.contains("before its first checkpoint"), text)
        }
    }

    /// The schedule says when it cannot reach its target.
    func testScheduleWarnings() {
        var s = settings(steps: 20)
        s.schedule.epsilonRamp = .linear  // the arithmetic below is the linear ramp's (smooth is --method ibp's default)
        XCTAssertEqual(s.warnings.count, 1)
        XCTAssert(s.warnings[0].contains("warm-up (--warmup-steps) covers all 20 steps"), s.warnings[0])
        s.steps = 80
        XCTAssert(s.warnings[0].contains("ramp ends at step 130"), s.warnings[0])
        XCTAssert(s.warnings[0].contains("eps 0.049"), s.warnings[0])  // 0.1 * (79 - 30) / 100
        s.steps = 130
        XCTAssertEqual(s.warnings, [])
        s.method = .nominal
        s.steps = 5
        XCTAssertEqual(s.warnings, [])
    }

    /// A diverging run stops with one line, and its last checkpoint is not overwritten with NaN.
    func testDivergenceIsReportedAndNothingNonFiniteIsSaved() throws {
        var s = settings(steps: 50)
        s.schedule.learningRate = 1e30
        s.checkpointEvery = 1
        let run = dir.appendingPathComponent("nan")
        let trainer = try Trainer.start(s, dataDirectory: data, directory: run, force: false)
        XCTAssertThrowsError(try trainer.run(progress: { _ in })) { error in
            XCTAssert(error is TrainingDiverged, "\(error)")
            XCTAssert("\(error)".contains("is not finite, so training diverged"), "\(error)")
        }
        XCTAssertNoThrow(try Checkpoint.load(run.appendingPathComponent("checkpoint.ckpt")))
    }
}

/// A nominal run's curves are not titled with a training eps it never used.
final class TrainingCurvesTitleTests: XCTestCase {
    func testTitles() {
        XCTAssertEqual(TrainingCurves.title(model: "small", method: .nominal, epsilonTrain: 0.1, evalEpsilon: 0.2),
                       "small nominal (verified at eps 0.2)")
        XCTAssertEqual(TrainingCurves.title(model: "small", method: .ibp, epsilonTrain: 0.4, evalEpsilon: 0.3),
                       "small ibp eps_train=0.4")
    }
}
