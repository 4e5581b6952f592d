/// Interval bound propagation (Gowal et al., ICCV 2019, section 3, equations 5-6) over primitives, in
/// centre/radius form: affine mu' = W mu + b, r' = |W| r; monotone [f(mu - r), f(mu + r)]; reshape exact; max
/// pooling [maxpool(mu - r), maxpool(mu + r)].
/// The specification is folded into the last affine map when there is one (C W mu + C b + d -/+ |C W| r, section
/// 3.1's elision), else applied to the output interval. Every kernel is the one the fused training path
/// (`Layer.forward` with a radius) runs, so the stages are the same bits (checked in `BoundMethodTests`).
public struct IntervalMethod: BoundMethod {
    public var name: BoundMethodName { .ibp }

    public init() {}

    public func bounds(_ layers: [Layer], box: InputBox, specification: Specification?,
                       upperOnly: Bool) -> ChainBounds {
        let run = propagate(layers, box: box, specification: specification)
        if upperOnly {
            return ChainBounds(stages: [box.interval], specification: run.specification, finite: run.finite)
        }
        // The input stage is the box itself, exact; later stages are [mu - r, mu + r] rounded to nearest.
        return ChainBounds(stages: [box.interval] + run.stages.dropFirst().map(Interval.init),
                           specification: run.specification, finite: run.finite)
    }

    /// The stages in centre/radius form (for CROWN-IBP's intermediate bounds and the figures).
    func propagate(_ layers: [Layer], box: InputBox, specification: Specification?)
        -> (stages: [IntervalBounds], specification: Interval?, finite: [Bool]) {
        var current = IntervalBounds(enclosing: box)
        var finite = [Bool](repeating: true, count: box.batch)
        var stages = [current]
        var spec: Interval?
        for (index, layer) in layers.enumerated() {
            let last = index == layers.count - 1
            switch layer.primitive {
            case let .affine(map):
                if last, let specification {
                    spec = IntervalMethod.folded(specification, into: map, layer: layer, input: current)
                }
                current = IntervalBounds(centre: map.apply(current.centre), radius: map.applyAbsolute(current.radius))
            case let .monotone(f):
                current = IntervalMethod.image(f, current)
            case let .reshape(shape):
                current = IntervalBounds(centre: current.centre.reshaped(sampleShape: shape),
                                         radius: current.radius.reshaped(sampleShape: shape))
            case let .maxPool(windows):
                current = windows.intervalImage(current)
            }
            ChainBounds.markNonFinite(current.centre, in: &finite)
            ChainBounds.markNonFinite(current.radius, in: &finite)
            stages.append(current)
        }
        if spec == nil, let specification {
            spec = LinearBound.rows(specification, centre: current.centre, radius: current.radius)
        }
        if let spec {
            ChainBounds.markNonFinite(spec.lower, in: &finite)
            ChainBounds.markNonFinite(spec.upper, in: &finite)
        }
        return (stages, spec, finite)
    }

    /// [f(mu - r), f(mu + r)] in centre/radius form (`MonotoneKind.intervalImage`).
    static func image(_ f: MonotoneKind, _ box: IntervalBounds) -> IntervalBounds {
        let (centre, radius) = Tensor.pair(shape: box.centre.shape) { c, out in
            box.centre.data.withUnsafeBufferPointer { mu in
                box.radius.data.withUnsafeBufferPointer { r in
                    f.intervalImage(centre: mu.baseAddress!, radius: r.baseAddress!, intoCentre: c, radius: out,
                                    count: mu.count)
                }
            }
        }
        return IntervalBounds(centre: centre, radius: radius)
    }

    /// Bounds of C (W x + b) + d over the box of x: rows C W (one transposed pass), bias C b + d. The elided
    /// classification specification on a dense head uses `ElidedSpecification.margins` for its upper bounds,
    /// the very function training differentiates, so verification and the loss see the same numbers.
    static func folded(_ spec: Specification, into map: any AffineMap, layer: Layer,
                       input: IntervalBounds) -> Interval {
        let n = spec.batch, k = spec.rowCount
        let c = spec.rows.flattenedRows(n * k, spec.outputs).reshaped(sampleShape: map.outputShape)
        let a = map.applyTransposed(c)
        let b = map.biasVector
        var bias = spec.offsets
        for row in 0..<(n * k) {
            var acc: Float = 0
            for j in 0..<spec.outputs { acc += spec.rows.data[row * spec.outputs + j] * b[j] }
            bias[row] += acc
        }
        let (lo, hi) = LinearBound.evaluate(a, rowsPerSample: k, centre: input.centre, radius: input.radius,
                                            bias: bias)
        var upper = Tensor(shape: [n, k], data: hi)
        if let labels = spec.labels, let head = layer as? Linear, spec.offsets.allSatisfy({ $0 == 0 }) {
            upper = ElidedSpecification.margins(head: head, centre: input.centre.reshaped(sampleShape: [head.inFeatures]),
                                                radius: input.radius.reshaped(sampleShape: [head.inFeatures]),
                                                labels: labels)
        }
        return Interval(lower: Tensor(shape: [n, k], data: lo), upper: upper)
    }
}
