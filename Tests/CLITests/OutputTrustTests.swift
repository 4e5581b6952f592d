import Foundation
import XCTest
import IBP

/// Issue trust22a, a new user's outputs: where and how files and standard output are written. Each expected value
/// is the correct behaviour: no tool writes through a symbolic link (`fig.png -> precious.ckpt` made the checkpoint
/// a PNG), standard output that cannot be written is an error, a legal 250-byte name is written, /dev/stdout and
/// `-` are refused before work, an output that is an input is named as such first, echoed paths are escaped and
/// Ctrl-C says so.
final class OutputTrustTests: ToolFolderTestCase {
    private var onnx: URL!
    private var property: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        onnx = folder.appendingPathComponent("tiny.onnx")
        try ONNXExport.write(Fixtures.tinyNetwork(), to: onnx)
        // A box around a grey image; any class at least as large as class 0 satisfies it (the answer is immaterial).
        var lines = (0..<784).map { "(declare-const X_\($0) Real)" } + (0..<10).map { "(declare-const Y_\($0) Real)" }
        for i in 0..<784 { lines += ["(assert (<= X_\(i) 0.501))", "(assert (>= X_\(i) 0.499))"] }
        lines.append("(assert (or " + (1..<10).map { "(and (>= Y_\($0) Y_0))" }.joined(separator: " ") + "))")
        property = folder.appendingPathComponent("p.vnnlib")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: property)
    }

    // MARK: - 1. a symbolic link is never written through, by any output of any tool

    func testNoOutputIsWrittenThroughASymbolicLink() throws {
        let precious = folder.appendingPathComponent("precious.ckpt")
        try FileManager.default.copyItem(at: checkpoint, to: precious)
        let before = try Data(contentsOf: precious)
        for name in ["fig.png", "dump.json", "s.csv", "plot.png", "out.onnx", "result.txt", "results.csv"] {
            try FileManager.default.createSymbolicLink(atPath: path(name), withDestinationPath: "precious.ckpt")
        }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("batch"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: path("batch/index.md"), withDestinationPath: "../precious.ckpt")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("run"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: path("run/final.ckpt"), withDestinationPath: "../precious.ckpt")
        // A manifest's output (`okl.png -> ok.json` turned the JSON into a PNG), and the index beside it.
        let manifest = folder.appendingPathComponent("m.json")
        let figure = "{\"output\": \"\(path("okl.png"))\", \"baseline\": \"\(checkpoint.path)\", \"ibp\": \"\(checkpoint.path)\", "
            + "\"sample\": 0, \"epsilon\": 0.1}"
        try Data("{\"figures\": [\(figure)]}".utf8).write(to: manifest)
        try FileManager.default.createSymbolicLink(atPath: path("okl.png"), withDestinationPath: "precious.ckpt")
        let second = folder.appendingPathComponent("indexed")
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: false)
        let plain = "{\"output\": \"\(path("plain.png"))\", \"baseline\": \"\(checkpoint.path)\", \"ibp\": \"\(checkpoint.path)\", "
            + "\"sample\": 0, \"epsilon\": 0.1}"
        try Data("{\"figures\": [\(plain)]}".utf8).write(to: second.appendingPathComponent("m.json"))
        try FileManager.default.createSymbolicLink(atPath: path("indexed/index.html"), withDestinationPath: "../precious.ckpt")
        for (m, name) in [(manifest.path, "okl.png"), (second.appendingPathComponent("m.json").path, "index.html")] {
            try assertRejected(.visualize, ["--manifest", m, "--data", data.path], in: folder,
                               mentions: [name, "is a symbolic link (to ", "precious.ckpt)"], status: 1)
        }
        let list = folder.appendingPathComponent("list.csv")
        try Data("onnx,vnnlib,timeout\ntiny.onnx,p.vnnlib,60\n".utf8).write(to: list)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("cex"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: path("cex/line2_tiny.onnx__p.vnnlib.counterexample"),
                                                   withDestinationPath: "../precious.ckpt")
        let cases: [(Tool, [String], String)] = [
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", path("fig.png")], "--out"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--out", path("ok.png"), "--dump-bounds", path("dump.json")],
             "--dump-bounds"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--samples", "0", "--out-dir", path("batch")], "--out-dir"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", path("s.csv")], "--per-sample"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--plot", path("plot.png")], "--plot"),
            (.convert, [checkpoint.path, path("out.onnx")], "OUTPUT"),
            (.verify, [onnx.path, property.path, "--out", path("result.txt")], "--out"),
            (.verify, ["--instances", list.path, "--results", path("results.csv")], "--results"),
            (.verify, ["--instances", list.path, "--results", path("fresh.csv"), "--counterexamples", path("cex")],
             "line2_tiny.onnx__p.vnnlib.counterexample"),
            (.train, ["--out", path("run"), "--data", data.path, "--steps", "1"], "final.ckpt"),
        ]
        for (tool, arguments, flag) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [flag, "is a symbolic link (to ", "precious.ckpt)"],
                               status: 64)
        }
        XCTAssertEqual(try Data(contentsOf: precious), before, "the link's target was written")
    }

    /// A batch's files are all checked before work, in linear time: 10,000 outputs took about 30 s with the
    /// pairwise comparison, so the sample range (checked after them) is reached within the rejection limit.
    func testALargeBatchIsCheckedQuickly() throws {
        try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path, "--samples", "0-4999",
                                        "--epsilons", "0.1,0.2", "--out-dir", path("big")], in: folder,
                           mentions: ["--samples", "20 is out of range"], status: 64)
    }

    // MARK: - 2. standard output that cannot be written is an error

    /// Runs `tool` through /bin/sh with standard output redirected by `redirect` (`> /dev/full`, `>&-`).
    private func run(_ tool: Tool, _ arguments: [String], stdout redirect: String) throws -> (status: Int32, stderr: String) {
        try tool.requireBuilt()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec \"$0\" \"$@\" \(redirect)", tool.url.path] + arguments
        process.currentDirectoryURL = folder
        let errors = folder.appendingPathComponent("stderr-capture")
        try Data().write(to: errors)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        XCTAssertTrue(process.wait(upTo: 120), "\(tool.rawValue) \(arguments): still running")
        defer { try? FileManager.default.removeItem(at: errors) }
        return (process.terminationStatus, try String(contentsOf: errors, encoding: .utf8))
    }

    func testStandardOutputThatCannotBeWrittenIsAnError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let cases: [(Tool, [String])] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "5", "--pgd-steps", "0", "--json"]),
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "5", "--pgd-steps", "0"]),
            (.verify, [onnx.path, property.path, "--attack-steps", "1"]),
            (.convert, [checkpoint.path, path("c.onnx")]),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--pgd-steps", "0", "--out", path("v.png")]),
        ]
        for (tool, arguments) in cases {
            let full = try run(tool, arguments, stdout: "> /dev/full")
            XCTAssertEqual(full.status, 1, "\(tool.rawValue) > /dev/full: \(full.stderr)")
            let last = full.stderr.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertEqual(last, "\(tool.rawValue): error: cannot write standard output: No space left on device", full.stderr)
            // Closed: refused before any work, so nothing is written.
            try? FileManager.default.removeItem(atPath: path("c.onnx"))
            try? FileManager.default.removeItem(atPath: path("v.png"))
            let closed = try run(tool, arguments, stdout: ">&-")
            XCTAssertEqual(closed.status, 1, "\(tool.rawValue) >&-: \(closed.stderr)")
            XCTAssertEqual(closed.stderr, "\(tool.rawValue): error: cannot write standard output: it is closed; "
                           + "redirect it to a file or /dev/null instead\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.onnx")))
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("v.png")))
        }
    }

    // MARK: - 3. a legal long name is written; one over the limit is refused before work

    func testLongOutputNamesAreWritten() throws {
        let stem = String(repeating: "a", count: 250)
        let cases: [(Tool, [String], String)] = [
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "2", "--pgd-steps", "0", "--per-sample", path(stem + ".csv")],
             stem + ".csv"),
            (.convert, [checkpoint.path, path(stem + ".onnx")], stem + ".onnx"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--pgd-steps", "0", "--out", path(stem + ".png")],
             stem + ".png"),
        ]
        for (tool, arguments, name) in cases {
            let outcome = try tool.run(arguments, in: folder, timeout: 120)
            XCTAssertEqual(outcome.status, 0, "\(outcome.commandLine): \(outcome.stderr)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: path(name)), name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }, [])
        let tooLong = String(repeating: "b", count: 252) + ".csv"
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", path(tooLong)], in: folder,
                           mentions: ["--per-sample", "the file name is 256 bytes, longer than the folder's limit of 255"],
                           status: 64)
        try assertRejected(.convert, [checkpoint.path, path(String(repeating: "b", count: 252) + ".onnx")], in: folder,
                           mentions: ["OUTPUT", "257 bytes"], status: 64)
    }

    // MARK: - 4. standard streams as outputs are refused before work

    func testStreamsAsOutputFilesAreRefusedBeforeWork() throws {
        for (stream, name) in [("/dev/stdout", "standard output"), ("/dev/stderr", "standard error")] {
            try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", stream], in: folder,
                               mentions: ["--per-sample \(stream): is \(name), not a file"], status: 64)
            try assertRejected(.verify, [onnx.path, property.path, "--out", stream], in: folder,
                               mentions: ["--out \(stream): is \(name), not a file"], status: 64)
        }
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", "-"], in: folder,
                           mentions: ["--per-sample -: outputs are written as files, not to standard output"], status: 64)
        try assertRejected(.convert, [checkpoint.path, "-"], in: folder, mentions: ["OUTPUT -:"], status: 64)
    }

    // MARK: - 5. an output that is an input is named as such, before its permission bits

    func testOutputThatIsAReadOnlyInputIsNamedAsAnInput() throws {
        XCTAssertEqual(chmod(property.path, 0o444), 0)
        try assertRejected(.verify, [onnx.path, property.path, "--out", property.path], in: folder,
                           mentions: ["--out", "is also read as FILE"], status: 64)
        XCTAssertEqual(chmod(checkpoint.path, 0o444), 0)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--per-sample", checkpoint.path], in: folder,
                           mentions: ["--per-sample", "is also read as CHECKPOINT"], status: 64)
    }

    // MARK: - 6. echoed paths are escaped

    func testEchoedPathsAreEscaped() throws {
        let name = "a\u{1b}[31mred\nline.png"
        let outcome = try Tool.visualize.run(["--data", data.path, "--model", checkpoint.path, "--pgd-steps", "0",
                                              "--out", path(name)], in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(name)))
        XCTAssertEqual(outcome.stdout, "wrote \(path("a\\u{1b}[31mred\\nline.png"))\n")
        let converted = try Tool.convert.run([checkpoint.path, path("b\u{1b}[0m.onnx")], in: folder, timeout: 60)
        XCTAssertEqual(converted.status, 0, converted.stderr)
        XCTAssertTrue(converted.stdout.hasPrefix("wrote \(path("b\\u{1b}[0m.onnx")) ("), converted.stdout)
        // verify --instances prints the list's path and its networks' names in the summary.
        let hostile = "t\u{1b}[1m.onnx"
        try FileManager.default.copyItem(at: onnx, to: folder.appendingPathComponent(hostile))
        let list = folder.appendingPathComponent("l\u{1b}[2m.csv")
        try Data("onnx,vnnlib,timeout\n\(hostile),p.vnnlib,60\n".utf8).write(to: list)
        let batch = try Tool.verify.run(["--instances", list.path, "--results", path("r.csv"), "--attack-steps", "1"],
                                        in: folder, timeout: 120)
        XCTAssertEqual(batch.status, 0, batch.stderr)
        XCTAssertFalse(batch.stdout.contains("\u{1b}"), batch.stdout)
        XCTAssertTrue(batch.stdout.contains("t\\u{1b}[1m.onnx") && batch.stdout.contains("l\\u{1b}[2m.csv"), batch.stdout)
        // Error messages too: the one line names the file with its escape written out.
        let missing = try assertRejected(.evaluate, [path("m\u{1b}[1m.ckpt"), "--data", data.path], in: folder,
                                         mentions: ["m\\u{1b}[1m.ckpt"], status: 1)
        XCTAssertFalse(missing.stderr.contains("\u{1b}"), missing.stderr)
    }
}
