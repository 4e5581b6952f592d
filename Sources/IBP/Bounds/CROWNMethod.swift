import CKernels
import Synchronization

/// CROWN (Zhang et al., NeurIPS 2018, theorem 3.2) and CROWN-IBP (Zhang et al., ICLR 2020, section 3): bounds
/// of linear functions A z + c of a stage by backward propagation of linear bounds through the chain.
///
/// Starting from rows A over a layer's output (for a neuron, its own row of W; for the specification, C W_head),
/// each layer going back is one step: through an affine map c += A b and A <- A W (`AffineMap.applyTransposed`);
/// through a monotone function with relaxation a_l z + b_l <= f(z) <= a_u z + b_u (`MonotoneKind.relaxation`), for
/// an upper bound the positive part of A takes the upper line and the negative part the lower one; a reshape only
/// re-reads A. At the input box [mu - r, mu + r] the upper bound is A mu + c + |A| r (`LinearBound`). Lower bounds
/// are upper bounds of the negated rows, so one pass of stacked rows gives both.
///
/// CROWN bounds every affine stage by its own backward pass (as auto_LiRPA's `method='CROWN'` with dense
/// intermediate bounds); CROWN-IBP takes every intermediate stage from IBP and runs the backward pass only for the
/// last layer and the specification. Monotone stages are the interval image of their bounded input.
public struct CROWNMethod: BoundMethod {
    public enum Intermediate: Sendable { case ibp, crown }

    public var intermediate: Intermediate
    /// Most floats of one row block held at once (the rows A, before and after a step): 2^22, 16 MiB each, under
    /// the heap's mmap threshold (`HeapTuning`), so freed blocks are reused rather than page-faulted in again.
    /// Row blocks are cut to fit, so memory does not grow with the batch or the layer width.
    public var rowBudget = 1 << 22
    /// Whether a convolution's neurons are bounded on windows (`ConvolutionWindows`) where the chain below allows;
    /// off, every neuron's row is dense (the reference the windows are tested against).
    var windows = true
    /// Whether the windows' passes run on lanes where no window reaches padding (`ConvolutionWindows.laneBounds`);
    /// off, on rows (the reference the lanes are tested against).
    var windowLanes = true
    /// Whether backward passes run with each sample's rows as SIMD lanes, skipping dead neurons (`LaneRows`) where
    /// the chain allows; off, as dense rows through the layers' GEMM kernels (the reference the lanes are tested
    /// against).
    var lanes = true
    /// Whether the lanes take an unpadded convolution by GEMM when most of its rows' vectors are live
    /// (`LaneRows.convolutionGEMM`); off, by the scatter (the reference it is tested against).
    var laneConvolutionsByGEMM = true
    /// The lanes are used for a pass only when at least this share of the neurons of the monotone layers below it
    /// is dead (`LaneRows.deadShare`): 0.5, the break-even of the measured 2x either way (not tuned further).
    /// A layer's own rows through unpadded convolutions only take the lanes whatever the share (`lanePass`).
    var minimumDeadShare = 0.5
    /// Whether zero rows of the specification are bounded by their offsets without a pass (off: every row goes
    /// through the pass, the reference this is tested against).
    var skipZeroRows = true
    /// Whether rows go back through unpadded convolutions with col2im on lanes (`LaneTransposedConvolution`); off,
    /// through `applyTransposed` (the reference it is tested against).
    var laneTransposed = true

    /// Whether diagonal maps (an inference batch normalisation, an input normalisation) are taken without passes of
    /// their own: folded into the conv or linear layer before them for the backward passes
    /// (`BatchNormFolding.foldingDiagonals`), their stages the interval image of their input's (`ElementwiseAffine.image`),
    /// and an affine map after diagonal maps only bounded exactly over their box; off, every diagonal map is one
    /// more backward step and its stage one more pass of its own (the reference this is tested against; 36x slower
    /// on `medium-bn`).
    var foldDiagonals = true

    /// Whether the dense rows' relaxation step also adds the bias term of the affine layer below it
    /// (`Relaxations.fuseBias`); off, `addBias` is a pass of its own (the reference this is tested against).
    var fuseBiases = true

    /// Whether the specification's pass, when it runs on dense rows, holds them as columns (`TransposedRows`, on
    /// CPUs with AVX2); off, as rows through the layers' kernels (the reference it is tested against).
    var transposedRows = true

    /// Whether the specification's dense pass runs on `TransposedRows`.
    private var columnsPass: Bool { transposedRows && TransposedRows.available }

