import Foundation
import XCTest
import IBP

/// Issue 11, the kinds a new user found: repeated single-value flags, an output that is also an input or another
/// output, a file name whose extension contradicts the format written, outputs checked before the work, exit
/// statuses, negative counts and empty or repeated lists, manifests that can be read two ways, instance lists.
/// Each expected value is the correct behaviour.
final class TrustNothingTests: ToolFolderTestCase {
    // MARK: - 1. a single-value flag given twice is a usage error in every executable

    func testRepeatedSingleValueFlagsAreRefusedByEveryTool() throws {
        let cases: [(Tool, [String], String)] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "3", "--limit", "5"], "--limit"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--json", "--json"], "--json"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--pgd-steps=1", "--pgd-steps", "2"], "--pgd-steps"),
            (.visualize, ["--data", data.path, "--epsilon", "0.1", "--epsilon", "0.2", "--out", path("v.png")], "--epsilon"),
            (.visualize, ["--data", data.path, "--out", path("a.png"), "--out", path("b.png")], "--out"),
            (.visualize, ["methods", "--data", data.path, "--model", checkpoint.path, "--model", checkpoint.path,
                          "--out", path("m.png")], "--model"),
            (.convert, [checkpoint.path, path("x.onnx"), "--architecture", "tiny", "--architecture", "small"], "--architecture"),
            (.ibpBench, ["--repeats", "1", "--repeats", "2"], "--repeats"),
            (.verify, [checkpoint.path, path("p.vnnlib"), "--timeout", "5", "--timeout", "6"], "--timeout"),
            (.train, ["--out", path("run"), "--force", "--force"], "--force"),
        ]
        for (tool, arguments, flag) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [flag, "was given 2 times", "give it once"],
                               status: 64)
        }
    }

    /// List flags stay repeatable: the repeated flag and commas give the same list.
    func testListFlagsStayRepeatable() throws {
        let repeated = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--limit", "5", "--pgd-steps", "0",
                                              "--epsilon", "0.01", "--epsilon", "0.02", "--bounds", "ibp", "--bounds", "crown-ibp"],
                                             in: folder, timeout: 120)
        let commas = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--limit", "5", "--pgd-steps", "0",
                                            "--epsilon", "0.01,0.02", "--bounds", "ibp,crown-ibp"], in: folder, timeout: 120)
        XCTAssertEqual(repeated.status, 0, repeated.stderr)
        XCTAssertEqual(commas.status, 0, commas.stderr)
        let rows = { (o: Outcome) in Array(o.stdout.split(separator: "\n").dropFirst().dropLast()) }
        XCTAssertEqual(rows(repeated), rows(commas))
        XCTAssertEqual(rows(repeated).count, 3)
    }

    // MARK: - 2. an output that is also an input or another output

    func testConvertRefusesToOverwriteItsInput() throws {
        let before = try Data(contentsOf: checkpoint)
        try FileManager.default.createSymbolicLink(atPath: path("link.ckpt"), withDestinationPath: checkpoint.path)
        // The same file spelt four ways: as given, ./relative, through a symlink, through "..". (The extension
        // rule is met by naming a .onnx input and output.)
        let onnx = folder.appendingPathComponent("m.onnx")
        try ONNXExport.write(Fixtures.tinyNetwork(), to: onnx)
        let onnxBefore = try Data(contentsOf: onnx)
        for output in [onnx.path, "./m.onnx", folder.appendingPathComponent("sub/../m.onnx").path] {
            try assertRejected(.convert, [onnx.path, output], in: folder, mentions: ["OUTPUT", "is also read as", "MODEL"],
                               status: 64)
        }
        try FileManager.default.createSymbolicLink(atPath: path("alias.onnx"), withDestinationPath: onnx.path)
        try assertRejected(.convert, ["m.onnx", path("alias.onnx")], in: folder, mentions: ["is also read as"], status: 64)
        XCTAssertEqual(try Data(contentsOf: onnx), onnxBefore)
        XCTAssertEqual(try Data(contentsOf: checkpoint), before)
    }

    func testTwoOutputsOfOneRunMustDiffer() throws {
        try assertRejected(.visualize, ["--data", data.path, "--out", path("a.png"), "--dump-bounds", "./a.png"],
                           in: folder, mentions: ["--dump-bounds", "is also written as", "--out"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", path("s.png"), "--plot", "s.png"],
                           in: folder, mentions: ["is also written as", "--per-sample", "--plot"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", "good.ckpt"],
                           in: folder, mentions: ["--per-sample", "is also read as"], status: 64)
        try assertRejected(.visualize, ["methods", "--data", data.path, "--model", checkpoint.path, "--dump-bounds", checkpoint.path,
                                        "--out", path("m.png")], in: folder, mentions: ["--dump-bounds", "is also read as", "--model"],
                           status: 64)
        try Data("x".utf8).write(to: folder.appendingPathComponent("p.vnnlib"))
        try assertRejected(.verify, [checkpoint.path, path("p.vnnlib"), "--out", "p.vnnlib"], in: folder,
                           mentions: ["--out", "is also read as"], status: 64)
    }

    // MARK: - 3. the extension is the format

    func testOutputExtensionMustMatchWhatIsWritten() throws {
        try assertRejected(.convert, [checkpoint.path, path("out.png")], in: folder, mentions: ["out.png", ".onnx"], status: 64)
        try assertRejected(.visualize, ["--data", data.path, "--out", path("x.gif")], in: folder,
                           mentions: ["--out", "x.gif", ".png, .svg or .pdf"], status: 64)
        try assertRejected(.visualize, ["--data", data.path, "--out", path("noext")], in: folder,
                           mentions: ["--out", "noext", ".png, .svg or .pdf"], status: 64)
        try assertRejected(.visualize, ["--data", data.path, "--out", path("x.png"), "--format", "svg"], in: folder,
                           mentions: ["--out", "--format is svg"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--plot", path("p.txt")], in: folder,
                           mentions: ["--plot", "p.txt", ".png, .svg or .pdf"], status: 64)
    }

    // MARK: - 4. every output checked before any work

    func testOutputsAreCheckedBeforeAnyWork() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", "/proc/y.csv", "--plot", path("ok.png")],
                           in: folder, mentions: ["--per-sample", "/proc/y.csv"], status: 64)
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\nmissing.onnx,missing.vnnlib,5\n".utf8).write(to: list)
        try assertRejected(.verify, ["--instances", list.path, "--results", "/proc/r.csv"], in: folder,
                           mentions: ["--results", "/proc/r.csv"], status: 64)
    }

    /// Every model of a run is loaded and checked against the requested methods before any evaluation: a max-pooling
    /// network given after a good checkpoint with --bounds crown-ibp is named at once (no progress of the first).
    func testModelsAreCheckedAgainstTheMethodsBeforeAnyEvaluation() throws {
        let root = Fixtures.packageRoot.deletingLastPathComponent()
        let candidates = [root, root.deletingLastPathComponent()].map {
            $0.appendingPathComponent("shared/vnncomp/verivital2021/onnx/Convnet_maxpool.onnx")
        }
        guard let maxpool = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw XCTSkip("../shared/vnncomp is not here")
        }
        try assertRejected(.evaluate, [checkpoint.path, maxpool.path, "--bounds", "crown-ibp", "--data", data.path,
                                       "--limit", "2", "--pgd-steps", "0"], in: folder,
                           mentions: [maxpool.path, "crown-ibp cannot bound layer 3 (max pooling)"], status: 1)
    }

    // MARK: - 5. exit statuses

    func testVerifyListExitsOneWhenAnInstanceErrored() throws {
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\nmissing.onnx,missing.vnnlib,5\n".utf8).write(to: list)
        let results = folder.appendingPathComponent("results.csv")
        let run = try Tool.verify.run(["--instances", list.path, "--results", results.path], in: folder)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("1 of 1 instances could not be run"), run.stderr)
        // The results file is still complete: the one instance, answered error.
        let rows = try String(contentsOf: results, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 2)
        XCTAssertTrue(rows[1].contains(",error,"), String(rows[1]))
        let help = try Tool.verify.run(["--help"], in: folder)
        XCTAssertTrue(help.stdout.contains("Exit status"), help.stdout)
    }

    func testTrainInterruptedExits130AndKeepsTheCheckpoint() throws {
        try assertTrainStoppedBySignalKeepsTheCheckpoint(SIGINT, status: 130, says: "interrupted at step ")
    }

    /// New user (paths23, item 2b): SIGTERM, what a cluster scheduler sends at a job's time limit, ended the run at
    /// once and lost every step since the last `--checkpoint-every` (here all of them: only settings.json was left),
    /// while Ctrl-C kept them. It is handled as the first Ctrl-C now: checkpoint, a line naming the signal, and
    /// exit 128 + SIGTERM.
    func testTrainTerminatedBySIGTERMKeepsTheCheckpoint() throws {
        try assertTrainStoppedBySignalKeepsTheCheckpoint(SIGTERM, status: 143, says: "terminated (SIGTERM) at step ")
    }

    private func assertTrainStoppedBySignalKeepsTheCheckpoint(_ signal: Int32, status: Int32, says: String,
                                                              file: StaticString = #filePath, line: UInt = #line) throws {
        try Tool.train.requireBuilt()
        let capture = try TempFolder.make(prefix: "capture")
        defer { try? FileManager.default.removeItem(at: capture) }
        let run = folder.appendingPathComponent("run-\(signal)")
        let process = try Tool.train.launch(["--model", "tiny", "--steps", "1000000", "--eval-every", "1000000", "--batch-size", "10",
                                             "--checkpoint-every", "1000000", "--data", data.path, "--out", run.path],
                                            in: folder, capture: capture)
        // Wait for the first progress (the run folder's settings exist), then the signal.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: run.appendingPathComponent("settings.json").path) && Date() < deadline {
            usleep(50_000)
        }
        usleep(500_000)
        kill(process.processIdentifier, signal)
        XCTAssertTrue(process.wait(upTo: 60), file: file, line: line)
        let stdout = (try? String(contentsOf: capture.appendingPathComponent("stdout"), encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, file: file, line: line)
        XCTAssertEqual(process.terminationStatus, status,
                       (try? String(contentsOf: capture.appendingPathComponent("stderr"), encoding: .utf8)) ?? "", file: file, line: line)
        XCTAssertTrue(stdout.hasPrefix(says), stdout, file: file, line: line)
        XCTAssertTrue(stdout.contains("(continue with --resume \(run.path))"), stdout, file: file, line: line)
        let step = try Checkpoint.load(run.appendingPathComponent("checkpoint.ckpt")).step
        XCTAssertGreaterThan(step, 0, file: file, line: line)
        XCTAssertTrue(stdout.hasPrefix(says + "\(step):"), stdout, file: file, line: line)
    }

    // MARK: - 6. numbers and lists

    func testNegativeCountsAreNamedNotMissing() throws {
        let cases: [(Tool, [String], [String])] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "-1"], ["--limit takes a whole number, 1 or more, got '-1' (out of range)"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--pgd-steps", "-3"], ["--pgd-steps takes a whole number from 0 to 10000, got '-3' (out of range)"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--seed", "-1"], ["--seed", "-1"]),
            (.train, ["--steps", "-5", "--out", path("run")], ["--steps", "-5"]),
            (.verify, ["--instances", path("l.csv"), "--shard", "-1/2"], ["--shard", "-1/2", "1 <= K <= N"]),
            (.verify, ["--instances", path("l.csv"), "--shard", "1/1000000000"], ["--shard", "N <= 1000000"]),
            (.ibpBench, ["--repeats", "-1"], ["--repeats takes a whole number from 1 to 1000, got '-1' (out of range)"]),
            (.ibpBench, ["--repeats", "1001"], ["--repeats takes a whole number from 1 to 1000, got '1001' (out of range)"]),
        ]
        for (tool, arguments, mentions) in cases {
            let outcome = try assertRejected(tool, arguments, in: folder, mentions: mentions, status: 64)
            XCTAssertFalse(outcome.stderr.lowercased().contains("missing value"), outcome.stderr)
        }
    }

    func testEmptyAndRepeatedListValuesAreRefused() throws {
        let cases: [(Tool, [String], [String])] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", ""], ["--epsilon", "empty"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--bounds", ""], ["--bounds"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1,0.1"], ["--epsilon", "0.1 twice"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--bounds", "ibp", "--bounds", "IBP"], ["--bounds", "ibp twice"]),
            (.verify, [checkpoint.path, path("p.vnnlib"), "--bounds", "crown,crown"], ["--bounds", "crown twice"]),
            (.ibpBench, ["--models", "small,small"], ["--models", "small twice"]),
            (.train, ["--decay-steps", "5,3", "--out", path("run")], ["--decay-steps", "must increase", "5 then 3"]),
        ]
        for (tool, arguments, mentions) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: mentions, status: 64)
        }
    }

    // MARK: - 8. a manifest read one way, each figure its own file (the manifest file's faults exit 1, as every file's)

    func testManifestWithRepeatedKeysOrOutputsIsRefused() throws {
        let repeated = folder.appendingPathComponent("repeated.json")
        try Data(#"{"figures": [{"output": "a.png", "baseline": "good.ckpt", "ibp": "good.ckpt", "output": "b.png"}]}"#.utf8).write(to: repeated)
        try assertRejected(.visualize, ["--manifest", repeated.path, "--data", data.path], in: folder,
                           mentions: ["repeated.json", "duplicate key"], status: 1)
        let twice = folder.appendingPathComponent("twice.json")
        try Data(#"{"figures": [{"output": "a.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}, {"output": "./a.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}]}"#.utf8)
            .write(to: twice)
        try assertRejected(.visualize, ["--manifest", twice.path, "--data", data.path], in: folder,
                           mentions: ["twice.json", "figures 1 and 2 both write"], status: 1)
        // A hard link to another figure's existing file is that file (compared by device and inode).
        try Data("old".utf8).write(to: folder.appendingPathComponent("old.png"))
        try FileManager.default.linkItem(at: folder.appendingPathComponent("old.png"), to: folder.appendingPathComponent("hard.png"))
        let linked = folder.appendingPathComponent("linked.json")
        try Data(#"{"figures": [{"output": "old.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}, {"output": "hard.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}]}"#.utf8)
            .write(to: linked)
        try assertRejected(.visualize, ["--manifest", linked.path, "--data", data.path], in: folder,
                           mentions: ["linked.json", "figures 1 and 2 both write hard.png"], status: 1)
    }

    // MARK: - 9. instance lists: the same column rule with and without a header

    func testInstanceListColumnsFollowOneRule() throws {
        let extraWithHeader = folder.appendingPathComponent("h.csv")
        try Data("onnx,vnnlib,timeout,comment\na.onnx,b.vnnlib,5,x\n".utf8).write(to: extraWithHeader)
        try assertRejected(.verify, ["--instances", extraWithHeader.path, "--results", path("r.csv")], in: folder,
                           mentions: ["h.csv", "unknown column 'comment'"], status: 1)
        let extraWithout = folder.appendingPathComponent("n.csv")
        try Data("a.onnx,b.vnnlib,5,x\n".utf8).write(to: extraWithout)
        try assertRejected(.verify, ["--instances", extraWithout.path, "--results", path("r.csv")], in: folder,
                           mentions: ["n.csv", "4 fields, expected 3"], status: 1)
    }
}
