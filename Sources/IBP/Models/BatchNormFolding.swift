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
            let (s, t) = next?.evaluationScaleShift ?? ([], [])
            switch layer {
            case let conv as Conv2D:
                let copy = Conv2D(geometry: conv.geometry, outChannels: conv.outChannels, name: conv.bias.name.replacingOccurrences(of: "/b", with: ""))
                copy.weight.value = conv.weight.value
                copy.bias.value = conv.bias.value
                if next != nil { scaleRows(weight: copy.weight, bias: copy.bias, scale: s, shift: t) }
                layers.append(copy)
            case let linear as Linear:
                let copy = Linear(inputShape: linear.inputShape, outFeatures: linear.outFeatures,
                                  name: linear.bias.name.replacingOccurrences(of: "/b", with: ""))
                copy.weight.value = linear.weight.value
                copy.bias.value = linear.bias.value
                if next != nil { scaleRows(weight: copy.weight, bias: copy.bias, scale: s, shift: t) }
                layers.append(copy)
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

    /// Row o of W (all its inputs) times s[o]; b[o] = s[o] b[o] + t[o].
    private static func scaleRows(weight: Parameter, bias: Parameter, scale s: [Float], shift t: [Float]) {
        let rows = weight.value.shape[0], size = weight.value.count / rows
        precondition(s.count == rows, "a batch normalisation of \(s.count) channels after \(rows) outputs")
        for o in 0..<rows {
            for i in 0..<size { weight.value.data[o * size + i] *= s[o] }
            bias.value.data[o] = s[o] * bias.value.data[o] + t[o]
        }
    }
}
