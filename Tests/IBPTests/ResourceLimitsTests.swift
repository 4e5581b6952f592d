import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Issue #11, kind 4: every size that follows from a file or a flag is computed from the architecture and checked
/// against a stated limit before any work.
final class ResourceLimitsTests: XCTestCase {
    /// The issue's 4 MiB checkpoint: [conv 1 channel, kernel 1024, stride 1, SAME; flatten; linear 10]. Lowering one
    /// image takes 784 patches of 1024 x 1024 values; with the interval centres stacked on the nominal rows that is
    /// 2 x (1024^2 + 1) x 784 floats = 6.1 GiB for one image (the 6.6 GB the issue measured), refused at once.
    static let hugeKernel = Architecture(name: "huge-kernel", layers: [.conv(channels: 1, kernel: 1024, stride: 1, same: true),
                                                                      .flatten, .linear(units: 10)])

    func testTheIssuesHugeKernelIsRefusedNamingLayerSizeAndLimit() {
        let started = Date()
        XCTAssertThrowsError(try ResourceLimits.check(Self.hugeKernel, for: .evaluation(batch: 1))) { error in
            XCTAssertEqual("\(error)", "layer 1 (conv 1 1024x1024/1 SAME) needs a 6.1 GiB im2col workspace "
                           + "for 1 image of 1 channel, over the limit of 1 GiB")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.1)
        // The workspace grows with the batch up to 8 chunks: 24.5 GiB at --limit 100, as the issue measured 26 GB.
        let g = ConvGeometry(channels: 1, height: 28, width: 28, kernel: 1024, stride: 1, same: true)
        let floats = ResourceLimits.convWorkspaceFloats(g, outChannels: 1, rows: 200, training: false)
        XCTAssertEqual(floats, 8 * (1024 * 1024 + 1) * 784 + 8 * 1 * (27 + 1024) * (27 + 1024))
    }

    /// The workspace formula mirrors Conv2D: one slice of at most `sliceFloats` patch values (at least one image),
    /// up to 8 chunks, each with its patch matrix and GEMM output.
    func testWorkspaceOfAnOrdinaryLayer() {
        // small's l1: 16 channels, 4x4 stride 2 VALID on 1x28x28: 16 patch values x 169 pixels per image.
        let g = ConvGeometry(channels: 1, height: 28, width: 28, kernel: 4, stride: 2, same: false)
        let slice = Conv2D.sliceFloats / (16 * 169)  // 24 images per slice
        XCTAssertEqual(ResourceLimits.convWorkspaceFloats(g, outChannels: 16, rows: 1000, training: false),
                       8 * (16 + 16) * slice * 169)
        XCTAssertEqual(ResourceLimits.convWorkspaceFloats(g, outChannels: 16, rows: 10, training: false),
                       1 * (16 + 16) * slice * 169)
    }

    /// Every model of the paper fits at the batches the tools use: evaluation batches of 500 and the paper's
    /// training batch of 100.
    func testThePapersModelsFit() throws {
        for name in Architecture.names {
            let architecture = Architecture.named(name)!
            let evaluation = try ResourceLimits.check(architecture, for: .evaluation(batch: 500))
            let training = try ResourceLimits.check(architecture, for: .training(batch: 100))
            XCTAssertEqual(evaluation.parameters, Network(architecture).parameters.reduce(0) { $0 + $1.value.count }, name)
            XCTAssertLessThan(evaluation.batchBytes, ResourceLimits.maxBatchBytes / 2, name)
            XCTAssertLessThan(training.batchBytes, ResourceLimits.maxBatchBytes / 2, name)
        }
        let large = try ResourceLimits.check(Architecture.named("large")!, for: .evaluation(batch: 500))
        XCTAssertEqual(large.valuesPerSample, 64 * 28 * 28)
        XCTAssertLessThan(large.largestWorkspaceBytes, 32 << 20)
    }

    /// A batch flag whose memory is over the limit is named with the size and the limit.
    func testABatchTooLargeNamesItsFlag() {
        XCTAssertThrowsError(try ResourceLimits.check(Architecture.named("large")!, for: .training(batch: 5000),
                                                      batchFlag: "--batch-size")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("--batch-size 5000: a training batch of 5000 images of large needs about "), text)
            XCTAssertTrue(text.hasSuffix("over the limit of 8 GiB; use a smaller --batch-size"), text)
        }
        var settings = TrainingSettings(model: "large", method: .ibp, schedule: Schedule(epsilonTrain: 0.1), steps: 10)
        settings.batchSize = 5000
        XCTAssertThrowsError(try settings.validate()) { XCTAssert("\($0)".contains("--batch-size 5000"), "\($0)") }
    }

    /// Sizes that would overflow an Int are reported, not multiplied: 4096 channels of 4096 x 4096 kernels on a
    /// 4096 x 4096 input.
    func testOverflowingSizesAreRefusedWithoutTrapping() {
        let absurd = Architecture(name: "absurd", inputShape: [1, 4096, 4096], layers: [
            .conv(channels: 4096, kernel: 4096, stride: 4096, same: true), .flatten, .linear(units: 10)])
        XCTAssertThrowsError(try ResourceLimits.check(absurd, for: .evaluation(batch: 1))) { error in
            XCTAssert("\(error)".contains("values per sample"), "\(error)")
        }
        let wide = Architecture(name: "wide", layers: [.conv(channels: 4096, kernel: 4096, stride: 1, same: true),
                                                      .flatten, .linear(units: 10)])
        XCTAssertThrowsError(try ResourceLimits.check(wide, for: .evaluation(batch: 1)))
        XCTAssertEqual(ResourceLimits.product(1 << 40, 1 << 40), Int.max)
        XCTAssertEqual(ResourceLimits.sum(Int.max, 1), Int.max)
    }

    /// A checkpoint file larger than any model it could hold is refused before it is read.
    func testCheckpointFileSizeIsBounded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("sparse.ckpt")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: UInt64(ResourceLimits.maxCheckpointBytes) + 1)  // sparse: no disk used
        try handle.close()
        XCTAssertThrowsError(try Checkpoint.load(url)) { XCTAssert("\($0)".contains("more than the"), "\($0)") }
    }
}
