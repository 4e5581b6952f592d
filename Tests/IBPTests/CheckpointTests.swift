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

    /// Trial 28: four bytes of a weight changed to another finite float were evaluated as the model (80% instead of
    /// 100% on 5 images) and a resumed run trained on. A checkpoint records its tensors' SHA-256 and is refused
    /// when they differ; one written before the digest (the shipped ones) loads unchecked.
    func testAChangedTensorByteIsRefusedByTheRecordedDigest() throws {
        var rand = TestRandom(5)
        let net = rand.network("tiny")
        let url = dir.appendingPathComponent("t.ckpt")
        try Checkpoint(network: net, step: 3, adam: Adam(parameters: net.parameters)).save(to: url)
        let back = try Checkpoint.load(url)
        XCTAssertNil(back.settings["tensors_sha256"], "recomputed by save, not carried as a setting")
        // Saving what was loaded gives the same bytes (the digest is of the same tensors).
        let again = dir.appendingPathComponent("t2.ckpt")
        try back.save(to: again)
        XCTAssertEqual(try Data(contentsOf: again), try Data(contentsOf: url))
        var bytes = try Data(contentsOf: url)
        let file = try Safetensors.parse(bytes)
        XCTAssertEqual(file.metadata["tensors_sha256"]?.count, 64)
        // One byte of the last tensor (an Adam moment), and one of the first weight: a finite value either way.
        for offset in [bytes.count - 2, bytes.count - 4 * (file.tensors.values.map(\.values.count).reduce(0, +)) + 1] {
            var changed = bytes
            changed[offset] ^= 0x01
            let bad = dir.appendingPathComponent("bad\(offset).ckpt")
            try changed.write(to: bad)
            XCTAssertThrowsError(try Checkpoint.load(bad)) {
                XCTAssert("\($0)".contains("its tensors do not match the SHA-256 recorded when it was saved"), "\($0)")
            }
        }
        // Trial 29: the header rewritten so that a weight's bytes are read as its Adam moment and back (the data
        // bytes unchanged) loaded as another model while the digest covered the bytes alone.
        // Each name written where the other was, with the other's values: the same data section, another header.
        let order = file.order.map { $0 == "l1/W" ? "adam/m/l1/W" : $0 == "adam/m/l1/W" ? "l1/W" : $0 }
        let swapped = zip(order, file.order).map { ($0, file.tensors[$1]!) }
        XCTAssertNotEqual(file.tensors["l1/W"], file.tensors["adam/m/l1/W"])
        let rewritten = dir.appendingPathComponent("swapped.ckpt")
        let encoded = try Safetensors.encode(tensors: swapped, metadata: file.metadata)
        XCTAssertEqual(encoded.suffix(bytes.count - 8 - headerLength(bytes)), bytes.suffix(bytes.count - 8 - headerLength(bytes)))
        try encoded.write(to: rewritten)
        XCTAssertThrowsError(try Checkpoint.load(rewritten)) {
            XCTAssert("\($0)".contains("its tensors do not match the SHA-256 recorded when it was saved"), "\($0)")
        }
        // A digest that is not one.
        let digest = try XCTUnwrap(file.metadata["tensors_sha256"])
        let at = try XCTUnwrap(bytes.range(of: Data(digest.utf8)))
        bytes.replaceSubrange(at, with: Data(String(repeating: "Z", count: 64).utf8))
        let garbled = dir.appendingPathComponent("garbled.ckpt")
        try bytes.write(to: garbled)
        XCTAssertThrowsError(try Checkpoint.load(garbled)) {
            XCTAssert("\($0)".contains("tensors_sha256 in metadata is \"ZZZZ"), "\($0)")
            XCTAssert("\($0)".contains(", not a SHA-256 (64 lowercase hex digits)"), "\($0)")
        }
        // The shipped checkpoints predate the digest and load.
        XCTAssertNoThrow(try Checkpoint.load(packageRoot.appendingPathComponent("sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt")))
    }

    /// The header's length (the first 8 bytes, little-endian) of safetensors bytes.
    private func headerLength(_ bytes: Data) -> Int {
        Int(bytes.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
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
