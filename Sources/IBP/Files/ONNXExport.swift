import Foundation
import IBPFormats

/// A model written as ONNX (`ONNXWriter`): each layer becomes the `ChainOp` that `ONNXImport` maps back to the same
/// layer, parameters bit for bit, so a model read back gives bit-identical bounds (the layers' kernels are the
/// same). The project's checkpoints (`Network`: conv SAME/VALID as explicit pads, flatten, linear) and imported
/// models (`ChainModel`) both export.
public enum ONNXExport {
    /// The model's layers as a chain over its input shape.
    /// - Throws: `CheckpointError` when a layer has no ONNX form (none of the library's kinds lacks one).
    public static func chain(_ model: any Classifier, path: String) throws -> ONNXChain {
        // Batch normalisation is written folded into the layer before it (`BatchNormFolding`).
        var model = model
        if let network = model as? Network, !network.batchNorms.isEmpty { model = BatchNormFolding.folded(network) }
        var steps: [ChainStep] = []
        for (index, layer) in model.layers.enumerated() {
            guard let op = chainOp(layer) else {
                throw CheckpointError(path: path, reason: "\(LayerName.of(index, "\(type(of: layer))")) has no ONNX form")
            }
            steps.append(ChainStep(op: op, outputShape: layer.outputShape, nodes: []))
        }
        return ONNXChain(inputName: "x", outputName: "y", inputShape: model.inputShape, steps: steps)
    }

    /// Writes the model to `url` atomically.
    public static func write(_ model: any Classifier, to url: URL) throws {
        let data = try ONNXWriter.serialize(try chain(model, path: url.relativePath), producer: "ibpvis")
        try AtomicFile.write(data, to: url)
    }

    /// The op that `ONNXImport.layer(for:input:name:)` turns back into `layer`.
    static func chainOp(_ layer: Layer) -> ChainOp? {
        switch layer {
        case let l as Linear:
            return .dense(DenseOp(inputs: l.inFeatures, outputs: l.outFeatures, weight: l.weight.value.data,
                                  bias: l.bias.value.data))
        case let c as Conv2D:
            let g = c.geometry
            return .conv(ConvOp(outChannels: c.outChannels, inChannels: g.channels, kernelHeight: g.kernelHeight,
                                kernelWidth: g.kernelWidth, weight: c.weight.value.data, bias: c.bias.value.data,
                                strideH: g.strideH, strideW: g.strideW, padding: padding(g)))
        case let e as ElementwiseAffine:
            return .elementwiseAffine(scale: e.scale.value.data, shift: e.shift.value.data)
        case let b as BatchNorm:
            return chainOp(b.evaluationMap)
        case let a as Activation:
            switch a.kind {
            case .relu: return .relu
            case .sigmoid: return .sigmoid
            case .tanh: return .tanh
            }
        case let f as Flatten:
            return .reshape(f.outputShape)
        case let r as Reshape:
            return .reshape(r.outputShape)
        case let p as ZeroPad:
            return .pad(Padding2D(top: p.top, left: p.left, bottom: p.bottom, right: p.right))
        case let a as AveragePool:
            return .averagePool(window(a.windows), countIncludePad: a.countIncludePad)
        case let m as MaxPool:
            return .maxPool(window(m.windows))
        default:
            return nil
        }
    }

    /// The explicit pads of a geometry: top and left as given, bottom and right as far as the last window reaches
    /// (the same output size under floor rounding).
    static func padding(_ g: ConvGeometry) -> Padding2D {
        Padding2D(top: g.padTop, left: g.padLeft, bottom: g.padBottom, right: g.padRight)
    }

    static func window(_ w: PoolWindows) -> PoolWindow {
        let g = w.geometry
        return PoolWindow(kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, strideH: g.strideH,
                          strideW: g.strideW, padding: padding(g))
    }
}
