import Foundation

/// Bounds on what the VNNLIB reader accepts, checked before allocating.
public struct VNNLIBLimits: Equatable, Sendable {
    /// Largest file read, in bytes (checked before reading).
    public var maxFileBytes: Int
    /// Largest variable index + 1 of X or Y.
    public var maxVariables: Int
    /// Deepest parenthesis nesting.
    public var maxDepth: Int
    /// Largest number of disjuncts after multiplying the output condition out, and of inequalities in total.
    public var maxDisjuncts: Int
    /// When reading must have finished (`verify --timeout` counts reading the property): checked every 64 KiB of
    /// text, after every command and every 1,024 conjunctions while the output condition is multiplied out and made
    /// dense; past it the reader throws `VNNLIBTimeout`. nil: no time limit.
    public var deadline: Date?

    public init(maxFileBytes: Int = 256 << 20, maxVariables: Int = 1 << 24, maxDepth: Int = 64, maxDisjuncts: Int = 1 << 16,
                deadline: Date? = nil) {
        self.deadline = deadline
        self.maxFileBytes = maxFileBytes
        self.maxVariables = maxVariables
        self.maxDepth = maxDepth
        self.maxDisjuncts = maxDisjuncts
    }
}

/// Reads the VNNLIB subset of VNN-COMP's classification benchmarks into a `VNNLIBProperty`:
/// - `(declare-const X_i Real)` and `(declare-const Y_j Real)`, each index 0..n-1 declared once, before use;
/// - input bounds `(assert (<= X_i c))`, `(assert (>= X_i c))` (either operand order, also several in one
///   `(and ...)`); every X_i needs both, several of one kind intersect;
/// - output conditions: any nesting of `or`/`and` over comparisons `<=`, `>=`, `<`, `>` of linear terms in Y
///   (numbers, Y_j, `(+ ...)`, `(- a)`, `(- a b ...)`, `(* ...)` with all factors but one constant, `(/ a c)`);
///   several output assertions are conjoined;
/// - `;` comments, ended by LF or CR only (SMT-LIB); one that holds FF, VT, NEL, U+2028 or U+2029 and then '(' (or,
///   inside a list, an operand) is refused, since what looks like a command after the separator would be read as
///   comment;
/// - tokens separated by spaces, tabs, LF, CR, FF or VT: one holding another Unicode space (NEL, U+2028, U+00A0,
///   ...) is refused, naming it.
/// Anything else is refused with "path:line:column: what was found, what was expected". Numbers: see
/// `VNNLIBNumber`; the box is rounded outward to Float, the inequalities to the nearest Float.
public enum VNNLIB {
    /// Reads and interprets the property at `url`.
    /// The file may be gzip-compressed (`.vnnlib.gz`), read under the same size limit (`Gzip.readPlainOrCompressed`).
    /// - Throws: `VNNLIBError`, `VNNLIBTimeout` past `limits.deadline`, or `GzipError` when the file cannot be read
    ///   at all, is empty, or its compressed data is corrupt, cut short, empty or compressed twice.
    public static func read(_ url: URL, limits: VNNLIBLimits = VNNLIBLimits()) throws -> VNNLIBProperty {
        // A gzip-compressed property (`.vnnlib.gz`, as VNN-COMP ships them) is read through the same limit.
        let data: Data
        do {
            data = try Gzip.readPlainOrCompressed(url, maxBytes: limits.maxFileBytes).data
        } catch let e as GzipError {
            switch e.problem {
            case .fileTooLarge:
                // The one wording of every reader: the file's size and the limit.
                throw VNNLIBError(path: url.relativePath, problem: VNNLIBProblem(e.problem.text))
            case .tooLarge:
                throw VNNLIBError(path: url.relativePath, problem: VNNLIBProblem("gzip-compressed, and its text is larger "
                    + "than the reader's limit of \(limits.maxFileBytes) bytes"))
            case .unreadable("no such file") where !Gzip.compressedSiblingHint(url).isEmpty:
                throw GzipError(path: url.relativePath, problem: .unreadable("no such file" + Gzip.compressedSiblingHint(url)))
            default:
                throw e
            }
        }
        return try parse(data, path: url.relativePath, limits: limits)
    }

