import Foundation
import IBP
import IBPFormats
import XCTest

/// The new user's findings of session s7 (items 5 to 10), each kind with its inputs and the correct answer:
/// manifest whole numbers with the field's range and figures counted from 1; the shipped medium-bn checkpoints
/// drawn at the default scale; gzip-compressed VNNLIB, ONNX and instance lists; the plain activation form of model
/// files; the advice of a bound method that cannot bound a network; `verify --help`'s usage; `evaluate --plot`'s
/// formats.
final class NewUserS7Tests: ToolFolderTestCase {
    private func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        return path(name)
    }

    private func shipped(_ name: String) -> String {
        Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints/\(name).ckpt").path
    }

    /// A chain with a max pool (conv 4 3x3, ReLU, max pool 2x2/2, flatten, dense 10), written as ONNX.
    private func maxPoolONNX(_ name: String = "pool.onnx") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Fixtures.writeMaxPoolONNX(to: url)
        return url
    }

    /// A property on a box of width 0.02 around 0.5 that holds when Y_0 > Y_1.
    private func boxProperty(_ name: String = "p.vnnlib") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Fixtures.writeBoxProperty(to: url)
        return url
    }

    private func gzipped(_ url: URL) throws -> URL {
        let out = URL(fileURLWithPath: url.path + ".gz")
        try Gzip.compress(Data(contentsOf: url)).write(to: out)
        return out
    }

    private func runOK(_ tool: Tool, _ arguments: [String], timeout: TimeInterval = 120) throws -> Outcome {
        try tool.requireBuilt()
        let outcome = try tool.run(arguments, in: folder, timeout: timeout)
        XCTAssertEqual(outcome.status, 0, "\(outcome.commandLine): \(outcome.stderr)")
        return outcome
    }

    // MARK: 5. A manifest's whole numbers take the field's range; figures are counted from 1

    func testManifestWholeNumbersNameTheFieldsOwnRange() throws {
        let pair = #""baseline": "good.ckpt", "ibp": "good.ckpt""#
        let cases: [(String, String)] = [
            (#""sample": 1e400"#, "figure 1 (a.png): 'sample' takes a whole number, 0 or more, got 1e400 (digits only, no exponent or decimal point)"),
            (#""sample": -1"#, "figure 1 (a.png): 'sample' takes a whole number, 0 or more, got -1 (out of range)"),
            (#""scale": 100"#, "figure 1 (a.png): 'scale' takes a whole number from 1 to 64, got 100 (out of range)"),
            (#""maxChannels": 0"#, "figure 1 (a.png): 'maxChannels' takes a whole number from 1 to 256, got 0 (out of range)"),
            (#""pgdSteps": 1e3"#, "figure 1 (a.png): 'pgdSteps' takes a whole number from 0 to 10000, got 1e3"),
            (#""seed": -1"#, "figure 1 (a.png): 'seed' takes a whole number from 0 to 18446744073709551615, got -1 (out of range)"),
        ]
        for (field, mention) in cases {
            let manifest = try write("m.json", #"{"figures": [{"output": "a.png", "#  + pair + ", " + field + "}]}")
            let outcome = try assertRejected(.visualize, ["--manifest", manifest, "--data", data.path], in: folder,
                                             mentions: [mention], status: 1)
            XCTAssertFalse(outcome.stderr.contains("9223372036854775807"), outcome.stderr)
        }
    }

    func testManifestErrorsCountFiguresFromOneAsTheProgressLinesDo() throws {
        let manifest = try write("m.json", """
        {"figures": [{"output": "a.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}, {"output": "b.png", "ibp": "good.ckpt"}]}
        """)
        try assertRejected(.visualize, ["--manifest", manifest, "--data", data.path], in: folder,
                           mentions: ["figure 2 (b.png): lacks 'baseline'"], status: 1)
        let twice = try write("t.json", """
        {"figures": [{"output": "a.png", "baseline": "good.ckpt", "ibp": "good.ckpt"},
                     {"output": "a.png", "baseline": "good.ckpt", "ibp": "good.ckpt"}]}
        """)
        try assertRejected(.visualize, ["--manifest", twice, "--data", data.path], in: folder,
                           mentions: ["figures 1 and 2 both write a.png"], status: 1)
    }

    // MARK: 6. The shipped medium-bn checkpoints draw at the default scale

    func testSweepAndMethodsOfTheShippedMediumBNFitAtTheDefaults() throws {
        let model = shipped("medium-bn-ibp-eps0.2")
        for (arguments, output) in [(["sweep", "--model", model], "sweep.png"),
                                    (["methods", "--model", model], "methods.png")] {
            let outcome = try runOK(.visualize, arguments + ["--out", path(output), "--data", data.path])
            XCTAssertTrue(outcome.stderr.contains("visualize: note: drawn at --scale 5, the largest that fits the limit of "
                                                  + "16384 px a side and 40 megapixels (the default 6 does not)"), outcome.stderr)
            let png = try Data(contentsOf: URL(fileURLWithPath: path(output)))
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertLessThanOrEqual(width * height, 40_000_000)
        }
        // A manifest entry without "scale" is drawn the same way.
        let manifest = try write("m.json", #"{"figures": [{"kind": "sweep", "output": "s.png", "models": ["\#(model)"]}]}"#)
        try runOK(.visualize, ["--manifest", manifest, "--data", data.path])
    }

    /// A scale given is kept or refused; the refusal is a sentence and names the largest --scale that fits.
    func testAScaleGivenThatDoesNotFitNamesTheLargestThatDoes() throws {
        let outcome = try assertRejected(.visualize, ["sweep", "--model", shipped("medium-bn-ibp-eps0.2"), "--scale", "6",
                                                      "--out", path("x.png"), "--data", data.path], in: folder,
                                         mentions: ["--scale 6, --max-channels 8 and 5 epsilons give a figure of 4918 x 10226 px "
                                                    + "(50.3 megapixels), which exceeds the limit of 16384 px a side and 40 "
                                                    + "megapixels; give --scale 5 (the largest that fits) or less"], status: 64)
        XCTAssertFalse(outcome.stderr.contains("megapixels) exceeds"), outcome.stderr)
    }

    // MARK: 8. gzip-compressed VNNLIB, ONNX and instance lists

    func testCompressedNetworksPropertiesAndListsAreReadAsThePlainOnes() throws {
        let onnx = try maxPoolONNX(), property = try boxProperty()
        let plain = try runOK(.verify, [onnx.path, property.path])
        let compressed = try runOK(.verify, [try gzipped(onnx).path, try gzipped(property).path])
        XCTAssertEqual(compressed.stdout.split(separator: "(").first, plain.stdout.split(separator: "(").first)
        XCTAssertTrue(plain.stdout.hasPrefix("unsat") || plain.stdout.hasPrefix("sat") || plain.stdout.hasPrefix("unknown"),
                      plain.stdout)
        // An instance list, itself compressed, naming compressed files.
        let list = try write("l.csv", "pool.onnx.gz,p.vnnlib.gz,10\npool.onnx,p.vnnlib,10\n")
        let run = try runOK(.verify, ["--instances", try gzipped(URL(fileURLWithPath: list)).path, "--results", path("r.csv")])
        let rows = try String(contentsOfFile: path("r.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 2, run.stdout)
        let answers = rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
        XCTAssertEqual(answers[0], answers[1])
        XCTAssertNotEqual(answers[0], "error")
        // evaluate and visualize read the compressed network as well.
        _ = try runOK(.evaluate, [path("pool.onnx.gz"), "--data", data.path, "--limit", "2"])
    }

    /// A gzip whose trailer declares more than it holds is damaged, said in one line (a real bomb over the limit:
    /// `CompressedInputTests`); a compressed checkpoint says to gunzip it; a list naming `x.onnx` next to `x.onnx.gz`
    /// says so (and reads nothing in its place).
    func testCompressedFilesThatLieOrHoldAnotherKindSayWhat() throws {
        // Trailers that declare 4 GiB - 1 inflated bytes, on a text and on what starts like an ONNX model, of 1003
        // bytes each. These were refused as larger than the limit by the trailer alone, which a cut file's last 4
        // bytes (compressed data) can match too (gzip24); inflating finds the size check wrong, as `gzip -t` does.
        func lying(_ start: Data) throws -> Data {
            var bytes = [UInt8](try Gzip.compress(start + Data(repeating: 0x20, count: 1000)))
            bytes.replaceSubrange((bytes.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF])
            return Data(bytes)
        }
        try lying(Data()).write(to: folder.appendingPathComponent("lying.vnnlib.gz"))
        try lying(Data([0x08, 0x07, 0x12])).write(to: folder.appendingPathComponent("lying.onnx.gz"))
        let onnx = try maxPoolONNX(), property = try boxProperty()
        try assertRejected(.verify, [onnx.path, path("lying.vnnlib.gz")], in: folder,
                           mentions: ["lying.vnnlib.gz: corrupt compressed data: incorrect length check"], status: 1)
        try assertRejected(.verify, [path("lying.onnx.gz"), property.path], in: folder,
                           mentions: ["lying.onnx.gz: corrupt compressed data: incorrect length check"], status: 1)
        try Gzip.compress(Data(contentsOf: checkpoint)).write(to: folder.appendingPathComponent("good.ckpt.gz"))
        try assertRejected(.evaluate, [path("good.ckpt.gz"), "--data", data.path], in: folder,
                           mentions: ["good.ckpt.gz: gzip-compressed (a safetensors file inside)", "gunzip it first"], status: 1)
        try FileManager.default.moveItem(at: onnx, to: folder.appendingPathComponent("moved.onnx"))
        _ = try gzipped(folder.appendingPathComponent("moved.onnx"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("moved.onnx"))
        try assertRejected(.verify, [path("moved.onnx"), property.path], in: folder,
                           mentions: ["moved.onnx: no such file, but", "moved.onnx.gz is there"], status: 1)
    }

    // MARK: 8b. Model files write an activation as "relu"

    func testModelFilesTakeThePlainActivationAndCheckpointsWriteIt() throws {
        let model = try write("lin.json", """
        {"name":"lin","inputShape":[1,28,28],"layers":[{"flatten":{}},{"linear":{"units":16}},{"activation":"relu"},{"linear":{"units":10}}]}
        """)
        try runOK(.train, ["--model", model, "--steps", "2", "--batch-size", "10", "--eval-limit", "10",
                           "--data", data.path, "--out", path("run")])
        let header = try Safetensors.read(URL(fileURLWithPath: path("run/final.ckpt")))
        XCTAssertEqual(header.metadata["architecture"], #"{"inputShape":[1,28,28],"layers":[{"flatten":{}},"#
                       + #"{"linear":{"units":16}},{"activation":"relu"},{"linear":{"units":10}}],"name":"lin"}"#)
        // The checkpoints written before (the shipped ones hold {"_0": "relu"}) still load.
        let old = try Safetensors.read(URL(fileURLWithPath: shipped("small-nominal")))
        XCTAssertTrue(old.metadata["architecture"]?.contains(#"{"activation":{"_0":"relu"}}"#) ?? false)
        try runOK(.evaluate, [shipped("small-nominal"), "--data", data.path, "--limit", "2"])
        // Anything else in the older form is refused, naming the field.
        let extra = try write("extra.json", """
        {"name":"lin","inputShape":[1,28,28],"layers":[{"flatten":{}},{"activation":{"_0":"relu","x":1}},{"linear":{"units":10}}]}
        """)
        try assertRejected(.train, ["--model", extra, "--steps", "2", "--data", data.path, "--out", path("run2")], in: folder,
                           mentions: ["extra.json", "field \"x\" of layer 2 (activation)", "unknown field"], status: 1)
    }

    // MARK: 9. A method that cannot bound a network: the advice fits the list given

    func testAMethodThatCannotBoundIsDroppedNotReplacedByOneAlreadyGiven() throws {
        let onnx = try maxPoolONNX(), property = try boxProperty()
        let both = try assertRejected(.evaluate, [onnx.path, "--bounds", "ibp,crown", "--data", data.path, "--limit", "2"],
                                      in: folder, mentions: [onnx.path + ": bound method crown cannot bound layer 3 (max "
                                                             + "pooling); drop crown from --bounds (ibp, also given, can bound this network)"],
                                      status: 1)
        XCTAssertFalse(both.stderr.contains("use ibp"), both.stderr)
        try assertRejected(.evaluate, [onnx.path, "--bounds", "crown", "--data", data.path, "--limit", "2"], in: folder,
                           mentions: ["give ibp or sound-ibp in --bounds instead"], status: 1)
        try assertRejected(.verify, [onnx.path, property.path, "--bounds", "crown-ibp,crown"], in: folder,
                           mentions: ["give ibp or sound-ibp in --bounds instead"], status: 1)
        try assertRejected(.visualize, ["widths", "--model", onnx.path, "--methods", "ibp,crown", "--out", path("w.png"),
                                        "--data", data.path], in: folder,
                           mentions: ["drop crown from --methods (ibp, also given, can bound this network)"], status: 1)
        // verify tries its --bounds in turn: one that applies is enough, and the others are named in the answer.
        let outcome = try runOK(.verify, [onnx.path, property.path, "--bounds", "crown,ibp"])
        XCTAssertTrue(outcome.stdout.contains("bound method crown cannot bound layer 3 (max pooling)"), outcome.stdout)
    }

    // MARK: 10. verify's usage line; evaluate --plot's formats

    func testVerifyUsageShowsOnlyBoundsAsRepeatable() throws {
        let help = try runOK(.verify, ["--help"])
        let usage = help.stdout.components(separatedBy: "\n\n").first { $0.hasPrefix("USAGE:") } ?? ""
        XCTAssertTrue(usage.contains("[--bounds <bounds> ...]"), usage)
        for flag in ["timeout", "out", "instances", "shard", "results", "answers", "counterexamples", "attack-restarts",
                     "attack-steps", "seed"] {
            XCTAssertTrue(usage.contains("[--\(flag) <\(flag)>]"), "\(flag): \(usage)")
        }
        try assertRejected(.verify, ["a.onnx", "p.vnnlib", "--seed", "1", "--seed", "2"], in: folder,
                           mentions: ["--seed was given 2 times"], status: 64)
    }

    func testEvaluatePlotHelpNamesEveryFormat() throws {
        let help = try runOK(.evaluate, ["--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertFalse(help.contains("to this PNG"), help)
        XCTAssertTrue(help.contains(".png, .svg or .pdf"), help)
    }
}
