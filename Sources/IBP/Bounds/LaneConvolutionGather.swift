/// Conv2D transposed on lanes, computed per *input* neuron (a gather), so that stably inactive input neurons are
/// never computed: out[ci, iy, ix] = sum over taps (ky, kx) and output pixels p = (oy, ox) with
/// oy sH - padTop + ky = iy and ox sW - padLeft + kx = ix of sum over channels o of W[o, ci, ky, kx] a[o, p].
///
/// Identity behind the shortcut: the step below this convolution is a relaxation whose four lines are zero at a
/// dead neuron j (ReLU with u <= 0), which maps whatever coefficient out[j] holds to 0 and adds 0 to the bias; so
/// out[j] may be written as 0 without computing it (the same exact zero `LaneRows.linear` writes for its dead
/// inputs). The live neurons get the same terms as `LaneRows.convolution`'s scatter, summed in another order
/// (`LaneRowsTests.testGatherConvolutionEqualsScatter`). Why: on IBP-trained `small` about nine in ten neurons of the
/// first ReLU are dead, and the scatter, which fills every input pixel of every patch, was a quarter of CROWN-IBP.
extension LaneRows {
    /// Whether the gather pays: fewer than half of the convolution's input neurons are live (below that, the
    /// scatter's four taps per loaded vector are faster per term than the gather's one).
    static func gatherPays(dead: Lines, inputs: Int) -> Bool {
        var live = 0
        for j in 0..<inputs where !dead.isDead(j) { live &+= 1 }
        return 2 * live < inputs
    }

    /// `convolution`'s map and bias term with the input neurons that `dead` marks written as 0 and never computed.
    /// Scratch: the live channels of every output pixel packed (`gathered`, at most O P vectors) with their channel
    /// numbers and per-pixel offsets (`live`: O P + P + 1 integers; the scratch holds twice the widest stage).
    static func convolutionGather(_ a: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                  taps: UnsafePointer<Float>, bias: UnsafePointer<Float>, _ g: ConvGeometry,
                                  outChannels O: Int, dead: Lines, scratch: Scratch, c: inout SIMD16<Float>) {
        let zero = SIMD16<Float>()
        let C = g.channels, H = g.height, W = g.width, kh = g.kernelHeight, kw = g.kernelWidth
        let P = g.outPixels, oh = g.outHeight, ow = g.outWidth, sH = g.strideH, sW = g.strideW
        let packed = scratch.gathered, channel = scratch.live, offsets = scratch.live + O &* P
        // Pack each output pixel's live channels (the bias term summed per pixel, as `convolution` does).
        var n = 0
        var total = SIMD16<Float>()
        for p in 0..<P {
            offsets[p] = Int32(n)
            var acc = SIMD16<Float>()
            for o in 0..<O {
                let v = load16(a + (o &* P &+ p) &* lanes)
                guard any(v .!= zero) else { continue }
                store16(v, packed + n &* lanes)
                channel[n] = Int32(o)
                n &+= 1
                acc += bias[o] * v
            }
            total += acc
        }
        offsets[P] = Int32(n)
        c += total
        for ci in 0..<C {
            for iy in 0..<H {
                for ix in 0..<W {
                    let j = (ci &* H &+ iy) &* W &+ ix, dst = out + j &* lanes
                    if dead.isDead(j) {
                        store16(zero, dst)
                        continue
                    }
                    var s0 = zero, s1 = zero
                    for ky in 0..<kh {
                        let ty = iy &+ g.padTop &- ky
                        guard ty >= 0, ty % sH == 0, ty / sH < oh else { continue }
                        let oy = ty / sH
                        for kx in 0..<kw {
                            let tx = ix &+ g.padLeft &- kx
                            guard tx >= 0, tx % sW == 0, tx / sW < ow else { continue }
                            let p = oy &* ow &+ tx / sW
                            let w = taps + ((ci &* kh &+ ky) &* kw &+ kx) &* O
                            var r = Int(offsets[p])
                            let end = Int(offsets[p &+ 1])
                            // Two running sums: one chain of dependent adds would wait on each FMA's latency.
                            while r &+ 2 <= end {
                                s0 += w[Int(channel[r])] * load16(packed + r &* lanes)
                                s1 += w[Int(channel[r &+ 1])] * load16(packed + (r &+ 1) &* lanes)
                                r &+= 2
                            }
                            if r < end { s0 += w[Int(channel[r])] * load16(packed + r &* lanes) }
                        }
                    }
                    store16(s0 + s1, dst)
                }
            }
        }
    }
}
