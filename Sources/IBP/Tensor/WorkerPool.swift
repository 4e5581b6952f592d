import Foundation
import Synchronization

/// Long-lived worker threads for `Parallel`. GCD's `concurrentPerform` wakes a sleeping thread for every call,
/// which on this 2-core VM took about 20 us: longer than many of a training step's parallel loops, so the second
/// core mostly arrived after the work was done. Here a worker that has just finished keeps polling for the next
/// loop for a short while (`spinSeconds`) before it sleeps, so back-to-back loops of one step start at once.
final class WorkerPool {
    /// One parallel loop: workers claim iterations from `next` until it passes `iterations`.
    private final class Job {
        let iterations: Int
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        /// The caller's body; only read by a thread that has claimed an iteration, and cleared (after every
        /// claimed iteration has finished) before the caller returns.
        var body: ((Int) -> Void)?

        init(iterations: Int, body: @escaping (Int) -> Void) {
            self.iterations = iterations
            self.body = body
        }

        /// Runs iterations until none are left.
        func work() {
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= iterations { return }
                do {
                    let run = body!
                    run(i)
                }
                done.add(1, ordering: .releasing)
            }
        }
    }

    /// How long an idle worker polls before it sleeps.
    static let spinSeconds = 2e-4

    static let shared = WorkerPool()

    private let generation = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let lock = NSCondition()
    private var current: Job?
    private var threads = 0
    /// Set on pool threads, so a loop started inside a loop runs serially instead of waiting on itself.
    private static let insideKey = ThreadLocalFlag()

    /// Calls `body(i)` for i in 0..<iterations on the calling thread and up to `helpers` pool threads.
    func run(iterations: Int, helpers: Int, _ body: (Int) -> Void) {
        if helpers < 1 || iterations < 2 || WorkerPool.insideKey.isSet {
            for i in 0..<iterations { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let job = Job(iterations: iterations, body: body)
            lock.lock()
            while threads < helpers { startThread() }
            current = job
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { lock.broadcast() }
            lock.unlock()
            WorkerPool.insideKey.isSet = true
            job.work()
            WorkerPool.insideKey.isSet = false
            while job.done.load(ordering: .acquiring) < iterations { sched_yield() }
            lock.lock()
            job.body = nil
            if current === job { current = nil }
            lock.unlock()
        }
    }

    /// Called with `lock` held.
    private func startThread() {
        threads += 1
        let thread = Thread { [unowned self] in self.workerLoop() }
        thread.name = "ibp-worker-\(threads)"
        thread.start()
    }

    private func workerLoop() {
        WorkerPool.insideKey.isSet = true
        var seen = 0
        while true {
            // Poll for a new loop, then sleep until one is published.
            var deadline = 0.0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                let now = ProcessInfo.processInfo.systemUptime
                if deadline == 0 { deadline = now + WorkerPool.spinSeconds }
                if now > deadline {
                    lock.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { lock.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    lock.unlock()
                    break
                }
                sched_yield()
            }
            lock.lock()
            seen = generation.load(ordering: .sequentiallyConsistent)
            let job = current
            lock.unlock()
            job?.work()
        }
    }
}

/// A per-thread boolean.
private final class ThreadLocalFlag {
    private var key = pthread_key_t()

    init() { pthread_key_create(&key, nil) }

    var isSet: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }
}
