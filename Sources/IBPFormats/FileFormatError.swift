/// What went wrong with a file of one format, as cases its readers and tests can match on.
public protocol FileProblem: Equatable, Sendable {
    /// The problem as one phrase, without the file name.
    var text: String { get }
    /// Where in a text file the problem is, as "line:column" (1-based), or nil (binary formats, whole-file problems).
    var location: String? { get }
    /// What to do about it, when `text` does not say: appended to the description after "; ". A file whose
    /// structure is damaged (cut short, garbled, bytes added) says to use an intact copy.
    var advice: String? { get }
}

extension FileProblem {
    public var location: String? { nil }
    public var advice: String? { nil }
}

/// The advice of a file whose bytes are damaged (cut short, changed or added to) or are another kind of file.
public enum FileAdvice {
    public static let intactCopy = "the file is damaged or of another kind: use an intact copy"
    /// The advice of an empty file (0 bytes), which no format of this project is.
    public static let emptyFile = "an interrupted download or copy leaves such a file: use an intact copy"
}

/// A problem that is only a phrase, for formats whose readers do not match on kinds of problem.
public protocol TextProblem: FileProblem {
    init(text: String)
}

/// An error from reading or writing a file of some format; `description` is one line, "path: problem", or
/// "path:line:column: problem" when the problem has a location. Each format names its own: `GzipError`,
/// `IDXError`, `NPYError`, `NPZError`, `SafetensorsError`, `ONNXError`, `VNNLIBError`, and `PNGError` in IBPRender.
public struct FileFormatError<Problem: FileProblem>: Error, CustomStringConvertible, Equatable {
    /// The file concerned (`<memory>` for data that came from no file).
    public let path: String
    /// What went wrong.
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// Control characters from the path or from names inside the file are escaped (`FileText.oneLine`): the
    /// description is always one line.
    public var description: String {
        let text = problem.text + (problem.advice.map { "; " + $0 } ?? "")
        if let location = problem.location { return FileText.oneLine("\(path):\(location): \(text)") }
        return FileText.oneLine("\(path): \(text)")
    }
}

extension FileFormatError where Problem: TextProblem {
    public init(path: String, reason: String) { self.init(path: path, problem: Problem(text: reason)) }

    /// The problem's phrase.
    public var reason: String { problem.text }
}
