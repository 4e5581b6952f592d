import Foundation
import XCTest
@testable import IBPFormats

/// Our import against independent implementations: `Fixtures/onnxruntime-vnncomp.json` holds, for every VNN-COMP
/// instance, the network's outputs at the box centre from onnxruntime (float32, as exported) and from the ONNX
/// package's reference evaluator in float64 (written by `scripts/check-onnx-reference.py`). The lowered chain,
/// evaluated in Double by `ChainReference` at the same centre, must agree with both. Skipped where ../shared is
/// absent.
final class ONNXRuntimeReferenceTests: XCTestCase {
    struct Fixture: Decodable {
        struct Instance: Decodable {
            let onnx: String
            let vnnlib: String
            let output: [Double]
            let output64: [Double]
        }
        struct Seed: Decodable {
            let file: String
            let output: [Double]
        }
        let instances: [Instance]
        let seeds: [Seed]
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: packageRoot()
            .appendingPathComponent("Tests/IBPFormatsTests/Fixtures/onnxruntime-vnncomp.json")))
    }

    /// The fuzz seeds cover every supported operator (BatchNormalization folded into a conv, Pad, pooling with
    /// padding and count_include_pad, SAME padding, MatMul + Add, constant Reshape, ...): onnxruntime agrees
    /// at x_i = ((37 i) mod 17) / 8 - 1. Needs no ../shared.
    func testEveryOperatorAgreesWithOnnxruntimeOnTheFuzzSeeds() throws {
        let seeds = try Self.fixture().seeds
        XCTAssertEqual(seeds.map(\.file), ["conv.onnx", "mlp.onnx", "pad-opset9.onnx", "reshape.onnx"])
        for seed in seeds {
            let chain = try ONNXChain.read(path: packageRoot().appendingPathComponent("Fuzz/Seeds/onnx/\(seed.file)").path)
            let x = (0..<chain.inputShape.reduce(1, *)).map { Double(Float(Double((37 * $0) % 17) / 8 - 1)) }
            var difference = Difference()
            difference.add(try ChainReference.evaluate(chain, input: x), seed.output, at: seed.file)
            XCTAssertLessThan(difference.relative, 1e-5, seed.file)
            XCTAssertEqual(chain.outputShape.reduce(1, *), seed.output.count, seed.file)
        }
    }

    /// The largest |ours - theirs| / max(1, |theirs|), where, and the largest |ours - theirs|.
    struct Difference {
        var relative = 0.0, absolute = 0.0, at = ""

        mutating func add(_ ours: [Double], _ theirs: [Double], at place: String) {
            for (a, b) in zip(ours, theirs) {
                absolute = max(absolute, abs(a - b))
                let r = abs(a - b) / max(1, abs(b))
                if r > relative { (relative, at) = (r, place) }
            }
        }
    }

    func testChainsAgreeWithOnnxruntimeAndTheFloat64ReferenceAtEveryBoxCentre() throws {
        let dir = try vnncompDirectory()
        let fixture = try Self.fixture()
        XCTAssertEqual(fixture.instances.count, 312)
        var chains: [String: ONNXChain] = [:], properties: [String: VNNLIBProperty] = [:]
        var single = Difference(), double = Difference()
        for instance in fixture.instances {
            if chains[instance.onnx] == nil { chains[instance.onnx] = try ONNXChain.read(path: dir.appendingPathComponent(instance.onnx).path) }
            if properties[instance.vnnlib] == nil { properties[instance.vnnlib] = try VNNLIB.read(path: dir.appendingPathComponent(instance.vnnlib).path) }
            let chain = chains[instance.onnx]!, property = properties[instance.vnnlib]!
            try property.check(inputCount: chain.inputShape.reduce(1, *), outputCount: chain.outputShape.reduce(1, *), path: instance.vnnlib)
            let centre = zip(property.lower, property.upper).map { Double(Float((Double($0) + Double($1)) / 2)) }
            let y = try ChainReference.evaluate(chain, input: centre)
            XCTAssertEqual(y.count, instance.output.count)
            single.add(y, instance.output, at: "\(instance.onnx) at \(instance.vnnlib)")
            double.add(y, instance.output64, at: "\(instance.onnx) at \(instance.vnnlib)")
        }
        print("difference from onnxruntime float32: \(single.relative) relative to max(1, |y|) (\(single.at)), \(single.absolute) absolute")
        print("difference from the float64 reference: \(double.relative) relative to max(1, |y|) (\(double.at)), \(double.absolute) absolute")
        XCTAssertLessThan(single.relative, 1e-5, single.at)
        XCTAssertLessThan(double.relative, 1e-6, double.at)
    }
}
