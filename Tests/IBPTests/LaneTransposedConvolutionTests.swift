import Foundation
import XCTest
@testable import IBP

/// `LaneTransposedConvolution` (the patch GEMM and col2im with 16 rows as lanes) against the straightforward
/// `Conv2D.applyTransposed` (GEMM and col2im row by row), and CROWN with it against CROWN without it.
final class LaneTransposedConvolutionTests: XCTestCase {
    /// Strides 1 and 2 (and mixed), asymmetric kernels, one and several channels, row counts that are not a multiple
    /// of 16, one lane group per GEMM and several, serial and parallel.
    func testEqualsApplyTransposed() {
        var rand = TestRandom(31)
        let geometries = [
            ConvGeometry(channels: 1, height: 10, width: 10, kernel: 4, stride: 2, same: false),
            ConvGeometry(channels: 16, height: 13, width: 13, kernel: 4, stride: 1, same: false),
            ConvGeometry(channels: 6, height: 12, width: 12, kernel: 5, stride: 1, same: false),
            ConvGeometry(channels: 3, height: 9, width: 8, kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 1,
                         padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
        ]
        for g in geometries {
            for O in [3, 32] {
                let conv = Conv2D(geometry: g, outChannels: O, name: "c")
                conv.weight.value = rand.tensor(conv.weight.value.shape)
                XCTAssertTrue(LaneTransposedConvolution.applies(conv))
                for m in [1, 16, 17, 48, 70] {
                    let a = rand.tensor([m] + conv.outputShape)
                    let want = conv.applyTransposed(a)
                    for parallel in [false, true] {
                        let got = LaneTransposedConvolution.apply(conv, a, parallel: parallel)
                        XCTAssertEqual(got.shape, want.shape)
                        for (x, y) in zip(got.data, want.data) {
                            XCTAssertEqual(x, y, accuracy: 1e-5 * (1 + abs(y)), "\(g) O \(O) m \(m)")
                            if abs(x - y) > 1e-5 * (1 + abs(y)) { return }
                        }
                    }
                }
            }
        }
        // A padded convolution is not taken (it keeps applyTransposed).
        let padded = Conv2D(geometry: ConvGeometry(channels: 2, height: 6, width: 6, kernel: 3, stride: 1, same: true),
                            outChannels: 2, name: "p")
        XCTAssertFalse(LaneTransposedConvolution.applies(padded))
    }

    /// The AVX2 col2im (`ckernels_lane_col2im_avx2`) and direct loop (`ckernels_lane_direct_avx2`, up to
    /// `directChannels` output channels) give the Swift loops' bits: strides 1 and 2 both ways, several lane groups
    /// per call, rows not a multiple of 16, output rows of 4k + 1, 4k + 2 and 4k + 3 pixels (the kernel's tail).
    func testAVX2Col2imEqualsSwiftBitForBit() {
        var rand = TestRandom(33)
        let saved = LaneTransposedConvolution.col2imAVX2
        defer { LaneTransposedConvolution.col2imAVX2 = saved }
        for g in [ConvGeometry(channels: 16, height: 14, width: 14, kernel: 4, stride: 2, same: false),
                  ConvGeometry(channels: 3, height: 9, width: 8, kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 1,
                               padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
                  ConvGeometry(channels: 2, height: 9, width: 11, kernelHeight: 2, kernelWidth: 3, strideH: 1, strideW: 2,
                               padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
                  ConvGeometry(channels: 2, height: 6, width: 11, kernelHeight: 2, kernelWidth: 3, strideH: 1, strideW: 1,
                               padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
                  ConvGeometry(channels: 1, height: 5, width: 7, kernel: 3, stride: 1, same: false)] {
            for O in [3, LaneTransposedConvolution.directChannels, 32] {
                let conv = Conv2D(geometry: g, outChannels: O, name: "c")
                conv.weight.value = rand.tensor(conv.weight.value.shape)
                for m in [5, 40] {
                    let a = rand.tensor([m] + conv.outputShape)
                    LaneTransposedConvolution.col2imAVX2 = false
                    let want = LaneTransposedConvolution.apply(conv, a, parallel: false)
                    LaneTransposedConvolution.col2imAVX2 = saved
                    let got = LaneTransposedConvolution.apply(conv, a, parallel: false)
                    XCTAssertEqual(got.data.map(\.bitPattern), want.data.map(\.bitPattern), "\(g) O \(O) m \(m)")
                }
            }
        }
    }

    /// The patch matrix a few input channels at a time (`patchBlockFloats`) gives the bits of all taps at once, on
    /// both col2im loops: one channel per block, blocks that do not divide the channels, one and several lane
    /// groups per GEMM. A block that skipped or repeated a channel's taps would change the sums.
    func testPatchBlocksGiveTheBitsOfOneBlock() {
        var rand = TestRandom(35)
        let saved = (LaneTransposedConvolution.patchBlockFloats, LaneTransposedConvolution.col2imAVX2)
        defer { (LaneTransposedConvolution.patchBlockFloats, LaneTransposedConvolution.col2imAVX2) = saved }
        for g in [ConvGeometry(channels: 16, height: 13, width: 13, kernel: 4, stride: 1, same: false),
                  ConvGeometry(channels: 5, height: 9, width: 8, kernelHeight: 3, kernelWidth: 2, strideH: 2,
                               strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0)] {
            let conv = Conv2D(geometry: g, outChannels: 32, name: "c")
            conv.weight.value = rand.tensor(conv.weight.value.shape)
            for avx2 in Set([false, saved.1]) {
                LaneTransposedConvolution.col2imAVX2 = avx2
                for m in [7, 90] {
                    let a = rand.tensor([m] + conv.outputShape)
                    LaneTransposedConvolution.patchBlockFloats = Int.max / 2
                    let want = LaneTransposedConvolution.apply(conv, a, parallel: false)
                    let perChannel = g.kernelHeight * g.kernelWidth * g.outPixels * LaneTransposedConvolution.lanes
                    for block in [1, 2, 3] {
                        // At most `block` channels of one lane group's patch columns.
                        LaneTransposedConvolution.patchBlockFloats = block * perChannel
                        let got = LaneTransposedConvolution.apply(conv, a, parallel: false)
                        XCTAssertEqual(got.data.map(\.bitPattern), want.data.map(\.bitPattern),
                                       "\(g) m \(m) block \(block) avx2 \(avx2)")
                    }
                }
            }
        }
    }

    /// A patch block's rows (channels x taps) are a multiple of the GEMM kernel's 6-row tile where more than one
    /// channel fits and not all do: 16 taps per channel, room for 5 channels gives 3 (48 rows), room for 2 gives 2,
    /// room for all 16 gives 16; 6 taps per channel (already a multiple) keeps what fits.
    func testPatchBlocksFillTheKernelsTile() {
        let saved = LaneTransposedConvolution.patchBlockFloats
        defer { LaneTransposedConvolution.patchBlockFloats = saved }
        let g16 = ConvGeometry(channels: 16, height: 13, width: 13, kernel: 4, stride: 1, same: false)
        let g6 = ConvGeometry(channels: 5, height: 9, width: 8, kernelHeight: 3, kernelWidth: 2, strideH: 2,
                              strideW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0)
        for (g, room, want) in [(g16, 5, 3), (g16, 2, 2), (g16, 1, 1), (g16, 16, 16), (g16, 40, 16), (g6, 4, 4)] {
            LaneTransposedConvolution.patchBlockFloats = room * g.kernelHeight * g.kernelWidth * 100
            XCTAssertEqual(LaneTransposedConvolution.blockChannels(g, columns: 100), want, "\(g) room \(room)")
        }
        // The default budget on `small`'s second convolution (one lane group of 10 x 10 pixels): 48 rows.
        LaneTransposedConvolution.patchBlockFloats = saved
        XCTAssertEqual(LaneTransposedConvolution.blockChannels(g16, columns: 100 * LaneTransposedConvolution.lanes), 3)
    }

    /// CROWN and CROWN-IBP with the lanes and with `applyTransposed` (windows and dense rows both) agree within 1e-5
    /// of each stage's magnitude on `small` and `vissmall`.
    func testCROWNWithLanesEqualsWithout() throws {
        var rand = TestRandom(32)
        for name in ["small", "vissmall"] {
            let net = rand.network(name)
            let x = rand.tensor([2, 1, 28, 28], in: 0...1)
            let box = InputBox(around: x, epsilon: 0.02)
            let spec = Specification.elided(labels: [2, 5], classes: 10)
            for intermediate in [CROWNMethod.Intermediate.ibp, .crown] {
                var reference = CROWNMethod(intermediate: intermediate)
                reference.laneTransposed = false
                let want = try reference.bounds(net.layers, box: box, specification: spec, upperOnly: false)
                let got = try CROWNMethod(intermediate: intermediate).bounds(net.layers, box: box,
                                                                            specification: spec, upperOnly: false)
                for (stage, (g, w)) in zip(got.stages + [got.specification!], want.stages + [want.specification!])
                    .enumerated() {
                    let scale = ((w.lower.data + w.upper.data).filter(\.isFinite).map(abs).max() ?? 0) + 1
                    for (u, v) in zip(g.lower.data + g.upper.data, w.lower.data + w.upper.data) {
                        XCTAssertEqual(u, v, accuracy: 1e-5 * scale, "\(name) \(intermediate) stage \(stage)")
                    }
                }
            }
        }
    }
}
