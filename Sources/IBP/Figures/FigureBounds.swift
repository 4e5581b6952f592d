/// The one place every figure gets its bounds from: the stages of one sample under one bound method and the
/// worst-case margins that decide "verified", from a single call of the method.
public enum FigureBounds {
    /// Stages (`StagePlan`: `x`, `l1`, `a1`, ..., `y`) and margins of the single sample `x` (batch 1, `model`'s input
    /// shape) with label `label` over the L-infinity box of radius `epsilon` (clipped to [0, 1]).
    ///
    /// Margins m_j (one per class, the label's entry 0) are the method's upper bounds of the specification
    /// max over the box of z_j - z_y (Gowal et al. 2019, section 3), the numbers `evaluate` decides on, so a figure
    /// and the accuracy table agree on every sample. The method folds the rows into the last layer when it is affine
    /// (the elided specification) and applies them to the output interval otherwise (a network ending in a ReLU), as
    /// every bound method does. The margins come from the same call `evaluate` makes (upper bounds only, the output
    /// stage not bounded when the rows are folded into it); the drawn stages from a call that bounds every stage.
    /// Why two: a network whose logits overflow can still have finite margins (rows of W that cancel in C W), and a
    /// verdict from the full call would mark them non-finite where `evaluate` reports them. When a bound the verdict
    /// needs left the finite floats the margins are NaN (no verdict; drawn as non-finite and counted).
    /// - Throws: `BoundMethodError` when the method cannot bound a layer of the model.
    public static func compute(model: any Classifier, plan: StagePlan, x: Tensor, label: Int, epsilon: Float,
                               method: BoundMethodName) throws -> (stages: [StageBounds], margins: [Float]) {
        precondition(x.batch == 1, "figure bounds are for one sample")
        let x = model.shapedInput(x)
        let bounds = try method.method.bounds(model.layers, box: InputBox(around: x, epsilon: epsilon),
                                              specification: Specification.elided(labels: [label], classes: model.classes))
        let nominal = model.nominalStageValues(x, plan: plan)
        var stages = [StageBounds(name: "x", kind: .input, shape: plan.input.shape, normal: nominal[0],
                                  lower: bounds.stages[0].lower.data, upper: bounds.stages[0].upper.data)]
        for (i, outline) in plan.layerStages.enumerated() {
            guard let outline else { continue }
            let interval = bounds.stages[i + 1]
            stages.append(StageBounds(name: outline.name, kind: outline.kind, shape: outline.shape,
                                      normal: nominal[stages.count], lower: interval.lower.data, upper: interval.upper.data))
        }
        let verdict = try method.method.bounds(model.layers, box: InputBox(around: x, epsilon: epsilon),
                                               specification: Specification.elided(labels: [label], classes: model.classes),
                                               upperOnly: true)
        var margins = verdict.specification!.upper.data
        if !verdict.finite[0] {
            for j in margins.indices where j != label { margins[j] = .nan }
        }
        return (stages, margins)
    }

    /// `compute` for the project's `Network` (its `StagePlan` names are its `x, l1, a1, ..., y`).
    public static func compute(network: Network, x: Tensor, label: Int, epsilon: Float,
                               method: BoundMethodName) throws -> (stages: [StageBounds], margins: [Float]) {
        try compute(model: network, plan: StagePlan(network), x: x, label: label, epsilon: epsilon, method: method)
    }
}
