import Foundation
import IBP
import IBPFormats
import XCTest

/// Damaged checkpoints given to `evaluate`: each must be rejected with one line that names the file and the
/// problem (see `assertRejected`).
final class CheckpointBadInputTests: XCTestCase {
    private var folder: URL!
    private var data: URL!
    private var good: Data!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
        let url = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: url)
        good = try Data(contentsOf: url)
    }

    /// Writes `bytes` (if any) as `name` and checks that `evaluate` rejects it, naming it and each of `problem`.
    private func assertEvaluateRejects(_ bytes: Data?, as name: String = "bad.ckpt", _ problem: String...,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let url = folder.appendingPathComponent(name)
        if let bytes { try bytes.write(to: url) }
        try assertRejected(.evaluate, [url.path, "--data", data.path], in: folder, mentions: [url.path] + problem,
                           file: file, line: line)
    }

    func testMissingFile() throws {
        try assertEvaluateRejects(nil, as: "missing.ckpt", "no such file")
    }

    func testEmptyFile() throws {
        try assertEvaluateRejects(Data(), "0 bytes")
    }

    func testTruncatedAtEverySection() throws {
        let headerEnd = 8 + SafetensorsParts.headerLength(good)
        let cuts: [(bytes: Int, problem: String)] = [
            (3, "shorter than the 8-byte header length"),       // inside the header length
            (8, "header length"),                               // header length only
            (8 + (headerEnd - 8) / 2, "header length"),         // inside the header
            (headerEnd, "lie outside"),                         // header without data
            (headerEnd + (good.count - headerEnd) / 2, "lie outside"),  // inside the data
            (good.count - 1, "lie outside"),                    // last byte missing
        ]
        for cut in cuts {
            try assertEvaluateRejects(good.prefix(cut.bytes), as: "cut-\(cut.bytes).ckpt", cut.problem)
        }
    }

    func testMalformedHeaderJSON() throws {
        var header = String(decoding: good.subdata(in: 8..<(8 + SafetensorsParts.headerLength(good))), as: UTF8.self)
        header = header.replacingOccurrences(of: "\"dtype\":", with: "\"dtype\";")
        let damaged = try SafetensorsParts(good).bytes(headerText: header)
        try assertEvaluateRejects(damaged, "malformed safetensors header")
    }

    func testHeaderThatIsNotAnObject() throws {
        try assertEvaluateRejects(try SafetensorsParts(good).bytes(headerText: "[1, 2]"), "not an object")
    }

    func testUnknownDtype() throws {
        var parts = try SafetensorsParts(good)
        parts.set("lo/b", "dtype", to: "F16")
        try assertEvaluateRejects(try parts.bytes(), "lo/b", "F16")
    }

    func testOverlappingOffsets() throws {
        var parts = try SafetensorsParts(good)
        let offsets = parts.offsets("l1/b")
        parts.set("l1/b", "data_offsets", to: [offsets[0] - 4, offsets[1] - 4])
        try assertEvaluateRejects(try parts.bytes(), "l1/W", "l1/b", "overlap")
    }

    func testOffsetsPastTheData() throws {
        var parts = try SafetensorsParts(good)
        let offsets = parts.offsets("lo/b")
        parts.set("lo/b", "data_offsets", to: [offsets[0] + 4, offsets[1] + 4])
        try assertEvaluateRejects(try parts.bytes(), "lo/b", "lie outside")
    }

    func testOffsetTooLargeForAnInteger() throws {
        let header = String(decoding: good.subdata(in: 8..<(8 + SafetensorsParts.headerLength(good))), as: UTF8.self)
        let end = try SafetensorsParts(good).offsets("lo/b")[1]
        let damaged = try SafetensorsParts(good).bytes(
            headerText: header.replacingOccurrences(of: ",\(end)]", with: ",99999999999999999999999]"))
        try assertEvaluateRejects(damaged, "lo/b", "99999999999999999999999, too large (at most 9223372036854775807)")
    }

    func testShapeThatDoesNotMatchTheArchitecture() throws {
        var parts = try SafetensorsParts(good)
        parts.set("lo/b", "shape", to: [5, 2])  // same size, wrong shape
        // The recorded digest covers the shapes: refused by it first, and by the shape check without it.
        try assertEvaluateRejects(try parts.bytes(), "its tensors do not match the SHA-256 recorded")
        parts.removeDigest()
        try assertEvaluateRejects(try parts.bytes(), "lo/b", "[5, 2]", "[10]")
    }

    /// `good` with its architecture metadata replaced by `architecture`.
    private func claiming(_ architecture: Architecture) throws -> Data {
        var parts = try SafetensorsParts(good)
        var metadata = parts.header["__metadata__"] as! [String: String]
        metadata["architecture"] = String(decoding: try JSONEncoder().encode(architecture), as: UTF8.self)
        parts.header["__metadata__"] = metadata
        return try parts.bytes()
    }

    func testArchitectureThatDoesNotMatchTheTensors() throws {
        let narrower = Architecture(name: "narrow", layers: [.flatten, .linear(units: 50), .activation(.relu), .linear(units: 10)])
        try assertEvaluateRejects(try claiming(narrower), "l1/W", "[100, 784]", "[50, 784]")
        try assertEvaluateRejects(try claiming(Architecture.named("small")!), "l1/W", "[16, 1, 4, 4]")
        let huge = Architecture(name: "huge", layers: [.flatten, .linear(units: 65536), .linear(units: 10)])
        try assertEvaluateRejects(try claiming(huge), "l1/W", "[65536, 784]")
    }

    /// Architectures whose weights are few but whose activations could not be allocated, or whose sizes overflow.
    func testArchitectureTooLargeToRun() throws {
        // 4096 channels of 1x1 kernels: 8192 weights, but 3.2 million values per image.
        let wide = Architecture(name: "wide", layers: [.conv(channels: 4096, kernel: 1, stride: 1, same: true),
                                                       .flatten, .linear(units: 10)])
        try assertEvaluateRejects(try claiming(wide), "architecture wide", "[4096, 28, 28]", "values per sample")
        let poster = Architecture(name: "poster", inputShape: [3, 4096, 4096], layers: [.flatten, .linear(units: 10)])
        try assertEvaluateRejects(try claiming(poster), "architecture poster", "input", "values per sample")
        let overflowing = Architecture(name: "overflowing", layers: [.conv(channels: 4, kernel: 1 << 62, stride: 1, same: true),
                                                                     .flatten, .linear(units: 10)])
        try assertEvaluateRejects(try claiming(overflowing), "architecture overflowing", "invalid convolution")
    }

    func testModelForOtherImages() throws {
        let small = Architecture(name: "thumbnails", inputShape: [1, 14, 14],
                                 layers: [.flatten, .linear(units: 100), .activation(.relu), .linear(units: 10)])
        let url = folder.appendingPathComponent("thumbnails.ckpt")
        try Checkpoint(network: Network(small)).save(to: url)
        try assertEvaluateRejects(nil, as: "thumbnails.ckpt", "[1, 14, 14]", "[1, 28, 28]")
    }

    func testModelWithFewerClassesThanTheLabels() throws {
        let three = Architecture(name: "three", layers: [.flatten, .linear(units: 3)])
        let url = folder.appendingPathComponent("three.ckpt")
        try Checkpoint(network: Network(three)).save(to: url)
        try assertEvaluateRejects(nil, as: "three.ckpt", "3 outputs", "label")
    }

    /// Third new user: a network with 784 outputs (an identity) was read as a 784-class MNIST classifier and
    /// scored 0% without a word.
    func testModelWithMoreOutputsThanMNISTClasses() throws {
        let wide = Architecture(name: "wide", layers: [.flatten, .linear(units: 784)])
        let url = folder.appendingPathComponent("wide.ckpt")
        try Checkpoint(network: Network(wide)).save(to: url)
        try assertEvaluateRejects(nil, as: "wide.ckpt", "784 outputs, but MNIST has 10 classes")
    }

    func testFIFOInsteadOfAFile() throws {
        // Reading a FIFO with no writer used to wait forever.
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("fifo.ckpt").path, 0o644), 0)
        try assertEvaluateRejects(nil, as: "fifo.ckpt", "not a regular file")
    }

    func testFolderInsteadOfAFile() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("folder.ckpt"), withIntermediateDirectories: true)
        try assertEvaluateRejects(nil, as: "folder.ckpt", "cannot read")
    }

    func testNaNWeight() throws {
        let url = folder.appendingPathComponent("nan.ckpt")
        try Fixtures.writeCheckpoint(to: url) { $0.parameters[2].value.data[3] = .nan }
        try assertEvaluateRejects(nil, as: "nan.ckpt", "lo/W", "non-finite")
    }

    func testInfiniteWeight() throws {
        let url = folder.appendingPathComponent("inf.ckpt")
        try Fixtures.writeCheckpoint(to: url) { $0.parameters[1].value.data[0] = -.infinity }
        try assertEvaluateRejects(nil, as: "inf.ckpt", "l1/b", "non-finite")
    }

    /// The tiny model is not one of the seed's, so its arrays are read only with `--architecture tiny`.
    func testNPZWithAMissingArray() throws {
        let url = folder.appendingPathComponent("chainer.npz")
        try NPZ.write(Fixtures.chainerArrays(dropping: ["lo/b"]), to: url)
        try assertRejected(.evaluate, [url.path, "--data", data.path, "--architecture", "tiny"], in: folder,
                           mentions: [url.path, "missing array lo/b"])
    }

    func testNPZWithACorruptEntry() throws {
        var bytes = try NPZ.encode(Fixtures.chainerArrays())
        bytes[200] ^= 0xFF  // in l1/W.npy's values, past its zip (38 bytes) and .npy (128 bytes) headers
        try assertEvaluateRejects(bytes, as: "corrupt.npz", "CRC-32", "l1/W.npy")
    }

    func testNPZCutShort() throws {
        let bytes = try NPZ.encode(Fixtures.chainerArrays())
        try assertEvaluateRejects(bytes.prefix(bytes.count / 2), as: "cut.npz", "end-of-central-directory")
    }
}
