import Foundation
import XCTest
import IBP

/// Issue #11, kind 8: the same kind of mistake gets the same exit status in every command: 64 when the command line
/// is wrong, 1 for a failure while working (README, "Exit status").
final class ExitStatusTests: XCTestCase {
    private var folder: URL!
    private var data: URL!
    private var checkpoint: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 20)
        checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
    }

    private func out(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testCommandLineErrorsExit64() throws {
        let cases: [(Tool, [String], String)] = [
            (.evaluate, [checkpoint.path, "--bogus"], "Unknown option '--bogus'"),
            (.evaluate, [checkpoint.path, "--epsilon", "2"], "--epsilon"),
            (.evaluate, [checkpoint.path, "--architecture", "huge"], "--architecture"),
            (.train, ["--bogus", "--out", out("run")], "Unknown option '--bogus'"),
            (.train, ["--model", "tiny", "--steps", "0", "--out", out("run")], "--steps"),
            (.train, ["--model", "tiny", "--steps", "2", "--steps", "3", "--out", out("run")], "--steps was given 2 times"),
            (.train, ["--model", "tiny", "--out", out("a"), "--resume", out("b")], "not both"),
            (.train, ["--model", "tiny", "--threads", "0", "--out", out("run")], "--threads"),
            (.visualize, ["--bogus", "--out", out("x.png")], "Unknown option '--bogus'"),
            (.visualize, ["--scale", "0"], "--scale"),
            (.visualize, ["--sample=-1"], "--sample"),
            (.ibpBench, ["--kernel", "avx3"], "--kernel"),
        ]
        for (tool, arguments, mention) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [mention], status: 64)
        }
    }

    /// `ibp-bench --kernel` naming a kernel this CPU cannot run is refused in one line before any measure.
    func testUnavailableKernelExits64() throws {
        guard let missing = [GEMMKernel.avx512, .avx2].first(where: { !GEMMKernel.isAvailable($0) }) else {
            throw XCTSkip("this CPU runs every GEMM kernel")
        }
        try assertRejected(.ibpBench, ["--kernel", missing.rawValue, "--models", "tiny"], in: folder,
                           mentions: ["--kernel \(missing.rawValue)", "cannot run"], status: 64)
    }

    func testFailuresWhileWorkingExit1() throws {
        let missing = out("missing.ckpt")
        let cases: [(Tool, [String], String)] = [
            (.evaluate, [missing, "--data", data.path], "no such file"),
            (.evaluate, [checkpoint.path, "--data", out("nodata")], "no such folder"),
            (.train, ["--resume", out("norun")], "no such file"),
            (.train, ["--model", "tiny", "--steps", "2", "--data", out("nodata"), "--out", out("run")], "no such folder"),
            (.visualize, ["--baseline", missing, "--data", data.path, "--out", out("x.png")], "no such file"),
        ]
        for (tool, arguments, mention) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [mention], status: 1)
        }
    }

    /// A data folder without the MNIST files says how to get MNIST; one that does not exist says so first (new
    /// user, paths23 item 10: `--data /nonexistent` was answered with how to download MNIST, as if it existed).
    func testMissingDataSaysHowToGetMNIST() throws {
        try FileManager.default.createDirectory(atPath: out("empty"), withIntermediateDirectories: true)
        try assertRejected(.evaluate, [checkpoint.path, "--data", out("empty")], in: folder,
                           mentions: ["no MNIST file found", "scripts/get-mnist.sh", "--data DIR"], status: 1)
        for tool in [Tool.evaluate, .visualize, .train] {
            let arguments = tool == .evaluate ? [checkpoint.path] : tool == .visualize ? ["--model", checkpoint.path, "--out", out("v.png")]
                : ["--model", "tiny", "--steps", "2", "--out", out("run")]
            try assertRejected(tool, arguments + ["--data", "/nonexistent"], in: folder,
                               mentions: ["--data /nonexistent: no such folder; check the name", "scripts/get-mnist.sh"],
                               status: 1)
        }
    }
}
