import Foundation
import XCTest
@testable import IBPFormats

/// Elementwise arithmetic, activations, shapes, constants, and the refusals: unsupported operators (all listed),
/// graphs that are not chains (every place listed), shapes that do not fit.
final class ONNXChainLoweringTests: XCTestCase {
    /// (x - mean) / std with per-channel constants [1, C, 1, 1] is one elementwise map; c - x negates.
    func testArithmeticWithConstantsIsOneElementwiseAffineMap() throws {
        var builder = ONNXBuilder(inputShape: [nil, 2, 1, 2])
        builder.initializer("mean", [1, 2, 1, 1], [0.5, 1])
        builder.initializer("std", [2, 1, 1], [2, 4])
        builder.initializer("k", [], [3])
        builder.node("Sub", ["x", "mean"], ["a"])
        builder.node("Div", ["a", "std"], ["b"])
        builder.node("Sub", ["k", "b"], ["c"])       // 3 - b
        builder.node("Mul", ["c", "k"], ["d"])       // 3 * (3 - b)
        builder.node("Add", ["d", "k"], ["y"])       // + 3
        let chain = try builder.chain()
        XCTAssertEqual(chain.steps.count, 1)
        XCTAssertEqual(chain.steps[0].nodes.count, 5)
        let x: [Double] = [1, 2, 3, 4]
        let y = try ChainReference.evaluate(chain, input: x)
        let expected = zip(x, [0.5, 0.5, 1, 1]).enumerated().map { k, p in 3 * (3 - (p.0 - p.1) / (k < 2 ? 2 : 4)) + 3 }
        for (a, e) in zip(y, expected) { XCTAssertEqual(a, e, accuracy: 1e-6) }
    }