    /// Reads the property at `path` (see `read(_:limits:)`).
    public static func read(path: String, limits: VNNLIBLimits = VNNLIBLimits()) throws -> VNNLIBProperty {
        try read(TypedPath.url(path), limits: limits)
    }

    /// Interprets the text of a `.vnnlib` file; `path` names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>", limits: VNNLIBLimits = VNNLIBLimits()) throws -> VNNLIBProperty {
        guard data.count <= limits.maxFileBytes else {
            throw VNNLIBError(path: path, problem: VNNLIBProblem("the text is larger than the reader's limit of \(limits.maxFileBytes) bytes"))
        }
        guard !data.isEmpty else {
            throw VNNLIBError(path: path, problem: VNNLIBProblem("the file is empty (0 bytes); " + FileAdvice.emptyFile))
        }
        // A file of another kind (an ONNX model given as the property, a PNG, ...) is named for what it is, not
        // answered with its first bytes as a token. VNNLIB text is `.text` (or `.unknown` with a stray non-UTF-8
        // byte, which the reader names where it is).
        let kind = FileKind.identify(data.prefix(512))
        guard kind == .text || kind == .unknown else {
            throw VNNLIBError(path: path, problem: VNNLIBProblem("not a VNNLIB property (\(kind.description))"))
        }
        var interpreter = VNNLIBInterpreter(path: path, limits: limits)
        let commentToTheEnd: SExpressionReader.CommentToTheEnd?
        let notes = SExpressionReader.Notes()
        // A problem found after a comment that swallowed what could explain it (a command after a form feed taken for
        // a line end) names it (`SExpressionReader.Notes`).
        func noted(_ e: VNNLIBError) -> VNNLIBError {
            guard let note = notes.note else { return e }
            return VNNLIBError(path: e.path, problem: VNNLIBProblem(e.problem.message + "; " + note, at: e.problem.position))
        }
        do {
            // A UTF-8 byte order mark (EF BB BF, which some Windows editors write) is valid UTF-8 text, not part of
            // the property: it is skipped, as SMT-LIB readers do, read as three spaces so that line 1's columns
            // still count the file's bytes (trial 35: removed, they were 3 short of what `cut -b` shows).
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            var bytes = [UInt8](data)
            if bytes.starts(with: bom) { bytes.replaceSubrange(0..<3, with: [0x20, 0x20, 0x20]) }
            // Each command is interpreted as soon as it is read and then dropped (the first problem in file order
            // is the one reported).
            commentToTheEnd = try SExpressionReader(maxDepth: limits.maxDepth, deadline: limits.deadline).read(bytes, notes: notes) {
                try interpreter.command($0)
                if let deadline = limits.deadline, Date() > deadline { throw VNNLIBTimeout(path: path) }
            }
        } catch let f as SExpressionReader.Failure {
            throw noted(VNNLIBError(path: path, problem: VNNLIBProblem(f.message, at: f.position)))
        } catch let e as VNNLIBError {
            throw noted(e)
        } catch is SExpressionReader.Timeout {
            throw VNNLIBTimeout(path: path)
        }
        let property: VNNLIBProperty
        do {
            property = try interpreter.property()
        } catch let e as VNNLIBError {
            // What the file lacks (`no X variable is declared`) may be in a comment that swallowed the rest of the
            // file: said so, not left to look like a property without declarations.
            guard let commentToTheEnd else { throw noted(e) }
            throw VNNLIBError(path: e.path, problem: VNNLIBProblem(e.problem.message + "; " + commentToTheEnd.note,
                                                                   at: e.problem.position))
        }
        // A file that reads although a comment swallowed a '(' after a separator taken for a line end is refused, not
        // answered without what may be one of its disjuncts (`SExpressionReader.Notes`); every such comment is
        // named, so one run finds them all. No VNN-COMP property here (eran2021, mnistfc, verivital2021) holds FF, VT,
        // NEL, U+2028 or U+2029 at all.
        if let (message, position) = notes.refusal {
            throw VNNLIBError(path: path, problem: VNNLIBProblem(message, at: position))
        }
        return property
    }

    /// Interprets VNNLIB text (see `parse(_:path:limits:)`).
    public static func parse(text: String, path: String = "<memory>", limits: VNNLIBLimits = VNNLIBLimits()) throws -> VNNLIBProperty {
        try parse(Data(text.utf8), path: path, limits: limits)
    }
}
