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

/// A linear term sum_v c_v v + d over VNNLIB variables, with Double coefficients, and for each coefficient and the
/// constant a bound on its distance from the file's exact value (`errors`, `constantError`): a decimal that is no
/// Double, and every sum, product and quotient rounded in Double, add theirs (the exact rounding error of each
/// operation, by error-free transformations, rounded up). A property 0.5 <= (+ 1e30 1 (- 1e30)) sums to 0 in Double
/// with an error of 1, and a proof or counterexample must hold whatever the exact value within it.
struct VNNLIBLinearTerm: Hashable {
    var coefficients: [VNNLIBVariable: Double] = [:]
    var constant: Double = 0
    var errors: [VNNLIBVariable: Double] = [:]
    var constantError: Double = 0

    /// No variable can have a non-zero exact coefficient: every coefficient is 0 and known to be exactly 0 (a
    /// coefficient that sums to 0 in Double only within its error, 10^20 Y - Y - 10^20 Y, still names Y).
    var isConstant: Bool { coefficients.values.allSatisfy { $0 == 0 } && errors.values.allSatisfy { $0 == 0 } }

    /// |a + b - fl(a + b)|, exactly (Knuth's TwoSum), for finite a and b.
    static func sumError(_ a: Double, _ b: Double) -> Double {
        let s = a + b, bb = s - a
        return abs((a - (s - bb)) + (b - bb))
    }

    /// x + y + z rounded up (error bounds add without being rounded down).
    static func up(_ x: Double, _ y: Double, _ z: Double = 0) -> Double {
        let s = x + y + z
        return s == 0 ? 0 : s.nextUp
    }

    static func + (a: Self, b: Self) -> Self {
        var r = a
        r.constant = a.constant + b.constant
        r.constantError = up(a.constantError, b.constantError, sumError(a.constant, b.constant))
        for (v, c) in b.coefficients {
            let old = r.coefficients[v, default: 0]
            r.coefficients[v] = old + c
            r.errors[v] = up(r.errors[v, default: 0], b.errors[v, default: 0], sumError(old, c))
        }
        return r
    }

    /// t k for each coefficient and the constant, k known within `error`: |t k - fl(t k)| exactly (by a fused
    /// multiply-add) plus |k| e_t + |t| e_k + e_t e_k.
    func scaled(by k: Double, error ek: Double = 0) -> Self {
        func product(_ t: Double, _ et: Double) -> (Double, Double) {
            let r = t * k
            let rounding = r.isFinite ? abs((t * k).addingProduct(-t, k) * -1) : .infinity
            let propagated = abs(k) * et + abs(t) * ek + et * ek
            return (r, Self.up(rounding, propagated))
        }
        var out = VNNLIBLinearTerm()
        (out.constant, out.constantError) = product(constant, constantError)
        for (v, c) in coefficients {
            let (value, error) = product(c, errors[v, default: 0])
            out.coefficients[v] = value
            out.errors[v] = error
        }
        return out
    }
}

/// Numbers as VNNLIB files write them: SMT-LIB numerals and decimals (`3`, `0.5`), and the signed and scientific
/// forms (`-0.5`, `1e-05`, `2.5E+3`) that Python-written files use. Parsed to Double (correctly rounded); only
/// this grammar is accepted (no `inf`, `nan`, hexadecimal or `.5`).
enum VNNLIBNumber {
    /// A numeral of the property: the shared decimal grammar (`DecimalText`), with SMT-LIB's optional '+'.
    static func parse(_ text: String) -> Double? { DecimalText.double(text, allowsPlusSign: true) }

    /// A bound on |x - the decimal `text`| for x = parse(text): 0 when the decimal is exactly a Double (a whole
    /// number, or a dyadic fraction such as 0.5 or 2.5E+1: M 10^k with M of at most 19 digits, 5^-k dividing M when
    /// k < 0, and an odd part under 2^53), else half an ulp of x (the parse rounds to nearest).
    static func error(_ text: String, _ x: Double) -> Double {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let parts = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "e" || $0 == "E" })
        let mantissa = parts[0]
        let exponent: Int? = parts.count > 1 ? Int(parts[1]) : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = pieces.count > 1 ? pieces[1] : ""
        let digits = (pieces[0] + fraction).drop { $0 == "0" }
        if digits.isEmpty { return 0 }
        guard let exponent, digits.count <= 19, let m = UInt64(digits) else { return x.ulp / 2 }
        let k = exponent - fraction.count
        var odd: UInt64
        if k >= 0 {
            guard k <= 27 else { return x.ulp / 2 }
            var value = m, overflow = false
            for _ in 0..<k where !overflow { (value, overflow) = value.multipliedReportingOverflow(by: 5) }
            if overflow { return x.ulp / 2 }
            odd = value
        } else {
            guard -k <= 27 else { return x.ulp / 2 }
            var p: UInt64 = 1
            for _ in 0..<(-k) { p *= 5 }
            guard m % p == 0 else { return x.ulp / 2 }
            odd = m / p
        }
        while odd & 1 == 0 { odd >>= 1 }
        return odd < (1 << 53) ? 0 : x.ulp / 2
    }
}
