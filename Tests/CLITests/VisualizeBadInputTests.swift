import Foundation
import IBP
import IBPFormats
import XCTest

/// Bad inputs given to `visualize`: each must be rejected with one line that names the file or flag and the
/// problem, quickly and without writing anything (see `assertRejected`).
final class VisualizeBadInputTests: XCTestCase {
    private var folder: URL!

    /// The shipped pair of checkpoints, which take the sample's 28x28 images.
    private let checkpoints = Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints")
    private var baseline: URL { checkpoints.appendingPathComponent("vissmall-baseline.ckpt") }
    private var ibp: URL { checkpoints.appendingPathComponent("vissmall-ibp-eps0.1.ckpt") }

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The tool's defaults are relative to the package root, and the tests run elsewhere: every run names its
    /// checkpoints and data.
    private func arguments(_ extra: [String], baseline: URL? = nil, ibp: URL? = nil,
                           data: URL = Fixtures.sampleMNIST) -> [String] {
        ["--baseline", (baseline ?? self.baseline).path, "--ibp", (ibp ?? self.ibp).path, "--data", data.path] + extra
    }

    private func assertVisualizeRejects(_ arguments: [String], mentions: [String], status: Int32? = nil,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRejected(.visualize, arguments, in: folder, mentions: mentions, status: status, file: file, line: line)
    }

    // MARK: Checkpoints

    /// Outside the repository the default checkpoints exist nowhere the tool looks: every figure kind that has
    /// defaults says which default is missing, where it was looked for and what to pass instead.
    func testMissingDefaultCheckpointsOutsideTheRepository() throws {
        for kind in [[], ["curves"], ["methods"], ["widths"], ["sweep"]] {
            try assertVisualizeRejects(kind + ["--data", Fixtures.sampleMNIST.path, "--out", path("x.png")],
                                       mentions: ["sample_data/checkpoints/", "no such file", "a default checkpoint",
                                                  "run inside the repository"], status: 1)
        }
    }

    func testMissingBaseline() throws {
        let missing = path("missing.ckpt")
        try assertVisualizeRejects(arguments(["--out", path("x.png")], baseline: URL(fileURLWithPath: missing)),
                                   mentions: [missing, "no such file"])
    }

    func testTruncatedOrGarbageIBPCheckpoint() throws {
        let good = try Data(contentsOf: ibp)
        let damaged: [(name: String, bytes: Data, problem: String)] = [
            ("cut-in-header.ckpt", good.prefix(100), "header length"),
            ("cut-in-data.ckpt", good.prefix(good.count / 2), "lie outside"),
            // Text is named for what it is (issue #11, kind 8), not parsed as a header length.
            ("garbage.ckpt", Data("garbage\n".utf8), "not a model (a text file)"),
        ]
        for bad in damaged {
            let url = folder.appendingPathComponent(bad.name)
            try bad.bytes.write(to: url)
            try assertVisualizeRejects(arguments(["--out", path("x.png")], ibp: url), mentions: [url.path, bad.problem])
        }
    }

    func testModelForOtherImages() throws {
        let thumbnails = Architecture(name: "thumbnails", inputShape: [1, 14, 14],
                                      layers: [.flatten, .linear(units: 100), .activation(.relu), .linear(units: 10)])
        let url = folder.appendingPathComponent("thumbnails.ckpt")
        try Checkpoint(network: Network(thumbnails)).save(to: url)
        try assertVisualizeRejects(arguments(["--out", path("x.png")], ibp: url),
                                   mentions: [url.path, "[1, 14, 14]", "[1, 28, 28]"])
    }

    // MARK: Samples and epsilons

    func testSampleOutOfRange() throws {
        // sample_data/mnist holds 100 test images: 0...99.
        try assertVisualizeRejects(arguments(["--sample", "100", "--out", path("x.png")]),
                                   mentions: ["--sample", "100", "out of range"])
        // The range check comes before the batch's output folder is made.
        try assertVisualizeRejects(arguments(["--samples", "0-5,200", "--out-dir", path("batch")]),
                                   mentions: ["--samples", "200", "out of range"])
    }

    func testNegativeSample() throws {
        for spelling in [["--sample", "-1"], ["--sample=-1"]] {
            try assertVisualizeRejects(arguments(spelling + ["--out", path("x.png")]), mentions: ["--sample", "-1"])
        }
    }

    func testEpsilonOutsideZeroToOne() throws {
        for spelling in [["--epsilon", "-0.5"], ["--epsilon=-0.5"], ["--epsilon", "1.5"]] {
            try assertVisualizeRejects(arguments(spelling + ["--out", path("x.png")]), mentions: ["--epsilon", "[0, 1]"])
        }
        // nan is not a decimal number (trust21: one grammar for every decimal flag, DecimalFlagTests).
        try assertVisualizeRejects(arguments(["--epsilon", "nan", "--out", path("x.png")]),
                                   mentions: ["--epsilon takes a decimal number such as 0.1, got 'nan'"])
    }

