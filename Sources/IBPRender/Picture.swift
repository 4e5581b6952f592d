/// A point in figure pixels: x to the right, y down, origin at the top-left corner.
public struct Point: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned rectangle in figure pixels, top-left corner (x, y).
public struct Rect: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// How a line is drawn: colour, width in pixels, and an optional dash pattern (on, off, on, ... lengths).
public struct Stroke: Equatable, Sendable {
    public var color: RGB
    public var width: Double
    public var dash: [Double]
    public init(_ color: RGB, width: Double = 1, dash: [Double] = []) {
        self.color = color
        self.width = width
        self.dash = dash
    }
}

/// Where a text run sits relative to its x coordinate.
public enum TextAnchor: Sendable {
    case start, middle, end
}

/// One line of text at a baseline point, set in DejaVu Sans at `size` pixels per em.
public struct TextRun: Equatable, Sendable {
    public var text: String
    /// The anchor point on the baseline (for vertical text, the baseline runs upwards through it).
    public var x: Double
    public var y: Double
    public var size: Double
    public var weight: FontWeight
    public var color: RGB
    public var anchor: TextAnchor
    /// Turned a quarter turn anticlockwise (axis labels).
    public var vertical: Bool
}

/// A grid of coloured cells drawn as an image scaled without smoothing: one colour per value,
/// `columns` x `rows` of them row-major, covering `rect` (so each cell is rect.width / columns wide).
public struct CellImage: Equatable, Sendable {
    public var rect: Rect
    public var columns: Int
    public var rows: Int
    public var colors: [RGB]
    public init(rect: Rect, columns: Int, rows: Int, colors: [RGB]) {
        precondition(columns > 0 && rows > 0 && colors.count == columns * rows, "cell image needs columns * rows colours")
        self.rect = rect
        self.columns = columns
        self.rows = rows
        self.colors = colors
    }
}

/// One drawing instruction of a `Picture`.
public indirect enum PictureItem: Equatable, Sendable {
    /// A filled rectangle.
    case fill(Rect, RGB)
    /// A rectangle's outline, the line centred on its edges.
    case outline(Rect, Stroke)
    /// A polyline or polygon; `fill` with `opacity` paints the closed area (bands), `stroke` the line.
    case path([Point], closed: Bool, stroke: Stroke?, fill: RGB?, opacity: Double)
    /// A filled and/or outlined circle (plot markers).
    case circle(Point, radius: Double, fill: RGB?, stroke: Stroke?)
    case text(TextRun)
    case cells(CellImage)
    /// Items drawn only inside the rectangle.
    case clip(Rect, [PictureItem])

    /// The same item moved by (dx, dy).
    func translated(_ dx: Double, _ dy: Double) -> PictureItem {
        func move(_ r: Rect) -> Rect { Rect(x: r.x + dx, y: r.y + dy, width: r.width, height: r.height) }
        switch self {
        case let .fill(r, c): return .fill(move(r), c)
        case let .outline(r, s): return .outline(move(r), s)
        case let .path(points, closed, stroke, fill, opacity):
            return .path(points.map { Point($0.x + dx, $0.y + dy) }, closed: closed, stroke: stroke, fill: fill, opacity: opacity)
        case let .circle(p, radius, fill, stroke): return .circle(Point(p.x + dx, p.y + dy), radius: radius, fill: fill, stroke: stroke)
        case var .text(run):
            run.x += dx
            run.y += dy
            return .text(run)
        case var .cells(image):
            image.rect = move(image.rect)
            return .cells(image)
        case let .clip(r, items): return .clip(move(r), items.map { $0.translated(dx, dy) })
        }
    }
}

/// A figure as a list of drawing instructions in pixel coordinates, independent of the output format: the same
/// picture is rasterised to PNG or written as SVG or PDF by `FigureFile` (all through Cairo).
/// Layout code builds small pictures and places them into larger ones.
public struct Picture: Equatable, Sendable {
    public var width: Double
    public var height: Double
    public private(set) var items: [PictureItem] = []

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    public mutating func add(_ item: PictureItem) { items.append(item) }

    /// Places `other` with its top-left corner at (x, y).
    public mutating func place(_ other: Picture, x: Double, y: Double) {
        items.append(contentsOf: other.items.map { $0.translated(x, y) })
    }

    public mutating func fill(_ rect: Rect, _ color: RGB) { items.append(.fill(rect, color)) }

    /// Outlines `rect` with a line of `width` pixels drawn just inside it, so it stays crisp on the pixel grid
    /// when `rect` has whole-pixel edges.
    public mutating func outline(_ rect: Rect, _ color: RGB, width: Double = 1) {
        let h = width / 2
        items.append(.outline(Rect(x: rect.x + h, y: rect.y + h, width: rect.width - width, height: rect.height - width),
                              Stroke(color, width: width)))
    }

    public mutating func line(_ points: [Point], _ stroke: Stroke) {
        guard points.count >= 2 else { return }
        items.append(.path(points, closed: false, stroke: stroke, fill: nil, opacity: 1))
    }

    /// A horizontal line of `width` pixels whose top edge is at `y` (crisp on whole pixels).
    public mutating func horizontalRule(x0: Double, x1: Double, y: Double, _ color: RGB, width: Double = 1) {
        line([Point(x0, y + width / 2), Point(x1, y + width / 2)], Stroke(color, width: width))
    }

    /// A vertical line of `width` pixels whose left edge is at `x` (crisp on whole pixels).
    public mutating func verticalRule(x: Double, y0: Double, y1: Double, _ color: RGB, width: Double = 1) {
        line([Point(x + width / 2, y0), Point(x + width / 2, y1)], Stroke(color, width: width))
    }

    public mutating func polygon(_ points: [Point], fill: RGB, opacity: Double = 1) {
        guard points.count >= 3 else { return }
        items.append(.path(points, closed: true, stroke: nil, fill: fill, opacity: opacity))
    }

    /// Text with its baseline at `y`.
    public mutating func text(_ text: String, x: Double, y: Double, size: Double, weight: FontWeight = .regular,
                              color: RGB = .black, anchor: TextAnchor = .start, vertical: Bool = false) {
        guard !text.isEmpty else { return }
        items.append(.text(TextRun(text: text, x: x, y: y, size: size, weight: weight, color: color, anchor: anchor,
                                   vertical: vertical)))
    }

    public mutating func cells(_ image: CellImage) { items.append(.cells(image)) }

    public mutating func clip(_ rect: Rect, _ picture: Picture) { items.append(.clip(rect, picture.items)) }

    /// Every text run, in drawing order (nested clips included): what a reader of the figure can read.
    public var texts: [TextRun] {
        func collect(_ items: [PictureItem]) -> [TextRun] {
            items.flatMap { item -> [TextRun] in
                switch item {
                case let .text(run): return [run]
                case let .clip(_, inner): return collect(inner)
                default: return []
                }
            }
        }
        return collect(items)
    }
}
