import Foundation
import IBPFormats

/// An ONNX classifier as a `ChainModel`: the file is read and lowered to a chain of `ChainOp`s by IBPFormats
/// (`ONNXChain`: the operator table, constant folding, shape checks), checked against `ResourceLimits`, and each
/// step becomes one layer (`layer(for:input:name:)`), weights copied bit for bit:
///
/// | ChainOp | layer |
/// |---|---|
/// | dense | `Linear` |
/// | conv | `Conv2D` (any `ConvGeometry`) |
/// | elementwiseAffine | `ElementwiseAffine` |
/// | relu, sigmoid, tanh | `Activation` |
/// | reshape | `Reshape` |
/// | pad | `ZeroPad` |
/// | averagePool | `AveragePool` |
/// | maxPool | `MaxPool` |
public enum ONNXImport {
    /// Reads the `.onnx` file at `url` (the path as the user gave it names the file in errors).
    /// - Parameter batch: the largest batch the caller will run (for the memory check).
    /// - Throws: `ONNXError` (unreadable, malformed, unsupported operators, not a chain, shapes), `CheckpointError`
    ///   (over `ResourceLimits`), one line naming the file.
    public static func read(_ url: URL, batch: Int = 1) throws -> ChainModel {
        let path = url.relativePath
        let graph = try ONNXModel.read(url)
        let chain = try ONNXChain.lower(graph, path: path)
        do {
            try ResourceLimits.check(chain, batch: batch)
        } catch let e as ResourceLimits.Exceeded {
            throw CheckpointError(path: path, reason: e.message)
        }
        return model(chain, name: url.lastPathComponent)
    }

    /// The chain's layers as a model (`ResourceLimits.check(_:batch:)` should have accepted it).
    public static func model(_ chain: ONNXChain, name: String) -> ChainModel {
        var shape = chain.inputShape
        var layers: [Layer] = []
        for (index, step) in chain.steps.enumerated() {
            let layer = self.layer(for: step.op, input: shape, name: "s\(index)")
            precondition(layer.outputShape == step.outputShape, "\(LayerName.of(index, step.op.name)) gives \(layer.outputShape), not \(step.outputShape)")
            layers.append(layer)
            shape = layer.outputShape
        }
        return ChainModel(name: name, inputShape: chain.inputShape, layers: layers)
    }

    /// The layer computing `op` on samples of shape `input` (which `op.outputShape(for:)` accepts); parameters are
    /// named `NAME/W`, `NAME/b` (dense, conv) or `NAME/scale`, `NAME/shift` (elementwise affine).
    public static func layer(for op: ChainOp, input: [Int], name: String) -> Layer {
        switch op {
        case .dense(let d):
            let layer = Linear(inputShape: input, outFeatures: d.outputs, name: name)
            layer.weight.value = Tensor(shape: [d.outputs, d.inputs], data: d.weight)
            layer.bias.value = Tensor(shape: [d.outputs], data: d.bias)
            return layer
        case .conv(let c):
            let p = c.padding
            let geometry = ConvGeometry(channels: c.inChannels, height: input[1], width: input[2],
                                        kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth, strideH: c.strideH,
                                        strideW: c.strideW, padTop: p.top, padLeft: p.left, padBottom: p.bottom,
                                        padRight: p.right)
            let layer = Conv2D(geometry: geometry, outChannels: c.outChannels, name: name)
            layer.weight.value = Tensor(shape: [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth], data: c.weight)
            layer.bias.value = Tensor(shape: [c.outChannels], data: c.bias)
            return layer
        case let .elementwiseAffine(scale, shift):
            let layer = ElementwiseAffine(shape: input, name: name)
            layer.scale.value = Tensor(shape: input, data: scale)
            layer.shift.value = Tensor(shape: input, data: shift)
            return layer
        case .relu: return Activation(.relu, shape: input)
        case .sigmoid: return Activation(.sigmoid, shape: input)
        case .tanh: return Activation(.tanh, shape: input)
        case .reshape(let shape): return Reshape(inputShape: input, outputShape: shape)
        case .pad(let p): return ZeroPad(inputShape: input, top: p.top, left: p.left, bottom: p.bottom, right: p.right)
        case let .averagePool(window, countIncludePad):
            return AveragePool(windows: windows(window, input: input), countIncludePad: countIncludePad)
        case .maxPool(let window):
            return MaxPool(windows: windows(window, input: input))
        }
    }

    /// A pooling window over [C, H, W] as `PoolWindows`.
    static func windows(_ w: PoolWindow, input: [Int]) -> PoolWindows {
        PoolWindows(ConvGeometry(channels: input[0], height: input[1], width: input[2], kernelHeight: w.kernelHeight,
                                 kernelWidth: w.kernelWidth, strideH: w.strideH, strideW: w.strideW, padTop: w.padding.top,
                                 padLeft: w.padding.left, padBottom: w.padding.bottom, padRight: w.padding.right))
    }
}
