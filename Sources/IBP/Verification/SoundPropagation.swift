/// Sound mode: IBP whose float intervals provably contain the intervals of exact real arithmetic with the same
/// float weights, so a sample it verifies is robust for the real-arithmetic network (rounding cannot fake a proof).
/// Each stage is a centre/radius box [mu - r, mu + r] (read in reals) widened by a rigorous rounding-error bound.
extension Network {
    /// Rigorous upper bounds of the elided margins (batch, classes) over each sample's eps-box; verified when all
    /// entries j != y are negative (`Verification.verified`). The true class's entry is 0.
    public func soundMargins(x: Tensor, labels: [Int], epsilon: Float) -> Tensor {
        let box = body.reduce(IntervalBounds.soundInputBox(around: x, epsilon: epsilon)) { soundForward($1, $0) }
        return SoundSpecification.margins(head: head, box: box, labels: labels)
    }

    /// The sound interval of every stage of `stages` (the same names, `x` to the logits `y`) for a batch.
    public func soundStages(_ x: Tensor, epsilon: Float) -> [(name: String, bounds: SoundInterval)] {
        var box = IntervalBounds.soundInputBox(around: x, epsilon: epsilon)
        var out = [(name: "x", bounds: box.soundInterval)]
        for (layer, name) in zip(body + [head as Layer], stageNames + ["y"]) {
            box = soundForward(layer, box)
            if let name { out.append((name, box.soundInterval)) }
        }
        return out
    }

    private func soundForward(_ layer: Layer, _ box: IntervalBounds) -> IntervalBounds {
        switch layer {
        case let activation as Activation:
            return SoundActivation.forward(activation.kind, box)
        case is Flatten:
            // A reshape: exact.
            let flow = layer.forward(Flow(values: box.centre, radius: box.radius), cache: false)
            return IntervalBounds(centre: flow.values, radius: flow.radius!)
        default:
            return SoundAffine.forward(layer, box)
        }
    }
}
