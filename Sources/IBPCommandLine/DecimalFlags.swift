import ArgumentParser
import IBP
import IBPFormats

/// The transform of every Float and Double flag (`@Option(..., transform: decimalFloat)`): the shared decimal
/// grammar (`DecimalText`), instead of argument-parser's `Float(String)`, which takes hexadecimal floats (`0x0.1`
/// is 0.0625), `inf`, `nan`, a leading '+' and leading spaces.
/// - Throws: `NotADecimalNumber`, which `FlagValueRules.explain` turns into the flag's one line
///   (`--epsilon takes a decimal number such as 0.1, got '0x0.1'`).
public func decimalFloat(_ text: String) throws -> Float {
    guard let v = DecimalText.float(text) else { throw NotADecimalNumber() }
    return v
}

/// `decimalFloat` for Double flags (`--timeout`, the epoch flags).
public func decimalDouble(_ text: String) throws -> Double {
    guard let v = DecimalText.double(text) else { throw NotADecimalNumber() }
    return v
}

/// A flag's value outside the decimal grammar; its message is the flag's rule (see `FlagValueRules`).
public struct NotADecimalNumber: Error, CustomStringConvertible {
    public var description: String { DecimalText.accepted }
}

/// The transform of every whole-number flag (`@Option(..., transform: wholeInt)`; `wholeUInt64` for seeds): the
/// one whole-number grammar (`WholeNumberText`: digits with an optional '-', which reaches the flag's range check),
/// instead of argument-parser's `Int(String)`, which also takes a leading '+' (`--limit +5`).
/// - Throws: `NotAWholeNumber`, which `FlagValueRules.explain` turns into the flag's one line.
public func wholeInt(_ text: String) throws -> Int {
    guard let v = WholeNumberText.integer(text, as: Int.self) else { throw NotAWholeNumber() }
    return v
}

/// `wholeInt` for UInt64 flags (`--seed`): digits only (a '-' is read so that `-1` is named out of range).
public func wholeUInt64(_ text: String) throws -> UInt64 {
    guard let v = WholeNumberText.integer(text, as: UInt64.self) else { throw NotAWholeNumber() }
    return v
}

/// A flag's value outside the whole-number grammar or the type's range; its message is the flag's rule.
public struct NotAWholeNumber: Error, CustomStringConvertible {
    public var description: String { WholeNumberText.accepted }
}
