/// Batch normalisation y = gamma (x - m) / sqrt(v + 1e-5) + beta per channel (axis 0 of the sample shape: conv
/// channels or dense units), as Shi et al. (NeurIPS 2021, sec. 3.4) and auto_LiRPA use it in certified training:
/// in training, m and v are the mean and (biased) variance of the clean (nominal) rows of the batch, and the same
/// per-channel affine map s x + t (s = gamma / sqrt(v + 1e-5), t = beta - s m) is applied to the nominal rows and to
/// the interval: centre s c + t, radius |s| r. In evaluation, m and v are the running averages
/// (m <- 0.9 m + 0.1 mean, v <- 0.9 v + 0.1 unbiased variance after each training step, PyTorch's momentum 0.1).
/// Its `primitive` is always the evaluation map, an `ElementwiseAffine` (a diagonal affine map), so every bound
/// method bounds it without code of its own; `BatchNormFolding` folds it into the conv or linear layer before it.
/// Parameters: `NAME/gamma`, `NAME/beta` (trained) and `NAME/mean`, `NAME/var` (the running averages, stored in
/// checkpoints like parameters; they get no gradient, so Adam leaves them as the forward passes set them).
public final class BatchNorm: Layer {
    public let inputShape: [Int]
    public var outputShape: [Int] { inputShape }
    public let gamma: Parameter
    public let beta: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    public var parameters: [Parameter] { [gamma, beta, runningMean, runningVariance] }
    /// Batch statistics (true, set by `Network.withTraining` around a training step) or running averages.
    public var training = false

    /// The variance floor, PyTorch's default.
    public static let epsilon: Float = 1e-5
    /// The weight of a new batch in the running averages.
    public static let momentum: Float = 0.1

    public var channels: Int { inputShape[0] }
    private var spatial: Int { inputShape.dropFirst().reduce(1, *) }

    private struct Cache {
        var input: Flow
        /// Per channel: the mean and sqrt(var + eps) used, and whether they were the batch's (training).
        var mean: [Float]
        var sigma: [Float]
        var batchStatistics: Bool
    }
    private var cache: Cache?

    /// gamma = 1, beta = 0, running mean 0, running variance 1 (the identity in evaluation).
    public init(shape: [Int], name: String) {
        precondition(!shape.isEmpty, "batch normalisation needs a channel axis")
        inputShape = shape
        let c = shape[0]
        gamma = Parameter(name: "\(name)/gamma", value: Tensor(shape: [c], data: [Float](repeating: 1, count: c)))
        beta = Parameter(name: "\(name)/beta", value: Tensor(zeros: [c]))
        runningMean = Parameter(name: "\(name)/mean", value: Tensor(zeros: [c]))
        runningVariance = Parameter(name: "\(name)/var", value: Tensor(shape: [c], data: [Float](repeating: 1, count: c)))
    }

    /// Back to the initial values (gamma 1, beta 0, mean 0, variance 1).
    public func reset() {
        gamma.value.data = [Float](repeating: 1, count: channels)
        beta.value.data = [Float](repeating: 0, count: channels)
        runningMean.value.data = [Float](repeating: 0, count: channels)
        runningVariance.value.data = [Float](repeating: 1, count: channels)
    }

    /// Per channel s = gamma / sigma and t = beta - s m of the evaluation map.
    public var evaluationScaleShift: (scale: [Float], shift: [Float]) {
        var s = [Float](repeating: 0, count: channels), t = s
        for ch in 0..<channels {
            s[ch] = gamma.value.data[ch] / (runningVariance.value.data[ch] + BatchNorm.epsilon).squareRoot()
            t[ch] = beta.value.data[ch] - s[ch] * runningMean.value.data[ch]
        }
        return (s, t)
    }

    /// The evaluation map as an elementwise affine layer over the sample shape.
    public var evaluationMap: ElementwiseAffine {
        let (s, t) = evaluationScaleShift
        let map = ElementwiseAffine(shape: inputShape, name: gamma.name.replacingOccurrences(of: "/gamma", with: ""))
        let k = spatial
        map.scale.value.data = (0..<channels * k).map { s[$0 / k] }
        map.shift.value.data = (0..<channels * k).map { t[$0 / k] }
        return map
    }

    public var primitive: Primitive { .affine(evaluationMap) }

