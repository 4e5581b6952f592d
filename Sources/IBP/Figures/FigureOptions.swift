import IBPFormats
import IBPRender

/// Options of a tile figure (compare, methods, sweep) besides its models, sample and epsilon.
public struct FigureOptions: Equatable, Sendable {
    /// Pixels per activation value (`--scale`).
    public var scale: Int = 6
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

    /// Rejects values that cannot make a figure, naming the flag.
    public func validate() throws {
        guard (1...64).contains(scale) else { throw SettingsError(message: "--scale must be in 1...64, got \(FlagText.show("--scale", scale))") }
        guard (1...256).contains(maxChannels) else {
            throw SettingsError(message: "--max-channels must be in 1...256, got \(FlagText.show("--max-channels", maxChannels))")
        }
        guard (0...10_000).contains(pgdSteps) else { throw SettingsError(message: "--pgd-steps must be in 0...10000, got \(FlagText.show("--pgd-steps", pgdSteps))") }
    }
}
