import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Issue #11, kind 1 (the loading part): an inf or NaN anywhere in a checkpoint's numbers is reported at load,
/// naming the file and the tensor; finite weights whose arithmetic overflows still load (the verdict on them is
/// the verifier's job).
final class NonFiniteWeightTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nonfinite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// The issue's overflow checkpoint: [flatten, linear 1, relu, linear 10] with l1/W[0, 0] = 1e38, l1/b = 2e38,
    /// lo/W[1, 0] = 1e-20, lo/b[1] = -2.5e18, and its one test image (pixel 0 is byte 153, label 1).
    static func overflowCheckpoint() -> (checkpoint: Checkpoint, image: Dataset) {
        let architecture = Architecture(name: "overflow", layers: [.flatten, .linear(units: 1), .activation(.relu),
                                                                   .linear(units: 10)])
        let network = Network(architecture)
        network.parameters[0].value.data[0] = 1e38
        network.parameters[1].value.data[0] = 2e38
        network.parameters[2].value.data[1] = 1e-20
        network.parameters[3].value.data[1] = -2.5e18
        var pixels = [UInt8](repeating: 0, count: 784)
        pixels[0] = 153
        let image = Dataset(LabelledImages(count: 1, rows: 28, cols: 28, pixels: pixels, labels: [1]))
        return (Checkpoint(network: network), image)
    }

    func testTheIssuesOverflowCheckpointLoadsAndIsClassifiedCorrectly() throws {
        let (checkpoint, image) = Self.overflowCheckpoint()
        let url = dir.appendingPathComponent("overflow.ckpt")
        try checkpoint.save(to: url)
        let loaded = try Checkpoint.load(url)
        XCTAssertEqual(loaded.parameters.map(\.array), checkpoint.parameters.map(\.array))
        // Nominally: 1e38 * 0.6 + 2e38 = 2.6e38 (finite), times 1e-20 minus 2.5e18 = 1e17 for class 1, 0 elsewhere.
        let logits = loaded.makeNetwork().logits(image.batch(0..<1).x)
        XCTAssertTrue(logits.data.allSatisfy(\.isFinite))
        XCTAssertEqual(CrossEntropy.predictions(logits), [1])
    }

    /// inf and NaN in every tensor of a .ckpt, weights and Adam moments alike: the message names the tensor and
    /// the position.
    func testEveryTensorOfACheckpointIsChecked() throws {
        let network = Network(Architecture.named("tiny")!)
        let names = network.parameters.map(\.name)
        // Each tensor named with its layer, as every message names a layer (`LayerName`).
        let layer = ["l1": "layer 2 (linear 100)", "lo": "layer 4 (linear 10)"]
        func named(_ name: String) -> String { "\(name) of \(layer[String(name.split(separator: "/").first!)]!)" }
        for (index, name) in names.enumerated() {
            for bad in [Float.infinity, -.infinity, .nan] {
                let copy = Network(Architecture.named("tiny")!)
                copy.parameters[index].value.data[copy.parameters[index].value.count - 1] = bad
                var adam = Adam(parameters: copy.parameters)
                adam.t = 1
                let url = dir.appendingPathComponent("w.ckpt")
                try Checkpoint(network: copy, step: 1, adam: adam).save(to: url)
                XCTAssertThrowsError(try Checkpoint.load(url)) { error in
                    XCTAssert("\(error)".hasPrefix("\(url.path): tensor \(named(name)) holds a non-finite value"), "\(error)")
                }
                // The same value in the Adam moment instead.
                adam = Adam(parameters: network.parameters)
                adam.t = 1
                adam.v[index][0] = bad
                try Checkpoint(network: network, step: 1, adam: adam).save(to: url)
                XCTAssertThrowsError(try Checkpoint.load(url)) { error in
                    XCTAssert("\(error)".contains("tensor adam/v/\(named(name)) holds a non-finite value"), "\(error)")
                }
            }
        }
    }

    /// The same in a Chainer .npz, including a float64 value that is finite in the file but overflows float32.
    func testEveryArrayOfANPZIsChecked() throws {
        var arrays: [String: NDArray] = [:]
        for p in Network(Architecture.named("vissmall")!).parameters {
            arrays[p.name] = NDArray(shape: p.value.shape, values: [Float](repeating: 0, count: p.value.count))
        }
        let layer = ["l1": "layer 1 (conv 6 5x5/2 VALID)", "l2": "layer 3 (conv 3 5x5/1 VALID)", "l3": "layer 6 (linear 20)",
                     "lo": "layer 8 (linear 10)"]
        for name in arrays.keys.sorted() {
            let named = "\(name) of \(layer[String(name.split(separator: "/").first!)]!)"
            var bad = arrays
            bad[name]!.values[0] = .nan
            let url = dir.appendingPathComponent("bad.npz")
            try NPZ.write(bad, to: url)
            XCTAssertThrowsError(try Checkpoint.load(url)) { error in
                XCTAssert("\(error)".contains("array \(named) holds a non-finite value (nan)"), "\(error)")
            }
        }
        // l1/b as <f8 with 1e300: numpy keeps it, float32 cannot.
        var entries = try NPZ.parse(try NPZ.encode(arrays))
        entries["l1/b"] = nil
        var npy = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }"
        header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        npy += Data([UInt8(header.utf8.count), 0]) + Data(header.utf8)
        for v in [1e300, 0, 0, 0, 0, 0] as [Double] { withUnsafeBytes(of: v.bitPattern.littleEndian) { npy += Data($0) } }
        // The file holds a finite number, named as such (it was "a non-finite value (inf)", which the file does not
        // hold; new-user findings s7, item 10).
        XCTAssertThrowsError(try NPY.parse(npy)) { error in
            XCTAssert("\(error)".contains("holds a value too large for float32 (1e300) at [0]"), "\(error)")
        }
        let zipped = try zipOne(entries, extra: ("l1/b.npy", npy))
        let url = dir.appendingPathComponent("f8.npz")
        try zipped.write(to: url)
        XCTAssertThrowsError(try Checkpoint.load(url)) { error in
            XCTAssert("\(error)".contains("holds a value too large for float32 (1e300) at [0]"), "\(error)")
        }
    }

    /// `arrays` as a stored .npz plus one extra entry given as raw bytes, written with Python-free zip code: the
    /// project's writer with the extra entry's bytes spliced in through a placeholder array of the same size.
    private func zipOne(_ arrays: [String: NDArray], extra: (name: String, bytes: Data)) throws -> Data {
        // A placeholder whose .npy encoding has exactly the extra entry's length, then swapped byte for byte.
        let key = String(extra.name.dropLast(4))
        var withPlaceholder = arrays
        let headerBytes = NPY.encode(NDArray(shape: [1], values: [0])).count - 4
        let placeholderCount = (extra.bytes.count - headerBytes) / 4
        withPlaceholder[key] = NDArray(shape: [placeholderCount], values: [Float](repeating: 0, count: placeholderCount))
        let placeholder = NPY.encode(withPlaceholder[key]!)
        XCTAssertEqual(placeholder.count, extra.bytes.count)
        var zip = try NPZ.encode(withPlaceholder)
        let range = zip.range(of: placeholder)!
        zip.replaceSubrange(range, with: extra.bytes)
        // Fix the CRC-32 of that entry in its local header and central directory entry.
        let oldCRC = Gzip.crc32(placeholder), newCRC = Gzip.crc32(extra.bytes)
        let old = withUnsafeBytes(of: oldCRC.littleEndian) { Data($0) }, new = withUnsafeBytes(of: newCRC.littleEndian) { Data($0) }
        while let r = zip.range(of: old) { zip.replaceSubrange(r, with: new) }
        return zip
    }
}
