import Foundation
import IBPFormats

/// The file formats figures are written in; all three come from the same `Picture` through Cairo.
public enum FigureFormat: String, CaseIterable, Codable, Sendable, NamedChoice {
    /// 8-bit RGB through the project's libpng writer, with provenance in tEXt chunks.
    case png
    /// SVG 1.1 (text as glyph outlines, value grids as embedded pixel images); provenance in `<metadata>`.
    case svg
    /// PDF 1.5 with the font subset embedded, 1 figure pixel = 0.75 pt (96 dpi); provenance in the info dictionary.
    case pdf

    /// The format named by a path's extension (`.png`, `.svg`, `.pdf`, any case), or nil.
    public init?(path: String) {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        self.init(rawValue: path[path.index(after: dot)...].lowercased())
    }

    public var fileExtension: String { rawValue }
}

/// The largest figure the tools will make, checked from the flags before any work (issue #11, kind 4): each side
/// at most `maxSide` pixels and the area at most `maxPixels` (a 40-megapixel PNG takes about 280 MB while it is
/// drawn and encoded). Cairo itself cannot go beyond 32,767 pixels a side.
public enum FigureSizeLimit {
    public static let maxSide = 16_384
    public static let maxPixels = 40_000_000

    /// Nil when a `width` x `height` figure is allowed, else the phrase "W x H px (A megapixels) exceeds the limit
    /// of 16384 px a side and 40 megapixels". Non-finite sizes are refused.
    public static func problem(width: Double, height: Double) -> String? {
        fits(width: width, height: height) ? nil : "\(size(width: width, height: height)) exceeds \(limit)"
    }

    /// Whether a `width` x `height` figure is allowed (finite, at least 1 px, within both limits).
    public static func fits(width: Double, height: Double) -> Bool {
        let w = width.isFinite ? width.rounded(.up) : .infinity, h = height.isFinite ? height.rounded(.up) : .infinity
        return w <= Double(maxSide) && h <= Double(maxSide) && w * h <= Double(maxPixels) && w >= 1 && h >= 1
    }

    /// "4918 x 10226 px (50.3 megapixels)", for messages.
    public static func size(width: Double, height: Double) -> String {
        let w = width.isFinite ? width.rounded(.up) : .infinity, h = height.isFinite ? height.rounded(.up) : .infinity
        func show(_ v: Double) -> String { v.isFinite && abs(v) < 1e15 ? String(Int(v)) : "unbounded" }
        let area = w.isFinite && h.isFinite ? String(format: " (%.1f megapixels)", w * h / 1e6) : ""
        return "\(show(w)) x \(show(h)) px\(area)"
    }

    /// "the limit of 16384 px a side and 40 megapixels".
    public static let limit = "the limit of \(maxSide) px a side and \(maxPixels / 1_000_000) megapixels"
}
