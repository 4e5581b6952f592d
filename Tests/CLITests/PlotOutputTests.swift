import Foundation
import XCTest

/// `evaluate --plot FILE` whose folder is missing or is a file: rejected before the evaluation, not after it.
final class PlotOutputTests: XCTestCase {
    func testPlotIntoAMissingFolderOrUnderAFile() throws {
        let folder = try TempFolder.make(for: self)
        let data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data)
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        for plot in [folder.appendingPathComponent("missing/plot.png"), checkpoint.appendingPathComponent("plot.png")] {
            try assertRejected(.evaluate, [checkpoint.path, "--data", data.path, "--plot", plot.path], in: folder,
                               mentions: ["--plot", plot.path, "does not exist"])
        }
    }
}
