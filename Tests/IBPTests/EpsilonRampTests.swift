import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// The eps ramp's shapes and the schedule in epochs.
final class EpsilonRampTests: XCTestCase {
    /// DeepMind's smooth_schedule with mid 0.25, beta 4 over steps 2000...12000: f(mid) = m / (beta (1 - m) + m)
    /// = 1/13 at the mid step 4500, half of that polynomial phase gives (1/2)^4 of it, and the ramp's midpoint
    /// (step 7000) lies on the line from (4500, 1/13) to (12000, 1): 5/13.
    func testSmoothRampValues() {
        let s = EpsilonRamp.smooth
        XCTAssertEqual(s.fraction(step: 0, start: 2000, length: 10000), 0)
        XCTAssertEqual(s.fraction(step: 2000, start: 2000, length: 10000), 0)
        XCTAssertEqual(s.fraction(step: 3250, start: 2000, length: 10000), 1.0 / 208, accuracy: 1e-12)
        XCTAssertEqual(s.fraction(step: 4500, start: 2000, length: 10000), 1.0 / 13, accuracy: 1e-12)
        XCTAssertEqual(s.fraction(step: 7000, start: 2000, length: 10000), 5.0 / 13, accuracy: 1e-12)
        XCTAssertEqual(s.fraction(step: 12000, start: 2000, length: 10000), 1)
        XCTAssertEqual(s.fraction(step: 50000, start: 2000, length: 10000), 1)
        XCTAssertEqual(EpsilonRamp.linear.fraction(step: 7000, start: 2000, length: 10000), 0.5)
        var schedule = Schedule(epsilonTrain: 0.4)
        schedule.epsilonRamp = .smooth
        XCTAssertEqual(schedule.epsilon(at: 7000), Float(0.4 * 5.0 / 13), accuracy: 1e-7)
        // Kappa keeps its linear ramp under either shape.
        XCTAssertEqual(schedule.kappa(at: 7000), 0.75, accuracy: 1e-6)
    }

    /// Non-decreasing in [0, 1] at every step, for ramps of many lengths (including ones whose mid step truncates to
    /// the start), with a slope that does not jump at the mid step.
    func testSmoothRampIsMonotoneAndContinuous() {
        for length in [0, 1, 2, 3, 4, 7, 100, 601, 10000] {
            var previous = 0.0
            for step in 0...(length + 10) {
                let f = EpsilonRamp.smooth.fraction(step: step, start: 3, length: length)
                XCTAssert((0...1).contains(f) && f >= previous, "length \(length), step \(step): \(f) after \(previous)")
                previous = f
            }
            XCTAssertEqual(previous, 1, "length \(length)")
        }
        let f = { EpsilonRamp.smooth.fraction(step: $0, start: 0, length: 10000) }
        XCTAssertEqual(f(2500) - f(2499), f(2501) - f(2500), accuracy: 1e-6)
        XCTAssertLessThan(f(100), 1e-6)   // the slow start: 1e-2 of the ramp gives under 1e-6 of eps
    }

    /// Runs recorded before the shape existed (nil) and `linear` give today's schedule bit for bit.
    func testLinearIsTodaysSchedule() {
        var a = Schedule(epsilonTrain: 0.3), b = Schedule(epsilonTrain: 0.3)
        b.epsilonRamp = .linear
        for step in stride(from: 0, through: 14000, by: 7) { XCTAssertEqual(a.epsilon(at: step), b.epsilon(at: step)) }
        a.epsilonRamp = .smooth
        XCTAssertLessThan(a.epsilon(at: 7000), b.epsilon(at: 7000))
    }

