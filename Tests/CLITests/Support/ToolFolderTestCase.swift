import Foundation
import XCTest

/// The set-up most tool tests share: a fresh folder with a good checkpoint (`good.ckpt`, `Fixtures.writeCheckpoint`)
/// and 20 MNIST-like images (`data/`), and `path(_:)` for files inside it.
class ToolFolderTestCase: XCTestCase {
    var folder: URL!
    var checkpoint: URL!
    var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
}
