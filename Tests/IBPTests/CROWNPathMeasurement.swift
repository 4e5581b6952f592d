import Foundation
import XCTest
@testable import IBP

/// A manual measurement, skipped unless IBP_CROWN_CHECKPOINT (a model file) and IBP_MNIST are set: seconds of CROWN
/// and CROWN-IBP (margins' upper bounds, as `evaluate`) on the first IBP_CROWN_LIMIT test images (default 500) at
/// IBP_CROWN_EPSILON (default 0.1), once per path (as gated without and with `laneTransposed`, lanes forced), each path's
/// bounds checked against the first's within 1e-5 of their magnitude. Which path is faster on which network decides
/// `CROWNMethod`'s gates.
final class CROWNPathMeasurement: XCTestCase {
    func testPathTimes() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["IBP_CROWN_CHECKPOINT"], let mnist = env["IBP_MNIST"] else {
            throw XCTSkip("set IBP_CROWN_CHECKPOINT and IBP_MNIST to measure")
        }
        let limit = env["IBP_CROWN_LIMIT"].flatMap(Int.init) ?? 500
        let epsilon = env["IBP_CROWN_EPSILON"].flatMap(Float.init) ?? 0.1
        let data = try Dataset.mnist(directory: URL(fileURLWithPath: mnist), split: .test, limit: limit)
        let net = try Checkpoint.load(URL(fileURLWithPath: path)).makeNetwork()
        let (images, labels) = data.batch(0..<data.count)
        let x = net.shapedInput(images)
        let spec = Specification.elided(labels: labels, classes: net.classes)
        let box = InputBox(around: x, epsilon: epsilon)
        for intermediate in [CROWNMethod.Intermediate.ibp, .crown] {
            var paths: [(String, CROWNMethod)] = []
            var gatedOld = CROWNMethod(intermediate: intermediate)
            gatedOld.laneTransposed = false
            paths.append(("gated, applyTransposed", gatedOld))
            paths.append(("gated", CROWNMethod(intermediate: intermediate)))
            var forced = CROWNMethod(intermediate: intermediate)
            forced.minimumDeadShare = 0
            paths.append(("lanes forced", forced))
            paths.append(("gated again", CROWNMethod(intermediate: intermediate)))
            var reference: [Float] = []
            for (name, method) in paths {
                let clock = Date()
                let bounds = try method.bounds(net.layers, box: box, specification: spec, upperOnly: true)
                let seconds = Date().timeIntervalSince(clock)
                let upper = bounds.specification!.upper.data
                if reference.isEmpty { reference = upper }
                let scale = (reference.filter(\.isFinite).map(abs).max() ?? 0) + 1
                for (g, w) in zip(upper, reference) { XCTAssert(g == w || abs(g - w) <= 1e-5 * scale, "\(name)") }
                print(String(format: "%@ %@ %@ eps %.2f: %.3f s, %.0f img/s", path, "\(intermediate)", name,
                             epsilon, seconds, Double(data.count) / seconds))
            }
        }
    }
}
