/// y_(c,i,j) = max of x_c over window (i, j) (`PoolWindows`; padding ignored): ONNX MaxPool with floor rounding.
/// Max is non-decreasing in every input, so the interval image of the box [l, u] is exactly [maxpool(l), maxpool(u)]
/// (IBP and sound IBP need no relaxation; Gowal et al. 2019, section 3, monotone maps). Not affine and not
/// elementwise, so it is a primitive of its own (`Primitive.maxPool`); CROWN has no rule for it and refuses.
public final class MaxPool: Layer {
    public let windows: PoolWindows
    public var inputShape: [Int] { windows.inputShape }
    public var outputShape: [Int] { windows.outputShape }
    public var primitive: Primitive { .maxPool(windows) }

    private var cachedInput: Flow?

    public init(windows: PoolWindows) {
        self.windows = windows
    }

    public func forward(_ input: Flow, cache: Bool) -> Flow {
        let n = input.values.batch, nominal = input.nominalRows
        var values = Tensor(zeros: [n] + outputShape)
        var radius: Tensor?
        input.values.data.withUnsafeBufferPointer { x in
            values.data.withUnsafeMutableBufferPointer { y in
                windows.pool(x.baseAddress!, batch: nominal, into: y.baseAddress!)
                guard let r = input.radius else { return }
                radius = Tensor(zeros: [r.batch] + outputShape)
                r.data.withUnsafeBufferPointer { rp in
                    radius!.data.withUnsafeMutableBufferPointer { ro in
                        windows.intervalImage(centre: x.baseAddress! + nominal * windows.inputSize, radius: rp.baseAddress!,
                                              batch: r.batch, intoCentre: y.baseAddress! + nominal * windows.outputSize,
                                              radius: ro.baseAddress!)
                    }
                }
            }
        }
        if cache { cachedInput = input }
        return Flow(values: values, radius: radius)
    }

    /// The gradient of an output goes to the first largest input of its window (the subgradient PyTorch and ONNX
    /// Runtime take); for the interval rows, dl' = (dmu' - dr')/2 goes to the argmax of l = mu - r and
    /// du' = (dmu' + dr')/2 to the argmax of u = mu + r, then dmu = dl + du and dr = du - dl.
    public func backward(_ grad: Flow, inputGradient: Bool, parameterGradients: Bool) -> Flow {
        let input = Flow.cached(cachedInput, for: grad)
        guard inputGradient else { return Flow(values: Tensor(zeros: [0] + inputShape)) }
        let nominal = input.nominalRows, inSize = windows.inputSize, outSize = windows.outputSize
        var dValues = Tensor(zeros: input.values.shape)
        var dRadius: Tensor?
        // Nominal rows: the gradient to each window's argmax.
        for s in 0..<nominal {
            windows.routeToArgmax(Array(input.values.data[s * inSize..<(s + 1) * inSize]),
                                  grad: Array(grad.values.data[s * outSize..<(s + 1) * outSize]), scale: 1,
                                  into: &dValues.data, offset: s * inSize)
        }
        if let r = input.radius, let gr = grad.radius {
            var dr = Tensor(zeros: r.shape)
            for s in 0..<r.batch {
                let mu = input.values.data[(nominal + s) * inSize..<(nominal + s + 1) * inSize]
                let rs = r.data[s * inSize..<(s + 1) * inSize]
                let lower = zip(mu, rs).map { $0 - $1 }, upper = zip(mu, rs).map { $0 + $1 }
                let gmu = grad.values.data[(nominal + s) * outSize..<(nominal + s + 1) * outSize]
                let grs = gr.data[s * outSize..<(s + 1) * outSize]
                let dl = zip(gmu, grs).map { ($0 - $1) * 0.5 }, du = zip(gmu, grs).map { ($0 + $1) * 0.5 }
                var toLower = [Float](repeating: 0, count: inSize), toUpper = toLower
                windows.routeToArgmax(lower, grad: dl, scale: 1, into: &toLower, offset: 0)
                windows.routeToArgmax(upper, grad: du, scale: 1, into: &toUpper, offset: 0)
                for i in 0..<inSize {
                    dValues.data[(nominal + s) * inSize + i] = toLower[i] + toUpper[i]
                    dr.data[s * inSize + i] = toUpper[i] - toLower[i]
                }
            }
            dRadius = dr
        }
        return Flow(values: dValues, radius: dRadius)
    }
}

