import IBPFormats
/// IBP initialisation (Shi et al., NeurIPS 2021, "Fast certified robust training with short warmup", sec. 3.2):
/// w ~ N(0, sigma^2) with sigma = sqrt(2 pi) / n for an affine layer of fan-in n, so that E[Delta_i] / E[Delta_{i-1}]
/// = 1 for the interval radii Delta of consecutive affine outputs.
///
/// Why that sigma: an interval of radius r through `|W|` has expected radius n E|w| E[r] = n sigma sqrt(2/pi) E[r],
/// and a ReLU halves the expected radius of its input (the paper's assumption: about half of the neurons pass);
/// so E[Delta_i] = n_i sigma_i sqrt(2/pi) E[Delta_{i-1}] / 2 = n_i sigma_i / sqrt(2 pi) E[Delta_{i-1}], which is 1 at
/// sigma_i = sqrt(2 pi) / n_i. Orthogonal or Kaiming weights give ratios of order sqrt(n) instead, so IBP bounds grow
/// by a factor of about sqrt(n) per layer at initialisation (the paper's fig. 1).
public enum WeightInitialization: String, Codable, CaseIterable, Sendable, NamedChoice {
    /// Gaussian weights with the paper's sigma = sqrt(2 pi) / fan-in in every affine layer of the body (the head
    /// keeps its orthogonal weights, as in the authors' `manual_init.py`), zero biases.
    case ibp
    /// Orthogonal weights, zero biases: Gowal et al.'s code and every run recorded before `--init` existed.
    case orthogonal
}

extension Initializer {
    /// Initialises `network` with `scheme` from `seed` (the same seed, the same weights).
    public static func initialize(_ network: Network, scheme: WeightInitialization, seed: UInt64) {
        orthogonal(network, seed: seed)
        if scheme == .ibp { ibp(network, seed: seed) }
    }

    /// The paper's standard deviation sqrt(2 pi) / n for fan-in n (sec. 3.2).
    public static func ibpStandardDeviation(fanIn: Int) -> Double {
        (2 * Double.pi).squareRoot() / Double(fanIn)
    }

    /// Redraws the weights of every affine layer of the body (conv kernels out x (in kh kw), dense out x in) as
    /// N(0, (sqrt(2 pi) / fan-in)^2) and zeroes their biases; the head is left as it is.
    public static func ibp(_ network: Network, seed: UInt64) {
        // A stream apart from the orthogonal draw's, so the head's weights are the same under both schemes.
        var rng = RandomSource(seed: seed ^ 0x1B9_5EED_0F_1B9)
        for layer in network.body where !(layer is BatchNorm) {
            for p in layer.parameters {
                if p.value.shape.count == 1 {
                    p.value.data = [Float](repeating: 0, count: p.value.count)
                } else {
                    let sigma = ibpStandardDeviation(fanIn: p.value.count / p.value.shape[0])
                    p.value.data = (0..<p.value.count).map { _ in Float(sigma * rng.normal()) }
                }
            }
        }
    }
}