    /// The lane pass from the output of layer `top`, or nil for the dense rows: when enough neurons below are dead
    /// (`minimumDeadShare`), or for a layer's own rows (`sharedRows`, the same for every sample) when every affine
    /// map below is an unpadded convolution (`LaneRows.allConvolutionsByGEMM`: then the lanes' steps are the
    /// GEMMs' and the rows go into lanes once for all samples; `small-nominal`'s CROWN 4.8 -> 4.2 s).
    private func lanePass(_ layers: [Layer], top: Int, relaxations: [Int: Relaxations],
                          sharedRows: Bool = false) -> LaneRows? {
        guard lanes, top >= 0 else { return nil }
        // The share is counted before the pass is built: building it transposes every weight matrix below `top`
        // (`small`'s 3200 x 100 among them), wasted when the rows are dense.
        func deadEnough() -> Bool {
            minimumDeadShare <= 0
                || LaneRows.deadShare(layers, top: top, relaxations: relaxations) >= minimumDeadShare
        }
        if !sharedRows, !deadEnough() { return nil }
        guard var pass = LaneRows(layers, top: top) else { return nil }
        pass.convolutionByGEMM = laneConvolutionsByGEMM
        if sharedRows, !pass.allConvolutionsByGEMM, !deadEnough() { return nil }
        return pass
    }

    /// Most samples of one chunk of a verdict (upper bounds of a specification only): a larger batch is bounded in
    /// chunks, each whole (IBP's stages, the relaxations, the specification's pass) on one core, the chunks on all
    /// cores at once (`chunkedVerdict`), whole groups of `verdictGroup` samples each (48 for the default 50), smaller
    /// towards the end of the batch.
    /// Why chunks: a CROWN-IBP verdict holds about 200 KB per `small` sample between its phases (IBP's bounds of
    /// every stage, four relaxation lines per neuron), 100 MB for a batch of 500 that came as fresh pages the kernel
    /// faulted in and zeroed (a quarter of the process's CPU time was the kernel's on 1,000 images) and went through
    /// L3 to memory and back between phases; a chunk of 50 samples stays in L3 with the other core's chunk and
    /// reuses the last chunk's freed heap blocks. Why a chunk per core: the phases of one chunk were some thirty
    /// parallel loops, each ending when its slower core did (`small-nominal`'s CROWN-IBP ran 1.6x as fast on two
    /// cores as on one; with a chunk per core, 2.0x, in single runs). Each sample's bounds are computed as in the whole batch,
    /// except that the choice between lanes and rows (`minimumDeadShare`) is made per chunk (both give the same
    /// bounds within 1e-5 of the rows' magnitude, `LaneRowsTests`). Read only for a verdict: other calls return
    /// every stage, which is what a caller of the whole batch reads.
    public var verdictChunk = 50

    /// A verdict's chunks hold whole groups of this many samples (`chunkedVerdict`): the lanes of `TransposedRows`'
    /// panels. Tests make it 1 to cut a small batch into uneven chunks.
    var verdictGroup = TransposedRows.lanes

    /// Checked between layers and row blocks; when it returns true, `bounds` throws `BoundMethodError.stopped`
    /// (a pass over a wide layer takes seconds, so a time limit is kept within one block, not one layer).
    public var stop: (() -> Bool)?

    public init(intermediate: Intermediate, stoppingWhen stop: (() -> Bool)? = nil) {
        self.intermediate = intermediate
        self.stop = stop
    }

    /// Whether `stop` says to stop.
    private var stopped: Bool { stop?() ?? false }

    /// Throws `BoundMethodError.stopped` when `stop` says to stop.
    private func checkStop() throws {
        if stopped { throw BoundMethodError.stopped(method: name.rawValue) }
    }

    public var name: BoundMethodName { intermediate == .ibp ? .crownIBP : .crown }

