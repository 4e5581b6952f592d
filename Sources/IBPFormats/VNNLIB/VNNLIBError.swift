/// An error from reading a `.vnnlib` property: one line, "path:line:column: what was expected" (or "path: ..."
/// for problems of the whole file).
public typealias VNNLIBError = FileFormatError<VNNLIBProblem>

/// What went wrong in a `.vnnlib` file, and where.
public struct VNNLIBProblem: FileProblem {
    /// Where the offending text starts, or nil for the whole file (too large, no outputs declared, ...).
    public var position: SourcePosition?
    /// The phrase: what was found and what was expected.
    public var message: String

    public init(_ message: String, at position: SourcePosition? = nil) {
        self.message = message
        self.position = position
    }

    public var text: String { message }
    public var location: String? { position?.description }
}
