import Foundation
import XCTest

/// `evaluate --plot FILE`: a missing folder is created (as `--out-dir` and `train --out` do), one under a regular
/// file is rejected before the evaluation, not after it.
final class PlotOutputTests: XCTestCase {
    func testPlotIntoAMissingFolderIsCreated() throws {
        let folder = try TempFolder.make(for: self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let plot = folder.appendingPathComponent("missing/deeper/plot.png")
        let outcome = try Tool.evaluate.run([checkpoint.path, "--data", data.path, "--plot", plot.path, "--pgd-steps", "0"],
                                            in: folder)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: plot.path))
    }

    func testPlotUnderAFile() throws {
        let folder = try TempFolder.make(for: self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data)
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let plot = checkpoint.appendingPathComponent("plot.png")
        let outcome = try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--plot", plot.path], in: folder,
                                         mentions: ["--plot", plot.path, "is a file"])
        XCTAssertEqual(outcome.status, 64, "an impossible output path is a command-line error")
    }
}
