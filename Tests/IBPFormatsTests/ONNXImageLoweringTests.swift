import Foundation
import XCTest
@testable import IBPFormats

/// Conv, Pad and the poolings on [batch, C, H, W]: attributes, shapes and values against their ONNX definitions.
final class ONNXImageLoweringTests: XCTestCase {
    /// Rectangular kernel, unequal strides and asymmetric pads, with bias: values and shape as ONNX defines them.
    func testConvWithPadsStridesAndRectangularKernel() throws {
        var numbers = TestNumbers(seed: 4)
        let w = numbers.array(3 * 2 * 3 * 2), b = numbers.array(3)
        var builder = ONNXBuilder(inputShape: [nil, 2, 5, 4])
        builder.initializer("W", [3, 2, 3, 2], w)
        builder.initializer("B", [3], b)
        builder.node("Conv", ["x", "W", "B"], ["y"], ["kernel_shape": [3, 2], "strides": [2, 1], "pads": [1, 0, 2, 1], "dilations": [1, 1], "group": 1])
        let chain = try builder.chain()
        // H: (5 + 1 + 2 - 3) / 2 + 1 = 3; W: (4 + 0 + 1 - 2) / 1 + 1 = 4.
        XCTAssertEqual(chain.steps.map(\.outputShape), [[3, 3, 4]])
        let x = numbers.array(40).map(Double.init)
        let y = try ChainReference.evaluate(chain, input: x)
        let expected = ONNXReferenceMaths.conv(x, shape: (2, 5, 4), weight: w, bias: b, outChannels: 3, kernel: (3, 2),
                                               stride: (2, 1), pads: (1, 0, 2, 1))
        XCTAssertEqual(y.count, expected.count)
        for (a, e) in zip(y, expected) { XCTAssertEqual(a, e, accuracy: 1e-9) }
    }

    /// auto_pad SAME_UPPER / SAME_LOWER / VALID give the padding ONNX specifies.
    func testConvAutoPad() throws {
        // Input 5x5, kernel 3x2, stride 2: ceil(5/2) = 3 outputs; H needs (3-1)*2+3-5 = 2 (1 + 1), W needs 1.
        for (mode, padding) in [("SAME_UPPER", Padding2D(top: 1, left: 0, bottom: 1, right: 1)),
                                ("SAME_LOWER", Padding2D(top: 1, left: 1, bottom: 1, right: 0)),
                                ("VALID", Padding2D.zero)] {
            var builder = ONNXBuilder(inputShape: [1, 1, 5, 5])
            builder.initializer("W", [1, 1, 3, 2], [Float](repeating: 1, count: 6))
            builder.node("Conv", ["x", "W"], ["y"], ["auto_pad": mode, "strides": [2, 2]])
            guard case .conv(let c) = try builder.chain().steps[0].op else { return XCTFail(mode) }
            XCTAssertEqual(c.padding, padding, mode)
        }
    }

