import Foundation

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
            var row: [String: Any] = ["epsilon": Double(r.epsilon), "count": r.count,
                                      "nominal_accuracy": r.nominalAccuracy, "verified_accuracy": r.verifiedAccuracy]
            row["pgd_accuracy"] = r.pgdAccuracy ?? NSNull()
            if let sound = r.soundVerifiedAccuracy { row["sound_verified_accuracy"] = sound }
            rows.append(row)
        }
        var trainingObject: Any = NSNull()
        if let training, let data = try? JSONEncoder.sorted.encode(training) {
            trainingObject = (try? JSONSerialization.jsonObject(with: data)) ?? NSNull()
        }
        let object: [String: Any] = [
            "checkpoint": checkpoint, "model": model, "count": count, "seconds": seconds,
            "step": step.map { $0 as Any } ?? NSNull(), "training": trainingObject,
            "settings": ["pgd_steps": pgdSteps, "pgd_step_size": Double(pgdStepSize), "pgd_seed": seed,
                         "specification": "elided", "bounds": "ibp"],
            "results": rows,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public var table: String {
        // The sound column appears only when some result has sound-mode counts.
        let sound = results.contains { $0.soundVerified != nil }
        var lines = ["\(checkpoint) (\(model)), \(count) test images, PGD \(pgdSteps) steps, seed \(seed)",
                     "epsilon   nominal      PGD   verified" + (sound ? "     sound" : "")]
        for r in results {
            let pgd = r.pgdAccuracy.map { String(format: "%7.2f%%", 100 * $0) } ?? "      - "
            var line = String(format: "%7.3f  %7.2f%%  %@  %7.2f%%", r.epsilon, 100 * r.nominalAccuracy, pgd,
                              100 * r.verifiedAccuracy)
            if sound { line += r.soundVerifiedAccuracy.map { String(format: "  %7.2f%%", 100 * $0) } ?? "        - " }
            lines.append(line)
        }
        lines.append(String(format: "(%.1f s)", seconds))
        return lines.joined(separator: "\n")
    }
}
