import Foundation
import XCTest
import IBP

/// Trust23, item 1: one rule for an output that exists, in every tool. A model (a checkpoint, a Chainer `.npz`, an
/// ONNX model, told by content) is never replaced without `--force`: the tools that write models ask for it
/// (`train --out` for a run folder, `convert` for an ONNX file) and replace only what they write; every other
/// output refuses to replace one. Figures, reports, results and counterexamples of an earlier run are replaced
/// (a rerun regenerates them). Before, `convert` replaced any existing `.onnx` and `--per-sample final.ckpt`
/// turned a checkpoint into CSV text. Each expected value is the correct behaviour.
final class ExistingOutputTests: ToolFolderTestCase {
    private var onnx: URL!
    private var property: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        onnx = folder.appendingPathComponent("tiny.onnx")
        try ONNXExport.write(Fixtures.tinyNetwork(), to: onnx)
        var lines = (0..<784).map { "(declare-const X_\($0) Real)" } + (0..<10).map { "(declare-const Y_\($0) Real)" }
        for i in 0..<784 { lines += ["(assert (<= X_\(i) 0.501))", "(assert (>= X_\(i) 0.499))"] }
        lines.append("(assert (or " + (1..<10).map { "(and (>= Y_\($0) Y_0))" }.joined(separator: " ") + "))")
        property = folder.appendingPathComponent("p.vnnlib")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: property)
    }

    /// Every output flag of every tool that does not write models, named like its output but holding a model.
    func testNoOutputReplacesAModel() throws {
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\ntiny.onnx,p.vnnlib,60\n".utf8).write(to: list)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("batch"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("cex"), withIntermediateDirectories: false)
        let manifest = folder.appendingPathComponent("m.json")
        try Data(("{\"figures\": [{\"output\": \"\(path("mf.png"))\", \"baseline\": \"\(checkpoint.path)\", \"ibp\": "
                  + "\"\(checkpoint.path)\", \"sample\": 0, \"epsilon\": 0.1}]}").utf8).write(to: manifest)
        let cases: [(Tool, [String], String, String)] = [
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", path("fig.png")], "--out", "fig.png"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", path("ok.png"), "--dump-bounds", path("dump.json")],
             "--dump-bounds", "dump.json"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--samples", "0", "--out-dir", path("batch")],
             "--out-dir", "batch/index.md"),
            (.visualize, ["--manifest", manifest.path, "--data", data.path], "figure 1 output", "mf.png"),
            (.visualize, ["curves", "--data", data.path, "--model", checkpoint.path, "--out", path("curves.pdf")], "--out", "curves.pdf"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", path("s.csv")], "--per-sample", "s.csv"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--plot", path("plot.png")], "--plot", "plot.png"),
            (.verify, [onnx.path, property.path, "--out", path("result.txt")], "--out", "result.txt"),
            (.verify, ["--instances", list.path, "--results", path("results.csv")], "--results", "results.csv"),
            (.verify, ["--instances", list.path, "--results", path("fresh.csv"), "--counterexamples", path("cex")],
             "--counterexamples", "cex/line2_tiny.onnx__p.vnnlib.counterexample"),
        ]
        for (model, kind) in [(checkpoint!, "a safetensors file"), (onnx!, "an ONNX model")] {
            let bytes = try Data(contentsOf: model)
            for (tool, arguments, flag, name) in cases {
                try bytes.write(to: folder.appendingPathComponent(name))
                // The batch's index is checked with the batch's figures; the figure itself is not there yet.
                try assertRejected(tool, arguments, in: folder,
                                   mentions: [flag, name, "holds a model (\(kind)); no output replaces a model"],
                                   status: tool == .visualize && flag.hasPrefix("figure") ? 1 : 64)
                XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent(name)), bytes, "\(name) was changed")
                try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }

    /// convert writes a model: an existing OUTPUT is replaced only with --force, and --force replaces only an ONNX
    /// model (as `train --out --force` starts over only in a run's folder).
    func testConvertReplacesAnONNXModelOnlyWithForce() throws {
        let output = path("out.onnx")
        let first = try Tool.convert.run([checkpoint.path, output], in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        let other = folder.appendingPathComponent("other.ckpt")
        try Fixtures.writeCheckpoint(to: other) { $0.parameters[0].value.data[0] += 1 }
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        try assertRejected(.convert, [other.path, output], in: folder,
                           mentions: ["OUTPUT \(output) exists (an ONNX model); convert replaces a model only with --force"],
                           status: 64)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before)
        let forced = try Tool.convert.run([other.path, output, "--force"], in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before, "--force replaced nothing")
        // A checkpoint named like an ONNX file is not what convert writes: --force does not replace it either.
        let misnamed = folder.appendingPathComponent("misnamed.onnx")
        try FileManager.default.copyItem(at: checkpoint, to: misnamed)
        let kept = try Data(contentsOf: misnamed)
        try assertRejected(.convert, [other.path, misnamed.path, "--force"], in: folder,
                           mentions: ["OUTPUT \(misnamed.path) holds a safetensors file, not an ONNX model; --force replaces "
                                      + "only an ONNX model"], status: 64)
        XCTAssertEqual(try Data(contentsOf: misnamed), kept)
        try assertRejected(.convert, [other.path, path("new.onnx"), "--force", "--force"], in: folder,
                           mentions: ["--force was given 2 times"], status: 64)
    }

    /// The other half of the rule: a figure, report or result of an earlier run is replaced by a rerun.
    func testEarlierFiguresReportsAndResultsAreReplaced() throws {
        let runs: [(Tool, [String], String)] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "2", "--pgd-steps", "0", "--per-sample", path("s.csv")], "s.csv"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--pgd-steps", "0", "--out", path("fig.png")], "fig.png"),
            (.verify, [onnx.path, property.path, "--attack-steps", "1", "--out", path("result.txt")], "result.txt"),
        ]
        for (tool, arguments, name) in runs {
            try Data("an earlier run's output\n".utf8).write(to: folder.appendingPathComponent(name))
            let outcome = try tool.run(arguments, in: folder, timeout: 120)
            XCTAssertEqual(outcome.status, 0, "\(outcome.commandLine): \(outcome.stderr)")
            XCTAssertNotEqual(try Data(contentsOf: folder.appendingPathComponent(name)), Data("an earlier run's output\n".utf8), name)
        }
    }
}
