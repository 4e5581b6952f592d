/// An 8-bit RGB raster in memory: what Cairo's image surface is copied into before the project's libpng writer
/// saves it, and what `PNGFile.read` returns.
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
        var i = 0
        while i < bytes.count {
            bytes[i] = background.r
            bytes[i + 1] = background.g
            bytes[i + 2] = background.b
            i += 3
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
        pixels[i] = color.r
        pixels[i + 1] = color.g
        pixels[i + 2] = color.b
    }
}
