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
    /// and small random biases, on [1, side, side] inputs when `side` is given, with `biasShift` added to every
    /// bias (negative shifts make many ReLU neurons stably inactive).
    mutating func network(_ name: String, side: Int? = nil, biasShift: Float = 0) -> Network {
        var architecture = Architecture.named(name)!
        if let side { architecture.inputShape = [1, side, side] }
        let net = Network(architecture)
        for p in net.parameters {
            if p.value.shape.count == 1 {
                p.value = tensor(p.value.shape, in: -0.1...0.1)
                if biasShift != 0 { p.value = Tensor(shape: p.value.shape, data: p.value.data.map { $0 + biasShift }) }
            } else {
                let bound = (3 / Float(p.value.count / p.value.shape[0])).squareRoot()
                p.value = tensor(p.value.shape, in: -bound...bound)
            }
        }
        // Batch normalisation: gamma of either sign away from 0, running variances positive (a variance drawn from
        // [-0.1, 0.1] would make the evaluation map NaN).
        for bn in net.batchNorms {
            bn.gamma.value.data = tensor([bn.channels], in: 0.5...1.5).data.enumerated().map { $0 % 3 == 2 ? -$1 : $1 }
            bn.runningVariance.value = tensor([bn.channels], in: 0.5...2)
        }
        return net
    }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
