/// Defaults shared by `visualize` and the manifest.
public enum Visualization {
    /// `sweep`'s epsilons.
    public static let sweepEpsilons = "0,0.05,0.1,0.2,0.3"
    /// `curves`' grid: 46 values.
    public static let curveEpsilons = "0:0.45:0.01"
}
