import CCairo
import Foundation

/// Replays a `Picture`'s items on a Cairo context (`cairo_t`), whatever surface it draws to.
struct CairoPainter {
    let cr: OpaquePointer
    let fonts: FontSet

    /// Coordinates Cairo can take: finite and within a range far outside any figure (Cairo's fixed-point
    /// device coordinates hold about ±2^23). An item with a NaN coordinate is skipped rather than guessed.
    private static let limit = 1e6

    private func ok(_ values: Double...) -> Bool { values.allSatisfy { !$0.isNaN } }
    private func c(_ v: Double) -> Double { Total.clamp(v, to: -Self.limit...Self.limit, nan: 0) }

    private func setColor(_ color: RGB, opacity: Double = 1) {
        let f = color.fractions
        if opacity >= 1 {
            cairo_set_source_rgb(cr, f.r, f.g, f.b)
        } else {
            cairo_set_source_rgba(cr, f.r, f.g, f.b, Total.clamp(opacity, to: 0...1, nan: 1))
        }
    }

    private func setStroke(_ stroke: Stroke) {
        setColor(stroke.color)
        cairo_set_line_width(cr, Total.clamp(stroke.width, to: 0...1000, nan: 1))
        let dash = stroke.dash.map { Total.clamp($0, to: 0...1000, nan: 0) }
        if dash.isEmpty || dash.allSatisfy({ $0 == 0 }) {
            cairo_set_dash(cr, nil, 0, 0)
        } else {
            dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(clamping: $0.count), 0) }
        }
    }

    private func rectangle(_ r: Rect) {
        cairo_rectangle(cr, c(r.x), c(r.y), c(r.width), c(r.height))
    }

    func draw(_ items: [PictureItem]) {
        for item in items { draw(item) }
    }

    private func draw(_ item: PictureItem) {
        switch item {
        case let .fill(r, color):
            guard ok(r.x, r.y, r.width, r.height) else { return }
            setColor(color)
            rectangle(r)
            cairo_fill(cr)
        case let .outline(r, stroke):
            guard ok(r.x, r.y, r.width, r.height) else { return }
            setStroke(stroke)
            rectangle(r)
            cairo_stroke(cr)
        case let .path(points, closed, stroke, fill, opacity):
            guard points.count >= 2, points.allSatisfy({ ok($0.x, $0.y) }) else { return }
            cairo_new_path(cr)
            cairo_move_to(cr, c(points[0].x), c(points[0].y))
            for p in points.dropFirst() { cairo_line_to(cr, c(p.x), c(p.y)) }
            if closed { cairo_close_path(cr) }
            if let fill {
                setColor(fill, opacity: opacity)
                stroke == nil ? cairo_fill(cr) : cairo_fill_preserve(cr)
            }
            if let stroke {
                cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
                setStroke(stroke)
                cairo_stroke(cr)
            }
        case let .circle(p, radius, fill, stroke):
            guard ok(p.x, p.y, radius) else { return }
            cairo_new_path(cr)
            cairo_arc(cr, c(p.x), c(p.y), Total.clamp(radius, to: 0...1000, nan: 0), 0, 2 * Double.pi)
            if let fill {
                setColor(fill)
                stroke == nil ? cairo_fill(cr) : cairo_fill_preserve(cr)
            }
            if let stroke {
                setStroke(stroke)
                cairo_stroke(cr)
            }
        case let .text(run):
            drawText(run)
        case let .cells(image):
            drawCells(image)
        case let .clip(r, inner):
            guard ok(r.x, r.y, r.width, r.height) else { return }
            cairo_save(cr)
            rectangle(r)
            cairo_clip(cr)
            draw(inner)
            cairo_restore(cr)
        }
    }

    private func drawText(_ run: TextRun) {
        guard ok(run.x, run.y, run.size), run.size > 0 else { return }
        cairo_save(cr)
        cairo_set_scaled_font(cr, fonts.scaledFont(size: run.size, weight: run.weight))
        setColor(run.color)
        let width = fonts.width(run.text, size: run.size, weight: run.weight)
        let shift: Double
        switch run.anchor {
        case .start: shift = 0
        case .middle: shift = width / 2
        case .end: shift = width
        }
        cairo_translate(cr, c(run.x), c(run.y))
        if run.vertical { cairo_rotate(cr, -Double.pi / 2) }
        cairo_move_to(cr, -shift, 0)
        cairo_show_text(cr, run.text)
        cairo_restore(cr)
    }

    /// One value per pixel of a small RGB24 image, scaled up with the nearest-neighbour filter so every
    /// value stays a sharp block (PDF marks the image /Interpolate false; SVG gets pixelated rendering).
    private func drawCells(_ image: CellImage) {
        let r = image.rect
        guard ok(r.x, r.y, r.width, r.height), r.width > 0, r.height > 0 else { return }
        let width = Int32(clamping: image.columns), height = Int32(clamping: image.rows)
        guard Int(width) == image.columns, Int(height) == image.rows else { return }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height) else { return }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
            return
        }
        let stride = Int(cairo_image_surface_get_stride(surface))
        image.colors.withUnsafeBufferPointer { colors in
            for y in 0..<image.rows {
                let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<image.columns {
                    let color = colors[y * image.columns + x]
                    row[x] = UInt32(color.r) << 16 | UInt32(color.g) << 8 | UInt32(color.b)
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(cr)
        cairo_translate(cr, c(r.x), c(r.y))
        cairo_scale(cr, r.width / Double(image.columns), r.height / Double(image.rows))
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(image.columns), Double(image.rows))
        cairo_fill(cr)
        cairo_restore(cr)
    }
}
