import Foundation

/// Projected gradient ascent with restarts on a property's margin over a box (Madry et al., ICLR 2018, section 2,
/// with random restarts; Adam-normalised steps as `PGD`): m(x) = max over disjuncts D of min over rows i in D of
/// c_i . f(x) + d_i (`Specification.worstDisjunct`), which is >= 0 exactly where x satisfies some disjunct, i.e. is
/// a counterexample. Restart 0 starts at the box centre and ascends m itself; restart s >= 1 starts uniformly at
/// random and ascends the margin of disjunct (s - 1) mod D alone (a targeted attack: with the max over disjuncts
/// the ascent follows whichever class is closest, and may never leave it); every iterate is judged by m. Each step
/// moves every coordinate by at most `stepSize` times its box width (decaying linearly to a tenth of that), then
/// projects onto the box. The subgradient takes the maximising disjunct's minimising row.
public struct PropertyAttack: Sendable {
    /// Parallel starting points (one batch).
    public var restarts: Int
    /// Ascent steps per restart.
    public var steps: Int
    /// The first step's size as a fraction of each coordinate's box width.
    public var stepSize: Float
    public var seed: UInt64

    public init(restarts: Int = 10, steps: Int = 100, stepSize: Float = 0.25, seed: UInt64 = 0) {
        self.restarts = restarts
        self.steps = steps
        self.stepSize = stepSize
        self.seed = seed
    }

    /// The point with the largest margin found, that margin, and whether `accept` confirmed a point (the first
    /// iterate with margin >= 0 that it accepts ends the search).
    public struct Outcome {
        /// Shape [1] + the model's input shape.
        public var point: Tensor
        public var margin: Float
        public var accepted: Bool
    }

    /// Runs the attack on `model` over the box [lower, upper] (each [1] + input shape) for `specification` (one
    /// sample). `accept(x)` checks a candidate (e.g. with a plain forward pass of x alone); the search stops early at
    /// the first accepted point or at `deadline`.
    public func run(_ model: any Classifier, lower: Tensor, upper: Tensor, specification: Specification,
                    deadline: Date? = nil, accept: (Tensor) -> Bool) -> Outcome {
        precondition(lower.shape == upper.shape && lower.batch == 1 && specification.batch == 1)
        let n = max(1, restarts), size = lower.sampleSize
        // Every restart reads the one sample's rows (`marginAndGradient` shares them): repeating them per restart
        // cost restarts x rows x outputs Floats, 400 MB for a property multiplied out into a million rows.
        let spec = specification
        let disjuncts = specification.disjuncts[0].count
        // Row s's objective: all disjuncts (s = 0), or disjunct (s - 1) mod D.
        let targets: [Int?] = (0..<n).map { s in s == 0 || disjuncts < 2 ? nil : (s - 1) % disjuncts }
        var rng = RandomSource(seed: seed)
        var x = Tensor(zeros: [n] + lower.sampleShape)
        for s in 0..<n {
            for i in 0..<size {
                let l = lower.data[i], u = upper.data[i]
                let t: Float = s == 0 ? 0.5 : rng.uniform()
                x.data[s * size + i] = min(max(l + t * (u - l), l), u)
            }
        }
        var best = Outcome(point: x.rows(0..<1), margin: -.infinity, accepted: false)
        var m = [Float](repeating: 0, count: x.count), v = m
        var grad = [Float](repeating: 0, count: x.count)
        func stopped() -> Bool { Interrupt.requested || (deadline.map { Date() >= $0 } ?? false) }
        for t in 0...max(0, steps) {
            // Restarts go through the network `restartsPerPass` at a time, with the time limit checked between
            // passes: one pass of 1,024 restarts through a large convolutional net took 2.9 s past a 1 s limit.
            for first in stride(from: 0, to: n, by: PropertyAttack.restartsPerPass) {
                if stopped() { return best }
                let rows = first..<min(n, first + PropertyAttack.restartsPerPass)
                let (margins, g) = PropertyAttack.marginAndGradient(model, x: x.rows(rows), specification: spec,
                                                                    targets: Array(targets[rows]))
                grad.replaceSubrange(rows.lowerBound * size..<rows.upperBound * size, with: g.data)
                for (i, s) in rows.enumerated() where margins[i] > best.margin || (margins[i] >= 0 && !best.accepted) {
                    let point = x.rows(s..<(s + 1))
                    if margins[i] > best.margin { best.point = point; best.margin = margins[i] }
                    if margins[i] >= 0 && accept(point) {
                        return Outcome(point: point, margin: margins[i], accepted: true)
                    }
                }
            }
            if t == steps { break }
            let (b1, b2) = (Float(0.9), Float(0.999))
            let c1 = 1 - powf(b1, Float(t + 1)), c2 = 1 - powf(b2, Float(t + 1))
            let rate = stepSize * (1 - 0.9 * Float(t) / Float(max(steps, 1)))
            for s in 0..<n {
                for i in 0..<size {
                    let k = s * size + i, l = lower.data[i], u = upper.data[i]
                    m[k] = b1 * m[k] + (1 - b1) * grad[k]
                    v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k]
                    let step = rate * (u - l) * (m[k] / c1) / ((v[k] / c2).squareRoot() + 1e-12)
                    x.data[k] = min(max(x.data[k] + step, l), u)
                }
            }
        }
        return best
    }

    /// Restarts per forward and backward pass (the time limit is checked between passes).
    static let restartsPerPass = 32

    /// The margin of each row of x (n, input shape) and the gradient dx of the objective: one forward pass with
    /// caches, one backward pass from the row c_i chosen for each sample. The objective of sample s is the margin,
    /// or, when `targets[s]` is set, the margin of that disjunct alone (min over its rows). A specification of one
    /// sample is shared by every row of x.
    public static func marginAndGradient(_ model: any Classifier, x: Tensor, specification given: Specification,
                                         targets: [Int?]? = nil) -> ([Float], Tensor) {
        let layers = model.layers
        var flow = Flow(values: x)
        for layer in layers { flow = layer.forward(flow, cache: true) }
        let outputs = flow.values.reshaped(sampleShape: [given.outputs])
        let n = x.batch, k = given.rowCount, o = given.outputs
        // Shared rows: sample s reads the specification's sample 0 (index `base(s)`).
        let spec = given, shared = given.batch == 1
        func base(_ s: Int) -> Int { shared ? 0 : s }
        let values = spec.values(at: outputs)
        var margins = [Float](repeating: -.infinity, count: n)
        var dOutputs = Tensor(zeros: [n, o])
        for s in 0..<n {
            var chosen = -1
            for (d, conjunction) in spec.disjuncts[base(s)].enumerated() {
                guard let row = conjunction.min(by: { values.data[s * k + $0] < values.data[s * k + $1] }) else { continue }
                let value = values.data[s * k + row]
                if value > margins[s] { margins[s] = value }
                if targets?[s] == d { chosen = row }
                if targets?[s] == nil && value >= margins[s] { chosen = row }
            }
            if chosen >= 0 {
                for j in 0..<o { dOutputs.data[s * o + j] = spec.rows.data[(base(s) * k + chosen) * o + j] }
            }
        }
        var grad = Flow(values: dOutputs.reshaped(sampleShape: flow.values.sampleShape))
        for layer in layers.reversed() { grad = layer.backward(grad, inputGradient: true, parameterGradients: false) }
        return (margins, grad.values)
    }
}
