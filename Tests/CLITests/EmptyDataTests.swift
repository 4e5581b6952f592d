import Foundation
import IBPFormats
import XCTest

/// A data folder of valid IDX files holding 0 images (new-user trial: `evaluate --data DIR` exited 0 with 0.00%,
/// `--plot` and `visualize curves` wrote PNGs, `--limit 50` said "give at most 0"): every tool that reads MNIST
/// refuses it in one line naming the folder and the split, exit 1, and writes nothing.
final class EmptyDataTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
    }

    /// A data folder whose `emptySplit` holds 0 images (valid headers) and whose other split holds 100.
    private func data(emptySplit: MNIST.Split) throws -> URL {
        let data = folder.appendingPathComponent("data-\(emptySplit)")
        try Fixtures.writeData(to: data)
        try MNIST.write(LabelledImages(count: 0, rows: 28, cols: 28, pixels: [], labels: []), directory: data,
                        split: emptySplit)
        return data
    }

    func testEveryToolRefusesAnEmptyTestSplit() throws {
        let data = try data(emptySplit: .test)
        let checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let message = [data.path + ": the test images (t10k-images-idx3-ubyte.gz) are an empty set, 0 images"]
        for arguments in [[checkpoint.path, "--data", data.path], [checkpoint.path, "--data", data.path, "--limit", "50"],
                          [checkpoint.path, "--data", data.path, "--plot", "p.png"]] {
            try assertRejected(.evaluate, arguments, in: folder, mentions: message, status: 1)
        }
        try assertRejected(.visualize, ["curves", "--model", checkpoint.path, "--data", data.path, "--out", "c.png"],
                           in: folder, mentions: message, status: 1)
        try assertRejected(.train, ["--model", "tiny", "--steps", "1", "--data", data.path, "--out", "run"],
                           in: folder, mentions: message, status: 1)
    }

    func testTrainRefusesAnEmptyTrainingSplit() throws {
        let data = try data(emptySplit: .train)
        try assertRejected(.train, ["--model", "tiny", "--steps", "1", "--data", data.path, "--out", "run"], in: folder,
                           mentions: [data.path + ": the training images (train-images-idx3-ubyte.gz) are an empty set"],
                           status: 1)
    }
}
