/// CROWN's backward passes from a convolution's neurons held on windows (auto_LiRPA's "patches"): row (o, y, x) of
/// a convolution's W is zero outside the kernel's footprint at (y, x), and back through elementwise relaxations and
/// earlier convolutions it stays zero outside that footprint's receptive field. So every row is held as a window of
/// each stage (all channels, h x w pixels at the receptive field's corner) rather than as a dense vector: a
/// relaxation and the input box are read on the window, and an earlier convolution is applied transposed to the
/// window as a VALID convolution over the window (`Conv2D.applyTransposed`, the training's input-gradient kernel,
/// on the batch of all windows at once).
///
/// The result is the dense pass's (`CROWNMethod.neuronBounds` with `windows` off) with the sums taken in another
/// order: the same terms, the zeros outside the window left out (`ConvolutionWindowTests`). Pixels of a window
/// that fall outside a stage (padding) read zero slopes, intercepts, centre and radius and are masked before an
/// affine step, so they contribute nothing, as the padding's constant zeros do.
///
/// On `small` (conv 16 4x4/2, conv 32 4x4/1) a second-convolution neuron's row is 16x4x4 floats over the first
/// ReLU and 10x10 over the input instead of 2,704 and 784: about a tenth of the work and memory traffic.
struct ConvolutionWindows {
    /// Stage t is the input of layer t (stage 0 the network's input): (C, H, W), the window's h x w, and the
    /// window's top-left corner for output pixel (oy, ox) of the convolution: (aY oy + bY, aX ox + bX), which may lie
    /// outside the stage where the chain pads.
    struct Stage {
        var channels, height, width: Int
        var h, w: Int
        var aY, bY, aX, bX: Int
        var windowSize: Int { channels * h * w }
    }

    let conv: Conv2D
    let index: Int
    let layers: [Layer]
    private(set) var stages: [Stage]
    /// For each conv layer t < index, the same kernel as a VALID convolution from stage t's window to stage t+1's
    /// (a template: each block works on its own `copy()`).
    private(set) var windowConvs: [Int: Conv2D] = [:]
    /// For each conv layer t < index, its bias over stage t+1's window (channel-major).
    private(set) var windowBiases: [Int: [Float]] = [:]

    /// The windows for the neurons of layer `index`, or nil when they do not fit (`stages(_:index:)`).
    init?(_ layers: [Layer], index: Int) {
        guard let stages = ConvolutionWindows.stages(layers, index: index),
              case let .affine(map) = layers[index].primitive, let conv = map as? Conv2D else { return nil }
        var windowConvs: [Int: Conv2D] = [:], windowBiases: [Int: [Float]] = [:]
        for t in 0..<index {
            guard case let .affine(map) = layers[t].primitive, let c = map as? Conv2D else { continue }
            let cg = c.geometry, window = stages[t], above = stages[t + 1]
            let windowGeometry = ConvGeometry(channels: cg.channels, height: window.h, width: window.w,
                                              kernelHeight: cg.kernelHeight, kernelWidth: cg.kernelWidth,
                                              strideH: cg.strideH, strideW: cg.strideW,
                                              padTop: 0, padLeft: 0, padBottom: 0, padRight: 0)
            windowConvs[t] = Conv2D(geometry: windowGeometry, outChannels: c.outChannels, weight: c.weight.value)
            windowBiases[t] = c.bias.value.data.flatMap { [Float](repeating: $0, count: above.h * above.w) }
        }
        self.conv = conv
        self.index = index
        self.layers = layers
        self.stages = stages
        self.windowConvs = windowConvs
        self.windowBiases = windowBiases
    }

    /// The windows' stages for the neurons of layer `index` (stage t the input of layer t, t = 0...index), from the
    /// geometry alone, or nil when they do not fit: the layer and every layer below it must be a `Conv2D` or a
    /// monotone function on (C, H, W) stages, and every window must be smaller than its stage (else the dense rows
    /// are no larger). Also the shape of the work `CROWNCost` estimates.
    static func stages(_ layers: [Layer], index: Int) -> [Stage]? {
        guard case let .affine(map) = layers[index].primitive, let conv = map as? Conv2D else { return nil }
        let g = conv.geometry
        var stage = Stage(channels: g.channels, height: g.height, width: g.width, h: g.kernelHeight,
                          w: g.kernelWidth, aY: g.strideH, bY: -g.padTop, aX: g.strideW, bX: -g.padLeft)
        var stages = [stage]
        for t in stride(from: index - 1, through: 0, by: -1) {
            let layer = layers[t]
            guard layer.inputShape.count == 3 else { return nil }
            switch layer.primitive {
            case .monotone:
                break
            case let .affine(map):
                guard let c = map as? Conv2D else { return nil }
                let cg = c.geometry
                let h = (stage.h - 1) * cg.strideH + cg.kernelHeight, w = (stage.w - 1) * cg.strideW + cg.kernelWidth
                stage = Stage(channels: cg.channels, height: cg.height, width: cg.width, h: h, w: w,
                              aY: stage.aY * cg.strideH, bY: stage.bY * cg.strideH - cg.padTop,
                              aX: stage.aX * cg.strideW, bX: stage.bX * cg.strideW - cg.padLeft)
            case .reshape, .maxPool:
                return nil
            }
            guard stage.h * stage.w < stage.height * stage.width else { return nil }
            stages.append(stage)
        }
        guard stages[0].h * stages[0].w < stages[0].height * stages[0].width else { return nil }
        return stages.reversed()
    }

