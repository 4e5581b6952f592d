/// What one training batch gave: losses and counts for progress and metrics.
public struct BatchStatistics: Codable, Equatable, Sendable {
    public var loss: Float
    public var nominalLoss: Float
    /// Cross-entropy of the worst-case margins; nil when the interval pass was skipped.
    public var verifiedLoss: Float?
    public var nominalCorrect: Int
    /// Samples whose every worst-case margin is negative; nil when the interval pass was skipped.
    public var verified: Int?
    public var count: Int
    /// L_tightness + L_relu of the warm-up regularisers before their weight (`WarmupRegularizer`); nil when they
    /// did not run (the loss holds weight * this).
    public var regularizer: Float? = nil
}

/// The IBP training objective (Gowal et al. 2019, eq. 12):
/// L = kappa * xent(z(x), y) + (1 - kappa) * xent(m(x, eps), y), with m the elided worst-case margins.
public enum IBPLoss {
    /// Computes the loss on a batch and leaves its gradient in the network's parameters.
    /// With `bounds` false (nominal training, or kappa = 1) only the nominal pass runs. With `regularizer` and a
    /// positive `regularizerWeight` w, and `bounds`, the loss gains w (L_tightness + L_relu) computed on the same
    /// interval pass (Shi et al. 2021, sec. 3.3).
    public static func lossAndGradient(network: Network, x: Tensor, labels: [Int], epsilon: Float, kappa: Float,
                                       bounds: Bool, regularizer: WarmupRegularizer? = nil,
                                       regularizerWeight: Float = 0) -> BatchStatistics {
        // Batch normalisation uses the clean batch's statistics during the step (Shi et al. 2021, sec. 3.4).
        network.withTraining {
            step(network: network, x: x, labels: labels, epsilon: epsilon, kappa: kappa, bounds: bounds,
                 regularizer: regularizer, regularizerWeight: regularizerWeight)
        }
    }

    private static func step(network: Network, x: Tensor, labels: [Int], epsilon: Float, kappa: Float, bounds: Bool,
                             regularizer: WarmupRegularizer?, regularizerWeight: Float) -> BatchStatistics {
        network.zeroGradients()
        let n = x.batch
        let input: Flow
        var inputRadius = 0.0
        if bounds {
            let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
            input = Flow(values: x.stacked(with: box.centre), radius: box.radius)
            inputRadius = box.radius.data.reduce(0.0) { $0 + Double($1) } / Double(max(box.radius.count, 1))
        } else {
            input = Flow(values: x)
        }
        let regularize = bounds && regularizer != nil && regularizerWeight > 0
        let (h, reluInputs) = regularize ? network.forwardBodyRecordingReLUInputs(input, cache: true)
                                         : (network.forwardBody(input, cache: true), [])
        let hidden = bounds ? h.values.rows(0..<n) : h.values
        let logits = network.head.forward(Flow(values: hidden), cache: true).values
        var (nominalLoss, dLogits) = CrossEntropy.lossAndGradient(logits, labels: labels)
        let nominalWeight: Float = bounds ? kappa : 1
        for i in dLogits.data.indices { dLogits.data[i] *= nominalWeight }
        let dHidden = network.head.backward(Flow(values: dLogits), inputGradient: true).values
        let correct = zip(CrossEntropy.predictions(logits), labels).filter { $0 == $1 }.count
        guard bounds, let radius = h.radius else {
            network.backwardBody(Flow(values: dHidden), inputGradient: false)
            return BatchStatistics(loss: nominalLoss, nominalLoss: nominalLoss, verifiedLoss: nil,
                                   nominalCorrect: correct, verified: nil, count: n)
        }
        let centre = h.values.rows(n..<2 * n)
        let margins = ElidedSpecification.margins(head: network.head, centre: centre, radius: radius, labels: labels)
        var (verifiedLoss, dMargins) = CrossEntropy.lossAndGradient(margins, labels: labels)
        for i in dMargins.data.indices { dMargins.data[i] *= 1 - kappa }
        let (dCentre, dRadius) = ElidedSpecification.backward(head: network.head, centre: centre, radius: radius,
                                                              labels: labels, dMargins: dMargins)
        var extra: [Int: Flow] = [:]
        var regularizerLoss: Float?
        if regularize, let regularizer {
            let layers = reluInputs.map { WarmupRegularizer.PreActivation(centre: $0.values.rows(n..<2 * n), radius: $0.radius!) }
            let terms = WarmupRegularizer.terms(layers, inputRadius: inputRadius, tolerance: regularizer.tolerance)
            for (k, index) in network.reluIndices.enumerated() {
                // No gradient for the nominal rows; the centre rows and radii get w * dL/d(c, r).
                var dC = terms.dCentre[k], dR = terms.dRadius[k]
                for j in dC.data.indices { dC.data[j] *= regularizerWeight }
                for j in dR.data.indices { dR.data[j] *= regularizerWeight }
                extra[index] = Flow(values: Tensor(zeros: [n] + dC.sampleShape).stacked(with: dC), radius: dR)
            }
            regularizerLoss = Float(terms.total)
        }
        network.backwardBody(Flow(values: dHidden.stacked(with: dCentre), radius: dRadius), inputGradient: false,
                             adding: extra)
        return BatchStatistics(loss: kappa * nominalLoss + (1 - kappa) * verifiedLoss
                                   + regularizerWeight * (regularizerLoss ?? 0),
                               nominalLoss: nominalLoss,
                               verifiedLoss: verifiedLoss, nominalCorrect: correct,
                               verified: Verification.verifiedCount(margins: margins, labels: labels), count: n,
                               regularizer: regularizerLoss)
    }
}
