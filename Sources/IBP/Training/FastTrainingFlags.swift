/// The `train` flags of fast certified training (Shi et al., NeurIPS 2021), each nil when not given: a new run
/// fills the rest with the paper's defaults (`apply(to:)`), a resumed run compares them with its record.
/// Kept apart from `TrainingFlags` so that each ingredient is one place.
public struct FastTrainingFlags: Equatable, Sendable {
    /// `--init ibp|orthogonal`.
    public var initialization: WeightInitialization?

    public init() {}

    /// Flags that only shape the IBP objective, by name, when given.
    public var ibpOnlyFlags: [String] {
        [String]()
    }

    /// Fills `settings` (already holding the method) with the given flags over the paper's defaults:
    /// IBP initialisation for `--method ibp`; orthogonal for `--method nominal` (the paper's sigma is derived for
    /// interval radii and would start a nominal network with vanishing activations).
    public func apply(to settings: inout TrainingSettings) {
        settings.initialization = initialization ?? (settings.method == .nominal ? .orthogonal : .ibp)
    }

    /// The given flags that differ from `record`; a run recorded before a flag existed holds today's behaviour.
    public func conflicts(with record: TrainingSettings) -> [TrainingFlags.Conflict] {
        var out: [TrainingFlags.Conflict] = []
        func compare<T: Equatable>(_ flag: String, _ given: T?, _ recorded: T, _ show: (T) -> String = { "\($0)" }) {
            guard let given, given != recorded else { return }
            out.append(TrainingFlags.Conflict(flag: flag, given: show(given), recorded: show(recorded)))
        }
        compare("--init", initialization, record.initialization ?? .orthogonal) { $0.rawValue }
        return out
    }
}
