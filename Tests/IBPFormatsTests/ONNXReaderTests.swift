import Foundation
import XCTest
@testable import IBPFormats

/// The ONNX reader on good, broken and hostile bytes: every failure is one `ONNXError` line naming the file,
/// never a crash, and no allocation larger than what the file holds.
final class ONNXReaderTests: XCTestCase {
    /// A small valid model: Flatten, Gemm, Relu, Gemm on [N, 1, 2, 2].
    static func smallModel() -> ONNXBuilder {
        var numbers = TestNumbers(seed: 5)
        var builder = ONNXBuilder(inputShape: [nil, 1, 2, 2], outputShape: [nil, 2])
        builder.initializer("W1", [3, 4], numbers.array(12))
        builder.initializer("b1", [3], numbers.array(3), raw: false)
        builder.initializer("W2", [2, 3], numbers.array(6))
        builder.node("Flatten", ["x"], ["f"])
        builder.node("Gemm", ["f", "W1", "b1"], ["h"], ["transB": 1])
        builder.node("Relu", ["h"], ["r"])
        builder.node("Gemm", ["r", "W2"], ["y"], ["transB": 1])
        return builder
    }

    func testReadsAValidModelFromAFile() throws {
        let url = try makeTempDir(self).appendingPathComponent("small.onnx")
        try Self.smallModel().data().write(to: url)
        let graph = try ONNXModel.read(url)
        XCTAssertEqual(graph.input, ONNXValueInfo(name: "x", shape: [.symbolic("N"), .fixed(1), .fixed(2), .fixed(2)]))
        XCTAssertEqual(graph.output.name, "y")
        XCTAssertEqual(graph.nodes.map(\.opType), ["Flatten", "Gemm", "Relu", "Gemm"])
        XCTAssertEqual(graph.nodes[1].attributes["transB"], .int(1))
        XCTAssertEqual(graph.initializers["b1"]?.dims, [3])
        XCTAssertEqual(graph.opsetVersion, 13)
        XCTAssertEqual(graph.producer, "ibpvis-tests")
        let chain = try ONNXChain.read(path: url.path)
        XCTAssertEqual(chain.steps.map(\.op.name), ["reshape", "dense", "relu", "dense"])
    }

    /// Every prefix of a valid model, and the model with each byte inverted, is read without crashing: a clean
    /// model or one `ONNXError` line.
    func testTruncatedAndCorruptBytesNeverCrash() throws {
        let bytes = [UInt8](try Self.smallModel().data())
        var refused = 0
        func attempt(_ data: Data) {
            do {
                _ = try ONNXChain.lower(try ONNXModel.parse(data, path: "cut.onnx"), path: "cut.onnx")
            } catch let e as ONNXError {
                XCTAssertFalse(e.description.contains("\n"))
                XCTAssertTrue(e.description.hasPrefix("cut.onnx: "))
                refused += 1
            } catch {
                XCTFail("unexpected \(type(of: error)): \(error)")
            }
        }
        for n in 0..<bytes.count { attempt(Data(bytes[0..<n])) }
        for i in 0..<bytes.count {
            var flipped = bytes
            flipped[i] ^= 0xff
            attempt(Data(flipped))
        }
        XCTAssertGreaterThan(refused, bytes.count)
        assertThrows(ONNXError.self, ["cut.onnx: not an ONNX model (protobuf decoding failed: "]) {
            try ONNXModel.parse(Data(bytes[0..<(bytes.count - 3)]), path: "cut.onnx")
        }
        // A file of another kind is named by its kind (trust21: a .ckpt renamed .onnx is "a safetensors file").
        assertThrows(ONNXError.self, ["t.onnx: not an ONNX model: it looks like a text file"]) {
            try ONNXModel.parse(Data("(declare-const X_0 Real)".utf8), path: "t.onnx")
        }
    }

