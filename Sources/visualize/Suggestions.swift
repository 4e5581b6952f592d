import IBPCommandLine

// The shared options each subcommand refuses (`SharedOptions.unused`), said once for its `validate()` and for the
// suggestion after a misspelt option (`SpellingSuggestions`): `visualize sweep --epsilonz` is not offered the
// `--epsilon` that sweep refuses, and `visualize --samples 0-2 --epsilonz 0.1` (a batch) is offered `--epsilons`.

extension Compare: SpellingSuggestions {
    /// The options of a batch, the form chosen by `--samples` or `--epsilons`.
    static let batchOptions: Set<String> = ["--samples", "--epsilons", "--out-dir", "--force"]
    /// The shared options a batch refuses (it writes into --out-dir).
    static let unusedInBatch = ["--out", "--dump-bounds"]

    static func refusedSpellings(given: Set<String>) -> Set<String> {
        given.contains("--samples") || given.contains("--epsilons") ? Set(unusedInBatch) : []
    }

    static func preferredSpellings(given: Set<String>) -> Set<String> {
        given.contains("--samples") || given.contains("--epsilons") ? batchOptions : []
    }
}

extension Curves: SpellingSuggestions {
    /// The shared options curves refuses.
    static let unusedOptions = ["--sample", "--epsilon", "--scale", "--max-channels", "--shared-scale", "--perturbation",
                                "--dump-bounds"]

    static func refusedSpellings(given: Set<String>) -> Set<String> {
        Set(unusedOptions + (given.contains("--methods") ? ["--bounds"] : []))
    }
}

extension Methods: SpellingSuggestions {
    /// The shared options methods refuses (it takes --methods).
    static let unusedOptions = ["--bounds"]

    static func refusedSpellings(given: Set<String>) -> Set<String> { Set(unusedOptions) }
}

extension Sweep: SpellingSuggestions {
    /// The shared options sweep refuses (it takes --epsilons).
    static let unusedOptions = ["--epsilon"]

    static func refusedSpellings(given: Set<String>) -> Set<String> { Set(unusedOptions) }
}

extension Training: SpellingSuggestions {
    /// The shared options training refuses (it plots a run's log).
    static let unusedOptions = ["--data", "--sample", "--epsilon", "--bounds", "--scale", "--max-channels",
                                "--shared-scale", "--perturbation", "--pgd-steps", "--seed", "--dump-bounds"]

    static func refusedSpellings(given: Set<String>) -> Set<String> { Set(unusedOptions) }
}

extension Widths: SpellingSuggestions {
    /// The shared options widths refuses.
    static let unusedOptions = ["--scale", "--max-channels", "--shared-scale", "--perturbation", "--pgd-steps", "--seed",
                                "--dump-bounds"]

    static func refusedSpellings(given: Set<String>) -> Set<String> {
        Set(unusedOptions + (given.contains("--methods") ? ["--bounds"] : [])
            + (given.contains("--samples") ? ["--sample"] : []))
    }
}
