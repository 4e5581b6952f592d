import Foundation
import XCTest

/// Trust23's hunt through every subcommand with odd inputs: what broke the standard (one line naming the flag as
/// typed and what to do). An empty list is "empty" in every tool (visualize's `--methods ''` said "'' is not a
/// bound method"), an empty name is quoted, an output folder that is a file is named as typed (a probe file
/// `m.ckpt/x` was named), and a metrics folder's log is suggested as typed. Each expected value is the correct one.
final class OddInputTests: ToolFolderTestCase {
    func testAnEmptyListIsEmptyInEveryTool() throws {
        let model = ["--model", checkpoint.path, "--data", data.path]
        let cases: [(Tool, [String], String)] = [
            (.visualize, ["methods"] + model + ["--methods", ""], "--methods is empty; give at least one value or leave the flag out"),
            (.visualize, ["sweep"] + model + ["--epsilons", ""], "--epsilons is empty; give at least one value or leave the flag out"),
            (.visualize, ["widths"] + model + ["--samples", ""], "--samples is empty; give at least one value or leave the flag out"),
            (.visualize, model + ["--samples", "", "--out-dir", path("b")], "--samples is empty; give at least one value or leave the flag out"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--bounds", ""], "--bounds is empty; give at least one value or leave the flag out"),
        ]
        for (tool, arguments, mention) in cases { try assertRejected(tool, arguments, in: folder, mentions: [mention], status: 64) }
    }

    func testAnEmptyModelNameIsQuoted() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--architecture", ""], in: folder,
                           mentions: ["--architecture: unknown model '' (choose from tiny,"], status: 64)
        try assertRejected(.ibpBench, ["--models", "tiny", "--models", "x\u{1b}[1m"], in: folder,
                           mentions: ["--models: unknown model 'x\\u{1b}[1m'; known:"], status: 64)
    }

    func testAnOutputFolderThatIsAFileIsNamedAsTyped() throws {
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\ntiny.onnx,p.vnnlib,60\n".utf8).write(to: list)
        try assertRejected(.verify, ["--instances", list.path, "--counterexamples", "good.ckpt"], in: folder,
                           mentions: ["--counterexamples good.ckpt is a file, not a folder; give a folder name"], status: 64)
        try assertRejected(.verify, ["--instances", list.path, "--counterexamples", "good.ckpt/sub"], in: folder,
                           mentions: ["--counterexamples good.ckpt/sub: cannot create the folder: ", "good.ckpt is a file, not a folder"],
                           status: 64)
        try assertRejected(.visualize, ["--model", checkpoint.path, "--data", data.path, "--samples", "0", "--out-dir", "good.ckpt"],
                           in: folder, mentions: ["--out-dir good.ckpt is a file, not a folder; give a folder name"], status: 64)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("run"), withIntermediateDirectories: false)
        try assertRejected(.visualize, ["training", "--metrics", "run"], in: folder,
                           mentions: ["--metrics run is a folder; give the run's log file, run/metrics.jsonl"], status: 64)
    }
}
