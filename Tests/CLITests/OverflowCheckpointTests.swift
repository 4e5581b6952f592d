import Foundation
import IBP
import IBPFormats
import XCTest

/// Issue #11, kind 1, the loading part through `evaluate`: the overflow checkpoint has finite weights, so it
/// loads and runs (its verdict is the verifier's to get right); the same file with an inf weight is refused at
/// load, naming the tensor.
final class OverflowCheckpointTests: XCTestCase {
    func testFiniteWeightsLoadAndInfiniteOnesAreNamed() throws {
        let folder = try TempFolder.make(for: self)
        // The one test image: pixel 0 is byte 153, label 1.
        var pixels = [UInt8](repeating: 0, count: 784)
        pixels[0] = 153
        let image = LabelledImages(count: 1, rows: 28, cols: 28, pixels: pixels, labels: [1])
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try MNIST.write(image, directory: data, split: .test)

        func checkpoint(_ edit: (Network) -> Void = { _ in }) -> Checkpoint {
            let network = Network(Architecture(name: "overflow", layers: [.flatten, .linear(units: 1), .activation(.relu),
                                                                          .linear(units: 10)]))
            network.parameters[0].value.data[0] = 1e38       // l1/W[0, 0]
            network.parameters[1].value.data[0] = 2e38       // l1/b
            network.parameters[2].value.data[1] = 1e-20      // lo/W[1, 0]
            network.parameters[3].value.data[1] = -2.5e18    // lo/b[1]
            edit(network)
            return Checkpoint(network: network)
        }
        let url = folder.appendingPathComponent("overflow.ckpt")
        try checkpoint().save(to: url)
        let outcome = try Tool.evaluate.run([url.path, "--data", data.path, "--epsilon", "0.3", "--json"], in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]
        let result = (report["results"] as! [[String: Any]])[0]
        XCTAssertEqual(result["nominal_accuracy"] as? Double, 1)
        XCTAssertEqual(result["pgd_accuracy"] as? Double, 0)

        let infinite = folder.appendingPathComponent("inf.ckpt")
        try checkpoint { $0.parameters[0].value.data[3] = .infinity }.save(to: infinite)
        try assertRejected(.evaluate, [infinite.path, "--data", data.path], in: folder,
                           mentions: ["\(infinite.path): tensor l1/W of layer 2 (linear 1) holds a non-finite value (inf) at [0, 3]"], status: 1)
    }
}
