/// An RGB raster image in memory, the surface every figure is drawn on.
///
/// All drawing clips silently to the canvas, so callers can draw partly outside it.
public struct Canvas: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Row-major RGB bytes, `width * height * 3` of them; pixel (x, y) starts at `(y * width + x) * 3`.
    public var pixels: [UInt8]

    /// Creates a canvas filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width >= 0 && height >= 0, "canvas size must not be negative")
        self.width = width
        self.height = height
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        if background != .black {
            bytes.withUnsafeMutableBufferPointer { buf in
                var i = 0
                while i < buf.count {
                    buf[i] = background.r
                    buf[i + 1] = background.g
                    buf[i + 2] = background.b
                    i += 3
                }
            }
        }
        self.pixels = bytes
    }

    /// Wraps existing RGB bytes; `pixels.count` must equal `width * height * 3`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "pixel count does not match size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour at (x, y), which must be inside the canvas.
    @inlinable
    public func pixel(x: Int, y: Int) -> RGB {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel outside canvas")
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Sets one pixel; points outside the canvas are ignored.
    @inlinable
    public mutating func setPixel(x: Int, y: Int, _ color: RGB) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = (y * width + x) * 3
        pixels.withUnsafeMutableBufferPointer { buf in
            buf[i] = color.r
            buf[i + 1] = color.g
            buf[i + 2] = color.b
        }
    }

    /// Fills the rectangle with top-left corner (x, y).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        let x0 = max(x, 0), y0 = max(y, 0)
        let x1 = min(x + w, width), y1 = min(y + h, height)
        guard x0 < x1, y0 < y1 else { return }
        let stride = width * 3
        pixels.withUnsafeMutableBufferPointer { buf in
            for row in y0..<y1 {
                var i = row * stride + x0 * 3
                let end = row * stride + x1 * 3
                while i < end {
                    buf[i] = color.r
                    buf[i + 1] = color.g
                    buf[i + 2] = color.b
                    i += 3
                }
            }
        }
    }

    /// Draws the outline of a rectangle, `thickness` pixels wide, inside its bounds.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB, thickness: Int = 1) {
        guard w > 0, h > 0 else { return }
        let t = max(1, min(thickness, w, h))
        fillRect(x: x, y: y, width: w, height: t, color)
        fillRect(x: x, y: y + h - t, width: w, height: t, color)
        fillRect(x: x, y: y, width: t, height: h, color)
        fillRect(x: x + w - t, y: y, width: t, height: h, color)
    }

    /// Draws a straight line from (x0, y0) to (x1, y1) inclusive with Bresenham's algorithm;
    /// a `thickness` above 1 stamps a square of that size centred on each point.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, thickness: Int = 1) {
        let t = max(1, thickness)
        let offset = (t - 1) / 2
        // Only walk the part of the line that can touch the canvas, so huge coordinates stay cheap.
        guard let (cx0, cy0, cx1, cy1) = clipLine(x0, y0, x1, y1, margin: t) else { return }
        var x = cx0, y = cy0
        let dx = abs(cx1 - cx0), dy = -abs(cy1 - cy0)
        let sx = cx0 < cx1 ? 1 : -1, sy = cy0 < cy1 ? 1 : -1
        var e = dx + dy
        while true {
            if t == 1 {
                setPixel(x: x, y: y, color)
            } else {
                fillRect(x: x - offset, y: y - offset, width: t, height: t, color)
            }
            if x == cx1 && y == cy1 { break }
            let e2 = 2 * e
            if e2 >= dy { e += dy; x += sx }
            if e2 <= dx { e += dx; y += sy }
        }
    }

    /// Cohen–Sutherland clipping against the canvas grown by `margin`, rounded to whole pixels.
    private func clipLine(_ ax: Int, _ ay: Int, _ bx: Int, _ by: Int, margin: Int) -> (Int, Int, Int, Int)? {
        let minX = Double(-margin), minY = Double(-margin)
        let maxX = Double(width + margin), maxY = Double(height + margin)
        func code(_ x: Double, _ y: Double) -> Int {
            (x < minX ? 1 : 0) | (x > maxX ? 2 : 0) | (y < minY ? 4 : 0) | (y > maxY ? 8 : 0)
        }
        var x0 = Double(ax), y0 = Double(ay), x1 = Double(bx), y1 = Double(by)
        var c0 = code(x0, y0), c1 = code(x1, y1)
        while true {
            if c0 | c1 == 0 { return (Int(x0.rounded()), Int(y0.rounded()), Int(x1.rounded()), Int(y1.rounded())) }
            if c0 & c1 != 0 { return nil }
            let c = c0 != 0 ? c0 : c1
            var x = 0.0, y = 0.0
            if c & 8 != 0 { x = x0 + (x1 - x0) * (maxY - y0) / (y1 - y0); y = maxY }
            else if c & 4 != 0 { x = x0 + (x1 - x0) * (minY - y0) / (y1 - y0); y = minY }
            else if c & 2 != 0 { y = y0 + (y1 - y0) * (maxX - x0) / (x1 - x0); x = maxX }
            else { y = y0 + (y1 - y0) * (minX - x0) / (x1 - x0); x = minX }
            if c == c0 { x0 = x; y0 = y; c0 = code(x0, y0) } else { x1 = x; y1 = y; c1 = code(x1, y1) }
        }
    }

    /// Copies `other` onto this canvas with its top-left corner at (x, y).
    public mutating func blit(_ other: Canvas, x: Int, y: Int) {
        let sx0 = max(0, -x), sy0 = max(0, -y)
        let sx1 = min(other.width, width - x), sy1 = min(other.height, height - y)
        guard sx0 < sx1, sy0 < sy1 else { return }
        let rowBytes = (sx1 - sx0) * 3
        let dstStride = width * 3, srcStride = other.width * 3
        other.pixels.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for row in sy0..<sy1 {
                    let s = row * srcStride + sx0 * 3
                    let d = (row + y) * dstStride + (sx0 + x) * 3
                    UnsafeMutableRawPointer(dst.baseAddress! + d)
                        .copyMemory(from: src.baseAddress! + s, byteCount: rowBytes)
                }
            }
        }
    }

    /// Draws a full-width horizontal line `thickness` pixels tall starting at row `y`.
    public mutating func drawHorizontalDivider(y: Int, _ color: RGB = .grey, thickness: Int = 1) {
        fillRect(x: 0, y: y, width: width, height: thickness, color)
    }

    /// Draws a full-height vertical line `thickness` pixels wide starting at column `x`.
    public mutating func drawVerticalDivider(x: Int, _ color: RGB = .grey, thickness: Int = 1) {
        fillRect(x: x, y: 0, width: thickness, height: height, color)
    }
}
