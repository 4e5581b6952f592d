import Foundation
import XCTest

/// Trust23, item 3: a message about a flag's value echoes the text the user typed, never the number it was read
/// into (`verify --timeout 0` said "got 0.0", `--decay-epochs 1,1` "got 1.0 then 1.0"). Every decimal flag of every
/// tool is run with an out-of-range value spelt `-5.0e0`, whose number prints as `-5.0`; the list of flags is
/// checked against the tools' sources, so a decimal flag added later must join it. Each expected value is the
/// correct one.
final class TypedEchoTests: ToolFolderTestCase {
    /// Each decimal flag (its declaration's variable name) with a command line that reaches its range check.
    private func decimalFlagCases() -> [String: (Tool, [String])] {
        let train = ["--out", path("run"), "--data", data.path]
        let typed = "-5.0e0"
        return [
            "epsilonTrain": (.train, train + ["--epsilon-train", typed]),
            "kappa": (.train, train + ["--kappa", typed]),
            "evalEpsilon": (.train, train + ["--eval-epsilon", typed]),
            "learningRate": (.train, train + ["--learning-rate", typed]),
            "decayFactor": (.train, train + ["--decay-factor", typed]),
            "betaStart": (.train, train + ["--method", "crown-ibp", "--beta-start", typed]),
            "betaEnd": (.train, train + ["--method", "crown-ibp", "--beta-end", typed]),
            "regLambda": (.train, train + ["--reg-lambda", typed]),
            "regTolerance": (.train, train + ["--reg-tolerance", typed]),
            "epochs": (.train, train + ["--epochs", typed]),
            "warmupEpochs": (.train, train + ["--warmup-epochs", typed]),
            "rampEpochs": (.train, train + ["--ramp-epochs", typed]),
            "decayEpochs": (.train, train + ["--decay-epochs", typed]),
            "epsilon": (.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", typed]),
            "timeout": (.verify, [checkpoint.path, path("p.vnnlib"), "--timeout", typed]),
        ]
    }

    func testEveryDecimalFlagEchoesItsValueAsTyped() throws {
        let cases = decimalFlagCases()
        // The decimal flags the sources declare (`OptionDeclaration`), by variable name: each must have a case.
        let declared = Set(try OptionDeclaration.all().filter {
            ["Float", "Float?", "Double", "Double?", "[Float]", "[Double]", "[CommaSeparated<Float>]",
             "[CommaSeparated<Double>]"].contains($0.type)
        }.map { String($0.declaration.dropFirst(4).prefix { $0.isLetter || $0.isNumber }) })
        XCTAssertEqual(declared.subtracting(cases.keys), [], "decimal flags without a case here")
        for (_, (tool, arguments)) in cases.sorted(by: { $0.key < $1.key }) {
            try assertRejected(tool, arguments, in: folder, mentions: ["-5.0e0"], status: 64)
        }
        // visualize's --epsilon is declared in its shared options, named like evaluate's: run it too.
        try assertRejected(.visualize, ["--data", data.path, "--model", checkpoint.path, "--epsilon", "-5.0e0"], in: folder,
                           mentions: ["--epsilon must be a number in [0, 1], got -5.0e0"], status: 64)
    }

    func testRangeMessagesEchoTheTypedText() throws {
        let cases: [(Tool, [String], String)] = [
            (.verify, [checkpoint.path, path("p.vnnlib"), "--timeout", "0"], "--timeout must be a positive number of seconds, got 0"),
            (.verify, [checkpoint.path, path("p.vnnlib"), "--timeout=-0.50"], "--timeout must be a positive number of seconds, got -0.50"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1,1.50"], "--epsilon must be a number in [0, 1], got 1.50"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--limit", "00"], "--limit takes a whole number, 1 or more, got '00'"),
            (.evaluate, [checkpoint.path, "--data", data.path, "--epsilon", "0.1,0.10"], "--epsilon names 0.1 and 0.10, the same value"),
            (.train, ["--out", path("run"), "--data", data.path, "--kappa", "1.50"], "--kappa must be in [0, 1], got 1.50"),
            (.train, ["--out", path("run"), "--data", data.path, "--epochs", "0e0"], "--epochs must be positive, got 0e0"),
            (.train, ["--out", path("run"), "--data", data.path, "--decay-epochs", "1,1.0"], "--decay-epochs must increase, got 1 then 1.0"),
            (.train, ["--out", path("run"), "--data", data.path, "--decay-steps", "20,020"], "--decay-steps must increase, got 20 then 020"),
            (.visualize, ["--data", data.path, "--model", checkpoint.path, "--scale", "0065"], "--scale takes a whole number from 1 to 64, got '0065'"),
            (.ibpBench, ["--repeats", "0000"], "--repeats takes a whole number from 1 to 1000, got '0000'"),
        ]
        for (tool, arguments, mention) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [mention], status: 64)
        }
    }
}
