import Foundation
import XCTest

/// Issue #14 (d): every command that draws loads the font before its long work, and a missing font is one line and
/// exit status 1 in well under a second, with nothing written: `train` (its curves.png), `evaluate --plot`, and
/// `ibp-bench`'s figure measures.
final class FontFirstTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
    }

    private func assertMissingFont(_ tool: Tool, _ arguments: [String], line: UInt = #line) throws {
        try tool.requireBuilt()
        let before = TempFolder.listing(folder)
        let process = Process()
        process.executableURL = tool.url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["IBP_FONT_DIR"] = folder.appendingPathComponent("no-fonts").path
        environment["IBP_DATA"] = nil
        process.environment = environment
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "\(tool) took long before failing", line: line)
        XCTAssertEqual(process.terminationStatus, 1, stderr, line: line)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, stderr, line: line)
        XCTAssertTrue(stderr.contains("no-fonts/DejaVuSans.ttf") && stderr.contains("fonts-dejavu-core"), stderr, line: line)
        XCTAssertEqual(TempFolder.listing(folder), before, "\(tool) wrote files", line: line)
    }

    func testTrainLoadsTheFontBeforeTraining() throws {
        try assertMissingFont(.train, ["--model", "tiny", "--steps", "100000", "--data", data.path,
                                       "--out", folder.appendingPathComponent("run").path])
    }

    func testEvaluatePlotLoadsTheFontBeforeEvaluating() throws {
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        try assertMissingFont(.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1",
                                          "--plot", folder.appendingPathComponent("plots/p.png").path])
    }

    func testBenchLoadsTheFontBeforeMeasuring() throws {
        try assertMissingFont(.ibpBench, ["--measures", "ibp-verify,figure"])
    }
}