    public func bounds(_ layers: [Layer], box: InputBox, specification: Specification?,
                       upperOnly: Bool) throws -> ChainBounds {
        // No relaxation of max pooling: refused before any work.
        if let refusal = name.refusal(layers) { throw refusal }
        // An empty chain (an ONNX graph of Identity nodes): the specification is affine in the input, and its interval
        // bound over the box, IBP's, is exact, which is what a backward pass would give.
        if layers.isEmpty {
            return IntervalMethod().bounds(layers, box: box, specification: specification, upperOnly: upperOnly)
        }
        let n = box.batch
        if upperOnly, let specification, n > verdictChunk {
            return try chunkedVerdict(layers, box: box, specification: specification)
        }
        let inputBox = IntervalBounds(enclosing: box)
        var finite = [Bool](repeating: true, count: n)
        let ibp = intermediate == .ibp ? IntervalMethod().propagate(layers, box: box, specification: nil) : nil
        var stages = [box.interval]
        // Backward passes run on the chain with every diagonal map folded into the conv or linear layer before it
        // (an inference batch normalisation: one affine step fewer, and the fast passes know the folded layer);
        // `relaxations` are keyed by the folded chain's indices.
        let (chain, position) = foldDiagonals ? BatchNormFolding.foldingDiagonals(layers)
            : (layers, Array(layers.indices))
        var relaxations = [Int: Relaxations]()
        // CROWN-IBP for a verdict reads an activation's output bounds nowhere: the next affine stage is IBP's and the
        // specification's pass reads the relaxations. Those images (two arrays per activation, and their checks for
        // non-finite values, which the pre-activation's check already implies) are then skipped, and `stages` ends
        // at the input, as `BoundMethod` allows with `upperOnly`.
        let skipImages = upperOnly && specification != nil && ibp != nil
        for (index, layer) in layers.enumerated() {
            try checkStop()
            // For a verdict the last affine stage (or folded pair) is not needed: the specification is folded in.
            if upperOnly, specification != nil, position[index] == chain.count - 1, case .affine = layer.primitive {
                break
            }
            let stage: Interval
            switch layer.primitive {
            case let .affine(map):
                if let ibp, index < layers.count - 1 {
                    stage = Interval(ibp.stages[index + 1])
                } else if foldDiagonals, let diagonal = map as? ElementwiseAffine {
                    // Each output reads one input: the interval image of the input's bounds is exact for the map,
                    // and no looser than a backward pass from the output's row.
                    stage = diagonal.image(stages[index])
                } else if layers[..<index].allSatisfy({ layer in
                    switch layer.primitive {
                    case .reshape: true
                    case let .affine(map): foldDiagonals && map is ElementwiseAffine
                    default: false
                    }
                }) {
                    // An affine map of the box itself, or of its image under diagonal maps (an input normalisation),
                    // which is a box exactly: the interval bound W mu + b -/+ |W| r over it is already exact (what a
                    // backward pass from each neuron's row would give, at a fraction of the cost). After reshapes
                    // only, `stages[index]` is the input box itself, so this is the box's own centre and radius.
                    let exact = IntervalBounds(enclosing: InputBox(
                        lower: stages[index].lower.reshaped(sampleShape: map.inputShape),
                        upper: stages[index].upper.reshaped(sampleShape: map.inputShape)))
                    stage = Interval(IntervalBounds(centre: map.apply(exact.centre),
                                                    radius: map.applyAbsolute(exact.radius)))
                } else {
                    // The layer's own rows, back through the folded chain below it.
                    let at = position[index]
                    stage = neuronBounds(map, at: at, layers: Array(chain[..<at]) + [layer], relaxations: relaxations,
                                         box: inputBox)
                }
            case let .monotone(f):
                var relaxation = Relaxations(f, stages[index])
                // The bias of the affine layer below joins the intercepts when the dense rows will step through
                // both (`fuseBiases`).
                let at = position[index]
                // A CROWN-IBP verdict's relaxations are read only by the specification's pass, which then runs on
                // lanes or columns: neither reads the fused intercepts (the columns fold the bias in as they go).
                if fuseBiases, !(skipImages && columnsPass), at > 0, case let .affine(below) = chain[at - 1].primitive {
                    relaxation.fuseBias(below.biasVector)
                }
                relaxations[at] = relaxation
                guard !skipImages else {
                    // A placeholder of the right shape that nothing reads (dropped from the result below).
                    stages.append(stages[index])
                    continue
                }
                stage = CROWNMethod.image(f, stages[index])
            case let .reshape(shape):
                stage = Interval(lower: stages[index].lower.reshaped(sampleShape: shape),
                                 upper: stages[index].upper.reshaped(sampleShape: shape))
            case .maxPool:
                preconditionFailure("refused above")
            }
            ChainBounds.markNonFinite(stage.lower, in: &finite)
            ChainBounds.markNonFinite(stage.upper, in: &finite)
            stages.append(stage)
        }
        // A pass cut short by `stop` left its blocks unfinished.
        try checkStop()
        var spec: Interval?
        if let specification {
            let bounds = specificationBounds(specification, layers: chain, relaxations: relaxations, box: inputBox,
                                             upperOnly: upperOnly)
            if !upperOnly { ChainBounds.markNonFinite(bounds.lower, in: &finite) }
            ChainBounds.markNonFinite(bounds.upper, in: &finite)
            spec = bounds
            try checkStop()
        }
        return ChainBounds(stages: skipImages ? [stages[0]] : stages, specification: spec, finite: finite)
    }

