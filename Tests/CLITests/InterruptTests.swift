import Foundation
import XCTest

/// New-user report, kind 5: a tool interrupted while writing (Ctrl-C, or SIGTERM from a job system) leaves no
/// hidden temporary file behind, and ends by the signal (status 130 in a shell).
final class InterruptTests: XCTestCase {
    func testInterruptedBatchLeavesNoTemporaryFiles() throws {
        try Tool.visualize.requireBuilt()
        let folder = try TempFolder.make(for: self)
        let shipped = Fixtures.packageRoot.appendingPathComponent("sample_data/checkpoints")
        for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            let out = folder.appendingPathComponent("batch-\(name)-\(UUID().uuidString)")
            let capture = try TempFolder.make(prefix: "capture")
            defer { try? FileManager.default.removeItem(at: capture) }
            let process = try Tool.visualize.launch(
                ["--data", Fixtures.sampleMNIST.path, "--baseline", shipped.appendingPathComponent("vissmall-baseline.ckpt").path,
                 "--ibp", shipped.appendingPathComponent("vissmall-ibp-eps0.1.ckpt").path,
                 "--samples", "0-99", "--epsilons", "0.1,0.2", "--out-dir", out.path], in: folder, capture: capture)
            // Signal once the figures are being written (files are renamed into place while others are written).
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning && Date() < deadline
                && ((try? FileManager.default.contentsOfDirectory(atPath: out.path))?.count ?? 0) < 2 { usleep(2_000) }
            XCTAssertTrue(process.isRunning, "the batch ended before it could be interrupted")
            kill(process.processIdentifier, sig)
            XCTAssertTrue(process.wait(upTo: 30), "\(name): still running 30 s after the signal")
            XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(name): ended normally")
            XCTAssertEqual(process.terminationStatus, sig, "\(name): ended by another signal")
            // One line says what happened, as verify's does (it ended in silence before).
            let stderr = (try? String(contentsOf: capture.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
            let said = sig == SIGINT ? "visualize: interrupted (Ctrl-C); " : "visualize: terminated (SIGTERM); "
            XCTAssertTrue(stderr.contains(said + "finished files are complete, no partial file is left\n"), "\(name): \(stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".tmp") }
            XCTAssertEqual(left, [], "\(name) left temporary files in \(out.path)")
        }
    }
}
