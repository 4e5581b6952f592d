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
}

/// The IBP training objective (Gowal et al. 2019, eq. 12):
/// L = kappa * xent(z(x), y) + (1 - kappa) * xent(m(x, eps), y), with m the elided worst-case margins.
public enum IBPLoss {
    /// Computes the loss on a batch and leaves its gradient in the network's parameters.
    /// With `bounds` false (nominal training, or kappa = 1) only the nominal pass runs.
    public static func lossAndGradient(network: Network, x: Tensor, labels: [Int], epsilon: Float, kappa: Float,
                                       bounds: Bool) -> BatchStatistics {
        network.zeroGradients()
        let n = x.batch
        let input: Flow
        if bounds {
            let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
            input = Flow(values: x.stacked(with: box.centre), radius: box.radius)
        } else {
            input = Flow(values: x)
        }
        let h = network.forwardBody(input, cache: true)
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
        network.backwardBody(Flow(values: dHidden.stacked(with: dCentre), radius: dRadius), inputGradient: false)
        return BatchStatistics(loss: kappa * nominalLoss + (1 - kappa) * verifiedLoss, nominalLoss: nominalLoss,
                               verifiedLoss: verifiedLoss, nominalCorrect: correct,
                               verified: Verification.verifiedCount(margins: margins, labels: labels), count: n)
    }
}
