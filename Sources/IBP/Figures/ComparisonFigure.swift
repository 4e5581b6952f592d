import IBPRender

/// The paper's figure: two panels (baseline left, IBP right) with a divider. Each panel shows, per stage
/// (`x`, every activation, `y`), the rows range / normal / lower / upper / perturbed, one tile per channel.
public struct ComparisonFigure {
    /// Pixels per activation value.
    public var scale: Int = 6
    /// At most this many channel tiles per line; more channels wrap.
    public var maxChannels: Int = 8
    /// Values of a vector stage per line before it wraps.
    public var vectorWrap: Int = 32

    public init(scale: Int = 6, maxChannels: Int = 8) {
        self.scale = scale
        self.maxChannels = maxChannels
    }

    public static let rows = ["range", "normal", "lower", "upper", "perturbed"]
    private let margin = 12, gap = 4, labelHeight = 12

    public func render(left: FigurePanel, right: FigurePanel) -> Canvas {
        let panels = [panel(left), panel(right)]
        let legend = "range: red = upper bound loose, blue = lower bound loose, white = tight (scaled per stage)"
        let width = panels[0].width + panels[1].width + 4
        let height = max(panels[0].height, panels[1].height) + 22
        var canvas = Canvas(width: width, height: height)
        canvas.blit(panels[0], x: 0, y: 0)
        canvas.fillRect(x: panels[0].width, y: 0, width: 4, height: height - 22, .grey)
        canvas.blit(panels[1], x: panels[0].width + 4, y: 0)
        canvas.drawText(legend, x: margin, y: height - 16, .darkGrey)
        return canvas
    }

    /// The grey scale of a stage: fixed [0, 1] for the input and sigmoid outputs, else the range of all its rows.
    static func greyRange(_ stage: StageBounds, perturbed: [Float]) -> (lo: Double, hi: Double) {
        if stage.kind == .input || stage.kind == .sigmoid { return (0, 1) }
        let all = stage.normal + stage.lower + stage.upper + perturbed
        let lo = Double(all.min() ?? 0), hi = Double(all.max() ?? 1)
        return hi > lo ? (lo, hi) : (lo, lo + 1)
    }

    private func panel(_ p: FigurePanel) -> Canvas {
        let shown = p.stages.indices.filter { p.stages[$0].kind != .affine }
        let blocks = shown.map { stageBlock(p.stages[$0], perturbed: p.perturbed[$0]) }
        let header = headerBlock(p)
        let width = max(header.width, blocks.map(\.width).max() ?? 0) + 2 * margin
        let height = header.height + blocks.reduce(0) { $0 + $1.height + margin } + 2 * margin
        var canvas = Canvas(width: width, height: height)
        canvas.blit(header, x: margin, y: margin)
        var y = margin + header.height + margin
        for block in blocks {
            canvas.blit(block, x: margin, y: y)
            y += block.height + margin
        }
        return canvas
    }

    private func headerBlock(_ p: FigurePanel) -> Canvas {
        let flipped = p.perturbedPrediction != p.label
        let lines: [(String, RGB, Int)] = [
            (p.title, .black, 2),
            ("model \(p.model)   eps \(NumberLabel.fixed(Double(p.epsilon), decimals: 3))   label \(p.label)", .black, 1),
            ("clean: predicts \(p.cleanPrediction)   \(p.perturbation.rawValue): predicts \(p.perturbedPrediction)",
             flipped ? .red : .black, 1),
            (p.verified ? "VERIFIED at eps \(NumberLabel.fixed(Double(p.epsilon), decimals: 3))" : "NOT VERIFIED",
             p.verified ? .green : .red, 2),
        ]
        let width = lines.map { BitmapFont.width(of: $0.0, scale: $0.2) }.max() ?? 0
        let height = lines.reduce(0) { $0 + BitmapFont.height(of: "0", scale: $1.2) + 5 }
        var canvas = Canvas(width: width, height: height)
        var y = 0
        for (text, color, s) in lines {
            canvas.drawText(text, x: 0, y: y, color, scale: s)
            y += BitmapFont.height(of: "0", scale: s) + 5
        }
        return canvas
    }

