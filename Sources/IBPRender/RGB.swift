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

    /// Distinct colours for plot series, in the order they are handed out.
    public static let palette: [RGB] = [.blue, .red, .green, .orange, .purple, RGB(0, 150, 160), .darkGrey]
}
