import IBPFormats

extension ResourceLimits {
    /// The limits of `check(_:for:)` for an imported chain of `ChainOp`s (an ONNX model), before any layer is built:
    /// values of one sample at every stage, parameters, multiply-adds of one sample, every dimension of a
    /// convolution or pooling, each convolution's im2col workspace and the memory of an evaluation batch of `batch`
    /// samples (the nominal rows and interval centres, a radius row, and a cached forward pass for PGD).
    /// - Throws: `Exceeded`, naming the layer (`layer 4 (conv, from node 'Conv_0' (Conv))`, `LayerName`), the size and the limit.
    @discardableResult
    public static func check(_ chain: ONNXChain, batch: Int) throws -> Estimate {
        var e = Estimate()
        let n = max(1, batch), valueRows = product(2, n)
        var shape = chain.inputShape
        var stageSum = shape.reduce(1, *), weightCopies = 0, workspaceSum = 0
        guard stageSum <= maxValuesPerSample else {
            throw Exceeded(message: "the input of shape \(shape) holds \(grouped(stageSum)) values per sample, over the "
                           + "limit of \(grouped(maxValuesPerSample))")
        }
        e.valuesPerSample = stageSum
        for (index, step) in chain.steps.enumerated() {
            let from = step.nodes.isEmpty ? "" : ", from node\(step.nodes.count == 1 ? "" : "s") \(step.nodes.joined(separator: ", "))"
            let name = LayerName.of(index, step.op.name + from)
            let outValues = step.outputShape.reduce(1) { product($0, $1) }
            guard outValues <= maxValuesPerSample else {
                throw Exceeded(message: "\(name) outputs shape \(step.outputShape), \(grouped(outValues)) values per "
                               + "sample, over the limit of \(grouped(maxValuesPerSample))")
            }
            e.valuesPerSample = max(e.valuesPerSample, outValues)
            stageSum = sum(stageSum, outValues)
            var work = 0
            switch step.op {
            case .dense(let d):
                e.parameters = sum(e.parameters, product(d.outputs, d.inputs), d.outputs)
                weightCopies = sum(weightCopies, product(d.outputs, d.inputs))
                work = product(d.outputs, d.inputs)
            case .conv(let c):
                let p = c.padding
                let sizes = [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth, c.strideH, c.strideW,
                             shape[1], shape[2], p.top, p.left, p.bottom, p.right]
                guard sizes.allSatisfy({ $0 <= maxDimension }) else {
                    throw Exceeded(message: "\(name) has a size over \(maxDimension) (channels, kernel, strides, pads "
                                   + "and input sides \(sizes))")
                }
                let g = ConvGeometry(channels: c.inChannels, height: shape[1], width: shape[2],
                                     kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth, strideH: c.strideH,
                                     strideW: c.strideW, padTop: p.top, padLeft: p.left, padBottom: p.bottom,
                                     padRight: p.right)
                let k = g.patchSize, o = c.outChannels
                e.parameters = sum(e.parameters, product(o, k), o)
                weightCopies = sum(weightCopies, product(o, k))
                work = product(o, k, g.outPixels)
                let bytes = product(convWorkspaceFloats(g, outChannels: o, rows: valueRows, training: false), 4)
                if bytes > e.largestWorkspaceBytes { (e.largestWorkspaceBytes, e.largestWorkspaceLayer) = (bytes, name) }
                guard bytes <= maxLayerWorkspaceBytes else {
                    throw Exceeded(message: "\(LayerName.of(index, "conv \(o)x\(c.inChannels), \(g.summary)\(from)")) needs a \(format(bytes)) "
                                   + "im2col workspace for \(n) sample\(n == 1 ? "" : "s"), over the limit of "
                                   + "\(format(maxLayerWorkspaceBytes))")
                }
                workspaceSum = sum(workspaceSum, bytes)
            case .elementwiseAffine(let s, _):
                e.parameters = sum(e.parameters, product(2, s.count))
                work = s.count
            case .averagePool(let w, _), .maxPool(let w):
                let sizes = [w.kernelHeight, w.kernelWidth, w.strideH, w.strideW]
                guard sizes.allSatisfy({ $0 <= maxDimension }) else {
                    throw Exceeded(message: "\(name) has a window size over \(maxDimension) (\(sizes))")
                }
                work = product(outValues, w.kernelHeight, w.kernelWidth)
            case .relu, .sigmoid, .tanh, .reshape, .pad:
                work = outValues
            }
            e.multiplyAddsPerSample = sum(e.multiplyAddsPerSample, work)
            guard e.parameters <= maxParameters else {
                throw Exceeded(message: "\(name) brings the parameters to \(grouped(e.parameters)), over the limit of "
                               + "\(grouped(maxParameters))")
            }
            guard e.multiplyAddsPerSample <= maxMultiplyAddsPerSample else {
                throw Exceeded(message: "\(name) brings the work per sample to \(grouped(e.multiplyAddsPerSample)) "
                               + "operations, over the limit of \(grouped(maxMultiplyAddsPerSample))")
            }
            shape = step.outputShape
        }
        // As `check(_:for:)` for evaluation: parameters and |W| copies, two live stages of the IBP rows, and a cached
        // forward pass of the batch.
        let rows = sum(valueRows, n), cached = sum(stageSum, product(2, e.valuesPerSample))
        let activationFloats = sum(product(rows, 2, e.valuesPerSample), product(n, cached))
        e.batchBytes = sum(product(4, sum(e.parameters, weightCopies, activationFloats)), workspaceSum)
        guard e.batchBytes <= maxBatchBytes else {
            throw Exceeded(message: "a batch of \(n) sample\(n == 1 ? "" : "s") needs about \(format(e.batchBytes)), "
                           + "over the limit of \(format(maxBatchBytes))")
        }
        return e
    }
}
