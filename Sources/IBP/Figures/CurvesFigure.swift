import Foundation
import IBPRender

/// Accuracy of one checkpoint against epsilon under one bound method: the `EvaluationResult` of each epsilon.
public struct AccuracyCurve: Sendable {
    /// The checkpoint's name as the legend shows it.
    public var name: String
    public var method: BoundMethodName
    public var results: [EvaluationResult]
    /// What the verified line counts, shown in its legend entry (`small verified (any of ibp, crown-ibp)`); nil: the
    /// method, when the figure has several.
    public var verifiedLabel: String?

    public init(name: String, method: BoundMethodName, results: [EvaluationResult], verifiedLabel: String? = nil) {
        self.name = name
        self.method = method
        self.results = results
        self.verifiedLabel = verifiedLabel
    }
}

/// `curves`: nominal, PGD and verified accuracy against the test epsilon, one colour per checkpoint; verified is
/// solid (one dash style per bound method), PGD dashed, nominal (which does not depend on eps) dotted. The gap
/// between a checkpoint's PGD and verified lines is what its bound cannot certify although no attack was found.
public enum CurvesFigure {
    public static let width = 1000.0
    public static let height = 560.0

    /// Dash patterns of the verified lines, by position of the method in the figure.
    static let methodDashes: [[Double]] = [[], [10, 3, 2, 3], [2, 2], [8, 4]]

    public static func picture(_ curves: [AccuracyCurve], title: String, fonts: FontSet) -> Picture {
        var names: [String] = []
        for c in curves where !names.contains(c.name) { names.append(c.name) }
        var methods: [BoundMethodName] = []
        for c in curves where !methods.contains(c.method) { methods.append(c.method) }
        var series: [LinePlot.Series] = []
        for (i, name) in names.enumerated() {
            let color = RGB.palette[i % RGB.palette.count]
            let own = curves.filter { $0.name == name }
            for curve in own {
                let dash = methodDashes[(methods.firstIndex(of: curve.method) ?? 0) % methodDashes.count]
                let label = curve.verifiedLabel.map { "\(name) verified (\($0))" }
                    ?? (methods.count > 1 ? "\(name) verified (\(curve.method.rawValue))" : "\(name) verified")
                series.append(LinePlot.Series(name: label, x: curve.results.map { Double($0.epsilon) },
                                              y: curve.results.map { 100 * $0.verifiedAccuracy }, color: color,
                                              marker: curve.results.count <= 12 ? .dot : .none, lineWidth: 2, dash: dash))
            }
            guard let first = own.first else { continue }
            let pgd = first.results.compactMap { r in r.pgdAccuracy.map { (x: Double(r.epsilon), y: 100 * $0) } }
            if !pgd.isEmpty {
                let attackedEverywhere = pgd.count == first.results.count
                let points = attackedEverywhere ? pgd : pgdSteps(pgd, to: first.results.map { Double($0.epsilon) }.max()!)
                series.append(LinePlot.Series(name: attackedEverywhere ? "\(name) PGD" : "\(name) PGD (held between attacks)",
                                              points: points, color: color,
                                              marker: attackedEverywhere && pgd.count <= 12 ? .cross : .none,
                                              lineWidth: 1.5, dash: [6, 3]))
            }
            series.append(LinePlot.Series(name: "\(name) nominal", x: first.results.map { Double($0.epsilon) },
                                          y: first.results.map { 100 * $0.nominalAccuracy }, color: color, lineWidth: 1.5,
                                          dash: [1.5, 3]))
        }
        // The x axis spans exactly the evaluated epsilons; the y axis leaves a little room above 100% so that lines
        // at 100% are not hidden by the frame.
        let eps = curves.flatMap { $0.results.map { Double($0.epsilon) } }
        let lo = eps.min() ?? 0, hi = eps.max() ?? 1
        let plot = LinePlot(title: title, xLabel: "test epsilon (L-inf, pixels in [0, 1])", yLabel: "accuracy (%)",
                            series: series, xRange: hi > lo ? lo...hi : nil, yRange: -2...102, legend: .right)
        return plot.picture(width: width, height: height, fonts: fonts)
    }

    /// PGD accuracy measured at some epsilons only (`--pgd-every`), drawn as a step function: each measured value is
    /// held up to the next measured epsilon (and after the last one up to `end`). Robust accuracy does not grow
    /// with eps, so at any e >= e_k it is at most PGD's accuracy at e_k: the steps stay an upper bound everywhere,
    /// hence never below the verified line (a straight line between two attacked epsilons could cross it).
    static func pgdSteps(_ measured: [(x: Double, y: Double)], to end: Double) -> [(x: Double, y: Double)] {
        let sorted = measured.sorted { $0.x < $1.x }
        var points: [(x: Double, y: Double)] = []
        for (i, p) in sorted.enumerated() {
            points.append(p)
            let next = i + 1 < sorted.count ? sorted[i + 1].x : end
            if next > p.x { points.append((x: next, y: p.y)) }
        }
        return points
    }
}
