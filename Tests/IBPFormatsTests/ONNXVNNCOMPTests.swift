import Foundation
import XCTest
@testable import IBPFormats

/// The seven VNN-COMP MNIST networks of `../shared/vnncomp` (written by others, exported by PyTorch) read and
/// lower to the expected chains; skipped where `../shared` is absent.
final class ONNXVNNCOMPTests: XCTestCase {
    /// (file, input shape, [(op name, shape after)]) for every network.
    static let expected: [(String, [Int], [(String, [Int])])] = {
        func fc(_ hidden: Int) -> [(String, [Int])] {
            [("reshape", [784])] + (0..<hidden).flatMap { _ in [("dense", [256]), ("relu", [256])] } + [("dense", [10])]
        }
        // Its Sub and Div are by 0 and 1: the composed map is the identity and is dropped.
        let relu9 = [("reshape", [784])]
            + (0..<8).flatMap { _ in [("dense", [200]), ("relu", [200])] } + [("dense", [10]), ("relu", [10])]
        let sigmoid6 = [("elementwiseAffine", [1, 28, 28]), ("reshape", [784])]
            + (0..<6).flatMap { _ in [("dense", [200]), ("sigmoid", [200])] } + [("dense", [10])]
        return [
            ("mnistfc/onnx/mnist-net_256x2.onnx", [784, 1], fc(2)),
            ("mnistfc/onnx/mnist-net_256x4.onnx", [784, 1], fc(4)),
            ("mnistfc/onnx/mnist-net_256x6.onnx", [784, 1], fc(6)),
            ("eran2021/onnx/mnist_relu_9_200.onnx", [1, 28, 28], relu9),
            ("eran2021/onnx/ffnnSIGMOID__Point_6x200.onnx", [1, 28, 28], sigmoid6),
            // The zero Pad between Relu and AveragePool lowers to nothing.
            ("verivital2021/onnx/Convnet_avgpool.onnx", [1, 28, 28],
             [("conv", [32, 27, 27]), ("relu", [32, 27, 27]), ("averagePool", [32, 6, 6]), ("reshape", [1152]), ("dense", [10])]),
            ("verivital2021/onnx/Convnet_maxpool.onnx", [1, 28, 28],
             [("conv", [32, 27, 27]), ("relu", [32, 27, 27]), ("maxPool", [32, 6, 6]), ("reshape", [1152]), ("dense", [10])]),
        ]
    }()

    func testEveryNetworkLowersToTheExpectedChain() throws {
        let dir = try vnncompDirectory()
        for (file, inputShape, steps) in Self.expected {
            let chain = try ONNXChain.read(path: dir.appendingPathComponent(file).path)
            XCTAssertEqual(chain.inputShape, inputShape, file)
            XCTAssertEqual(chain.steps.map(\.op.name), steps.map(\.0), file)
            XCTAssertEqual(chain.steps.map(\.outputShape), steps.map(\.1), file)
        }
    }

    /// The sigmoid net normalises its input with Sub 0.1307 and Div 0.3081 (ERAN's MNIST constants): one map.
    func testInputNormalisationIsOneElementwiseAffineMap() throws {
        let chain = try ONNXChain.read(path: try vnncompDirectory().appendingPathComponent("eran2021/onnx/ffnnSIGMOID__Point_6x200.onnx").path)
        guard case let .elementwiseAffine(scale, shift) = chain.steps[0].op else { return XCTFail("\(chain.steps[0].op.name)") }
        XCTAssertEqual(chain.steps[0].nodes, ["'Sub_1' (Sub)", "'Div_3' (Div)"])
        XCTAssertEqual(scale.count, 784)
        XCTAssertEqual(Double(scale[0]), 1 / 0.3081, accuracy: 1e-5)
        XCTAssertEqual(Double(shift[0]), -0.1307 / 0.3081, accuracy: 1e-5)
        XCTAssertTrue(scale.allSatisfy { $0 == scale[0] } && shift.allSatisfy { $0 == shift[0] })
    }

    /// The Gemm weights arrive unchanged (alpha 1, transB 1: W is B as stored) and the graph's first weight is W[0][0].
    func testGemmWeightsAreTheInitializerBitForBit() throws {
        let path = try vnncompDirectory().appendingPathComponent("mnistfc/onnx/mnist-net_256x2.onnx").path
        let graph = try ONNXModel.read(path: path)
        let chain = try ONNXChain.lower(graph, path: path)
        guard case .dense(let d) = chain.steps[1].op else { return XCTFail("step 1 is \(chain.steps[1].op.name)") }
        XCTAssertEqual(d.weight, graph.initializers["layers.0.weight"]?.floats)
        XCTAssertEqual(d.bias, graph.initializers["layers.0.bias"]?.floats)
        XCTAssertEqual(graph.opsetVersion, 9)
        XCTAssertEqual(graph.input.shape, [.fixed(1), .fixed(784), .fixed(1)])
    }
}
