import Foundation
import XCTest
@testable import IBPFormats

/// Gemm, MatMul + Add and BatchNormalization lower to the affine maps their ONNX definitions give; expected values
/// are computed here from the definitions, not by the lowering code.
final class ONNXAffineLoweringTests: XCTestCase {
    /// Y = alpha * A * B' + beta * C for every transB, C of shape [out], [1, out] and a scalar.
    func testGemmFoldsTransposeAlphaAndBeta() throws {
        var numbers = TestNumbers(seed: 1)
        let (n, m) = (3, 2)
        for transB in [0, 1] {
            for cDims in [[m], [1, m], []] {
                let b = numbers.array(n * m), c = numbers.array(cDims.reduce(1, *))
                var builder = ONNXBuilder(inputShape: [nil, n], outputShape: [nil, m])
                builder.initializer("B", transB == 1 ? [m, n] : [n, m], b)
                builder.initializer("C", cDims, c)
                builder.node("Gemm", ["x", "B", "C"], ["y"], ["alpha": Float(0.5), "beta": Float(-2), "transB": transB])
                let chain = try builder.chain()
                XCTAssertEqual(chain.steps.map(\.op.name), ["dense"])
                let x = numbers.array(n).map(Double.init)
                let y = try ChainReference.evaluate(chain, input: x)
                for o in 0..<m {
                    var sum = 0.0
                    for i in 0..<n { sum += x[i] * Double(transB == 1 ? b[o * n + i] : b[i * m + o]) }
                    let expected = 0.5 * sum - 2 * Double(c.count == 1 ? c[0] : c[o])
                    XCTAssertEqual(y[o], expected, accuracy: 1e-6, "transB \(transB), C \(cDims)")
                }
            }
        }
    }

    func testGemmRefusesTransAAndDataAsB() throws {
        var builder = ONNXBuilder(inputShape: [1, 3])
        builder.initializer("B", [3, 2], [Float](repeating: 1, count: 6))
        builder.node("Gemm", ["x", "B"], ["y"], name: "g", ["transA": 1])
        assertThrows(ONNXError.self, ["test.onnx: unsupported ONNX feature: node 'g' (Gemm): transA = 1 would move the batch axis"]) { try builder.chain() }

        var other = ONNXBuilder(inputShape: [1, 2])
        other.initializer("A", [3, 1], [1, 2, 3])
        other.node("Gemm", ["A", "x"], ["y"], name: "g")
        assertThrows(ONNXError.self, ["node 'g' (Gemm): the network's value must be input A; here it is input 1"]) { try other.chain() }

        var mismatch = ONNXBuilder(inputShape: [1, 4])
        mismatch.initializer("B", [3, 2], [Float](repeating: 1, count: 6))
        mismatch.node("Gemm", ["x", "B"], ["y"], name: "g")
        assertThrows(ONNXError.self, ["shape error: node 'g' (Gemm): B 'B' of shape [3, 2] cannot multiply A of [batch, 4]"]) { try mismatch.chain() }
    }

    /// MatMul then Add of a constant become one dense step with the Add as its bias.
    func testMatMulFollowedByAddIsOneDenseStep() throws {
        var builder = ONNXBuilder(inputShape: [nil, 2])
        builder.initializer("W", [2, 3], [1, 2, 3, 4, 5, 6])
        builder.initializer("b", [3], [0.5, -1, 2])
        builder.node("MatMul", ["x", "W"], ["h"], name: "mm")
        builder.node("Add", ["b", "h"], ["y"], name: "add")  // constant first: the order must not matter
        let chain = try builder.chain()
        XCTAssertEqual(chain.steps.count, 1)
        XCTAssertEqual(chain.steps[0].nodes, ["'mm' (MatMul)", "'add' (Add)"])
        XCTAssertEqual(chain.steps[0].op, .dense(DenseOp(inputs: 2, outputs: 3, weight: [1, 4, 2, 5, 3, 6], bias: [0.5, -1, 2])))
    }

