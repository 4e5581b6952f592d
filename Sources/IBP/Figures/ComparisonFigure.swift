import IBPRender

/// The seed's figure, generalised to any number of columns: one panel per model (`compare`) or per bound method
/// (`methods`), side by side with dividers. Each panel shows, per stage (`x`, every activation, `y`), the rows
/// range / normal / lower / upper / perturbed, one tile per channel, the stage's width numbers, and under the
/// logits the worst-case margins.
public struct ComparisonFigure {
    /// Pixels per activation value.
    public var scale: Int
    /// At most this many channel tiles per line; more channels wrap.
    public var maxChannels: Int
    /// One grey scale (and margin chart range) per stage across all columns instead of per column.
    public var sharedScale: Bool

    public static let rows: [TileRow] = TileRow.allCases
    static let divider = 2.0

    public init(scale: Int = 6, maxChannels: Int = 8, sharedScale: Bool = false) {
        self.scale = scale
        self.maxChannels = maxChannels
        self.sharedScale = sharedScale
    }

    func columns(_ specs: [ColumnSpec], fonts: FontSet) -> [PanelColumn] {
        specs.map { PanelColumn(spec: $0, rows: Self.rows, scale: scale, maxChannels: maxChannels, fonts: fonts) }
    }

    private var footer: [String] {
        ["range: red = upper bound loose, blue = lower bound loose, white = tight (against the stage's grey range)",
         "greys: white = low, black = high, one scale per stage" + (sharedScale ? " across all columns" : " and column")
            + " · magenta = NaN or ±inf"]
    }

    /// The figure's size in pixels for columns laid out from `specs`: known from the flags and checkpoints alone.
    public func size(_ specs: [ColumnSpec], fonts: FontSet) -> (width: Double, height: Double) {
        size(columns(specs, fonts: fonts), fonts: fonts)
    }

    private func size(_ columns: [PanelColumn], fonts: FontSet) -> (width: Double, height: Double) {
        let content = columns.reduce(0) { $0 + $1.width } + Self.divider * Double(max(0, columns.count - 1))
        let footerWidth = (footer.map { fonts.width($0, size: FigureStyle.body) }.max() ?? 0) + 2 * FigureStyle.margin
        let footerHeight = FigureStyle.lineHeight(fonts, FigureStyle.body) * Double(footer.count) + FigureStyle.margin
        return (max(content, footerWidth).rounded(.up), ((columns.map(\.height).max() ?? 0) + footerHeight).rounded(.up))
    }

    /// The figure of `panels` left to right; `titles` (default: each panel's checkpoint name) head the columns.
    public func picture(panels: [FigurePanel], titles: [String]? = nil, fonts: FontSet) -> Picture {
        let titles = titles ?? panels.map(\.title)
        let cols = columns(zip(panels, titles).map { $0.spec(title: $1) }, fonts: fonts)
        let (width, height) = size(cols, fonts: fonts)
        var pic = Picture(width: width, height: height)
        let scales = sharedScale ? GreyScale.shared(panels) : nil
        let marginRange = sharedScale ? GreyScale.marginRange(panels) : nil
        let bodyHeight = cols.map(\.height).max() ?? 0
        var x = 0.0
        for (i, (column, panel)) in zip(cols, panels).enumerated() {
            if i > 0 {
                pic.fill(Rect(x: x, y: 0, width: Self.divider, height: bodyHeight), FigureStyle.dividerColor)
                x += Self.divider
            }
            pic.place(column.draw(panel, scales: scales, marginRange: marginRange, fonts: fonts), x: x, y: 0)
            x += column.width
        }
        let line = FigureStyle.lineHeight(fonts, FigureStyle.body)
        for (i, text) in footer.enumerated() {
            pic.text(text, x: FigureStyle.margin, y: bodyHeight + Double(i) * line + FigureStyle.ascent(fonts, FigureStyle.body),
                     size: FigureStyle.body, color: .darkGrey)
        }
        return pic
    }
}
