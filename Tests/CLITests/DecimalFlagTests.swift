import Foundation
import XCTest

/// Every Float and Double flag of every tool, and every list of numbers, reads the decimal grammar only
/// (`DecimalText`): a hexadecimal float (`0x0.1`, which Swift's `Float(String)` reads as 0.0625), `inf`, `nan`, a
/// leading '+' or a leading space is refused in one line naming the flag and the value, exit 64 (new-user trial:
/// `evaluate --epsilon 0x0.1` ran at 0.0625, `verify --timeout 0x10` was 16 s).
final class DecimalFlagTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TempFolder.make(for: self)
    }

    private static let leading: [Tool: [String]] = [
        .evaluate: ["x.ckpt"], .verify: ["n.onnx", "p.vnnlib"], .train: ["--out", "run"],
    ]

    /// Every decimal flag (subcommand first where there is one).
    private static let decimalFlags: [(Tool, [String], String)] = [
        (.evaluate, [], "--epsilon"), (.verify, [], "--timeout"),
        (.train, [], "--beta-start"), (.train, [], "--beta-end"), (.train, [], "--epsilon-train"),
        (.train, [], "--kappa"), (.train, [], "--eval-epsilon"), (.train, [], "--learning-rate"),
        (.train, [], "--decay-factor"), (.train, [], "--epochs"), (.train, [], "--warmup-epochs"),
        (.train, [], "--ramp-epochs"), (.train, [], "--decay-epochs"), (.train, [], "--reg-lambda"),
        (.train, [], "--reg-tolerance"),
        (.visualize, [], "--epsilon"), (.visualize, ["curves"], "--epsilon"), (.visualize, ["methods"], "--epsilon"),
    ]

    func testEveryDecimalFlagRefusesHexadecimalInfinityPlusSignAndSpaces() throws {
        for (tool, subcommand, flag) in Self.decimalFlags {
            for value in ["0x0.1", "0x10", "inf", "nan", "+0.1", " 0.1", "0.1 ", "1e999", ".5"] {
                let arguments = subcommand + (Self.leading[tool] ?? []) + [flag, value]
                try assertRejected(tool, arguments, in: folder,
                                   mentions: ["\(flag) takes ", "a decimal number such as 0.1, got '\(value)'"],
                                   status: 64)
            }
        }
    }

    /// A list item is read by the same grammar: the item is named within the list.
    func testListItemsAreDecimal() throws {
        try assertRejected(.evaluate, ["x.ckpt", "--epsilon", "0.1,0x0.2"], in: folder,
                           mentions: ["--epsilon takes a decimal number such as 0.1, got '0x0.2' in '0.1,0x0.2'"],
                           status: 64)
        try assertRejected(.evaluate, ["x.ckpt", "--epsilon", "0.1, 0.2"], in: folder,
                           mentions: ["got ' 0.2' in '0.1, 0.2'"], status: 64)
        try assertRejected(.train, ["--out", "run", "--decay-epochs", "1,0x2"], in: folder,
                           mentions: ["--decay-epochs takes a decimal number such as 0.1, got '0x2' in '1,0x2'"],
                           status: 64)
    }

    /// `visualize curves --epsilons` and the figure grids: decimal items, and a grid whose step does not land on
    /// its stop is refused (`0:0.1:0.03` used to stop silently at 0.09).
    func testEpsilonGridsAreDecimalAndReachTheirStop() throws {
        try assertRejected(.visualize, ["curves", "--epsilons", "0,0x0.1"], in: folder,
                           mentions: ["--epsilons: '0x0.1' is not a number in [0, 1]"], status: 64)
        try assertRejected(.visualize, ["curves", "--epsilons", "0:0.1:0.03"], in: folder,
                           mentions: ["--epsilons: the grid '0:0.1:0.03' does not reach its stop",
                                      "pass 0.09 then 0.12"], status: 64)
    }
}
