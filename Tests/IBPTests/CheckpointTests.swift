import Foundation
import IBPFormats
import XCTest
@testable import IBP

final class CheckpointTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripIsBitExactForEveryModel() throws {
        for name in Architecture.names {
            var rand = TestRandom(UInt64(name.count))
            let net = rand.network(name)
            var adam = Adam(parameters: net.parameters)
            adam.t = 7
            adam.m = adam.m.map { $0.map { _ in rand.rng.uniform() } }
            adam.v = adam.v.map { $0.map { _ in rand.rng.uniform() } }
            let url = dir.appendingPathComponent("\(name).ckpt")
            try Checkpoint(network: net, step: 42, adam: adam, settings: ["source": "v"]).save(to: url)
            let back = try Checkpoint.load(url)
            XCTAssertEqual(back.architecture, net.architecture)
            XCTAssertEqual(back.step, 42)
            XCTAssertEqual(back.settings["source"], "v")
            XCTAssertEqual(back.adam?.t, 7)
            XCTAssertEqual(back.adam?.m, adam.m)
            XCTAssertEqual(back.adam?.v, adam.v)
            let rebuilt = back.makeNetwork()
            for (a, b) in zip(rebuilt.parameters, net.parameters) {
                XCTAssertEqual(a.value.data.map(\.bitPattern), b.value.data.map(\.bitPattern), "\(name) \(a.name)")
            }
            // Saving the loaded checkpoint again gives the same bytes.
            let again = dir.appendingPathComponent("\(name)-again.ckpt")
            try back.save(to: again)
            XCTAssertEqual(try Data(contentsOf: url), try Data(contentsOf: again))
        }
    }

    func testShapeMismatchIsReported() throws {
        var rand = TestRandom(1)
        let net = rand.network("tiny")
        var ckpt = Checkpoint(network: net)
        ckpt.architecture = Architecture.named("small")!
        let url = dir.appendingPathComponent("bad.ckpt")
        try ckpt.save(to: url)
        XCTAssertThrowsError(try Checkpoint.load(url)) { error in
            XCTAssert("\(error)".contains("bad.ckpt"), "\(error)")
            XCTAssert("\(error)".contains("l1/W"), "\(error)")
        }
    }

    func testNonFiniteWeightsAreRejected() throws {
        var rand = TestRandom(2)
        let net = rand.network("tiny")
        net.parameters[0].value.data[5] = .nan
        let url = dir.appendingPathComponent("nan.ckpt")
        try Checkpoint(network: net).save(to: url)
        XCTAssertThrowsError(try Checkpoint.load(url)) { XCTAssert("\($0)".contains("non-finite"), "\($0)") }
    }

    func testMissingFileIsReported() {
        XCTAssertThrowsError(try Checkpoint.load(dir.appendingPathComponent("none.ckpt"))) {
            XCTAssert("\($0)".contains("no such file"), "\($0)")
        }
    }

    /// A Chainer-style .npz that this project writes itself loads as the seed's vissmall model.
    func testChainerNPZInfersVisSmall() throws {
        var rand = TestRandom(3)
        let net = rand.network("vissmall")
        var arrays: [String: NDArray] = [:]
        for p in net.parameters { arrays[p.name] = NDArray(shape: p.value.shape, values: p.value.data) }
        let url = dir.appendingPathComponent("seed-like.npz")
        try NPZ.write(arrays, to: url)
        let loaded = try Checkpoint.load(url)
        XCTAssertEqual(loaded.architecture, Architecture.named("vissmall"))
        let x = rand.tensor([2, 1, 28, 28], in: 0...1)
        XCTAssertEqual(loaded.makeNetwork().logits(x), net.logits(x))

        arrays["l2/b"] = nil
        try NPZ.write(arrays, to: url)
        XCTAssertThrowsError(try Checkpoint.load(url)) { XCTAssert("\($0)".contains("l2/b"), "\($0)") }
    }

    /// The seed's own checkpoints (where ../shared exists, as in CI) classify test image 0, a 7, as 7.
    func testSeedCheckpointsClassifySevenAsSeven() throws {
        let seed = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seed")
        guard FileManager.default.fileExists(atPath: seed.path) else { throw XCTSkip("../shared/seed is not here") }
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test,
                                     limit: 1)
        XCTAssertEqual(data.labels, [7])
        for file in ["vissmall_baseline_10000.npz", "vissmall_eps01_10000.npz"] {
            let net = try Checkpoint.load(seed.appendingPathComponent(file)).makeNetwork()
            XCTAssertEqual(CrossEntropy.predictions(net.logits(data.batch(0..<1).x)), [7], file)
        }
    }
}