    public func forward(_ input: Flow, cache keep: Bool) -> Flow {
        let k = spatial, c = channels
        var mean = [Float](repeating: 0, count: c), sigma = mean
        let batchStatistics = training
        if training {
            let rows = input.nominalRows
            precondition(rows > 0, "batch normalisation in training needs nominal rows for its statistics")
            // Mean and biased variance per channel over the nominal rows and positions (two passes: the variance
            // from centred squares, not E[x^2] - m^2).
            let n = Double(rows * k)
            mean = ChannelKernels.sums(input.values, rows: 0..<rows, channels: c, spatial: k).map { Float($0 / n) }
            let variance = ChannelKernels.centredSums(nil, input.values, centre: mean, rows: 0..<rows, channels: c,
                                                      spatial: k).map { Float($0 / n) }
            for ch in 0..<c { sigma[ch] = (variance[ch] + BatchNorm.epsilon).squareRoot() }
            if keep {
                // A training step (a cached forward) moves the running averages; probes without cache do not.
                let count = Float(rows * k), m = BatchNorm.momentum
                for ch in 0..<c {
                    let unbiased = count > 1 ? variance[ch] * count / (count - 1) : variance[ch]
                    runningMean.value.data[ch] = (1 - m) * runningMean.value.data[ch] + m * mean[ch]
                    runningVariance.value.data[ch] = (1 - m) * runningVariance.value.data[ch] + m * unbiased
                }
            }
        } else {
            for ch in 0..<c {
                mean[ch] = runningMean.value.data[ch]
                sigma[ch] = (runningVariance.value.data[ch] + BatchNorm.epsilon).squareRoot()
            }
        }
        var s = [Float](repeating: 0, count: c), t = s
        for ch in 0..<c {
            s[ch] = gamma.value.data[ch] / sigma[ch]
            t[ch] = beta.value.data[ch] - s[ch] * mean[ch]
        }
        let values = ChannelKernels.affine(input.values, scale: s, shift: t, channels: c, spatial: k)
        let radius = input.radius.map { ChannelKernels.affine($0, scale: s.map(abs), shift: nil, channels: c, spatial: k) }
        if keep { cache = Cache(input: input, mean: mean, sigma: sigma, batchStatistics: batchStatistics) }
        return Flow(values: values, radius: radius)
    }

    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        guard let cache else { preconditionFailure("backward does not match the cached forward") }
        _ = Flow.cached(cache.input, for: grad)
        let k = spatial, c = channels
        let x = cache.input.values, dy = grad.values
        let rows = x.batch
        let nominal = cache.batchStatistics ? cache.input.nominalRows : 0
        // Sums over all value rows (nominal and centres) of dy and dy (x - m), and over the radius rows of dR r.
        let sumDy = ChannelKernels.sums(dy, rows: 0..<rows, channels: c, spatial: k)
        let sumDyCentred = ChannelKernels.centredSums(dy, x, centre: cache.mean, rows: 0..<rows, channels: c, spatial: k)
        var sumRadius = [Double](repeating: 0, count: c)
        if let dr = grad.radius, let r = cache.input.radius {
            sumRadius = ChannelKernels.sums(dr, times: r, rows: 0..<dr.batch, channels: c, spatial: k)
        }
        var valueScale = [Float](repeating: 0, count: c), radiusScale = valueScale
        var nominalScale = valueScale, nominalShift = valueScale
        for ch in 0..<c {
            let g = Double(gamma.value.data[ch]), sigma = Double(cache.sigma[ch]), m = Double(cache.mean[ch])
            let sign: Double = g > 0 ? 1 : (g < 0 ? -1 : 0)
            let sumDyHat = sumDyCentred[ch] / sigma, sumRHat = sumRadius[ch] / sigma
            if parameterGradients {
                gamma.grad.data[ch] += Float(sumDyHat + sign * sumRHat)
                beta.grad.data[ch] += Float(sumDy[ch])
            }
            // Through the map itself: dx = (gamma / sigma) dy, dr = (|gamma| / sigma) dR.
            valueScale[ch] = Float(g / sigma)
            radiusScale[ch] = Float(abs(g) / sigma)
            // In training, m and sigma depend on the nominal rows: dL/dm = -(gamma/sigma) sum dy,
            // dL/dsigma = -(gamma/sigma) sum dy (x - m)/sigma - (|gamma|/sigma) sum dR r / sigma, and
            // dm/dx_i = 1/M, dsigma/dx_i = (x_i - m) / (M sigma) for the M = nominal rows x positions values:
            // the nominal rows get dMean/M + dSigma (x - m)/(M sigma) = a x + b on top.
            guard nominal > 0 else { continue }
            let count = Double(nominal * k)
            let dMean = -g / sigma * sumDy[ch]
            let dSigma = -g / sigma * sumDyHat - abs(g) / sigma * sumRHat
            let a = dSigma / (count * sigma)
            nominalScale[ch] = Float(a)
            nominalShift[ch] = Float(dMean / count - a * m)
        }
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        var dx = ChannelKernels.affine(dy, scale: valueScale, shift: nil, channels: c, spatial: k)
        if nominal > 0 {
            ChannelKernels.addAffine(into: &dx, x, rows: 0..<nominal, scale: nominalScale, shift: nominalShift,
                                     channels: c, spatial: k)
        }
        return Flow(values: dx, radius: grad.radius.map {
            ChannelKernels.affine($0, scale: radiusScale, shift: nil, channels: c, spatial: k)
        })
    }
}

extension Network {
    /// The batch-normalisation layers of the body.
    public var batchNorms: [BatchNorm] { body.compactMap { $0 as? BatchNorm } }

    /// Runs `body` with every batch normalisation in training mode (batch statistics of the nominal rows, running
    /// averages updated by cached forwards), then back in evaluation mode.
    public func withTraining<T>(_ step: () throws -> T) rethrows -> T {
        let layers = batchNorms
        for layer in layers { layer.training = true }
        defer { for layer in layers { layer.training = false } }
        return try step()
    }
}
