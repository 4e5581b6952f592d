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

/// The time limit (`VNNLIBLimits.deadline`) ran out before the property was read: for a verifier, a `timeout`
/// answer, not a fault of the file.
public struct VNNLIBTimeout: Error, CustomStringConvertible {
    public var path: String
    public init(path: String) { self.path = path }
    public var description: String { "\(path): the time limit ran out while reading the property" }
}
