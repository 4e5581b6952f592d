/// W' = diag(s) W, b' = s b + t: a batch normalisation in evaluation (y = s x + t per channel, `BatchNorm`) folded
/// into the conv or linear layer right before it, which then computes the pair exactly in real arithmetic (for IBP
/// too: |diag(s) W| = diag(|s|) |W|). What `convert` exports and what a reader of the ONNX file sees; a batch
/// normalisation that follows no affine layer stays as its elementwise affine map.
public enum BatchNormFolding {
    /// `network` as a chain with every batch normalisation folded where possible; fresh layers, so the network's
    /// own caches and weights are untouched.
    public static func folded(_ network: Network) -> ChainModel {
        let source = network.body + [network.head as Layer]
        var layers: [Layer] = []
        var index = 0
        while index < source.count {
            let layer = source[index]
            let next = index + 1 < source.count ? source[index + 1] as? BatchNorm : nil
            let scaleShift = next?.evaluationScaleShift
            switch layer {
            case is Conv2D, is Linear:
                layers.append(scaled(layer, scale: scaleShift?.scale, shift: scaleShift?.shift)!)
            case let bn as BatchNorm:
                layers.append(bn.evaluationMap)
            case let a as Activation:
                layers.append(Activation(a.kind, shape: a.inputShape))
            case let f as Flatten:
                layers.append(Flatten(inputShape: f.inputShape))
            default:
                preconditionFailure("a Network holds only conv, linear, activation, flatten and batch normalisation")
            }
            // A folded batch normalisation is consumed with its affine layer.
            index += (next != nil && (layer is Conv2D || layer is Linear)) ? 2 : 1
        }
        return ChainModel(name: network.architecture.name, inputShape: network.architecture.inputShape, layers: layers)
    }

    /// A fresh copy of a conv or linear layer (nil for any other layer) computing diag(s) (W x + b) + t per output
    /// channel: row o of W (all its inputs) times s[o], b[o] = s[o] b[o] + t[o]; with `scale` nil, the same map.
    /// `scale` and `shift` hold one value per output channel (conv) or output (linear).
    static func scaled(_ layer: Layer, scale s: [Float]?, shift t: [Float]?) -> Layer? {
        let copy: Layer, weight: Parameter, bias: Parameter, source: (weight: Parameter, bias: Parameter)
        switch layer {
        case let conv as Conv2D:
            let c = Conv2D(geometry: conv.geometry, outChannels: conv.outChannels,
                           name: conv.bias.name.replacingOccurrences(of: "/b", with: ""))
            (copy, weight, bias, source) = (c, c.weight, c.bias, (conv.weight, conv.bias))
        case let linear as Linear:
            let l = Linear(inputShape: linear.inputShape, outFeatures: linear.outFeatures,
                           name: linear.bias.name.replacingOccurrences(of: "/b", with: ""))
            (copy, weight, bias, source) = (l, l.weight, l.bias, (linear.weight, linear.bias))
        default:
            return nil
        }
        weight.value = source.weight.value
        bias.value = source.bias.value
        guard let s, let t else { return copy }
        let rows = weight.value.shape[0], size = weight.value.count / rows
        precondition(s.count == rows && t.count == rows, "a scale of \(s.count) channels after \(rows) outputs")
        for o in 0..<rows {
            for i in 0..<size { weight.value.data[o * size + i] *= s[o] }
            bias.value.data[o] = s[o] * bias.value.data[o] + t[o]
        }
        return copy
    }

    /// `layers` with every diagonal affine map (`ElementwiseAffine`: an inference batch normalisation's primitive,
    /// an imported Mul/Add by constants) that directly follows a conv or linear layer folded into it, as `scaled`
    /// does: the same function with one affine step fewer, in layers the fast CROWN passes know (`LaneRows`,
    /// `ConvolutionWindows`). A conv takes the map only when s and t are each constant over a channel's positions
    /// (else the map stays). `position[i]` is the index in the result of the layer that computes original layer
    /// i (a folded pair shares one), so `position` is non-decreasing and ends at `layers.count - 1`.
    /// Fresh copies, so the originals' weights and caches are untouched; without a pair, `layers` itself.
    static func foldingDiagonals(_ layers: [Layer]) -> (layers: [Layer], position: [Int]) {
        var folded: [Layer] = [], position: [Int] = []
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            if index + 1 < layers.count, layer is Conv2D || layer is Linear,
               case let .affine(map) = layers[index + 1].primitive, let diagonal = map as? ElementwiseAffine,
               let channels = layer.outputShape.first,
               let s = perChannel(diagonal.scale.value.data, channels: channels),
               let t = perChannel(diagonal.shift.value.data, channels: channels),
               let copy = scaled(layer, scale: s, shift: t) {
                position += [folded.count, folded.count]
                folded.append(copy)
                index += 2
            } else {
                position.append(folded.count)
                folded.append(layer)
                index += 1
            }
        }
        return (folded, position)
    }

    /// One value per channel when `values` (channels blocks of equal size, row-major) is constant over each block.
    private static func perChannel(_ values: [Float], channels: Int) -> [Float]? {
        guard channels > 0, values.count % channels == 0 else { return nil }
        let k = values.count / channels
        var result = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let first = values[c * k]
            guard values[c * k..<(c + 1) * k].allSatisfy({ $0 == first }) else { return nil }
            result[c] = first
        }
        return result
    }
}