extension PoolWindows {
    /// y = maxpool(x) for `batch` samples.
    func pool(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>) {
        let g = geometry, inPixels = g.inPixels, outW = g.outWidth, outPixels = g.outPixels
        forEachPlane(batch: batch) { plane in
            let from = x + plane * inPixels, to = y + plane * outPixels
            for i in 0..<g.outHeight {
                for j in 0..<outW {
                    let w = window(i, j)
                    var best = -Float.infinity
                    for r in w.y0..<w.y1 {
                        let row = from + r * g.width
                        for c in w.x0..<w.x1 { best = Swift.max(best, row[c]) }
                    }
                    to[i * outW + j] = best
                }
            }
        }
    }

    /// maxpool(x) of a batch (n, inputShape) -> (n, outputShape).
    public func maximum(_ x: Tensor) -> Tensor {
        precondition(x.sampleSize == inputSize, "max pooling of \(inputShape) meets rows of \(x.sampleShape)")
        var y = Tensor(zeros: [x.batch] + outputShape)
        x.data.withUnsafeBufferPointer { xp in
            y.data.withUnsafeMutableBufferPointer { pool(xp.baseAddress!, batch: x.batch, into: $0.baseAddress!) }
        }
        return y
    }

    /// The interval image in centre/radius form: l = mu - r, u = mu + r, [maxpool(l), maxpool(u)] back to centre
    /// u'/2 + l'/2 and radius u'/2 - l'/2 (halving first, as `MonotoneKind.intervalImage`, so ends near the largest
    /// float cannot overflow the centre). The layer's fused forward and the IBP method both call this.
    func intervalImage(centre mu: UnsafePointer<Float>, radius r: UnsafePointer<Float>, batch: Int,
                       intoCentre centres: UnsafeMutablePointer<Float>, radius radii: UnsafeMutablePointer<Float>) {
        let inCount = batch * inputSize, outCount = batch * outputSize
        let ends = UnsafeMutablePointer<Float>.allocate(capacity: 2 * (inCount + outCount))
        defer { ends.deallocate() }
        let lower = ends, upper = ends + inCount, lowerOut = upper + inCount, upperOut = lowerOut + outCount
        for i in 0..<inCount {
            lower[i] = mu[i] - r[i]
            upper[i] = mu[i] + r[i]
        }
        pool(lower, batch: batch, into: lowerOut)
        pool(upper, batch: batch, into: upperOut)
        for i in 0..<outCount {
            let lo = lowerOut[i], hi = upperOut[i]
            centres[i] = hi * 0.5 + lo * 0.5
            radii[i] = hi * 0.5 - lo * 0.5
        }
    }

    /// The interval image of a batch in centre/radius form (`intervalImage(centre:radius:...)`).
    public func intervalImage(_ box: IntervalBounds) -> IntervalBounds {
        let n = box.centre.batch
        var centre = Tensor(zeros: [n] + outputShape), radius = centre
        box.centre.data.withUnsafeBufferPointer { mu in
            box.radius.data.withUnsafeBufferPointer { r in
                centre.data.withUnsafeMutableBufferPointer { c in
                    radius.data.withUnsafeMutableBufferPointer { o in
                        intervalImage(centre: mu.baseAddress!, radius: r.baseAddress!, batch: n,
                                      intoCentre: c.baseAddress!, radius: o.baseAddress!)
                    }
                }
            }
        }
        return IntervalBounds(centre: centre, radius: radius)
    }

    /// Adds scale * grad[window] to the first largest input of each window of one sample `x`, at `offset` in `dx`.
    func routeToArgmax(_ x: [Float], grad: [Float], scale: Float, into dx: inout [Float], offset: Int) {
        let g = geometry
        for c in 0..<g.channels {
            for i in 0..<g.outHeight {
                for j in 0..<g.outWidth {
                    let w = window(i, j)
                    var best = -Float.infinity, at = -1
                    for r in w.y0..<w.y1 {
                        for q in w.x0..<w.x1 {
                            let v = x[c * g.inPixels + r * g.width + q]
                            if at < 0 || v > best { best = v; at = c * g.inPixels + r * g.width + q }
                        }
                    }
                    dx[offset + at] += scale * grad[(c * g.outHeight + i) * g.outWidth + j]
                }
            }
        }
    }
}