    /// Dims that claim more than the data holds, negative or absurd, are refused before anything is allocated.
    func testTensorSizesAreCheckedBeforeAllocating() throws {
        func model(_ tensor: Onnx_TensorProto) -> ONNXBuilder {
            var builder = ONNXBuilder(inputShape: [1, 2])
            builder.model.graph.initializer = [tensor]
            builder.node("Add", ["x", tensor.name], ["y"])
            return builder
        }
        var absurd = ONNXBuilder.floatTensor("w", [], [1])
        absurd.dims = [1 << 40, 1 << 40]
        assertThrows(ONNXError.self, ["t.onnx: malformed ONNX model: initializer 'w' has dims [1099511627776, 1099511627776]"]) {
            try ONNXModel.parse(try model(absurd).data(), path: "t.onnx")
        }
        var overflow = ONNXBuilder.floatTensor("w", [], [1])
        overflow.dims = [1 << 20, 1 << 20, 1 << 20]
        assertThrows(ONNXError.self, ["initializer 'w' of shape [1048576, 1048576, 1048576] has more than 268435456 elements"]) {
            try ONNXModel.parse(try model(overflow).data(), path: "t.onnx")
        }
        var negative = ONNXBuilder.floatTensor("w", [], [1])
        negative.dims = [-1]
        assertThrows(ONNXError.self, ["initializer 'w' has dims [-1]"]) { try ONNXModel.parse(try model(negative).data(), path: "t.onnx") }
        var short = ONNXBuilder.floatTensor("w", [2], [1, 2])
        short.dims = [3]
        assertThrows(ONNXError.self, ["initializer 'w' of shape [3] needs 12 bytes of raw_data, has 8"]) { try ONNXModel.parse(try model(short).data(), path: "t.onnx") }
        var typed = ONNXBuilder.floatTensor("w", [2], [1, 2], raw: false)
        typed.dims = [3]
        assertThrows(ONNXError.self, ["initializer 'w' of shape [3] needs 3 values, float_data has 2"]) { try ONNXModel.parse(try model(typed).data(), path: "t.onnx") }
        var both = ONNXBuilder.floatTensor("w", [2], [1, 2])
        both.floatData = [1, 2]
        assertThrows(ONNXError.self, ["initializer 'w' has both raw_data and float_data"]) { try ONNXModel.parse(try model(both).data(), path: "t.onnx") }
        var ints = ONNXBuilder.int64Tensor("w", [3], [1, 2, 3], raw: true)
        ints.dims = [4]
        assertThrows(ONNXError.self, ["initializer 'w' of shape [4] needs 32 bytes of raw_data, has 24"]) { try ONNXModel.parse(try model(ints).data(), path: "t.onnx") }
        var double = ONNXBuilder.floatTensor("w", [1], [1])
        double.dataType = 11
        assertThrows(ONNXError.self, ["unsupported ONNX feature: initializer 'w' has DOUBLE (11); FLOAT and INT64 tensors are read"]) { try ONNXModel.parse(try model(double).data(), path: "t.onnx") }
        var external = ONNXBuilder.floatTensor("w", [1], [1])
        external.dataLocation = 1
        assertThrows(ONNXError.self, ["initializer 'w' keeps its data in an external file"]) { try ONNXModel.parse(try model(external).data(), path: "t.onnx") }
        let raw = ONNXBuilder.int64Tensor("w", [2], [-5, 1 << 40], raw: true)
        XCTAssertEqual(try ONNXModel.parse(try model(raw).data()).initializers["w"]?.int64s, [-5, 1 << 40])
    }

