import Foundation
import XCTest
@testable import IBP

/// A manual measurement, skipped unless IBP_SOUND_CHECKPOINTS (comma-separated .ckpt paths) and IBP_MNIST
/// (the MNIST directory) are set: how many plainly verified test samples sound mode keeps, and its cost.
/// Optional: IBP_SOUND_EPSILON (default 0.1), IBP_SOUND_LIMIT (default all 10,000).
final class SoundSurvivalMeasurement: XCTestCase {
    func testSoundSurvival() throws {
        let env = ProcessInfo.processInfo.environment
        guard let checkpoints = env["IBP_SOUND_CHECKPOINTS"], let mnist = env["IBP_MNIST"] else {
            throw XCTSkip("set IBP_SOUND_CHECKPOINTS and IBP_MNIST to measure")
        }
        let epsilon = env["IBP_SOUND_EPSILON"].flatMap(Float.init) ?? 0.1
        let data = try Dataset.mnist(directory: URL(fileURLWithPath: mnist), split: .test,
                                     limit: env["IBP_SOUND_LIMIT"].flatMap(Int.init))
        for path in checkpoints.split(separator: ",").map(String.init) {
            let net = try Checkpoint.load(URL(fileURLWithPath: path)).makeNetwork()
            var plainSeconds = 0.0, soundSeconds = 0.0, plainCount = 0, soundCount = 0, lost = 0, gained = 0
            for start in stride(from: 0, to: data.count, by: 500) {
                let (x, labels) = data.batch(start..<min(start + 500, data.count))
                var clock = Date()
                let plainMargins = net.logitsAndMargins(x, labels: labels, epsilon: epsilon).margins
                let plain = Verification.verified(margins: plainMargins, labels: labels)
                plainSeconds += Date().timeIntervalSince(clock)
                clock = Date()
                let sound = Verification.verified(margins: net.soundMargins(x: x, labels: labels, epsilon: epsilon),
                                                  labels: labels)
                soundSeconds += Date().timeIntervalSince(clock)
                plainCount += plain.filter { $0 }.count
                soundCount += sound.filter { $0 }.count
                lost += zip(plain, sound).filter { $0 && !$1 }.count
                gained += zip(plain, sound).filter { !$0 && $1 }.count
            }
            print("\(path) eps \(epsilon): \(data.count) samples, plain verified \(plainCount), sound verified "
                  + "\(soundCount) (lost \(lost), gained \(gained)); "
                  + String(format: "plain %.3f s, sound %.3f s (%.2fx)", plainSeconds, soundSeconds,
                           soundSeconds / plainSeconds))
        }
    }
}