    func testConvRefusesGroupsDilationsAndBadKernels() throws {
        func model(_ attributes: [String: Any], weightDims: [Int] = [2, 2, 1, 1]) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 2, 4, 4])
            builder.initializer("W", weightDims, [Float](repeating: 1, count: weightDims.reduce(1, *)))
            builder.node("Conv", ["x", "W"], ["y"], name: "c", attributes)
            return builder
        }
        assertThrows(ONNXError.self, ["node 'c' (Conv): group = 2; only 1 is supported"]) { try model(["group": 2], weightDims: [2, 1, 1, 1]).chain() }
        assertThrows(ONNXError.self, ["node 'c' (Conv): dilations [2, 2]; only 1 is supported"]) { try model(["dilations": [2, 2]]).chain() }
        assertThrows(ONNXError.self, ["kernel_shape [3, 3] differs from W's [1, 1]"]) { try model(["kernel_shape": [3, 3]]).chain() }
        assertThrows(ONNXError.self, ["W 'W' of shape [2, 3, 1, 1] expects 3 input channels, X has 2"]) { try model([:], weightDims: [2, 3, 1, 1]).chain() }
        assertThrows(ONNXError.self, ["node 'c' (Conv): conv kernel 5 is larger than the padded input (4)"]) { try model([:], weightDims: [2, 2, 5, 1]).chain() }
        assertThrows(ONNXError.self, ["auto_pad SAME_UPPER with explicit pads"]) { try model(["auto_pad": "SAME_UPPER", "pads": [0, 0, 0, 0]]).chain() }
    }

    /// Pad in both forms: attributes (opset < 11) and inputs (opset >= 11, with `axes` from 18).
    func testPadAttributeAndInputForms() throws {
        var old = ONNXBuilder(inputShape: [1, 1, 2, 2], opset: 9)
        old.node("Pad", ["x"], ["y"], ["mode": "constant", "pads": [0, 0, 1, 2, 0, 0, 3, 0], "value": Float(0)])
        XCTAssertEqual(try old.chain().steps.map(\.op), [.pad(Padding2D(top: 1, left: 2, bottom: 3, right: 0))])
        XCTAssertEqual(try old.chain().outputShape, [1, 6, 4])

        var new = ONNXBuilder(inputShape: [1, 1, 2, 2], opset: 18)
        new.int64Initializer("pads", [1, 2, 3, 0])
        new.int64Initializer("axes", [2, -1])
        new.initializer("value", [], [0])
        new.node("Pad", ["x", "pads", "value", "axes"], ["y"])
        XCTAssertEqual(try new.chain().steps.map(\.op), [.pad(Padding2D(top: 1, left: 2, bottom: 3, right: 0))])
        let y = try ChainReference.evaluate(try new.chain(), input: [1, 2, 3, 4])
        XCTAssertEqual(y, [0, 0, 0, 0,  0, 0, 1, 2,  0, 0, 3, 4,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0])

        var zero = ONNXBuilder(inputShape: [1, 1, 2, 2], opset: 11)
        zero.int64Initializer("pads", [0, 0, 0, 0, 0, 0, 0, 0])
        zero.node("Pad", ["x", "pads"], ["p"])
        zero.node("Relu", ["p"], ["y"])
        XCTAssertEqual(try zero.chain().steps.map(\.op), [.relu], "zero pads lower to nothing")
    }

    func testPadRefusesOtherModesValuesAndAxes() throws {
        func model(_ pads: [Int], _ attributes: [String: Any] = [:]) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 1, 2, 2], opset: 9)
            builder.node("Pad", ["x"], ["y"], name: "p", attributes.merging(["pads": pads]) { a, _ in a })
            return builder
        }
        assertThrows(ONNXError.self, ["node 'p' (Pad): mode 'reflect'; only constant (zero) padding is supported"]) { try model([0, 0, 1, 1, 0, 0, 1, 1], ["mode": "reflect"]).chain() }
        assertThrows(ONNXError.self, ["node 'p' (Pad): padding value 1.0; only 0 is supported"]) { try model([0, 0, 1, 1, 0, 0, 1, 1], ["value": Float(1)]).chain() }
        assertThrows(ONNXError.self, ["only the H and W axes of [batch, C, H, W] can be padded"]) { try model([0, 1, 0, 0, 0, 0, 0, 0]).chain() }
        assertThrows(ONNXError.self, ["node 'p' (Pad): negative pads"]) { try model([0, 0, -1, 0, 0, 0, 0, 0]).chain() }
        assertThrows(ONNXError.self, ["pads [1, 1] has 2 entries, expected 8 for rank 4"]) { try model([1, 1]).chain() }
    }

    /// AveragePool with padding: count_include_pad 0 divides by the covered inputs, 1 by the window size.
    func testAveragePoolCountIncludePad() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9]  // 3x3
        for include in [0, 1] {
            var builder = ONNXBuilder(inputShape: [1, 1, 3, 3])
            builder.node("AveragePool", ["x"], ["y"], ["kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 0, 0], "count_include_pad": include])
            let chain = try builder.chain()
            XCTAssertEqual(chain.outputShape, [1, 2, 2])  // (3 + 1 - 2) / 2 + 1 = 2
            let y = try ChainReference.evaluate(chain, input: x)
            // Windows: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}.
            let included: [Double] = [0.25, 1.25, 2.75, 7], covered: [Double] = [1, 2.5, 5.5, 7]
            XCTAssertEqual(y, include == 1 ? included : covered)
        }
    }

    /// MaxPool with floor rounding ignores padding and the last partial window.
    func testMaxPoolFloorRoundingAndPadding() throws {
        var builder = ONNXBuilder(inputShape: [1, 1, 3, 3])
        builder.node("MaxPool", ["x"], ["y"], ["kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 0, 1]])
        let chain = try builder.chain()
        XCTAssertEqual(chain.outputShape, [1, 1, 2])  // H: (3 - 2) / 2 + 1 = 1 (floor); W: (3 + 1 - 2) / 2 + 1 = 2
        XCTAssertEqual(try ChainReference.evaluate(chain, input: [-1, -2, -3, -4, -5, -6, -7, -8, -9]), [-1, -3])
    }

    func testPoolingRefusesCeilModeDilationsAndPadsAsLargeAsTheKernel() throws {
        func model(_ op: String, _ attributes: [String: Any]) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 1, 4, 4])
            builder.node(op, ["x"], ["y"], name: "p", attributes.merging(["kernel_shape": [2, 2]]) { a, _ in a })
            return builder
        }
        for op in ["AveragePool", "MaxPool"] {
            assertThrows(ONNXError.self, ["node 'p' (\(op)): ceil_mode = 1; only floor rounding is supported"]) { try model(op, ["ceil_mode": 1]).chain() }
            assertThrows(ONNXError.self, ["node 'p' (\(op)): dilations [1, 2]"]) { try model(op, ["dilations": [1, 2]]).chain() }
            assertThrows(ONNXError.self, ["padding [2, 0, 0, 0] must be smaller than its kernel 2x2"]) { try model(op, ["pads": [2, 0, 0, 0]]).chain() }
            assertThrows(ONNXError.self, ["node 'p' (\(op)): attribute 'kernel_shape' is missing"]) {
                var builder = ONNXBuilder(inputShape: [1, 1, 4, 4])
                builder.node(op, ["x"], ["y"], name: "p")
                return try builder.chain()
            }
        }
    }

    func testGlobalAveragePool() throws {
        var builder = ONNXBuilder(inputShape: [1, 2, 2, 2])
        builder.node("GlobalAveragePool", ["x"], ["y"])
        let chain = try builder.chain()
        XCTAssertEqual(chain.outputShape, [2, 1, 1])
        XCTAssertEqual(try ChainReference.evaluate(chain, input: [1, 2, 3, 4, 5, 6, 7, 9]), [2.5, 6.75])
    }
}
