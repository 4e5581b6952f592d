import Foundation
import XCTest

/// A value that a flag's type cannot hold (`--seed -1` into an unsigned seed, `--steps 1e3`, twenty digits) and a
/// list with an empty item (`--bounds ibp,,crown`, `ibp,`, `,0.1`): one line naming the flag, what it takes and
/// what was given, exit 64, for every integer and list flag of every tool (the rules are written once, in
/// IBPCommandLine's `FlagValueRule` and `CommaSeparated`). Each expected value is the correct behaviour.
final class FlagValueTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
    }

    /// The arguments before a flag that make the command line otherwise complete enough to reach the flag.
    private static let leading: [Tool: [String]] = [
        .evaluate: ["x.ckpt"], .verify: ["n.onnx", "p.vnnlib"], .train: ["--out", "run"],
    ]

    private static let unsigned = "a whole number from 0 to 18446744073709551615"
    private static let maxCount = "a whole number from 1 to 1000000000"

    /// Every integer flag of every tool (subcommand first where there is one) and the values it takes, as its
    /// refusals say them: the flag's own range (new-user findings s7 5: `--pgd-steps 1e3` was told "0 to
    /// 9223372036854775807", then `--pgd-steps 10001` "0...10000"), the type's only for seeds.
    private static let integerFlags: [(Tool, [String], String, String)] = [
        (.train, [], "--steps", maxCount), (.train, [], "--warmup-steps", "a whole number from 0 to 1000000000"),
        (.train, [], "--ramp-steps", "a whole number from 0 to 1000000000"),
        (.train, [], "--batch-size", "a whole number, 1 or more"), (.train, [], "--seed", unsigned),
        (.train, [], "--checkpoint-every", maxCount), (.train, [], "--eval-every", maxCount),
        (.train, [], "--eval-limit", maxCount), (.train, [], "--threads", "a whole number from 1 to 8"),
        (.train, [], "--validation", maxCount),
        (.evaluate, [], "--limit", "a whole number, 1 or more"),
        (.evaluate, [], "--pgd-steps", "a whole number from 0 to 10000"), (.evaluate, [], "--seed", unsigned),
        (.verify, [], "--attack-restarts", "a whole number from 1 to 1024"),
        (.verify, [], "--attack-steps", "a whole number from 0 to 10000"), (.verify, [], "--seed", unsigned),
        (.ibpBench, [], "--repeats", "a whole number from 1 to 1000"),
        (.ibpBench, [], "--threads", "a whole number from 1 to 8"),
        (.visualize, [], "--sample", "a whole number, 0 or more"),
        (.visualize, ["methods"], "--scale", "a whole number from 1 to 64"),
        (.visualize, ["sweep"], "--max-channels", "a whole number from 1 to 256"),
        (.visualize, ["widths"], "--pgd-steps", "a whole number from 0 to 10000"),
        (.visualize, [], "--seed", unsigned), (.visualize, ["curves"], "--seed", unsigned),
        (.visualize, ["curves"], "--limit", "a whole number, 1 or more"),
        (.visualize, ["curves"], "--pgd-every", "a whole number, 0 or more"),
    ]

    func testIntegerFlagsNameTheirRangeForValuesTheirTypeCannotHold() throws {
        for (tool, subcommand, flag, range) in Self.integerFlags {
            // A range without an upper bound of its own calls twenty digits too large for the type.
            let huge = range.hasSuffix("or more") ? "too large for a 64-bit integer" : "out of range"
            var bad: [(String, String)] = [
                ("1e3", "digits only, no exponent or decimal point"), ("2.5", "digits only, no exponent or decimal point"),
                ("99999999999999999999", huge), ("-1", "out of range"), ("0x10", "digits only"), ("nan", "digits only"),
                ("1_000", "digits only"),
            ]
            if range == Self.unsigned { bad.removeAll { ["0x10", "nan", "1_000"].contains($0.0) } }
            for (value, why) in bad {
                let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, value]
                try assertRejected(tool, arguments, in: folder,
                                   mentions: ["\(flag) takes \(range), got '\(value)' (\(why))"], status: 64)
            }
        }
    }

    /// Out of a flag's range, the same line as for text that is not digits: one range, said once.
    func testOutOfRangeValuesGetTheSameLineAsText() throws {
        let cases: [(Tool, [String], String)] = [
            (.evaluate, ["x.ckpt", "--pgd-steps", "10001"], "--pgd-steps takes a whole number from 0 to 10000, got '10001' (out of range)"),
            (.visualize, ["--scale", "65"], "--scale takes a whole number from 1 to 64, got '65' (out of range)"),
            (.visualize, ["sweep", "--max-channels", "0"], "--max-channels takes a whole number from 1 to 256, got '0' (out of range)"),
            (.verify, ["n.onnx", "p.vnnlib", "--attack-restarts", "1025"],
             "--attack-restarts takes a whole number from 1 to 1024, got '1025' (out of range)"),
            (.train, ["--out", "run", "--threads", "9"], "--threads takes a whole number from 1 to 8, got '9' (out of range)"),
            (.train, ["--out", "run", "--steps", "1000000001"],
             "--steps takes a whole number from 1 to 1000000000, got '1000000001' (out of range)"),
            (.train, ["--out", "run", "--decay-steps", "100,1000000001"],
             "--decay-steps takes a whole number from 0 to 1000000000, got '1000000001' (out of range) in '100,1000000001'"),
            (.train, ["--out", "run", "--decay-steps", "100,1e3"],
             "--decay-steps takes a whole number from 0 to 1000000000, got '1e3' (digits only, no exponent or decimal point) in '100,1e3'"),
            (.ibpBench, ["--threads", "0"], "--threads takes a whole number from 1 to 8, got '0' (out of range)"),
        ]
        for (tool, arguments, mention) in cases {
            try assertRejected(tool, arguments, in: folder, mentions: [mention], status: 64)
        }
    }

    /// A negative value reaches the flag's own check (or the unsigned rule) in every tool: never argument-parser's
    /// "missing value", which took `-5` for a flag (issue 11's "negative counts are named, not missing").
    func testNegativeValuesOfEveryIntegerFlagAreNamed() throws {
        for (tool, subcommand, flag, _) in Self.integerFlags {
            let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, "-5"]
            // The flag is named; the value is echoed where the check is outside Training/ and Figures/ (their
            // checks name the flag and the range but not the value: TrainingSettings, FigureOptions).
            let outcome = try assertRejected(tool, arguments, in: folder, mentions: [flag], status: 64)
            XCTAssertFalse(outcome.stderr.lowercased().contains("missing value"), outcome.stderr)
        }
    }

    /// A leading '+' is refused by every whole-number flag, list item, range and `--shard` (the one whole-number
    /// grammar, WholeNumberText; the decimal flags refuse `+0.1` alike), and so is a space inside a list of numbers.
    func testWholeNumbersRefuseAPlusSignEverywhere() throws {
        for (tool, subcommand, flag, range) in Self.integerFlags {
            let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, "+5"]
            try assertRejected(tool, arguments, in: folder,
                               mentions: ["\(flag) takes \(range), got '+5' (digits only, no '+' sign)"], status: 64)
        }
        try assertRejected(.train, ["--out", "run", "--decay-steps", "100,+200"], in: folder,
                           mentions: ["--decay-steps takes a whole number from 0 to 1000000000, got '+200'", "in '100,+200'"], status: 64)
        try assertRejected(.train, ["--out", "run", "--decay-steps", "100, 200"], in: folder,
                           mentions: ["--decay-steps takes a whole number from 0 to 1000000000, got ' 200' (digits only, no spaces)"], status: 64)
        try assertRejected(.visualize, ["--samples", "0-+2", "--out-dir", "batch"], in: folder,
                           mentions: ["--samples: '0-+2' is not an index or a range like 0-9"], status: 64)
        try assertRejected(.visualize, ["widths", "--samples", "+3"], in: folder,
                           mentions: ["--samples: '+3' is not an index or a range like 0-9"], status: 64)
        // visualize's number lists keep their items as typed: a space after a comma is refused, as for --epsilon.
        try assertRejected(.visualize, ["widths", "--samples", "0, 2"], in: folder,
                           mentions: ["--samples: ' 2' is not an index or a range like 0-9"], status: 64)
        try assertRejected(.visualize, ["sweep", "--epsilons", "0.1, 0.2"], in: folder,
                           mentions: ["--epsilons: ' 0.2' is not a number in [0, 1]"], status: 64)
        try assertRejected(.verify, ["--instances", "i.csv", "--shard", "+1/2"], in: folder,
                           mentions: ["--shard +1/2: expected K/N"], status: 64)
        try assertRejected(.verify, ["--instances", "i.csv", "--shard", "1/+2"], in: folder,
                           mentions: ["--shard 1/+2: expected K/N"], status: 64)
    }

    /// A value out of an Int flag's range names the range the flag takes, 0 up (`--sample` offered negative values).
    func testIntegerRangeMessageOffersNoNegativeValues() throws {
        try assertRejected(.visualize, ["--sample", "99999999999999999999"], in: folder,
                           mentions: ["--sample takes a whole number, 0 or more, got '99999999999999999999' (too large for a 64-bit integer)"],
                           status: 64)
    }

    /// The `--flag=value` form is read by the same rule.
    func testEqualsFormGetsTheSameLine() throws {
        try assertRejected(.train, ["--out", "run", "--seed=-1"], in: folder,
                           mentions: ["--seed takes \(Self.unsigned), got '-1' (out of range)"], status: 64)
        try assertRejected(.evaluate, ["x.ckpt", "--epsilon=0.1,,0.2"], in: folder,
                           mentions: ["--epsilon '0.1,,0.2' has an empty item between two commas"], status: 64)
    }

    /// Decimal flags name what they take too.
    func testDecimalFlagsSayTheyTakeANumber() throws {
        try assertRejected(.train, ["--out", "run", "--epsilon-train", "x"], in: folder,
                           mentions: ["--epsilon-train takes a decimal number such as 0.1, got 'x'"], status: 64)
        try assertRejected(.verify, ["n.onnx", "p.vnnlib", "--timeout", "5s"], in: folder,
                           mentions: ["--timeout takes a decimal number such as 0.1, got '5s'"], status: 64)
    }

    /// Every list flag of every tool (subcommand first where there is one) and a valid item for it.
    private static let listFlags: [(Tool, [String], String, String)] = [
        (.evaluate, [], "--epsilon", "0.1"), (.evaluate, [], "--bounds", "ibp"), (.verify, [], "--bounds", "crown"),
        (.train, [], "--decay-steps", "100"), (.train, [], "--decay-epochs", "10"),
        (.ibpBench, [], "--models", "small"), (.ibpBench, [], "--measures", "ibp-verify"),
        (.visualize, ["compare"], "--samples", "3"), (.visualize, ["compare"], "--epsilons", "0.1"),
        (.visualize, ["methods"], "--methods", "ibp"), (.visualize, ["sweep"], "--epsilons", "0.1"),
        (.visualize, ["widths"], "--methods", "ibp"), (.visualize, ["widths"], "--samples", "0-9"),
        (.visualize, ["curves"], "--methods", "ibp"), (.visualize, ["curves"], "--epsilons", "0:0.1:0.05"),
    ]

    func testListFlagsRefuseAnEmptyItemInOneLine() throws {
        for (tool, subcommand, flag, item) in Self.listFlags {
            let cases = [("\(item),,\(item)", "between two commas"), ("\(item),", "after the last comma"),
                         (",\(item)", "before the first comma"), (",", "before the first comma"), (" ", "is blank")]
            for (value, place) in cases {
                let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, value]
                let outcome = try assertRejected(tool, arguments, in: folder, mentions: ["\(flag) '\(value)'", place],
                                                 status: 64)
                if place != "is blank" {
                    XCTAssertTrue(outcome.stderr.contains("has an empty item"), outcome.stderr)
                }
            }
        }
    }

    /// A list starting with a minus sign (`--epsilon -0.1`, `--samples -1`) reaches the list's own checks in
    /// every tool, never argument-parser's "missing value".
    func testNegativeListValuesAreNamedNotMissing() throws {
        for (tool, subcommand, flag, _) in Self.listFlags {
            let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, "-1"]
            let outcome = try assertRejected(tool, arguments, in: folder, mentions: [flag], status: 64)
            XCTAssertFalse(outcome.stderr.lowercased().contains("missing value"), outcome.stderr)
        }
    }

    /// An item the element type cannot read is named within its list.
    func testAnUnreadableItemIsNamedInItsList() throws {
        try assertRejected(.train, ["--out", "run", "--decay-steps", "100,1e3"], in: folder,
                           mentions: ["--decay-steps takes a whole number from 0 to 1000000000, got '1e3'", "in '100,1e3'"], status: 64)
        try assertRejected(.evaluate, ["x.ckpt", "--epsilon", "0.1,abc"], in: folder,
                           mentions: ["--epsilon takes a decimal number such as 0.1, got 'abc' in '0.1,abc'"], status: 64)
    }
}