    func testArithmeticRefusals() throws {
        func model(_ op: String, _ inputs: [String], constant: [Float] = [2], dims: [Int] = [1]) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 3])
            builder.initializer("k", dims, constant)
            builder.node(op, inputs, ["y"], name: "n")
            return builder
        }
        assertThrows(ONNXError.self, ["node 'n' (Div): dividing a constant by the network's value is not an affine map"]) { try model("Div", ["k", "x"]).chain() }
        assertThrows(ONNXError.self, ["node 'n' (Div): division by a constant that holds 0"]) { try model("Div", ["x", "k"], constant: [0]).chain() }
        assertThrows(ONNXError.self, ["the constant operand 'k' of shape [2] does not broadcast to [1, 3]"]) { try model("Mul", ["x", "k"], constant: [1, 2], dims: [2]).chain() }
        assertThrows(ONNXError.self, ["the constant operand 'k' of shape [2, 3] does not broadcast to [1, 3]"]) {
            try model("Add", ["x", "k"], constant: [Float](repeating: 1, count: 6), dims: [2, 3]).chain()
        }
        assertThrows(ONNXError.self, ["holds a value that is not finite"]) { try model("Add", ["x", "k"], constant: [.nan]).chain() }
    }

    func testActivationsFlattenReshapeIdentityAndDropout() throws {
        var builder = ONNXBuilder(inputShape: [nil, 2, 2, 3], outputShape: [nil, 12])
        builder.int64Initializer("shape", [0, -1, 2])
        builder.int64Initializer("flat", [-1, 12])
        builder.node("Relu", ["x"], ["a"])
        builder.node("Reshape", ["a", "shape"], ["b"])     // [1, 6, 2]
        builder.node("Sigmoid", ["b"], ["c"])
        builder.node("Identity", ["c"], ["d"])
        builder.node("Dropout", ["d"], ["e", "mask"], ["seed": 7])
        builder.node("Tanh", ["e"], ["f"])
        builder.node("Flatten", ["f"], ["g"], ["axis": -2])  // rank 3: axis 1
        builder.node("Reshape", ["g", "flat"], ["y"])
        let chain = try builder.chain()
        XCTAssertEqual(chain.steps.map(\.op.name), ["relu", "reshape", "sigmoid", "tanh", "reshape"])
        XCTAssertEqual(chain.steps.map(\.outputShape), [[2, 2, 3], [6, 2], [6, 2], [6, 2], [12]])
        let y = try ChainReference.evaluate(chain, input: (0..<12).map { Double($0) - 6 })
        XCTAssertEqual(y[0], Foundation.tanh(1 / (1 + exp(0))), accuracy: 1e-12)  // relu(-6) = 0
        XCTAssertEqual(y[11], Foundation.tanh(1 / (1 + exp(-5))), accuracy: 1e-12)
    }

    func testReshapeAndFlattenMustKeepTheBatchAxis() throws {
        var reshape = ONNXBuilder(inputShape: [1, 4])
        reshape.int64Initializer("shape", [2, 2])
        reshape.node("Reshape", ["x", "shape"], ["y"], name: "r")
        assertThrows(ONNXError.self, ["node 'r' (Reshape): the new shape [2, 2] does not keep the batch axis (of size 1) first"]) { try reshape.chain() }

        var flatten = ONNXBuilder(inputShape: [1, 2, 2])
        flatten.node("Flatten", ["x"], ["y"], name: "f", ["axis": 2])
        assertThrows(ONNXError.self, ["node 'f' (Flatten): axis 2 on rank 3; only axis 1 keeps the batch axis apart"]) { try flatten.chain() }

        var bad = ONNXBuilder(inputShape: [1, 4])
        bad.int64Initializer("shape", [1, 3])
        bad.node("Reshape", ["x", "shape"], ["y"], name: "r")
        assertThrows(ONNXError.self, ["node 'r' (Reshape): cannot reshape [1, 4] (4 elements) to [1, 3]"]) { try bad.chain() }
    }

    /// Constant nodes, Identity of an initializer, Reshape of a constant and arithmetic between constants are folded
    /// before they reach the chain.
    func testConstantsAreFolded() throws {
        var builder = ONNXBuilder(inputShape: [1, 2])
        builder.node("Constant", [], ["w"], ["value": ONNXBuilder.floatTensor("", [4], [1, 2, 3, 4])])
        builder.node("Constant", [], ["shape"], ["value_ints": [2, 2]])
        builder.node("Reshape", ["w", "shape"], ["W"])
        builder.initializer("two", [], [2])
        builder.node("Identity", ["two"], ["t"])
        builder.node("Mul", ["W", "t"], ["W2"])                 // [[2, 4], [6, 8]]
        builder.node("Constant", [], ["bias"], ["value_floats": [Float(1), -1]])
        builder.node("Gemm", ["x", "W2", "bias"], ["y"])
        let chain = try builder.chain()
        XCTAssertEqual(chain.steps.map(\.op), [.dense(DenseOp(inputs: 2, outputs: 2, weight: [2, 6, 4, 8], bias: [1, -1]))])
    }

    func testConstantRefusals() throws {
        var two = ONNXBuilder(inputShape: [1, 2])
        two.node("Constant", [], ["c"], name: "k", ["value_float": Float(1), "value_int": 2])
        two.node("Add", ["x", "c"], ["y"])
        assertThrows(ONNXError.self, ["node 'k' (Constant): needs exactly one of value, value_float, value_floats, value_int, value_ints; has value_float, value_int"]) { try two.chain() }

        var relu = ONNXBuilder(inputShape: [1, 2])
        relu.initializer("c", [2], [1, 2])
        relu.node("Relu", ["c"], ["r"], name: "cr")
        relu.node("Add", ["x", "r"], ["y"])
        assertThrows(ONNXError.self, ["node 'cr' (Relu): all its inputs are constants, and this operator cannot be folded"]) { try relu.chain() }

        var huge = ONNXBuilder(inputShape: [1, 2])
        huge.initializer("a", [20000, 1], [Float](repeating: 1, count: 20000))
        huge.initializer("b", [1, 20000], [Float](repeating: 1, count: 20000))
        huge.node("Mul", ["a", "b"], ["c"], name: "m")
        huge.node("Add", ["x", "c"], ["y"])
        assertThrows(ONNXError.self, ["node 'm' (Mul): the result of shape [20000, 20000] has more than 268435456 elements"]) { try huge.chain() }
    }

    /// One line lists every node whose operator has no rule, in file order, and which operators are supported.
    func testUnsupportedOperatorsAreAllListed() throws {
        var builder = ONNXBuilder(inputShape: [1, 4])
        builder.node("Relu", ["x"], ["a"])
        builder.node("Softmax", ["a"], ["b"], name: "soft")
        builder.node("LeakyRelu", ["b"], ["c"], name: "leaky")
        builder.node("Relu", ["c"], ["d"], name: "custom", domain: "com.example")
        builder.node("Relu", ["d"], ["y"])
        let e = assertThrows(ONNXError.self, [
            "test.onnx: 3 unsupported ONNX operator nodes: 'soft' (Softmax), 'leaky' (LeakyRelu), 'custom' (com.example.Relu) (supported: Add, AveragePool,",
        ]) { try builder.chain() }
        XCTAssertEqual(e?.problem, .unsupportedOperators(["'soft' (Softmax)", "'leaky' (LeakyRelu)", "'custom' (com.example.Relu)"]))
    }

    /// A residual connection: x feeds two nodes, and the Add reads two computed values; both places listed.
    func testDAGIsRefusedWithEveryPlace() throws {
        var builder = ONNXBuilder(inputShape: [1, 4])
        builder.node("Relu", ["x"], ["a"], name: "r")
        builder.node("Add", ["x", "a"], ["b"], name: "add")
        builder.node("Sigmoid", ["b"], ["y"], name: "s")
        let e = assertThrows(ONNXError.self, ["test.onnx: the graph is not a chain of operators ("]) { try builder.chain() }
        XCTAssertEqual(e?.problem, .notAChain([
            "node 'add' (Add) reads 2 values computed from the input ('x', 'a')",
            "value 'x' feeds 2 nodes ('r' (Relu), 'add' (Add))",
        ]))

        var branch = ONNXBuilder(inputShape: [1, 4])
        branch.node("Relu", ["x"], ["a"], name: "r")
        branch.node("Sigmoid", ["a"], ["b"], name: "s")
        branch.node("Tanh", ["a"], ["y"], name: "t")
        XCTAssertEqual(assertThrows(ONNXError.self, []) { try branch.chain() }?.problem, .notAChain([
            "node 't' (Tanh) reads 'a', an earlier value than the latest 'b'",
            "value 'a' feeds 2 nodes ('s' (Sigmoid), 't' (Tanh))",
        ]))

        var early = ONNXBuilder(inputShape: [1, 4])
        early.node("Relu", ["x"], ["y"], name: "r")
        early.node("Sigmoid", ["y"], ["z"], name: "s")
        XCTAssertEqual(assertThrows(ONNXError.self, []) { try early.chain() }?.problem, .notAChain([
            "the graph output 'y' is not the last value computed from the input ('z')",
        ]))

        var mask = ONNXBuilder(inputShape: [1, 4])
        mask.node("Dropout", ["x"], ["a", "m"], name: "d")
        mask.node("Mul", ["a", "m"], ["y"], name: "mul")
        XCTAssertEqual(assertThrows(ONNXError.self, []) { try mask.chain() }?.problem, .notAChain([
            "node 'mul' (Mul) reads 2 values computed from the input ('a', 'm')",
        ]))
    }

    func testUndefinedInputsAndDeclaredOutputShape() throws {
        var undefined = ONNXBuilder(inputShape: [1, 4])
        undefined.node("Add", ["x", "nowhere"], ["y"], name: "a")
        assertThrows(ONNXError.self, ["malformed ONNX model: node 'a' (Add) reads 'nowhere', which no earlier node, initializer or graph input defines"]) { try undefined.chain() }

        var declared = ONNXBuilder(inputShape: [1, 4], outputShape: [nil, 5])
        declared.node("Relu", ["x"], ["y"])
        assertThrows(ONNXError.self, ["shape error: the graph output 'y' is declared [N, 5], the chain computes [batch] + [4]"]) { try declared.chain() }
    }

    /// An attribute a rule does not know is refused: it may change what the operator computes.
    func testUnknownAttributesAreRefused() throws {
        var builder = ONNXBuilder(inputShape: [1, 4])
        builder.node("Relu", ["x"], ["y"], name: "r", ["alpha": Float(0.1)])
        assertThrows(ONNXError.self, ["unsupported ONNX feature: node 'r' (Relu): attribute 'alpha' (the operator takes none)"]) { try builder.chain() }
        var wrongKind = ONNXBuilder(inputShape: [1, 4])
        wrongKind.initializer("B", [4, 1], [1, 1, 1, 1])
        wrongKind.node("Gemm", ["x", "B"], ["y"], name: "g", ["transB": Float(1)])
        assertThrows(ONNXError.self, ["malformed ONNX model: node 'g' (Gemm): attribute 'transB' is FLOAT, expected INT"]) { try wrongKind.chain() }
    }
}
