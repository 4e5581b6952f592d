/// A count with its noun, singular for one (`1 step`, `2 steps`, `0 steps`): the one rule for every count a line
/// prints, so that none says `finished 1 steps`.
public enum CountText {
    /// `n` and `noun`, or `plural` (default `noun` + "s") unless `n` is 1.
    public static func of(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }

    /// "every step" for 1, else "every N steps" (`noun` as in `of`).
    public static func every(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        n == 1 ? "every \(noun)" : "every " + of(n, noun, plural: plural)
    }
}
