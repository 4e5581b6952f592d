import Foundation
import IBP
import IBPFormats
import XCTest

/// A new user's hostile numbers, lists and instances (trust22c): `-0` is +0 everywhere (no `eps-0.000` file, no
/// `-0.0` in a CSV, no `-0` in JSON, a duplicate of `0`), epsilons equal at 6 decimals are one value in every eps
/// list, the table's labels stay in their column, a model named twice is refused, a decimal that Float cannot hold
/// is echoed as typed, JSON floats are shortest, and `verify` refuses a network none of its methods can bound.
/// Each expected value is the correct behaviour.
final class HostileNumberTests: ToolFolderTestCase {
    // MARK: - negative zero

    func testNegativeZeroIsADuplicateOfZeroInEveryEpsilonList() throws {
        let common = ["--data", data.path, "--model", checkpoint.path]
        try assertRejected(.visualize, common + ["--samples", "0", "--epsilons", "0,-0", "--out-dir", path("b")], in: folder,
                           mentions: ["--epsilons names 0 and -0, the same value"], status: 64)
        try assertRejected(.visualize, ["sweep"] + common + ["--epsilons", "0,-0", "--out", path("s.png")], in: folder,
                           mentions: ["--epsilons names 0 and -0, the same value"], status: 64)
        try assertRejected(.visualize, ["curves"] + common + ["--epsilons", "0,-0,0.1", "--out", path("c.png")], in: folder,
                           mentions: ["--epsilons names 0 and -0, the same value"], status: 64)
        // A grid's values were not typed: the 0 typed is named, as typed.
        try assertRejected(.visualize, ["curves"] + common + ["--epsilons", "-0:0.1:0.05,0", "--out", path("c.png")], in: folder,
                           mentions: ["--epsilons names 0 twice"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0,-0"], in: folder,
                           mentions: ["--epsilon names 0 and -0, the same value"], status: 64)
    }

    func testALoneNegativeZeroPrintsAsZero() throws {
        try Tool.evaluate.requireBuilt()
        let csv = path("per-sample.csv")
        let json = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--epsilon=-0", "--limit", "2",
                                          "--pgd-steps", "1", "--json", "--per-sample", csv], in: folder)
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertTrue(json.stdout.contains("\"epsilon\":0.0,"), json.stdout)
        XCTAssertFalse(json.stdout.contains("\"epsilon\":-0"), json.stdout)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 2)
        for row in rows { XCTAssertEqual(row.split(separator: ",", omittingEmptySubsequences: false)[2], "0.0", String(row)) }
        let table = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--epsilon=-0", "--limit", "2",
                                           "--pgd-steps", "1"], in: folder)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("\n  0.000 "), table.stdout)
        XCTAssertFalse(table.stdout.contains("-0.000"), table.stdout)
    }

    // MARK: - one duplicate rule for epsilons, labels in their column

    func testEpsilonsEqualAtSixDecimalsAreOneValueInEveryTool() throws {
        let common = ["--data", data.path, "--model", checkpoint.path]
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1,0.1000004"], in: folder,
                           mentions: ["--epsilon names 0.1 and 0.1000004, the same value at 6 decimals; give each value once"],
                           status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1", "--epsilon", "0.1000004"],
                           in: folder, mentions: ["--epsilon names 0.1 and 0.1000004"], status: 64)
        try assertRejected(.visualize, ["sweep"] + common + ["--epsilons", "0.1,0.1000004", "--out", path("s.png")], in: folder,
                           mentions: ["--epsilons names 0.1 and 0.1000004, the same value at 6 decimals"], status: 64)
        try assertRejected(.visualize, ["curves"] + common + ["--epsilons", "0.2,0.2000001", "--out", path("c.png")], in: folder,
                           mentions: ["--epsilons names 0.2 and 0.2000001, the same value at 6 decimals"], status: 64)
    }

    func testEpsilonLabelsNeverBreakTheTablesColumns() throws {
        try Tool.evaluate.requireBuilt()
        let run = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--epsilon", "0.123457,0.1,0.0000001",
                                         "--limit", "2", "--pgd-steps", "0", "--bounds", "ibp,crown"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first { $0.contains("nominal") })
        let rows = lines.filter { $0.contains("%") }
        XCTAssertEqual(rows.count, 3, run.stdout)
        // Every row's first percentage ends where the header's "nominal" ends, and every row has one length.
        let nominalEnd = header.distance(from: header.startIndex, to: header.range(of: "nominal")!.upperBound)
        for row in rows {
            XCTAssertEqual(row.distance(from: row.startIndex, to: row.firstIndex(of: "%")!) + 1, nominalEnd, run.stdout)
            XCTAssertEqual(row.count, rows[0].count, run.stdout)
        }
        XCTAssertTrue(rows[0].hasPrefix("0.123457 "), run.stdout)
        XCTAssertTrue(rows[1].hasPrefix("   0.100 "), run.stdout)
    }

    // MARK: - a model given twice

    func testAModelGivenTwiceIsRefusedByEveryVisualizeSubcommand() throws {
        let hard = folder.appendingPathComponent("hard.ckpt")
        try FileManager.default.linkItem(at: checkpoint, to: hard)
        let common = ["--data", data.path]
        for (subcommand, out) in [("compare", "c.png"), ("widths", "w.png"), ("curves", "u.png")] {
            for second in [checkpoint.path, "./good.ckpt", hard.path] {
                // The same text twice is said so (trial 30: "CHECKPOINT a is also given as CHECKPOINT").
                let said = second == checkpoint.path ? "--model \(checkpoint.path) is given twice"
                    : "--model \(checkpoint.path) is also given as --model"
                try assertRejected(.visualize, [subcommand, "--model", checkpoint.path, "--model", second, "--out", path(out)] + common,
                                   in: folder, mentions: [said, "give each model once"], status: 64)
            }
        }
        try assertRejected(.visualize, ["--baseline", checkpoint.path, "--ibp", path("x.ckpt"), "--model", hard.path] + common,
                           in: folder, mentions: ["--baseline \(checkpoint.path) is also given as --model"], status: 64)
    }

    /// The other repeated values: evaluate's models and train's --decay-epochs (the epoch form of --decay-steps,
    /// which must increase).
    func testTheOtherToolsRefuseARepeatedValue() throws {
        try assertRejected(.evaluate, [checkpoint.path, "./good.ckpt", "--data", data.path], in: folder,
                           mentions: ["CHECKPOINT \(checkpoint.path) is also given as CHECKPOINT", "give each model once"], status: 64)
        try assertRejected(.evaluate, [checkpoint.path, checkpoint.path, "--data", data.path], in: folder,
                           mentions: ["CHECKPOINT \(checkpoint.path) is given twice; give each model once"], status: 64)
        try assertRejected(.verify, ["p.vnnlib", "n.onnx"], in: folder,
                           mentions: ["the network comes first: verify NET.onnx PROP.vnnlib (got the property p.vnnlib first)"],
                           status: 64)
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--decay-epochs", "1,1"], in: folder,
                           mentions: ["--decay-epochs must increase, got 1 then 1"], status: 64)
        try assertRejected(.train, ["--out", path("run"), "--data", data.path, "--decay-epochs", "2", "--decay-epochs", "1"],
                           in: folder, mentions: ["--decay-epochs must increase, got 2 then 1"], status: 64)
    }

    // MARK: - decimals Float cannot hold

    func testDecimalsThatFloatCannotHoldAreEchoedAsTyped() throws {
        try assertRejected(.train, ["--out", path("run"), "--decay-factor", "1e-50"], in: folder,
                           mentions: ["--decay-factor takes a decimal number such as 0.1, got '1e-50' (too small for a 32-bit float: it rounds to 0)"],
                           status: 64)
        try assertRejected(.train, ["--out", path("run"), "--learning-rate", "1e39"], in: folder,
                           mentions: ["--learning-rate takes a decimal number such as 0.1, got '1e39' (too large for a 32-bit float)"],
                           status: 64)
        try assertRejected(.evaluate, [checkpoint.path, "--epsilon", "0.1,1e-46"], in: folder,
                           mentions: ["--epsilon takes a decimal number such as 0.1, got '1e-46' (too small for a 32-bit float: it rounds to 0) in '0.1,1e-46'"],
                           status: 64)
        try assertRejected(.visualize, ["--epsilon", "1e-50"], in: folder,
                           mentions: ["--epsilon takes a decimal number such as 0.1, got '1e-50' (too small"], status: 64)
        try assertRejected(.visualize, ["sweep", "--model", checkpoint.path, "--epsilons", "0.1,1e-50"], in: folder,
                           mentions: ["--epsilons: '1e-50' is not a number in [0, 1]", "(too small for a 32-bit float: it rounds to 0)"],
                           status: 64)
        try assertRejected(.verify, ["n.onnx", "p.vnnlib", "--timeout", "1e-400"], in: folder,
                           mentions: ["--timeout takes a decimal number such as 0.1, got '1e-400' (too small for a 64-bit float: it rounds to 0)"],
                           status: 64)
    }

    // MARK: - JSON numbers

    func testJSONFloatsAreShortest() throws {
        try Tool.evaluate.requireBuilt()
        let run = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--epsilon", "0.1", "--limit", "2",
                                         "--pgd-steps", "1", "--json"], in: folder)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("\"pgd_step_size\":0.1,"), run.stdout)
        XCTAssertTrue(run.stdout.contains("\"epsilon\":0.1,"), run.stdout)
        XCTAssertFalse(run.stdout.contains("0000000"), run.stdout)
        let dump = path("bounds.json")
        let figure = try Tool.visualize.run(["compare", "--model", checkpoint.path, "--data", data.path,
                                             "--epsilon", "0.1", "--pgd-steps", "1", "--out", path("f.png"),
                                             "--dump-bounds", dump], in: folder, timeout: 120)
        XCTAssertEqual(figure.status, 0, figure.stderr)
        let text = try String(contentsOfFile: dump, encoding: .utf8)
        XCTAssertTrue(text.contains("\"epsilon\":0.1,"), String(text.prefix(300)))
        XCTAssertFalse(text.contains("0.10000000149011612"))
        // Every number is still a JSON number that reads back to the same Float (the dump's arrays).
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        XCTAssertEqual((object?["panels"] as? [Any])?.count, 1)
    }

    // MARK: - verify and a network no method can bound

    /// Input [1, 28, 28]: conv 4 3x3/1 VALID, ReLU, max pool 2x2/2, flatten, dense 10 (fixed weights).
    private func maxPoolONNX() throws -> URL {
        let url = folder.appendingPathComponent("pool.onnx")
        try Fixtures.writeMaxPoolONNX(to: url)
        return url
    }

    private func boxProperty() throws -> URL {
        let url = folder.appendingPathComponent("p.vnnlib")
        try Fixtures.writeBoxProperty(to: url)
        return url
    }

    func testVerifyRefusesANetworkNoneOfItsMethodsCanBound() throws {
        let onnx = try maxPoolONNX(), property = try boxProperty()
        try assertRejected(.verify, [onnx.path, property.path, "--bounds", "crown"], in: folder,
                           mentions: [onnx.path, "crown cannot bound layer 3 (max pooling); give ibp or sound-ibp in --bounds instead"], status: 1)
        try assertRejected(.verify, [onnx.path, property.path, "--bounds", "crown-ibp,crown"], in: folder,
                           mentions: [onnx.path, "crown-ibp cannot bound", "crown cannot bound"], status: 1)
        // The network is checked before the property is read: a missing property is not what is reported.
        try assertRejected(.verify, [onnx.path, path("missing.vnnlib"), "--bounds", "crown"], in: folder,
                           mentions: [onnx.path, "crown cannot bound layer 3 (max pooling)"], status: 1)
        // One method that applies: the run goes on with it.
        let both = try Tool.verify.run([onnx.path, property.path, "--bounds", "crown,ibp", "--attack-steps", "5"], in: folder)
        XCTAssertEqual(both.status, 0, both.stderr)
        // In a list each instance is decided alone: the attack runs, the answer is sat or unknown, and the note
        // says that no method applied; the run exits 0.
        let list = folder.appendingPathComponent("list.csv")
        try Data("pool.onnx,p.vnnlib,60\n".utf8).write(to: list)
        let results = path("r.csv")
        let batch = try Tool.verify.run(["--instances", list.path, "--bounds", "crown", "--attack-steps", "5",
                                         "--results", results], in: folder, timeout: 120)
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let table = try CSVTable.read(URL(fileURLWithPath: results))
        let header = table.records[0].fields, row = table.records[1].fields
        let answer = row[header.firstIndex(of: "answer")!], note = row[header.firstIndex(of: "note")!]
        XCTAssertTrue(["sat", "unknown"].contains(answer), answer)
        XCTAssertTrue(note.contains("no bound method of --bounds applies to this network (bound method crown cannot bound layer 3 (max pooling)"), note)
    }
}
