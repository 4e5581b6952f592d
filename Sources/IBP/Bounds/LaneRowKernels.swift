import CKernels

/// The relaxation lines of one sample's neurons (pointers into `Relaxations`, valid inside `withLines`).
struct Lines {
    let lowerSlope, lowerIntercept, upperSlope, upperIntercept: UnsafePointer<Float>

    /// All four lines are zero at neuron j: the relaxation maps any coefficient to 0 and adds 0 to the bias
    /// (ReLU with u <= 0).
    @inline(__always)
    func isDead(_ j: Int) -> Bool {
        upperSlope[j] == 0 && lowerSlope[j] == 0 && upperIntercept[j] == 0 && lowerIntercept[j] == 0
    }
}

extension Relaxations {
    /// Calls `body` with the lines of sample `sample`.
    func withLines<R>(sample: Int, _ body: (Lines) -> R) -> R {
        let base = sample * size
        return lowerSlope.withUnsafeBufferPointer { ls in
            lowerIntercept.withUnsafeBufferPointer { li in
                upperSlope.withUnsafeBufferPointer { us in
                    upperIntercept.withUnsafeBufferPointer { ui in
                        body(Lines(lowerSlope: ls.baseAddress! + base, lowerIntercept: li.baseAddress! + base,
                                   upperSlope: us.baseAddress! + base, upperIntercept: ui.baseAddress! + base))
                    }
                }
            }
        }
    }
}

/// The steps of `LaneRows` on 16-lane vectors: a[j * 16 + l] is row l's coefficient of neuron j.
extension LaneRows {
    /// Scratch of one core: two stages of lanes, a gather buffer and two neuron lists, each as large as the widest
    /// stage, and the patch block of `convolutionGEMM`.
    struct Scratch {
        let a, b, gathered, patches: UnsafeMutablePointer<Float>
        let live: UnsafeMutablePointer<Int32>
        /// Floats `patches` holds.
        let patchCapacity: Int

        /// `patchFloats`: the patch block of `convolutionGEMM` (0 when no step uses it).
        init(widest: Int, patchFloats: Int = 0) {
            a = .allocate(capacity: widest * LaneRows.lanes)
            b = .allocate(capacity: widest * LaneRows.lanes)
            gathered = .allocate(capacity: widest * LaneRows.lanes)
            live = .allocate(capacity: 2 * widest)
            patchCapacity = max(patchFloats, 1)
            patches = .allocate(capacity: patchCapacity)
        }

        func deallocate() {
            a.deallocate(); b.deallocate(); gathered.deallocate(); live.deallocate(); patches.deallocate()
        }
    }

    /// For upper bounds through a relaxation: the positive part of A[j] takes the upper line, the negative part the
    /// lower one (c += A+ b_u + A- b_l, A <- A+ a_u + A- a_l); an all-zero A[j] is left as it is (it would stay 0).
    static func relax(_ a: UnsafeMutablePointer<Float>, count: Int, lines: Lines, c: inout SIMD16<Float>) {
        relax(from: a, into: a, count: count, lines: lines, c: &c)
    }

    /// Whether `relax` runs the AVX2 kernel (`ckernels_lane_relax_avx2`, the same bits); tests turn it off.
    nonisolated(unsafe) static var relaxAVX2 = ckernels_avx2_available() == 1

    /// `relax` reading the vectors from `src` (a vector with no non-zero lane is copied as it is); src may be `a`.
    static func relax(from src: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int, lines: Lines,
                      c: inout SIMD16<Float>) {
        if relaxAVX2 {
            withUnsafeMutableBytes(of: &c) { cp in
                ckernels_lane_relax_avx2(src, a, count, lines.upperSlope, lines.upperIntercept, lines.lowerSlope,
                                         lines.lowerIntercept, cp.baseAddress!.assumingMemoryBound(to: Float.self))
            }
            return
        }
        let zero = SIMD16<Float>()
        var total = SIMD16<Float>()
        var block = 0
        while block < count {
            // Sums in blocks of 64 neurons, then over blocks: a stage's thousands of terms in one running sum per
            // lane lost about 2e-5 of a margin against the GEMMs' order (`CROWNIBPTrainingTests`).
            var acc = SIMD16<Float>()
            for j in block..<min(count, block &+ 64) {
                let p = a + j &* lanes
                let v = load16(src + j &* lanes)
                guard any(v .!= zero) else {
                    if UnsafePointer(a) != src { store16(v, p) }
                    continue
                }
                let pos = v.replacing(with: zero, where: v .< zero), neg = v - pos
                acc += pos * lines.upperIntercept[j] + neg * lines.lowerIntercept[j]
                store16(pos * lines.upperSlope[j] + neg * lines.lowerSlope[j], p)
            }
            total += acc
            block &+= 64
        }
        c += total
    }

