/// Merging of neighbouring steps after lowering, each an exact identity of real arithmetic (products computed in
/// Double from the Float parameters, rounded to Float once):
/// - elementwise affine after dense: W' = diag(s) W, b' = s * b + t (MatMul + Add, Gemm + Mul, dense + BatchNorm);
/// - elementwise affine after conv, when s and t are constant on each output channel's plane:
///   W'[o] = s_o W[o], b'_o = s_o b_o + t_o (Conv + BatchNorm, Conv + per-channel Add);
/// - elementwise affine after elementwise affine: s = s2 s1, t = s2 t1 + t2 (Sub then Div);
/// - a BatchNormalization's elementwise affine that none of these absorbed, before dense: W' = W diag(s),
///   b' = b + W t; before conv without padding, s and t constant per input channel: W'[o, c] = W[o, c] s_c,
///   b'_o = b_o + sum_{c,u,v} W[o, c, u, v] t_c (with padding, the zeros would not be mapped, so it stays);
/// - reshape after reshape: the last one; a reshape to the shape it gets, and an elementwise map with s = 1 and
///   t = 0: dropped.
/// A merge whose result would overflow Float is not made.
/// Input normalisation (Sub/Div at the start) stays a step of its own: it has no affine map before it.
enum ChainFolding {
    /// A step during lowering: the op, the shape after it, and where it came from.
    struct Step {
        var op: ChainOp
        var outputShape: [Int]
        var nodes: [String]
        var opTypes: [String]
    }

    static func fold(_ steps: [Step], inputShape: [Int]) throws -> [Step] {
        var out: [Step] = []
        var pending = steps[...]
        while let step = pending.popFirst() {
            let before = out.last
            if let prev = before, let merged = mergeBackward(prev, step) {
                out[out.count - 1] = merged
                continue
            }
            if step.opTypes == ["BatchNormalization"], let next = pending.first,
               let merged = mergeForward(step, into: next, inputShape: before?.outputShape ?? inputShape) {
                pending.removeFirst()
                pending.insert(merged, at: pending.startIndex)
                continue
            }
            out.append(step)
        }
        return dropIdentities(out, inputShape: inputShape)
    }

    /// The steps without reshapes to the shape they get and elementwise maps with s = 1, t = 0.
    private static func dropIdentities(_ steps: [Step], inputShape: [Int]) -> [Step] {
        var out: [Step] = []
        var shape = inputShape
        for step in steps {
            switch step.op {
            case .reshape(let to) where to == shape: continue
            case let .elementwiseAffine(s, t) where s.allSatisfy({ $0 == 1 }) && t.allSatisfy({ $0 == 0 }): continue
            default:
                out.append(step)
                shape = step.outputShape
            }
        }
        return out
    }

    /// `op` when all its parameters are finite (folding can overflow Float), else nil: then the steps stay apart.
    static func finite(_ op: ChainOp) -> ChainOp? {
        switch op {
        case .dense(let d): return d.weight.allSatisfy(\.isFinite) && d.bias.allSatisfy(\.isFinite) ? op : nil
        case .conv(let c): return c.weight.allSatisfy(\.isFinite) && c.bias.allSatisfy(\.isFinite) ? op : nil
        case let .elementwiseAffine(s, t): return s.allSatisfy(\.isFinite) && t.allSatisfy(\.isFinite) ? op : nil
        default: return op
        }
    }

