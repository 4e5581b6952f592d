import IBPRender

/// One model and one sample at several epsilons: a row block per eps, the stages left to right (rows range,
/// lower, upper), so a reader sees how the bounds grow with the ball, stage by stage, and where the verdict flips.
public struct SweepFigure {
    public var scale: Int
    public var maxChannels: Int
    /// One grey scale per stage across all epsilons (and one margin chart range) instead of per row block.
    public var sharedScale: Bool

    public static let rows: [TileRow] = [.range, .lower, .upper]

    public init(scale: Int = 6, maxChannels: Int = 8, sharedScale: Bool = false) {
        self.scale = scale
        self.maxChannels = maxChannels
        self.sharedScale = sharedScale
    }

    private func blocks(_ spec: ColumnSpec, fonts: FontSet) -> [StageBlock] {
        let gutter = max((Self.rows.map { fonts.width($0.rawValue, size: FigureStyle.body) }.max() ?? 0) + 10,
                         fonts.width(NumberLabel.widest, size: FigureStyle.small) + 10).rounded(.up)
        return spec.shown.map {
            StageBlock(outline: $0, rows: Self.rows, scale: scale, maxChannels: maxChannels, gutter: gutter,
                       marginClasses: $0.kind == .logits ? spec.classes : nil, fonts: fonts)
        }
    }

    private func title(_ spec: ColumnSpec, sample: Int, label: Int?) -> String {
        let l = label.map(String.init) ?? FigureStyle.reserve(String(max(0, spec.classes - 1)))
        return "\(spec.title) · \(spec.model) · \(spec.method.rawValue.uppercased()) bounds · test image \(sample) (label \(l))"
    }

    private func blockHeader(_ spec: ColumnSpec, epsilon: Float, panel: FigurePanel?) -> [(String, FontWeight)] {
        let verdict = PanelHeader.verdict(panel, spec: spec)
        return [("eps \(NumberLabel.epsilon(epsilon))   ", .bold),
                (PanelHeader.predictions(spec, clean: panel?.cleanPrediction, perturbed: panel?.perturbedPrediction)
                    + "   ", .regular),
                (verdict.verdict, .bold), (verdict.nonFinite, .bold)]
    }

    private var footer: String {
        "range: red = upper bound loose, blue = lower bound loose, white = tight · greys: white = low, black = high, "
            + (sharedScale ? "one scale per stage across all epsilons" : "one scale per stage and epsilon")
            + " · magenta = NaN or ±inf"
    }

    /// The size in pixels of a sweep of `epsilons` for a model whose column `spec` describes (any one epsilon).
    public func size(_ spec: ColumnSpec, sample: Int, epsilons: [Float], fonts: FontSet) -> (width: Double, height: Double) {
        let b = blocks(spec, fonts: fonts)
        let m = FigureStyle.margin
        let rowWidth = b.reduce(0) { $0 + $1.width } + m * Double(b.count + 1)
        let headerWidth = epsilons.map { eps in
            blockHeader(spec, epsilon: eps, panel: nil).reduce(0) {
                $0 + fonts.width($1.0, size: $1.1 == .bold ? FigureStyle.verdict : FigureStyle.body, weight: $1.1)
            }
        }.max() ?? 0
        let textWidths = [fonts.width(title(spec, sample: sample, label: nil), size: FigureStyle.title, weight: .bold),
                          fonts.width(footer, size: FigureStyle.body), headerWidth].map { $0 + 2 * m }
        let width = max(rowWidth, textWidths.max() ?? 0)
        let height = top(fonts) + Double(epsilons.count) * blockHeight(b, fonts: fonts) + m
        return (width.rounded(.up), height.rounded(.up))
    }

    private func top(_ fonts: FontSet) -> Double {
        FigureStyle.margin + FigureStyle.lineHeight(fonts, FigureStyle.title, weight: .bold)
            + FigureStyle.lineHeight(fonts, FigureStyle.body)
    }

    private func blockHeight(_ blocks: [StageBlock], fonts: FontSet) -> Double {
        FigureStyle.margin + FigureStyle.lineHeight(fonts, FigureStyle.verdict, weight: .bold) + 6
            + (blocks.map(\.height).max() ?? 0) + FigureStyle.margin
    }

    /// The figure of `panels`, one per epsilon, all of the same model and sample.
    public func picture(panels: [FigurePanel], title checkpoint: String, sample: Int, fonts: FontSet) -> Picture {
        precondition(!panels.isEmpty, "a sweep needs at least one epsilon")
        let spec = panels[0].spec(title: checkpoint)
        let b = blocks(spec, fonts: fonts)
        let (width, height) = size(spec, sample: sample, epsilons: panels.map(\.epsilon), fonts: fonts)
        var pic = Picture(width: width, height: height)
        let m = FigureStyle.margin
        pic.text(title(spec, sample: sample, label: panels[0].label), x: m,
                 y: m + FigureStyle.ascent(fonts, FigureStyle.title, weight: .bold), size: FigureStyle.title, weight: .bold)
        pic.text(footer, x: m, y: m + FigureStyle.lineHeight(fonts, FigureStyle.title, weight: .bold)
                    + FigureStyle.ascent(fonts, FigureStyle.body), size: FigureStyle.body, color: .darkGrey)
        let scales = sharedScale ? GreyScale.shared(panels) : nil
        let marginRange = sharedScale ? GreyScale.marginRange(panels) : nil
        var y = top(fonts)
        let rowHeight = blockHeight(b, fonts: fonts)
        for panel in panels {
            pic.fill(Rect(x: 0, y: y, width: width, height: 1), FigureStyle.dividerColor)
            var x = m
            let baseline = y + m + FigureStyle.ascent(fonts, FigureStyle.verdict, weight: .bold)
            let headerColors: [RGB] = [.black, panel.perturbedPrediction != panel.label ? FigureStyle.refutedColor : .black,
                                       panel.verified ? FigureStyle.verifiedColor : FigureStyle.refutedColor,
                                       Colormap.nonFiniteColor]
            for ((text, weight), color) in zip(blockHeader(spec, epsilon: panel.epsilon, panel: panel), headerColors) {
                let size = weight == .bold ? FigureStyle.verdict : FigureStyle.body
                pic.text(text, x: x, y: baseline, size: size, weight: weight, color: color)
                x += fonts.width(text, size: size, weight: weight)
            }
            let blockTop = y + m + FigureStyle.lineHeight(fonts, FigureStyle.verdict, weight: .bold) + 6
            x = m
            let own = GreyScale.marginRange([panel])
            for (block, i) in zip(b, panel.shownStages) {
                let stage = panel.stages[i]
                let scale = scales?[stage.name] ?? GreyScale.of(stage, perturbed: panel.perturbed[i])
                let margins = stage.kind == .logits ? (panel.margins, panel.label, marginRange ?? own) : nil
                pic.place(block.draw(stage: stage, perturbed: panel.perturbed[i], summary: panel.summaries[i], scale: scale,
                                     margins: margins, fonts: fonts), x: x, y: blockTop)
                x += block.width + m
            }
            y += rowHeight
        }
        return pic
    }
}
