import Foundation
import IBP
import XCTest

/// Every `visualize` subcommand on the shipped checkpoints, the figure formats, and the refusals of sizes and flags
/// that cannot make a figure (issue #11 kind 4: refused in one line, quickly, with a small address space).
final class VisualizeSubcommandTests: XCTestCase {
    private var folder: URL!
    private let checkpoints = Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints")
    private func checkpoint(_ name: String) -> String { checkpoints.appendingPathComponent(name + ".ckpt").path }
    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
    }

    private func runOK(_ arguments: [String], timeout: TimeInterval = 120, file: StaticString = #filePath,
                       line: UInt = #line) throws -> Outcome {
        try Tool.visualize.requireBuilt()
        let outcome = try Tool.visualize.run(arguments, in: folder, timeout: timeout)
        XCTAssertFalse(outcome.crashed, "\(outcome.commandLine): \(outcome.stderr)", file: file, line: line)
        XCTAssertEqual(outcome.status, 0, "\(outcome.commandLine): \(outcome.stderr)", file: file, line: line)
        return outcome
    }

    private func assertFormat(_ file: String, _ format: String, line: UInt = #line) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        switch format {
        case "png": XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], file, line: line)
        case "svg": XCTAssertTrue(String(decoding: bytes.prefix(200), as: UTF8.self).contains("<svg"), file, line: line)
        default: XCTAssertEqual(String(decoding: bytes.prefix(5), as: UTF8.self), "%PDF-", file, line: line)
        }
    }

    private var data: [String] { ["--data", Fixtures.sampleMNIST.path] }
    /// The shipped pair, named: the tools' defaults are relative to the package root and the tests run elsewhere.
    private var pair: [String] { ["--baseline", checkpoint("vissmall-baseline"), "--ibp", checkpoint("vissmall-ibp-eps0.1")] }
    private var ibp: [String] { ["--model", checkpoint("vissmall-ibp-eps0.1")] }

    func testEverySubcommandOnTheShippedCheckpoints() throws {
        let runs: [(args: [String], out: String, format: String)] = [
            (["compare", "--baseline", checkpoint("vissmall-baseline"), "--ibp", checkpoint("vissmall-ibp-eps0.1"),
              "--model", checkpoint("small-ibp-eps0.4"), "--shared-scale", "--scale", "2"], "compare.png", "png"),
            (["methods", "--model", checkpoint("vissmall-ibp-eps0.1"), "--methods", "ibp", "--perturbation", "none"],
             "methods.svg", "svg"),
            (["sweep", "--model", checkpoint("small-ibp-eps0.4"), "--epsilons", "0,0.2,0.4", "--scale", "2", "--sample", "3"],
             "sweep.pdf", "pdf"),
            (["widths", "--model", checkpoint("small-nominal"), "--model", checkpoint("small-ibp-eps0.4"), "--samples", "0-9",
              "--epsilon", "0.3"], "widths.png", "png"),
            (["curves", "--model", checkpoint("vissmall-baseline"), "--model", checkpoint("vissmall-ibp-eps0.1"),
              "--epsilons", "0:0.2:0.05", "--limit", "30", "--pgd-steps", "3", "--pgd-every", "2"], "curves.pdf", "pdf"),
        ]
        for run in runs {
            let outcome = try runOK(run.args + data + ["--out", path(run.out)])
            XCTAssertTrue(outcome.stdout.contains("wrote \(path(run.out))"), outcome.stdout)
            try assertFormat(path(run.out), run.format)
        }
        XCTAssertEqual(Set(TempFolder.listing(folder).keys), Set(runs.map { "/" + $0.out }))
    }

    /// `curves` bisects each sample's certified eps range; `--exhaustive` bounds every eps. Without PGD the counts
    /// are the same, so the figures are the same bytes (issue 14).
    func testCurvesBisectionDrawsTheExhaustiveFigure() throws {
        let args = ["curves", "--model", checkpoint("small-ibp-eps0.2"), "--model", checkpoint("small-nominal"),
                    "--epsilons", "0:0.45:0.01", "--pgd-every", "0"] + data
        _ = try runOK(args + ["--out", path("bisection.png")])
        _ = try runOK(args + ["--exhaustive", "--out", path("exhaustive.png")])
        let bisection = try Data(contentsOf: URL(fileURLWithPath: path("bisection.png")))
        XCTAssertEqual(bisection, try Data(contentsOf: URL(fileURLWithPath: path("exhaustive.png"))))
    }

    /// `swift run visualize` with no arguments (from a folder laid out like the package root) still draws the
    /// seed's comparison of the shipped pair.
    func testNoArgumentsDrawTheSeedsFigure() throws {
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("sample_data"),
                                                   withDestinationURL: Fixtures.packageRoot.appendingPathComponent("sample_data"))
        // The output folder is created (issue #11, kind 8: a tool creates what it writes).
        let outcome = try runOK([])
        XCTAssertEqual(outcome.stdout, "wrote output/comparison.png\n")
        try assertFormat(path("output/comparison.png"), "png")
    }

    /// A fake repository (a Package.swift naming this package, the shipped sample_data) and every subcommand run
    /// with its defaults from a folder two levels below the root: the default checkpoints and images are found in the
    /// root, and the figures go to output/ of the working folder, which is created (issue #11, kind 8).
    func testDefaultsFromASubfolderOfTheRepository() throws {
        try Data("let package = Package(\n    name: \"IBPVis\",\n)\n".utf8).write(to: folder.appendingPathComponent("Package.swift"))
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("sample_data"),
                                                   withDestinationURL: Fixtures.packageRoot.appendingPathComponent("sample_data"))
        let deep = folder.appendingPathComponent("Sources/IBP")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let runs: [(args: [String], out: String)] = [
            ([], "output/comparison.png"),
            (["methods", "--methods", "ibp", "--perturbation", "none"], "output/methods.png"),
            (["sweep", "--epsilons", "0,0.1", "--perturbation", "none"], "output/sweep.png"),
            (["widths"], "output/widths.png"),
            (["curves", "--epsilons", "0,0.1", "--limit", "10", "--pgd-every", "0"], "output/curves.png"),
        ]
        for run in runs {
            try Tool.visualize.requireBuilt()
            let outcome = try Tool.visualize.run(run.args, in: deep, timeout: 120)
            XCTAssertEqual(outcome.status, 0, "\(outcome.commandLine): \(outcome.stderr)")
            XCTAssertEqual(outcome.stdout.split(separator: "\n").last.map(String.init), "wrote \(run.out)")
            try assertFormat(deep.appendingPathComponent(run.out).path, "png")
        }
    }

    /// `--out` and `--dump-bounds` create their missing folders, as every tool's outputs do; a folder that cannot
    /// be made (a file on the way) is still refused before any work.
    func testOutAndDumpCreateTheirFolders() throws {
        _ = try runOK(pair + data + ["--perturbation", "none", "--out", path("new/deeper/x.pdf"),
                                     "--dump-bounds", path("dumps/b.json")])
        try assertFormat(path("new/deeper/x.pdf"), "pdf")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("dumps/b.json")))))
        for (sub, name) in [(["sweep"], "s.svg"), (["widths"], "w.png"), (["methods", "--methods", "ibp"], "m.png")] {
            _ = try runOK(sub + ibp + data + ["--out", path("made-by-\(sub[0])/\(name)")])
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("made-by-\(sub[0])/\(name)")))
        }
    }

    /// `--samples`, `--epsilons` and `--methods` take commas, the repeated flag, or both, as evaluate's --epsilon does.
    func testListFlagsTakeCommasOrRepeats() throws {
        let outcome = try runOK(pair + data + ["--samples", "0", "--samples", "2-3", "--epsilons", "0.1",
                                               "--epsilons", "0.2", "--perturbation", "none", "--out-dir", path("batch")])
        XCTAssertTrue(outcome.stdout.contains("wrote 6 figures"), outcome.stdout)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: path("batch")))
        XCTAssertTrue(names.isSuperset(of: ["sample0000-eps0.100.png", "sample0003-eps0.200.png"]), "\(names)")
        _ = try runOK(["sweep"] + ibp + data + ["--epsilons", "0,0.05", "--epsilons", "0.1", "--perturbation", "none",
                                                "--dump-bounds", path("sweep.json"), "--out", path("sweep.png")])
        let dump = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("sweep.json")))) as? [String: Any]
        XCTAssertEqual((dump?["panels"] as? [Any])?.count, 3)
        _ = try runOK(["methods"] + ibp + data + ["--methods", "ibp", "--methods", "crown-ibp", "--perturbation", "none",
                                                  "--dump-bounds", path("methods.json"), "--out", path("methods.png")])
        let methods = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("methods.json")))) as? [String: Any]
        XCTAssertEqual((methods?["panels"] as? [Any])?.count, 2)
    }

    func testBatchWritesAnIndex() throws {
        let outcome = try runOK(["--baseline", checkpoint("vissmall-baseline"), "--ibp", checkpoint("vissmall-ibp-eps0.1"),
                                 "--samples", "0-1", "--epsilons", "0.1,0.2", "--format", "svg", "--perturbation", "none",
                                 "--out-dir", path("batch")] + data)
        XCTAssertTrue(outcome.stdout.contains("wrote 4 figures"), outcome.stdout)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: path("batch")))
        XCTAssertEqual(names, ["sample0000-eps0.100.svg", "sample0000-eps0.200.svg", "sample0001-eps0.100.svg",
                               "sample0001-eps0.200.svg", "index.md", "index.html"])
        let index = try String(contentsOfFile: path("batch/index.md"), encoding: .utf8)
        XCTAssertTrue(index.contains("](sample0001-eps0.200.svg)"), index)
    }

    /// A second batch into the folder of a first one with other samples or epsilons was written beside the first's
    /// figures, under an index that listed only its own: refused before any work, naming a figure and --force;
    /// with --force the earlier figures go (other files stay); the same batch again overwrites its own figures.
    func testSecondBatchIntoTheSameFolder() throws {
        let batch = pair + data + ["--perturbation", "none", "--out-dir", path("batch")]
        let first = try runOK(batch + ["--samples", "0-1", "--epsilons", "0.1"])
        XCTAssertTrue(first.stdout.contains("wrote 2 figures"), first.stdout)
        try Data("notes".utf8).write(to: URL(fileURLWithPath: path("batch/notes.txt")))
        let refused = try Tool.visualize.run(batch + ["--samples", "2", "--epsilons", "0.2"], in: folder, timeout: 120)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("holds 2 figures of an earlier batch that this one does not write "
                                              + "(sample0000-eps0.100.png, ...)") && refused.stderr.contains("--force"),
                      refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("batch/sample0002-eps0.200.png")))
        _ = try runOK(batch + ["--samples", "0-1", "--epsilons", "0.1"])
        let replaced = try runOK(batch + ["--samples", "2", "--epsilons", "0.2", "--force"])
        XCTAssertTrue(replaced.stdout.contains("wrote 1 figure and"), replaced.stdout)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: path("batch"))),
                       ["sample0002-eps0.200.png", "index.md", "index.html", "notes.txt"])
        let single = try Tool.visualize.run(pair + data + ["--force", "--out", path("x.png")], in: folder, timeout: 120)
        XCTAssertEqual(single.status, 64, single.stderr)
        XCTAssertTrue(single.stderr.contains("--force is for a batch"), single.stderr)
    }

    /// Which names count as an earlier batch's figures: exactly those `FigureBatch.fileName` gives.
    func testBatchFigureNames() {
        for name in [FigureBatch.fileName(sample: 0, epsilon: 0.1), FigureBatch.fileName(sample: 12345, epsilon: 0.0004, format: .pdf),
                     FigureBatch.fileName(sample: 42, epsilon: 1e-7, format: .svg), "sample0042-eps0.100.png"] {
            XCTAssertTrue(FigureBatch.isFigureName(name), name)
        }
        // Trial 31: look-alikes no batch writes were deleted by --force (an epsilon of nan, a negative one, another
        // spelling of 0.1).
        for name in ["sample042-eps0.100.png", "sample0042-eps.png", "sample0042-eps0.100.png.bak", "sampleabcd-eps0.100.png",
                     "sample0042-epsx.png", "index.md", "sample0042-eps0.100.jpg", "sample٠١٢٣-eps0.100.png",
                     "sample0001-epsnan.png", "sample0001-eps-0.100.png", "sample0042-eps0.1.png", "sample0042-epsinf.png"] {
            XCTAssertFalse(FigureBatch.isFigureName(name), name)
        }
    }

    // MARK: ONNX models (issue #13, item 5)

    private var shippedONNX: String { Fixtures.packageRoot.appendingPathComponent("sample_data/onnx/Convnet_avgpool.onnx").path }

    /// A chain with a max pool (conv 2 3x3, ReLU, max pool 2x2/2, flatten, dense 10), written as ONNX.
    private func maxPoolONNX() throws -> String {
        let conv = Conv2D(inputShape: [1, 28, 28], outChannels: 2, kernel: 3, stride: 1, same: false, name: "c")
        let pool = MaxPool(windows: PoolWindows(ConvGeometry(channels: 2, height: 26, width: 26, kernelHeight: 2,
                                                             kernelWidth: 2, strideH: 2, strideW: 2, padTop: 0,
                                                             padLeft: 0, padBottom: 0, padRight: 0)))
        let chain = ChainModel(name: "pool", inputShape: [1, 28, 28],
                               layers: [conv, Activation(.relu, shape: [2, 26, 26]), pool, Flatten(inputShape: [2, 13, 13]),
                                        Linear(inputShape: [338], outFeatures: 10, name: "d")])
        let url = folder.appendingPathComponent("pool.onnx")
        try ONNXExport.write(chain, to: url)
        return url.path
    }

    /// ONNX models wherever a checkpoint goes, in any mix: compare, methods, sweep, widths and curves.
    func testONNXModelsInEverySubcommand() throws {
        let runs: [(args: [String], out: String)] = [
            (["--baseline", shippedONNX, "--ibp", checkpoint("vissmall-ibp-eps0.1"), "--model", checkpoint("small-nominal"),
              "--epsilon", "0.02", "--scale", "2"], "compare.png"),
            (["methods", "--model", shippedONNX, "--methods", "ibp,crown", "--epsilon", "0.04", "--scale", "2"], "methods.svg"),
            (["sweep", "--model", shippedONNX, "--epsilons", "0,0.02", "--scale", "2"], "sweep.pdf"),
            (["widths", "--model", shippedONNX, "--model", checkpoint("vissmall-baseline"), "--samples", "0-4"], "widths.png"),
            (["curves", "--model", shippedONNX, "--epsilons", "0,0.02", "--limit", "20", "--pgd-steps", "2"], "curves.png"),
        ]
        for run in runs {
            let outcome = try runOK(run.args + data + ["--out", path(run.out)])
            XCTAssertTrue(outcome.stdout.contains("wrote \(path(run.out))"), outcome.stdout)
            // Progress bars only: no note, no warning.
            XCTAssertFalse(outcome.stderr.contains("visualize:"), outcome.stderr)
        }
        // The provenance text chunks name the ONNX file and its digest.
        let png = try Data(contentsOf: URL(fileURLWithPath: path("compare.png")))
        XCTAssertNotNil(png.range(of: Data("tEXtBaseline\u{0}\(shippedONNX)".utf8)))
        XCTAssertNotNil(png.range(of: Data("Baseline-SHA256\u{0}713466baf4fc60c8f99f978acd2e745d202c6d2d233e4ae18cb5cb40b6c98b04".utf8)))
    }

    /// Max pooling: CROWN is refused in one line before any work; `methods` draws the methods that apply and says
    /// on stderr which it left out.
    func testMaxPoolWithCROWN() throws {
        let pool = try maxPoolONNX()
        for bounds in ["crown", "crown-ibp"] {
            try assertRejected(.visualize, ["--model", pool, "--bounds", bounds, "--out", path("x.png")] + data, in: folder,
                               mentions: ["--bounds \(bounds)", pool, "max pooling"], status: 1)
        }
        try assertRejected(.visualize, ["widths", "--model", pool, "--methods", "ibp,crown", "--out", path("x.png")] + data,
                           in: folder, mentions: ["--methods crown", "max pooling"], status: 1)
        try assertRejected(.visualize, ["methods", "--model", pool, "--methods", "crown", "--out", path("x.png")] + data,
                           in: folder, mentions: ["--methods", pool, "max pooling"], status: 1)
        // Trial 31: a figure too large counted the columns drawn as the methods given ("2 methods" of 3); it names
        // what was given and what is not drawn.
        try assertRejected(.visualize, ["methods", "--model", pool, "--methods", "ibp,crown-ibp,crown", "--scale", "64",
                                        "--out", path("x.png")] + data, in: folder,
                           mentions: ["and 1 method (of the 3 --methods given; crown-ibp, crown are not drawn: they cannot "
                                      + "bound this model) give a figure of "], status: 64)
        try assertRejected(.visualize, ["methods", "--model", pool, "--methods", "ibp,crown", "--scale", "64",
                                        "--out", path("x.png")] + data, in: folder,
                           mentions: ["and 1 method (of the 2 --methods given; crown is not drawn: it cannot bound this "
                                      + "model) give a figure of "], status: 64)
        let outcome = try runOK(["methods", "--model", pool, "--out", path("m.png"), "--dump-bounds", path("m.json")] + data)
        XCTAssertEqual(outcome.stderr.split(separator: "\n").map(String.init), [
            "visualize: note: crown-ibp not drawn: \(pool): bound method crown-ibp cannot bound layer 3 (max pooling)",
            "visualize: note: crown not drawn: \(pool): bound method crown cannot bound layer 3 (max pooling)",
        ])
        let dump = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("m.json")))) as? [String: Any]
        let panels = dump?["panels"] as? [[String: Any]]
        XCTAssertEqual(panels?.map { $0["method"] as? String }, ["ibp"])
        XCTAssertEqual((panels?[0]["stages"] as? [[String: Any]])?.map { $0["name"] as? String }, ["x", "l1", "a1", "p1", "y"])
    }

    /// A network whose input is neither the 1x28x28 image nor its 784 pixels is refused in one line.
    func testONNXInputThatIsNotTheImage() throws {
        let chain = ChainModel(name: "odd", inputShape: [2, 392],
                               layers: [Flatten(inputShape: [2, 392]), Linear(inputShape: [784], outFeatures: 10, name: "d")])
        let url = folder.appendingPathComponent("odd.onnx")
        try ONNXExport.write(chain, to: url)
        try assertRejected(.visualize, ["--model", url.path, "--out", path("x.png")] + data, in: folder,
                           mentions: [url.path, "[2, 392]", "[1, 28, 28]"], status: 1)
        let wide = ChainModel(name: "wide", inputShape: [3, 28, 28],
                              layers: [Flatten(inputShape: [3, 28, 28]), Linear(inputShape: [2352], outFeatures: 10, name: "d")])
        try ONNXExport.write(wide, to: url)
        try assertRejected(.visualize, ["--model", url.path, "--out", path("x.png")] + data, in: folder,
                           mentions: [url.path, "[3, 28, 28]", "[1, 28, 28]"], status: 1)
    }

    // MARK: Training curves (issue #14 (c))

    /// `visualize training` redraws a run's curves.png from its metrics.jsonl, also through a manifest; a missing or
    /// malformed log is one line and exit status 1.
    func testTrainingCurvesFromAMetricsLog() throws {
        let metrics = Fixtures.packageRoot.appendingPathComponent("docs/training/vissmall-ibp-eps0.1/metrics.jsonl").path
        _ = try runOK(["training", "--metrics", metrics, "--title", "vissmall ibp eps_train=0.1", "--out", path("t/curves.svg")])
        try assertFormat(path("t/curves.svg"), "svg")
        let manifest = folder.appendingPathComponent("figures.json")
        try JSONSerialization.data(withJSONObject: ["figures": [["kind": "training", "output": path("m/curves.png"),
                                                                 "metrics": metrics]]]).write(to: manifest)
        let outcome = try runOK(["--manifest", manifest.path])
        XCTAssertTrue(outcome.stdout.contains("created: \(path("m/curves.png"))"), outcome.stdout)
        let png = try Data(contentsOf: URL(fileURLWithPath: path("m/curves.png")))
        // The default title is the run folder's name.
        XCTAssertNotNil(png.range(of: Data("tEXtTitle\u{0}vissmall-ibp-eps0.1".utf8)))
        let index = try String(contentsOf: folder.appendingPathComponent("index.md"), encoding: .utf8)
        XCTAssertTrue(index.contains("Training of vissmall-ibp-eps0.1 over 10000 steps"), index)

        try assertRejected(.visualize, ["training", "--metrics", path("none.jsonl"), "--out", path("x.png")], in: folder,
                           mentions: ["--metrics", path("none.jsonl"), "no such file"], status: 1)
        // Line 1 is a whole train record (a record without its type's fields is refused itself since trust22b).
        let record = #"{"type": "train", "step": 1, "epsilon": 0, "kappa": 1, "learningRate": 0.001, "loss": 2.3, "#
            + #""nominalLoss": 2.3, "nominalAccuracy": 0.1, "count": 100}"#
        try Data((record + "\nnot json\n").utf8).write(to: folder.appendingPathComponent("bad.jsonl"))
        try assertRejected(.visualize, ["training", "--metrics", path("bad.jsonl"), "--out", path("x.png")], in: folder,
                           mentions: [path("bad.jsonl"), "line 2"], status: 1)
        try assertRejected(.visualize, ["training", "--metrics", metrics, "--epsilon", "0.1", "--out", path("x.png")],
                           in: folder, mentions: ["training does not use --epsilon"], status: 64)
        try JSONSerialization.data(withJSONObject: ["figures": [["kind": "training", "output": path("y.png")]]]).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path], in: folder, mentions: ["figure 1", "lacks 'metrics'"],
                           status: 1)
    }

    // MARK: Refusals

    /// A size that follows from the flags is refused in one line naming them, within the time limit, while the
    /// process may not even map 1.5 GB (the old code reached 3 GB before failing).
    private func assertRefusedSmall(_ arguments: [String], mentions: [String], line: UInt = #line) throws {
        try Tool.visualize.requireBuilt()
        let quoted = ([Tool.visualize.url.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 1500000; exec \(quoted)"]
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, stderr, line: line)
        // A size that follows from the flags is a command-line error: exit status 64 (see README, Exit status).
        XCTAssertEqual(process.terminationStatus, 64, stderr, line: line)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr, line: line)
        for text in mentions { XCTAssertTrue(stderr.contains(text), "no '\(text)' in: \(stderr)", line: line) }
        XCTAssertLessThan(Date().timeIntervalSince(started), rejectionTimeLimit, line: line)
        XCTAssertEqual(TempFolder.listing(folder), [:], line: line)
    }

    func testOversizedFiguresAreRefusedBeforeAnyWork() throws {
        try assertRefusedSmall(pair + ["--scale", "64", "--max-channels", "256", "--out", path("x.png")] + data,
                               mentions: ["--scale 64", "--max-channels 256", "2 models", "exceeds the limit", "16384"])
        try assertRefusedSmall(pair + ["--scale", "40", "--out", path("x.png")] + data,
                               mentions: ["--scale 40", "megapixels", "exceeds the limit"])
        try assertRefusedSmall(["sweep"] + ibp + ["--epsilons", "0:0.5:0.01", "--scale", "6", "--out", path("x.png")] + data,
                               mentions: ["51 epsilons", "exceeds the limit", "--epsilons"])
        try assertRefusedSmall(["sweep"] + ibp + ["--epsilons", "0:1:1e-9", "--out", path("x.png")] + data,
                               mentions: ["--epsilons", "more than 1000"])
        try assertRefusedSmall(pair + ["--samples", "0-99999999", "--out-dir", path("batch")] + data,
                               mentions: ["--samples", "more than 100000"])
        // Nine different files (one model named twice is refused as a repeat, so copies, not links).
        let copies = try TempFolder.make(prefix: "models")
        defer { try? FileManager.default.removeItem(at: copies) }
        let many = try (0..<9).flatMap { i -> [String] in
            let copy = copies.appendingPathComponent("m\(i).ckpt")
            try FileManager.default.copyItem(atPath: checkpoint("vissmall-baseline"), toPath: copy.path)
            return ["--model", copy.path]
        }
        try assertRefusedSmall(["curves"] + many + ["--out", path("x.png")] + data,
                               mentions: ["9 --model", "27 lines", "at most 24"])
    }

    func testFlagsASubcommandDoesNotUseAreRefused() throws {
        try assertRejected(.visualize, ["curves", "--scale", "3", "--out", path("x.png")] + data, in: folder,
                           mentions: ["curves does not use --scale"])
        try assertRejected(.visualize, ["sweep", "--epsilon", "0.1", "--out", path("x.png")] + data, in: folder,
                           mentions: ["sweep", "--epsilons", "--epsilon"])
        try assertRejected(.visualize, ["methods", "--bounds", "ibp", "--out", path("x.png")] + data, in: folder,
                           mentions: ["methods", "--methods"])
        try assertRejected(.visualize, ["--samples", "0-3", "--out", path("x.png")] + data, in: folder,
                           mentions: ["--out", "--out-dir"])
        try assertRejected(.visualize, ["--format", "svg", "--out", path("x.png")] + data, in: folder,
                           mentions: ["--out", "x.png", ".png", "--format is svg"])
        try assertRejected(.visualize, ["--format", "gif", "--out", path("x.gif")] + data, in: folder,
                           mentions: ["--format gif", "png, svg or pdf"])
        try assertRejected(.visualize, ["--bounds", "lp", "--out", path("x.png")] + data, in: folder,
                           mentions: ["--bounds", "'lp'"])
        try assertRejected(.visualize, ["methods", "--methods", "ibp,ibp", "--out", path("x.png")] + data, in: folder,
                           mentions: ["--methods", "twice"])
        try assertRejected(.visualize, ["curves", "--model", checkpoint("vissmall-baseline"), "--limit", "1000",
                                        "--out", path("x.png")] + data, in: folder,
                           mentions: ["--limit 1000", "holds 100 test images"])
        try assertRejected(.visualize, ["widths", "--model", checkpoint("vissmall-baseline"), "--samples", "0-100",
                                        "--out", path("x.png")] + data, in: folder,
                           mentions: ["--samples", "100", "out of range"])
    }

    /// Without the figure font, one line names the file and the package to install, before any work.
    func testMissingFontIsOneLine() throws {
        try Tool.visualize.requireBuilt()
        let process = Process()
        process.executableURL = Tool.visualize.url
        process.arguments = ["--out", path("x.png")] + data
        var environment = ProcessInfo.processInfo.environment
        environment["IBP_FONT_DIR"] = path("no-fonts")
        process.environment = environment
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr)
        XCTAssertTrue(stderr.contains(path("no-fonts/DejaVuSans.ttf")) && stderr.contains("fonts-dejavu-core"), stderr)
        XCTAssertEqual(TempFolder.listing(folder), [:])
    }
}
