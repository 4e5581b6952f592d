import Foundation
import IBPFormats
import IBPRender

/// The outcome of `evaluate` over one or more epsilons, printable as a table or as one JSON object.
public struct EvaluationReport: Codable {
    public var checkpoint: String
    public var model: String
    public var count: Int
    public var pgdSteps: Int
    public var pgdStepSize: Float
    public var seed: UInt64
    public var seconds: Double
    public var results: [EvaluationResult]
    /// Steps the checkpoint was trained for and its training settings, when it records them.
    public var step: Int?
    public var training: TrainingSettings?

    public init(checkpoint: String, model: String, count: Int, pgdSteps: Int, pgdStepSize: Float, seed: UInt64,
                seconds: Double, results: [EvaluationResult], step: Int? = nil, training: TrainingSettings? = nil) {
        self.checkpoint = checkpoint; self.model = model; self.count = count; self.pgdSteps = pgdSteps
        self.pgdStepSize = pgdStepSize; self.seed = seed; self.seconds = seconds; self.results = results
        self.step = step; self.training = training
    }

    /// One JSON object for one report, `{"models": [...]}` for several.
    public static func json(_ reports: [EvaluationReport]) -> String {
        if reports.count == 1 { return reports[0].json }
        return "{\"models\":[" + reports.map(\.json).joined(separator: ",") + "]}"
    }

    public var json: String {
        var rows: [[String: Any]] = []
        for r in results {
            var row: [String: Any] = ["epsilon": r.epsilon, "count": r.count,
                                      "nominal_accuracy": r.nominalAccuracy, "verified_accuracy": r.verifiedAccuracy,
                                      "conflicts": r.conflicts]
            row["pgd_accuracy"] = r.pgdAccuracy ?? NSNull()
            var byMethod: [String: Any] = [:]
            for (m, method) in r.methods.enumerated() {
                byMethod[method.rawValue] = ["verified_accuracy": Double(r.verifiedBy[m]) / Double(max(r.count, 1)),
                                             "seconds": r.methodSeconds[m]]
            }
            row["methods"] = byMethod
            rows.append(row)
        }
        var trainingObject: Any = NSNull()
        if let training, let data = try? JSONEncoder.sorted.encode(training) {
            trainingObject = (try? JSONSerialization.jsonObject(with: data)) ?? NSNull()
        }
        let object: [String: Any] = [
            "checkpoint": checkpoint, "model": model, "count": count, "seconds": seconds,
            "step": step.map { $0 as Any } ?? NSNull(), "training": trainingObject,
            "settings": ["pgd_steps": pgdSteps, "pgd_step_size": pgdStepSize, "pgd_seed": seed,
                         "specification": "elided",
                         "bounds": (results.first?.methods ?? []).map(\.rawValue)],
            "results": rows,
        ]
        // JSONText, the one JSON number writer: a Float prints as its shortest round-trip text (`0.1`), where
        // JSONSerialization widens it to `0.10000000149011612`.
        return JSONText.serialize(object)
    }

    /// eps with three decimals (`0.100`), or in full when three decimals would not give it back (`0.0001`,
    /// `1e-07`, `0.1234`): rows of different epsilons never print alike (new user: 1e-4, 2e-4 and 4e-4 all
    /// printed `0.000`).
    public static func epsilonLabel(_ eps: Float) -> String { NumberLabel.epsilon(eps) }

    public var table: String {
        let methods = results.first?.methods ?? [.ibp]
        let names = methods.map(\.rawValue) + (methods.count > 1 ? ["any"] : [])
        // The epsilon column is as wide as its longest label (at least "epsilon"), so a label printed in full
        // (`0.1000004`, `0.123457`) never pushes its row out of line with the header and the other rows.
        let labels = results.map { EvaluationReport.epsilonLabel($0.epsilon) }
        let width = max(7, labels.map(\.count).max() ?? 0)
        let header = String(repeating: " ", count: width - 7) + "epsilon   nominal      PGD"
            + names.map { String(repeating: " ", count: max(1, 11 - $0.count)) + $0 }.joined()
        var lines = ["\(FileText.oneLine(checkpoint)) (\(model)), \(CountText.of(count, "test image")), PGD \(CountText.of(pgdSteps, "step")), seed \(seed)", header]
        for (r, eps) in zip(results, labels) {
            let pgd = r.pgdAccuracy.map { String(format: "%7.2f%%", 100 * $0) } ?? "      - "
            var line = String(repeating: " ", count: width - eps.count) + eps
                + String(format: "  %7.2f%%  %@", 100 * r.nominalAccuracy, pgd)
            var values = r.verifiedBy.map { Double($0) / Double(max(r.count, 1)) }
            if methods.count > 1 { values.append(r.verifiedAccuracy) }
            for (name, v) in zip(names, values) {
                line += String(repeating: " ", count: max(1, 11 - name.count) + name.count - 8)
                    + String(format: "%7.2f%%", 100 * v)
            }
            if r.conflicts > 0 { line += "  (\(CountText.of(r.conflicts, "certificate")) contradicted by the forward pass or PGD)" }
            lines.append(line)
        }
        let times = methods.enumerated().map { m, method in
            String(format: "%@ %.2f s", method.rawValue, results.map { $0.methodSeconds[m] }.reduce(0, +))
        }
        lines.append(String(format: "(%.1f s; bounds: %@)", seconds, times.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }

}
