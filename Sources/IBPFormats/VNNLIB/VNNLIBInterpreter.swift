import Foundation

/// Interprets the top-level commands of a VNNLIB file one by one (see `VNNLIB` for the subset), collecting
/// declarations, the input box and the output condition; `property()` checks completeness and builds the result.
struct VNNLIBInterpreter {
    /// An output inequality before it is made dense: sum c_j Y_j + d >= 0 (> 0 when strict), Double.
    struct Inequality: Hashable {
        var term: VNNLIBLinearTerm
        var strict: Bool
    }

    let path: String
    let limits: VNNLIBLimits
    var declared: [VNNLIBVariable: SourcePosition] = [:]
    var lower: [Int: Double] = [:]
    var upper: [Int: Double] = [:]
    /// The bounds the exact decimals certainly reach (`lower` and `upper` are the ones they certainly stay within:
    /// the same Doubles widened by the literal's error, `VNNLIBNumber.error`).
    var innerLower: [Int: Double] = [:]
    var innerUpper: [Int: Double] = [:]
    /// The output condition so far, in disjunctive normal form; nil until the first output assertion.
    var condition: [[Inequality]]?

    init(path: String, limits: VNNLIBLimits) {
        self.path = path
        self.limits = limits
    }

    func fail(_ message: String, at position: SourcePosition?) -> VNNLIBError {
        VNNLIBError(path: path, problem: VNNLIBProblem(message, at: position))
    }

    mutating func command(_ e: SExpression) throws {
        guard case .list(let items, let p) = e, let head = items.first?.atom else {
            throw fail("expected (declare-const ...) or (assert ...), found \(e.summary)", at: e.position)
        }
        switch head {
        case "declare-const":
            guard items.count == 3, let name = items[1].atom else {
                throw fail("expected (declare-const X_i Real) or (declare-const Y_j Real)", at: p)
            }
            guard let v = VNNLIBVariable(name, maxIndex: limits.maxVariables - 1) else {
                throw fail("expected a variable named X_i or Y_j (index below \(limits.maxVariables), no leading zeros), found \(quoted(name))", at: items[1].position)
            }
            guard items[2].atom == "Real" else { throw fail("expected the sort Real, found \(items[2].summary)", at: items[2].position) }
            if let first = declared[v] { throw fail("\(v) is declared again (first at \(first))", at: p) }
            declared[v] = p
        case "assert":
            guard items.count == 2 else { throw fail("expected (assert TERM) with one term, found \(items.count - 1)", at: p) }
            let (x, y) = try mentions(items[1])
            switch (x, y) {
            case (true, true): throw fail("an assertion mixes inputs X and outputs Y; expected input bounds or an output condition", at: items[1].position)
            case (true, false): try inputBounds(items[1])
            case (false, true): try conjoin(try disjunction(items[1]), at: items[1].position)
            case (false, false): throw fail("an assertion without variables; expected a bound on X_i or a condition on Y", at: items[1].position)
            }
        default:
            throw fail("expected (declare-const ...) or (assert ...), found \(e.summary)", at: p)
        }
    }

    /// Whether `e` mentions inputs and outputs, checking that every variable is declared.
    func mentions(_ e: SExpression) throws -> (Bool, Bool) {
        switch e {
        case let .atom(s, p):
            guard let v = VNNLIBVariable(s, maxIndex: Int.max) else {
                // A number mentions nothing; any other word is a misspelt variable (`X_05`), not "no variables".
                if VNNLIBNumber.parse(s) != nil || DecimalText.rangeFault(s, asFloat: false, allowsPlusSign: true) != nil {
                    return (false, false)
                }
                let named = s.hasPrefix("X_") || s.hasPrefix("Y_")
                throw fail("expected a finite number or a declared X_i / Y_j, found \(quoted(s))"
                           + (named ? " (a variable is X_ or Y_ and its index in digits 0-9, no leading zeros)" : ""), at: p)
            }
            guard declared[v] != nil else { throw fail("\(v) is used before its (declare-const \(v) Real)", at: p) }
            return (v.kind == .input, v.kind == .output)
        case .list(let items, _):
            var x = false, y = false
            for item in items.dropFirst() {
                let (a, b) = try mentions(item)
                x = x || a
                y = y || b
            }
            return (x, y)
        }
    }

    // MARK: - the input box

