import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// The files the tools read besides models and data (a figure manifest, a run's settings.json, an existing figure
/// output compared before it is replaced) are checked by their size before they are read: a sparse 5 GiB file
/// (no disk used) is refused or set aside at once. Each was read whole first (new-user trial: 8-10 GB of memory).
final class OversizeRecordTests: XCTestCase {
    private func sparse(_ url: URL, bytes: UInt64 = 5 << 30) throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: bytes)
        try handle.close()
    }

    func testHugeRecordsAreRefusedBeforeTheyAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let started = Date()
        let manifest = dir.appendingPathComponent("figures.json")
        try sparse(manifest)
        XCTAssertThrowsError(try FigureManifest.load(manifest)) {
            XCTAssertEqual("\($0)", "\(manifest.path): the file is 5368709120 bytes, more than the 67108864 accepted")
        }
        let run = dir.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try sparse(run.appendingPathComponent("settings.json"))
        XCTAssertThrowsError(try Trainer.resume(directory: run)) {
            XCTAssert("\($0)".contains("settings.json: the file is 5368709120 bytes, more than the 16777216 accepted"),
                      "\($0)")
        }
        // A huge metrics log is refused before the data are read (it was refused only after MNIST had been read
        // and digested; new-user F7): here the run records a data folder that does not exist, and the log is named.
        let logged = dir.appendingPathComponent("logged")
        try FileManager.default.createDirectory(at: logged, withIntermediateDirectories: true)
        var settings = TrainingSettings(model: "tiny", method: .nominal, schedule: Schedule(epsilonTrain: 0.1), steps: 10)
        settings.data = dir.appendingPathComponent("no-such-data").path
        try JSONEncoder().encode(settings).write(to: logged.appendingPathComponent("settings.json"))
        try sparse(logged.appendingPathComponent("metrics.jsonl"))
        XCTAssertThrowsError(try Trainer.resume(directory: logged)) {
            XCTAssertEqual("\($0)", "\(logged.path)/metrics.jsonl: cannot read the metrics log (the file is 5368709120 "
                           + "bytes, more than the 268435456 accepted)")
        }
        // An existing output that large counts as changed, without being read.
        let output = dir.appendingPathComponent("old.png")
        try sparse(output)
        XCTAssertNil(FigureIndex.comparable(output.path))
        // Nor is one of 900 MB, far beyond any figure (it was read whole: 5 s and 1 GB per manifest run).
        let large = dir.appendingPathComponent("large.png")
        try sparse(large, bytes: 900 << 20)
        XCTAssertNil(FigureIndex.comparable(large.path))
        XCTAssertEqual(try FigureIndex.writeIfChanged(Data("x".utf8), to: output), .updated)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}
