import Foundation
import IBPFormats

/// An elementwise monotone non-decreasing activation f, the primitive every bound method handles with two rules:
/// the interval image [f(l), f(u)] (IBP) and a linear relaxation a_l z + b_l <= f(z) <= a_u z + b_u on [l, u]
/// (CROWN; Zhang et al., NeurIPS 2018, section 3.2 and table 1).
public enum MonotoneKind: String, Codable, Sendable, CaseIterable, NamedChoice {
    case relu, sigmoid, tanh

    /// f(z) in float32, the same function the layers compute.
    public func value(_ z: Float) -> Float {
        switch self {
        case .relu: return ReLU.value(z)
        case .sigmoid: return Sigmoid.value(z)
        case .tanh: return Tanh.value(z)
        }
    }

    /// Interval image in centre/radius form, for a flat run of `count` elements:
    /// l = mu - r, u = mu + r, [f(l), f(u)] back to centre f(l)/2 + f(u)/2 and radius f(u)/2 - f(l)/2.
    /// Halving before adding keeps the centre finite whenever both ends are (fl((a + b)/2) would overflow for
    /// ends near 3e38) and gives the same bits as halving the sum everywhere else (halving is exact).
    /// The fused training path (`Activation`) and the IBP method both call this, so they agree bit for bit.
    func intervalImage(centre mu: UnsafePointer<Float>, radius r: UnsafePointer<Float>,
                       intoCentre centres: UnsafeMutablePointer<Float>, radius radii: UnsafeMutablePointer<Float>,
                       count: Int) {
        switch self {
        case .relu: MonotoneKind.intervalImage(ReLU.self, mu, r, centres, radii, count)
        case .sigmoid: MonotoneKind.intervalImage(Sigmoid.self, mu, r, centres, radii, count)
        case .tanh: MonotoneKind.intervalImage(Tanh.self, mu, r, centres, radii, count)
        }
    }

    // The function is a type parameter rather than a closure: inside the parallel loops a closure stays an
    // indirect call per element, a type is specialised (and vectorised).
    private static func intervalImage<F: MonotoneFunction>(
        _: F.Type, _ mu: UnsafePointer<Float>, _ r: UnsafePointer<Float>, _ centres: UnsafeMutablePointer<Float>,
        _ radii: UnsafeMutablePointer<Float>, _ count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            for i in range {
                let lo = F.value(mu[i] - r[i]), hi = F.value(mu[i] + r[i])
                centres[i] = hi * 0.5 + lo * 0.5
                radii[i] = hi * 0.5 - lo * 0.5
            }
        }
    }

    /// f over a flat run: out[i] = f(x[i]).
    func apply(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: MonotoneKind.apply(ReLU.self, x, out, count)
        case .sigmoid: MonotoneKind.apply(Sigmoid.self, x, out, count)
        case .tanh: MonotoneKind.apply(Tanh.self, x, out, count)
        }
    }

    private static func apply<F: MonotoneFunction>(_: F.Type, _ x: UnsafePointer<Float>,
                                                   _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            for i in range { out[i] = F.value(x[i]) }
        }
    }

    /// Chain rule for the nominal rows: dx[i] = g[i] f'(x[i]).
    func derivativeTimes(_ g: UnsafePointer<Float>, at x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                         count: Int) {
        switch self {
        case .relu: MonotoneKind.derivativeTimes(ReLU.self, g, x, dx, count)
        case .sigmoid: MonotoneKind.derivativeTimes(Sigmoid.self, g, x, dx, count)
        case .tanh: MonotoneKind.derivativeTimes(Tanh.self, g, x, dx, count)
        }
    }

    private static func derivativeTimes<F: MonotoneFunction>(
        _: F.Type, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            for i in range { dx[i] = g[i] * F.derivative(x[i]) }
        }
    }

    /// Chain rule through `intervalImage`: given d/d(centre') and d/d(radius') returns d/d(mu) and d/d(r)
    /// (l = mu - r and u = mu + r each feed both outputs with weight 1/2).
    func intervalImageBackward(dCentre gmu: UnsafePointer<Float>, dRadius gr: UnsafePointer<Float>,
                               centre mu: UnsafePointer<Float>, radius r: UnsafePointer<Float>,
                               intoCentre dmu: UnsafeMutablePointer<Float>, radius dr: UnsafeMutablePointer<Float>,
                               count: Int) {
        switch self {
        case .relu: MonotoneKind.intervalImageBackward(ReLU.self, gmu, gr, mu, r, dmu, dr, count)
        case .sigmoid: MonotoneKind.intervalImageBackward(Sigmoid.self, gmu, gr, mu, r, dmu, dr, count)
        case .tanh: MonotoneKind.intervalImageBackward(Tanh.self, gmu, gr, mu, r, dmu, dr, count)
        }
    }

    private static func intervalImageBackward<F: MonotoneFunction>(
        _: F.Type, _ gmu: UnsafePointer<Float>, _ gr: UnsafePointer<Float>, _ mu: UnsafePointer<Float>,
        _ r: UnsafePointer<Float>, _ dmu: UnsafeMutablePointer<Float>, _ dr: UnsafeMutablePointer<Float>,
        _ count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            for i in range {
                let dl = (gmu[i] - gr[i]) * 0.5 * F.derivative(mu[i] - r[i])
                let du = (gmu[i] + gr[i]) * 0.5 * F.derivative(mu[i] + r[i])
                dmu[i] = dl + du
                dr[i] = du - dl
            }
        }
    }
}

/// A monotone non-decreasing function and its derivative, as a type so loops over it are specialised.
protocol MonotoneFunction {
    static func value(_ z: Float) -> Float
    static func derivative(_ z: Float) -> Float
}

enum ReLU: MonotoneFunction {
    @inline(__always) static func value(_ z: Float) -> Float { max(z, 0) }
    @inline(__always) static func derivative(_ z: Float) -> Float { z > 0 ? 1 : 0 }
}

enum Sigmoid: MonotoneFunction {
    @inline(__always) static func value(_ z: Float) -> Float { 1 / (1 + expf(-z)) }
    @inline(__always) static func derivative(_ z: Float) -> Float { let s = value(z); return s * (1 - s) }
}

enum Tanh: MonotoneFunction {
    @inline(__always) static func value(_ z: Float) -> Float { tanhf(z) }
    @inline(__always) static func derivative(_ z: Float) -> Float { let t = tanhf(z); return 1 - t * t }
}