    mutating func inputBounds(_ e: SExpression) throws {
        guard case .list(let items, let p) = e, let head = items.first?.atom else {
            throw fail("expected (<= X_i c) or (>= X_i c), found \(e.summary)", at: e.position)
        }
        if head == "and" {
            for item in items.dropFirst() { try inputBounds(item) }
            return
        }
        guard head == "<=" || head == ">=" else {
            throw fail("expected an input bound (<= X_i c) or (>= X_i c), found \(e.summary)", at: p)
        }
        guard items.count == 3 else { throw fail("expected two operands of \(head), found \(items.count - 1)", at: p) }
        let variableFirst: Bool
        let v: VNNLIBVariable, bound: SExpression
        if let a = items[1].atom, let x = VNNLIBVariable(a, maxIndex: Int.max) {
            (variableFirst, v, bound) = (true, x, items[2])
        } else if let b = items[2].atom, let x = VNNLIBVariable(b, maxIndex: Int.max) {
            (variableFirst, v, bound) = (false, x, items[1])
        } else {
            throw fail("expected a bound on one input, (\(head) X_i c)", at: p)
        }
        let t = try term(bound)
        guard t.isConstant else { throw fail("expected a number as the bound of \(v)", at: bound.position) }
        // (<= X c) and (>= c X) bound X from above.
        // A single decimal's rounding (half an ulp of the Double) is left to the Float rounding below, as before (a
        // Float strictly past the Double is past the decimal too); an error beyond it (a sum that cancelled) widens.
        let (above, below) = t.constantError <= t.constant.ulp / 2 ? (t.constant, t.constant)
            : ((t.constant + t.constantError).nextUp, (t.constant - t.constantError).nextDown)
        if (head == "<=") == variableFirst {
            upper[v.index] = min(upper[v.index] ?? .infinity, above)
            innerUpper[v.index] = min(innerUpper[v.index] ?? .infinity, below)
        } else {
            lower[v.index] = max(lower[v.index] ?? -.infinity, below)
            innerLower[v.index] = max(innerLower[v.index] ?? -.infinity, above)
        }
        if let l = lower[v.index], let u = upper[v.index], l > u {
            throw fail("\(v) gets lower bound \(l) above its upper bound \(u): the box is empty", at: p)
        }
    }

    // MARK: - the output condition

    /// A condition on Y in disjunctive normal form.
    func disjunction(_ e: SExpression) throws -> [[Inequality]] {
        guard case .list(let items, let p) = e, let head = items.first?.atom else {
            throw fail("expected (or ...), (and ...) or a comparison of outputs, found \(e.summary)", at: e.position)
        }
        switch head {
        case "or":
            guard items.count > 1 else { throw fail("expected at least one operand of or", at: p) }
            var out: [[Inequality]] = []
            for item in items.dropFirst() {
                out += try disjunction(item)
                guard out.count <= limits.maxDisjuncts else { throw fail("more than \(limits.maxDisjuncts) disjuncts", at: p) }
            }
            return out
        case "and":
            guard items.count > 1 else { throw fail("expected at least one operand of and", at: p) }
            var out: [[Inequality]] = [[]]
            for item in items.dropFirst() { try conjoin(&out, try disjunction(item), at: item.position) }
            return out
        case "<=", ">=", "<", ">":
            guard items.count == 3 else { throw fail("expected two operands of \(head), found \(items.count - 1)", at: p) }
            let a = try term(items[1]), b = try term(items[2])
            let difference = head == ">=" || head == ">" ? a + b.scaled(by: -1) : b + a.scaled(by: -1)
            return [[Inequality(term: difference, strict: head == "<" || head == ">")]]
        default:
            throw fail("expected or, and, <=, >=, < or >, found \(e.summary)", at: p)
        }
    }

    /// (A1 or A2 ...) and (B1 or B2 ...) multiplied out: every Ai and Bj.
    func product(_ a: [[Inequality]], _ b: [[Inequality]], at p: SourcePosition) throws -> [[Inequality]] {
        let (n, overflow) = a.count.multipliedReportingOverflow(by: b.count)
        guard !overflow, n <= limits.maxDisjuncts else {
            throw fail("multiplying out the and/or nesting gives more than \(limits.maxDisjuncts) disjuncts", at: p)
        }
        let size = a.reduce(0) { $0 + $1.count } * b.count + b.reduce(0) { $0 + $1.count } * a.count
        guard size <= limits.maxDisjuncts * 16 else {
            throw fail("multiplying out the and/or nesting gives more than \(limits.maxDisjuncts * 16) inequalities", at: p)
        }
        // Simplified as it is multiplied out, so repeated factors do not grow it: an inequality repeated within a
        // conjunction is kept once, and a conjunction with the same inequalities as an earlier one is dropped (an
        // (and ...) of sixteen copies of (or A B) is the three disjuncts A, A and B, B, not 65,536).
        var seen = Set<Set<Inequality>>()
        var out: [[Inequality]] = []
        var made = 0
        for x in a {
            for y in b {
                // The time limit counts this too: a 75 KB property multiplied out for 2 s past a 0.5 s limit.
                made &+= 1
                if made & 1023 == 0 { try checkDeadline() }
                var members = Set<Inequality>()
                let conjunction = (x + y).filter { members.insert($0).inserted }
                if seen.insert(members).inserted { out.append(conjunction) }
            }
        }
        return out
    }

