import Foundation
import XCTest

/// Bad values of the epsilon flags: negative, NaN, infinite or over 1. The tools must name the flag in one
/// line (not the usage text) before reading any file.
final class FlagBadInputTests: XCTestCase {
    private var folder: URL!
    private var checkpoint: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
        checkpoint = folder.appendingPathComponent("good.ckpt")
        try Fixtures.writeCheckpoint(to: checkpoint)
    }

    // `=` keeps "-0.5" from being read as a short flag.
    private let badEpsilons = ["=-0.5", "=nan", "=inf", "=1.5"]

    /// What the refusal of `value` says besides the flag: the range for a number outside it, the decimal grammar
    /// for nan and inf, which are not decimal numbers (trust21: `DecimalText`, see DecimalFlagTests).
    private func why(_ value: String) -> String {
        ["=nan", "=inf"].contains(value) ? "takes a decimal number such as 0.1, got '\(value.dropFirst())'" : "[0, 1]"
    }

    func testEvaluateEpsilon() throws {
        for value in badEpsilons {
            try assertRejected(.evaluate, [checkpoint.path, "--epsilon\(value)", "--data", folder.path], in: folder,
                               mentions: ["--epsilon", why(value)])
        }
    }

    func testEvaluateEpsilonAmongGoodOnes() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--epsilon", "0.1", "--epsilon=-0.1", "--data", folder.path],
                           in: folder, mentions: ["--epsilon", "-0.1"])
    }

    func testTrainEpsilonTrain() throws {
        for value in badEpsilons {
            try assertRejected(.train, ["--epsilon-train\(value)", "--out", folder.appendingPathComponent("run").path],
                               in: folder, mentions: ["--epsilon-train", why(value)])
        }
    }

    func testTrainEvaluationEpsilon() throws {
        try assertRejected(.train, ["--epsilon=nan", "--out", folder.appendingPathComponent("run").path],
                           in: folder, mentions: ["--epsilon", "nan"])
    }

    func testEpsilonThatIsNotANumber() throws {
        try assertRejected(.evaluate, [checkpoint.path, "--epsilon", "lots"], in: folder, mentions: ["--epsilon", "lots"])
    }
}