    /// Conv then BatchNormalization: one conv whose output equals conv followed by the normalisation.
    func testBatchNormalizationAfterConvIsFoldedIntoIt() throws {
        var numbers = TestNumbers(seed: 2)
        let w = numbers.array(2 * 1 * 2 * 2), b = numbers.array(2)
        let (gamma, beta, mean) = (numbers.array(2), numbers.array(2), numbers.array(2))
        let variance = numbers.array(2).map { $0 * $0 + 0.1 }
        var builder = ONNXBuilder(inputShape: [1, 1, 3, 3])
        builder.initializer("W", [2, 1, 2, 2], w)
        builder.initializer("B", [2], b)
        for (name, v) in [("gamma", gamma), ("beta", beta), ("mean", mean), ("var", variance)] { builder.initializer(name, [2], v) }
        builder.node("Conv", ["x", "W", "B"], ["c"], ["pads": [1, 0, 0, 1]])
        builder.node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["y"], ["epsilon": Float(0.01), "momentum": Float(0.9)])
        let chain = try builder.chain()
        XCTAssertEqual(chain.steps.map(\.op.name), ["conv"])
        XCTAssertEqual(chain.outputShape, [2, 3, 3])
        let x = numbers.array(9).map(Double.init)
        let y = try ChainReference.evaluate(chain, input: x)
        let conv = ONNXReferenceMaths.conv(x, shape: (1, 3, 3), weight: w, bias: b, outChannels: 2, kernel: (2, 2),
                                          stride: (1, 1), pads: (1, 0, 0, 1))
        for k in 0..<18 {
            let o = k / 9
            let expected = Double(gamma[o]) * (conv[k] - Double(mean[o])) / (Double(variance[o]) + 0.01).squareRoot() + Double(beta[o])
            XCTAssertEqual(y[k], expected, accuracy: 1e-5)
        }
    }

    /// BatchNormalization1d after Gemm folds back into the dense; at the start of the network (no affine map
    /// before it) it folds forward into the Gemm after it.
    func testBatchNormalizationFoldsIntoDenseBeforeOrAfterIt() throws {
        var numbers = TestNumbers(seed: 3)
        let w = numbers.array(3 * 2), stats = (0..<4).map { _ in numbers.array(2) }
        let variance = stats[3].map { $0 * $0 + 0.5 }
        for bnFirst in [false, true] {
            var builder = ONNXBuilder(inputShape: [1, 2])
            builder.initializer("W", [2, 3], w)
            for (name, v) in zip(["gamma", "beta", "mean", "var"], [stats[0], stats[1], stats[2], variance]) { builder.initializer(name, [2], v) }
            if bnFirst {
                builder.node("BatchNormalization", ["x", "gamma", "beta", "mean", "var"], ["n"])
                builder.node("Gemm", ["n", "W"], ["y"], ["transB": 0])
            } else {
                builder.initializer("W2", [2, 2], Array(w[0..<4]))
                builder.node("Gemm", ["x", "W2"], ["g"])
                builder.node("BatchNormalization", ["g", "gamma", "beta", "mean", "var"], ["y"])
            }
            let chain = try builder.chain()
            XCTAssertEqual(chain.steps.map(\.op.name), ["dense"], "BatchNormalization first: \(bnFirst)")
            let x = numbers.array(2).map(Double.init)
            let y = try ChainReference.evaluate(chain, input: x)
            func normalise(_ v: Double, _ k: Int) -> Double {
                Double(stats[0][k]) * (v - Double(stats[2][k])) / (Double(variance[k]) + 1e-5).squareRoot() + Double(stats[1][k])
            }
            if bnFirst {
                let n = [normalise(x[0], 0), normalise(x[1], 1)]
                for o in 0..<3 { XCTAssertEqual(y[o], n[0] * Double(w[o]) + n[1] * Double(w[3 + o]), accuracy: 1e-5) }
            } else {
                for o in 0..<2 { XCTAssertEqual(y[o], normalise(x[0] * Double(w[o]) + x[1] * Double(w[2 + o]), o), accuracy: 1e-5) }
            }
        }
    }

    /// With no affine map to absorb it (before a ReLU, or before a padded conv), BatchNormalization stays an
    /// elementwise affine map, constant on each channel.
    func testBatchNormalizationWithoutAnAffineNeighbourStaysElementwise() throws {
        for padded in [false, true] {
            var builder = ONNXBuilder(inputShape: [1, 2, 2, 2])
            for (name, v) in [("gamma", [Float(2), 3]), ("beta", [1, -1]), ("mean", [0.5, 0]), ("var", [4, 9])] { builder.initializer(name, [2], v) }
            builder.node("BatchNormalization", ["x", "gamma", "beta", "mean", "var"], ["n"], ["epsilon": Float(0)])
            if padded {
                builder.initializer("W", [1, 2, 1, 1], [1, 1])
                builder.node("Conv", ["n", "W"], ["y"], ["pads": [1, 1, 1, 1]])
            } else {
                builder.node("Relu", ["n"], ["y"])
            }
            let chain = try builder.chain()
            XCTAssertEqual(chain.steps.map(\.op.name), ["elementwiseAffine", padded ? "conv" : "relu"])
            // s = gamma / sqrt(var) = (1, 1) per channel, t = beta - s * mean = (0.5, -1).
            XCTAssertEqual(chain.steps[0].op, .elementwiseAffine(scale: [1, 1, 1, 1, 1, 1, 1, 1], shift: [0.5, 0.5, 0.5, 0.5, -1, -1, -1, -1]))
        }
    }

    func testBatchNormalizationRefusesTrainingModeAndBadStatistics() throws {
        func model(_ attributes: [String: Any], variance: Float = 1, meanDims: [Int] = [2]) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 2])
            builder.initializer("gamma", [2], [1, 1])
            builder.initializer("beta", [2], [0, 0])
            builder.initializer("mean", meanDims, [Float](repeating: 0, count: meanDims.reduce(1, *)))
            builder.initializer("var", [2], [variance, variance])
            builder.node("BatchNormalization", ["x", "gamma", "beta", "mean", "var"], ["y"], name: "bn", attributes)
            return builder
        }
        assertThrows(ONNXError.self, ["node 'bn' (BatchNormalization): training_mode = 1"]) { try model(["training_mode": 1]).chain() }
        assertThrows(ONNXError.self, ["node 'bn' (BatchNormalization): input_var[0] + epsilon = -1"]) { try model(["epsilon": Float(0)], variance: -1).chain() }
        assertThrows(ONNXError.self, ["input_mean 'mean' has shape [3], expected [2]"]) { try model([:], meanDims: [3]).chain() }
        assertThrows(ONNXError.self, ["node 'bn' (BatchNormalization): attribute 'foo' (known: epsilon, momentum, spatial, training_mode)"]) {
            try model(["foo": 1]).chain()
        }
    }
}

