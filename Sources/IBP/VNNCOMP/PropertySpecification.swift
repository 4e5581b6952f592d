import IBPFormats

extension Specification {
    /// A VNNLIB property's output condition as a specification for one sample: row i is the i-th inequality
    /// c_i . y + d_i >= 0 (> 0 when strict) of the property's disjunctive normal form, in order, and disjunct j
    /// lists the rows of the property's j-th conjunction. A counterexample satisfies every row of some disjunct; the
    /// property holds when every disjunct has a row whose upper bound over the box is negative (`holds(upper:)`;
    /// for a strict row 0 would do, so requiring < 0 is only conservative). d_i is the smallest Float at or above the
    /// file's constant, so a bound proves at least the file's row; c_i is rounded to the nearest Float (exact for the
    /// competition's properties, whose coefficients are +-1; `coefficientRounding` gives the difference otherwise,
    /// which `InstanceVerifier` adds to the rows' bounds).
    public init(property: VNNLIBProperty) {
        let outputs = property.outputCount
        var rows: [Float] = [], offsets: [Float] = [], disjuncts: [[Int]] = []
        for conjunction in property.disjuncts {
            var indices: [Int] = []
            for inequality in conjunction {
                indices.append(offsets.count)
                rows += inequality.coefficients
                // The file's d lies within constantError of the Double d (decimals and sums rounded in Double).
                // (A single decimal's half-ulp rounding is left to the Float rounding up, as for the box.)
                let d = inequality.constantError <= inequality.exactConstant.ulp / 2 ? inequality.exactConstant
                    : (inequality.exactConstant + inequality.constantError).nextUp
                let nearest = Float(d)
                offsets.append(Double(nearest) < d ? nearest.nextUp : nearest)
            }
            disjuncts.append(indices)
        }
        self.init(rows: Tensor(shape: [1, offsets.count, outputs], data: rows), offsets: offsets, disjuncts: [disjuncts])
    }

    /// Where the rows of `init(property:)` differ from the file's coefficients: for each row i, the outputs j whose
    /// coefficient c_ij is not a Float or not exact in Double, with a bound on |c_ij - Float(c_ij)| (as Doubles;
    /// `LinearInequality.coefficientErrors` adds the Double's own error). Empty for the competition's
    /// properties (coefficients +-1). A bound of the Float row is a bound of the file's row only after adding
    /// sum_j |c_ij - Float(c_ij)| max|y_j| (`InstanceVerifier`).
    public static func coefficientRounding(_ property: VNNLIBProperty) -> [Int: [(output: Int, error: Double)]] {
        var errors: [Int: [(output: Int, error: Double)]] = [:]
        var row = 0
        for conjunction in property.disjuncts {
            for inequality in conjunction {
                for (j, c) in inequality.exactCoefficients.enumerated() {
                    // The Float's distance from the Double, and the Double's from the file's number.
                    let rounding = abs(c - Double(Float(c))), error = rounding + inequality.coefficientErrors[j]
                    if error != 0 { errors[row, default: []].append((j, error == rounding ? error : error.nextUp)) }
                }
                row += 1
            }
        }
        return errors
    }

    /// Per sample, max over disjuncts of min over its rows of `values` (n, k): with upper bounds, negative means
    /// the property is proven (every disjunct has a negative row); with the rows' values at a point, >= 0 means
    /// the point satisfies some disjunct. -infinity for a sample without disjuncts (nothing can violate it).
    public func worstDisjunct(_ values: Tensor) -> [Float] {
        let k = rowCount
        return (0..<batch).map { s in
            disjuncts[s].map { conjunction in
                conjunction.map { values.data[s * k + $0] }.min() ?? .infinity
            }.max() ?? -.infinity
        }
    }

    /// The rows' values C z + d at concrete outputs z (n, outputs) -> (n, k), in float32. A specification of one
    /// sample is shared by all n outputs (an attack's restarts).
    public func values(at outputs: Tensor) -> Tensor {
        let n = outputs.batch, k = rowCount, o = self.outputs
        precondition((batch == n || batch == 1) && outputs.sampleSize == o, "outputs \(outputs.shape) for \(batch) x \(o)")
        var v = Tensor(zeros: [n, k])
        for s in 0..<n {
            let base = batch == 1 ? 0 : s
            for i in 0..<k {
                var acc = offsets[base * k + i]
                for j in 0..<o { acc += rows.data[(base * k + i) * o + j] * outputs.data[s * o + j] }
                v.data[s * k + i] = acc
            }
        }
        return v
    }
}
