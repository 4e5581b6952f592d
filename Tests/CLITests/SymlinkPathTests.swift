import Foundation
import IBP
import IBPFormats
import XCTest

/// New user (paths23, item 0): a path with `..` after a symbolic link. With `lnk -> real/sub`, the OS (and `cat`,
/// Python, PyTorch) reads `lnk/../m.ckpt` as `real/m.ckpt`; the tools resolved `..` by text (Foundation's
/// `URL(fileURLWithPath:)` of a relative path), read `./m.ckpt`, labelled the report with the name typed, and wrote
/// outputs beside the working folder instead of where the name leads. Every kind of path is tried with a real link:
/// a model read, outputs written (and their temporary files), outputs compared with each other and with inputs, a
/// data folder, a run folder, the paths inside an instance list. Each expected value is the file the OS names.
final class SymlinkPathTests: ToolFolderTestCase {
    /// `real/sub`, and `lnk -> real/sub` in the test folder (relative, as `ln -s real/sub lnk` makes it).
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("real/sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path("lnk"), withDestinationPath: "real/sub")
    }

    private func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// A checkpoint read through `lnk/..` is the one in `real/`: the report names the model the OS opens.
    func testAModelIsReadWhereTheLinkLeads() throws {
        try Fixtures.writeCheckpoint(to: folder.appendingPathComponent("real/m.ckpt"))  // tiny
        try FileManager.default.copyItem(at: Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints/small-nominal.ckpt"),
                                         to: folder.appendingPathComponent("m.ckpt"))
        let run = try Tool.evaluate.run(["lnk/../m.ckpt", "--data", data.path, "--limit", "2", "--pgd-steps", "0"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("lnk/../m.ckpt (tiny), 2 test images"), run.stdout)
        // A data folder through the link: real/data holds 7 images, ./data 20.
        try Fixtures.writeData(to: folder.appendingPathComponent("real/data"), count: 7)
        let data = try Tool.evaluate.run([checkpoint.path, "--data", "lnk/../data", "--pgd-steps", "0"], in: folder)
        XCTAssertEqual(data.status, 0, data.stderr)
        XCTAssertTrue(data.stdout.contains("7 test images"), data.stdout)
    }

    /// Outputs go where the name leads (`real/`), with their temporary files and any folders created there; none
    /// lands beside the working folder.
    func testOutputsAreWrittenWhereTheLinkLeads() throws {
        let cases: [(Tool, [String], String)] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "2", "--pgd-steps", "0", "--per-sample", "lnk/../s.csv"], "s.csv"),
            (.convert, [checkpoint.path, "lnk/../c.onnx"], "c.onnx"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", "lnk/../v.png"], "v.png"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", "lnk/../new/deeper/w.png"], "new/deeper/w.png"),
            (.train, ["--model", "tiny", "--steps", "2", "--batch-size", "10", "--eval-limit", "10", "--data", data.path,
                      "--out", "lnk/../run"], "run/final.ckpt"),
        ]
        for (tool, arguments, name) in cases {
            let run = try tool.run(arguments, in: folder, timeout: 60)
            XCTAssertEqual(run.status, 0, "\(tool.rawValue): \(run.stderr)")
            XCTAssertTrue(exists("real/" + name), "\(tool.rawValue): real/\(name) was not written")
            XCTAssertFalse(exists(name), "\(tool.rawValue): \(name) was written beside the working folder")
        }
        // The run records the data folder the OS read, and resumes through the link.
        let record = try StrictJSON.decode(TrainingSettings.self, from: Data(contentsOf: folder.appendingPathComponent("real/run/settings.json")))
        XCTAssertEqual(record.data, TypedPath.resolved(data.path))
        let resumed = try Tool.train.run(["--resume", "lnk/../run", "--steps", "3"], in: folder, timeout: 60)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.load(folder.appendingPathComponent("real/run/final.ckpt")).step, 3)
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    /// Outputs are compared as the OS resolves them: `lnk/../a` and `real/a` are one file (refused before any
    /// work, as any output written twice), `lnk/../a` and `./a` are two (both written). By text it was the other
    /// way round: the first pair was written twice, the second refused.
    func testOutputsAndInputsAreComparedWhereTheLinkLeads() throws {
        try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", "lnk/../v.png",
                                        "--dump-bounds", "real/v.png"], in: folder,
                           mentions: ["--dump-bounds real/v.png is also written as --out lnk/../v.png"], status: 64)
        let two = try Tool.visualize.run(["--data", data.path, "--model", checkpoint.path, "--out", "lnk/../w.png",
                                          "--dump-bounds", "w.png"], in: folder, timeout: 60)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(exists("real/w.png") && exists("w.png"), "both files are written")
        // An output that is the input the OS reads is refused; one beside the working folder is not that input.
        try Fixtures.writeCheckpoint(to: folder.appendingPathComponent("real/m.ckpt"))
        try assertRejected(.evaluate, ["lnk/../m.ckpt", "--data", data.path, "--per-sample", "real/m.ckpt"], in: folder,
                           mentions: ["--per-sample real/m.ckpt is also read as CHECKPOINT lnk/../m.ckpt"], status: 64)
        try assertRejected(.evaluate, ["real/m.ckpt", "lnk/../m.ckpt", "--data", data.path], in: folder,
                           mentions: ["give each model once"], status: 64)
    }

    /// An instance list's paths are relative to the list's folder as the OS resolves them: `lnk/../net.onnx` is the
    /// network in `real/` (which answers sat: it predicts another class), not `./net.onnx` (which holds: unsat).
    func testAnInstanceListsPathsAreReadWhereTheLinkLeads() throws {
        let network = Fixtures.tinyNetwork()
        let data = try Dataset.mnist(directory: Fixtures.sampleMNIST, split: .test, limit: 1)
        let (x, _) = data.batch(0..<1)
        let label = CrossEntropy.predictions(network.logits(x))[0]
        try ONNXExport.write(network, to: folder.appendingPathComponent("net.onnx"))
        // Another class always: every weight 0, the last bias picks the class.
        try ONNXExport.write(Fixtures.tinyNetwork { net in
            for p in net.parameters { p.value.data = [Float](repeating: 0, count: p.value.data.count) }
            net.parameters.last!.value.data[(label + 1) % 10] = 1
        }, to: folder.appendingPathComponent("real/net.onnx"))
        var lines = (0..<784).map { "(declare-const X_\($0) Real)" } + (0..<10).map { "(declare-const Y_\($0) Real)" }
        for i in 0..<784 {
            let p = Double(x.data[i])
            lines += ["(assert (<= X_\(i) \(min(p + 0.0005, 1))))", "(assert (>= X_\(i) \(max(p - 0.0005, 0))))"]
        }
        lines.append("(assert (or " + (0..<10).filter { $0 != label }.map { "(and (>= Y_\($0) Y_\(label)))" }.joined(separator: " ") + "))")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("p.vnnlib"))
        try Data("onnx,vnnlib,timeout\nlnk/../net.onnx,p.vnnlib,60\nnet.onnx,p.vnnlib,60\n".utf8)
            .write(to: folder.appendingPathComponent("list.csv"))
        let run = try Tool.verify.run(["--instances", "list.csv", "--results", "lnk/../results.csv"], in: folder, timeout: 120)
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = try String(contentsOf: folder.appendingPathComponent("real/results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3, "\(rows)")
        XCTAssertTrue(rows[1].hasPrefix(",lnk/../net.onnx,p.vnnlib,60.0,sat,"), String(rows[1]))
        XCTAssertTrue(rows[2].hasPrefix(",net.onnx,p.vnnlib,60.0,unsat,"), String(rows[2]))
        XCTAssertFalse(exists("results.csv"))
    }
}
