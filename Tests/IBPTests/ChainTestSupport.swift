import Foundation
import XCTest
@testable import IBP
import IBPFormats

/// Small chain models with every layer kind of an imported graph, built from `ChainOp`s with random parameters
/// (as `ONNXImport` builds them from an ONNX file), for the bound-method harness, gradients and the import tests.
extension TestRandom {
    /// y = W x + b with weights uniform in +-sqrt(3 / inputs) and biases in +-0.1.
    mutating func dense(_ inputs: Int, _ outputs: Int) -> ChainOp {
        let bound = (3 / Float(inputs)).squareRoot()
        return .dense(DenseOp(inputs: inputs, outputs: outputs, weight: tensor([outputs * inputs], in: -bound...bound).data,
                              bias: tensor([outputs], in: -0.1...0.1).data))
    }

    mutating func conv(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), strides: (Int, Int) = (1, 1),
                       pads: Padding2D = .zero) -> ChainOp {
        let fanIn = inChannels * kernel.0 * kernel.1, bound = (3 / Float(fanIn)).squareRoot()
        return .conv(ConvOp(outChannels: outChannels, inChannels: inChannels, kernelHeight: kernel.0,
                            kernelWidth: kernel.1, weight: tensor([outChannels * fanIn], in: -bound...bound).data,
                            bias: tensor([outChannels], in: -0.1...0.1).data, strideH: strides.0, strideW: strides.1,
                            padding: pads))
    }

    /// s in +-[0.5, 2] (both signs), t in +-0.5.
    mutating func elementwise(_ count: Int) -> ChainOp {
        let s = tensor([count], in: 0.5...2).data.enumerated().map { $0.offset % 3 == 1 ? -$0.element : $0.element }
        return .elementwiseAffine(scale: s, shift: tensor([count], in: -0.5...0.5).data)
    }

    /// A chain model on `inputShape` from `ops` (each op's shape checked as the ONNX lowering checks it).
    func chainModel(_ name: String, inputShape: [Int], _ ops: [ChainOp]) -> ChainModel {
        var shape = inputShape
        var steps: [ChainStep] = []
        for op in ops {
            shape = try! op.outputShape(for: shape)
            steps.append(ChainStep(op: op, outputShape: shape, nodes: ["'\(op.name)'"]))
        }
        return ONNXImport.model(ONNXChain(inputName: "x", outputName: "y", inputShape: inputShape, steps: steps), name: name)
    }

    /// Chains for comparing CROWN's fast passes with its dense rows (`LaneRowsTests`, `TransposedRowsTests`): the
    /// architectures `tiny`, `small` (plain, and with biases shifted down so that many ReLU neurons are dead),
    /// `large` (SAME padding) and `vissmall` (sigmoid) on small inputs (the dense reference is the slow part), each
    /// network from seed 60 + its position, and a chain of padded, strided and asymmetric convolutions with tanh and
    /// ReLU that ends in a ReLU (the specification then starts on the output instead of being folded into an affine
    /// map), drawn from `self`. (name, layers, sample shape).
    mutating func crownChains() -> [(String, [Layer], [Int])] {
        var chains: [(String, [Layer], [Int])] = []
        let cases: [(String, Int, Float)] = [("tiny", 12, 0), ("small", 12, 0), ("small", 12, -0.3), ("large", 6, -0.1),
                                             ("vissmall", 14, 0)]
        for (i, (name, side, shift)) in cases.enumerated() {
            var seeded = TestRandom(UInt64(60 + i))
            chains.append(("\(name)\(shift)", seeded.network(name, side: side, biasShift: shift).layers, [1, side, side]))
        }
        let ops: [ChainOp] = [
            conv(1, 3, kernel: (3, 3), pads: Padding2D(top: 1, left: 1, bottom: 1, right: 1)),
            conv(3, 4, kernel: (3, 2), strides: (2, 1), pads: Padding2D(top: 1, left: 0, bottom: 1, right: 1)),
            .tanh, conv(4, 2, kernel: (2, 2)), .relu, .reshape([72]), dense(72, 30), .relu, dense(30, 10), .relu,
        ]
        chains.append(("padded", chainModel("padded", inputShape: [1, 10, 10], ops).layers, [1, 10, 10]))
        return chains
    }

    /// Three chains on [1, 10, 10] inputs with 10 outputs that use every imported layer kind between them:
    /// - `avg`: input normalisation, a padded 3x2 conv with strides (2, 1), ReLU, average pooling that counts its
    ///   padding, tanh, reshape, dense;
    /// - `max`: zero padding, conv, sigmoid, a 2x3 max pooling with padding, reshape, dense, ReLU, dense, ending in
    ///   a ReLU (so no affine map to fold the specification into);
    /// - `avgExclude`: as VNN-COMP's Convnet_avgpool: 2x2 conv, ReLU, average pooling without its padding, dense.
    mutating func importedChains() -> [ChainModel] {
        let avg: [ChainOp] = [
            elementwise(100), conv(1, 3, kernel: (3, 2), strides: (2, 1), pads: Padding2D(top: 1, left: 0, bottom: 1, right: 1)),
            .relu, .averagePool(PoolWindow(kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2,
                                           padding: Padding2D(top: 1, left: 1)), countIncludePad: true),
            .tanh, .reshape([45]), dense(45, 10),
        ]
        let max: [ChainOp] = [
            .pad(Padding2D(top: 1, right: 1)), conv(1, 4, kernel: (3, 3)), .sigmoid,
            .maxPool(PoolWindow(kernelHeight: 2, kernelWidth: 3, strideH: 2, strideW: 2, padding: Padding2D(left: 1, right: 1))),
            .reshape([80]), dense(80, 12), .relu, dense(12, 10), .relu,
        ]
        let avgExclude: [ChainOp] = [
            conv(1, 2, kernel: (2, 2)), .relu,
            .averagePool(PoolWindow(kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2,
                                    padding: Padding2D(top: 1, left: 1, bottom: 1, right: 1)), countIncludePad: false),
            .reshape([50]), dense(50, 10),
        ]
        return [chainModel("avg", inputShape: [1, 10, 10], avg), chainModel("max", inputShape: [1, 10, 10], max),
                chainModel("avgExclude", inputShape: [1, 10, 10], avgExclude)]
    }
}

extension ChainModel {
    /// Whether a layer is max pooling (which CROWN and CROWN-IBP refuse).
    var hasMaxPool: Bool { layers.contains { $0 is MaxPool } }
}

/// `../shared/vnncomp` (or `$IBP_SHARED/vnncomp`: a git worktree has no `../shared`), or the test skips.
func vnncompFolder() throws -> URL {
    let shared: URL
    if let env = ProcessInfo.processInfo.environment["IBP_SHARED"], !env.isEmpty {
        shared = URL(fileURLWithPath: env, isDirectory: true)
    } else {
        shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }
    let folder = shared.appendingPathComponent("vnncomp", isDirectory: true)
    guard FileManager.default.fileExists(atPath: folder.path) else {
        throw XCTSkip("\(folder.path) is not here (set IBP_SHARED to use another copy of ../shared)")
    }
    return folder
}