    /// `bounds(_:box:specification:upperOnly: true)` of a batch larger than `verdictChunk`, in chunks of at most
    /// `verdictChunk` samples, bounded concurrently, one chunk per core: the specification's bounds and
    /// `finite` of the chunks, in order; `stages` is the input box alone, as `BoundMethod` allows for `upperOnly`.
    /// A chunk's error (`stop`, which every chunk checks) is thrown after all chunks have ended.
    private func chunkedVerdict(_ layers: [Layer], box: InputBox, specification: Specification) throws
        -> ChainBounds {
        // Chunks of whole groups of 16 samples, the lanes of `TransposedRows`' panels (chunks of 50 filled 50 of
        // their 64 lanes), at most `verdictChunk` samples (at least one group), shrinking towards the end so that the
        // cores finish together: each chunk takes a quarter of what is left per core. With chunks of 50 to the end,
        // the first core to finish waited for the other's last chunk, 3% of CROWN-IBP on `small-nominal`.
        let n = box.batch, L = max(1, verdictGroup), units = (n + L - 1) / L
        let most = max(1, verdictChunk / L), workers = max(1, Parallel.workers)
        var bounds = [0]
        while bounds.last! < units {
            let left = units - bounds.last!
            bounds.append(bounds.last! + max(1, min(most, left / (4 * workers))))
        }
        let chunks = bounds.count - 1
        var parts = [Result<ChainBounds, Error>?](repeating: nil, count: chunks)
        parts.withUnsafeMutableBufferPointer { results in
            let results = results
            let body = { (chunk: Int) in
                let samples = min(n, bounds[chunk] * L)..<min(n, bounds[chunk + 1] * L)
                results[chunk] = Result {
                    try self.bounds(layers, box: InputBox(lower: box.lower.rows(samples),
                                                          upper: box.upper.rows(samples)),
                               specification: specification.samples(samples), upperOnly: true)
                }
            }
            // A chunk per core; the loops inside a chunk then run on the core that took it (`WorkerPool`).
            Parallel.parts(chunks, body)
        }
        var lower = [Float](), upper = [Float](), finite = [Bool]()
        lower.reserveCapacity(n * specification.rowCount)
        upper.reserveCapacity(n * specification.rowCount)
        finite.reserveCapacity(n)
        for result in parts {
            let part = try result!.get()
            lower += part.specification!.lower.data
            upper += part.specification!.upper.data
            finite += part.finite
        }
        let shape = [n, specification.rowCount]
        return ChainBounds(stages: [box.interval],
                           specification: Interval(lower: Tensor(shape: shape, data: lower),
                                                   upper: Tensor(shape: shape, data: upper)),
                           finite: finite)
    }

    /// [f(l), f(u)] elementwise.
    static func image(_ f: MonotoneKind, _ x: Interval) -> Interval {
        // Written straight into new tensors: a copy of the bounds mutated in place was a copy and a pass more.
        func mapped(_ t: Tensor) -> Tensor {
            Tensor(shape: t.shape) { out in
                t.data.withUnsafeBufferPointer { f.apply($0.baseAddress!, into: out, count: $0.count) }
            }
        }
        return Interval(lower: mapped(x.lower), upper: mapped(x.upper))
    }

    /// Bounds of every output of the affine layer `index` by backward passes from its own rows of W (and their
    /// negations, for the lower bounds), in row blocks of whole samples or, for wide layers, of neuron ranges.
    private func neuronBounds(_ map: any AffineMap, at index: Int, layers: [Layer], relaxations: [Int: Relaxations],
                              box: IntervalBounds) -> Interval {
        if windows, let windowed = ConvolutionWindows(layers, index: index) {
            if windowLanes, let bounds = windowed.laneBounds(relaxations: relaxations, box: box, stop: stop) {
                return bounds
            }
            return windowed.bounds(relaxations: relaxations, box: box, rowBudget: rowBudget,
                                   laneTransposed: laneTransposed, stop: stop)
        }
        let n = box.centre.batch, outputs = map.outputSize
        let width = widestStage(layers, through: index)
        let rowsPerBlock = max(2, rowBudget / max(width, 1))
        let neuronsPerBlock = max(1, min(outputs, rowsPerBlock / 2))
        let bias = map.biasVector
        let lanePass = lanePass(layers, top: index - 1, relaxations: relaxations, sharedRows: true)
        var lower = [Float](repeating: 0, count: n * outputs), upper = lower
        var start = 0
        while start < outputs, !stopped {
            let neurons = start..<min(outputs, start + neuronsPerBlock)
            let w = map.weightRows(neurons)
            let samplesPerBlock = max(1, rowsPerBlock / (2 * neurons.count))
            var first = 0
            while first < n, !stopped {
                let samples = first..<min(n, first + samplesPerBlock)
                // Per sample: rows W_j (upper bounds), then -W_j (upper bounds of -z_j, i.e. -lower bounds).
                let r = neurons.count, perSample = 2 * r, size = w.sampleSize
                // On lanes the rows are the same for every sample: held once (`LaneRows.upperBounds(shared:)`).
                let copies = lanePass == nil ? samples.count : 1
                var c = [Float](repeating: 0, count: copies * perSample)
                let a = Tensor(shape: [copies * perSample] + map.inputShape) { ap in
                    w.data.withUnsafeBufferPointer { wp in
                        for s in 0..<copies {
                            let base = ap + s * perSample * size
                            base.update(from: wp.baseAddress!, count: r * size)
                            for i in 0..<(r * size) { base[r * size + i] = -wp[i] }
                            for j in 0..<r {
                                c[s * perSample + j] = bias[neurons.lowerBound + j]
                                c[s * perSample + r + j] = -bias[neurons.lowerBound + j]
                            }
                        }
                    }
                }
                let up = lanePass?.upperBounds(a, bias: c, rowsPerSample: perSample, samples: samples,
                                               relaxations: relaxations, box: box, shared: true)
                    ?? upperBounds(a, bias: c, rowsPerSample: perSample, samples: samples, from: index - 1,
                                   layers: layers, relaxations: relaxations, box: box, lanePass: nil)
                for s in 0..<samples.count {
                    for j in 0..<r {
                        let q = (samples.lowerBound + s) * outputs + neurons.lowerBound + j
                        upper[q] = up[s * perSample + j]
                        lower[q] = -up[s * perSample + r + j]
                    }
                }
                first = samples.upperBound
            }
            start = neurons.upperBound
        }
        let shape = [n] + map.outputShape
        return Interval(lower: Tensor(shape: shape, data: lower), upper: Tensor(shape: shape, data: upper))
    }

