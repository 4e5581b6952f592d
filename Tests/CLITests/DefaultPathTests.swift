import Foundation
import IBP
import XCTest

/// Issue #11, kind 8: default paths work from any working folder inside the repository.
final class DefaultPathTests: XCTestCase {
    /// A repository (a folder whose Package.swift names this package) with data/mnist, and a command run two
    /// levels below its root without --data: the default finds the root's data/mnist.
    func testDefaultDataFolderFromASubfolder() throws {
        let root = try TempFolder.make(for: self)
        try Data("let package = Package(\n    name: \"IBPVis\",\n)\n".utf8).write(to: root.appendingPathComponent("Package.swift"))
        try Fixtures.writeData(to: root.appendingPathComponent("data/mnist"), count: 20)
        let checkpoint = root.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let deep = root.appendingPathComponent("Sources/IBP")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let outcome = try Tool.evaluate.run([checkpoint.path, "--pgd-steps", "0"], in: deep)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("20 test images"), outcome.stdout)
        // Outside any repository the default stays relative, and the error says how to get the data.
        let outside = try TempFolder.make(for: self)
        try assertRejected(.evaluate, [checkpoint.path], in: outside,
                           mentions: ["the default data/mnist is not at " + outside.resolvingSymlinksInPath().path + "/data/mnist;",
                                      "scripts/get-mnist.sh"], status: 1)
    }

    /// New user (paths23, item 10): from a subfolder of a repository without data/mnist, the line named only the
    /// subfolder's data/mnist, not the repository root's, which was tried too. Both are named now (visualize's
    /// shipped default likewise), in the order tried.
    func testAMissingDefaultDataFolderNamesEveryPlaceTried() throws {
        let root = try TempFolder.make(for: self)
        try Data("let package = Package(\n    name: \"IBPVis\",\n)\n".utf8).write(to: root.appendingPathComponent("Package.swift"))
        let checkpoint = root.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
        let deep = root.appendingPathComponent("docs")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let real = root.resolvingSymlinksInPath().path
        try assertRejected(.evaluate, [checkpoint.path], in: deep,
                           mentions: ["no data folder: the default data/mnist is not at \(real)/docs/data/mnist nor at "
                                      + "\(real)/data/mnist; get MNIST with scripts/get-mnist.sh data/mnist"], status: 1)
        try assertRejected(.visualize, ["--model", checkpoint.path, "--out", root.appendingPathComponent("v.png").path], in: deep,
                           mentions: ["no data folder: the default sample_data/mnist is not at \(real)/docs/sample_data/mnist "
                                      + "nor at \(real)/sample_data/mnist (it ships with the repository)"], status: 1)
    }

    /// ibp-bench's figure measures use the repository's shipped checkpoints and images from any folder inside it.
    func testBenchFiguresFromASubfolder() throws {
        let root = try TempFolder.make(for: self)
        try Data("let package = Package(\n    name: \"IBPVis\",\n)\n".utf8).write(to: root.appendingPathComponent("Package.swift"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("sample_data"),
                                                   withDestinationURL: Fixtures.packageRoot.appendingPathComponent("sample_data"))
        let deep = root.appendingPathComponent("Sources/IBP")
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        try Tool.ibpBench.requireBuilt()
        let outcome = try Tool.ibpBench.run(["--measures", "figure", "--repeats", "1", "--json"], in: deep, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("\"figure\""), outcome.stdout)
        // Outside any repository: one line naming what is missing, exit 1, before any measure.
        let outside = try TempFolder.make(for: self)
        try assertRejected(.ibpBench, ["--measures", "figure"], in: outside, mentions: ["sample_data"], status: 1)
    }
}