/// Definitions written out plainly for the tests' expected values.
enum ONNXReferenceMaths {
    /// ONNX Conv (cross-correlation) of x [C, H, W] with zero pads (top, left, bottom, right).
    static func conv(_ x: [Double], shape: (c: Int, h: Int, w: Int), weight: [Float], bias: [Float], outChannels: Int,
                     kernel: (Int, Int), stride: (Int, Int), pads: (Int, Int, Int, Int)) -> [Double] {
        let ph = shape.h + pads.0 + pads.2, pw = shape.w + pads.1 + pads.3
        var padded = [Double](repeating: 0, count: shape.c * ph * pw)
        for c in 0..<shape.c {
            for i in 0..<shape.h { for j in 0..<shape.w { padded[(c * ph + i + pads.0) * pw + j + pads.1] = x[(c * shape.h + i) * shape.w + j] } }
        }
        let oh = (ph - kernel.0) / stride.0 + 1, ow = (pw - kernel.1) / stride.1 + 1
        var y: [Double] = []
        for o in 0..<outChannels {
            for i in 0..<oh {
                for j in 0..<ow {
                    var s = Double(bias[o])
                    for c in 0..<shape.c {
                        for u in 0..<kernel.0 {
                            for v in 0..<kernel.1 {
                                s += Double(weight[((o * shape.c + c) * kernel.0 + u) * kernel.1 + v]) * padded[(c * ph + i * stride.0 + u) * pw + j * stride.1 + v]
                            }
                        }
                    }
                    y.append(s)
                }
            }
        }
        return y
    }
}
