import CCairo
import Foundation
import IBPFormats

/// A figure that could not be drawn or written; the description is one line naming the file.
public typealias FigureFileError = FileFormatError<FigureProblem>

/// What went wrong with a figure file, in a few words.
public struct FigureProblem: TextProblem {
    public let text: String
    public init(text: String) { self.text = text }
}

/// Draws `Picture`s with Cairo and writes them atomically as PNG (through `PNGFile`, libpng), SVG or PDF.
///
/// Identical pictures give identical bytes on one machine: PNG has no time chunk, SVG's image and surface ids are
/// renumbered in order of appearance (Cairo numbers them per process), and PDF's creation and modification dates
/// are fixed to `$SOURCE_DATE_EPOCH`, else 1970-01-01T00:00:00Z. Every file records the Cairo version and the
/// font (`FontSet.description`) next to the caller's `metadata`.
public enum FigureFile {
    /// The Cairo library's version, e.g. "1.16.0".
    public static var cairoVersion: String { String(cString: cairo_version_string()) }

    /// `metadata` plus the drawing libraries, as recorded in every file.
    static func provenance(_ metadata: [(String, String)], fonts: FontSet) -> [(String, String)] {
        metadata + [("Cairo", cairoVersion), ("Font", fonts.description)]
    }

    /// Writes `picture` to `url` in `format`, atomically (readers see the old file or the whole new one).
    /// `metadata` pairs become PNG tEXt chunks (keys 1-79 printable ASCII, values Latin-1), SVG `<metadata>`
    /// lines or PDF info entries.
    public static func write(_ picture: Picture, to url: URL, format: FigureFormat, metadata: [(String, String)] = [],
                             fonts: FontSet) throws {
        let all = provenance(metadata, fonts: fonts)
        switch format {
        case .png:
            try PNGFile.write(try raster(picture, fonts: fonts, path: url.path), to: url, text: all)
        case .svg, .pdf:
            let data = try vector(picture, format: format, metadata: all, fonts: fonts, path: url.path)
            do {
                try AtomicFile.write(data, to: url)
            } catch let error as AtomicFile.WriteError {
                throw FigureFileError(path: error.path, reason: error.reason)
            }
        }
    }

    /// `picture` drawn on a white RGB raster of ceil(width) x ceil(height) pixels. `path` names the figure in errors.
    public static func raster(_ picture: Picture, fonts: FontSet, path: String = "<memory>") throws -> Canvas {
        let (width, height) = try pixelSize(picture, path: path)
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            throw FigureFileError(path: path, reason: "Cairo cannot make a \(width) x \(height) image")
        }
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), path: path, doing: "make a \(width) x \(height) image")
        try paint(picture, on: surface, scale: 1, fonts: fonts, path: path)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else {
            throw FigureFileError(path: path, reason: "Cairo's image has no pixels")
        }
        let stride = Int(cairo_image_surface_get_stride(surface))
        // RGB24 pixels are native-endian 32-bit words 0x00RRGGBB.
        let rgb = [UInt8](unsafeUninitializedCapacity: width * height * 3) { out, initialized in
            for y in 0..<height {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                var o = y * width * 3
                for x in 0..<width {
                    let p = row[x]
                    out[o] = UInt8(truncatingIfNeeded: p >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: p >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: p)
                    o += 3
                }
            }
            initialized = width * height * 3
        }
        return Canvas(width: width, height: height, pixels: rgb)
    }

    /// The SVG or PDF bytes of `picture`.
    public static func vector(_ picture: Picture, format: FigureFormat, metadata: [(String, String)], fonts: FontSet,
                              path: String = "<memory>") throws -> Data {
        precondition(format != .png, "PNG goes through raster(_:fonts:)")
        _ = try pixelSize(picture, path: path)
        let sink = ByteSink()
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        let scale = format == .pdf ? 0.75 : 1
        let width = picture.width.rounded(.up) * scale, height = picture.height.rounded(.up) * scale
        let created = format == .svg
            ? cairo_svg_surface_create_for_stream(ByteSink.write, closure, width, height)
            : cairo_pdf_surface_create_for_stream(ByteSink.write, closure, width, height)
        guard let surface = created else { throw FigureFileError(path: path, reason: "Cairo cannot make the \(format.rawValue) surface") }
        var destroyed = false
        defer { if !destroyed { cairo_surface_destroy(surface) } }
        try check(cairo_surface_status(surface), path: path, doing: "start the \(format.rawValue) file")
        if format == .svg {
            cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        } else {
            let date = fixedDate
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, date)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, date)
            let title = metadata.first { $0.0 == "Title" }?.1 ?? "ibpvis figure"
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                           metadata.first { $0.0 == "Software" }?.1 ?? "ibpvis")
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT,
                                           metadata.filter { $0.0 != "Title" }.map { "\($0.0): \($0.1)" }.joined(separator: "; "))
        }
        try paint(picture, on: surface, scale: scale, fonts: fonts, path: path)
        cairo_surface_finish(surface)
        try check(cairo_surface_status(surface), path: path, doing: "finish the \(format.rawValue) file")
        cairo_surface_destroy(surface)
        destroyed = true
        guard sink.failure == nil else { throw FigureFileError(path: path, reason: sink.failure!) }
        return format == .svg ? SVGPostprocess.apply(sink.data, metadata: metadata) : sink.data
    }

    /// The PDF date: `$SOURCE_DATE_EPOCH` (the reproducible-builds convention) when set, else the Unix epoch.
    static var fixedDate: String {
        let seconds = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) }
            .map { min(max($0, 0), 253_402_300_799) } ?? 0
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func pixelSize(_ picture: Picture, path: String) throws -> (Int, Int) {
        if let problem = FigureSizeLimit.problem(width: picture.width, height: picture.height) {
            throw FigureFileError(path: path, reason: "figure of \(problem)")
        }
        // Finite and at most FigureSizeLimit.maxSide after the check above, so the conversions cannot trap.
        return (Int(picture.width.rounded(.up)), Int(picture.height.rounded(.up)))
    }

    private static func paint(_ picture: Picture, on surface: OpaquePointer, scale: Double, fonts: FontSet,
                              path: String) throws {
        guard let cr = cairo_create(surface) else { throw FigureFileError(path: path, reason: "Cairo cannot draw") }
        defer { cairo_destroy(cr) }
        cairo_scale(cr, scale, scale)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_set_font_options(cr, fonts.options)
        CairoPainter(cr: cr, fonts: fonts).draw(picture.items)
        try check(cairo_status(cr), path: path, doing: "draw the figure")
    }

    private static func check(_ status: cairo_status_t, path: String, doing what: String) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FigureFileError(path: path, reason: "cannot \(what) (Cairo: \(String(cString: cairo_status_to_string(status))))")
        }
    }
}

/// Collects the bytes a Cairo stream surface writes.
private final class ByteSink {
    var data = Data()
    var failure: String?

    static let write: cairo_write_func_t = { closure, bytes, length in
        guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        if let bytes { sink.data.append(bytes, count: Int(length)) }
        return CAIRO_STATUS_SUCCESS
    }
}
