import IBPFormats

/// The warm-up regularisers of Shi et al. (NeurIPS 2021, sec. 3.3): lambda (L_tightness + L_relu), added to the
/// training loss during the eps ramp (the paper's "warmup") with lambda = lambda0 (1 - eps_t / eps_target).
///
/// Over the K ReLU layers, with the interval [c - r, c + r] of each pre-activation (batch and units flattened,
/// N entries) and tau the tolerance:
/// - tightness: L_tightness = (1/K) sum_k ReLU(tau - mean(r_0) / mean(r_k)) / tau, with r_0 the input box's radius,
///   so bounds that grow layer after layer are penalised (eq. 6);
/// - ReLU balance: with the stable-active (c - r > 0) and stable-inactive (c + r < 0) masks A and I,
///   rho_mean = (sum_A c) / (-sum_I c) and rho_var = (sum_A (c - mean c)^2) / (sum_I (c - mean c)^2), each taken as
///   min(rho, 1/rho), and L_relu = (1/K) sum_k [ReLU(tau - rho_mean) + ReLU(tau - rho_var)] / tau, so that
///   active and inactive neurons stay balanced in size and spread (eq. 7-8).
/// Defaults lambda0 = 0.5 and tau = 0.5 are the authors' (`--reg-lambda`, `--tol` in their `parser.py`).
/// The gradients are exact (the masks are piecewise constant in c and r); a layer whose balance ratios are 0/0
/// contributes nothing to L_relu, as in the authors' code, and a ratio with a zero denominator contributes the
/// constant 1 (its min(rho, 1/rho) is 0).
public struct WarmupRegularizer: Codable, Equatable, Sendable {
    /// lambda0, the weight at eps 0; 0 turns the regularisers off.
    public var lambda: Float = 0.5
    /// tau, the tolerance of both terms (> 0).
    public var tolerance: Float = 0.5

    public init(lambda: Float = 0.5, tolerance: Float = 0.5) {
        self.lambda = lambda
        self.tolerance = tolerance
    }

    /// lambda0 (1 - eps / target) while eps < target, else 0 (after the ramp, or with a target of 0).
    public func weight(epsilon: Float, target: Float) -> Float {
        guard target > 0, epsilon < target else { return 0 }
        return lambda * (1 - epsilon / target)
    }

    /// Checks the values; the message names the flag.
    public func validate() throws {
        guard lambda.isFinite, lambda >= 0 else { throw SettingsError(message: "--reg-lambda must be a finite number at least 0, got \(FlagText.show("--reg-lambda", lambda))") }
        guard tolerance.isFinite, tolerance > 0 else {
            throw SettingsError(message: "--reg-tolerance must be a positive finite number, got \(FlagText.show("--reg-tolerance", tolerance))")
        }
    }

    /// The interval of one ReLU layer's pre-activations: centres and radii, shape (n, units...).
    public struct PreActivation {
        public var centre: Tensor
        public var radius: Tensor
        public init(centre: Tensor, radius: Tensor) {
            self.centre = centre
            self.radius = radius
        }
    }

    /// The two terms and their gradients with respect to each layer's centres and radii (unweighted by lambda).
    public struct Terms {
        public var tightness: Double
        public var relu: Double
        public var dCentre: [Tensor]
        public var dRadius: [Tensor]
        public var total: Double { tightness + relu }
    }

    /// L_tightness and L_relu of `layers` for an input box of mean radius `inputRadius` (mean(r_0)).
    public static func terms(_ layers: [PreActivation], inputRadius: Double, tolerance: Float) -> Terms {
        let tau = Double(tolerance)
        var out = Terms(tightness: 0, relu: 0, dCentre: [], dRadius: [])
        let k = Double(layers.count)
        for layer in layers {
            let c = layer.centre.data.map(Double.init), r = layer.radius.data.map(Double.init)
            let n = Double(c.count)
            var dc = [Double](repeating: 0, count: c.count), dr = [Double](repeating: 0, count: c.count)

            // Tightness: ReLU(tau - t0 / T) / tau with T = mean(r) (clamped at 1e-12 as the authors do).
            let meanRadius = r.reduce(0, +) / n
            let clamped = max(meanRadius, 1e-12)
            let slack = tau - inputRadius / clamped
            if slack > 0 {
                out.tightness += slack / tau / k
                if meanRadius > 1e-12 {
                    // d(-t0 / T)/d r_j = t0 / (T^2 N).
                    let g = inputRadius / (clamped * clamped * n) / tau / k
                    for j in dr.indices { dr[j] += g }
                }
            }

            // ReLU balance.
            let active = zip(c, r).map { $0 - $1 > 0 }, inactive = zip(c, r).map { $0 + $1 < 0 }
            let mean = c.reduce(0, +) / n
            var sumActive = 0.0, sumInactive = 0.0, varActive = 0.0, varInactive = 0.0
            var devActive = 0.0, devInactive = 0.0   // sums of (c - mean) over each mask
            for j in c.indices {
                let d = c[j] - mean
                if active[j] { sumActive += c[j]; varActive += d * d; devActive += d }
                if inactive[j] { sumInactive += c[j]; varInactive += d * d; devInactive += d }
            }
            // The mean ratio MA / (-MI) with MA = sum_A c / N, MI = sum_I c / N (the 1/N cancels).
            guard let meanPart = balance(sumActive, -sumInactive, tau: tau),
                  let varPart = balance(varActive, varInactive, tau: tau) else {
                out.dCentre.append(Tensor(shape: layer.centre.shape, data: dc.map(Float.init)))
                out.dRadius.append(Tensor(shape: layer.radius.shape, data: dr.map(Float.init)))
                continue
            }
            out.relu += (meanPart.loss + varPart.loss) / k
            for j in c.indices {
                // d(sum_A c)/d c_j = A_j, d(-sum_I c)/d c_j = -I_j;
                // d(sum_A (c - mean)^2)/d c_j = 2 (c_j - mean) A_j - (2/N) sum_A (c - mean), likewise for I.
                let d = c[j] - mean
                var g = meanPart.dNumerator * (active[j] ? 1 : 0) + meanPart.dDenominator * (inactive[j] ? -1 : 0)
                g += varPart.dNumerator * ((active[j] ? 2 * d : 0) - 2 * devActive / n)
                g += varPart.dDenominator * ((inactive[j] ? 2 * d : 0) - 2 * devInactive / n)
                dc[j] += g / k
            }
            out.dCentre.append(Tensor(shape: layer.centre.shape, data: dc.map(Float.init)))
            out.dRadius.append(Tensor(shape: layer.radius.shape, data: dr.map(Float.init)))
        }
        return out
    }

    /// ReLU(tau - min(rho, 1/rho)) / tau for rho = a / b (a, b >= 0) and its derivatives in a and b; nil when a and
    /// b are both 0 (0/0: the layer is left out, as the authors skip a NaN term).
    private static func balance(_ a: Double, _ b: Double, tau: Double)
        -> (loss: Double, dNumerator: Double, dDenominator: Double)? {
        if a == 0 && b == 0 { return nil }
        // rho = 0 or infinite: min(rho, 1/rho) = 0, a constant 1 with no gradient.
        if a == 0 || b == 0 { return (1, 0, 0) }
        let rho = a / b
        // m = min(rho, 1/rho); dm/da and dm/db.
        let (m, dmda, dmdb) = rho <= 1 ? (rho, 1 / b, -a / (b * b)) : (b / a, -b / (a * a), 1 / a)
        guard tau - m > 0 else { return (0, 0, 0) }
        return ((tau - m) / tau, -dmda / tau, -dmdb / tau)
    }
}
