/// A verifier's answer to a VNN-COMP instance (a network and a property that describes counterexamples), in the
/// competition's terms: `unsat` (no counterexample exists: the property holds, proven), `sat` (a counterexample
/// exists: one was found and checked), `unknown`, `timeout`; `error` when the instance could not be read (batch
/// mode keeps going).
public enum VerificationAnswer: String, CaseIterable, Sendable {
    case sat, unsat, unknown, timeout, error
}

/// What the consensus of VNN-COMP's tools says about an instance (`ConsensusAnswers`): the property `holds` (the
/// right answer is unsat), is `violated` (sat), or `unknown`.
public enum Consensus: String, Sendable {
    case holds, violated, unknown

    /// Whether `answer` contradicts this consensus: unsat on a violated instance, sat on one that holds.
    public func isContradicted(by answer: VerificationAnswer) -> Bool {
        (self == .violated && answer == .unsat) || (self == .holds && answer == .sat)
    }
}
