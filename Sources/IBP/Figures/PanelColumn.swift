import IBPRender

/// What a panel's header says before its numbers are known: enough to lay the column out (and so to know and
/// check the figure's size) from the flags and the checkpoints alone.
public struct ColumnSpec: Sendable {
    /// Bold first line: the checkpoint's file name, or the method or epsilon the column stands for.
    public var title: String
    public var model: String
    public var method: BoundMethodName
    public var epsilon: Float
    public var perturbation: Perturbation
    public var outlines: [StageOutline]

    public init(title: String, model: String, method: BoundMethodName, epsilon: Float, perturbation: Perturbation,
                outlines: [StageOutline]) {
        self.title = title
        self.model = model
        self.method = method
        self.epsilon = epsilon
        self.perturbation = perturbation
        self.outlines = outlines
    }

    var classes: Int { outlines.last?.count ?? 0 }
    var shown: [StageOutline] { outlines.filter { $0.kind != .affine } }
}

extension FigurePanel {
    /// This panel's spec with `title` as its first line.
    func spec(title: String) -> ColumnSpec {
        ColumnSpec(title: title, model: model, method: method, epsilon: epsilon, perturbation: perturbation,
                   outlines: stages.map(\.outline))
    }
}

/// Header lines of a panel: "model · method bounds · eps · label", the clean and perturbed predictions, and the
/// verdict with the margin that decides it and the count of non-finite values. Each has a reserved form (digits
/// as 8s, numbers at their widest) used for the layout.
enum PanelHeader {
    static func describe(_ spec: ColumnSpec, label: Int?) -> String {
        let l = label.map(String.init) ?? FigureStyle.reserve(String(max(0, spec.classes - 1)))
        return "\(spec.model) · \(spec.method.rawValue.uppercased()) bounds · eps \(NumberLabel.epsilon(spec.epsilon)) · label \(l)"
    }

    static func predictions(_ spec: ColumnSpec, clean: Int?, perturbed: Int?) -> String {
        let reserve = FigureStyle.reserve(String(max(0, spec.classes - 1)))
        // -1: a logit was not finite, so the model predicts no class (Verification.predictedClass).
        func name(_ c: Int?) -> String { c.map { $0 < 0 ? "none" : String($0) } ?? reserve }
        return "clean: predicts \(name(clean)) · \(spec.perturbation.rawValue): predicts \(name(perturbed))"
    }

    /// "VERIFIED: every m_j < 0" or "NOT VERIFIED: m_3 = 12.3 ≥ 0", and " · 5 non-finite values" when there are
    /// any (drawn in the non-finite colour).
    static func verdict(_ panel: FigurePanel?, spec: ColumnSpec) -> (verdict: String, nonFinite: String) {
        guard let panel else {
            let cls = FigureStyle.reserve(String(max(0, spec.classes - 1)))
            let values = FigureStyle.reserve(String(spec.shown.reduce(0) { $0 + 4 * $1.count }))
            return ("NOT VERIFIED: m_\(cls) = \(NumberLabel.widest) ≥ 0", " · \(values) non-finite values")
        }
        var text: String
        if panel.verified {
            text = "VERIFIED: every m_j < 0"
        } else if let worst = panel.worstMargin {
            text = worst.value.isNaN ? "NOT VERIFIED: m_\(worst.cls) = nan"
                : "NOT VERIFIED: m_\(worst.cls) = \(NumberLabel.format(Double(worst.value))) ≥ 0"
        } else {
            text = "NOT VERIFIED"
        }
        let bad = panel.nonFiniteCount
        return (text, bad > 0 ? " · \(bad) non-finite value\(bad == 1 ? "" : "s")" : "")
    }
}

/// One column of a comparison figure: the header, then one `StageBlock` per shown stage (`x`, activations, `y`).
struct PanelColumn {
    let spec: ColumnSpec
    let blocks: [StageBlock]
    let headerHeight: Double
    let width: Double
    let height: Double

