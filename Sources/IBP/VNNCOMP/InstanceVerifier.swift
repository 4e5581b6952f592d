import Foundation
import IBPFormats

/// Verifies one VNN-COMP instance: a classifier and a VNNLIB property over its inputs and outputs.
///
/// 1. Attack (`PropertyAttack`, the box centre first) inside the property's Float box that lies within the file's
///    box (`VNNLIBProperty.inner`). A candidate counts only when a plain forward pass of it alone satisfies a
///    disjunct both in float32 (`Specification.violated(by:)`) and in Double with the file's strictness
///    (`VNNLIBProperty.isCounterexample`), and it lies in the inner box: then the answer is `sat`. Under a time
///    limit the attack stops at half the time left.
/// 2. Bound methods in order over the file's box rounded outwards (`VNNLIBProperty.lower`, `.upper`), the
///    specification's rows a bounded number per pass (`rowsPerPass`: memory stays within `rowBudgetBytes` however
///    many rows the property multiplies out to); the first that certifies (every disjunct has a row with finite
///    upper bound < 0, every bound finite; a tie is never a proof) gives `unsat`, unless a counterexample was found (then the certificate is a
///    conflict, reported in the note, and the answer stays `sat`: the counterexample is checked, the float bounds
///    are not a proof).
/// 3. Otherwise `unknown`; `timeout` when the time ran out before an answer (an answer found later is not used).
public struct InstanceVerifier {
    /// Tried in order until one certifies.
    public var methods: [BoundMethodName]
    public var attack: PropertyAttack

    public init(methods: [BoundMethodName] = [.ibp], attack: PropertyAttack = PropertyAttack()) {
        self.methods = methods
        self.attack = attack
    }