    /// FLOAT and INT64 tensors are decoded by one rule: the same faults are refused with the same words (the
    /// type's own field named), and raw_data and the typed field give the same values.
    func testFloatAndInt64TensorsAreCheckedAlike() throws {
        func parse(_ tensor: Onnx_TensorProto) throws -> ONNXGraph {
            var builder = ONNXBuilder(inputShape: [1, 2])
            builder.model.graph.initializer = [tensor]
            builder.node("Add", ["x", tensor.name], ["y"])
            return try ONNXModel.parse(try builder.data(), path: "t.onnx")
        }
        let floats: (Bool) -> Onnx_TensorProto = { ONNXBuilder.floatTensor("w", [3], [1.5, -0.0, .leastNonzeroMagnitude], raw: $0) }
        let ints: (Bool) -> Onnx_TensorProto = { ONNXBuilder.int64Tensor("w", [3], [-5, 1 << 40, .min], raw: $0) }
        for (make, type, field) in [(floats, "FLOAT", "float_data"), (ints, "INT64", "int64_data")] {
            var typed = make(false)
            typed.dims = [4]
            assertThrows(ONNXError.self, ["initializer 'w' of shape [4] needs 4 values, \(field) has 3"]) { try parse(typed) }
            var raw = make(true)
            raw.dims = [2]
            let width = type == "FLOAT" ? 4 : 8
            assertThrows(ONNXError.self, ["initializer 'w' of shape [2] needs \(2 * width) bytes of raw_data, has \(3 * width)"]) { try parse(raw) }
            var both = make(true)
            if type == "FLOAT" { both.floatData = [1, 2, 3] } else { both.int64Data = [1, 2, 3] }
            assertThrows(ONNXError.self, ["initializer 'w' has both raw_data and \(field)"]) { try parse(both) }
            for foreign in 0..<3 {
                var other = make(true)
                switch foreign {
                case 0: if type == "FLOAT" { other.int64Data = [1] } else { other.floatData = [1] }
                case 1: other.int32Data = [1]
                default: other.doubleData = [1]
                }
                assertThrows(ONNXError.self, ["initializer 'w' is \(type) but stores values in another type's field"]) { try parse(other) }
            }
        }
        for raw in [true, false] {
            let f = try XCTUnwrap(try parse(floats(raw)).initializers["w"]?.floats)
            XCTAssertEqual(f.map(\.bitPattern), [Float(1.5), -0.0, .leastNonzeroMagnitude].map(\.bitPattern))
            XCTAssertEqual(try parse(ints(raw)).initializers["w"]?.int64s, [-5, 1 << 40, .min])
        }
    }

    func testInputAndGraphStructureChecks() throws {
        func parse(_ edit: (inout ONNXBuilder) -> Void) throws -> ONNXGraph {
            var builder = ONNXBuilder(inputShape: [1, 2])
            builder.node("Relu", ["x"], ["y"])
            edit(&builder)
            return try ONNXModel.parse(try builder.data(), path: "t.onnx")
        }
        assertThrows(ONNXError.self, ["input 'x' has shape [1, N]; only the first (batch) axis may be symbolic"]) {
            try parse { $0.model.graph.input = [ONNXBuilder.valueInfo("x", [1, nil])] }
        }
        assertThrows(ONNXError.self, ["input 'x' has a fixed batch size of 2"]) { try parse { $0.model.graph.input = [ONNXBuilder.valueInfo("x", [2, 3])] } }
        assertThrows(ONNXError.self, ["input 'x' has element type INT64 (7); FLOAT is read"]) {
            try parse { $0.model.graph.input = [ONNXBuilder.valueInfo("x", [1, 2], elemType: 7)] }
        }
        assertThrows(ONNXError.self, ["input 'x' of shape [1, 65536, 65536] has more than 67108864 elements per sample"]) {
            try parse { $0.model.graph.input = [ONNXBuilder.valueInfo("x", [1, 65536, 65536])] }
        }
        assertThrows(ONNXError.self, ["2 graph inputs ('x', 'z'); one is read"]) { try parse { $0.model.graph.input.append(ONNXBuilder.valueInfo("z", [1])) } }
        assertThrows(ONNXError.self, ["malformed ONNX model: the graph has no output"]) { try parse { $0.model.graph.output = [] } }
        assertThrows(ONNXError.self, ["malformed ONNX model: value 'y' is defined twice (again by node 'Relu_1' (Relu))"]) {
            try parse { $0.node("Relu", ["x"], ["y"]) }
        }
        assertThrows(ONNXError.self, ["unsupported ONNX feature: opset version 5 (versions 7 to 25 are read)"]) { try parse { $0.model.opsetImport[0].version = 5 } }
        assertThrows(ONNXError.self, ["malformed ONNX model: no opset_import for the default ONNX domain"]) { try parse { $0.model.opsetImport[0].domain = "com.example" } }
        assertThrows(ONNXError.self, ["malformed ONNX model: the model has no graph"]) { try parse { $0.model.clearGraph() } }
        assertThrows(ONNXError.self, ["malformed ONNX model: attribute 'axis' of node 'Relu_0' (Relu) is given twice"]) {
            try parse { b in
                var a = Onnx_AttributeProto()
                a.name = "axis"
                a.type = 2
                b.model.graph.node[0].attribute = [a, a]
            }
        }
        // Initializers listed among the inputs (IR version 3 style) are not data inputs.
        let graph = try parse { b in
            b.initializer("k", [1], [2])
            b.model.graph.input.append(ONNXBuilder.valueInfo("k", [1]))
        }
        XCTAssertEqual(graph.input.name, "x")
    }

