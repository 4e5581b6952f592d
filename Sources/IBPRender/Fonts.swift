import CCairo
import Foundation
import IBPFormats

/// The two faces figures are set in.
public enum FontWeight: Sendable, Hashable {
    case regular, bold
}

/// A font file that could not be used; the description is one line naming the file and what to do.
public struct FontError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// DejaVu Sans (regular and bold) loaded through FreeType straight from its files, so figures never depend on
/// fontconfig's choice of font: the same files and library versions give the same pixels.
///
/// The folder is `/usr/share/fonts/truetype/dejavu` (Debian's `fonts-dejavu-core`), or `$IBP_FONT_DIR` when set.
/// Loaded once per process; `Fonts.load()` throws a `FontError` when a file is missing or unreadable.
public enum Fonts {
    /// The environment variable that names another folder holding `DejaVuSans.ttf` and `DejaVuSans-Bold.ttf`.
    public static let directoryVariable = "IBP_FONT_DIR"
    public static let defaultDirectory = "/usr/share/fonts/truetype/dejavu"
    public static let regularFile = "DejaVuSans.ttf"
    public static let boldFile = "DejaVuSans-Bold.ttf"

    private static let loaded: Result<FontSet, FontError> = {
        let folder = ProcessInfo.processInfo.environment[directoryVariable] ?? defaultDirectory
        return Result { try FontSet(folder: TypedPath.url(folder, isDirectory: true)) }.mapError { $0 as! FontError }
    }()

    /// The fonts, loaded on first use.
    public static func load() throws -> FontSet { try loaded.get() }

    /// Fonts from another folder, loaded anew (for tests and tools that ship their own copy).
    public static func load(folder: URL) throws -> FontSet { try FontSet(folder: folder) }
}

/// Regular and bold DejaVu Sans as Cairo font faces, with text measurement. Safe to share between threads.
public final class FontSet: @unchecked Sendable {
    /// cairo_font_face_t for each weight.
    let regularFace: OpaquePointer
    let boldFace: OpaquePointer
    /// "DejaVu Sans Version 2.37 (DejaVuSans.ttf, DejaVuSans-Bold.ttf), FreeType 2.12.1", for provenance.
    public let description: String
    /// Rendering options used for measuring and drawing alike: grey anti-aliasing, no hinting, unhinted metrics,
    /// so text looks the same at every position and in every format.
    let options: OpaquePointer
    private let lock = NSLock()
    private var scaledFonts: [Key: OpaquePointer] = [:]

    private struct Key: Hashable {
        let size: Double
        let weight: FontWeight
    }

    init(folder: URL) throws {
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else {
            throw FontError(path: folder.path, reason: "FreeType could not start")
        }
        func face(_ name: String) throws -> (OpaquePointer, String) {
            let path = folder.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else {
                throw FontError(path: path, reason: "font file not found (install fonts-dejavu-core with "
                                + "scripts/install-deps.sh, or set \(Fonts.directoryVariable) to a folder holding "
                                + "\(Fonts.regularFile) and \(Fonts.boldFile))")
            }
            var ftFace: FT_Face?
            let error = FT_New_Face(library, path, 0, &ftFace)
            guard error == 0, let ftFace else {
                throw FontError(path: path, reason: "not a font FreeType can read (FreeType error \(error))")
            }
            guard let cairoFace = cairo_ft_font_face_create_for_ft_face(ftFace, 0),
                  cairo_font_face_status(cairoFace) == CAIRO_STATUS_SUCCESS else {
                throw FontError(path: path, reason: "Cairo cannot use this font")
            }
            return (cairoFace, Self.versionString(ftFace))
        }
        let (regular, version) = try face(Fonts.regularFile)
        let (bold, _) = try face(Fonts.boldFile)
        regularFace = regular
        boldFace = bold
        var major: FT_Int = 0, minor: FT_Int = 0, patch: FT_Int = 0
        FT_Library_Version(library, &major, &minor, &patch)
        description = "DejaVu Sans \(version) (\(Fonts.regularFile), \(Fonts.boldFile)), FreeType \(major).\(minor).\(patch)"
        let options = cairo_font_options_create()!
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        self.options = options
    }

    /// The cairo_font_face_t of `weight`.
    func face(_ weight: FontWeight) -> OpaquePointer { weight == .bold ? boldFace : regularFace }

    /// A scaled font (cairo_scaled_font_t) of `weight` at `size` pixels per em, created once.
    func scaledFont(size: Double, weight: FontWeight) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        let key = Key(size: size, weight: weight)
        if let font = scaledFonts[key] { return font }
        var matrix = cairo_matrix_t(), identity = cairo_matrix_t()
        cairo_matrix_init_scale(&matrix, size, size)
        cairo_matrix_init_identity(&identity)
        let font = cairo_scaled_font_create(face(weight), &matrix, &identity, options)!
        scaledFonts[key] = font
        return font
    }

    /// The advance width of `text` in pixels at `size` pixels per em.
    public func width(_ text: String, size: Double, weight: FontWeight = .regular) -> Double {
        var extents = cairo_text_extents_t()
        cairo_scaled_font_text_extents(scaledFont(size: size, weight: weight), text, &extents)
        return extents.x_advance.isFinite ? extents.x_advance : 0
    }

    /// The font's ascent and descent (both positive, pixels) at `size`: a line of text occupies
    /// `ascent + descent` around its baseline.
    public func verticalMetrics(size: Double, weight: FontWeight = .regular) -> (ascent: Double, descent: Double) {
        var extents = cairo_font_extents_t()
        cairo_scaled_font_extents(scaledFont(size: size, weight: weight), &extents)
        return (extents.ascent, extents.descent)
    }

    /// The version string of the font's name table (name ID 5), e.g. "Version 2.37".
    private static func versionString(_ face: FT_Face) -> String {
        for i in 0..<FT_Get_Sfnt_Name_Count(face) {
            var name = FT_SfntName()
            guard FT_Get_Sfnt_Name(face, i, &name) == 0, name.name_id == TT_NAME_ID_VERSION_STRING,
                  let bytes = name.string else { continue }
            let raw = Array(UnsafeBufferPointer(start: bytes, count: Int(name.string_len)))
            switch name.platform_id {
            case UInt16(TT_PLATFORM_MACINTOSH):
                return String(decoding: raw.filter { $0 >= 32 && $0 < 127 }, as: UTF8.self)
            case UInt16(TT_PLATFORM_MICROSOFT):
                // UTF-16 big-endian.
                let units = stride(from: 0, to: raw.count - 1, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
                return String(decoding: units, as: UTF16.self)
            default:
                continue
            }
        }
        return "(unknown version)"
    }
}