    /// Why none of `methods` can bound `model` (each method's one line, joined by "; "), or nil when one can.
    /// `verify NET PROP` refuses such a network before any work; in a list each instance is decided alone: the
    /// attack still runs (a counterexample needs no bound), and the note says that no method applied.
    public func unboundable(_ model: any Classifier) -> String? {
        var reasons: [String] = []
        for method in methods {
            do { try method.checkSupports(model.layers); return nil } catch { reasons.append("\(error)") }
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    /// The answer for `model` and `property` (whose counts `VNNLIBProperty.check` has matched to the model), with
    /// at most `timeout` seconds from `started`.
    public func verify(_ model: any Classifier, _ property: VNNLIBProperty, timeout: Double?,
                       started: Date = Date()) -> InstanceOutcome {
        let deadline = timeout.map { started.addingTimeInterval($0) }
        // Ctrl-C (`Interrupt`, when the tool installed it) ends the instance as the time limit does.
        func timedOut() -> Bool { Interrupt.requested || (deadline.map { Date() > $0 } ?? false) }
        let spec = Specification(property: property)
        let rounding = Specification.coefficientRounding(property)
        let shape = [1] + model.inputShape
        var outcome = InstanceOutcome(answer: .unknown)
        var notes: [String] = []
        let unbounded = unboundable(model)
        if let reason = unbounded {
            notes.append("no bound method of --bounds applies to this network (\(reason)), so the answer is sat or unknown")
        }

        // 1. The attack, in the Float box inside the file's box.
        if let inner = property.inner {
            let lower = Tensor(shape: shape, data: inner.lower), upper = Tensor(shape: shape, data: inner.upper)
            var checked: (input: [Float], output: [Float])?
            // The attack gets at most half of the time left, so the bound methods always get their turn (a property
            // of a million rows made the attack's steps slow enough to use the whole limit).
            let attackDeadline = deadline.map { Date(timeIntervalSinceNow: $0.timeIntervalSinceNow / 2) }
            let result = attack.run(model, lower: lower, upper: upper, specification: spec, deadline: attackDeadline) { x in
                guard let c = InstanceVerifier.counterexample(x, model: model, property: property, specification: spec)
                else { return false }
                checked = c
                return true
            }
            // -inf: the time ran out before the attack evaluated one point (no margin to report).
            if result.margin > -.infinity { outcome.attackMargin = result.margin }
            else { notes.append("the attack evaluated no point before the time limit") }
            if result.accepted, let checked {
                outcome.answer = .sat
                outcome.counterexample = checked
            }
        } else {
            notes.append("no float input lies inside the file's box, so no counterexample can be written")
        }
        if outcome.answer != .sat && timedOut() {
            return outcome.finished(.timeout, started: started, notes: notes)
        }

        // 2. The bound methods, over the file's box rounded outwards.
        let box = InputBox(lower: Tensor(shape: shape, data: property.lower), upper: Tensor(shape: shape, data: property.upper))
        let chunk = InstanceVerifier.rowsPerPass(model)
        for method in methods where unbounded == nil {
            if timedOut() { break }
            let upper: Tensor?
            do {
                guard let u = try InstanceVerifier.upperBounds(of: spec, model: model, box: box, method: method,
                                                               rowsPerPass: chunk, timedOut: timedOut,
                                                               rounding: rounding) else { break }
                upper = u
            } catch {
                notes.append(FileText.reason(error))
                continue
            }
            let margin = upper.map { spec.worstDisjunct($0)[0] }
            outcome.boundMargin = outcome.boundMargin.map { a in margin.map { min(a, $0) } ?? a } ?? margin
            guard let upper, spec.holds(upper: upper)[0] else { continue }
            if outcome.answer == .sat {
                notes.append("conflict: \(method.rawValue) certifies the property, the checked counterexample refutes it")
                break
            }
            if timedOut() { break }
            outcome.method = method
            return outcome.finished(.unsat, started: started, notes: notes)
        }
        if outcome.answer == .sat { return outcome.finished(.sat, started: started, notes: notes) }
        return outcome.finished(timedOut() ? .timeout : .unknown, started: started, notes: notes)
    }

    /// Memory the bound methods may use for the specification's rows (bytes): a row costs about four Floats per
    /// neuron of the widest stage (CROWN's A, its positive and negative parts, IBP's folded C W).
    static let rowBudgetBytes = 256 << 20

    /// How many specification rows one bound pass takes on `model`: the budget over 16 bytes per neuron of the
    /// widest stage (the input included), at least 1.
    static func rowsPerPass(_ model: any Classifier) -> Int {
        let widest = ([model.inputShape] + model.layers.map(\.outputShape)).map { $0.reduce(1, *) }.max()!
        return max(1, rowBudgetBytes / (16 * max(widest, 1)))
    }

    /// The upper bounds (1, k) of all k rows of `spec` (one sample) under `method`, computed `rowsPerPass` rows at a
    /// time so that a property multiplied out into a million rows is bounded within `rowBudgetBytes` (each pass
    /// repeats the intermediate bounds: a cost in time, which the time limit bounds, not in memory). nil when the
    /// time ran out (between passes, or inside one: the method stops within a row block); +infinity rows where a stage's bounds were not finite.
    /// With `rounding` (`Specification.coefficientRounding`: rows whose Float coefficients differ from the file's),
    /// those rows' bounds are widened to bound the file's rows: by sum_j |c_ij - Float(c_ij)| max(u_j, -l_j), with
    /// u_j and -l_j the method's upper bounds of the rows y_j and -y_j (appended to the passes), summed in Double and
    /// rounded up. (A coefficient 1.00000005 is 1 as a Float: on outputs of 10^6 the file's row is 0.05 higher than
    /// the Float row, and a property every input violates was answered unsat.)
    /// - Throws: the method's refusal (e.g. CROWN on max pooling).
    static func upperBounds(of spec: Specification, model: any Classifier, box: InputBox, method: BoundMethodName,
                            rowsPerPass: Int, timedOut: @escaping () -> Bool,
                            rounding: [Int: [(output: Int, error: Double)]] = [:]) throws -> Tensor? {
        guard !rounding.isEmpty else {
            return try upperBounds(of: spec, model: model, box: box, method: method, rowsPerPass: rowsPerPass,
                                   timedOut: timedOut)
        }
        // Rows y_j and -y_j for every output whose coefficient was rounded somewhere, after the property's rows.
        let k = spec.rowCount, o = spec.outputs
        let outputs = Array(Set(rounding.values.flatMap { $0.map(\.output) })).sorted()
        var extra = [Float](repeating: 0, count: 2 * outputs.count * o)
        for (i, j) in outputs.enumerated() {
            extra[2 * i * o + j] = 1
            extra[(2 * i + 1) * o + j] = -1
        }
        let widened = Specification(rows: Tensor(shape: [1, k + 2 * outputs.count, o], data: spec.rows.data + extra),
                                    offsets: spec.offsets + [Float](repeating: 0, count: 2 * outputs.count),
                                    disjuncts: spec.disjuncts)
        guard let all = try upperBounds(of: widened, model: model, box: box, method: method, rowsPerPass: rowsPerPass,
                                        timedOut: timedOut) else { return nil }
        var reach = [Int: Double]()
        for (i, j) in outputs.enumerated() {
            reach[j] = max(Double(all.data[k + 2 * i]), Double(all.data[k + 2 * i + 1]))
        }
        var upper = Array(all.data.prefix(k))
        for (row, terms) in rounding {
            // max(u_j, -l_j) >= |y_j| on the box; NaN or infinity leaves the row unbounded.
            let widening = terms.reduce(0.0) { $0 + $1.error * reach[$1.output]! }
            let bound = Double(upper[row]) + widening
            var rounded = Float(bound)
            if Double(rounded) < bound { rounded = rounded.nextUp }
            upper[row] = bound.isFinite ? rounded : .infinity
        }
        return Tensor(shape: [1, k], data: upper)
    }

    static func upperBounds(of spec: Specification, model: any Classifier, box: InputBox, method: BoundMethodName,
                            rowsPerPass: Int, timedOut: @escaping () -> Bool) throws -> Tensor? {
        let k = spec.rowCount, o = spec.outputs
        var upper = [Float]()
        upper.reserveCapacity(k)
        var first = 0
        while first < k {
            if timedOut() { return nil }
            let rows = first..<min(k, first + rowsPerPass)
            let part = Specification(rows: Tensor(shape: [1, rows.count, o],
                                                  data: Array(spec.rows.data[(rows.lowerBound * o)..<(rows.upperBound * o)])),
                                     offsets: Array(spec.offsets[rows]), disjuncts: [[Array(0..<rows.count)]])
            let bounds: ChainBounds
            do {
                bounds = try method.method(stoppingWhen: timedOut).bounds(model.layers, box: box, specification: part)
            } catch BoundMethodError.stopped {
                return nil
            }
            upper += bounds.finite[0] ? bounds.specification!.upper.data
                : [Float](repeating: .infinity, count: rows.count)
            first = rows.upperBound
        }
        return Tensor(shape: [1, k], data: upper)
    }

    /// x with its outputs when a plain forward pass of x alone makes it a counterexample (see the type's step 1).
    public static func counterexample(_ x: Tensor, model: any Classifier, property: VNNLIBProperty,
                                      specification: Specification) -> (input: [Float], output: [Float])? {
        guard let inner = property.inner else { return nil }
        for (i, v) in x.data.enumerated() where !(v >= inner.lower[i] && v <= inner.upper[i]) { return nil }
        let y = model.logits(x).reshaped(sampleShape: [specification.outputs])
        guard y.data.allSatisfy(\.isFinite), specification.violated(by: y)[0],
              property.isCounterexample(output: y.data.map(Double.init)) else { return nil }
        return (x.data, y.data)
    }
}

/// The verdict on one instance and what led to it.
public struct InstanceOutcome {
    public var answer: VerificationAnswer
    /// The method that proved `unsat`.
    public var method: BoundMethodName?
    /// The smallest worst-disjunct upper bound over the methods run (negative: proven); nil when none gave finite
    /// bounds.
    public var boundMargin: Float?
    /// The attack's largest margin (>= 0: a counterexample).
    public var attackMargin: Float?
    /// For `sat`: the input (X_0, X_1, ...) and the outputs (Y_0, ...) of the plain forward pass.
    public var counterexample: (input: [Float], output: [Float])?
    public var seconds: Double = 0
    /// Conflicts, methods that could not run, why no counterexample could be written.
    public var note: String = ""

    public init(answer: VerificationAnswer) { self.answer = answer }

    /// `timeout`: the time limit ran out while the property was read (`VNNLIBLimits.deadline`).
    public static func timedOutReading(_ timeout: VNNLIBTimeout, started: Date) -> InstanceOutcome {
        var o = InstanceOutcome(answer: .timeout)
        o.seconds = Date().timeIntervalSince(started)
        o.note = "the time limit ran out while reading \(timeout.path)"
        return o
    }

    func finished(_ answer: VerificationAnswer, started: Date, notes: [String]) -> InstanceOutcome {
        var o = self
        o.answer = answer
        if answer != .sat { o.counterexample = nil }
        o.seconds = Date().timeIntervalSince(started)
        o.note = notes.joined(separator: "; ")
        return o
    }

    /// The VNN-COMP result file: the answer on the first line; for `sat`, the counterexample as
    /// `((X_0 v)\n (X_1 v)\n ... (Y_0 v)\n ...)`, every value the exact Double of the Float the network read or wrote.
    public var resultText: String {
        guard answer == .sat, let c = counterexample else { return answer.rawValue + "\n" }
        let entries = c.input.enumerated().map { "(X_\($0.offset) \(Double($0.element)))" }
            + c.output.enumerated().map { "(Y_\($0.offset) \(Double($0.element)))" }
        return "sat\n(" + entries.joined(separator: "\n ") + ")\n"
    }
}