    /// Geometry of one stage's tiles: channels, each `cols` x `rows` values, `perLine` channels per line.
    private func tiling(_ shape: [Int]) -> (channels: Int, cols: Int, rows: Int, cell: Int, perLine: Int) {
        if shape.count == 3 {
            return (shape[0], shape[2], shape[1], scale, min(shape[0], maxChannels))
        }
        // A vector is one strip (wrapped every `vectorWrap` values), drawn with larger cells to stay visible.
        let n = shape.reduce(1, *)
        return (1, min(n, vectorWrap), (n + vectorWrap - 1) / vectorWrap, 2 * scale, 1)
    }

    private func stageBlock(_ stage: StageBounds, perturbed: [Float]) -> Canvas {
        let t = tiling(stage.shape)
        let tileW = t.cols * t.cell, tileH = t.rows * t.cell
        let lines = (t.channels + t.perLine - 1) / t.perLine
        let rowHeight = labelHeight + lines * (tileH + gap)
        let (lo, hi) = ComparisonFigure.greyRange(stage, perturbed: perturbed)
        let fixed = stage.kind == .input || stage.kind == .sigmoid
        let scaleText = fixed ? "\(stage.name): grey scale fixed [0, 1]" : "\(stage.name): grey scale"
        let barWidth = fixed ? 0 : 90
        let width = max(t.perLine * (tileW + gap), BitmapFont.width(of: scaleText) + barWidth + 12)
        let headerHeight = fixed ? 14 : 26
        var canvas = Canvas(width: width, height: headerHeight + ComparisonFigure.rows.count * rowHeight)
        canvas.drawText(scaleText, x: 0, y: 2, .darkGrey)
        if !fixed {
            canvas.drawGreyColorBar(x: BitmapFont.width(of: scaleText) + 8, y: 3, width: barWidth, height: 7, lo: lo, hi: hi)
        }
        let size = t.cols * t.rows
        for (r, row) in ComparisonFigure.rows.enumerated() {
            let top = headerHeight + r * rowHeight
            canvas.drawText("\(stage.name).\(row)", x: 0, y: top)
            for c in 0..<t.channels {
                let x = (c % t.perLine) * (tileW + gap), y = top + labelHeight + (c / t.perLine) * (tileH + gap)
                let slice = { (values: [Float]) -> [Float] in
                    var v = Array(values[c * size..<min((c + 1) * size, values.count)])
                    // A wrapped vector's last line is padded with NaN-free blanks drawn as white (the scale's low end).
                    if v.count < size { v += [Float](repeating: Float(lo), count: size - v.count) }
                    return v
                }
                switch row {
                case "range":
                    canvas.drawBoundRangeTile(normal: slice(stage.normal), lower: slice(stage.lower),
                                              upper: slice(stage.upper), columns: t.cols, rows: t.rows,
                                              x: x, y: y, cell: t.cell, scale: hi - lo)
                case "normal":
                    canvas.drawGreyTile(slice(stage.normal), columns: t.cols, rows: t.rows, x: x, y: y, cell: t.cell, lo: lo, hi: hi)
                case "lower":
                    canvas.drawGreyTile(slice(stage.lower), columns: t.cols, rows: t.rows, x: x, y: y, cell: t.cell, lo: lo, hi: hi)
                case "upper":
                    canvas.drawGreyTile(slice(stage.upper), columns: t.cols, rows: t.rows, x: x, y: y, cell: t.cell, lo: lo, hi: hi)
                default:
                    canvas.drawGreyTile(slice(perturbed), columns: t.cols, rows: t.rows, x: x, y: y, cell: t.cell, lo: lo, hi: hi)
                }
                canvas.strokeRect(x: x - 1, y: y - 1, width: t.cols * t.cell + 2, height: t.rows * t.cell + 2, .lightGrey)
            }
        }
        return canvas
    }
}
