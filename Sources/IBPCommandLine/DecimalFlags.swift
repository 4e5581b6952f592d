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
