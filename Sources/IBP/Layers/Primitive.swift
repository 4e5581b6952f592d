/// What a layer is to a bound method: one of a closed set of maps. Every bound method (`BoundMethod`) is a
/// `switch` over these cases, so a method that forgets one does not compile, and a layer kind that reduces to them
/// (normalisation, padding, average pooling, inference batch norm) needs no method code at all.
/// The design follows DeepMind's IBP code (`apply_linear`, `apply_conv2d`, `apply_increasing_monotonic_fn`,
/// `apply_batch_reshape` on one bounds type) and auto_LiRPA's operator table.
public enum Primitive {
    /// y = W x + b, with W applied, |W| applied and W transposed applied (`AffineMap`).
    case affine(any AffineMap)
    /// y_i = f(x_i) for a monotone non-decreasing f with a linear relaxation on every [l, u] (`MonotoneKind`).
    case monotone(MonotoneKind)
    /// y = x read with another sample shape (same row-major order): exact under every method.
    case reshape(to: [Int])
    /// y_(c,i,j) = max of x_c over window (i, j) (`PoolWindows`, `MaxPool`): non-decreasing in every input, so the
    /// interval image of [l, u] is exactly [maxpool(l), maxpool(u)]; CROWN has no relaxation for it and refuses.
    case maxPool(PoolWindows)
}

/// An affine map y = W x + b between sample shapes, given by what bound methods need of it rather than by W.
/// Shapes exclude the batch axis; every batch argument is (n, inputShape) or (n, outputShape), row-major.
public protocol AffineMap {
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }
    /// Most terms in one output's dot product (the fan-in), for rounding-error bounds of sound mode.
    var fanIn: Int { get }
    /// W x + b for a batch x (n, inputShape) -> (n, outputShape): the layer's own forward kernel, so methods
    /// built on it give the same bits as the fused training path.
    func apply(_ x: Tensor) -> Tensor
    /// |W| r for a batch r (n, inputShape) -> (n, outputShape), no bias (IBP's radius pass).
    func applyAbsolute(_ r: Tensor) -> Tensor
    /// A W for a batch of rows A (m, outputShape) -> (m, inputShape): the transposed map, no bias (CROWN's
    /// backward step; the layer's input-gradient kernel).
    func applyTransposed(_ a: Tensor) -> Tensor
    /// Rows `outputs` of W as a batch (outputs.count, inputShape), built without a GEMM (CROWN starts a
    /// neuron's backward pass from its own row).
    func weightRows(_ outputs: Range<Int>) -> Tensor
    /// b, one value per output element (outputShape flattened).
    var biasVector: [Float] { get }
}

extension AffineMap {
    public var inputSize: Int { inputShape.reduce(1, *) }
    public var outputSize: Int { outputShape.reduce(1, *) }

    /// IBP through the map (Gowal et al. 2019, section 3): the nominal rows and centres mu go through W x + b,
    /// the radii r through |W| r, so [mu' - r', mu' + r'] encloses the image of [mu - r, mu + r]. Shapes (n,
    /// inputShape) -> (n, outputShape). The fused forward of every affine layer, on the kernels `IntervalMethod`
    /// calls, so training and verification give the same bits.
    public func intervalImage(of input: Flow) -> Flow {
        Flow(values: apply(input.values), radius: input.radius.map { applyAbsolute($0) })
    }
}
