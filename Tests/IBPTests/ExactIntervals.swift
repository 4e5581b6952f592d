import BigInt
@testable import IBP

/// An exact dyadic rational m 2^e: every float is one, and sums, products, max and halving stay dyadic,
/// so IBP through affine and ReLU layers can be computed exactly.
struct Dyadic: Comparable {
    var mantissa: BigInt
    var exponent: Int

    init(mantissa: BigInt, exponent: Int) { self.mantissa = mantissa; self.exponent = exponent }

    /// The exact value of a finite float.
    init(_ f: Float) {
        precondition(f.isFinite)
        let bits = BigInt(f.significandBitPattern)
        let normal = f.exponentBitPattern != 0
        let m = normal ? bits + (BigInt(1) << 23) : bits
        mantissa = f.sign == .minus ? -m : m
        exponent = normal ? Int(f.exponentBitPattern) - 127 - 23 : -149
    }

    static let zero = Dyadic(mantissa: 0, exponent: 0)

    static func + (a: Dyadic, b: Dyadic) -> Dyadic {
        let e = min(a.exponent, b.exponent)
        return Dyadic(mantissa: (a.mantissa << (a.exponent - e)) + (b.mantissa << (b.exponent - e)), exponent: e)
    }

    static prefix func - (a: Dyadic) -> Dyadic { Dyadic(mantissa: -a.mantissa, exponent: a.exponent) }
    static func - (a: Dyadic, b: Dyadic) -> Dyadic { a + -b }

    static func * (a: Dyadic, b: Dyadic) -> Dyadic {
        Dyadic(mantissa: a.mantissa * b.mantissa, exponent: a.exponent + b.exponent)
    }

    static func < (a: Dyadic, b: Dyadic) -> Bool { (a - b).mantissa.signum() < 0 }
    static func == (a: Dyadic, b: Dyadic) -> Bool { (a - b).mantissa.signum() == 0 }

    var isNegative: Bool { mantissa.signum() < 0 }

    /// About the value, for messages (the mantissa is cut to 60 bits first so the Double does not overflow).
    var approximate: Double {
        let cut = max(0, mantissa.bitWidth - 60)
        return Double(mantissa >> cut) * Double(sign: .plus, exponent: exponent + cut, significand: 1)
    }
}

/// Exact-arithmetic IBP of a network of Linear, Conv2D, ReLU and Flatten layers with the network's float weights.
struct ExactIBP {
    var lower: [Dyadic]
    var upper: [Dyadic]

    init(lower: [Dyadic], upper: [Dyadic]) { self.lower = lower; self.upper = upper }

    /// The real input box [clip(x - eps, 0, 1), clip(x + eps, 0, 1)] of one sample.
    init(input x: [Float], epsilon: Float) {
        let e = Dyadic(epsilon), zero = Dyadic.zero, one = Dyadic(Float(1))
        lower = x.map { min(max(Dyadic($0) - e, zero), one) }
        upper = x.map { min(max(Dyadic($0) + e, zero), one) }
    }

    /// Every stage (`x`, then the names of `Network.stages`) of one sample.
    static func stages(_ net: Network, input x: [Float], epsilon: Float) -> [(name: String, box: ExactIBP)] {
        var box = ExactIBP(input: x, epsilon: epsilon)
        var out = [(name: "x", box: box)]
        for (layer, name) in zip(net.body + [net.head as Layer], net.stageNames + ["y"]) {
            box = box.through(layer)
            if let name { out.append((name, box)) }
        }
        return out
    }

    /// Worst-case elided margins max over the head's input box of (W_j - W_y) h + b_j - b_y.
    static func margins(_ net: Network, input x: [Float], epsilon: Float, label y: Int) -> [Dyadic] {
        let box = net.body.reduce(ExactIBP(input: x, epsilon: epsilon)) { $0.through($1) }
        let w = net.head.weight.value.data, b = net.head.bias.value.data, d = net.head.inFeatures
        return (0..<net.classes).map { j in
            var m = Dyadic(b[j]) - Dyadic(b[y])
            for i in 0..<d {
                let diff = Dyadic(w[j * d + i]) - Dyadic(w[y * d + i])
                m = m + diff * (diff.isNegative ? box.lower[i] : box.upper[i])
            }
            return m
        }
    }

    func through(_ layer: Layer) -> ExactIBP {
        switch layer {
        case let linear as Linear:
            let d = linear.inFeatures
            return affine(linear.weight.value.data, linear.bias.value.data, outputs: linear.outFeatures) { o in
                (0..<d).map { (weight: o * d + $0, input: $0) }
            }
        case let conv as Conv2D:
            let g = conv.geometry, P = g.outPixels
            return affine(conv.weight.value.data, conv.bias.value.data, outputs: conv.outChannels * P) { o in
                let c = o / P, oy = (o % P) / g.outWidth, ox = o % g.outWidth
                var taps: [(weight: Int, input: Int)] = []
                for ci in 0..<g.channels {
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let iy = oy * g.strideH + ky - g.padTop, ix = ox * g.strideW + kx - g.padLeft
                            guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                            taps.append((((c * g.channels + ci) * g.kernelHeight + ky) * g.kernelWidth + kx,
                                         (ci * g.height + iy) * g.width + ix))
                        }
                    }
                }
                return taps
            }
        case let activation as Activation:
            precondition(activation.kind == .relu, "exact IBP handles ReLU only")
            return ExactIBP(lower: lower.map { max($0, .zero) }, upper: upper.map { max($0, .zero) })
        default:
            return self
        }
    }

    /// Output o: sum over its taps of w [l, u] (l if w >= 0 else u for the lower end) plus the bias of o's channel.
    private func affine(_ w: [Float], _ b: [Float], outputs: Int,
                        taps: (Int) -> [(weight: Int, input: Int)]) -> ExactIBP {
        var lo: [Dyadic] = [], hi: [Dyadic] = []
        let perBias = outputs / b.count
        for o in 0..<outputs {
            var l = Dyadic(b[o / perBias]), u = l
            for t in taps(o) {
                let weight = Dyadic(w[t.weight])
                l = l + weight * (weight.isNegative ? upper[t.input] : lower[t.input])
                u = u + weight * (weight.isNegative ? lower[t.input] : upper[t.input])
            }
            lo.append(l); hi.append(u)
        }
        return ExactIBP(lower: lo, upper: hi)
    }
}