    /// Linear y = W x + b (W: O x I) transposed: out[i] = sum over o of W[o, i] a[o], c += sum b_o a[o], over the
    /// outputs o with a non-zero lane only; out[i] = 0 for the inputs `dead` marks (never computed).
    /// `a` is overwritten (its live vectors are packed to the front).
    static func linear(_ a: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                       weightT: UnsafePointer<Float>, bias: UnsafePointer<Float>, inputs I: Int, outputs O: Int,
                       dead: Lines?, scratch: Scratch, c: inout SIMD16<Float>) {
        let zero = SIMD16<Float>()
        let liveOut = scratch.live, liveIn = scratch.live + O
        var nO = 0
        var acc = SIMD16<Float>()
        for o in 0..<O {
            let v = load16(a + o &* lanes)
            guard any(v .!= zero) else { continue }
            // Packing forwards in place: nO <= o, so no live vector is overwritten before it is read.
            store16(v, a + nO &* lanes)
            liveOut[nO] = Int32(o)
            nO &+= 1
            acc += bias[o] * v
        }
        c += acc
        var nI = 0
        for i in 0..<I {
            if let dead, dead.isDead(i) {
                store16(zero, out + i &* lanes)
            } else {
                liveIn[nI] = Int32(i)
                nI &+= 1
            }
        }
        // Four inputs at a time: each packed vector is loaded once for four FMAs.
        var q = 0
        while q &+ 4 <= nI {
            let i0 = Int(liveIn[q]), i1 = Int(liveIn[q &+ 1]), i2 = Int(liveIn[q &+ 2]), i3 = Int(liveIn[q &+ 3])
            let w0 = weightT + i0 &* O, w1 = weightT + i1 &* O, w2 = weightT + i2 &* O, w3 = weightT + i3 &* O
            var s0 = zero, s1 = zero, s2 = zero, s3 = zero
            for r in 0..<nO {
                let o = Int(liveOut[r]), v = load16(a + r &* lanes)
                s0 += w0[o] * v; s1 += w1[o] * v; s2 += w2[o] * v; s3 += w3[o] * v
            }
            store16(s0, out + i0 &* lanes); store16(s1, out + i1 &* lanes)
            store16(s2, out + i2 &* lanes); store16(s3, out + i3 &* lanes)
            q &+= 4
        }
        while q < nI {
            let i = Int(liveIn[q]), w = weightT + i &* O
            var s = zero
            for r in 0..<nO { s += w[Int(liveOut[r])] * load16(a + r &* lanes) }
            store16(s, out + i &* lanes)
            q &+= 1
        }
    }

    /// The share of the O P vectors of `a` (a convolution's output neurons) with a non-zero lane above which
    /// `convolutionGEMM`, which computes every vector, is faster than `convolution`, which skips the zero ones:
    /// 0.5, the break-even of the lanes' measured 2x either way (`CROWNMethod.minimumDeadShare`; not tuned).
    nonisolated(unsafe) static var gemmLiveShare = 0.5

    /// Whether more than `gemmLiveShare` of the `vectors` vectors of `a` have a non-zero lane.
    static func gemmPays(_ a: UnsafePointer<Float>, vectors: Int) -> Bool {
        let zero = SIMD16<Float>()
        var live = 0
        for j in 0..<vectors where any(load16(a + j &* lanes) .!= zero) { live &+= 1 }
        return Double(live) > gemmLiveShare * Double(vectors)
    }