    func testEpsilonListWithAWord() throws {
        try assertVisualizeRejects(arguments(["--epsilons", "0.1,abc", "--out-dir", path("batch")]),
                                   mentions: ["--epsilons", "abc"])
    }

    func testBackwardsSampleRange() throws {
        try assertVisualizeRejects(arguments(["--samples", "3-1", "--out-dir", path("batch")]), mentions: ["--samples", "3-1"])
    }

    // MARK: Outputs

    /// A missing folder of `--out` is created (`VisualizeSubcommandTests.testOutAndDumpCreateTheirFolders`); one that
    /// cannot be, under a file or in a read-only folder, is refused before any work.
    func testOutUnderAFileOrInAReadOnlyFolder() throws {
        try Data("not a folder".utf8).write(to: folder.appendingPathComponent("a-file"))
        for out in [path("a-file/x.png"), path("a-file/deeper/x.png")] {
            try assertVisualizeRejects(arguments(["--out", out]), mentions: ["--out", out, "is a file"], status: 64)
        }
        let locked = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        // root ignores permissions: then there is nothing to refuse.
        guard access(locked.path, W_OK) != 0 else { return }
        let out = locked.appendingPathComponent("sub/x.png").path
        try assertVisualizeRejects(arguments(["--out", out]), mentions: ["--out", out, "not writable"], status: 64)
    }

    func testOutOrDumpThatIsAFolder() throws {
        // Found only at the final rename, this used to leave the other file written.
        try FileManager.default.createDirectory(atPath: path("a-folder"), withIntermediateDirectories: true)
        try assertVisualizeRejects(arguments(["--out", path("a-folder"), "--dump-bounds", path("b.json")]),
                                   mentions: ["--out", path("a-folder"), "is a folder"])
        try assertVisualizeRejects(arguments(["--out", path("x.png"), "--dump-bounds", path("a-folder")]),
                                   mentions: ["--dump-bounds", path("a-folder"), "is a folder"])
    }

    func testDumpBoundsUnderAFile() throws {
        try Data("not a folder".utf8).write(to: folder.appendingPathComponent("a-file"))
        let dump = path("a-file/b.json")
        try assertVisualizeRejects(arguments(["--out", path("x.png"), "--dump-bounds", dump]),
                                   mentions: ["--dump-bounds", dump, "is a file"], status: 64)
    }

    /// `--bounds` is one method: a list would draw its first and drop the rest without a word (issue #11, kind 5).
    func testBoundsListIsRefused() throws {
        try assertVisualizeRejects(arguments(["--bounds", "ibp,crown", "--out", path("x.png")]),
                                   mentions: ["--bounds", "one bound method", "--methods"], status: 64)
    }

    func testEmptyItemInARepeatedListFlag() throws {
        try assertVisualizeRejects(arguments(["--samples", "0", "--samples", "1,,2", "--out-dir", path("batch")]),
                                   mentions: ["--samples", "1,,2"], status: 64)
    }

    func testOutDirUnderAFile() throws {
        try Data("not a folder".utf8).write(to: folder.appendingPathComponent("a-file"))
        let outDir = path("a-file/batch")
        try assertVisualizeRejects(arguments(["--samples", "0", "--out-dir", outDir]),
                                   mentions: ["--out-dir", outDir, "cannot create"])
    }

    // MARK: Figure options

    func testZeroScale() throws {
        try assertVisualizeRejects(arguments(["--scale", "0", "--out", path("x.png")]), mentions: ["--scale", "0"])
    }

    func testUnknownPerturbation() throws {
        try assertVisualizeRejects(arguments(["--perturbation", "foo", "--out", path("x.png")]),
                                   mentions: ["--perturbation", "foo"])
    }

    // MARK: Manifests

    /// One manifest entry that is good except for `changes` (a nil value removes the key).
    private func entry(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var entry: [String: Any] = ["output": path("figure.png"), "baseline": baseline.path, "ibp": ibp.path,
                                    "sample": 0, "epsilon": 0.1, "perturbation": "none"]
        for (key, value) in changes { entry[key] = value }
        return entry
    }

    /// Writes a manifest of the single `entry` and checks that it is rejected; one entry, so that no earlier
    /// figure may legitimately have been written.
    private func assertManifestRejects(_ entry: [String: Any], mentions: [String],
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let manifest = folder.appendingPathComponent("figures.json")
        try JSONSerialization.data(withJSONObject: ["figures": [entry]]).write(to: manifest)
        // The manifest is a file the command reads: what is wrong in it is a failure at run time (exit status 1).
        try assertVisualizeRejects(arguments(["--manifest", manifest.path]), mentions: [manifest.path] + mentions,
                                   status: 1, file: file, line: line)
    }