    /// `a and b`, in place: `a`'s conjunctions each extended by `b`'s when `b` is one conjunction (a row of an
    /// (and ...), the common case), else multiplied out by `product`. Why in place: rebuilding the whole
    /// conjunction for every row made an (and ...) of n rows cost O(n^2) (18,000 rows took 10 s); appending costs
    /// O(n) in all. The same limit as `product` holds: at most `maxDisjuncts * 16` inequalities in all.
    func conjoin(_ a: inout [[Inequality]], _ b: [[Inequality]], at p: SourcePosition) throws {
        guard b.count == 1 else {
            a = try product(a, b, at: p)
            return
        }
        // Counting costs O(a.count), no more than the appends below: the whole step stays linear in the output.
        let added = a.count * b[0].count, held = a.reduce(0) { $0 + $1.count }
        guard held + added <= limits.maxDisjuncts * 16 else {
            throw fail("multiplying out the and/or nesting gives more than \(limits.maxDisjuncts * 16) inequalities", at: p)
        }
        for i in a.indices {
            a[i] += b[0]
            if i & 1023 == 1023 { try checkDeadline() }
        }
    }

    /// Throws `VNNLIBTimeout` once `limits.deadline` has passed (checked every 1,024 conjunctions while the output
    /// condition is multiplied out, so the time limit holds inside one large assertion).
    func checkDeadline() throws {
        if let deadline = limits.deadline, Date() > deadline { throw VNNLIBTimeout(path: path) }
    }

    /// Conjoins another output assertion with those before it.
    mutating func conjoin(_ d: [[Inequality]], at p: SourcePosition) throws {
        guard var current = condition else {
            condition = d
            return
        }
        condition = nil  // `current` is then the only reference, so the appends happen in place
        try conjoin(&current, d, at: p)
        condition = current
    }

    /// A linear term over declared variables.
    func term(_ e: SExpression) throws -> VNNLIBLinearTerm {
        switch e {
        case let .atom(s, p):
            if let v = VNNLIBVariable(s, maxIndex: Int.max) {
                guard declared[v] != nil else { throw fail("\(v) is used before its (declare-const \(v) Real)", at: p) }
                return VNNLIBLinearTerm(coefficients: [v: 1])
            }
            guard let x = VNNLIBNumber.parse(s) else {
                // A numeral too large or too small for a Double is out of range, not "not a number".
                if let range = DecimalText.rangeFault(s, asFloat: false, allowsPlusSign: true) {
                    throw fail("the number \(quoted(s)) is out of range \(range)", at: p)
                }
                throw fail("expected a finite number or a declared X_i / Y_j, found \(quoted(s))", at: p)
            }
            return VNNLIBLinearTerm(constant: x, constantError: VNNLIBNumber.error(s, x))
        case let .list(items, p):
            guard let head = items.first?.atom, items.count > 1 else {
                throw fail("expected a linear term (+ ...), (- ...), (* ...) or (/ ...), found \(e.summary)", at: p)
            }
            let operands = try items.dropFirst().map { try term($0) }
            switch head {
            case "+":
                return operands.dropFirst().reduce(operands[0], +)
            case "-":
                if operands.count == 1 { return operands[0].scaled(by: -1) }
                return operands.dropFirst().reduce(operands[0]) { $0 + $1.scaled(by: -1) }
            case "*":
                let variable = operands.filter { !$0.isConstant }
                guard variable.count <= 1 else { throw fail("a product of variables is not linear", at: p) }
                var k = VNNLIBLinearTerm(constant: 1)
                for factor in operands where factor.isConstant { k = k.scaled(by: factor.constant, error: factor.constantError) }
                let result = (variable.first ?? VNNLIBLinearTerm(constant: 1)).scaled(by: k.constant, error: k.constantError)
                guard result.constant.isFinite, result.coefficients.values.allSatisfy(\.isFinite) else {
                    throw fail("the product overflows Double", at: p)
                }
                return result
            case "/":
                guard operands.count == 2, operands[1].isConstant, operands[1].constant != 0 else {
                    throw fail("expected (/ term c) with a non-zero number c", at: p)
                }
                let c = operands[1].constant, ec = operands[1].constantError
                guard abs(c) > ec else { throw fail("expected (/ term c) with c certainly non-zero (it sums to 0 within its rounding)", at: p) }
                // 1/c rounded: its exact error |r c - 1| / |c| (the residual by a fused multiply-add), plus what c's
                // own error moves 1/c by, at most e_c / (|c| (|c| - e_c)).
                let r = 1 / c
                let error = VNNLIBLinearTerm.up(abs((-1.0).addingProduct(r, c)) / abs(c), ec / (abs(c) * (abs(c) - ec)))
                return operands[0].scaled(by: r, error: error)
            default:
                throw fail("expected a linear term (+ ...), (- ...), (* ...) or (/ ...), found \(e.summary)", at: p)
            }
        }
    }