    /// `convolution`'s map and bias term for an unpadded convolution by `LaneTransposedConvolution.product`: the
    /// lanes a[(o P + p) 16 + l] are its lanesIn of one group, `out` its lanesOut, so A W is one GEMM (taps x 16 P
    /// x O) and col2im per block of input channels, zero vectors included. c += b_o a[o, p] in `convolution`'s
    /// order (pixel by pixel, channels in order).
    static func convolutionGEMM(_ a: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, _ g: ConvGeometry,
                                outChannels O: Int, scratch: Scratch, c: inout SIMD16<Float>) {
        let P = g.outPixels
        var total = SIMD16<Float>()
        for p in 0..<P {
            var acc = SIMD16<Float>()
            for o in 0..<O { acc += bias[o] * load16(a + (o &* P &+ p) &* lanes) }
            total += acc
        }
        c += total
        let columns = P * lanes, perChannel = g.kernelHeight * g.kernelWidth * columns
        let blockChannels = min(LaneTransposedConvolution.blockChannels(g, columns: columns),
                                scratch.patchCapacity / perChannel)
        precondition(blockChannels >= 1 || O <= LaneTransposedConvolution.directChannels,
                     "the scratch holds no patch block of \(perChannel) floats")
        LaneTransposedConvolution.product(a, weights: weights, outChannels: O, columns: columns, groups: 1, g,
                                          blockChannels: max(1, blockChannels), cols: scratch.patches, into: out)
    }

    /// Conv2D transposed (`Conv2D.applyTransposed`'s map, padding dropped): for every output pixel p, the channels o
    /// with a non-zero lane are gathered, and each input pixel of p's patch gets sum over them of W[o, tap] a[o, p];
    /// c += b_o a[o, p]. `out` (the input's C x H x W neurons) is zeroed first.
    static func convolution(_ a: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                            taps: UnsafePointer<Float>, bias: UnsafePointer<Float>, _ g: ConvGeometry,
                            outChannels O: Int, scratch: Scratch, c: inout SIMD16<Float>) {
        let zero = SIMD16<Float>()
        let C = g.channels, H = g.height, W = g.width, kh = g.kernelHeight, kw = g.kernelWidth
        let P = g.outPixels, ow = g.outWidth
        let live = scratch.live, packed = scratch.gathered
        out.update(repeating: 0, count: C * H * W * lanes)
        var total = SIMD16<Float>()
        for p in 0..<P {
            var n = 0
            var acc = SIMD16<Float>()
            defer { total += acc }
            for o in 0..<O {
                let v = load16(a + (o &* P &+ p) &* lanes)
                guard any(v .!= zero) else { continue }
                store16(v, packed + n &* lanes)
                live[n] = Int32(o)
                n &+= 1
                acc += bias[o] * v
            }
            guard n > 0 else { continue }
            let y0 = (p / ow) * g.strideH - g.padTop, x0 = (p % ow) * g.strideW - g.padLeft
            let kxFrom = max(0, -x0), kxTo = min(kw, W - x0)
            guard kxFrom < kxTo else { continue }
            for ci in 0..<C {
                for ky in 0..<kh {
                    let iy = y0 &+ ky
                    guard iy >= 0 && iy < H else { continue }
                    let tapRow = (ci &* kh &+ ky) &* kw
                    // Input pixel (ci, iy, x0 + kx) for kx in kxFrom..<kxTo: consecutive vectors.
                    let dst = out + ((ci &* H &+ iy) &* W &+ x0) &* lanes
                    var kx = kxFrom
                    while kx &+ 4 <= kxTo {
                        let w0 = taps + (tapRow &+ kx) &* O, w1 = w0 + O, w2 = w1 + O, w3 = w2 + O
                        let d = dst + kx &* lanes
                        var s0 = load16(d), s1 = load16(d + lanes)
                        var s2 = load16(d + 2 &* lanes), s3 = load16(d + 3 &* lanes)
                        for r in 0..<n {
                            let o = Int(live[r]), v = load16(packed + r &* lanes)
                            s0 += w0[o] * v; s1 += w1[o] * v; s2 += w2[o] * v; s3 += w3[o] * v
                        }
                        store16(s0, d); store16(s1, d + lanes)
                        store16(s2, d + 2 &* lanes); store16(s3, d + 3 &* lanes)
                        kx &+= 4
                    }
                    while kx < kxTo {
                        let w0 = taps + (tapRow &+ kx) &* O, d = dst + kx &* lanes
                        var s = load16(d)
                        for r in 0..<n { s += w0[Int(live[r])] * load16(packed + r &* lanes) }
                        store16(s, d)
                        kx &+= 1
                    }
                }
            }
        }
        c += total
    }
}
