/// The one place every figure gets its bounds from: the stages of one sample under one bound method
/// (`Network.stageBounds(_:epsilon:sample:method:)`) and the worst-case elided margins that decide "verified".
public enum FigureBounds {
    /// Stages (`x`, `l1`, `a1`, ..., `y`) and margins of the single sample `x` (batch 1) with label `label` over the
    /// L-infinity box of radius `epsilon` (clipped to [0, 1]).
    ///
    /// Margins m_j (one per class, the label's entry 0) are the elided specification's worst case
    /// max over the box of z_j - z_y (Gowal et al. 2019, section 3): for IBP exactly what `evaluate` computes
    /// (`Network.logitsAndMargins`), so a figure and the accuracy table agree on every sample; for the other
    /// methods the elided bound over that method's interval of the head's input (the last stage before `y`).
    /// - Throws: the method's error when it is not available.
    public static func compute(network: Network, x: Tensor, label: Int, epsilon: Float,
                               method: BoundMethodName) throws -> (stages: [StageBounds], margins: [Float]) {
        precondition(x.batch == 1, "figure bounds are for one sample")
        let stages = try network.stageBounds(x, epsilon: epsilon, sample: 0, method: method)
        if method == .ibp {
            return (stages, network.logitsAndMargins(x, labels: [label], epsilon: epsilon).margins.data)
        }
        let last = stages[stages.count - 2]
        let centre = zip(last.lower, last.upper).map { ($0 + $1) / 2 }
        let radius = zip(last.lower, last.upper).map { ($1 - $0) / 2 }
        let shape = [1, centre.count]
        let margins = ElidedSpecification.margins(head: network.head, centre: Tensor(shape: shape, data: centre),
                                                  radius: Tensor(shape: shape, data: radius), labels: [label])
        return (stages, margins.data)
    }
}
