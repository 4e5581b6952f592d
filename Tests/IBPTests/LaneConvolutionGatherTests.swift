import Foundation
import XCTest
@testable import IBP

/// `LaneRows.convolutionGather` (the transposed convolution per live input neuron) against the straightforward
/// scatter (`LaneRows.convolution`) with the dead inputs then set to 0: the identity behind the shortcut is that the
/// relaxation below maps a dead neuron's coefficient to 0 whatever it is, so only the live neurons must agree.
final class LaneConvolutionGatherTests: XCTestCase {
    /// Strided, padded (symmetric and not), asymmetric kernels, one and several channels; zero lanes in `a` (output
    /// channels with no coefficient) and dead shares from none to all.
    func testGatherConvolutionEqualsScatter() {
        let L = LaneRows.lanes
        let geometries = [
            ConvGeometry(channels: 1, height: 10, width: 10, kernel: 4, stride: 2, same: false),
            ConvGeometry(channels: 3, height: 9, width: 9, kernel: 4, stride: 1, same: false),
            ConvGeometry(channels: 2, height: 7, width: 8, kernel: 3, stride: 2, same: true),
            ConvGeometry(channels: 3, height: 6, width: 7, kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 1,
                         padTop: 1, padLeft: 0, padBottom: 1, padRight: 1),
        ]
        var rng = RandomSource(seed: 11)
        for g in geometries {
            for O in [1, 5] {
                for deadShare in [0.0, 0.6, 0.95, 1.0] {
                    let inputs = g.channels * g.height * g.width, outputs = O * g.outPixels, K = g.patchSize
                    let taps = (0..<(K * O)).map { _ in rng.uniform() * 2 - 1 }
                    let bias = (0..<O).map { _ in rng.uniform() * 2 - 1 }
                    // Lines: dead neurons all zero, live ones arbitrary (only `isDead` is read).
                    var slope = [Float](repeating: 0, count: inputs)
                    for j in 0..<inputs where Double(rng.uniform()) >= deadShare { slope[j] = 0.5 }
                    let zeros = [Float](repeating: 0, count: inputs)
                    let widest = max(inputs, outputs)
                    let scratch = LaneRows.Scratch(widest: widest)
                    defer { scratch.deallocate() }
                    // Coefficients with whole zero vectors (a dead neuron above) and single zero lanes.
                    var a = [Float](repeating: 0, count: outputs * L)
                    for q in 0..<outputs where rng.uniform() > 0.3 {
                        for l in 0..<L where rng.uniform() > 0.1 { a[q * L + l] = rng.uniform() * 2 - 1 }
                    }
                    var scattered = [Float](repeating: .nan, count: inputs * L), gathered = scattered
                    var cScatter = SIMD16<Float>(repeating: 0.25), cGather = cScatter
                    taps.withUnsafeBufferPointer { tp in
                        bias.withUnsafeBufferPointer { bp in
                            slope.withUnsafeBufferPointer { sp in
                                zeros.withUnsafeBufferPointer { zp in
                                    let lines = Lines(lowerSlope: zp.baseAddress!, lowerIntercept: zp.baseAddress!,
                                                      upperSlope: sp.baseAddress!, upperIntercept: zp.baseAddress!)
                                    XCTAssertEqual(LaneRows.gatherPays(dead: lines, inputs: inputs),
                                                   2 * slope.filter { $0 != 0 }.count < inputs)
                                    scratch.a.update(from: a, count: a.count)
                                    scattered.withUnsafeMutableBufferPointer { out in
                                        LaneRows.convolution(scratch.a, into: out.baseAddress!, taps: tp.baseAddress!,
                                                             bias: bp.baseAddress!, g, outChannels: O, scratch: scratch,
                                                             c: &cScatter)
                                    }
                                    scratch.a.update(from: a, count: a.count)
                                    gathered.withUnsafeMutableBufferPointer { out in
                                        LaneRows.convolutionGather(scratch.a, into: out.baseAddress!,
                                                                   taps: tp.baseAddress!, bias: bp.baseAddress!, g,
                                                                   outChannels: O, dead: lines, scratch: scratch,
                                                                   c: &cGather)
                                    }
                                }
                            }
                        }
                    }
                    // The bias term is summed in the same order: the same bits.
                    XCTAssertEqual(cGather, cScatter, "\(g) O \(O)")
                    for j in 0..<inputs {
                        for l in 0..<L {
                            let got = gathered[j * L + l], want = slope[j] == 0 ? 0 : scattered[j * L + l]
                            if slope[j] == 0 { XCTAssertEqual(got, 0, "dead neuron \(j) is written as 0") }
                            XCTAssertEqual(got, want, accuracy: 1e-5 * (1 + abs(want)),
                                           "\(g) O \(O) dead \(deadShare): neuron \(j) lane \(l)")
                        }
                    }
                }
            }
        }
    }
}

/// The gather inside a whole lane pass: on `small` with biases shifted down (most ReLU neurons dead, so the gather
/// pays at the second convolution), the pass with the gather equals the pass with the scatter only.
final class LaneConvolutionGatherPassTests: XCTestCase {
    func testPassWithGatherEqualsPassWithScatter() {
        var rand = TestRandom(41)
        let net = rand.network("small")
        for p in net.parameters where p.value.shape.count == 1 {
            p.value = Tensor(shape: p.value.shape, data: p.value.data.map { $0 - 0.4 })
        }
        let layers = net.layers
        let x = rand.tensor([3, 1, 28, 28], in: 0...1)
        let box = InputBox(around: x, epsilon: 0.05)
        let ibp = IntervalMethod().propagate(layers, box: box, specification: nil)
        var relaxations = [Int: Relaxations]()
        for (t, layer) in layers.enumerated() {
            if case let .monotone(f) = layer.primitive { relaxations[t] = Relaxations(f, Interval(ibp.stages[t])) }
        }
        // The gather is taken for the second convolution (its input, the first ReLU, is mostly dead).
        let conv2 = layers.firstIndex { if case .affine = $0.primitive, $0 is Conv2D { return true }; return false }
            .flatMap { first in layers.indices.dropFirst(first + 1).first { layers[$0] is Conv2D } }!
        relaxations[conv2 - 1]!.withLines(sample: 0) { lines in
            XCTAssertTrue(LaneRows.gatherPays(dead: lines, inputs: relaxations[conv2 - 1]!.size))
        }
        let top = layers.count - 2
        let width = layers[top].outputShape.reduce(1, *), k = 10
        let rows = rand.tensor([3 * k, width])
        let bias = (0..<(3 * k)).map { Float($0) * 0.01 }
        let intervalBox = IntervalBounds(enclosing: box)
        var scatter = LaneRows(layers, top: top)!
        scatter.gather = false
        let gather = LaneRows(layers, top: top)!
        let want = scatter.upperBounds(rows.reshaped(sampleShape: layers[top].outputShape), bias: bias,
                                       rowsPerSample: k, samples: 0..<3, relaxations: relaxations, box: intervalBox)
        let got = gather.upperBounds(rows.reshaped(sampleShape: layers[top].outputShape), bias: bias,
                                     rowsPerSample: k, samples: 0..<3, relaxations: relaxations, box: intervalBox)
        let scale = (want.map(abs).max() ?? 0) + 1
        for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-5 * scale) }
    }
}
