/// The CROWN-IBP training objective (Zhang et al., ICLR 2020, "Towards stable and efficient training of verifiably
/// robust neural networks", section 4, eq. 10):
/// L = kappa xent(z(x), y) + (1 - kappa) xent(beta m_CROWN-IBP + (1 - beta) m_IBP, y), with m the elided worst-case
/// margins (upper bounds of z_j - z_y over the eps-box; the label's entry 0) of each method.
///
/// Its gradient is exact in every parameter, including through the ReLU relaxations' dependence on the IBP
/// intermediate bounds (`CROWNIBPMargins`), which flows back through the IBP pass. With beta = 0 this is
/// `IBPLoss`, bit for bit (the CROWN-IBP pass is skipped, as the paper does once beta reaches 0).
public enum CROWNIBPLoss {
    /// Computes the loss on a batch and leaves its gradient in the network's parameters.
    /// - Parameters:
    ///   - x: inputs (n, input shape) in [0, 1]; `labels`: n classes.
    ///   - epsilon: the L-infinity radius of the box (clipped to [0, 1]); kappa, beta in [0, 1].
    /// - Precondition: every activation of the network is a ReLU when beta > 0.
    public static func lossAndGradient(network: Network, x: Tensor, labels: [Int], epsilon: Float, kappa: Float,
                                       beta: Float) -> BatchStatistics {
        guard beta > 0 else {
            return IBPLoss.lossAndGradient(network: network, x: x, labels: labels, epsilon: epsilon, kappa: kappa,
                                           bounds: true)
        }
        network.zeroGradients()
        let n = x.batch
        let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
        let (h, preActivation) = forwardBody(network, Flow(values: x.stacked(with: box.centre), radius: box.radius),
                                             intervalsFrom: n)
        let logits = network.head.forward(Flow(values: h.values.rows(0..<n)), cache: true).values
        var (nominalLoss, dLogits) = CrossEntropy.lossAndGradient(logits, labels: labels)
        for i in dLogits.data.indices { dLogits.data[i] *= kappa }
        let dHidden = network.head.backward(Flow(values: dLogits), inputGradient: true).values
        let correct = zip(CrossEntropy.predictions(logits), labels).filter { $0 == $1 }.count

        let centre = h.values.rows(n..<2 * n), radius = h.radius!
        let ibpMargins = ElidedSpecification.margins(head: network.head, centre: centre, radius: radius, labels: labels)
        let crown = CROWNIBPMargins(network: network, box: box, preActivation: preActivation, labels: labels)
        let crownMargins = crown.margins()
        var margins = ibpMargins
        for i in margins.data.indices { margins.data[i] = beta * crownMargins.data[i] + (1 - beta) * ibpMargins.data[i] }
        let (verifiedLoss, dMargins) = CrossEntropy.lossAndGradient(margins, labels: labels)
        var dIBP = dMargins, dCROWN = dMargins
        for i in dMargins.data.indices {
            dIBP.data[i] = dMargins.data[i] * (1 - kappa) * (1 - beta)
            dCROWN.data[i] = dMargins.data[i] * (1 - kappa) * beta
        }
        let (dCentre, dRadius) = ElidedSpecification.backward(head: network.head, centre: centre, radius: radius,
                                                              labels: labels, dMargins: dIBP)
        let injected = crown.backward(dCROWN)
        // The IBP pass backward, adding at each ReLU's input the gradient its relaxation lines gave the interval.
        var g = Flow(values: dHidden.stacked(with: dCentre), radius: dRadius)
        for (index, layer) in network.body.enumerated().reversed() {
            g = layer.backward(g, inputGradient: index > 0, parameterGradients: true)
            if index > 0, let extra = injected[index] {
                add(extra.centre, toRows: n..<2 * n, of: &g.values)
                add(extra.radius, toRows: 0..<n, of: &g.radius!)
            }
        }
        return BatchStatistics(loss: kappa * nominalLoss + (1 - kappa) * verifiedLoss, nominalLoss: nominalLoss,
                               verifiedLoss: verifiedLoss, nominalCorrect: correct,
                               verified: Verification.verifiedCount(margins: margins, labels: labels), count: n)
    }

    /// The CROWN-IBP elided margins (n, classes) of `x`'s eps-boxes as the training path computes them (the fused
    /// IBP pass for the intermediate bounds, then `CROWNIBPMargins`), without gradients.
    static func margins(network: Network, x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        let box = IntervalBounds.inputBox(around: x, epsilon: epsilon)
        let (_, preActivation) = forwardBody(network, Flow(values: box.centre, radius: box.radius), intervalsFrom: 0,
                                             cache: false)
        return CROWNIBPMargins(network: network, box: box, preActivation: preActivation, labels: labels).margins()
    }

    /// The body's forward pass, keeping every activation's input interval: centre rows `first...` and the radius.
    private static func forwardBody(_ network: Network, _ input: Flow, intervalsFrom first: Int, cache: Bool = true)
        -> (Flow, [Int: IntervalBounds]) {
        var flow = input
        var intervals = [Int: IntervalBounds]()
        for (index, layer) in network.body.enumerated() {
            if layer is Activation, let radius = flow.radius {
                intervals[index] = IntervalBounds(centre: flow.values.rows(first..<flow.values.batch), radius: radius)
            }
            flow = layer.forward(flow, cache: cache)
        }
        return (flow, intervals)
    }

    /// t[rows] += extra, element by element (extra holds rows.count rows of t's sample shape).
    private static func add(_ extra: Tensor, toRows rows: Range<Int>, of t: inout Tensor) {
        let size = t.sampleSize
        precondition(extra.count == rows.count * size, "\(extra.count) values for \(rows.count) rows of \(size)")
        t.data.withUnsafeMutableBufferPointer { p in
            extra.data.withUnsafeBufferPointer { e in
                let base = rows.lowerBound * size
                for i in 0..<e.count { p[base + i] += e[i] }
            }
        }
    }
}
