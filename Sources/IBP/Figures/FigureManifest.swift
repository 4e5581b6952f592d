import Foundation

/// `docs/figures.json`: every figure the docs embed, so one command regenerates them all after a model changes.
/// Paths are relative to the current directory (run from the package root).
public struct FigureManifest: Codable {
    public struct Entry: Codable {
        public var output: String
        public var baseline: String
        public var ibp: String
        public var sample: Int
        public var epsilon: Float
        /// Options that differ from `FigureOptions()`; missing fields take the defaults.
        public var scale: Int?
        public var maxChannels: Int?
        public var perturbation: Perturbation?
        public var pgdSteps: Int?
        public var seed: UInt64?

        var options: FigureOptions {
            var o = FigureOptions()
            if let scale { o.scale = scale }
            if let maxChannels { o.maxChannels = maxChannels }
            if let perturbation { o.perturbation = perturbation }
            if let pgdSteps { o.pgdSteps = pgdSteps }
            if let seed { o.seed = seed }
            return o
        }
    }

    /// What regenerating a figure did to its file.
    public enum Outcome: String, Sendable {
        case created, updated, unchanged
    }

    public var figures: [Entry]

    public static func load(_ url: URL) throws -> FigureManifest {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SettingsError(message: "\(url.path): no such manifest")
        }
        let manifest: FigureManifest
        do {
            manifest = try JSONDecoder().decode(FigureManifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            // An entry's coding path is `figures`, `Index N`: name it "figure N" like the checks below do.
            let entry = context.codingPath.compactMap(\.intValue).first.map { "figure \($0)" } ?? "the manifest"
            throw SettingsError(message: "\(url.path): \(entry) lacks '\(key.stringValue)'")
        } catch {
            throw SettingsError(message: "\(url.path): not a figure manifest ({\"figures\": [{\"output\", \"baseline\", \"ibp\", \"sample\", \"epsilon\"}]})")
        }
        for (i, entry) in manifest.figures.enumerated() {
            do {
                try entry.options.validate()
                guard entry.epsilon.isFinite, (0...1).contains(entry.epsilon) else {
                    throw SettingsError(message: "epsilon must be in [0, 1]")
                }
                guard entry.output.hasSuffix(".png") else { throw SettingsError(message: "output must end in .png") }
            } catch {
                throw SettingsError(message: "\(url.path): figure \(i) (\(entry.output)): \(error)")
            }
        }
        return manifest
    }

    /// Regenerates every figure in order, loading each checkpoint pair once, and reports what changed.
    public func regenerate(data: Dataset, dataDescription: String,
                           progress: (Int, String, Outcome) -> Void) throws {
        var renderers: [String: FigureRenderer] = [:]
        for (i, entry) in figures.enumerated() {
            let key = entry.baseline + "\n" + entry.ibp
            if renderers[key] == nil {
                do {
                    renderers[key] = try FigureRenderer(baseline: try FigureModel(path: entry.baseline),
                                                        ibp: try FigureModel(path: entry.ibp), data: data,
                                                        dataDescription: dataDescription)
                } catch {
                    throw SettingsError(message: "figure \(i) (\(entry.output)): \(error)")
                }
            }
            let url = URL(fileURLWithPath: entry.output)
            let before = FileManager.default.contents(atPath: url.path)
            try renderers[key]!.write(sample: entry.sample, epsilon: entry.epsilon, options: entry.options, to: url)
            let after = FileManager.default.contents(atPath: url.path)
            progress(i + 1, entry.output, before == nil ? .created : (before == after ? .unchanged : .updated))
        }
    }
}
