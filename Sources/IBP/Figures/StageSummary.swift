/// The numbers a figure prints for one stage: bound width w_i = u_i - l_i averaged and maximised over the stage's
/// units, and, for a ReLU stage, how many of its pre-activations z = W a + b are stable-active (l >= 0),
/// stable-inactive (u <= 0) or unstable (l < 0 < u), the count that makes a ReLU network hard to verify
/// (the "unstable neurons" of Xiao et al. 2019, section 4).
///
/// Units whose bounds are not finite take no part in the width numbers or the counts; they are counted in
/// `nonFinite` (with NaN or infinite nominal and perturbed values), which the figure reports in its title.
public struct StageSummary: Equatable, Sendable {
    public var name: String
    /// Mean of u - l over the units with finite bounds (0 when there are none).
    public var meanWidth: Double
    /// Largest u - l over those units (0 when there are none).
    public var maxWidth: Double
    /// Pre-activation counts for ReLU stages, nil for the others.
    public var stableActive: Int?
    public var stableInactive: Int?
    public var unstable: Int?
    /// Values of this stage (normal, lower, upper, perturbed) that are NaN or infinite.
    public var nonFinite: Int

    /// Summaries of every stage of a propagation; `perturbed` holds the perturbed activations per stage (or is empty).
    /// A ReLU stage's counts come from the stage before it (its pre-activation).
    public static func of(_ stages: [StageBounds], perturbed: [[Float]] = []) -> [StageSummary] {
        stages.indices.map { i in
            let stage = stages[i]
            var sum = 0.0, largest = 0.0, finite = 0
            for (l, u) in zip(stage.lower, stage.upper) where l.isFinite && u.isFinite {
                let w = Double(u) - Double(l)
                sum += w
                largest = max(largest, w)
                finite += 1
            }
            var bad = (stage.normal + stage.lower + stage.upper).filter { !$0.isFinite }.count
            if i < perturbed.count { bad += perturbed[i].filter { !$0.isFinite }.count }
            var summary = StageSummary(name: stage.name, meanWidth: finite > 0 ? sum / Double(finite) : 0,
                                       maxWidth: largest, nonFinite: bad)
            if stage.kind == .relu, i > 0, stages[i - 1].lower.count == stage.lower.count {
                let pre = stages[i - 1]
                var active = 0, inactive = 0, unstable = 0
                for (l, u) in zip(pre.lower, pre.upper) where l.isFinite && u.isFinite {
                    if l >= 0 { active += 1 } else if u <= 0 { inactive += 1 } else { unstable += 1 }
                }
                summary.stableActive = active
                summary.stableInactive = inactive
                summary.unstable = unstable
            }
            return summary
        }
    }
}
