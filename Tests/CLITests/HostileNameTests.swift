import Foundation
import IBP
import IBPFormats
import XCTest

/// Names read from files reach the terminal checked and escaped (new-user trial: a model JSON "name" of 1,000,000
/// characters was echoed whole, a name with a newline or NUL printed them raw, a checkpoint's architecture name
/// with an ESC colour sequence was printed raw by evaluate). Names are checked where read
/// (`Architecture.nameProblem`), and the messages quoting them escape control characters and cut long text
/// (`FileText.shown`). Also the model file's JSON shape (BOM, top-level array).
final class HostileNameTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 10)
    }

    private func model(named name: String) -> String {
        let quoted = String(data: try! JSONSerialization.data(withJSONObject: [name], options: []), encoding: .utf8)!
        return "{\"name\": \(quoted.dropFirst().dropLast()), \"inputShape\": [1, 28, 28], "
            + "\"layers\": [{\"flatten\": {}}, {\"linear\": {\"units\": 10}}]}"
    }

    private func train(_ file: String) -> [String] {
        ["--model", file, "--steps", "1", "--batch-size", "10", "--data", data.path, "--out", folder.appendingPathComponent("run").path]
    }

    func testModelFileNamesAreEscapedAndCut() throws {
        try Data(model(named: String(repeating: "x", count: 1_000_000)).utf8).write(to: folder.appendingPathComponent("long.json"))
        let long = try assertRejected(.train, train("long.json"), in: folder,
                                      mentions: ["long.json: model name \"xxxx", "... (1000000 characters)",
                                                 "must be 1 to 64 letters"], status: 1)
        XCTAssertLessThan(long.stderr.count, 400, "the name is cut")
        try Data(model(named: "../etc\n\u{0}x\u{1b}[31m").utf8).write(to: folder.appendingPathComponent("weird.json"))
        let weird = try assertRejected(.train, train("weird.json"), in: folder,
                                       mentions: ["weird.json: model name \"../etc\\n\\u{0}x\\u{1b}[31m\" must be"],
                                       status: 1)
        XCTAssertFalse(weird.stderr.contains("\u{1b}") || weird.stderr.contains("\u{0}"), weird.stderr)
        XCTAssertEqual(weird.stderr.split(separator: "\n").count, 1, weird.stderr)
        let kind = "{\"name\": \"m\", \"inputShape\": [1, 28, 28], \"layers\": [{\"flatten\": {}}, "
            + "{\"po\\u001bol\": {}}, {\"linear\": {\"units\": 10}}]}"
        try Data(kind.utf8).write(to: folder.appendingPathComponent("kind.json"))
        let badKind = try assertRejected(.train, train("kind.json"), in: folder,
                                         mentions: ["layer 2 has the unknown kind \"po\\u{1b}ol\""], status: 1)
        XCTAssertFalse(badKind.stderr.contains("\u{1b}"), badKind.stderr)
    }

    func testCheckpointArchitectureNameIsCheckedWhereRead() throws {
        let good = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: good)
        var parts = try SafetensorsParts(try Data(contentsOf: good))
        var meta = parts.header["__metadata__"] as! [String: String]
        meta["architecture"] = meta["architecture"]!.replacingOccurrences(of: "\"name\":\"tiny\"",
                                                                          with: "\"name\":\"evil\\u001b[31mred\"")
        XCTAssertTrue(meta["architecture"]!.contains("evil"), "the fixture's metadata changed")
        parts.header["__metadata__"] = meta
        try parts.bytes().write(to: folder.appendingPathComponent("esc.ckpt"))
        let outcome = try assertRejected(.evaluate, ["esc.ckpt", "--data", data.path], in: folder,
                                         mentions: ["esc.ckpt: architecture in metadata: model name \"evil\\u{1b}[31mred\""],
                                         status: 1)
        XCTAssertFalse(outcome.stderr.contains("\u{1b}"), outcome.stderr)
    }

    /// A model JSON with a UTF-8 byte order mark reads like the same file without it; a top-level array is
    /// refused saying a JSON object is expected.
    func testModelFileByteOrderMarkAndTopLevelArray() throws {
        try (Data([0xEF, 0xBB, 0xBF]) + Data(model(named: "bom-model").utf8)).write(to: folder.appendingPathComponent("bom.json"))
        let outcome = try Tool.train.run(train("bom.json"), in: folder, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        try Data("[1, 2]".utf8).write(to: folder.appendingPathComponent("array.json"))
        try assertRejected(.train, train("array.json"), in: folder,
                           mentions: ["array.json: is not a model file: expected a JSON object at the top level, got an array"],
                           status: 1)
    }
}
