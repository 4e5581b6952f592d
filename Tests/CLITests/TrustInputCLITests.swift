import Foundation
import IBP
import XCTest

/// Trust22b, a new user's hostile inputs to the files the tools read (manifests, checkpoints, run folders, metrics
/// logs, settings): each is refused in one line naming the file and the field, with the right cause.
final class TrustInputCLITests: ToolFolderTestCase {

    private var shipped: String {
        Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt").path
    }

    /// `{"figures":[...],"extra":1}` was accepted silently although an unknown key inside a figure is refused;
    /// `"sample": 1.0` was read as 1 although a model file refuses `"units": 10.0`.
    func testManifestRefusesUnknownTopLevelKeysAndWholeNumbersNotWrittenAsDigits() throws {
        let manifest = folder.appendingPathComponent("m.json")
        let figure = #"{"output": "out.png", "baseline": "\#(shipped)", "ibp": "\#(shipped)""#
        try Data((#"{"figures": ["# + figure + #"}], "extra": 1}"#).utf8).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path, "--data", data.path], in: folder,
                           mentions: [manifest.path + ": unknown top-level key 'extra' (a manifest holds only \"figures\")"],
                           status: 1)
        try Data((#"{"figures": ["# + figure + #", "sample": 1.0}]}"#).utf8).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path, "--data", data.path], in: folder,
                           mentions: [manifest.path + ": figure 1 (out.png): 'sample' takes a whole number, 0 or more, "
                                      + "got 1.0 (digits only, no exponent or decimal point)"], status: 1)
        try Data((#"{"figures": ["# + figure + #", "seed": -1}]}"#).utf8).write(to: manifest)
        try assertRejected(.visualize, ["--manifest", manifest.path, "--data", data.path], in: folder,
                           mentions: [manifest.path + ": figure 1 (out.png): 'seed' takes a whole number from 0 to "
                                      + "18446744073709551615, got -1 (out of range)"], status: 1)
    }

    /// The same rule in the other JSON files the tools read: an unknown key at the top level of a model file and of a
    /// metrics record is refused naming the file and the key (these held before trust22b; kept with the manifest's).
    func testUnknownTopLevelKeysOfModelFilesAndMetricsRecordsAreRefused() throws {
        let model = folder.appendingPathComponent("wide.json")
        try Data((#"{"name": "wide", "inputShape": [1, 28, 28], "layers": [{"flatten": {}}, {"linear": {"units": 10}}], "#
                  + #""extra": 1}"#).utf8).write(to: model)
        try assertRejected(.train, ["--model", model.path, "--out", "run", "--data", data.path, "--steps", "1"], in: folder,
                           mentions: [model.path + ": is not a model file: unknown field \"extra\""], status: 1)
        let log = folder.appendingPathComponent("metrics.jsonl")
        try Data((#"{"type":"eval","step":10,"epsilon":0.1,"nominalAccuracy":0.9,"verifiedAccuracy":0.8,"count":5,"#
                  + #""extra":1}"# + "\n").utf8).write(to: log)
        try assertRejected(.visualize, ["training", "--metrics", log.path, "--out", "out.png"], in: folder,
                           mentions: [log.path + ": line 1 is not a metrics record: unknown field \"extra\""], status: 1)
    }

    /// A checkpoint whose metadata says "small" but whose layers are vissmall's was labelled "(small)" by evaluate,
    /// convert and visualize, and taken with `--architecture vissmall`. Refused everywhere, naming the file.
    func testCheckpointWithABuiltInNameAndOtherLayersIsRefusedByEveryTool() throws {
        var architecture = Architecture.named("vissmall")!
        architecture.name = "small"
        let network = Network(architecture)
        Initializer.orthogonal(network, seed: 3)
        let checkpoint = folder.appendingPathComponent("name_small.ckpt")
        try Checkpoint(network: network, step: 1).save(to: checkpoint)
        let said = ": architecture in metadata is named \"small\", one of the named models, but its layers differ"
        let runs: [(Tool, [String])] = [
            (.evaluate, [checkpoint.path, "--limit", "5", "--data", data.path]),
            (.evaluate, [checkpoint.path, "--limit", "5", "--data", data.path, "--architecture", "vissmall"]),
            (.evaluate, [checkpoint.path, "--limit", "5", "--data", data.path, "--architecture", "small"]),
            (.convert, [checkpoint.path, folder.appendingPathComponent("out.onnx").path]),
            (.visualize, ["compare", "--model", checkpoint.path, "--out", "out.png", "--data", data.path]),
        ]
        for (tool, arguments) in runs {
            try assertRejected(tool, arguments, in: folder, mentions: [checkpoint.path + said, "not a small checkpoint"], status: 1)
        }
    }

    /// A run's settings.json, hand-edited: each fault names the file, the field and its cause (`"seed": -1` said
    /// "field the top level: The given data was not valid JSON.", `1e300` "expected a whole number", a NUL in the
    /// model printed a raw NUL byte, `"gemmKernel": "foo"` was carried on as "foo+avx2", `"steps": 10.0` was taken).
    func testHandEditedSettingsNameTheFieldAndTheCause() throws {
        let run = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        var settings = TrainingSettings(model: "tiny", method: .nominal, schedule: Schedule(epsilonTrain: 0.1), steps: 10)
        settings.evalLimit = 10
        settings.gemmKernel = "avx2"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let recorded = String(decoding: try encoder.encode(settings), as: UTF8.self)
        let file = run.appendingPathComponent("settings.json")
        let prefix = file.path + ": not valid training settings: "
        let cases: [(String, String, String)] = [
            (#""seed":0"#, #""seed":-1"#, #"field "seed" is -1, which it cannot hold; expected a whole number from 0 to "#
                + "18446744073709551615"),
            (#""epsilonTrain":0.1"#, #""epsilonTrain":1e300"#, #"field "schedule.epsilonTrain" is 1e300, which it cannot "#
                + "hold; expected a number within the range of a 32-bit float"),
            (#""model":"tiny""#, #""model":"ti\u0000ny""#, #"unknown model 'ti\u{0}ny'"#),
            (#""gemmKernel":"avx2""#, #""gemmKernel":"foo""#, #"field "gemmKernel" is "foo"; expected avx512, avx2, blas"#),
            (#""steps":10"#, #""steps":10.0"#, #"field "steps" is 10.0: a whole-number field takes digits only; write 10"#),
            (#""steps":10"#, #""steps":10,"extra":{"a":1}"#, #"unknown field "extra""#),
            (#""decayFactor":0.1"#, #""decayFactor":0.1,"extra":1"#, #"unknown field "schedule.extra""#),
        ]
        for (original, edited, expected) in cases {
            XCTAssertTrue(recorded.contains(original), "\(original) not in \(recorded)")
            try Data(recorded.replacingOccurrences(of: original, with: edited).utf8).write(to: file)
            let outcome = try assertRejected(.train, ["--resume", run.path, "--data", data.path], in: folder,
                                             mentions: [prefix + expected], status: 1)
            XCTAssertFalse(outcome.stderr.contains("\u{0}"), "a raw NUL byte: \(outcome.stderr)")
            XCTAssertFalse(outcome.stderr.contains("top level"), outcome.stderr)
        }
    }

    /// `{"step":10,"type":"eval"}` drew an empty figure with exit 0 in `visualize training` (train --resume refused
    /// it); a line that is not UTF-8 said "Error Domain=NSCocoaErrorDomain Code=259 ...". One reader, one message.
    func testMetricsLogsAreReadOneWayByEveryTool() throws {
        let log = folder.appendingPathComponent("metrics.jsonl")
        try Data(#"{"step":10,"type":"eval"}"#.utf8 + [0x0A]).write(to: log)
        try assertRejected(.visualize, ["training", "--metrics", log.path, "--out", "out.png"], in: folder,
                           mentions: [log.path + ": line 1: the eval record at step 10 lacks \"epsilon\""], status: 1)
        try Data([0x7B, 0xFF, 0x7D, 0x0A]).write(to: log)
        let outcome = try assertRejected(.visualize, ["training", "--metrics", log.path, "--out", "out.png"], in: folder,
                                         mentions: [log.path + ": line 1 is not UTF-8 text"], status: 1)
        XCTAssertFalse(outcome.stderr.contains("Domain"), outcome.stderr)
    }

    /// A real run: a finished one without checkpoint.ckpt (final.ckpt there) said "the run stopped before its first
    /// checkpoint"; a metrics line that is not UTF-8 is named by train --resume as by visualize.
    func testResumeOfAFinishedRunAndOfADamagedLog() throws {
        let run = folder.appendingPathComponent("run")
        let trained = try Tool.train.run(["--model", "tiny", "--method", "nominal", "--steps", "10", "--batch-size", "10",
                                          "--checkpoint-every", "5", "--eval-every", "10", "--eval-limit", "10",
                                          "--out", run.path, "--data", data.path], in: folder, timeout: 120)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let log = run.appendingPathComponent("metrics.jsonl")
        let original = try Data(contentsOf: log)
        try (original + Data([0x7B, 0xC3, 0x28, 0x7D, 0x0A])).write(to: log)
        let lines = original.split(separator: 0x0A).count
        try assertRejected(.train, ["--resume", run.path, "--steps", "20"], in: folder,
                           mentions: [log.path + ": line \(lines + 1) is not UTF-8 text"], status: 1)
        try original.write(to: log)
        try FileManager.default.removeItem(at: run.appendingPathComponent("checkpoint.ckpt"))
        let outcome = try assertRejected(.train, ["--resume", run.path, "--steps", "20"], in: folder,
                                         mentions: [run.appendingPathComponent("checkpoint.ckpt").path
                                                    + ": no such file, but the run finished at step 10",
                                                    "--out NEW_FOLDER", "--out \(run.path) --force"], status: 1)
        XCTAssertFalse(outcome.stderr.contains("before its first checkpoint"), outcome.stderr)
    }
}
