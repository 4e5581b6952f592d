import Foundation
import IBPRender

/// One figure to make: which sample at which epsilon, and where it goes.
public struct FigureJob: Sendable {
    public var sample: Int
    public var epsilon: Float
    public var output: URL

    public init(sample: Int, epsilon: Float, output: URL) {
        self.sample = sample
        self.epsilon = epsilon
        self.output = output
    }
}

/// Many figures at once (`--samples 0-9,42 --epsilons 0.05,0.1`), spread over the cores: each worker renders
/// whole figures with its own copy of the networks, so BLAS and the inner loops run single-threaded.
public enum FigureBatch {
    /// The file name of a batch figure: `sample0042-eps0.100.png` (or `.svg`, `.pdf`).
    public static func fileName(sample: Int, epsilon: Float, format: FigureFormat = .png) -> String {
        String(format: "sample%04d-eps", sample) + NumberLabel.epsilon(epsilon) + "." + format.fileExtension
    }

    /// Whether `name` has the form `fileName` gives: `sample` and four or more digits, `-eps`, an epsilon as
    /// `NumberLabel.epsilon` writes it, and a figure format's extension.
    public static func isFigureName(_ name: String) -> Bool {
        guard name.hasPrefix("sample"), let dot = name.lastIndex(of: "."),
              FigureFormat(rawValue: String(name[name.index(after: dot)...])) != nil,
              let dash = name.range(of: "-eps") else { return false }
        let digits = name[name.index(name.startIndex, offsetBy: 6)..<dash.lowerBound]
        let epsilon = name[dash.upperBound..<dot]
        // The epsilon as `fileName` writes one: a finite, non-negative Float whose label is this text
        // (`sample0001-epsnan.png` or `...-eps-0.1.png` are no batch's).
        guard let value = Float(epsilon), value.isFinite, value >= 0, NumberLabel.epsilon(value) == epsilon else {
            return false
        }
        return digits.count >= 4 && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
    }

    /// The batch figures (names `isFigureName` takes, regular files) in `folder` that are not among `keeping`,
    /// sorted; none when the folder does not exist or cannot be listed.
    public static func earlierFigures(in folder: URL, keeping: Set<String>) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { name in
            guard isFigureName(name), !keeping.contains(name) else { return false }
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path,
                                                  isDirectory: &isFolder) && !isFolder.boolValue
        }.sorted()
    }

    /// Renders every job (the `compare` figure of all the renderer's models) and returns each figure's index entry,
    /// in job order; `progress` is called (on one thread at a time) with the number done. The size is checked once
    /// before any work. The first error stops the batch and is rethrown; figures already written stay complete.
    @discardableResult
    public static func run(_ jobs: [FigureJob], renderer: FigureRenderer, options: FigureOptions,
                           workers: Int = Parallel.workers, progress: @escaping (Int) -> Void = { _ in }) throws -> [FigureRecord] {
        // One scale for the whole batch: the largest that fits every epsilon's figure when the scale is the default.
        var options = options
        for epsilon in Set(jobs.map(\.epsilon)).sorted() {
            options = try FigureRenderer.fittedCompare(renderer.models, epsilon: epsilon, options: options, fonts: renderer.fonts)
        }
        var results = [FigureRecord?](repeating: nil, count: jobs.count)
        func record(_ job: FigureJob, _ panels: [FigurePanel]) -> FigureRecord {
            var request = FigureRequest(kind: .compare, output: job.output.path, format: options.format,
                                        models: renderer.models.map(\.path))
            request.sample = job.sample
            request.epsilon = job.epsilon
            request.options = options
            return FigureMaker.record(request, panels: panels)
        }
        let savedWorkers = Parallel.workers
        Parallel.workers = 1
        setBLASThreads(1)
        defer {
            Parallel.workers = savedWorkers
            setBLASThreads(savedWorkers)
        }
        let renderers = try (0..<max(1, workers)).map { $0 == 0 ? renderer : try renderer.copy() }
        let lock = NSLock()
        var next = 0, done = 0
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: renderers.count) { w in
            while true {
                lock.lock()
                let index = next
                next += 1
                let stop = failure != nil
                lock.unlock()
                if stop || index >= jobs.count { return }
                let job = jobs[index]
                do {
                    let panels = try renderers[w].write(sample: job.sample, epsilon: job.epsilon, options: options, to: job.output)
                    lock.lock()
                    results[index] = record(job, panels)
                    lock.unlock()
                } catch {
                    lock.lock()
                    if failure == nil { failure = error }
                    lock.unlock()
                    return
                }
                lock.lock()
                done += 1
                progress(done)
                lock.unlock()
            }
        }
        if let failure { throw failure }
        return results.compactMap { $0 }
    }
}