    func testMissingManifest() throws {
        let missing = path("missing.json")
        try assertVisualizeRejects(arguments(["--manifest", missing]), mentions: [missing, "no such manifest"], status: 1)
    }

    func testManifestThatIsAFolderOrUnreadable() throws {
        try assertVisualizeRejects(arguments(["--manifest", folder.path]), mentions: [folder.path, "is a folder"], status: 1)
        let manifest = folder.appendingPathComponent("locked.json")
        try JSONSerialization.data(withJSONObject: ["figures": [entry()]]).write(to: manifest)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: manifest.path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: manifest.path) }
        guard access(manifest.path, R_OK) != 0 else { return }  // root reads it anyway
        try assertVisualizeRejects(arguments(["--manifest", manifest.path]), mentions: [manifest.path, "cannot read"], status: 1)
    }

    func testManifestEntryWithABoundsList() throws {
        try assertManifestRejects(entry(["bounds": "ibp,crown"]), mentions: ["figure 1", "bounds takes one method"])
    }

    /// The command line around a manifest is still the command line's fault (64).
    func testManifestWithAFigureFlagIsAUsageError() throws {
        let manifest = folder.appendingPathComponent("figures.json")
        try JSONSerialization.data(withJSONObject: ["figures": [entry()]]).write(to: manifest)
        try assertVisualizeRejects(arguments(["--manifest", manifest.path, "--sample", "3"]), mentions: ["--sample"], status: 64)
    }

    func testMalformedManifest() throws {
        let manifest = folder.appendingPathComponent("figures.json")
        try Data("{\"figures\": [".utf8).write(to: manifest)
        try assertVisualizeRejects(arguments(["--manifest", manifest.path]), mentions: [manifest.path, "not a figure manifest"],
                                   status: 1)
    }

    func testManifestEntryWithoutBaseline() throws {
        try assertManifestRejects(entry(["baseline": nil]), mentions: ["figure 1", "'baseline'"])
    }

    func testManifestEntryWithEpsilonTwo() throws {
        try assertManifestRejects(entry(["epsilon": 2]), mentions: ["figure 1", "epsilon", "[0, 1]"])
    }

    func testManifestEntryWhoseOutputIsNotPNG() throws {
        let output = path("figure.jpg")
        try assertManifestRejects(entry(["output": output]), mentions: ["figure 1", output, ".png"])
    }

    func testManifestEntryWithAMissingCheckpoint() throws {
        let missing = path("missing.ckpt")
        let manifest = folder.appendingPathComponent("figures.json")
        try JSONSerialization.data(withJSONObject: ["figures": [entry(["ibp": missing])]]).write(to: manifest)
        // The error comes from loading the checkpoint, so it names that file rather than the manifest.
        try assertVisualizeRejects(arguments(["--manifest", manifest.path]), mentions: [missing, "no such file"], status: 1)
    }

    // MARK: Data

    func testCorruptIDXFiles() throws {
        let images = try Fixtures.sampleIDX("t10k-images-idx3-ubyte")
        var wrongMagic = images
        wrongMagic[3] = 0x01  // 2051 (images) becomes 2049 (labels)
        let compressed = try Gzip.compress(images)
        let damaged: [(name: String, bytes: Data, problem: String)] = [
            ("t10k-images-idx3-ubyte", wrongMagic, "magic 2049"),
            ("t10k-images-idx3-ubyte", images.prefix(1000), "truncated"),
            ("t10k-images-idx3-ubyte.gz", compressed.prefix(compressed.count / 2), "truncated compressed data"),
        ]
        for (n, bad) in damaged.enumerated() {
            let data = folder.appendingPathComponent("data-\(n)")
            try Fixtures.writeData(to: data)
            try FileManager.default.removeItem(at: data.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
            let file = data.appendingPathComponent(bad.name)
            try bad.bytes.write(to: file)
            try assertVisualizeRejects(arguments(["--out", path("x.png")], data: data), mentions: [file.path, bad.problem])
        }
    }

    // MARK: A good run

    func testFigureAndDumpAreTheOnlyFilesWritten() throws {
        try Tool.visualize.requireBuilt()
        let outcome = try Tool.visualize.run(arguments(["--out", path("x.png"), "--dump-bounds", path("b.json"),
                                                        "--perturbation", "random", "--sample", "2"]),
                                             in: folder, timeout: 60)
        XCTAssertFalse(outcome.crashed, outcome.stderr)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(Set(TempFolder.listing(folder).keys), ["/x.png", "/b.json"])
        let dump = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("b.json")))
        XCTAssertEqual((dump as? [String: Any])?["sample"] as? Int, 2)
        let png = try Data(contentsOf: folder.appendingPathComponent("x.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "x.png is not a PNG")
    }
}