    /// Epochs become ceil(E N / B) steps; parts given in steps stay.
    func testEpochsResolveToSteps() throws {
        var flags = TrainingFlags()
        flags.batchSize = 256
        flags.warmupSteps = 77
        flags.fast.epochs = EpochSchedule(epochs: 70, rampEpochs: 20, decayEpochs: [50, 60])
        var s = flags.settings()
        try s.resolveEpochs(trainingImages: 60000)
        XCTAssertEqual(s.steps, 16407)   // 70 * 60000 / 256 = 16406.25
        XCTAssertEqual(s.schedule.rampSteps, 4688)
        XCTAssertEqual(s.schedule.warmupSteps, 77)
        XCTAssertEqual(s.schedule.decaySteps, [11719, 14063])
        XCTAssertEqual(s.epochs, EpochSchedule(epochs: 70, rampEpochs: 20, decayEpochs: [50, 60]))
        s.epochs = EpochSchedule(warmupEpochs: 0.5)
        s.batchSize = 100
        try s.resolveEpochs(trainingImages: 60000)
        XCTAssertEqual(s.schedule.warmupSteps, 300)
        s.epochs = EpochSchedule(epochs: 1e6)
        s.batchSize = 1
        XCTAssertThrowsError(try s.resolveEpochs(trainingImages: 60000)) { error in
            XCTAssertEqual("\(error)", "--epochs 1000000.0 is 60000000000.0 steps of 1 of the 60000 training images, "
                           + "over the limit of 1000000000")
        }
        for bad in [EpochSchedule(epochs: 0), EpochSchedule(rampEpochs: -1), EpochSchedule(warmupEpochs: .nan),
                    EpochSchedule(decayEpochs: [.infinity])] {
            var t = TrainingFlags().settings()
            t.epochs = bad
            XCTAssertThrowsError(try t.validate(), "\(bad)")
        }
    }

    /// A run given in epochs records them and trains the resolved number of steps.
    func testTrainerResolvesEpochs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("epochs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let images = try MNIST.load(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test)
        try MNIST.write(images, directory: data, split: .train)
        try MNIST.write(images, directory: data, split: .test)
        var flags = TrainingFlags()
        flags.model = "tiny"
        flags.batchSize = 16
        flags.evalLimit = 20
        flags.decaySteps = []
        flags.fast.epochs = EpochSchedule(epochs: 0.5, warmupEpochs: 0.1, rampEpochs: 0.2)
        let trainer = try Trainer.start(flags.settings(), dataDirectory: data, directory: dir.appendingPathComponent("run"),
                                        force: false)
        XCTAssertEqual(trainer.settings.steps, 4)   // ceil(0.5 * 100 / 16)
        XCTAssertEqual(trainer.settings.schedule.warmupSteps, 1)
        XCTAssertEqual(trainer.settings.schedule.rampSteps, 2)
        try trainer.run(progress: { _ in })
        let record = try StrictJSON.decode(TrainingSettings.self,
                                           from: Data(contentsOf: dir.appendingPathComponent("run/settings.json")))
        XCTAssertEqual(record.epochs, EpochSchedule(epochs: 0.5, warmupEpochs: 0.1, rampEpochs: 0.2))
        XCTAssertEqual(record.steps, 4)
        XCTAssertEqual(try Checkpoint.load(dir.appendingPathComponent("run/final.ckpt")).trainingSettings?.epochs,
                       record.epochs)
    }

    func testFlagsDefaultsClashesAndConflicts() throws {
        var flags = TrainingFlags()
        XCTAssertEqual(flags.settings().schedule.epsilonRamp, .smooth)
        flags.method = .nominal
        XCTAssertNil(flags.settings().schedule.epsilonRamp)
        flags.fast.epsilonRamp = .linear
        flags.fast.epochs.warmupEpochs = 1
        XCTAssertEqual(flags.ibpOnlyFlags, ["--warmup-epochs", "--eps-schedule"])
        flags = TrainingFlags()
        flags.steps = 10
        flags.fast.epochs.epochs = 2
        XCTAssertEqual(flags.fast.clash(with: flags), "--steps and --epochs set the same count: give one of them")
        flags.steps = nil
        XCTAssertNil(flags.fast.clash(with: flags))
        // A record from before the flags: linear ramp, all in steps.
        var old = TrainingFlags().settings()
        old.schedule.epsilonRamp = nil
        old.epochs = nil
        var given = TrainingFlags()
        given.fast.epsilonRamp = .linear
        XCTAssertEqual(given.conflicts(with: old), [])
        given.fast.epsilonRamp = .smooth
        given.fast.epochs.epochs = 3
        XCTAssertEqual(given.conflicts(with: old).map(\.flag), ["--epochs", "--eps-schedule"])
        XCTAssertEqual(given.conflicts(with: old).first?.recorded, "a schedule in steps")
    }
}