    /// Bounds of the specification's rows: folded into the last layer when it is affine (rows C W, bias C b + d),
    /// else started from C on the output; rows C and -C stacked for upper and lower bounds. A row of C that is zero
    /// (the label's row of the elided specification) is bounded by its offset d alone, exactly, and skips the pass
    /// (`skipZeroRows`): its rows stay zero through every step (c += 0 b, A <- 0 W; a relaxation maps 0 to 0 and adds
    /// 0), so the pass would return d + 0 (the lanes already skip all-zero vectors; dense rows would spend a tenth
    /// of the elided specification's work on it).
    private func specificationBounds(_ spec: Specification, layers: [Layer], relaxations: [Int: Relaxations],
                                     box: IntervalBounds, upperOnly: Bool) -> Interval {
        let n = spec.batch, k = spec.rowCount, o = spec.outputs, last = layers.count - 1
        // Per sample, the rows that go through the pass (all rows, or the non-zero ones; a NaN entry is non-zero),
        // padded with -1 (a zero row whose result is dropped) to the same count for every sample.
        var active = [[Int]]()
        active.reserveCapacity(n)
        for s in 0..<n {
            active.append((0..<k).filter { j in
                !skipZeroRows || (0..<o).contains { spec.rows.data[(s * k + j) * o + $0] != 0 }
            })
        }
        let kept = active.map(\.count).max() ?? 0
        // Rows per sample: C, and -C for the lower bounds unless only upper bounds are asked for.
        let signs = upperOnly ? 1 : 2
        let width = widestStage(layers, through: last)
        var samplesPerBlock = max(1, rowBudget / max(width, 1) / max(signs * kept, 1))
        // Zero rows: [d, d]; the others are overwritten below.
        var lower = Tensor(shape: [n, k], data: upperOnly ? [Float](repeating: -.infinity, count: n * k) : spec.offsets)
        var upper = Tensor(shape: [n, k], data: spec.offsets)
        guard kept > 0 else { return Interval(lower: lower, upper: upper) }
        let folded: Bool
        if case .affine = layers[last].primitive { folded = true } else { folded = false }
        let lanePass = lanePass(layers, top: folded ? last - 1 : last, relaxations: relaxations)
        let columns = lanePass == nil && columnsPass
        if columns {
            // `TransposedRows` holds a panel's lines one by one, not the block's rows: what grows with the block is
            // its copy of the relaxations' lines (four per neuron) and the rows at the top, so the budget is spent
            // on those, in whole sample groups of 16 lanes.
            let lines = 4 * relaxations.values.reduce(0) { $0 + $1.size } + (layers[last].inputShape.reduce(1, *))
                * signs * kept
            let L = TransposedRows.lanes
            samplesPerBlock = max(L, rowBudget / max(lines, 1) / L * L)
        }
        var first = 0
        while first < n, !stopped {
            let samples = first..<min(n, first + samplesPerBlock)
            let perSample = signs * kept
            var c = Tensor(zeros: [samples.count * perSample, o])
            var d = [Float](repeating: 0, count: samples.count * perSample)
            for (s, sample) in samples.enumerated() {
                for (jj, j) in active[sample].enumerated() {
                    let from = (sample * k + j) * o, plus = (s * perSample + jj) * o
                    for i in 0..<o { c.data[plus + i] = spec.rows.data[from + i] }
                    d[s * perSample + jj] = spec.offsets[sample * k + j]
                    guard !upperOnly else { continue }
                    let minus = (s * perSample + kept + jj) * o
                    for i in 0..<o { c.data[minus + i] = -spec.rows.data[from + i] }
                    d[s * perSample + kept + jj] = -spec.offsets[sample * k + j]
                }
            }
            let top: Int
            let rows: Tensor
            if case let .affine(map) = layers[last].primitive {
                let b = map.biasVector
                for row in 0..<d.count {
                    for i in 0..<o { d[row] += c.data[row * o + i] * b[i] }
                }
                rows = map.applyTransposed(c.reshaped(sampleShape: map.outputShape))
                top = last - 1
            } else {
                rows = c.reshaped(sampleShape: layers[last].outputShape)
                top = last
            }
            let up = columns
                ? TransposedRows.upperBounds(rows, bias: d, rowsPerSample: perSample, samples: samples, from: top,
                                             layers: layers, relaxations: relaxations, box: box, fuseBiases: fuseBiases,
                                             stop: stop)
                : upperBounds(rows, bias: d, rowsPerSample: perSample, samples: samples, from: top,
                              layers: layers, relaxations: relaxations, box: box, lanePass: lanePass)
            for (s, sample) in samples.enumerated() {
                for (jj, j) in active[sample].enumerated() {
                    upper.data[sample * k + j] = up[s * perSample + jj]
                    if !upperOnly { lower.data[sample * k + j] = -up[s * perSample + kept + jj] }
                }
            }
            first = samples.upperBound
        }
        return Interval(lower: lower, upper: upper)
    }

