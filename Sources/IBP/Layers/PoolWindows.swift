/// The windows of a 2-D pooling over [C, H, W]: output (c, i, j) reads channel c over rows
/// i sH - padTop ..< i sH - padTop + kH and columns j sW - padLeft ..< j sW - padLeft + kW, the part inside the image
/// (padding is no data: max pooling ignores it, average pooling counts it only with `count_include_pad`).
/// Floor rounding of the output size, as `ConvGeometry` (ONNX AveragePool and MaxPool with `ceil_mode` 0).
/// Every window covers at least one input position when the pads are smaller than the kernel
/// (`ChainOp.outputShape(for:)` checks this for imported graphs; `init` requires it).
public struct PoolWindows: Equatable, Sendable {
    /// The window geometry, read per channel (its `channels` are the pooled channels).
    public let geometry: ConvGeometry

    public init(_ geometry: ConvGeometry) {
        precondition(geometry.outHeight > 0 && geometry.outWidth > 0 && geometry.padTop >= 0 && geometry.padLeft >= 0
                     && geometry.padTop < geometry.kernelHeight && geometry.padLeft < geometry.kernelWidth
                     && geometry.padBottom < geometry.kernelHeight && geometry.padRight < geometry.kernelWidth,
                     "pooling \(geometry.summary) on \(geometry.height)x\(geometry.width) has a window without input")
        self.geometry = geometry
    }

    public var inputShape: [Int] { [geometry.channels, geometry.height, geometry.width] }
    public var outputShape: [Int] { [geometry.channels, geometry.outHeight, geometry.outWidth] }
    public var inputSize: Int { geometry.channels * geometry.inPixels }
    public var outputSize: Int { geometry.channels * geometry.outPixels }

    /// The in-image rows (y0..<y1) and columns (x0..<x1) of window (i, j).
    @inline(__always)
    func window(_ i: Int, _ j: Int) -> (y0: Int, y1: Int, x0: Int, x1: Int) {
        let g = geometry
        let top = i &* g.strideH &- g.padTop, left = j &* g.strideW &- g.padLeft
        return (Swift.max(top, 0), Swift.min(top &+ g.kernelHeight, g.height),
                Swift.max(left, 0), Swift.min(left &+ g.kernelWidth, g.width))
    }

    /// Calls `body(plane, window)` for every (sample, channel) plane of a batch of `count` samples, planes split over
    /// the workers.
    func forEachPlane(batch: Int, _ body: (Int) -> Void) {
        Parallel.chunks(batch * geometry.channels, minChunk: max(1, 8192 / max(geometry.inPixels, 1))) { planes in
            for plane in planes { body(plane) }
        }
    }
}