    // MARK: - the result

    func property() throws -> VNNLIBProperty {
        let inputs = try indexRange(.input), outputs = try indexRange(.output)
        guard let condition else { throw fail("no assertion about the outputs Y; expected one, e.g. (assert (or (and (>= Y_1 Y_0)) ...))", at: nil) }
        var lowerBounds: [Float] = [], upperBounds: [Float] = [], innerLower: [Float] = [], innerUpper: [Float] = []
        lowerBounds.reserveCapacity(inputs)
        upperBounds.reserveCapacity(inputs)
        innerLower.reserveCapacity(inputs)
        innerUpper.reserveCapacity(inputs)
        var innerExists = true
        for i in 0..<inputs {
            let v = VNNLIBVariable.init("X_\(i)", maxIndex: Int.max)!
            guard let l = lower[i] else { throw fail("\(v) has no lower bound; expected (assert (>= \(v) c))", at: declared[v]) }
            guard let u = upper[i] else { throw fail("\(v) has no upper bound; expected (assert (<= \(v) c))", at: declared[v]) }
            let (fl, fu) = (Self.floatAtOrBelow(l), Self.floatAtOrAbove(u))
            guard fl.isFinite, fu.isFinite else { throw fail("a bound of \(v) is outside Float's range", at: declared[v]) }
            lowerBounds.append(fl)
            upperBounds.append(fu)
            let (il, iu) = (Self.floatAtOrAbove(self.innerLower[i] ?? l), Self.floatAtOrBelow(self.innerUpper[i] ?? u))
            innerExists = innerExists && il <= iu
            innerLower.append(il)
            innerUpper.append(iu)
        }
        var made = 0
        let disjuncts = try condition.map { conjunction in
            try conjunction.map { q -> LinearInequality in
                made &+= 1
                if made & 1023 == 0 { try checkDeadline() }
                var c = [Double](repeating: 0, count: outputs), e = c
                for (v, k) in q.term.coefficients {
                    c[v.index] += k
                    e[v.index] = q.term.errors[v, default: 0]
                    guard Float(c[v.index]).isFinite, e[v.index].isFinite else { throw fail("a coefficient of \(v) is outside Float's range", at: nil) }
                }
                guard Float(q.term.constant).isFinite, q.term.constantError.isFinite else { throw fail("a constant in the output condition is outside Float's range", at: nil) }
                return LinearInequality(exactCoefficients: c, exactConstant: q.term.constant, isStrict: q.strict,
                                        coefficientErrors: e, constantError: q.term.constantError)
            }
        }
        var property = VNNLIBProperty(lower: lowerBounds, upper: upperBounds, outputCount: outputs, disjuncts: disjuncts)
        property.inner = innerExists ? (innerLower, innerUpper) : nil
        return property
    }

    /// n when exactly X_0 ... X_(n-1) (or Y) are declared, n >= 1.
    func indexRange(_ kind: VNNLIBVariable.Kind) throws -> Int {
        let indices = declared.keys.filter { $0.kind == kind }.map(\.index)
        guard let top = indices.max() else {
            throw fail("no \(kind.rawValue) variable is declared; expected (declare-const \(kind.rawValue)_0 Real) ...", at: nil)
        }
        if indices.count != top + 1 {
            let present = Set(indices)
            let missing = (0...top).first { !present.contains($0) }!
            let last = VNNLIBVariable("\(kind.rawValue)_\(top)", maxIndex: Int.max)!
            throw fail("\(kind.rawValue)_\(missing) is not declared, but \(last) is; expected \(kind.rawValue)_0 ... \(last) all declared", at: declared[last])
        }
        return top + 1
    }

    /// The largest Float <= x (x rounded to the nearest Float, stepped down when that is above x).
    static func floatAtOrBelow(_ x: Double) -> Float {
        let f = Float(x)
        return Double(f) > x ? f.nextDown : f
    }

    /// The smallest Float >= x.
    static func floatAtOrAbove(_ x: Double) -> Float {
        let f = Float(x)
        return Double(f) < x ? f.nextUp : f
    }
}
