/// A variable of a VNNLIB property: input X_i or output Y_j.
struct VNNLIBVariable: Hashable, CustomStringConvertible {
    enum Kind: String { case input = "X", output = "Y" }
    var kind: Kind
    var index: Int

    var description: String { "\(kind.rawValue)_\(index)" }

    /// Parses "X_12" / "Y_3": the letter, an underscore, a decimal index without a sign or leading zeros, at most
    /// `maxIndex`. nil for any other text.
    init?(_ text: String, maxIndex: Int) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes[1] == UInt8(ascii: "_") else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "X"): kind = .input
        case UInt8(ascii: "Y"): kind = .output
        default: return nil
        }
        let digits = bytes[2...]
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              digits.count == 1 || digits.first != UInt8(ascii: "0"), digits.count <= 18,
              let n = Int(String(decoding: digits, as: UTF8.self)), n <= maxIndex else { return nil }
        index = n
    }
}

/// A linear term sum_v c_v v + d over VNNLIB variables, with Double coefficients.
struct VNNLIBLinearTerm: Hashable {
    var coefficients: [VNNLIBVariable: Double] = [:]
    var constant: Double = 0

    var isConstant: Bool { coefficients.values.allSatisfy { $0 == 0 } }

    static func + (a: Self, b: Self) -> Self {
        var r = a
        r.constant += b.constant
        for (v, c) in b.coefficients { r.coefficients[v, default: 0] += c }
        return r
    }

    func scaled(by k: Double) -> Self {
        VNNLIBLinearTerm(coefficients: coefficients.mapValues { $0 * k }, constant: constant * k)
    }
}

/// Numbers as VNNLIB files write them: SMT-LIB numerals and decimals (`3`, `0.5`), and the signed and scientific
/// forms (`-0.5`, `1e-05`, `2.5E+3`) that Python-written files use. Parsed to Double (correctly rounded); only
/// this grammar is accepted (no `inf`, `nan`, hexadecimal or `.5`).
enum VNNLIBNumber {
    /// A numeral of the property: the shared decimal grammar (`DecimalText`), with SMT-LIB's optional '+'.
    static func parse(_ text: String) -> Double? { DecimalText.double(text, allowsPlusSign: true) }
}
