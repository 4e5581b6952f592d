import ArgumentParser
import Foundation
import IBPFormats

/// What a flag's value must look like, said once per value type so that every flag of every tool that
/// argument-parser cannot read gets the same one line: the flag, what it accepts and what was given
/// (`--seed takes a whole number from 0 to 18446744073709551615, got '-1'`), instead of argument-parser's
/// `The value '-1' is invalid for '--seed <n>'`, which says neither the range nor the reason.
///
/// A flag's type supplies the rule through the conformances below (integers, floats, optionals, the arrays of
/// repeatable flags and `CommaSeparated` lists); `FlagValueRules.explain(_:)` finds the flag's type from the
/// parse error. A type without a rule keeps argument-parser's message (still one line and exit 64).
public protocol FlagValueRule {
    /// What a value must be, as a noun phrase: "a whole number from 0 to 255".
    static var accepted: String { get }
    /// The one-line refusal of `text` given to `flag`.
    static func refusal(of text: String, flag: String) -> String
}

extension FlagValueRule {
    public static func refusal(of text: String, flag: String) -> String { "\(flag) takes \(accepted), got '\(text)'" }
}

extension FlagValueRule where Self: FixedWidthInteger {
    public static var accepted: String { "a whole number from \(Self.min) to \(Self.max)" }

    /// Says why `text` is not such a number: out of range (`-1` for an unsigned flag, twenty digits), or outside
    /// the whole-number grammar (`WholeNumberText`: `+5`, ` 5`, `1e3`, `2.0`).
    public static func refusal(of text: String, flag: String) -> String {
        let why = WholeNumberText.fault(text) ?? "out of range"
        return "\(flag) takes \(accepted), got '\(text)' (\(why))"
    }
}

/// Every Int flag of the tools is a count, an index or a size (none means anything below 0; a negative value is
/// read so that it reaches the flag's own range check): the rule says 0 to Int.max, not Int.min, which offered
/// negative sample indices.
extension Int: FlagValueRule {
    public static var accepted: String { "a whole number from 0 to \(Int.max)" }
}
extension Int32: FlagValueRule {}
extension Int64: FlagValueRule {}
extension UInt: FlagValueRule {}
extension UInt32: FlagValueRule {}
extension UInt64: FlagValueRule {}

extension Float: FlagValueRule {
    public static var accepted: String { "a decimal number such as 0.1" }

    /// The typed text and, for a decimal that Float cannot hold, why (`got '1e-50' (too small for a 32-bit
    /// float: it rounds to 0)`), never the rounded value.
    public static func refusal(of text: String, flag: String) -> String {
        "\(flag) takes \(accepted), got '\(text)'" + (DecimalText.rangeFault(text, asFloat: true).map { " " + $0 } ?? "")
    }
}

extension Double: FlagValueRule {
    public static var accepted: String { "a decimal number such as 0.1" }

    public static func refusal(of text: String, flag: String) -> String {
        "\(flag) takes \(accepted), got '\(text)'" + (DecimalText.rangeFault(text, asFloat: false).map { " " + $0 } ?? "")
    }
}

/// An optional flag (`var limit: Int?`) and a flag declared as an array so that it can be checked to be given
/// once, or repeated (`[UInt64]`, `[CommaSeparated<Float>]`), take each value by their element's rule.
extension Optional: FlagValueRule where Wrapped: FlagValueRule {
    public static var accepted: String { Wrapped.accepted }
    public static func refusal(of text: String, flag: String) -> String { Wrapped.refusal(of: text, flag: flag) }
}

extension Array: FlagValueRule where Element: FlagValueRule {
    public static var accepted: String { Element.accepted }
    public static func refusal(of text: String, flag: String) -> String { Element.refusal(of: text, flag: flag) }
}

/// The declarations `explain` looks through: an option whose value type has a rule, and an option group.
private protocol RuledOption { var rule: FlagValueRule.Type { get } }
extension Option: RuledOption where Value: FlagValueRule { var rule: FlagValueRule.Type { Value.self } }

private protocol OptionGroupDeclaration { var groupType: ParsableArguments.Type { get } }
extension OptionGroup: OptionGroupDeclaration { var groupType: ParsableArguments.Type { Value.self } }

