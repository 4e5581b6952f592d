import Foundation

/// Untargeted PGD as in the paper's evaluation code: a random start in the input box, then `steps` Adam-style
/// ascent steps on the margin max_{j != y} z_j - z_y, each followed by projection onto the box.
public struct PGD: Sendable {
    public var epsilon: Float
    public var steps: Int = 20
    public var stepSize: Float = 0.1

    public init(epsilon: Float, steps: Int = 20, stepSize: Float = 0.1) {
        self.epsilon = epsilon
        self.steps = steps
        self.stepSize = stepSize
    }

    /// The strongest point found per sample (largest margin over all iterates) and that margin;
    /// a positive margin means the attack changed the prediction.
    public func attack(_ network: any Classifier, x: Tensor, labels: [Int], rng: inout RandomSource)
        -> (adversarial: Tensor, margins: [Float]) {
        let (lower, upper) = IntervalBounds.inputLimits(around: x, epsilon: epsilon)
        var adv = x
        for i in adv.data.indices { adv.data[i] = lower.data[i] + rng.uniform() * (upper.data[i] - lower.data[i]) }
        var best = adv
        var bestMargin = [Float](repeating: -.infinity, count: x.batch)
        var m = [Float](repeating: 0, count: x.count), v = m
        let size = x.sampleSize
        for t in 0...steps {
            let (margins, grad) = PGD.marginAndGradient(network, x: adv, labels: labels)
            for s in 0..<x.batch where margins[s] > bestMargin[s] {
                bestMargin[s] = margins[s]
                best.data.replaceSubrange(s * size..<(s + 1) * size, with: adv.data[s * size..<(s + 1) * size])
            }
            if t == steps { break }
            // Adam ascent with bias correction, then projection onto [lower, upper].
            let (b1, b2) = (Float(0.9), Float(0.999))
            let c1 = 1 - powf(b1, Float(t + 1)), c2 = 1 - powf(b2, Float(t + 1))
            for i in adv.data.indices {
                m[i] = b1 * m[i] + (1 - b1) * grad.data[i]
                v[i] = b2 * v[i] + (1 - b2) * grad.data[i] * grad.data[i]
                let step = stepSize * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
                adv.data[i] = min(max(adv.data[i] + step, lower.data[i]), upper.data[i])
            }
        }
        return (best, bestMargin)
    }

    /// `attack`'s verdicts with less work: the same random start (the same draws from `rng`) and Adam steps, but a
    /// sample leaves the batch as soon as an iterate reaches a tie or crosses (margin >= 0): it is broken whatever
    /// later steps do, so only the survivors are stepped on. Returns the best margin per sample (>= 0: broken,
    /// the margin at which it left). The per-sample trajectories are `attack`'s; the batch shrinks, so the GEMMs
    /// round differently from one step on and a margin within rounding of 0 may end on the other side.
    /// Why: on a model PGD breaks, most samples break within a few of the 20 steps (`visualize curves`).
    public func attackUntilBroken(_ network: any Classifier, x: Tensor, labels: [Int], rng: inout RandomSource)
        -> [Float] {
        let (lower, upper) = IntervalBounds.inputLimits(around: x, epsilon: epsilon)
        var adv = x
        for i in adv.data.indices { adv.data[i] = lower.data[i] + rng.uniform() * (upper.data[i] - lower.data[i]) }
        var best = [Float](repeating: -.infinity, count: x.batch)
        // The survivors' rows, compacted: sample `active[i]` is row i of adv, lo, hi, m, v.
        var active = Array(0..<x.batch)
        var lo = lower.data, hi = upper.data, rowLabels = labels
        var m = [Float](repeating: 0, count: x.count), v = m
        let size = x.sampleSize, sampleShape = x.sampleShape
        for t in 0...steps {
            let (margins, grad) = PGD.marginAndGradient(network, x: adv, labels: rowLabels)
            for (i, s) in active.enumerated() where margins[i] > best[s] { best[s] = margins[i] }
            if t == steps { break }
            var g = grad.data
            let keep = active.indices.filter { best[active[$0]] < 0 }
            if keep.isEmpty { break }
            if keep.count < active.count {
                func rows(_ a: [Float]) -> [Float] { keep.flatMap { a[$0 * size..<($0 + 1) * size] } }
                adv = Tensor(shape: [keep.count] + sampleShape, data: rows(adv.data))
                lo = rows(lo); hi = rows(hi); m = rows(m); v = rows(v); g = rows(g)
                rowLabels = keep.map { rowLabels[$0] }
                active = keep.map { active[$0] }
            }
            // Adam ascent with bias correction, then projection onto [lower, upper] (as `attack`).
            let (b1, b2) = (Float(0.9), Float(0.999))
            let c1 = 1 - powf(b1, Float(t + 1)), c2 = 1 - powf(b2, Float(t + 1))
            for i in adv.data.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let step = stepSize * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
                adv.data[i] = min(max(adv.data[i] + step, lo[i]), hi[i])
            }
        }
        return best
    }

    /// Margin max_{j != y} z_j - z_y per sample and its gradient with respect to the input (x has the model's
    /// input shape). For a `Network` these are the calls of `forwardBody`, the head, and `backwardBody`, in order.
    public static func marginAndGradient(_ network: any Classifier, x: Tensor, labels: [Int]) -> ([Float], Tensor) {
        let layers = network.layers
        var flow = Flow(values: x)
        for layer in layers { flow = layer.forward(flow, cache: true) }
        let logits = flow.values
        let k = logits.sampleSize
        var dLogits = Tensor(zeros: logits.shape)
        var margins = [Float](repeating: 0, count: x.batch)
        for s in 0..<x.batch {
            let y = labels[s]
            var top = y == 0 ? 1 : 0
            for j in 0..<k where j != y && logits.data[s * k + j] > logits.data[s * k + top] { top = j }
            margins[s] = logits.data[s * k + top] - logits.data[s * k + y]
            dLogits.data[s * k + top] = 1
            dLogits.data[s * k + y] = -1
        }
        var grad = Flow(values: dLogits)
        for layer in layers.reversed() { grad = layer.backward(grad, inputGradient: true, parameterGradients: false) }
        return (margins, grad.values)
    }
}
