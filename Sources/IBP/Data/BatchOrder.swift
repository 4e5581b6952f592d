/// Which training samples make up each step's batch: every epoch is a fresh permutation drawn from
/// (seed, epoch) alone, so a resumed run needs only the step number to continue the same order.
public struct BatchOrder {
    public let seed: UInt64
    public let count: Int
    private var epoch = -1
    private var permutation: [Int] = []

    public init(seed: UInt64, count: Int) {
        self.seed = seed
        self.count = count
    }

    /// Sample indices of batch `step` (0-based) of size `batchSize`.
    public mutating func indices(step: Int, batchSize: Int) -> [Int] {
        (0..<batchSize).map { i in
            let global = step * batchSize + i
            let e = global / count
            if e != epoch { shuffle(epoch: e) }
            return permutation[global % count]
        }
    }

    private mutating func shuffle(epoch e: Int) {
        permutation = BatchOrder.permutation(count: count, seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(e) &+ 1)
        epoch = e
    }

    /// A permutation of `0..<count` drawn from `seed` alone, the same on every platform.
    public static func permutation(count: Int, seed: UInt64) -> [Int] {
        var rng = RandomSource(seed: seed)
        var permutation = Array(0..<count)
        // Fisher-Yates with our own generator: Swift's shuffle(using:) is not specified to be stable.
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            permutation.swapAt(i, j)
        }
        return permutation
    }
}
