import IBPRender

/// The rows of tiles a stage block can show, each one tile per channel.
public enum TileRow: String, CaseIterable, Sendable {
    /// How loose the interval is around the clean value, as RGB (1 - dlo, 1 - dlo - dup, 1 - dup) with
    /// dup = upper - normal, dlo = normal - lower over the stage's grey range: red = upper bound loose,
    /// blue = lower bound loose, white = tight (the seed's figure).
    case range
    case normal
    case lower
    case upper
    case perturbed
}

/// One stage of one panel: a header with the stage's numbers and grey scale, rows of tiles, and under the logits
/// the worst-case margin bar chart. Laid out from the stage's outline alone, so its size is known before any bound.
struct StageBlock {
    let outline: StageOutline
    let geometry: TileGeometry
    let rows: [TileRow]
    let classes: Int?
    let gutter: Double
    let width: Double
    let height: Double
    private let headerHeight: Double
    private let barX: Double
    /// Height of one row of tiles: the tiles, but at least the row's label.
    private let rowHeight: Double

    /// - Parameters:
    ///   - marginClasses: the number of classes when the block shows the margin chart (the logits stage).
    init(outline: StageOutline, rows: [TileRow], scale: Int, maxChannels: Int, gutter: Double,
         marginClasses: Int?, fonts: FontSet) {
        self.outline = outline
        self.rows = rows
        self.gutter = gutter
        self.classes = marginClasses
        geometry = TileGeometry(shape: outline.shape, scale: scale, maxChannels: maxChannels)
        let body = FigureStyle.body, small = FigureStyle.small
        let line = FigureStyle.lineHeight(fonts, body)
        let first = fonts.width(outline.name, size: body, weight: .bold) + 8 + fonts.width(Self.descriptor(outline), size: body)
        barX = (first + 16 + fonts.width("grey", size: body) + 4 + fonts.width(NumberLabel.widest, size: small)).rounded(.up)
        let firstWidth = barX + FigureStyle.barWidth + 4 + fonts.width(NumberLabel.widest, size: small)
        var texts = [Self.widthText(mean: nil, max: nil)]
        if outline.kind == .relu { texts.append(Self.countText(nil, nil, nil, count: outline.count)) }
        let textWidth = texts.map { fonts.width($0, size: body) }.max() ?? 0
        headerHeight = line * Double(1 + texts.count) + 2
        var contentWidth = max(Double(geometry.gridWidth), firstWidth - gutter, textWidth - gutter)
        rowHeight = max(Double(geometry.gridHeight), line)
        var h = headerHeight + Double(rows.count) * (rowHeight + FigureStyle.rowGap)
        if let classes = marginClasses {
            contentWidth = max(contentWidth, MarginChart.width(classes: classes, fonts: fonts))
            h += MarginChart.height(fonts: fonts)
        }
        width = (gutter + contentWidth).rounded(.up)
        height = h.rounded(.up)
    }

    static func descriptor(_ outline: StageOutline) -> String {
        let kind: String
        switch outline.kind {
        case .input: kind = "input"
        case .affine: kind = "affine"
        case .relu: kind = "ReLU"
        case .sigmoid: kind = "sigmoid"
        case .tanh: kind = "tanh"
        case .pool: kind = "max pool"
        case .logits: kind = "logits"
        }
        return "\(kind) · \(FigureStyle.shapeText(outline.shape))"
    }

    /// "width u − l: mean 0.123 · max 1.23"; nil values give the widest text the numbers can make.
    static func widthText(mean: Double?, max: Double?) -> String {
        "width u − l: mean \(mean.map { NumberLabel.format($0) } ?? NumberLabel.widest)"
            + " · max \(max.map { NumberLabel.format($0) } ?? NumberLabel.widest)"
    }

    /// "pre-activations: 12 stable active · 3 stable inactive · 5 unstable"; nil counts reserve `count`'s digits.
    static func countText(_ active: Int?, _ inactive: Int?, _ unstable: Int?, count: Int) -> String {
        func n(_ v: Int?) -> String { v.map(String.init) ?? FigureStyle.reserve(String(count)) }
        return "pre-activations: \(n(active)) stable active · \(n(inactive)) stable inactive · \(n(unstable)) unstable"
    }

