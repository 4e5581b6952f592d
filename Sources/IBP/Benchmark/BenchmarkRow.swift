/// One line of `ibp-bench`: a measure of one model, summarised over repeats.
public struct BenchmarkRow: Codable, Sendable {
    /// A model name, or `machine` for measures of the machine itself (sgemm peak).
    public var model: String
    /// `nominal-train-step`, `ibp-train-step`, `crown-ibp-train-step` (with `crown-ibp-train-cost`, its time in IBP
    /// steps, unit `x`), `ibp-verify`, `pgd20`, `figure`, `figures-100`, `sgemm-peak`
    /// (the kernel the layers use), `blas-sgemm-peak` or `avx512-sgemm-peak` (the other kernel, where this CPU runs it),
    /// or a `*-gflops` row derived from a step measure.
    public var measure: String
    public var median: Double
    public var min: Double
    public var max: Double
    /// `samples/s`, `images/s`, `ms` or `GFLOP/s`.
    public var unit: String

    public init(model: String, measure: String, median: Double, min: Double, max: Double, unit: String) {
        self.model = model; self.measure = measure
        self.median = median; self.min = min; self.max = max
        self.unit = unit
    }

    /// How many times slower `row` runs than `reference` (both rates of the same items): reference / row, with the
    /// range from the two rows' extremes, unit `x`.
    public static func ratio(_ reference: BenchmarkRow, over row: BenchmarkRow, measure: String) -> BenchmarkRow {
        BenchmarkRow(model: row.model, measure: measure, median: reference.median / row.median,
                     min: reference.min / row.max, max: reference.max / row.min, unit: "x")
    }

    /// Summarises repeated observations (rates or times) by their median, minimum and maximum.
    public init(model: String, measure: String, observations: [Double], unit: String) {
        precondition(!observations.isEmpty, "a benchmark row needs at least one observation")
        let sorted = observations.sorted(), n = sorted.count
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        self.init(model: model, measure: measure, median: median, min: sorted[0], max: sorted[n - 1], unit: unit)
    }

    /// The same row with every statistic multiplied by `factor` (e.g. samples/s -> GFLOP/s).
    public func scaled(by factor: Double, measure: String, unit: String) -> BenchmarkRow {
        BenchmarkRow(model: model, measure: measure, median: median * factor, min: min * factor, max: max * factor,
                     unit: unit)
    }
}
