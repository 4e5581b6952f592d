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
        let result = trainer.evaluate()
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

    func testExistingRunFolderNeedsForceOrResume() throws {
        let out = dir.appendingPathComponent("d")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        XCTAssertThrowsError(try Trainer.start(settings(steps: 2), dataDirectory: dir.appendingPathComponent("data"),
                                               directory: out, force: false)) {
            XCTAssert("\($0)".contains("--resume"), "\($0)")
        }
    }
}
