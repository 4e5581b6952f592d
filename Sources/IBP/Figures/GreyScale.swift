/// The grey scale of a stage's tiles, [lo, hi] mapped white to black: fixed [0, 1] for the input and sigmoid
/// outputs, else the range of the stage's finite values (normal, lower, upper, perturbed). With `--shared-scale`
/// one scale per stage name covers every panel (`union`), so panels compare value for value.
struct GreyScale: Equatable {
    var lo: Double
    var hi: Double
    var fixed: Bool

    static func of(_ stage: StageBounds, perturbed: [Float]) -> GreyScale {
        if stage.kind == .input || stage.kind == .sigmoid { return GreyScale(lo: 0, hi: 1, fixed: true) }
        if stage.kind == .tanh { return GreyScale(lo: -1, hi: 1, fixed: true) }
        var lo = Double.infinity, hi = -Double.infinity
        for values in [stage.normal, stage.lower, stage.upper, perturbed] {
            for v in values where v.isFinite {
                lo = min(lo, Double(v))
                hi = max(hi, Double(v))
            }
        }
        if lo > hi { return GreyScale(lo: 0, hi: 1, fixed: false) }
        return GreyScale(lo: lo, hi: hi > lo ? hi : lo + 1, fixed: false)
    }

    /// The smallest scale covering all of `scales`.
    static func union(_ scales: [GreyScale]) -> GreyScale? {
        guard let first = scales.first else { return nil }
        return scales.dropFirst().reduce(first) {
            GreyScale(lo: min($0.lo, $1.lo), hi: max($0.hi, $1.hi), fixed: $0.fixed && $1.fixed)
        }
    }

    /// One scale per stage name over all `panels` (for `--shared-scale`).
    static func shared(_ panels: [FigurePanel]) -> [String: GreyScale] {
        var byName: [String: [GreyScale]] = [:]
        for p in panels {
            for i in p.shownStages { byName[p.stages[i].name, default: []].append(of(p.stages[i], perturbed: p.perturbed[i])) }
        }
        return byName.compactMapValues { union($0) }
    }

    /// The y range of the margin bar charts of `panels`: [min(0, smallest), max(0, largest)] over finite margins.
    static func marginRange(_ panels: [FigurePanel]) -> ClosedRange<Double> {
        var lo = 0.0, hi = 0.0
        for p in panels {
            for (j, m) in p.margins.enumerated() where j != p.label && m.isFinite {
                lo = min(lo, Double(m))
                hi = max(hi, Double(m))
            }
        }
        return lo < hi ? lo...hi : lo...(lo + 1)
    }
}
