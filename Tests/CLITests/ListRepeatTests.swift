import Foundation
import XCTest

/// New-user report, kind 4: one rule for every list flag of every tool — a value given twice is refused in one
/// line, after ranges (`0-2`) and grids (`0:0.2:0.05`) are expanded.
final class ListRepeatTests: ToolFolderTestCase {
    func testRepeatedListValuesAreRefusedByEveryVisualizeSubcommand() throws {
        let common = ["--data", data.path]
        let cases: [([String], [String])] = [
            (["--model", checkpoint.path, "--samples", "0-2,1", "--out-dir", path("b")], ["--samples", "1 twice"]),
            (["--model", checkpoint.path, "--samples", "0,0", "--out-dir", path("b")], ["--samples", "0 twice"]),
            (["--model", checkpoint.path, "--epsilons", "0.1,0.1", "--out-dir", path("b")], ["--epsilons", "0.1 twice"]),
            (["--model", checkpoint.path, "--epsilons", "0:0.2:0.05", "--epsilons", "0.1", "--out-dir", path("b")],
             ["--epsilons", "0.1"]),
            // A batch follows the other lists' rule (trial 29: it refused 0.1,0.1001 at the 3 decimals its file names
            // had, which now give such values in full: sample0000-eps0.1001.png).
            (["--model", checkpoint.path, "--epsilons", "0.1,0.1000004", "--out-dir", path("b")], ["--epsilons", "0.1 and 0.1000004", "6 decimals"]),
            (["sweep", "--model", checkpoint.path, "--epsilons", "0,0.1,0.1", "--out", path("s.png")], ["--epsilons", "0.1 twice"]),
            (["sweep", "--model", checkpoint.path, "--epsilons", "0:0.2:0.05,0.15", "--out", path("s.png")], ["--epsilons", "0.15"]),
            (["curves", "--model", checkpoint.path, "--epsilons", "0.1,0.1", "--out", path("c.png")], ["--epsilons", "0.1 twice"]),
            (["curves", "--model", checkpoint.path, "--methods", "ibp,crown,ibp", "--out", path("c.png")], ["--methods", "ibp", "twice"]),
            (["methods", "--model", checkpoint.path, "--methods", "ibp", "--methods", "ibp", "--out", path("m.png")],
             ["--methods", "ibp", "twice"]),
            (["widths", "--model", checkpoint.path, "--samples", "0-3,2-4", "--out", path("w.png")], ["--samples", "2 twice"]),
            (["widths", "--model", checkpoint.path, "--methods", "crown,crown", "--out", path("w.png")], ["--methods", "crown", "twice"]),
        ]
        for (arguments, mentions) in cases {
            try assertRejected(.visualize, arguments + common, in: folder, mentions: mentions,
                               status: 64)
        }
    }

    func testRepeatedListValuesAreRefusedByTheOtherTools() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1,0.1"], in: folder,
                           mentions: ["--epsilon", "twice"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--bounds", "ibp", "--bounds", "ibp"], in: folder,
                           mentions: ["--bounds", "twice"], status: 64)
        try assertRejected(.verify, [checkpoint.path, path("p.vnnlib"), "--bounds", "ibp,ibp"], in: folder,
                           mentions: ["--bounds", "twice"], status: 64)
    }

    func testAManifestFigureWithARepeatedValueIsRefused() throws {
        let manifest = folder.appendingPathComponent("figures.json")
        try Data("""
        {"figures": [{"kind": "sweep", "output": "s.png", "models": ["good.ckpt"], "epsilons": "0:0.2:0.1,0.1"}]}
        """.utf8).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path, "--data", data.path], in: folder,
                           mentions: ["figures.json", "figure 1 epsilons", "0.1"], status: 1)
    }

    /// Distinct values still run.
    func testDistinctValuesRun() throws {
        let outcome = try Tool.visualize.run(["sweep", "--data", data.path, "--model", checkpoint.path,
                                              "--epsilons", "0:0.2:0.1,0.05", "--out", path("s.png")], in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
    }
}