    /// Upper bounds of rows A z + c, A over the output of layer `top` (the input when top = -1), row i belonging to
    /// sample samples.lowerBound + i / rowsPerSample: steps back through layers top...0, then `LinearBound`.
    /// With `lanePass` (the same `top`), the pass runs on lanes (`LaneRows`).
    private func upperBounds(_ rows: Tensor, bias: [Float], rowsPerSample: Int, samples: Range<Int>, from top: Int,
                             layers: [Layer], relaxations: [Int: Relaxations], box: IntervalBounds,
                             lanePass: LaneRows?) -> [Float] {
        if let lanePass {
            return lanePass.upperBounds(rows, bias: bias, rowsPerSample: rowsPerSample, samples: samples,
                                        relaxations: relaxations, box: box)
        }
        var a = rows, c = bias
        var index = top
        // Whether the affine step next down has had its bias term added by the relaxation step (`fuseBias`).
        var biasAdded = false
        while index >= 0 {
            let layer = layers[index]
            switch layer.primitive {
            case let .affine(map):
                if !biasAdded { CROWNMethod.addBias(map.biasVector, rows: a, into: &c) }
                biasAdded = false
                a = CROWNMethod.transposed(map, a, lanes: laneTransposed)
            case .monotone:
                let relaxation = relaxations[index]!
                biasAdded = index > 0 && relaxation.fusedIntercepts != nil
                relaxation.apply(to: &a, bias: &c, rowsPerSample: rowsPerSample, firstSample: samples.lowerBound,
                                 fusedBias: biasAdded)
            case .reshape:
                a = a.reshaped(sampleShape: layer.inputShape)
            case .maxPool:
                preconditionFailure("refused in bounds(_:box:specification:)")
            }
            index -= 1
        }
        let centre = box.centre.rows(samples), radius = box.radius.rows(samples)
        return LinearBound.evaluate(a, rowsPerSample: rowsPerSample, centre: centre, radius: radius, bias: c).upper
    }

    /// A W for rows A: with `lanes`, an unpadded convolution's on lanes (`LaneTransposedConvolution`, `parallel` as
    /// there); every other map's, or with `lanes` false, `applyTransposed`.
    static func transposed(_ map: any AffineMap, _ a: Tensor, lanes: Bool, parallel: Bool = true) -> Tensor {
        if lanes, let conv = map as? Conv2D, LaneTransposedConvolution.applies(conv) {
            return LaneTransposedConvolution.apply(conv, a, parallel: parallel)
        }
        return map.applyTransposed(a)
    }

    /// c_i += A_i . b for every row (16 partial sums in a fixed order).
    static func addBias(_ b: [Float], rows a: Tensor, into c: inout [Float]) {
        let size = a.sampleSize
        a.data.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    let ap = ap.baseAddress!, bp = bp.baseAddress!, cp = cp.baseAddress!
                    Parallel.chunks(a.batch, minChunk: max(1, 4096 / max(size, 1))) { range in
                        for row in range {
                            let r = ap + row * size
                            var sum = SIMD16<Float>()
                            var i = 0
                            while i &+ 16 <= size {
                                sum += load16(r + i) * load16(bp + i)
                                i &+= 16
                            }
                            var acc = sum.sum()
                            while i < size { acc += r[i] * bp[i]; i &+= 1 }
                            cp[row] += acc
                        }
                    }
                }
            }
        }
    }

    /// The largest sample size among the input and the outputs of layers 0...last (what a row must hold).
    private func widestStage(_ layers: [Layer], through last: Int) -> Int {
        var width = layers.first.map { $0.inputShape.reduce(1, *) } ?? 1
        for layer in layers.prefix(last + 1) { width = max(width, layer.outputShape.reduce(1, *)) }
        return width
    }
}