    /// `prev` then `step` as one step, or nil when they do not merge.
    private static func mergeBackward(_ prev: Step, _ step: Step) -> Step? {
        var merged = prev
        merged.nodes += step.nodes
        merged.opTypes += step.opTypes
        merged.outputShape = step.outputShape
        switch (prev.op, step.op) {
        case let (.dense(d), .elementwiseAffine(s, t)):
            var weight = d.weight, bias = d.bias
            for o in 0..<d.outputs {
                let so = Double(s[o])
                for i in 0..<d.inputs { weight[o * d.inputs + i] = Float(so * Double(d.weight[o * d.inputs + i])) }
                bias[o] = Float(so * Double(d.bias[o]) + Double(t[o]))
            }
            merged.op = .dense(DenseOp(inputs: d.inputs, outputs: d.outputs, weight: weight, bias: bias))
        case let (.conv(c), .elementwiseAffine(s, t)):
            guard let (cs, ct) = perChannel(s, t, channels: c.outChannels) else { return nil }
            var conv = c
            let perOutput = c.inChannels * c.kernelHeight * c.kernelWidth
            for o in 0..<c.outChannels {
                for k in 0..<perOutput { conv.weight[o * perOutput + k] = Float(cs[o] * Double(c.weight[o * perOutput + k])) }
                conv.bias[o] = Float(cs[o] * Double(c.bias[o]) + ct[o])
            }
            merged.op = .conv(conv)
        case let (.elementwiseAffine(s1, t1), .elementwiseAffine(s2, t2)):
            merged.op = .elementwiseAffine(scale: zip(s1, s2).map { Float(Double($0) * Double($1)) },
                                           shift: (0..<t1.count).map { Float(Double(s2[$0]) * Double(t1[$0]) + Double(t2[$0])) })
        case (.reshape, .reshape(let shape)):
            merged.op = .reshape(shape)
        default:
            return nil
        }
        guard let op = finite(merged.op) else { return nil }
        merged.op = op
        return merged
    }

    /// A BatchNormalization's elementwise affine map `step` (on samples of `inputShape`) folded into the dense or
    /// conv `next` after it, or nil.
    private static func mergeForward(_ step: Step, into next: Step, inputShape: [Int]) -> Step? {
        guard case let .elementwiseAffine(s, t) = step.op else { return nil }
        var merged = next
        merged.nodes = step.nodes + next.nodes
        merged.opTypes = step.opTypes + next.opTypes
        switch next.op {
        case .dense(let d):
            var weight = d.weight, bias = d.bias
            for o in 0..<d.outputs {
                var b = Double(d.bias[o])
                for i in 0..<d.inputs {
                    let w = Double(d.weight[o * d.inputs + i])
                    weight[o * d.inputs + i] = Float(w * Double(s[i]))
                    b += w * Double(t[i])
                }
                bias[o] = Float(b)
            }
            merged.op = .dense(DenseOp(inputs: d.inputs, outputs: d.outputs, weight: weight, bias: bias))
        case .conv(let c):
            guard c.padding.isZero, inputShape.count == 3, let (cs, ct) = perChannel(s, t, channels: c.inChannels) else { return nil }
            var conv = c
            let kernel = c.kernelHeight * c.kernelWidth
            for o in 0..<c.outChannels {
                var b = Double(c.bias[o])
                for ci in 0..<c.inChannels {
                    for k in 0..<kernel {
                        let index = (o * c.inChannels + ci) * kernel + k
                        let w = Double(c.weight[index])
                        conv.weight[index] = Float(w * cs[ci])
                        b += w * ct[ci]
                    }
                }
                conv.bias[o] = Float(b)
            }
            merged.op = .conv(conv)
        default:
            return nil
        }
        guard let op = finite(merged.op) else { return nil }
        merged.op = op
        return merged
    }

    /// The per-channel values of s and t over [channels, plane] samples, or nil when they vary within a plane.
    private static func perChannel(_ s: [Float], _ t: [Float], channels: Int) -> ([Double], [Double])? {
        guard channels > 0, s.count % channels == 0 else { return nil }
        let plane = s.count / channels
        var cs: [Double] = [], ct: [Double] = []
        for k in 0..<channels {
            let range = (k * plane)..<((k + 1) * plane)
            guard s[range].allSatisfy({ $0 == s[k * plane] }), t[range].allSatisfy({ $0 == t[k * plane] }) else { return nil }
            cs.append(Double(s[k * plane]))
            ct.append(Double(t[k * plane]))
        }
        return (cs, ct)
    }
}
