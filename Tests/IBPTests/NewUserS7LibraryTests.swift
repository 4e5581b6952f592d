import Foundation
import IBPFormats
import IBPRender
import XCTest
@testable import IBP

/// The library side of the new user's findings of session s7: the plain activation form of the architecture JSON
/// (item 8b), the label of `evaluate --plot`'s verified line (item 10) and the model/measure rule of `ibp-bench`
/// (items 3 and 4).
final class NewUserS7LibraryTests: XCTestCase {
    /// `"activation": "relu"` is read and written; the synthesized `{"_0": "relu"}` of earlier files is read, with
    /// exactly that key.
    func testActivationsAreWrittenPlainlyAndReadInBothForms() throws {
        let plain = #"{"inputShape":[1,28,28],"layers":[{"flatten":{}},{"linear":{"units":10}},{"activation":"tanh"}],"name":"p"}"#
        let old = #"{"inputShape":[1,28,28],"layers":[{"flatten":{}},{"linear":{"units":10}},{"activation":{"_0":"tanh"}}],"name":"p"}"#
        let a = try StrictJSON.decode(Architecture.self, from: Data(plain.utf8))
        let b = try StrictJSON.decode(Architecture.self, from: Data(old.utf8))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.layers.last, .activation(.tanh))
        XCTAssertEqual(String(decoding: try JSONEncoder.sorted.encode(b), as: UTF8.self), plain)
        // Every other kind keeps its form (checkpoints' bytes change only in their activations).
        let conv = Architecture(name: "c", layers: [.conv(channels: 2, kernel: 3, stride: 1, same: true), .batchNorm,
                                                    .activation(.relu), .flatten, .linear(units: 10)])
        XCTAssertEqual(String(decoding: try JSONEncoder.sorted.encode(conv), as: UTF8.self),
                       #"{"inputShape":[1,28,28],"layers":[{"conv":{"channels":2,"kernel":3,"same":true,"stride":1}},"#
                       + #"{"batchNorm":{}},{"activation":"relu"},{"flatten":{}},{"linear":{"units":10}}],"name":"c"}"#)
        for (bad, mention) in [(#"{"_0":"relu","x":1}"#, "layers[0].activation.x"), (#"{"_1":"relu"}"#, "layers[0].activation._1"),
                               (#""gelu""#, "unknown activation \"gelu\""), ("3", "expected an activation's name")] {
            let text = #"{"inputShape":[1,28,28],"layers":[{"activation":"# + bad + #"}],"name":"p"}"#
            XCTAssertThrowsError(try StrictJSON.decode(Architecture.self, from: Data(text.utf8)), bad) {
                XCTAssertTrue("\($0)".contains(mention), "\(bad): \($0)")
            }
        }
    }

    /// The verified line of `evaluate --plot` says what it counts: the method, or the `any` column.
    func testEvaluatePlotLabelsItsVerifiedLine() throws {
        func report(_ methods: [BoundMethodName]) -> EvaluationReport {
            var r = EvaluationResult(epsilon: 0.1, count: 10, nominalCorrect: 9, verified: 5, pgdCorrect: 7)
            r.methods = methods
            r.verifiedBy = methods.map { _ in 4 }
            return EvaluationReport(checkpoint: "runs/a.ckpt", model: "small", count: 10, pgdSteps: 20, pgdStepSize: 0.1,
                                    seed: 0, seconds: 1, results: [r])
        }
        let fonts = try Fonts.load()
        XCTAssertTrue(AccuracyPlot.picture([report([.ibp, .crownIBP])], fonts: fonts).texts.map(\.text)
                        .contains("a verified (any of ibp, crown-ibp)"))
        XCTAssertTrue(AccuracyPlot.picture([report([.crown])], fonts: fonts).texts.map(\.text).contains("a verified (crown)"))
    }

    /// A model/measure pair that gives no row, or times another model, is known before any work.
    func testBenchKnowsWhichPairsItMeasures() {
        XCTAssertNil(BenchmarkSuite.notMeasured("crown-verify", model: "small"))
        XCTAssertNotNil(BenchmarkSuite.notMeasured("crown-verify", model: "medium"))
        XCTAssertNotNil(BenchmarkSuite.notMeasured("crown-ibp-train-step", model: "vissmall"))
        XCTAssertNil(BenchmarkSuite.notMeasured("crown-ibp-train-step", model: "medium-bn"))
        XCTAssertNil(BenchmarkSuite.notMeasured("figure", model: "vissmall"))
        XCTAssertNotNil(BenchmarkSuite.notMeasured("figures-100", model: "small"))
        XCTAssertNil(BenchmarkSuite.notMeasured("pgd20", model: "large"))
    }
}