/// The relaxation lines of one monotone layer for a batch (n samples of `size` elements).
struct Relaxations {
    let lowerSlope: [Float], lowerIntercept: [Float], upperSlope: [Float], upperIntercept: [Float]
    let size: Int
    /// Neurons of the batch whose four lines are all zero (`Lines.isDead`): `LaneRows.deadShare` reads it. Counted
    /// as the lines are written by `init(_:_:)` (a scan of the four arrays per pass was 1% of CROWN-IBP on
    /// `small-nominal`); for lines given whole (the windows' gathered lines, whose share nobody reads) counted when
    /// read.
    var deadCount: Int {
        countedDead ?? Relaxations.dead(lowerSlope, lowerIntercept, upperSlope, upperIntercept,
                                        in: 0..<upperSlope.count)
    }
    private let countedDead: Int?
    /// With `fuseBias(_:)`: the intercepts b_u + a_u beta and b_l + a_l beta for the bias beta of the affine layer
    /// below, so that one relaxation step also adds that layer's c += A beta (`apply(fusedBias: true)`).
    private(set) var fusedIntercepts: (upper: [Float], lower: [Float])?

    init(lowerSlope: [Float], lowerIntercept: [Float], upperSlope: [Float], upperIntercept: [Float], size: Int) {
        self.lowerSlope = lowerSlope; self.lowerIntercept = lowerIntercept
        self.upperSlope = upperSlope; self.upperIntercept = upperIntercept
        self.size = size
        countedDead = nil
    }

    /// Neurons in `range` whose four lines are all zero.
    private static func dead(_ ls: UnsafePointer<Float>, _ li: UnsafePointer<Float>, _ us: UnsafePointer<Float>,
                             _ ui: UnsafePointer<Float>, in range: Range<Int>) -> Int {
        var i = range.lowerBound, lanes = SIMD16<Int32>()
        let zero = SIMD16<Float>()
        while i &+ 16 <= range.upperBound {
            let isDead = (load16(us + i) .== zero) .& (load16(ls + i) .== zero) .& (load16(ui + i) .== zero)
                .& (load16(li + i) .== zero)
            lanes &+= SIMD16<Int32>().replacing(with: 1, where: isDead)
            i &+= 16
        }
        var dead = Int(lanes.wrappedSum())
        while i < range.upperBound {
            if us[i] == 0 && ls[i] == 0 && ui[i] == 0 && li[i] == 0 { dead += 1 }
            i &+= 1
        }
        return dead
    }

