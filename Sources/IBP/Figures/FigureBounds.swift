/// The one place every figure gets its bounds from: the stages of one sample under one bound method
/// (`Network.stageBounds(_:epsilon:sample:method:)`) and the worst-case elided margins that decide "verified".
public enum FigureBounds {
    /// Stages (`x`, `l1`, `a1`, ..., `y`) and margins of the single sample `x` (batch 1) with label `label` over the
    /// L-infinity box of radius `epsilon` (clipped to [0, 1]).
    ///
    /// Margins m_j (one per class, the label's entry 0) are the method's upper bounds of the elided specification
    /// max over the box of z_j - z_y (Gowal et al. 2019, section 3), the numbers `evaluate` decides on, so a figure
    /// and the accuracy table agree on every sample. When a bound of the sample left the finite floats at any stage
    /// the margins are NaN (no verdict; drawn as non-finite and counted).
    /// - Throws: `BoundMethodError` when the method cannot bound a layer of the network.
    public static func compute(network: Network, x: Tensor, label: Int, epsilon: Float,
                               method: BoundMethodName) throws -> (stages: [StageBounds], margins: [Float]) {
        precondition(x.batch == 1, "figure bounds are for one sample")
        let stages = try network.stageBounds(x, epsilon: epsilon, sample: 0, method: method)
        let bounds = try network.bounds(x, epsilon: epsilon, labels: [label], method: method)
        var margins = bounds.specification!.upper.data
        if !bounds.finite[0] {
            for j in margins.indices where j != label { margins[j] = .nan }
        }
        return (stages, margins)
    }
}
