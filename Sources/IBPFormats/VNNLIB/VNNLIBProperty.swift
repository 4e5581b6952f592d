/// A VNN-COMP property: an input box lower <= x <= upper and an output condition "some disjunct holds", where each
/// disjunct is a conjunction of linear inequalities over y = f(x). An x in the box whose y satisfies the output
/// condition is a counterexample (the property is violated, `sat`); none existing means it holds (`unsat`).
/// Source: VNN-COMP rules and the VNNLIB format (vnnlib.org); SMT-LIB 2 syntax.
public struct VNNLIBProperty: Equatable, Sendable {
    public static func == (a: VNNLIBProperty, b: VNNLIBProperty) -> Bool {
        a.lower == b.lower && a.upper == b.upper && a.outputCount == b.outputCount && a.disjuncts == b.disjuncts
            && a.inner?.lower == b.inner?.lower && a.inner?.upper == b.inner?.upper
    }

    /// Lower bounds of X_0, X_1, ...: X_i is element i of the ONNX input in row-major order. Each is the largest
    /// Float at or below the file's number (parsed to Double first), so the Float box contains the real one.
    public var lower: [Float]
    /// Upper bounds of X_i, each the smallest Float at or above the file's number.
    public var upper: [Float]
    /// The Float box inside the file's box, for points that must lie in it (a counterexample): the smallest Float at
    /// or above each lower bound and the largest at or below each upper bound; nil when for some X_i no Float lies
    /// between the file's two numbers (then no Float input is inside the box).
    public var inner: (lower: [Float], upper: [Float])?
    /// The number of outputs Y_0 ... Y_(n-1) the file declares.
    public var outputCount: Int
    /// The output condition in disjunctive normal form: a counterexample satisfies every inequality of at least
    /// one disjunct. The file's `or`/`and` nesting and several output assertions (which are conjoined) are
    /// multiplied out into this form.
    public var disjuncts: [[LinearInequality]]

    /// `inner` defaults to the box itself (bounds that are Floats).
    public init(lower: [Float], upper: [Float], outputCount: Int, disjuncts: [[LinearInequality]],
                inner: (lower: [Float], upper: [Float])? = nil) {
        precondition(lower.count == upper.count, "box of \(lower.count) lower and \(upper.count) upper bounds")
        precondition(inner.map { $0.lower.count == lower.count && $0.upper.count == lower.count } ?? true,
                     "inner box of another size")
        self.lower = lower
        self.upper = upper
        self.inner = inner ?? (lower, upper)
        self.outputCount = outputCount
        self.disjuncts = disjuncts
    }

    /// The number of inputs X_0 ... X_(n-1) the file declares.
    public var inputCount: Int { lower.count }

    /// True when `y` (outputCount values) satisfies some disjunct: with x in the box, x is a counterexample.
    public func isCounterexample(output y: [Double]) -> Bool {
        disjuncts.contains { $0.allSatisfy { $0.isSatisfied(by: y) } }
    }

    /// True when every x_i lies in [lower_i, upper_i].
    public func contains(input x: [Double]) -> Bool {
        x.count == inputCount && x.indices.allSatisfy { Double(lower[$0]) <= x[$0] && x[$0] <= Double(upper[$0]) }
    }

    /// Checks the property against a network with `inputCount` inputs and `outputCount` outputs.
    /// - Throws: `VNNLIBError` naming `path` when the counts differ.
    public func check(inputCount: Int, outputCount: Int, path: String) throws {
        guard self.inputCount == inputCount, self.outputCount == outputCount else {
            throw VNNLIBError(path: path, problem: VNNLIBProblem(
                "declares \(CountText.of(self.inputCount, "input")) X and \(CountText.of(self.outputCount, "output")) Y, the network has "
                    + "\(CountText.of(inputCount, "input")) and \(CountText.of(outputCount, "output"))"))
        }
    }
}

/// One linear inequality over the outputs, sum_j c_j Y_j + d >= 0 (or > 0 when strict), the form every
/// comparison of the file is moved to: (>= a b) and (> a b) become a - b, (<= a b) and (< a b) become b - a.
/// Coefficients and the constant are summed in Double (`exactCoefficients`, `exactConstant`: the file's numbers as
/// the reader parsed them) and rounded to the nearest Float (`coefficients`, `constant`).
public struct LinearInequality: Equatable, Sendable, CustomStringConvertible {
    /// c_j for every output j (zero for outputs the inequality does not mention), rounded to the nearest Float.
    public var coefficients: [Float]
    /// d, rounded to the nearest Float.
    public var constant: Float
    /// True for `>` / `<` (the sum must be positive), false for `>=` / `<=` (non-negative).
    public var isStrict: Bool
    /// c_j and d as Doubles, before rounding to Float: what `value` and a counterexample check use.
    public var exactCoefficients: [Double]
    public var exactConstant: Double
    /// Bounds on |c_j - the file's exact c_j| and |d - the file's exact d|: zero when the file's numbers and the
    /// sums that formed them are exact in Double (every competition property), else what parsing decimals and
    /// rounding sums and products in Double may have moved them by (`VNNLIBLinearTerm`).
    public var coefficientErrors: [Double]
    public var constantError: Double

    /// Coefficients and constant that are Floats (the exact values are the same numbers).
    public init(coefficients: [Float], constant: Float, isStrict: Bool) {
        self.init(exactCoefficients: coefficients.map(Double.init), exactConstant: Double(constant), isStrict: isStrict)
    }

    /// The file's numbers as Doubles; the Float fields are their nearest Floats.
    public init(exactCoefficients: [Double], exactConstant: Double, isStrict: Bool, coefficientErrors: [Double]? = nil,
                constantError: Double = 0) {
        self.coefficients = exactCoefficients.map { Float($0) }
        self.constant = Float(exactConstant)
        self.isStrict = isStrict
        self.exactCoefficients = exactCoefficients
        self.exactConstant = exactConstant
        self.coefficientErrors = coefficientErrors ?? [Double](repeating: 0, count: exactCoefficients.count)
        self.constantError = constantError
    }

    /// sum_j c_j y_j + d in Double, with the file's numbers (`exactCoefficients`, `exactConstant`).
    public func value(_ y: [Double]) -> Double {
        zip(exactCoefficients, y).reduce(exactConstant) { $0 + $1.0 * $1.1 }
    }

    /// True when y certainly satisfies the inequality with the file's exact numbers: the Double sum minus a bound on
    /// its distance from the exact one (each product's and sum's rounding, exactly by error-free transformations, and
    /// the numbers' own errors times |y_j|) is still >= 0 (> 0 when strict). An exact tie stays a tie.
    public func isSatisfied(by y: [Double]) -> Bool {
        var sum = exactConstant, slack = constantError
        for (j, (c, v)) in zip(exactCoefficients, y).enumerated() {
            let p = c * v
            let productError = abs((-p).addingProduct(c, v))
            let next = sum + p, back = next - sum
            let sumError = abs((sum - (next - back)) + (p - back))
            slack = slack + productError + sumError + coefficientErrors[j] * abs(v)
            sum = next
        }
        guard sum.isFinite, slack.isFinite else { return false }
        let low = slack == 0 ? sum : (sum - slack.nextUp).nextDown
        return isStrict ? low > 0 : low >= 0
    }

    public var description: String {
        let terms = coefficients.enumerated().filter { $0.element != 0 }.map { "\($0.element) Y_\($0.offset)" }
        return (terms + (constant != 0 || terms.isEmpty ? ["\(constant)"] : [])).joined(separator: " + ") + (isStrict ? " > 0" : " >= 0")
    }
}