    /// Floats of rows one block holds: 2^17 (512 KiB), so a block's rows stay in a core's cache through every
    /// step (the steps are short passes over the rows; with 16 MiB blocks streaming through memory the pass on
    /// `small` took 20.5 ms per sample against 15.5).
    static let blockFloats = 1 << 17

    /// Bounds (n, outputShape) of every output of the convolution over the box, given the relaxations of the monotone
    /// layers below it; blocks of at most min(`rowBudget`, `blockFloats`) floats of rows, handed to free cores.
    /// `laneTransposed`: whether rows go back through the window convolutions on lanes (`CROWNMethod.transposed`).
    /// A block starts only while `stop` (when given) returns false; the caller throws when it held.
    func bounds(relaxations: [Int: Relaxations], box: IntervalBounds, rowBudget: Int,
                laneTransposed: Bool = true, stop: (() -> Bool)? = nil) -> Interval {
        let g = conv.geometry, O = conv.outChannels, P = g.outPixels, n = box.centre.batch
        let perGroup = 2 * O, widest = stages.map(\.windowSize).max()!
        let groupsPerBlock = max(1, min(rowBudget, ConvolutionWindows.blockFloats) / (perGroup * widest))
        let blocks = (n * P + groupsPerBlock - 1) / groupsPerBlock
        var lower = [Float](repeating: 0, count: n * O * P), upper = lower
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                let lo = lo.baseAddress!, hi = hi.baseAddress!
                Parallel.parts(blocks) { block in
                    if stop?() ?? false { return }
                    let groups = (block * groupsPerBlock)..<min(n * P, (block + 1) * groupsPerBlock)
                    // Every block has its own copies of the window convolutions: a layer's scratch is not shared
                    // between threads.
                    let up = blockBounds(groups, convs: windowConvs.mapValues { $0.copy() }, relaxations: relaxations,
                                         box: box, laneTransposed: laneTransposed)
                    for (gi, group) in groups.enumerated() {
                        let s = group / P, p = group % P
                        for o in 0..<O {
                            hi[(s * O + o) * P + p] = up[gi * perGroup + o]
                            lo[(s * O + o) * P + p] = -up[gi * perGroup + O + o]
                        }
                    }
                }
            }
        }
        let shape = [n] + conv.outputShape
        return Interval(lower: Tensor(shape: shape, data: lower), upper: Tensor(shape: shape, data: upper))
    }

    /// Upper bounds of the rows of `groups` (group = sample * P + output pixel; per group +W_o then -W_o, o < O).
    private func blockBounds(_ groups: Range<Int>, convs: [Int: Conv2D], relaxations: [Int: Relaxations],
                             box: IntervalBounds, laneTransposed: Bool) -> [Float] {
        let g = conv.geometry, O = conv.outChannels, perGroup = 2 * O
        let kernel = conv.weight.value.data, bias = conv.bias.value.data
        let top = stages[index]
        precondition(top.windowSize == g.patchSize, "the top window is the kernel")
        var c = [Float](repeating: 0, count: groups.count * perGroup)
        var a = Tensor(shape: [groups.count * perGroup, top.channels, top.h, top.w]) { ap in
            let K = g.patchSize
            kernel.withUnsafeBufferPointer { kp in
                for gi in 0..<groups.count {
                    let base = ap + gi * perGroup * K
                    base.update(from: kp.baseAddress!, count: O * K)
                    for i in 0..<(O * K) { base[O * K + i] = -kp[i] }
                    for o in 0..<O {
                        c[gi * perGroup + o] = bias[o]
                        c[gi * perGroup + O + o] = -bias[o]
                    }
                }
            }
        }
        for t in stride(from: index - 1, through: 0, by: -1) {
            let above = stages[t + 1]
            mask(&a, stage: above, groups: groups)
            switch layers[t].primitive {
            case .monotone:
                let r = relaxations[t]!
                let window = Relaxations(lowerSlope: gather(r.lowerSlope, above, groups),
                                         lowerIntercept: gather(r.lowerIntercept, above, groups),
                                         upperSlope: gather(r.upperSlope, above, groups),
                                         upperIntercept: gather(r.upperIntercept, above, groups),
                                         size: above.windowSize)
                window.apply(to: &a, bias: &c, rowsPerSample: perGroup, firstSample: 0)
            case .affine:
                // The channel's bias over the window; masked pixels (padding) multiply it by zero.
                CROWNMethod.addBias(windowBiases[t]!, rows: a, into: &c)
                a = CROWNMethod.transposed(convs[t]!, a, lanes: laneTransposed, parallel: false)
            case .reshape, .maxPool:
                preconditionFailure("refused in init")
            }
        }
        mask(&a, stage: stages[0], groups: groups)
        let centre = Tensor(shape: [groups.count, stages[0].windowSize], data: gather(box.centre.data, stages[0], groups))
        let radius = Tensor(shape: [groups.count, stages[0].windowSize], data: gather(box.radius.data, stages[0], groups))
        return LinearBound.evaluate(a.flattenedRows(a.batch, stages[0].windowSize), rowsPerSample: perGroup,
                                    centre: centre, radius: radius, bias: c).upper
    }

    /// The window corner of group `group` (sample group / P, output pixel group % P) at `stage`.
    func corner(_ stage: Stage, group: Int) -> (y: Int, x: Int) {
        let p = group % conv.geometry.outPixels, ow = conv.geometry.outWidth
        return (stage.aY * (p / ow) + stage.bY, stage.aX * (p % ow) + stage.bX)
    }

    /// Per group, the window of `values` (n samples of (C, H, W) at `stage`), zero outside the stage: (groups, C, h, w).
    func gather(_ values: [Float], _ stage: Stage, _ groups: Range<Int>) -> [Float] {
        let P = conv.geometry.outPixels, size = stage.channels * stage.height * stage.width
        let window = stage.windowSize
        precondition(values.count % size == 0, "values of \(values.count) do not hold stages of \(size)")
        var out = [Float](repeating: 0, count: groups.count * window)
        values.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                for (gi, group) in groups.enumerated() {
                    let (y0, x0) = corner(stage, group: group)
                    let xFrom = max(0, -x0), xTo = min(stage.w, stage.width - x0)
                    guard xFrom < xTo else { continue }
                    let source = vp.baseAddress! + (group / P) * size
                    for c in 0..<stage.channels {
                        for dy in 0..<stage.h where y0 + dy >= 0 && y0 + dy < stage.height {
                            let from = source + (c * stage.height + y0 + dy) * stage.width + x0
                            let to = op.baseAddress! + gi * window + (c * stage.h + dy) * stage.w
                            (to + xFrom).update(from: from + xFrom, count: xTo - xFrom)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Zeroes every row's pixels that fall outside the stage (rows of group i at rows i*perGroup ..< (i+1)*perGroup):
    /// coefficients of padding, which must not reach an earlier layer.
    private func mask(_ a: inout Tensor, stage: Stage, groups: Range<Int>) {
        let perGroup = a.batch / groups.count, window = stage.windowSize
        precondition(a.sampleSize == window, "rows of \(a.sampleSize) values meet windows of \(window)")
        a.data.withUnsafeMutableBufferPointer { ap in
            for (gi, group) in groups.enumerated() {
                let (y0, x0) = corner(stage, group: group)
                let xFrom = max(0, -x0), xTo = min(stage.w, stage.width - x0)
                if y0 >= 0, y0 + stage.h <= stage.height, xFrom == 0, xTo == stage.w { continue }
                for row in (gi * perGroup)..<((gi + 1) * perGroup) {
                    for c in 0..<stage.channels {
                        for dy in 0..<stage.h {
                            let line = ap.baseAddress! + row * window + (c * stage.h + dy) * stage.w
                            if y0 + dy < 0 || y0 + dy >= stage.height || xFrom >= xTo {
                                line.update(repeating: 0, count: stage.w)
                                continue
                            }
                            if xFrom > 0 { line.update(repeating: 0, count: xFrom) }
                            if xTo < stage.w { (line + xTo).update(repeating: 0, count: stage.w - xTo) }
                        }
                    }
                }
            }
        }
    }
}

extension Conv2D {
    /// A convolution with `geometry` and the weights `weight` (out, in, kH, kW); bias zero.
    fileprivate convenience init(geometry: ConvGeometry, outChannels: Int, weight: Tensor) {
        self.init(geometry: geometry, outChannels: outChannels, name: "window")
        self.weight.value = weight
    }

    /// The same geometry and weights with scratch of its own (for another thread).
    fileprivate func copy() -> Conv2D {
        Conv2D(geometry: geometry, outChannels: outChannels, weight: weight.value)
    }
}
