/// Sound IBP through an affine layer (Linear or Conv2D), using only the layer's own forward pass.
enum SoundAffine {
    /// In reals the image of [mu - r, mu + r] is W mu + b -/+ |W| r. The layer computes mu^ = fl(W mu + b) and
    /// r^ = fl(|W| r), dot products of at most n = fanIn + 2 terms (the bias and its separate add counted), so
    /// |mu^ - (W mu + b)| + (|W| r - r^) <= gamma_n (|W| (|mu| + r) + |b|) + 2 n 2^-126 (underflow).
    /// |W| (|mu| + r) <= |W| a for a = up(|mu| + r), and S^ = fl(|W| a) >= (1 - gamma_n) |W| a - n 2^-126, so the
    /// widened radius r' = r^ + gamma_n/(1 - gamma_n) (S^ + |b|) + 3 n 2^-126, rounded up, encloses the real image.
    static func forward(_ layer: Layer, _ box: IntervalBounds) -> IntervalBounds {
        let (fanIn, bias) = affineParameters(layer)
        let n = box.centre.batch, size = layer.outputShape.reduce(1, *)
        var a = box.radius
        for i in a.data.indices { a.data[i] = RoundingModel.up(abs(box.centre.data[i]) + box.radius.data[i]) }
        // One pass gives W mu + b (twice) and the radii |W| r and |W| a.
        let out = layer.forward(Flow(values: box.centre.stacked(with: box.centre), radius: box.radius.stacked(with: a)),
                                cache: false)
        let ratio = RoundingModel.gammaRatio(terms: fanIn + 2), floor = RoundingModel.underflow(terms: 3 * (fanIn + 2))
        let radius = out.radius!
        var widened = radius.rows(0..<n)
        // Bias index of output element i: the channel (Conv2D, (O, H, W)) or the unit (Linear).
        let perBias = size / bias.count
        for s in 0..<n {
            for i in 0..<size {
                let k = s * size + i, b = abs(bias[i / perBias])
                let bound = RoundingModel.up(radius.data[n * size + k] + b)
                let slack = RoundingModel.up(RoundingModel.up(ratio * bound) + floor)
                widened.data[k] = RoundingModel.up(radius.data[k] + slack)
            }
        }
        return IntervalBounds(centre: out.values.rows(0..<n), radius: widened)
    }

    /// Terms per dot product (before the bias) and the bias of a Linear or Conv2D layer.
    private static func affineParameters(_ layer: Layer) -> (fanIn: Int, bias: [Float]) {
        switch layer {
        case let linear as Linear: return (linear.inFeatures, linear.bias.value.data)
        case let conv as Conv2D: return (conv.geometry.patchSize, conv.bias.value.data)
        default: preconditionFailure("no sound affine rule for \(type(of: layer))")
        }
    }
}
