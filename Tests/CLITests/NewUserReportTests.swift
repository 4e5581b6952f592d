import Foundation
import XCTest
import IBP
import IBPFormats

/// The new user's report (kinds 1-3 of the follow-up to issue 11): outputs that would overwrite an input (the
/// defaults and the data folder's files included) or a read-only file; a data folder holding a file both plain
/// and gzipped; counts beyond the data. Each expected value is the correct behaviour: one stderr line naming the
/// flag, a non-zero exit, and no file changed.
final class NewUserReportTests: ToolFolderTestCase {
    // MARK: - 1. outputs never overwrite inputs

    /// The shipped layout under the working folder, so that the defaults (`visualize` with no --ibp, no --data)
    /// resolve inside the test folder.
    private func shipDefaults() throws {
        let checkpoints = folder.appendingPathComponent("sample_data/checkpoints")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        for name in ["vissmall-baseline", "vissmall-ibp-eps0.1", "small-nominal", "small-ibp-eps0.2", "small-ibp-eps0.4"] {
            try FileManager.default.copyItem(at: checkpoint, to: checkpoints.appendingPathComponent(name + ".ckpt"))
        }
        try Fixtures.writeData(to: folder.appendingPathComponent("sample_data/mnist"), count: 20)
    }

    func testDefaultInputsAreNeverOverwritten() throws {
        try shipDefaults()
        let ckpt = "sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt"
        let labels = "sample_data/mnist/t10k-labels-idx1-ubyte.gz"
        try assertRejected(.visualize, ["--out", path("a.png"), "--dump-bounds", ckpt], in: folder,
                           mentions: ["--dump-bounds", "is also read as", "--ibp (default)"], status: 64)
        try assertRejected(.visualize, ["--out", path("a.png"), "--dump-bounds", labels], in: folder,
                           mentions: ["--dump-bounds", "is also read as", "--data (default)"], status: 64)
        // The other spelling of a data file would make the folder ambiguous: refused too.
        try assertRejected(.visualize, ["--out", path("a.png"), "--dump-bounds", "sample_data/mnist/t10k-labels-idx1-ubyte"],
                           in: folder, mentions: ["--dump-bounds", "--data (default)"], status: 64)
        try assertRejected(.visualize, ["sweep", "--out", path("s.png"), "--dump-bounds", ckpt], in: folder,
                           mentions: ["--dump-bounds", "--model (default)"], status: 64)
        try assertRejected(.visualize, ["methods", "--out", path("m.png"), "--dump-bounds", ckpt], in: folder,
                           mentions: ["--dump-bounds", "--model (default)"], status: 64)
        try assertRejected(.visualize, ["--out", "sample_data/checkpoints/vissmall-baseline.png", "--dump-bounds",
                                        "sample_data/checkpoints/vissmall-baseline.ckpt"], in: folder,
                           mentions: ["--dump-bounds", "--baseline (default)"], status: 64)
    }

