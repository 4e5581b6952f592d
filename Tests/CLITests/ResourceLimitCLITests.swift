import Foundation
import IBP
import XCTest

/// Issue #11, kind 4: a small file must not buy unbounded work or memory. The tools run here under a 1 GiB
/// `ulimit -v`, so a refusal that came after a large allocation would crash instead of passing.
final class ResourceLimitCLITests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        data = folder.appendingPathComponent("data")
        try Fixtures.writeData(to: data, count: 100)
    }

    private let memory = 1 << 20  // KiB: 1 GiB of address space

    /// The issue's 4 MiB checkpoint [conv 1 channel, kernel 1024, stride 1, SAME; flatten; linear 10]: `evaluate
    /// --limit 1` asked for 6.6 GB and `--limit 100` for 26 GB. Now: one line naming the layer, the size and the
    /// limit, well under a second.
    func testTheIssuesHugeKernelCheckpoint() throws {
        let architecture = Architecture(name: "huge-kernel", layers: [.conv(channels: 1, kernel: 1024, stride: 1, same: true),
                                                                     .flatten, .linear(units: 10)])
        let url = folder.appendingPathComponent("huge-kernel.ckpt")
        try Checkpoint(network: Network(architecture)).save(to: url)
        XCTAssertLessThan(try Data(contentsOf: url).count, 4_300_000)
        for limit in ["1", "100"] {
            try assertRejected(.evaluate, [url.path, "--data", data.path, "--limit", limit], in: folder,
                               mentions: [url.path, "layer 1 (conv 1 1024x1024/1 SAME) needs a 6.1 GiB im2col workspace",
                                          "over the limit of 1 GiB"],
                               status: 1, timeLimit: 1, virtualMemoryKiB: memory)
        }
        try assertRejected(.visualize, ["--baseline", url.path, "--data", data.path, "--out", folder.appendingPathComponent("x.png").path],
                           in: folder, mentions: [url.path, "layer 1 (conv 1 1024x1024/1 SAME)", "over the limit of 1 GiB"], status: 1, timeLimit: 1,
                           virtualMemoryKiB: memory)
    }

    /// `train --batch-size`: the memory of a training batch follows from it and the model, checked before the data
    /// is read.
    func testTrainingBatchSizeIsChecked() throws {
        let run = folder.appendingPathComponent("run").path
        try assertRejected(.train, ["--model", "large", "--batch-size", "100000", "--data", data.path, "--out", run], in: folder,
                           mentions: ["--batch-size 100000", "training batch", "over the limit of 8 GiB"], status: 64,
                           timeLimit: 1, virtualMemoryKiB: memory)
    }
}