public enum FlagValueRules {
    /// The one-line refusal for `error`, thrown by `parseAsRoot` when a flag's value cannot be read as the flag's
    /// type, if that type has a `FlagValueRule`; nil for any other error.
    ///
    /// Why reflection: argument-parser's error (`CommandError` holding `ParserError.unableToParseValue(origin,
    /// name, value, forKey:, originalError:)`) is internal, and neither its message nor its help dump says the
    /// flag's type. `Mirror` reads the command stack, the flag's key path and the value from it; the key path
    /// leads, through the command's declarations (what argument-parser itself reflects), to the flag's type.
    /// The package pins argument-parser exactly, and the CLI tests of these messages fail if the layout moves;
    /// anything not found here leaves argument-parser's own one line.
    public static func explain(_ error: Error) -> String? {
        let parts = Mirror(reflecting: error).children
        guard let stack = parts.first(where: { $0.label == "commandStack" })?.value as? [ParsableCommand.Type],
              let command = stack.last,
              let parserError = parts.first(where: { $0.label == "parserError" })?.value,
              let payload = Mirror(reflecting: parserError).children.first,
              payload.label == "unableToParseValue" else { return nil }
        let fields = Array(Mirror(reflecting: payload.value).children)
        // (origin, name, value, forKey, originalError): a transform that threw has its own message, kept, except
        // the decimal and whole-number transforms (`decimalFloat`, `wholeInt`), whose refusal is the flag's rule
        // like any other type's.
        guard fields.count == 5, let text = fields[2].value as? String, let flag = spelling(of: fields[1].value) else {
            return nil
        }
        // A whole-number flag with a range of its own (`wholeInt(1...64)`) says that range, whatever the text.
        if let ranged = wholeRange(fields[4].value) { return ranged.refusal(of: text, flag: flag) }
        guard isNil(fields[4].value) || isNotDecimal(fields[4].value) || isNotWhole(fields[4].value),
              let key = fields.first(where: { $0.label == "forKey" })?.value,
              let name = Mirror(reflecting: key).children.first(where: { $0.label == "name" })?.value as? String,
              let path = Mirror(reflecting: key).children.first(where: { $0.label == "path" })?.value as? [String],
              let rule = rule(of: path + [name], in: command) else { return nil }
        return rule.refusal(of: text, flag: flag)
    }

    /// The rule of the option at `keyPath` (option-group property names, then the option's) of `type`.
    static func rule(of keyPath: [String], in type: ParsableArguments.Type) -> FlagValueRule.Type? {
        guard let first = keyPath.first else { return nil }
        let declared = Mirror(reflecting: type.init()).children
        guard let value = declared.first(where: { $0.label == "_" + first || $0.label == first })?.value else { return nil }
        if keyPath.count == 1 { return (value as? RuledOption)?.rule }
        guard let group = value as? OptionGroupDeclaration else { return nil }
        return rule(of: Array(keyPath.dropFirst()), in: group.groupType)
    }

    /// `--name`, `-n` or `-name` from argument-parser's `Name?` (`.long(String)`, `.short(Character, ...)`,
    /// `.longWithSingleDash(String)`).
    private static func spelling(of name: Any) -> String? {
        let optional = Mirror(reflecting: name)
        guard optional.displayStyle == .optional, let some = optional.children.first?.value,
              let spelt = Mirror(reflecting: some).children.first else { return nil }
        switch spelt.label {
        case "long": return (spelt.value as? String).map { "--" + $0 }
        case "longWithSingleDash": return (spelt.value as? String).map { "-" + $0 }
        case "short": return (Mirror(reflecting: spelt.value).children.first?.value as? Character).map { "-\($0)" }
        default: return nil
        }
    }

    private static func isNotDecimal(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.first?.value is NotADecimalNumber
    }

    private static func isNotWhole(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.first?.value is NotAWholeNumber
    }

    private static func wholeRange(_ value: Any) -> WholeNumberRange? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return nil }
        return (mirror.children.first?.value as? NotAWholeNumberInRange)?.range
    }

    private static func isNil(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }
}
