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
    /// an imported input normalisation or Mul/Add by constants) folded into a conv or linear layer where that is
    /// exact, as fresh layers: the same function with one affine step fewer, in layers the fast CROWN passes know
    /// (`LaneRows`, `ConvolutionWindows`):
    /// - after a conv or linear layer: W' = diag(s) W, b' = s b + t (`scaled`); for a conv only when s and t are
    ///   each constant over a channel's positions;
    /// - otherwise (an input normalisation), before the next linear layer, across reshapes: W' = W diag(s),
    ///   b' = b + W t; or before a conv right after it that reads no padding (the padded zeros are not mapped), with
    ///   s and t constant per input channel (`scaledInputs`).
    /// A map that fits neither stays. `position[i]` is the index in the result of the layer that computes original
    /// layer i's output, or for a map folded into a later layer, that layer's index.
    /// Without a fold, `layers` itself (the same objects); the originals' weights and caches are never touched.
    static func foldingDiagonals(_ layers: [Layer]) -> (layers: [Layer], position: [Int]) {
        let (forward, first) = foldingIntoNext(layers)
        let (folded, second) = foldingIntoPrevious(forward)
        return (folded, first.map { second[$0] })
    }

    /// The diagonal maps of `layers` that no conv or linear layer precedes, folded into the layer after them.
    private static func foldingIntoNext(_ layers: [Layer]) -> (layers: [Layer], position: [Int]) {
        var folded: [Layer] = [], position: [Int] = []
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            if let diagonal = diagonalMap(layer), !(index > 0 && foldsIntoPrevious(diagonal, after: layers[index - 1])) {
                var next = index + 1
                while next < layers.count, case .reshape = layers[next].primitive { next += 1 }
                if next < layers.count, layers[next] is Linear || (layers[next] is Conv2D && next == index + 1),
                   let copy = scaledInputs(layers[next], scale: diagonal.scale.value.data,
                                           shift: diagonal.shift.value.data) {
                    let reshapes = layers[(index + 1)..<next]
                    position.append(folded.count + reshapes.count)
                    for reshape in reshapes {
                        position.append(folded.count)
                        folded.append(reshape)
                    }
                    position.append(folded.count)
                    folded.append(copy)
                    index = next + 1
                    continue
                }
            }
            position.append(folded.count)
            folded.append(layer)
            index += 1
        }
        return (folded, position)
    }

    /// The diagonal maps of `layers` right after a conv or linear layer, folded into it.
    private static func foldingIntoPrevious(_ layers: [Layer]) -> (layers: [Layer], position: [Int]) {
        var folded: [Layer] = [], position: [Int] = []
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            if index + 1 < layers.count, let diagonal = diagonalMap(layers[index + 1]),
               foldsIntoPrevious(diagonal, after: layer), let channels = layer.outputShape.first,
               let s = perChannel(diagonal.scale.value.data, channels: channels),
               let t = perChannel(diagonal.shift.value.data, channels: channels),
               let copy = scaled(layer, scale: s, shift: t), finiteParameters(copy) {
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

    /// Whether `diagonal` has the form that folds into `layer` before it: any map after a linear layer, one constant
    /// on each channel's plane after a conv.
    private static func foldsIntoPrevious(_ diagonal: ElementwiseAffine, after layer: Layer) -> Bool {
        guard layer is Conv2D || layer is Linear, let channels = layer.outputShape.first else { return false }
        return perChannel(diagonal.scale.value.data, channels: channels) != nil
            && perChannel(diagonal.shift.value.data, channels: channels) != nil
    }

    /// The layer's diagonal affine map (an `ElementwiseAffine`, or a `BatchNorm`'s evaluation map), or nil.
    private static func diagonalMap(_ layer: Layer) -> ElementwiseAffine? {
        if case let .affine(map) = layer.primitive { return map as? ElementwiseAffine }
        return nil
    }

    /// Whether every weight and bias of `layer` is finite (a fold can overflow Float; then the layers stay apart).
    private static func finiteParameters(_ layer: Layer) -> Bool {
        layer.parameters.allSatisfy { $0.value.data.allSatisfy(\.isFinite) }
    }

    /// A fresh copy of a linear layer computing W (s x + t) + b = (W diag(s)) x + (b + W t), s and t over its
    /// inputs (flattened); or of a conv that reads no padding, s and t constant on each input channel's plane:
    /// W'[o, c] = W[o, c] s_c, b'_o = b_o + sum_(c,u,v) W[o, c, u, v] t_c. The sums in Double, rounded once.
    /// nil for another layer, a conv that reads padding or maps that vary within a channel, or a non-finite result.
    static func scaledInputs(_ layer: Layer, scale s: [Float], shift t: [Float]) -> Layer? {
        let inputs: [Float], shift: [Float], perInput: Int
        switch layer {
        case let linear as Linear:
            guard s.count == linear.inFeatures, t.count == s.count else { return nil }
            (inputs, shift, perInput) = (s, t, 1)
        case let conv as Conv2D:
            let g = conv.geometry
            guard g.padTop == 0, g.padLeft == 0, (g.outHeight - 1) * g.strideH + g.kernelHeight <= g.height,
                  (g.outWidth - 1) * g.strideW + g.kernelWidth <= g.width,
                  s.count == g.channels * g.height * g.width, t.count == s.count,
                  let sc = perChannel(s, channels: g.channels), let tc = perChannel(t, channels: g.channels)
            else { return nil }
            (inputs, shift, perInput) = (sc, tc, g.kernelHeight * g.kernelWidth)
        default:
            return nil
        }
        guard let copy = scaled(layer, scale: nil, shift: nil) else { return nil }
        let weight = copy.parameters[0], bias = copy.parameters[1]
        let rows = weight.value.shape[0], size = weight.value.count / rows
        precondition(size == inputs.count * perInput, "input maps of \(inputs.count) values meet rows of \(size)")
        for o in 0..<rows {
            var sum = Double(bias.value.data[o])
            for i in 0..<size {
                let w = weight.value.data[o * size + i], c = i / perInput
                sum += Double(w) * Double(shift[c])
                weight.value.data[o * size + i] = w * inputs[c]
            }
            bias.value.data[o] = Float(sum)
        }
        return finiteParameters(copy) ? copy : nil
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
