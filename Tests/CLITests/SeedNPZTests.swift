import Foundation
import IBP
import IBPFormats
import XCTest

/// Issue #11, kind 3, through `evaluate`: the seed's SmallCNN `.npz` is read as the ReLU `small` model; a `.npz`
/// of no seed model is refused with what was found and `--architecture`, which then reads it.
final class SeedNPZTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 100)
    }

    private func zeros(_ model: String) -> [String: NDArray] {
        var out: [String: NDArray] = [:]
        for p in Network(Architecture.named(model)!).parameters {
            out[p.name] = NDArray(shape: p.value.shape, values: [Float](repeating: 0, count: p.value.count))
        }
        return out
    }

    /// The issue's input predicts class 1 for every image, as the seed does: nominal accuracy is the share of 1s.
    func testTheIssuesSmallCNNInput() throws {
        var arrays = zeros("small")
        arrays["l3/b"]!.values = [Float](repeating: -5, count: 100)
        for j in 0..<100 { arrays["lo/W"]!.values[300 + j] = 1 }
        arrays["lo/b"]!.values[1] = 0.5
        let url = folder.appendingPathComponent("smallcnn.npz")
        try NPZ.write(arrays, to: url)
        let outcome = try Tool.evaluate.run([url.path, "--data", data.path, "--pgd-steps", "0", "--json"], in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let labels = try MNIST.load(directory: data, split: .test).labels
        let ones = Double(labels.filter { $0 == 1 }.count) / Double(labels.count)
        let report = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["model"] as? String, "small")
        let results = report["results"] as! [[String: Any]]
        XCTAssertEqual(results[0]["nominal_accuracy"] as? Double, ones)
    }

    func testOtherArraysNeedArchitecture() throws {
        var arrays = zeros("tiny")
        arrays["l1/b"]!.values[0] = 1
        let url = folder.appendingPathComponent("mlp.npz")
        try NPZ.write(arrays, to: url)
        try assertRejected(.evaluate, [url.path, "--data", data.path], in: folder,
                           mentions: [url.path, "not one of the seed's models", "l1/W [100, 784]", "--architecture NAME"],
                           status: 1)
        let forced = try Tool.evaluate.run([url.path, "--data", data.path, "--pgd-steps", "0", "--architecture", "tiny"],
                                           in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("(tiny)"), forced.stdout)
        try assertRejected(.evaluate, [url.path, "--data", data.path, "--architecture", "small"], in: folder,
                           mentions: ["missing array l2/W", "--architecture small"], status: 1)
    }
}
