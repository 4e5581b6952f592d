/// The work of CROWN's backward passes for one sample, estimated from the layers alone, so a network that would
/// take hours per image is refused before any work (`BoundMethodName.refusal`): CROWN bounds every affine stage k
/// by a pass of its 2 out_k rows back through layers k-1...0, so its work grows with the square of the depth, and a
/// 2.4 MB ONNX file of 20,000 small layers sharing one weight (under the node and parameter limits) ran for about
/// ten minutes per image in `evaluate`, which has no time limit.
///
/// Estimate: sum over affine stages k of 2 out_k sum_{i<k} (work_i per row + `stepCost`), work_i the
/// multiply-adds of an affine layer (outputs x fan-in) or the size of a monotone one, as dense rows compute them
/// (the windows and lanes of `CROWNMethod` often do far less on convolutions: an overestimate there). Saturates at
/// Int.max.
enum CROWNCost {
    /// Most estimated work per sample: 2^40 multiply-adds (about 1.1 x 10^12; a chain of 2,000 layer pairs is
    /// estimated at 3.4 x 10^11 and takes 5.5 s per image, the 20,000 pairs above at 3.3 x 10^13 and about ten
    /// minutes; `medium`'s estimate is 1.1 x 10^11).
    static let limit = 1 << 40

    /// The cost of one row block's step through one layer beyond its multiply-adds (calls, allocations, a pass
    /// over the rows), in multiply-adds: a step of a 10 x 10 layer measured about 1.4 us.
    static let stepCost = 4096

    /// The estimate for `layers` (see the type).
    static func multiplyAdds(_ layers: [Layer]) -> Int {
        func add(_ a: Int, _ b: Int) -> Int { let (s, o) = a.addingReportingOverflow(b); return o ? .max : s }
        func mul(_ a: Int, _ b: Int) -> Int { let (p, o) = a.multipliedReportingOverflow(by: b); return o ? .max : p }
        // Work per row of one pass back through the layers seen so far, and the total.
        var below = 0, total = 0
        for layer in layers {
            switch layer.primitive {
            case let .affine(map):
                total = add(total, mul(mul(2, map.outputSize), below))
                below = add(below, add(mul(map.outputSize, map.fanIn), stepCost))
            case .monotone:
                below = add(below, add(layer.outputShape.reduce(1, *), stepCost))
            case .reshape, .maxPool:
                continue
            }
        }
        return total
    }
}
