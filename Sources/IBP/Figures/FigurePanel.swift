import Foundation
import IBPFormats

/// How the concrete perturbed input of a figure is chosen inside the eps-box.
public enum Perturbation: String, CaseIterable, Codable, Sendable, NamedChoice {
    /// The strongest point PGD finds against this model (the default: shows whether the prediction can flip).
    case pgd
    /// A uniformly random point of the box.
    case random
    /// The clean input itself.
    case none
}

/// A perturbed activation that lies outside its interval: a bug, never drawn.
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

/// Everything one column of a figure shows about one model, one sample, one epsilon and one bound method.
public struct FigurePanel: Sendable {
    /// The checkpoint's file name.
    public var title: String
    /// The architecture's name.
    public var model: String
    public var method: BoundMethodName
    public var epsilon: Float
    public var label: Int
    public var cleanPrediction: Int
    public var perturbedPrediction: Int
    public var perturbation: Perturbation
    /// The verdict of `evaluate` (`Verification.verdict`): every worst-case margin m_j (j != label) finite and
    /// negative, the clean input classified correctly and the perturbed point too (a tie counts against the label).
    public var verified: Bool
    /// Worst-case elided margins m_j = max over the box of z_j - z_label, one per class (the label's entry is 0).
    public var margins: [Float]
    public var stages: [StageBounds]
    /// Activations of the perturbed input, one array per stage (same order as `stages`).
    public var perturbed: [[Float]]
    /// The numbers printed per stage, in the order of `stages`.
    public var summaries: [StageSummary]

    public init(title: String, model: String, method: BoundMethodName = .ibp, epsilon: Float, label: Int,
                cleanPrediction: Int, perturbedPrediction: Int, perturbation: Perturbation, margins: [Float],
                stages: [StageBounds], perturbed: [[Float]]) {
        self.title = title
        self.model = model
        self.method = method
        self.epsilon = epsilon
        self.label = label
        self.cleanPrediction = cleanPrediction
        self.perturbedPrediction = perturbedPrediction
        self.perturbation = perturbation
        self.margins = margins
        // The same rule as `evaluate`.
        let certified = Verification.verified(margins: Tensor(shape: [1, margins.count], data: margins),
                                              labels: [label])[0]
        self.verified = Verification.verdict(certified: certified, correct: cleanPrediction == label,
                                             attacked: perturbedPrediction != label).verified
        self.stages = stages
        self.perturbed = perturbed
        self.summaries = StageSummary.of(stages, perturbed: perturbed)
    }

    /// The stages a figure draws: every stage but the affine outputs (`x`, activations, `y`).
    public var shownStages: [Int] { stages.indices.filter { stages[$0].kind != .affine } }

    /// NaN or infinite values among the drawn stages (normal, lower, upper and perturbed), which the figure marks
    /// in `Colormap.nonFiniteColor` and counts in the panel's title.
    public var nonFiniteCount: Int { shownStages.reduce(0) { $0 + summaries[$1].nonFinite } }

    /// The largest margin over the classes other than the label (the one that decides the verdict).
    public var worstMargin: (cls: Int, value: Float)? {
        margins.indices.filter { $0 != label }
            .max { margins[$0] < margins[$1] || (margins[$1].isNaN && !margins[$0].isNaN) }
            .map { ($0, margins[$0]) }
    }

    /// Propagates `x` (one sample) and its eps-box through `model` with `method` (through `FigureBounds`, the one
    /// place bounds come from), picks the perturbed point and checks that each of its activations lies inside the
    /// bounds: the input stage exactly (it is the box, and every perturbation stays in it), later stages up to float
    /// rounding, 1e-4 of the stage's magnitude (the bounds and the forward pass round differently; see README).
    /// `plan` names the stages (`StagePlan`); `x` may have the data's image shape, it is read with the model's.
    public static func make(model: any Classifier, plan: StagePlan, title: String, x: Tensor, label: Int,
                            epsilon: Float, method: BoundMethodName = .ibp, perturbation: Perturbation,
                            pgdSteps: Int = 20, seed: UInt64) throws -> FigurePanel {
        precondition(x.batch == 1, "a figure panel shows one sample")
        let x = model.shapedInput(x)
        let (stages, margins) = try FigureBounds.compute(model: model, plan: plan, x: x, label: label, epsilon: epsilon,
                                                         method: method)
        var rng = RandomSource(seed: seed)
        let point: Tensor
        switch perturbation {
        case .pgd:
            point = PGD(epsilon: epsilon, steps: pgdSteps).attack(model, x: x, labels: [label], rng: &rng).adversarial
        case .random:
            let (lo, hi) = IntervalBounds.inputLimits(around: x, epsilon: epsilon)
            point = Tensor(shape: x.shape, data: x.data.indices.map { lo.data[$0] + rng.uniform() * (hi.data[$0] - lo.data[$0]) })
        case .none:
            point = x
        }
        let perturbed = model.nominalStageValues(point, plan: plan)
        for (stage, values) in zip(stages, perturbed) {
            let magnitude = (stage.lower + stage.upper).filter(\.isFinite).map(abs).max() ?? 0
            let tolerance = stage.kind == .input ? 0 : 1e-4 * (1 + magnitude)
            for i in values.indices where values[i] < stage.lower[i] - tolerance || values[i] > stage.upper[i] + tolerance {
                throw BoundsViolation(model: title, stage: stage.name, index: i, value: values[i], lower: stage.lower[i],
                                      upper: stage.upper[i])
            }
        }
        return FigurePanel(title: title, model: model.modelName, method: method, epsilon: epsilon,
                           label: label, cleanPrediction: Verification.predictedClass(stages.last!.normal[...]),
                           perturbedPrediction: Verification.predictedClass(perturbed.last![...]), perturbation: perturbation,
                           margins: margins, stages: stages, perturbed: perturbed)
    }

    /// `make` for the project's `Network`.
    public static func make(network: Network, title: String, x: Tensor, label: Int, epsilon: Float,
                            method: BoundMethodName = .ibp, perturbation: Perturbation, pgdSteps: Int = 20,
                            seed: UInt64) throws -> FigurePanel {
        try make(model: network, plan: StagePlan(network), title: title, x: x, label: label, epsilon: epsilon,
                 method: method, perturbation: perturbation, pgdSteps: pgdSteps, seed: seed)
    }
}

