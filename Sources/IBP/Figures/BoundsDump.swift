import Foundation

/// `--dump-bounds`: the numbers behind a figure, per model and per stage in order (`x`, `l1`, `a1`, ..., `y`),
/// with `name`, `shape` (without the batch axis) and flat row-major `normal`, `lower`, `upper`, `perturbed`.
public enum BoundsDump {
    public static func json(baseline: FigurePanel, ibp: FigurePanel, sample: Int) -> Data {
        func model(_ p: FigurePanel) -> [String: Any] {
            [
                "checkpoint": p.title, "model": p.model, "label": p.label, "verified": p.verified,
                "clean_prediction": p.cleanPrediction, "perturbed_prediction": p.perturbedPrediction,
                "perturbation": p.perturbation.rawValue,
                "stages": zip(p.stages, p.perturbed).map { stage, perturbed in
                    [
                        "name": stage.name, "shape": stage.shape,
                        "normal": stage.normal.map(Double.init), "lower": stage.lower.map(Double.init),
                        "upper": stage.upper.map(Double.init), "perturbed": perturbed.map(Double.init),
                    ] as [String: Any]
                },
            ]
        }
        let object: [String: Any] = ["sample": sample, "epsilon": Double(baseline.epsilon),
                                     "baseline": model(baseline), "ibp": model(ibp)]
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