    /// Adds the bias `beta` (one value per neuron of a sample, `AffineMap.biasVector`) of the affine layer below
    /// this one into the intercepts that `apply(fusedBias: true)` reads: for rows A over this layer's output, one
    /// step then gives A+ a_u + A- a_l and c += A+ (b_u + a_u beta) + A- (b_l + a_l beta), which is the relaxation
    /// step followed by the affine step's c += A' beta in real arithmetic (A' = A+ a_u + A- a_l). Why: that bias
    /// term was a pass of its own over every row (`CROWNMethod.addBias`, 4% of CROWN-IBP on `small-nominal`); here
    /// it is two products per neuron of the batch, not per row.
    mutating func fuseBias(_ beta: [Float]) {
        precondition(beta.count == size, "a bias of \(beta.count) values for a stage of \(size)")
        let count = upperSlope.count, size = self.size
        func fused(_ intercept: [Float], _ slope: [Float]) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                intercept.withUnsafeBufferPointer { b in
                    slope.withUnsafeBufferPointer { a in
                        beta.withUnsafeBufferPointer { beta in
                            guard count > 0, size > 0 else { return }
                            let out = out.baseAddress!, b = b.baseAddress!, a = a.baseAddress!, beta = beta.baseAddress!
                            // Sample by sample, 16 neurons at a time (a scalar loop was 1% of CROWN-IBP).
                            for start in stride(from: 0, to: count, by: size) {
                                var j = 0
                                while j &+ 16 <= size {
                                    let q = start &+ j
                                    store16(load16(b + q) + load16(a + q) * load16(beta + j), out + q)
                                    j &+= 16
                                }
                                while j < size { out[start &+ j] = b[start &+ j] + a[start &+ j] * beta[j]; j &+= 1 }
                            }
                        }
                    }
                }
                initialized = count
            }
        }
        fusedIntercepts = (fused(upperIntercept, upperSlope), fused(lowerIntercept, lowerSlope))
    }

    init(_ f: MonotoneKind, _ pre: Interval) {
        let count = pre.lower.count
        size = pre.lower.sampleSize
        // The four lines' arrays are written once, every entry, by the loop below: no zeroing first, and no copies
        // (four arrays made from one zeroed array were three copies when first written).
        var ls4 = [Float](), li4 = [Float](), us4 = [Float](), ui4 = [Float]()
        let dead = Atomic<Int>(0)
        func uninitialized(_ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { body(buffer.baseAddress!) }
                initialized = count
            }
        }
        pre.lower.data.withUnsafeBufferPointer { lo in
            pre.upper.data.withUnsafeBufferPointer { hi in
                ls4 = uninitialized { ls in
                    li4 = uninitialized { li in
                        us4 = uninitialized { us in
                            ui4 = uninitialized { ui in
                                // Sigmoid/tanh: the tangent tables built once up to this stage's reach, read
                                // without a lock per neuron.
                                let points = f.tangentPoints(lower: lo, upper: hi)
                                // Every neuron of the batch, on all cores; ReLU's lines inlined (a call per neuron
                                // cost a tenth of a CROWN-IBP pass).
                                Parallel.chunks(count, minChunk: 1 << 14) { range in
                                    if f == .relu {
                                        // Eight neurons at a time, the same bits (`ReLURelaxationKernel`).
                                        let i = range.lowerBound
                                        ReLURelaxationKernel.relax(lower: lo.baseAddress! + i, upper: hi.baseAddress! + i,
                                                                   count: range.count, lowerSlope: ls + i,
                                                                   lowerIntercept: li + i, upperSlope: us + i,
                                                                   upperIntercept: ui + i)
                                    } else {
                                        for i in range {
                                            let l = lo[i], u = max(lo[i], hi[i])
                                            let r = f.relaxation(lower: l, upper: u, points: points)
                                            ls[i] = r.lowerSlope; li[i] = r.lowerIntercept
                                            us[i] = r.upperSlope; ui[i] = r.upperIntercept
                                        }
                                    }
                                    // Counted while the range's lines are still in cache.
                                    dead.add(Relaxations.dead(ls, li, us, ui, in: range), ordering: .relaxed)
                                }
                            }
                        }
                    }
                }
            }
        }
        lowerSlope = ls4; lowerIntercept = li4; upperSlope = us4; upperIntercept = ui4
        countedDead = dead.load(ordering: .relaxed)
    }

    /// Whether `apply` runs its rows through the AVX2 kernel (`ckernels_relaxation_row_avx2`, the loop below in
    /// eight-float vectors, the same bits; 15% of CROWN on `small-nominal` as SSE); tests turn it off to compare.
    nonisolated(unsafe) static var applyAVX2 = ckernels_avx2_available() == 1

    /// For upper bounds of A f(z) + c: A+ takes the upper line, A- the lower one:
    /// c += A+ b_u + A- b_l, A <- A+ a_u + A- a_l (row i uses sample firstSample + i / rowsPerSample's lines).
    /// `fusedBias`: with the intercepts of `fuseBias(_:)`, which then also adds the affine layer below's bias term.
    func apply(to a: inout Tensor, bias c: inout [Float], rowsPerSample: Int, firstSample: Int,
               fusedBias: Bool = false) {
        let size = self.size
        precondition(a.sampleSize == size, "rows of \(a.sampleSize) values meet a layer of \(size)")
        precondition(!fusedBias || fusedIntercepts != nil, "no bias was fused into these relaxations")
        let (upperIntercept, lowerIntercept) = fusedBias ? fusedIntercepts! : (upperIntercept, lowerIntercept)
        lowerSlope.withUnsafeBufferPointer { ls in
            lowerIntercept.withUnsafeBufferPointer { li in
                upperSlope.withUnsafeBufferPointer { us in
                    upperIntercept.withUnsafeBufferPointer { ui in
                        a.data.withUnsafeMutableBufferPointer { ap in
                            c.withUnsafeMutableBufferPointer { cp in
                                let rows = cp.count, ap = ap.baseAddress!, cp = cp.baseAddress!
                                Parallel.chunks(rows, minChunk: max(1, 4096 / max(size, 1))) { range in
                                    for row in range {
                                        let base = (firstSample + row / rowsPerSample) * size
                                        let r = ap + row * size
                                        let us = us.baseAddress! + base, ui = ui.baseAddress! + base
                                        let ls = ls.baseAddress! + base, li = li.baseAddress! + base
                                        if Relaxations.applyAVX2 {
                                            cp[row] += ckernels_relaxation_row_avx2(r, size, us, ui, ls, li)
                                            continue
                                        }
                                        // Branch-free in 16 lanes: the positive part takes the upper line, the
                                        // negative part the lower one.
                                        var sum = SIMD16<Float>()
                                        var i = 0
                                        while i &+ 16 <= size {
                                            let v = load16(r + i), zero = SIMD16<Float>()
                                            let pos = v.replacing(with: zero, where: v .< zero)
                                            let neg = v - pos
                                            sum += pos * load16(ui + i) + neg * load16(li + i)
                                            store16(pos * load16(us + i) + neg * load16(ls + i), r + i)
                                            i &+= 16
                                        }
                                        var acc = sum.sum()
                                        while i < size {
                                            let v = r[i], pos = max(v, 0), neg = v - pos
                                            acc += pos * ui[i] + neg * li[i]
                                            r[i] = pos * us[i] + neg * ls[i]
                                            i &+= 1
                                        }
                                        cp[row] += acc
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