    /// A million nested protobuf groups: the decoder's depth limit stops it (skipping unknown fields recurses).
    func testDeeplyNestedMessagesAreRefused() throws {
        var bytes = [UInt8]()
        for _ in 0..<1_000_000 { bytes += [0xbb, 0x06] }  // start group, field 103
        assertThrows(ONNXError.self, ["deep.onnx: not an ONNX model (protobuf decoding failed: "]) {
            try ONNXModel.parse(Data(bytes), path: "deep.onnx")
        }
        // A graph nested inside attributes of nodes (If/Loop subgraphs) is never decoded.
        var builder = ONNXBuilder(inputShape: [1, 2])
        builder.node("Relu", ["x"], ["y"])
        var model = try builder.data()
        model.append(contentsOf: [0xba, 0x06, 0x00])  // an unknown length-delimited field 103, empty
        XCTAssertNoThrow(try ONNXModel.parse(model))
    }

    func testFileLimitsAndUnreadableFiles() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("m.onnx")
        try Self.smallModel().data().write(to: url)
        let size = try Self.smallModel().data().count
        assertThrows(ONNXError.self, ["m.onnx: the file is \(size) bytes, more than the 100 accepted"]) {
            try ONNXModel.read(url, limits: ONNXLimits(maxFileBytes: 100))
        }
        assertThrows(GzipError.self, ["missing.onnx: cannot read file: no such file"]) { try ONNXModel.read(dir.appendingPathComponent("missing.onnx")) }
        assertThrows(GzipError.self, ["cannot read file: it is a folder"]) { try ONNXModel.read(dir) }
        let empty = dir.appendingPathComponent("empty.onnx")
        try Data().write(to: empty)
        assertThrows(ONNXError.self, ["empty.onnx: malformed ONNX model: the file is empty"]) { try ONNXModel.read(empty) }
    }

    /// Sample shapes that grow past the limit inside the chain are refused at the node that grows them.
    func testActivationLimit() throws {
        var builder = ONNXBuilder(inputShape: [1, 1, 2, 2], opset: 9)
        builder.node("Pad", ["x"], ["y"], name: "p", ["pads": [0, 0, 1 << 20, 1 << 20, 0, 0, 0, 0]])
        assertThrows(ONNXError.self, ["node 'p' (Pad) gives samples of shape [1, 1048578, 1048578], more than 67108864 elements"]) { try builder.chain() }
    }
}

/// Names come from the file: one with a newline, an escape sequence or a megabyte of text must not break or flood
/// the one-line message.
final class ONNXHostileNameTests: XCTestCase {
    func testHostileNamesAreEscapedAndCut() throws {
        var builder = ONNXBuilder(inputShape: [1, 2])
        builder.node("Softmax\n", ["x"], ["a"], name: "evil\nname\u{1b}[31m")
        builder.node("Relu", ["a"], ["y"], name: String(repeating: "n", count: 1_000_000), domain: "bad\r")
        let e = assertThrows(ONNXError.self, ["'evil\\nname\\u{1b}[31m' (Softmax\\n)", "(bad\\r.Relu)", "... (1000000 characters)"]) { try builder.chain() }
        XCTAssertLessThan(e?.description.count ?? .max, 2000)
        assertThrows(NPYError.self, ["dir\\nfile.npy: "]) { try NPY.parse(Data("nonsense".utf8), path: "dir\nfile.npy") }
    }
}
