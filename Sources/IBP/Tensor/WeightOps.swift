/// The two elementwise passes over a weight matrix that the radius pass adds, 16 lanes at a time and split over
/// the cores (elementwise, so the bits do not depend on the split).
enum WeightOps {
    /// |W|, for r' = |W| r. Reuses `result`'s storage when it already has the size.
    static func absolute(_ w: [Float], into result: inout [Float]) {
        guard result.count == w.count else { result = absolute(w); return }
        w.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in absolute(src.baseAddress!, into: dst.baseAddress!, count: w.count) }
        }
    }

    /// |W| in a new array, every entry written once (no zeroing pass first).
    static func absolute(_ w: [Float]) -> [Float] {
        [Float](unsafeUninitializedCapacity: w.count) { dst, initialized in
            if !w.isEmpty {
                w.withUnsafeBufferPointer { src in absolute(src.baseAddress!, into: dst.baseAddress!, count: w.count) }
            }
            initialized = w.count
        }
    }

    private static func absolute(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let v = load16(src + i)
                store16(v.replacing(with: -v, where: v .< 0), dst + i)
                i &+= 16
            }
            for i in i..<range.upperBound { dst[i] = abs(src[i]) }
        }
    }

    /// grad += sign(W) t: the chain rule through |W| (d|w|/dw = sign(w), 0 at w = 0).
    static func accumulateSigned(_ t: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
                                 into grad: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.chunks(count, minChunk: 1 << 15) { range in
            var i = range.lowerBound
            while i &+ 16 <= range.upperBound {
                let wv = load16(w + i), tv = load16(t + i)
                let signed = SIMD16<Float>().replacing(with: tv, where: wv .> 0).replacing(with: -tv, where: wv .< 0)
                store16(load16(grad + i) + signed, grad + i)
                i &+= 16
            }
            for i in i..<range.upperBound { grad[i] += w[i] > 0 ? t[i] : (w[i] < 0 ? -t[i] : 0) }
        }
    }
}
