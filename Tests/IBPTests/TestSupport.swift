import Foundation
@testable import IBP

/// Deterministic random tensors and networks for tests.
struct TestRandom {
    var rng: RandomSource

    init(_ seed: UInt64) { rng = RandomSource(seed: seed) }

    mutating func tensor(_ shape: [Int], in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in
            range.lowerBound + rng.uniform() * (range.upperBound - range.lowerBound)
        })
    }

    /// A network with uniform weights scaled by 1/sqrt(fan-in) (cheaper than orthogonal for `large`)
    /// and small random biases.
    mutating func network(_ name: String) -> Network {
        let net = Network(Architecture.named(name)!)
        for p in net.parameters {
            if p.value.shape.count == 1 {
                p.value = tensor(p.value.shape, in: -0.1...0.1)
            } else {
                let bound = (3 / Float(p.value.count / p.value.shape[0])).squareRoot()
                p.value = tensor(p.value.shape, in: -bound...bound)
            }
        }
        return net
    }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