    init(spec: ColumnSpec, rows: [TileRow], scale: Int, maxChannels: Int, fonts: FontSet) {
        self.spec = spec
        let m = FigureStyle.margin
        let gutter = (rows.map { fonts.width($0.rawValue, size: FigureStyle.body) }.max() ?? 0) + 10
        let gutterWithNumbers = max(gutter, fonts.width(NumberLabel.widest, size: FigureStyle.small) + 10).rounded(.up)
        blocks = spec.shown.map { outline in
            StageBlock(outline: outline, rows: rows, scale: scale, maxChannels: maxChannels, gutter: gutterWithNumbers,
                       marginClasses: outline.kind == .logits ? spec.classes : nil, fonts: fonts)
        }
        let lines: [(String, Double, FontWeight)] = [
            (spec.title, FigureStyle.title, .bold),
            (PanelHeader.describe(spec, label: nil), FigureStyle.body, .regular),
            (PanelHeader.predictions(spec, clean: nil, perturbed: nil), FigureStyle.body, .regular),
            ({ let v = PanelHeader.verdict(nil, spec: spec); return v.verdict + v.nonFinite }(), FigureStyle.verdict, .bold),
        ]
        headerHeight = lines.reduce(0) { $0 + FigureStyle.lineHeight(fonts, $1.1, weight: $1.2) } + 6
        let headerWidth = lines.map { fonts.width($0.0, size: $0.1, weight: $0.2) }.max() ?? 0
        width = (max(headerWidth, blocks.map(\.width).max() ?? 0) + 2 * m).rounded(.up)
        height = (m + headerHeight + blocks.reduce(0) { $0 + m + $1.height } + m).rounded(.up)
    }

    /// Draws `panel` (whose stages must match the spec's outlines) with the given grey scales per stage name
    /// (nil: each stage its own) and margin chart range (nil: the panel's own).
    func draw(_ panel: FigurePanel, scales: [String: GreyScale]?, marginRange: ClosedRange<Double>?,
              fonts: FontSet) -> Picture {
        var pic = Picture(width: width, height: height)
        let m = FigureStyle.margin
        var top = m
        func line(_ text: String, size: Double, weight: FontWeight = .regular, color: RGB = .black) {
            pic.text(text, x: m, y: top + FigureStyle.ascent(fonts, size, weight: weight), size: size, weight: weight,
                     color: color)
            top += FigureStyle.lineHeight(fonts, size, weight: weight)
        }
        line(spec.title, size: FigureStyle.title, weight: .bold)
        line(PanelHeader.describe(spec, label: panel.label), size: FigureStyle.body)
        line(PanelHeader.predictions(spec, clean: panel.cleanPrediction, perturbed: panel.perturbedPrediction),
             size: FigureStyle.body, color: panel.perturbedPrediction != panel.label ? FigureStyle.refutedColor : .black)
        let verdict = PanelHeader.verdict(panel, spec: spec)
        pic.text(verdict.nonFinite, x: m + fonts.width(verdict.verdict, size: FigureStyle.verdict, weight: .bold),
                 y: top + FigureStyle.ascent(fonts, FigureStyle.verdict, weight: .bold), size: FigureStyle.verdict,
                 weight: .bold, color: Colormap.nonFiniteColor)
        line(verdict.verdict, size: FigureStyle.verdict, weight: .bold,
             color: panel.verified ? FigureStyle.verifiedColor : FigureStyle.refutedColor)
        top = m + headerHeight
        let ownRange = GreyScale.marginRange([panel])
        for (block, i) in zip(blocks, panel.shownStages) {
            top += m
            let stage = panel.stages[i]
            let scale = scales?[stage.name] ?? GreyScale.of(stage, perturbed: panel.perturbed[i])
            let margins = stage.kind == .logits ? (panel.margins, panel.label, marginRange ?? ownRange) : nil
            pic.place(block.draw(stage: stage, perturbed: panel.perturbed[i], summary: panel.summaries[i], scale: scale,
                                 margins: margins, fonts: fonts), x: m, y: top)
            top += block.height
        }
        return pic
    }
}