    /// Draws the block for `stage` (whose outline must be this block's) at the origin.
    func draw(stage: StageBounds, perturbed: [Float], summary: StageSummary, scale: GreyScale,
              margins: (values: [Float], label: Int, range: ClosedRange<Double>)?, fonts: FontSet) -> Picture {
        precondition(stage.outline == outline, "stage \(stage.name) does not match its block")
        var pic = Picture(width: width, height: height)
        let body = FigureStyle.body, small = FigureStyle.small
        let line = FigureStyle.lineHeight(fonts, body)
        let ascent = FigureStyle.ascent(fonts, body)
        var baseline = ascent + 1
        pic.text(stage.name, x: 0, y: baseline, size: body, weight: .bold)
        pic.text(Self.descriptor(outline), x: fonts.width(stage.name, size: body, weight: .bold) + 8, y: baseline, size: body)
        pic.text("grey", x: barX - 4 - fonts.width(NumberLabel.widest, size: small) - 4 - fonts.width("grey", size: body),
                 y: baseline, size: body, color: .darkGrey)
        let barHeight = 9.0
        pic.greyColorBar(Rect(x: barX, y: (baseline - ascent * 0.36 - barHeight / 2).rounded(), width: FigureStyle.barWidth,
                              height: barHeight), lo: scale.lo, hi: scale.hi, labelSize: small)
        baseline += line
        pic.text(Self.widthText(mean: summary.meanWidth, max: summary.maxWidth), x: 0, y: baseline, size: body)
        if outline.kind == .relu {
            baseline += line
            pic.text(Self.countText(summary.stableActive, summary.stableInactive, summary.unstable, count: outline.count),
                     x: 0, y: baseline, size: body)
        }
        var top = headerHeight
        let g = geometry, size = g.valuesPerTile
        for row in rows {
            pic.text(row.rawValue, x: 0, y: top + ascent, size: body, color: .darkGrey)
            for c in 0..<g.channels {
                let o = g.origin(of: c)
                let x = gutter + Double(o.x), y = top + Double(o.y)
                let range = c * size..<min((c + 1) * size, stage.normal.count)
                let colors = Self.colors(row, stage: stage, perturbed: perturbed, range: range, scale: scale, pad: size - range.count)
                pic.cells(CellImage(rect: Rect(x: x, y: y, width: Double(g.tileWidth), height: Double(g.tileHeight)),
                                    columns: g.columns, rows: g.rows, colors: colors))
                pic.outline(Rect(x: x - 1, y: y - 1, width: Double(g.tileWidth) + 2, height: Double(g.tileHeight) + 2),
                            FigureStyle.tileOutline)
            }
            top += rowHeight + FigureStyle.rowGap
        }
        if let margins, classes != nil {
            pic.place(MarginChart.draw(margins: margins.values, label: margins.label, range: margins.range,
                                       gutter: gutter, fonts: fonts), x: 0, y: top)
        }
        return pic
    }

    /// The colours of one tile of `row`; a wrapped vector's last tile is padded with `pad` white cells.
    static func colors(_ row: TileRow, stage: StageBounds, perturbed: [Float], range: Range<Int>, scale: GreyScale,
                       pad: Int) -> [RGB] {
        var out: [RGB] = []
        out.reserveCapacity(range.count + pad)
        func greys(_ values: [Float]) {
            for i in range { out.append(Colormap.grey(Double(values[i]), lo: scale.lo, hi: scale.hi)) }
        }
        switch row {
        case .range:
            for i in range {
                let n = Double(stage.normal[i])
                out.append(Colormap.boundRange(lowerGap: n - Double(stage.lower[i]), upperGap: Double(stage.upper[i]) - n,
                                               scale: scale.hi - scale.lo))
            }
        case .normal: greys(stage.normal)
        case .lower: greys(stage.lower)
        case .upper: greys(stage.upper)
        case .perturbed: greys(perturbed)
        }
        out += [RGB](repeating: .white, count: max(0, pad))
        return out
    }
}