    /// Third new user: a data folder given as a file (`IBP_DATA=a.ckpt`) said "no MNIST file found".
    func testADataFolderGivenAsAFileIsNamed() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--data", checkpoint.path, "--limit", "3"], in: folder,
                           mentions: ["is a file, not the folder of the MNIST files"])
    }

    /// Third new user: `evaluate --per-sample /dev/null` as root replaced /dev/null by a regular file (every writer
    /// renamed its temporary file over what was there). A FIFO (or device, socket) given as any tool's output is
    /// refused before any work, and stays what it was.
    func testFIFOsAndDevicesAreNeverReplaced() throws {
        let fifo = path("out.png")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", fifo], in: folder,
                           mentions: ["--per-sample \(fifo): is a FIFO, not a regular file"], status: 64)
        try assertRejected(.visualize, ["--model", checkpoint.path, "--data", data.path, "--out", fifo], in: folder,
                           mentions: ["--out \(fifo): is a FIFO, not a regular file"])
        try assertRejected(.visualize, ["--model", checkpoint.path, "--data", data.path, "--out", path("a.png"),
                                        "--dump-bounds", fifo], in: folder, mentions: ["--dump-bounds", "is a FIFO"])
        try assertRejected(.verify, [checkpoint.path, path("p.vnnlib"), "--out", fifo], in: folder,
                           mentions: ["--out", "is a FIFO"], status: 64)
        var info = stat()
        XCTAssertEqual(lstat(fifo, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
        if getuid() == 0 {
            try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", "/dev/null"], in: folder,
                               mentions: ["--per-sample /dev/null: is a device, not a regular file"], status: 64)
            XCTAssertEqual(stat("/dev/null", &info), 0)
            XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a device")
        }
    }

    func testDataFilesAreNeverOverwritten() throws {
        for name in ["t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte.gz"] {
            try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", "data/\(name)"], in: folder,
                               mentions: ["--per-sample", "is also read as", "--data"], status: 64)
        }
        try assertRejected(.visualize, ["--data", "data", "--model", checkpoint.path, "--out", path("a.png"),
                                        "--dump-bounds", "data/t10k-images-idx3-ubyte.gz"], in: folder,
                           mentions: ["--dump-bounds", "--data"], status: 64)
    }

    func testManifestFiguresNeverOverwriteInputs() throws {
        // A model whose name ends in .png (models are read by content) is the one way a figure can name an input.
        try FileManager.default.copyItem(at: checkpoint, to: folder.appendingPathComponent("net.png"))
        let manifest = folder.appendingPathComponent("figures.json")
        try Data("""
        {"figures": [{"kind": "compare", "output": "net.png", "baseline": "good.ckpt", "ibp": "net.png"}]}
        """.utf8).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path, "--data", data.path], in: folder,
                           mentions: ["figures.json", "figure 1 output", "is also read as", "figure 1 model"], status: 1)
    }

    func testVerifyResultsNeverOverwriteAListedFile() throws {
        try Data("x".utf8).write(to: folder.appendingPathComponent("p.vnnlib"))
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\nnet.onnx,p.vnnlib,5\n".utf8).write(to: list)
        try assertRejected(.verify, ["--instances", list.path, "--results", path("p.vnnlib")], in: folder,
                           mentions: ["--results", "is also read as", "--instances line"], status: 64)
    }

    /// Permission bits are the user's intent, even for root (whom a write probe lets write anywhere).
    func testReadOnlyOutputsAreRefusedEvenForRoot() throws {
        let locked = folder.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        let file = locked.appendingPathComponent("r.csv")
        try Data("keep\n".utf8).write(to: file)
        chmod(file.path, 0o444)
        chmod(locked.path, 0o555)
        defer { chmod(locked.path, 0o755); chmod(file.path, 0o644) }
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", file.path], in: folder,
                           mentions: ["--per-sample", "read-only"], status: 64)
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\nmissing.onnx,missing.vnnlib,5\n".utf8).write(to: list)
        try assertRejected(.verify, ["--instances", list.path, "--results", file.path], in: folder,
                           mentions: ["--results", "read-only"], status: 64)
        try assertRejected(.verify, ["--instances", list.path, "--results", locked.appendingPathComponent("new.csv").path],
                           in: folder, mentions: ["--results", "not writable"], status: 64)
        try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path,
                                        "--out", locked.appendingPathComponent("a.png").path], in: folder,
                           mentions: ["--out", "not writable"], status: 64)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "keep\n")
    }

    // MARK: - 2. a file both plain and gzipped is ambiguous

    func testAFolderWithBothSpellingsOfAFileIsRefused() throws {
        for base in ["t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "train-labels-idx1-ubyte", "train-images-idx3-ubyte"] {
            let twin = data.appendingPathComponent(base)
            // Different content: the labels or images of the plain file are not those of the .gz.
            var raw = try Gzip.readFile(data.appendingPathComponent(base + ".gz"), maxBytes: nil)
            raw[raw.count - 1] ^= 1
            try raw.write(to: twin)
            defer { try? FileManager.default.removeItem(at: twin) }
            let split = base.hasPrefix("train") ? "train" : "test"
            if split == "test" {
                try assertRejected(.evaluate, [checkpoint.path, "--data", data.path], in: folder,
                                   mentions: [base, base + ".gz", "guess"], status: 1)
                try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", path("a.png")],
                                   in: folder, mentions: [base, base + ".gz"], status: 1)
            }
            XCTAssertThrowsError(try MNIST.load(directory: data, split: split == "train" ? .train : .test)) { error in
                XCTAssertTrue("\(error)".contains("both \(base) and \(base).gz exist"), "\(error)")
            }
        }
    }

    // MARK: - 3. counts beyond the data are refused, one rule

    func testCountsBeyondTheDataAreRefused() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--limit", "21"], in: folder,
                           mentions: ["--limit 21 is more than there are test images", "(20)"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--pgd-steps", "2000000000"], in: folder,
                           mentions: ["--pgd-steps takes a whole number from 0 to 10000, got '2000000000'"], status: 64)
        try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path, "--pgd-steps", "10001",
                                        "--out", path("a.png")], in: folder,
                           mentions: ["--pgd-steps takes a whole number from 0 to 10000, got '10001'"])
        try assertRejected(.verify, [checkpoint.path, path("p.vnnlib"), "--attack-steps", "10001"], in: folder,
                           mentions: ["--attack-steps takes a whole number from 0 to 10000, got '10001'"], status: 64)
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--batch-size", "21"], in: folder,
                           mentions: ["--batch-size 21", "20 training images"], status: 64)
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--eval-limit", "21"], in: folder,
                           mentions: ["--eval-limit 21 is more than there are test images", "(20)"], status: 64)
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--validation", "5", "--eval-limit", "6"],
                           in: folder, mentions: ["--eval-limit 6 is more than there are --validation images (5)"], status: 64)
        // The default batch (100) counts too: --validation 19 leaves 1 image (second new-user trial).
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--validation", "19", "--model", "tiny"],
                           in: folder, mentions: ["--validation 19 leaves 1 of the training images", "--batch-size 100"],
                           status: 64)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run")), "a refused run leaves no folder")
    }

    /// The largest count the data allows still runs.
    func testACountEqualToTheDataRuns() throws {
        let outcome = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--limit", "20", "--pgd-steps", "0"],
                                            in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }
}
