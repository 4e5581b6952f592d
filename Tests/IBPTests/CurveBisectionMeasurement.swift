import Foundation
import XCTest
@testable import IBP

/// A manual check, skipped unless IBP_CURVES_CHECKPOINTS (comma-separated model files) and IBP_MNIST (the MNIST
/// directory) are set; `scripts/check-curves.sh` runs it. For every test image (IBP_CURVES_LIMIT: the first N) and
/// every eps of the grid (IBP_CURVES_EPSILONS, default 0:0.45:0.01), whether `CurveEvaluator`'s bisection says the
/// sample is IBP-certified, against bounding it at that eps (the brute force), in the batches of 500 both use.
/// Fails on any differing (sample, eps); prints the counts of both and the time each took.
final class CurveBisectionMeasurement: XCTestCase {
    func testBisectionAgainstBruteForceOnEveryImage() throws {
        let env = ProcessInfo.processInfo.environment
        guard let checkpoints = env["IBP_CURVES_CHECKPOINTS"], let mnist = env["IBP_MNIST"] else {
            throw XCTSkip("set IBP_CURVES_CHECKPOINTS and IBP_MNIST to check")
        }
        let grid = try FigureLists.epsilons(env["IBP_CURVES_EPSILONS"] ?? "0:0.45:0.01")
        let data = try Dataset.mnist(directory: URL(fileURLWithPath: mnist), split: .test,
                                     limit: env["IBP_CURVES_LIMIT"].flatMap(Int.init))
        let order = grid.indices.sorted { (grid[$0], $0) < (grid[$1], $1) }
        for path in checkpoints.split(separator: ",").map(String.init) {
            let net = try Checkpoint.load(URL(fileURLWithPath: path)).makeNetwork()
            var bisectSeconds = 0.0, bruteSeconds = 0.0, differing = 0
            var fastCounts = [Int](repeating: 0, count: grid.count), bruteCounts = fastCounts
            for start in stride(from: 0, to: data.count, by: 500) {
                let (images, labels) = data.batch(start..<min(start + 500, data.count))
                let x = net.shapedInput(images)
                let spec = Specification.elided(labels: labels, classes: net.classes)
                var clock = Date()
                let fast = try CurveEvaluator.bisect(net, method: .ibp, x: x, specification: spec, epsilons: grid,
                                                     order: order)
                bisectSeconds += Date().timeIntervalSince(clock)
                clock = Date()
                let brute = try grid.map { eps in
                    try CurveEvaluator.certify(net, method: .ibp, x: x, specification: spec,
                                               epsilons: [Float](repeating: eps, count: x.batch))
                }
                bruteSeconds += Date().timeIntervalSince(clock)
                for k in grid.indices {
                    fastCounts[k] += fast[k].filter { $0 }.count
                    bruteCounts[k] += brute[k].filter { $0 }.count
                    for s in 0..<x.batch where fast[k][s] != brute[k][s] {
                        differing += 1
                        print("differs: \(path) sample \(start + s) eps \(grid[k]): bisection \(fast[k][s]), "
                              + "brute force \(brute[k][s])")
                    }
                }
            }
            print("\(path): \(data.count) images x \(grid.count) eps, \(differing) differing (sample, eps); "
                  + "certified counts equal: \(fastCounts == bruteCounts); "
                  + String(format: "bisection %.2f s, brute force %.2f s (%.1fx)", bisectSeconds, bruteSeconds,
                           bruteSeconds / max(bisectSeconds, 1e-9)))
            print("  certified per eps: \(fastCounts.map(String.init).joined(separator: ","))")
            XCTAssertEqual(differing, 0, path)
            XCTAssertEqual(fastCounts, bruteCounts, path)
        }
    }
}
