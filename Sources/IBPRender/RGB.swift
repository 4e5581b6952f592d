/// An 8-bit sRGB colour.
public struct RGB: Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    /// Creates a colour from its three channels.
    @inlinable
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// A neutral grey with all channels equal to `level` (0 black, 255 white).
    @inlinable
    public init(grey level: UInt8) {
        self.init(level, level, level)
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let lightGrey = RGB(grey: 220)
    public static let grey = RGB(grey: 160)
    public static let darkGrey = RGB(grey: 90)
    public static let red = RGB(220, 30, 30)
    public static let blue = RGB(30, 70, 220)
    public static let green = RGB(30, 150, 50)
    public static let orange = RGB(240, 140, 20)
    public static let purple = RGB(140, 60, 170)
    public static let magenta = RGB(255, 0, 255)

    /// Distinct colours for plot series, in the order they are handed out (the "tab10" cycle of matplotlib,
    /// which readers of the field's papers know).
    public static let palette: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]

    /// Channels as fractions in [0, 1], as Cairo takes them.
    @inlinable
    public var fractions: (r: Double, g: Double, b: Double) {
        (Double(r) / 255, Double(g) / 255, Double(b) / 255)
    }

    /// `#rrggbb`, for HTML and SVG.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + String([r >> 4, r & 15, g >> 4, g & 15, b >> 4, b & 15].map { digits[Int($0)] })
    }
}
