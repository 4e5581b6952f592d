import Foundation
import IBPFormats

/// `--dump-bounds`: the numbers behind a tile figure. One object per panel (column of `compare` and `methods`,
/// row block of `sweep`) under `panels`, each with its checkpoint, method, epsilon, label, predictions, verdict and
/// worst-case `margins`, and per stage in order (`x`, `l1`, `a1`, ..., `y`, affine stages included) the `name`,
/// `kind`, `shape` (without the batch axis), flat row-major `normal`, `lower`, `upper`, `perturbed`, and the
/// numbers the figure prints: `mean_width`, `max_width`, and for ReLU stages `stable_active`, `stable_inactive`,
/// `unstable`. JSON has no NaN or infinity: such values are the strings "nan", "inf", "-inf".
public enum BoundsDump {
    public static func json(panels: [FigurePanel], kind: String, sample: Int) -> Data {
        func number(_ v: Float) -> Any {
            v.isNaN ? "nan" : v.isInfinite ? (v > 0 ? "inf" : "-inf") : v as Any
        }
        func numbers(_ v: [Float]) -> [Any] { v.map(number) }
        func panel(_ p: FigurePanel) -> [String: Any] {
            [
                "checkpoint": p.title, "model": p.model, "method": p.method.rawValue, "epsilon": p.epsilon,
                "label": p.label, "verified": p.verified, "clean_prediction": p.cleanPrediction,
                "perturbed_prediction": p.perturbedPrediction, "perturbation": p.perturbation.rawValue,
                "margins": numbers(p.margins), "non_finite_values": p.nonFiniteCount,
                "stages": p.stages.indices.map { i -> [String: Any] in
                    let stage = p.stages[i], summary = p.summaries[i]
                    var object: [String: Any] = [
                        "name": stage.name, "kind": stage.kind.rawValue, "shape": stage.shape,
                        "normal": numbers(stage.normal), "lower": numbers(stage.lower), "upper": numbers(stage.upper),
                        "perturbed": numbers(p.perturbed[i]),
                        "mean_width": summary.meanWidth, "max_width": summary.maxWidth,
                    ]
                    if let active = summary.stableActive, let inactive = summary.stableInactive, let unstable = summary.unstable {
                        object["stable_active"] = active
                        object["stable_inactive"] = inactive
                        object["unstable"] = unstable
                    }
                    return object
                },
            ]
        }
        let object: [String: Any] = ["figure": kind, "sample": sample, "panels": panels.map(panel)]
        // JSONText, the one JSON number writer: every Float as its shortest round-trip text (eps `0.1`, not
        // `0.10000000149011612`); non-finite values became strings above.
        return JSONText.data(object)
    }
}
