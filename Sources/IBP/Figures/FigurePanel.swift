import Foundation

/// How the concrete perturbed input of a figure is chosen inside the eps-box.
public enum Perturbation: String, CaseIterable, Codable, Sendable {
    /// The strongest point PGD finds against this model (the default: shows whether the prediction can flip).
    case pgd
    /// A uniformly random point of the box.
    case random
    /// The clean input itself.
    case none
}

/// A perturbed activation that lies outside its IBP interval: a bug, never drawn.
public struct BoundsViolation: Error, CustomStringConvertible {
    public let model: String
    public let stage: String
    public let index: Int
    public let value: Float
    public let lower: Float
    public let upper: Float
    public var description: String {
        "\(model): perturbed value \(value) of \(stage)[\(index)] lies outside its bounds [\(lower), \(upper)]"
    }
}

/// Everything one side of the comparison figure shows about one model and one sample.
public struct FigurePanel: Sendable {
    public var title: String
    public var model: String
    public var epsilon: Float
    public var label: Int
    public var cleanPrediction: Int
    public var perturbedPrediction: Int
    public var perturbation: Perturbation
    public var verified: Bool
    public var stages: [StageBounds]
    /// Activations of the perturbed input, one array per stage (same order as `stages`).
    public var perturbed: [[Float]]

    /// Propagates `x` (one sample) and its eps-box through `network`, picks the perturbed point and checks
    /// that each of its activations lies inside the bounds (up to float rounding: 1e-4 of the stage's magnitude).
    public static func make(network: Network, title: String, x: Tensor, label: Int, epsilon: Float,
                            perturbation: Perturbation, pgdSteps: Int = 20, seed: UInt64) throws -> FigurePanel {
        precondition(x.batch == 1, "a figure panel shows one sample")
        let stages = network.stageBounds(x, epsilon: epsilon)
        var rng = RandomSource(seed: seed)
        let point: Tensor
        switch perturbation {
        case .pgd:
            point = PGD(epsilon: epsilon, steps: pgdSteps).attack(network, x: x, labels: [label], rng: &rng).adversarial
        case .random:
            let (lo, hi) = IntervalBounds.inputLimits(around: x, epsilon: epsilon)
            point = Tensor(shape: x.shape, data: x.data.indices.map { lo.data[$0] + rng.uniform() * (hi.data[$0] - lo.data[$0]) })
        case .none:
            point = x
        }
        let perturbed = network.nominalStages(point).map(\.values.data)
        for (stage, values) in zip(stages, perturbed) {
            let magnitude = (stage.lower + stage.upper).map(abs).max() ?? 0
            let tolerance = 1e-4 * (1 + magnitude)
            for i in values.indices where values[i] < stage.lower[i] - tolerance || values[i] > stage.upper[i] + tolerance {
                throw BoundsViolation(model: title, stage: stage.name, index: i, value: values[i], lower: stage.lower[i],
                                      upper: stage.upper[i])
            }
        }
        // The same computation as `evaluate`, so the figure and the accuracy tables agree on "verified".
        let margins = network.logitsAndMargins(x, labels: [label], epsilon: epsilon).margins
        return FigurePanel(
            title: title, model: network.architecture.name, epsilon: epsilon, label: label,
            cleanPrediction: argmax(stages.last!.normal), perturbedPrediction: argmax(perturbed.last!),
            perturbation: perturbation, verified: Verification.verified(margins: margins, labels: [label])[0],
            stages: stages, perturbed: perturbed)
    }
}

func argmax(_ values: [Float]) -> Int {
    values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
}
