import Foundation

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
    /// Parses a list like `0-9,42` into sorted, distinct indices.
    public static func parseSamples(_ text: String) throws -> [Int] {
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            guard (1...2).contains(bounds.count), let lo = bounds.first!, let hi = bounds.last!, lo >= 0, lo <= hi,
                  hi - lo < 1_000_000 else {
                throw SettingsError(message: "--samples: '\(part)' is not an index or a range like 0-9")
            }
            out.formUnion(lo...hi)
        }
        return out.sorted()
    }

    /// Parses a list like `0.05,0.1,0.2`; every value must be in [0, 1].
    public static func parseEpsilons(_ text: String) throws -> [Float] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let e = Float(part.trimmingCharacters(in: .whitespaces)), e.isFinite, e >= 0, e <= 1 else {
                throw SettingsError(message: "--epsilons: '\(part)' is not a number in [0, 1]")
            }
            return e
        }
    }

    /// The file name of a batch figure: `sample0042-eps0.100.png`.
    public static func fileName(sample: Int, epsilon: Float) -> String {
        String(format: "sample%04d-eps%.3f.png", sample, epsilon)
    }

    /// Renders every job; `progress` is called (on one thread at a time) with the number done.
    /// The first error stops the batch and is rethrown; figures already written stay complete.
    public static func run(_ jobs: [FigureJob], renderer: FigureRenderer, options: FigureOptions,
                           workers: Int = Parallel.workers, progress: @escaping (Int) -> Void = { _ in }) throws {
        let savedWorkers = Parallel.workers
        Parallel.workers = 1
        setBLASThreads(1)
        defer {
            Parallel.workers = savedWorkers
            setBLASThreads(savedWorkers)
        }
        let renderers = (0..<max(1, workers)).map { $0 == 0 ? renderer : renderer.copy() }
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
                    try renderers[w].write(sample: job.sample, epsilon: job.epsilon, options: options, to: job.output)
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
    }
}
