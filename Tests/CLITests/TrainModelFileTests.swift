import Foundation
import IBP
import IBPFormats
import XCTest

/// Issue 15: `train --model FILE.json` (architectures as data) and `train --method crown-ibp`'s flags.
final class TrainModelFileTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 100)
    }

    private func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    private func run(_ model: String, _ extra: [String] = []) -> [String] {
        ["--model", model, "--steps", "4", "--batch-size", "10", "--eval-limit", "10", "--data", data.path,
         "--out", folder.appendingPathComponent("run").path] + extra
    }

    private static let dense = """
        {"name": "dense-2", "inputShape": [1, 28, 28], "layers": [{"flatten": {}}, {"linear": {"units": 16}},
         {"activation": {"_0": "relu"}}, {"linear": {"units": 12}}, {"activation": {"_0": "relu"}},
         {"linear": {"units": 10}}]}
        """

    /// Bad model files: one line naming the file and the problem, exit status 1, no run folder.
    func testBadModelFilesAreRefusedInOneLine() throws {
        let layers = { (text: String) in "{\"name\": \"m\", \"inputShape\": [1, 28, 28], \"layers\": [\(text)]}" }
        let cases: [(String, String, [String])] = [
            ("syntax.json", "{\"name\": \"m\", \"layers\": [", ["syntax.json: is not a model file: not valid JSON"]),
            ("kind.json", layers("{\"flatten\": {}}, {\"pool\": {\"size\": 2}}, {\"linear\": {\"units\": 10}}"),
             ["kind.json: layer 2 has the unknown kind \"pool\"", "conv, linear, activation, flatten"]),
            ("act.json", layers("{\"flatten\": {}}, {\"activation\": {\"_0\": \"gelu\"}}, {\"linear\": {\"units\": 10}}"),
             ["act.json: layer 2 (activation) has the unknown function \"gelu\""]),
            ("field.json", layers("{\"flatten\": {}}, {\"linear\": {\"units\": 10, \"bias\": false}}"),
             ["field.json: is not a model file: unknown field \"bias\" of layer 2 (linear)"]),
            ("chain.json", layers("{\"flatten\": {}}, {\"conv\": {\"channels\": 4, \"kernel\": 3, \"stride\": 1, "
                                  + "\"same\": false}}, {\"linear\": {\"units\": 10}}"),
             ["chain.json: layer 2 (conv 4 3x3/1 VALID) is an invalid convolution: it follows a flatten"]),
            ("kernel.json", layers("{\"conv\": {\"channels\": 4, \"kernel\": 30, \"stride\": 1, \"same\": false}}, "
                                   + "{\"flatten\": {}}, {\"linear\": {\"units\": 10}}"),
             ["kernel.json: layer 1 (conv 4 30x30/1 VALID) is an invalid convolution: a 30x30 VALID kernel on a 28x28 input"]),
            ("big.json", layers("{\"flatten\": {}}, {\"linear\": {\"units\": 65000}}, {\"linear\": {\"units\": 10}}"),
             ["big.json: layer 2 (linear 65000) brings the parameters to 51,025,000, over the limit of 33,554,432"]),
            ("head.json", layers("{\"flatten\": {}}, {\"linear\": {\"units\": 7}}"),
             ["head.json: ends in layer 2 (linear 7); the last layer must be {\"linear\": {\"units\": 10}}"]),
            ("tail.json", layers("{\"flatten\": {}}, {\"linear\": {\"units\": 10}}, {\"activation\": {\"_0\": \"relu\"}}"),
             ["tail.json: is not a supported model: its last layer, layer 3 (relu), is not linear"]),
            ("input.json", "{\"name\": \"m\", \"inputShape\": [3, 32, 32], \"layers\": [{\"flatten\": {}}, "
                + "{\"linear\": {\"units\": 10}}]}", ["input.json: has input shape [3, 32, 32]", "[1, 28, 28]"]),
            ("named.json", "{\"name\": \"small\", \"inputShape\": [1, 28, 28], \"layers\": [{\"flatten\": {}}, "
                + "{\"linear\": {\"units\": 10}}]}", ["named.json: is named \"small\", one of the named models"]),
        ]
        for (name, text, mentions) in cases {
            try write(name, text)
            try assertRejected(.train, run(name), in: folder, mentions: mentions, status: 1)
        }
        try assertRejected(.train, run("absent.json"), in: folder, mentions: ["absent.json: no such file"], status: 1)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.json"), withIntermediateDirectories: false)
        try assertRejected(.train, run("dir.json"), in: folder, mentions: ["dir.json: is a folder"], status: 1)
        // A FIFO said only "cannot be read" (new-user F6); it is named for what it is, and nothing waits on it.
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("fifo.json").path, 0o644), 0)
        try assertRejected(.train, run("fifo.json"), in: folder, mentions: ["fifo.json: is not a regular file"], status: 1)
        try write("huge.json", String(repeating: " ", count: ArchitectureFile.maxBytes + 1))
        try assertRejected(.train, run("huge.json"), in: folder, mentions: ["huge.json: the file is 1048577 bytes, more than the 1048576 accepted"], status: 1)
        // Flags the file's model cannot take are the command line's fault (64), named as usual.
        try write("sig.json", Self.dense.replacingOccurrences(of: "relu", with: "sigmoid"))
        try assertRejected(.train, run("sig.json", ["--method", "crown-ibp"]), in: folder,
                           mentions: ["--method crown-ibp trains ReLU models only", "sig.json has sigmoid"], status: 64)
    }

    /// A model file trains (here with CROWN-IBP), the run records its layers, the checkpoint holds them, and the run
    /// resumes with the file gone.
    func testModelFileTrainsRecordsAndResumes() throws {
        try write("dense.json", Self.dense)
        let outcome = try Tool.train.run(run("dense.json", ["--method", "crown-ibp", "--warmup-steps", "1",
                                                            "--ramp-steps", "2", "--threads", "1"]), in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let runFolder = folder.appendingPathComponent("run")
        let record = try StrictJSON.decode(TrainingSettings.self,
                                           from: Data(contentsOf: runFolder.appendingPathComponent("settings.json")))
        let expected = try StrictJSON.decode(Architecture.self, from: Data(Self.dense.utf8))
        XCTAssertEqual(record.model, "dense.json")
        XCTAssertEqual(record.architecture, expected)
        XCTAssertEqual(record.method, .crownIBP)
        XCTAssertEqual(record.beta, BetaSchedule(start: 1, end: 0))
        let checkpoint = try Checkpoint.load(runFolder.appendingPathComponent("final.ckpt"))
        XCTAssertEqual(checkpoint.architecture, expected)
        XCTAssertTrue(checkpoint.settings["settings"]?.contains("\"method\":\"crown-ibp\"") ?? false)
        try assertRejected(.train, ["--resume", runFolder.path, "--beta-end", "0.3"], in: folder,
                           mentions: ["--beta-end 0.3 differs from the run's 0.0"], status: 64)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("dense.json"))
        let resumed = try Tool.train.run(["--resume", runFolder.path, "--steps", "6"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Checkpoint.load(runFolder.appendingPathComponent("final.ckpt")).step, 6)
    }

    /// The shipped example file is a valid model.
    func testExampleFileLoads() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sample_data/models/small-wide.json")
        let architecture = try ArchitectureFile.load(url)
        XCTAssertEqual(architecture.name, "small-wide")
        XCTAssertEqual(architecture.layers.count, 10)
    }

    /// CROWN-IBP's flags: beta flags without --method crown-ibp, beta out of [0, 1], and crown-ibp on a sigmoid
    /// model are refused in one line (64).
    func testCROWNIBPFlagsAreChecked() throws {
        try assertRejected(.train, run("tiny", ["--method", "ibp", "--beta-start", "0.5"]), in: folder,
                           mentions: ["--beta-start shapes the CROWN-IBP loss", "--method ibp"], status: 64)
        try assertRejected(.train, run("tiny", ["--beta-end", "0.5"]), in: folder,
                           mentions: ["--beta-end shapes the CROWN-IBP loss"], status: 64)
        try assertRejected(.train, run("tiny", ["--method", "crown-ibp", "--beta-start", "1.5"]), in: folder,
                           mentions: ["--beta-start must be in [0, 1], got 1.5"], status: 64)
        try assertRejected(.train, run("vissmall", ["--method", "crown-ibp"]), in: folder,
                           mentions: ["--method crown-ibp trains ReLU models only", "vissmall has sigmoid"], status: 64)
    }
}
