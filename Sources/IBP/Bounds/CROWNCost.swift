/// The work of CROWN's backward passes for one sample, estimated from the layers alone, so a network that would
/// take hours per image is refused before any work (`BoundMethodName.refusal`): CROWN bounds every affine stage k
/// by a pass of its 2 out_k rows back through layers k-1...0, so its work grows with the square of the depth, and a
/// 2.4 MB ONNX file of 20,000 small layers sharing one weight (under the node and parameter limits) ran for about
/// ten minutes per image in `evaluate`, which has no time limit.
///
/// Estimate: sum over affine stages k of 2 out_k (work per row of the pass back from stage k), where a row's work is
/// the sum over the layers below of their multiply-adds on the row plus `stepCost`: for a dense row an affine layer's
/// outputs x fan-in (a convolution's MACs) and a monotone layer's size; for a convolution's neuron held on windows
/// (`ConvolutionWindows`, where `CROWNMethod` uses them) the same on the windows' stages only: a convolution below
/// its out-channels x window pixels x patch, a monotone layer its window, the box its window. Saturates at Int.max.
/// The windows were left out until trial 31: a 4-layer 3x3 CNN of 32 channels was estimated at 1.1 x 10^12 and
/// refused, where CROWN bounds it in about 1.4 s per image (5 images in 6.8 s, release build, busy host).
enum CROWNCost {
    /// Most estimated work per sample: 2^40 multiply-adds (about 1.1 x 10^12; a chain of 2,000 layer pairs is
    /// estimated at 3.4 x 10^11 and takes 5.5 s per image, the 20,000 pairs above at 3.3 x 10^13 and about ten
    /// minutes; `medium`'s estimate is 1.6 x 10^10, `large`'s 6.4 x 10^11).
    static let limit = 1 << 40

    /// Most estimated work of one command (every box it bounds): 2^50 multiply-adds (about 1.1 x 10^15, several
    /// hours: about 5 at the 50-60 billion per second CROWN reached on deep chains here, 7-12 at the 2.5-4.5 x 10^10
    /// of convolutional and average-pooling networks (`averagePoolFactor`); `medium` over MNIST's 10,000 test images
    /// at one eps is estimated at 1.6 x 10^14).
    static let commandLimit = 1 << 50

    /// The cost of one row block's step through one layer beyond its multiply-adds (calls, allocations, a pass
    /// over the rows), in multiply-adds: a step of a 10 x 10 layer measured about 1.4 us.
    static let stepCost = 4096

    /// Most layers the windows' walks (`ConvolutionWindows.stages`) take together: a walk from every convolution
    /// is quadratic in the depth on chains of 1 x 1 convolutions, whose windows never outgrow their stages; past it
    /// the dense rows' estimate (higher) is used. A walk from layer k counts k, whether it fits or not.
    static let walkLimit = 1 << 20

    /// The estimate for `layers` (see the type).
    static func multiplyAdds(_ layers: [Layer]) -> Int {
        // Work per row of one dense pass back through the layers seen so far, and the total.
        var below = 0, total = 0, walked = 0
        for (k, layer) in layers.enumerated() {
            switch layer.primitive {
            case let .affine(map):
                var perRow = below
                // A walk from layer k takes at most k steps, counted whether it fits or not (trial 32: walks that
                // failed at the input were not counted, and 15,000 1x1 convolutions took 68 s to estimate).
                if walked + k <= walkLimit {
                    walked += k
                    if let stages = ConvolutionWindows.stages(layers, index: k) { perRow = windowWork(stages, layers) }
                }
                total = ResourceLimits.sum(total, ResourceLimits.product(2, map.outputSize, perRow))
                below = ResourceLimits.sum(below, ResourceLimits.product(map.outputSize, map.fanIn, scalarFactor(map)),
                                           stepCost)
            case .monotone:
                below = ResourceLimits.sum(below, layer.outputShape.reduce(1, *), stepCost)
            case .reshape, .maxPool:
                continue
            }
        }
        return total
    }

    /// Multiply-adds of `map`'s transposed pass per row in GEMM multiply-adds: 1 for the maps whose pass is a GEMM
    /// (dense, convolution) or a copy (zero padding, diagonal), `averagePoolFactor` for average pooling, whose pass
    /// is a scalar loop over windows (`AveragePool.applyTransposed`).
    static func scalarFactor(_ map: any AffineMap) -> Int { map is AveragePool ? averagePoolFactor : 1 }

    /// Average pooling's transposed pass per term against a GEMM multiply-add: trial 32's chains of 1 x 1 average
    /// pools between ReLUs ran at 0.8-3.4 x 10^9 terms per second where convolutions run at 2.5-8 x 10^10 (its
    /// loop finds each window and adds one term at a time). 64 still left them 2-4x slow per estimated multiply-add
    /// (trial 34: `pa`, conv 1->32 3x3, ReLU, 1 x 1 pool, conv 32->32 1x1, ReLU, dense, 1.07 x 10^11 in 10.2 s per
    /// image, about 1.0 x 10^10 per second against 3.7 x 10^10 for a 4-layer 3x3 CNN of 64 channels), so the
    /// command budget was some 30 hours there. Fitting CROWN's time per image of eight such nets (pools 1x1, 2x2
    /// and 3x3, 8 or 32 channels; release build, 2 busy cores) to their estimated GEMM multiply-adds and pool terms
    /// gives about 3.2 x 10^10 multiply-adds per second and 220 multiply-adds per pool term, the 1 x 1 pools
    /// costlier per term than the wider ones: at 256 each of the eight runs at 2.7-4.5 x 10^10 estimated
    /// multiply-adds per second, the plain CNNs at 2.5-3.3 x 10^10, the wider pools on the high (refused sooner)
    /// side.
    static let averagePoolFactor = 256

    /// Work per row of a pass back on the windows `stages` (stage t the input of layer t) through `layers[t]`,
    /// t < stages.count - 1, to the box.
    static func windowWork(_ stages: [ConvolutionWindows.Stage], _ layers: [Layer]) -> Int {
        var work = stages[0].windowSize
        for t in 0..<(stages.count - 1) {
            let above = stages[t + 1]
            switch layers[t].primitive {
            case let .affine(map):
                let conv = map as! Conv2D
                work = ResourceLimits.sum(work, ResourceLimits.product(conv.outChannels, above.h * above.w,
                                                                       conv.geometry.patchSize), stepCost)
            case .monotone:
                work = ResourceLimits.sum(work, above.windowSize, stepCost)
            case .reshape, .maxPool:
                preconditionFailure("ConvolutionWindows.stages admits convolutions and monotone layers only")
            }
        }
        return work
    }

}
