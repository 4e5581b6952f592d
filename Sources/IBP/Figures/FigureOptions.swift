import IBPFormats
import IBPRender

/// Options of a tile figure (compare, methods, sweep) besides its models, sample and epsilon.
public struct FigureOptions: Equatable, Sendable {
    /// Pixels per activation value (`--scale`).
    public var scale: Int = 6
    /// `scale` is the default, not asked for (`visualize` without `--scale`, a manifest entry without `"scale"`):
    /// a tile figure too large at it is drawn at the largest smaller scale that fits `FigureSizeLimit`
    /// (`FigureRenderer.fitted`), instead of refused; a scale given is drawn as given or refused.
    public var scaleFitsLimit = false
    /// Channel tiles per line before wrapping (`--max-channels`).
    public var maxChannels: Int = 8
    /// One grey scale per stage across all panels (`--shared-scale`).
    public var sharedScale = false
    /// The bound method of the panels (`--bounds`).
    public var bounds: BoundMethodName = .ibp
    public var perturbation: Perturbation = .pgd
    public var pgdSteps: Int = 20
    public var seed: UInt64 = 0
    public var format: FigureFormat = .png

    public init() {}

    /// The values `--scale`, `--max-channels` and `--pgd-steps` take (the flags' parsers refuse others with these ranges).
    public static let scaleRange = 1...64
    public static let maxChannelsRange = 1...256
    public static let pgdStepsRange = 0...10_000

    /// Rejects values that cannot make a figure, naming the flag.
    public func validate() throws {
        guard FigureOptions.scaleRange.contains(scale) else {
            throw SettingsError(message: "--scale must be in 1...64, got \(FlagText.show("--scale", scale))")
        }
        guard FigureOptions.maxChannelsRange.contains(maxChannels) else {
            throw SettingsError(message: "--max-channels must be in 1...256, got \(FlagText.show("--max-channels", maxChannels))")
        }
        guard FigureOptions.pgdStepsRange.contains(pgdSteps) else {
            throw SettingsError(message: "--pgd-steps must be in 0...10000, got \(FlagText.show("--pgd-steps", pgdSteps))")
        }
    }
}
