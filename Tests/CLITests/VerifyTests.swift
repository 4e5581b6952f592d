import Foundation
import IBP
import IBPFormats
import XCTest

/// `verify` and `convert` as a user runs them: answers and result files for a good instance, a list with shards and
/// a consensus check, ONNX written by `convert` and read by `evaluate` with the checkpoint's numbers; and the bad
/// inputs of issue #13 (an unsupported operator, malformed ONNX, malformed VNNLIB, counts that do not match, bad
/// lists and flags), each one line, the right exit status, and no file written.
final class VerifyTests: XCTestCase {
    private var folder: URL!
    private var onnx: URL!
    /// The tiny model's class at MNIST test image 0, and that image.
    private var label = 0
    private var image: [Float] = []

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        onnx = folder.appendingPathComponent("tiny.onnx")
        let network = Fixtures.tinyNetwork()
        try ONNXExport.write(network, to: onnx)
        let data = try Dataset.mnist(directory: Fixtures.sampleMNIST, split: .test, limit: 1)
        let (x, _) = data.batch(0..<1)
        image = x.data
        label = CrossEntropy.predictions(network.logits(x))[0]
    }

    /// A VNN-COMP-style property for the tiny model: image 0 +- eps in [0, 1], another class at least as large as
    /// `label` is a counterexample.
    private func property(eps: Double, label: Int, inputs: Int = 784, extra: String = "") -> String {
        var lines = (0..<inputs).map { "(declare-const X_\($0) Real)" } + (0..<10).map { "(declare-const Y_\($0) Real)" }
        for i in 0..<inputs {
            let p = Double(image[i % image.count])
            lines.append("(assert (<= X_\(i) \(min(p + eps, 1))))")
            lines.append("(assert (>= X_\(i) \(max(p - eps, 0))))")
        }
        lines.append("(assert (or " + (0..<10).filter { $0 != label }.map { "(and (>= Y_\($0) Y_\(label)))" }.joined(separator: " ") + "))")
        return lines.joined(separator: "\n") + "\n" + extra
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    private func write(_ text: String, _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    // MARK: - answers

    func testOneInstanceAnswersAndWritesTheResultFile() throws {
        try Tool.verify.requireBuilt()
        let holds = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        let result = folder.appendingPathComponent("out/result.txt")
        let unsat = try Tool.verify.run([onnx.path, holds.path, "--out", result.path, "--timeout", "60"], in: folder)
        XCTAssertEqual(unsat.status, 0, unsat.stderr)
        XCTAssertTrue(unsat.stdout.hasPrefix("unsat (proven by ibp; worst bound -"), unsat.stdout)
        XCTAssertEqual(try String(contentsOf: result, encoding: .utf8), "unsat\n")

        // Another class as the label: the centre itself is a counterexample.
        let violated = try write(property(eps: 0.01, label: (label + 1) % 10), "violated.vnnlib")
        let sat = try Tool.verify.run([onnx.path, violated.path, "--out", result.path], in: folder)
        XCTAssertEqual(sat.status, 0, sat.stderr)
        XCTAssertTrue(sat.stdout.hasPrefix("sat ("), sat.stdout)
        let text = try String(contentsOf: result, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.first, "sat")
        XCTAssertEqual(lines.count, 1 + 784 + 10)
        XCTAssertTrue(lines[1].hasPrefix("((X_0 ") && lines.last!.hasPrefix(" (Y_9 ") && lines.last!.hasSuffix("))"), text)
        // The counterexample's inputs, read back, make the model's outputs satisfy the property.
        let values = lines.dropFirst().map { line -> Float in
            Float(Double(line.split(separator: " ").last!.trimmingCharacters(in: CharacterSet(charactersIn: ")")))!)
        }
        let y = Fixtures.tinyNetwork().logits(Tensor(shape: [1, 1, 28, 28], data: Array(values.prefix(784)))).data
        XCTAssertEqual(y, Array(values.suffix(10)))
        XCTAssertGreaterThanOrEqual(y.max()!, y[(label + 1) % 10])
        XCTAssertNotEqual(CrossEntropy.predictions(Tensor(shape: [1, 10], data: y))[0], (label + 1) % 10)
    }

    /// The time limit counts reading the property, and reading stops when it runs out: a property of 120,000
    /// output rows (about 2 MB, several seconds to read in a debug build) under `--timeout 0.05` answers `timeout`
    /// within a second, naming the file, and the result file says `timeout`.
    func testTimeoutCoversReadingTheProperty() throws {
        try Tool.verify.requireBuilt()
        let rows = (0..<120_000).map { "(<= Y_\($0 % 10) Y_\(($0 + 1) % 10))" }.joined(separator: " ")
        var text = property(eps: 0.0005, label: label)
        text += "(assert (and " + rows + "))\n"
        let big = try write(text, "big.vnnlib")
        let result = folder.appendingPathComponent("result.txt")
        let started = Date()
        let r = try Tool.verify.run([onnx.path, big.path, "--timeout", "0.05", "--out", result.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("timeout ("), r.stdout)
        XCTAssertTrue(r.stdout.contains("the time limit ran out while reading"), r.stdout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3, "reading went on past the limit")
        XCTAssertEqual(try String(contentsOf: result, encoding: .utf8), "timeout\n")
    }

    /// Ctrl-C during a list: the instance under way is dropped, the finished ones are written to the results file,
    /// and the exit status is 130 with one line saying how many were done. The second instance's property takes
    /// seconds to read, so the signal arrives while it runs.
    func testInterruptedListKeepsTheFinishedInstances() throws {
        try Tool.verify.requireBuilt()
        _ = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        let rows = (0..<120_000).map { "(<= Y_\($0 % 10) Y_\(($0 + 1) % 10))" }.joined(separator: " ")
        _ = try write(property(eps: 0.0005, label: label) + "(assert (and " + rows + "))\n", "slow.vnnlib")
        let list = try write("onnx,vnnlib,timeout\ntiny.onnx,holds.vnnlib,60\ntiny.onnx,slow.vnnlib,60\ntiny.onnx,holds.vnnlib,61\n",
                             "instances.csv")
        // The third line repeats the first instance: refused as a duplicate, so the list is run as two lines.
        let twice = try Tool.verify.run(["--instances", list.path], in: folder)
        XCTAssertEqual(twice.status, 1)
        XCTAssertTrue(twice.stderr.contains("is also on line 2"), twice.stderr)
        try assertListStoppedBySignalKeepsTheFinishedInstances(SIGINT, status: 130, says: "verify: interrupted after")
    }

    /// New user (paths23, item 2b): SIGTERM (a scheduler's time limit) ended the list at once and wrote no results
    /// file at all, while Ctrl-C kept the finished instances. It is handled as the first Ctrl-C now, with a line
    /// naming the signal and exit 128 + SIGTERM.
    func testTerminatedListKeepsTheFinishedInstances() throws {
        try Tool.verify.requireBuilt()
        _ = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        let rows = (0..<120_000).map { "(<= Y_\($0 % 10) Y_\(($0 + 1) % 10))" }.joined(separator: " ")
        _ = try write(property(eps: 0.0005, label: label) + "(assert (and " + rows + "))\n", "slow.vnnlib")
        try assertListStoppedBySignalKeepsTheFinishedInstances(SIGTERM, status: 143, says: "verify: terminated (SIGTERM) after")
    }

    /// Runs the list `holds.vnnlib`, `slow.vnnlib`, sends `signal` once the first instance is done, and checks the
    /// exit status, the line and the results file (the header and the finished instance).
    private func assertListStoppedBySignalKeepsTheFinishedInstances(_ signal: Int32, status: Int32, says: String) throws {
        let two = try write("onnx,vnnlib,timeout\ntiny.onnx,holds.vnnlib,60\ntiny.onnx,slow.vnnlib,60\n", "two.csv")
        let results = folder.appendingPathComponent("results-\(signal).csv")
        let capture = try TempFolder.make(prefix: "capture")
        defer { try? FileManager.default.removeItem(at: capture) }
        let process = try Tool.verify.launch(["--instances", two.path, "--results", results.path], in: folder, capture: capture)
        // Wait for the first instance's progress line ("instances 1/2 unsat ...").
        let deadline = Date().addingTimeInterval(60)
        func stderr() -> String { (try? String(contentsOf: capture.appendingPathComponent("stderr"), encoding: .utf8)) ?? "" }
        while process.isRunning && Date() < deadline && !stderr().contains("instances 1/2") { usleep(2_000) }
        XCTAssertTrue(process.isRunning, "the list ended before it could be interrupted: \(stderr())")
        kill(process.processIdentifier, signal)
        XCTAssertTrue(process.wait(upTo: 60), "still running 60 s after the signal")
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, status, stderr())
        XCTAssertTrue(stderr().contains("\(says) 1 of 2 instances; the results of those are in"), stderr())
        let written = try String(contentsOf: results, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(written.count, 2, "the header and the finished instance")
        XCTAssertTrue(written.last!.hasPrefix(",tiny.onnx,holds.vnnlib,60.0,unsat,"), String(written.last!))
    }

    /// Trial 30: answers were matched to instances by the text of their paths, so an answers file writing
    /// `./tiny.onnx` (or kept in another folder) matched nothing and was ignored without a word, exit 0. They are
    /// matched by the files (paths read from the answers file's folder); one that names none of the instances is
    /// refused, one that misses some says so. A rerun into the same --counterexamples folder that no longer answers
    /// sat for an instance deletes the earlier counterexample of it.
    func testAnswersAreMatchedByFileAndStaleCounterexamplesGo() throws {
        _ = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        _ = try write(property(eps: 0.01, label: (label + 1) % 10), "violated.vnnlib")
        let list = try write("onnx,vnnlib,timeout\ntiny.onnx,holds.vnnlib,60\ntiny.onnx,violated.vnnlib,60\n", "list.csv")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let elsewhere = try write("onnx,vnnlib,consensus\n../tiny.onnx,./../violated.vnnlib,violated\n./../tiny.onnx,../holds.vnnlib,holds\n",
                                  "sub/answers.csv")
        let run = try Tool.verify.run(["--instances", list.path, "--answers", elsewhere.path, "--results", path("r.csv")], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("tiny.onnx     2    1     1       0       0     0      1        1           1            1     0"),
                      run.stdout)
        let partial = try write("onnx,vnnlib,consensus\n./tiny.onnx,./holds.vnnlib,holds\n", "partial.csv")
        let some = try Tool.verify.run(["--instances", list.path, "--answers", partial.path, "--results", path("r.csv")], in: folder)
        XCTAssertEqual(some.status, 0, some.stderr)
        XCTAssertTrue(some.stderr.contains("--answers names no answer for 1 of 2 instances (the first: line 3)"), some.stderr)
        // Trial 31: two spellings of the same files are one instance twice; a row naming other files that exist
        // (another benchmark's folder with the same names) is not this instance's answer.
        let twice = try write("onnx,vnnlib,consensus\n./tiny.onnx,holds.vnnlib,holds\ntiny.onnx,./holds.vnnlib,violated\n", "twice.csv")
        try assertRejected(.verify, ["--instances", list.path, "--answers", twice.path, "--results", path("r.csv")],
                           in: folder, mentions: ["two rows name the same files"], status: 1)
        _ = try write(property(eps: 0.0005, label: label), "sub/holds.vnnlib")
        try FileManager.default.copyItem(atPath: path("tiny.onnx"), toPath: path("sub/tiny.onnx"))
        let other = try write("onnx,vnnlib,consensus\ntiny.onnx,holds.vnnlib,holds\n", "sub/other.csv")
        try assertRejected(.verify, ["--instances", list.path, "--answers", other.path, "--results", path("r.csv")],
                           in: folder, mentions: ["names none of the 2 instances"], status: 64)
        let none = try write("onnx,vnnlib,consensus\nother.onnx,holds.vnnlib,holds\n", "none.csv")
        try assertRejected(.verify, ["--instances", list.path, "--answers", none.path, "--results", path("r.csv")],
                           in: folder, mentions: ["--answers \(none.path) names none of the 2 instances of \(list.path) "
                                                  + "(the first: tiny.onnx, holds.vnnlib)"], status: 64)
        // The violated instance's counterexample; then its property is edited to one that holds, and a rerun into
        // the same folder answers unsat for it: the earlier counterexample goes (other files stay).
        let cex = folder.appendingPathComponent("cex/line3_tiny.onnx__violated.vnnlib.counterexample")
        let first = try Tool.verify.run(["--instances", list.path, "--results", path("r.csv"), "--counterexamples", path("cex")],
                                        in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cex.path))
        _ = try write("mine", "cex/notes.txt")
        _ = try write(property(eps: 0.0005, label: label), "violated.vnnlib")
        let again = try Tool.verify.run(["--instances", list.path, "--results", path("r.csv"), "--counterexamples", path("cex")],
                                        in: folder)
        XCTAssertEqual(again.status, 0, again.stderr)
        let rows = try String(contentsOfFile: path("r.csv"), encoding: .utf8)
        XCTAssertTrue(rows.contains("tiny.onnx,violated.vnnlib,60.0,unsat,"), rows)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cex.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("cex/notes.txt")))
    }

    /// Trial 31, finding 5: a rerun deleted an earlier counterexample only under the name this run would write for
    /// the same line, so one stayed when its instance moved to another line. A rerun removes every counterexample
    /// file of each line it covers except the one it writes; a shard only those of its own lines; names the tool
    /// does not write, folders and lines past the list stay.
    func testARerunRemovesEveryEarlierCounterexampleOfItsLines() throws {
        _ = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        _ = try write(property(eps: 0.01, label: (label + 1) % 10), "violated.vnnlib")
        let list = try write("onnx,vnnlib,timeout\ntiny.onnx,holds.vnnlib,60\ntiny.onnx,violated.vnnlib,60\n", "list.csv")
        let swapped = try write("onnx,vnnlib,timeout\ntiny.onnx,violated.vnnlib,60\ntiny.onnx,holds.vnnlib,60\n", "swapped.csv")
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path("cex/" + name)) }
        func run(_ list: URL, _ extra: [String] = []) throws {
            let r = try Tool.verify.run(["--instances", list.path, "--results", path("r.csv"), "--counterexamples", path("cex")]
                                        + extra, in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try run(list)
        XCTAssertTrue(exists("line3_tiny.onnx__violated.vnnlib.counterexample"))
        let kept = ["notes.txt", "line3_notes.txt", "line03_tiny.onnx__violated.vnnlib.counterexample",
                    "line3_tiny.onnx.counterexample"]
        for name in kept { _ = try write("mine", "cex/" + name) }
        // Past the list's end (a longer list's, trial 32): a run without --shard covers it.
        _ = try write("sat", "cex/line9_tiny.onnx__violated.vnnlib.counterexample")
        try FileManager.default.createDirectory(atPath: path("cex/line2_a__b.counterexample"), withIntermediateDirectories: false)
        _ = try write("sat", "cex/line1_tiny.onnx__old.vnnlib.counterexample")
        // The violated instance moves to line 2; line 3 now holds: its earlier counterexample (another instance's) goes,
        // and so does one on the header's line.
        try run(swapped)
        XCTAssertTrue(exists("line2_tiny.onnx__violated.vnnlib.counterexample"))
        XCTAssertFalse(exists("line3_tiny.onnx__violated.vnnlib.counterexample"))
        XCTAssertFalse(exists("line1_tiny.onnx__old.vnnlib.counterexample"))
        XCTAssertFalse(exists("line9_tiny.onnx__violated.vnnlib.counterexample"))
        for name in kept + ["line2_a__b.counterexample"] { XCTAssertTrue(exists(name), name) }
        // Shard 2 of 2 covers line 3 only: line 2's files are shard 1's.
        _ = try write("sat", "cex/line3_tiny.onnx__other.vnnlib.counterexample")
        _ = try write("sat", "cex/line2_tiny.onnx__other.vnnlib.counterexample")
        try run(swapped, ["--shard", "2/2"])
        XCTAssertFalse(exists("line3_tiny.onnx__other.vnnlib.counterexample"))
        XCTAssertTrue(exists("line2_tiny.onnx__other.vnnlib.counterexample"))
        XCTAssertTrue(exists("line2_tiny.onnx__violated.vnnlib.counterexample"))
        // Shard 1 of 2 writes line 2's counterexample and removes the other of that line.
        try run(swapped, ["--shard", "1/2"])
        XCTAssertFalse(exists("line2_tiny.onnx__other.vnnlib.counterexample"))
        XCTAssertTrue(exists("line2_tiny.onnx__violated.vnnlib.counterexample"))
        for name in kept { XCTAssertTrue(exists(name), name) }
        // A shorter list whose one line holds: line 2's counterexample and everything past go.
        try run(try write("onnx,vnnlib,timeout\ntiny.onnx,holds.vnnlib,60\n", "short.csv"))
        XCTAssertFalse(exists("line2_tiny.onnx__violated.vnnlib.counterexample"))
        for name in kept { XCTAssertTrue(exists(name), name) }
    }

    /// A list with a header, relative paths, a consensus file; shards split it; the results CSV has a row each.
    func testAListWithShardsAndAConsensus() throws {
        _ = try write(property(eps: 0.0005, label: label), "holds.vnnlib")
        _ = try write(property(eps: 0.01, label: (label + 1) % 10), "violated.vnnlib")
        let list = try write("benchmark,onnx,vnnlib,timeout_s\nt,tiny.onnx,holds.vnnlib,60\nt,tiny.onnx,violated.vnnlib,60\n",
                             "instances.csv")
        // The consensus claims the opposite of the truth for the second instance: a wrong answer is reported.
        let answers = try write("onnx,vnnlib,consensus,evidence\ntiny.onnx,holds.vnnlib,holds,cex\ntiny.onnx,violated.vnnlib,holds,cex\n",
                                "answers.csv")
        let results = folder.appendingPathComponent("results.csv")
        let run = try Tool.verify.run(["--instances", list.path, "--answers", answers.path, "--results", results.path,
                                       "--counterexamples", folder.appendingPathComponent("cex").path], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("tiny.onnx     2    1     1       0       0     0      2        0           1            0     1"),
                      run.stdout)
        XCTAssertTrue(run.stdout.contains("WRONG answers (against the consensus): tiny.onnx violated.vnnlib: sat"), run.stdout)
        let rows = try String(contentsOf: results, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[1].hasPrefix("t,tiny.onnx,holds.vnnlib,60.0,unsat,ibp,"), String(rows[1]))
        XCTAssertTrue(rows[2].hasPrefix("t,tiny.onnx,violated.vnnlib,60.0,sat,,"), String(rows[2]))
        let cex = folder.appendingPathComponent("cex/line3_tiny.onnx__violated.vnnlib.counterexample")
        XCTAssertTrue(FileManager.default.fileExists(atPath: cex.path))
        XCTAssertTrue(rows[2].contains(",\(cex.path),"), String(rows[2]))
        for k in 1...2 {
            let shard = folder.appendingPathComponent("shard\(k).csv")
            let r = try Tool.verify.run(["--instances", list.path, "--shard", "\(k)/2", "--results", shard.path], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = try String(contentsOf: shard, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 2)
            XCTAssertTrue(lines[1].contains(k == 1 ? "holds.vnnlib" : "violated.vnnlib"), String(lines[1]))
        }
        // New user: with --timeout the results file said the list's 60 although 7 was applied.
        let limited = folder.appendingPathComponent("limited.csv")
        let r = try Tool.verify.run(["--instances", list.path, "--timeout", "7", "--results", limited.path], in: folder)
        XCTAssertEqual(r.status, 0, r.stderr)
        let limitedRows = try String(contentsOf: limited, encoding: .utf8).split(separator: "\n")
        XCTAssertTrue(limitedRows.dropFirst().allSatisfy { $0.contains(".vnnlib,7.0,") }, "\(limitedRows)")
    }

    /// `convert` writes the checkpoint as ONNX; `evaluate` gives the ONNX file the checkpoint's numbers.
    func testConvertThenEvaluateGivesTheCheckpointsNumbers() throws {
        try Tool.convert.requireBuilt()
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 30)
        let checkpoint = folder.appendingPathComponent("tiny.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let converted = folder.appendingPathComponent("onnx/tiny-converted.onnx")
        let run = try Tool.convert.run([checkpoint.path, converted.path], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "wrote \(converted.path) (tiny, 4 layers)\n")
        let arguments = ["--data", data.path, "--epsilon", "0.001,0.01", "--bounds", "ibp,crown-ibp", "--pgd-steps", "3"]
        let a = try Tool.evaluate.run([checkpoint.path] + arguments, in: folder, timeout: 120)
        let b = try Tool.evaluate.run([converted.path] + arguments, in: folder, timeout: 120)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        // The same table rows (the first line names the file and model, the last the time).
        let rows = { (o: Outcome) in Array(o.stdout.split(separator: "\n").dropFirst().dropLast()) }
        XCTAssertEqual(rows(a), rows(b))
        XCTAssertEqual(rows(a).count, 3)
    }

    // MARK: - bad inputs

    func testUnsupportedOperatorIsNamed() throws {
        var bytes = try Data(contentsOf: onnx)
        let relu = try XCTUnwrap(bytes.range(of: Data("Relu".utf8)))
        bytes.replaceSubrange(relu, with: Data("Selu".utf8))
        let bad = folder.appendingPathComponent("selu.onnx")
        try bytes.write(to: bad)
        let prop = try write(property(eps: 0.01, label: label), "p.vnnlib")
        try assertRejected(.verify, [bad.path, prop.path], in: folder,
                           mentions: ["\(bad.path): 1 unsupported ONNX operator node: 's2' (Selu) (supported: "], status: 1)
        try assertRejected(.evaluate, [bad.path, "--data", Fixtures.sampleMNIST.path], in: folder,
                           mentions: ["\(bad.path): 1 unsupported ONNX operator node: 's2' (Selu)"], status: 1)
    }

    func testMalformedONNXIsNamed() throws {
        let prop = try write(property(eps: 0.01, label: label), "p.vnnlib")
        let bytes = try Data(contentsOf: onnx)
        let cut = folder.appendingPathComponent("cut.onnx")
        try bytes.prefix(bytes.count / 2).write(to: cut)
        try assertRejected(.verify, [cut.path, prop.path], in: folder,
                           mentions: ["\(cut.path): not an ONNX model (protobuf decoding failed: the data ends inside a field"],
                           status: 1)
        // A graph that is not a chain: the Gemm's output also feeds the final Identity's input.
        var forked = bytes
        let from = try XCTUnwrap(forked.range(of: Data("s3_out".utf8), options: .backwards))
        forked.replaceSubrange(from, with: Data("s1_out".utf8))
        let dag = folder.appendingPathComponent("dag.onnx")
        try forked.write(to: dag)
        try assertRejected(.verify, [dag.path, prop.path], in: folder, mentions: [
            "\(dag.path): the graph is not a chain of operators (node 'output' (Identity) reads 's1_out', an earlier value "
                + "than the latest 's3_out'; value 's1_out' feeds 2 nodes ('s2' (Relu), 'output' (Identity)))"], status: 1)
        try assertRejected(.verify, [folder.appendingPathComponent("none.onnx").path, prop.path], in: folder,
                           mentions: ["none.onnx: no such file"], status: 1)
        try assertRejected(.verify, [prop.path, prop.path], in: folder,
                           mentions: ["p.vnnlib: not a model (a text file); expected a .ckpt (safetensors), a Chainer .npz or an ONNX model (.onnx)"],
                           status: 1)
    }

    func testMalformedVNNLIBIsNamedWithItsLineAndColumn() throws {
        let cases: [(String, String)] = [
            ("(declare-const X_0 Real)\n(assert (<= X_0 1)\n", "p.vnnlib:2:1: "),
            (property(eps: 0.01, label: label, extra: "(assert (<= X_0 (exp Y_0)))\n"), "p.vnnlib:"),
            ("(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n(assert (>= Y_0 0))\n",
             "declares 1 input X and 1 output Y, the network has 784 inputs and 10 outputs"),
            (property(eps: 0.01, label: label, inputs: 783), "declares 783 inputs X and 10 outputs Y, the network has 784 inputs"),
            // Trial 34: an assertion after a form feed in a comment is part of the comment; the file read without it.
            (property(eps: 0.01, label: label, extra: "; unused\u{0C}(assert (>= Y_0 Y_1))\n"),
             "p.vnnlib:2364:9: FF (form feed) in the ';' comment at 2364:1 is no line end"),
            // Trial 35: U+2028 between commands was shown as "found ' '".
            (property(eps: 0.01, label: label, extra: "(assert (>= Y_0 Y_1))\u{2028}(assert (>= Y_0 Y_2))\n"),
             "p.vnnlib:2364:22: found '\\u{2028}': U+2028 (line separator) at 2364:22 is no whitespace in VNNLIB"),
        ]
        for (text, mention) in cases {
            let prop = try write(text, "p.vnnlib")
            try assertRejected(.verify, [onnx.path, prop.path], in: folder, mentions: [mention], status: 1)
        }
    }

    /// Trial 35: the help documented exit status 1 only for --instances, though one instance with a bad property (or
    /// a network no --bounds method can bound) exits 1 too. It says what each status means in both modes.
    func testHelpSaysWhatEachExitStatusMeansInBothModes() throws {
        let help = try Tool.verify.run(["--help"], in: folder)
        XCTAssertEqual(help.status, 0, help.stderr)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for part in ["Exit status of one instance: 0 when it was answered (unsat, sat, unknown or timeout",
                     "1 when it could not be: a network or property missing, unreadable, malformed or unsupported",
                     "a network that no --bounds method can bound",
                     "With --instances: 0 when every instance was run, whatever the answers",
                     "but a network no --bounds method can bound is answered unknown",
                     "Both: 64 for a wrong command line"] {
            XCTAssertTrue(text.contains(part), "\(part): \(text)")
        }
        // What it says of one instance: a bad property exits 1.
        let prop = try write("(declare-const X_0 Real)\n", "bad.vnnlib")
        try assertRejected(.verify, [onnx.path, prop.path], in: folder, mentions: ["bad.vnnlib: no Y variable"], status: 1)
    }

    /// An ONNX model holds its graph, so --architecture is refused for it; convert names a missing input and an
    /// output it cannot write, and writes nothing.
    func testONNXWithArchitectureAndConvertBadInputs() throws {
        try assertRejected(.evaluate, [onnx.path, "--architecture", "tiny", "--data", Fixtures.sampleMNIST.path], in: folder,
                           mentions: ["\(onnx.path): an ONNX model records its own graph; drop --architecture tiny"], status: 1)
        try assertRejected(.convert, [folder.appendingPathComponent("none.ckpt").path, folder.appendingPathComponent("o.onnx").path],
                           in: folder, mentions: ["none.ckpt: no such file"], status: 1)
        try assertRejected(.convert, [onnx.path, folder.path], in: folder,
                           mentions: ["OUTPUT \(folder.path) is a folder, not a file name"], status: 64)
        let png = folder.appendingPathComponent("figure.png")
        try Data(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/comparison.png")).write(to: png)
        try assertRejected(.convert, [png.path, folder.appendingPathComponent("o.onnx").path], in: folder,
                           mentions: ["figure.png: not a model (a PNG file); expected a .ckpt (safetensors), a Chainer .npz or an ONNX model (.onnx)"],
                           status: 1)
    }

    func testBadListsAndFlags() throws {
        let prop = try write(property(eps: 0.01, label: label), "p.vnnlib")
        let list = try write("tiny.onnx,p.vnnlib,soon\n", "bad.csv")
        try assertRejected(.verify, ["--instances", list.path], in: folder,
                           mentions: ["bad.csv:1: timeout soon is not a decimal number of seconds (such as 300)"], status: 1)
        let usage: [([String], String)] = [
            ([onnx.path], "give a network and a property (verify NET.onnx PROP.vnnlib), or --instances FILE.csv; got 1 file"),
            ([onnx.path, prop.path, "--timeout", "-1"], "--timeout must be a positive number of seconds, got -1"),
            ([onnx.path, prop.path, "--timeout", "5", "--timeout", "6"], "--timeout was given 2 times"),
            ([onnx.path, prop.path, "--bounds", "ibp,deep"], "--bounds: unknown bound method 'deep'"),
            ([onnx.path, prop.path, "--shard", "1/2"], "--shard needs --instances"),
            (["--instances", list.path, "--shard", "3/2"], "--shard 3/2: expected K/N with 1 <= K <= N"),
            (["--instances", list.path, "--shard", "0/2"], "--shard 0/2: expected K/N with 1 <= K <= N"),
            (["--instances", list.path, "--out", "r.txt"], "--out writes one instance's result"),
            (["--instances", list.path, onnx.path], "--instances runs a list: give no network or property files"),
            ([onnx.path, prop.path, "--attack-restarts", "0"], "--attack-restarts takes a whole number from 1 to 1024, got '0' (out of range)"),
            ([onnx.path, prop.path, "--out", folder.path], "--out \(folder.path) is a folder, not a file name"),
        ]
        for (arguments, mention) in usage {
            try assertRejected(.verify, arguments, in: folder, mentions: [mention], status: 64)
        }
    }
}
