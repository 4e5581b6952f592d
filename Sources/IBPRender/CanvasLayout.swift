/// Combining canvases into larger figures.
extension Canvas {
    /// Places `canvases` top to bottom, left-aligned, `spacing` pixels apart; the result is as wide as the widest.
    public static func stackedVertically(_ canvases: [Canvas], spacing: Int = 0, background: RGB = .white) -> Canvas {
        let width = canvases.map(\.width).max() ?? 0
        let height = canvases.map(\.height).reduce(0, +) + spacing * max(0, canvases.count - 1)
        var out = Canvas(width: width, height: height, background: background)
        var y = 0
        for c in canvases {
            out.blit(c, x: 0, y: y)
            y += c.height + spacing
        }
        return out
    }

    /// Places `canvases` left to right, top-aligned, `spacing` pixels apart; the result is as tall as the tallest.
    public static func stackedHorizontally(_ canvases: [Canvas], spacing: Int = 0, background: RGB = .white) -> Canvas {
        let height = canvases.map(\.height).max() ?? 0
        let width = canvases.map(\.width).reduce(0, +) + spacing * max(0, canvases.count - 1)
        var out = Canvas(width: width, height: height, background: background)
        var x = 0
        for c in canvases {
            out.blit(c, x: x, y: 0)
            x += c.width + spacing
        }
        return out
    }

    /// This canvas turned a quarter turn anticlockwise, used for vertical axis labels.
    public func rotatedCounterClockwise() -> Canvas {
        var out = Canvas(width: height, height: width, background: .black)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let s = (y * width + x) * 3
                        let d = ((width - 1 - x) * height + y) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return out
    }
}
