import Foundation

/// A position in a text file: 1-based line and column (columns count bytes).
public struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// An S-expression of SMT-LIB 2 text (the syntax of VNNLIB): an atom (symbol or number, as written) or a
/// parenthesised list, each with the position where it starts.
indirect enum SExpression: Equatable {
    case atom(String, SourcePosition)
    case list([SExpression], SourcePosition)

    var position: SourcePosition {
        switch self {
        case .atom(_, let p), .list(_, let p): return p
        }
    }

    /// The atom's text, or nil for a list.
    var atom: String? {
        if case .atom(let s, _) = self { return s }
        return nil
    }

    /// How the expression reads in messages: an atom as written, a list as "(head ...)".
    var summary: String {
        switch self {
        case .atom(let s, _): return "\(quoted(s))"
        case .list(let items, _):
            guard let head = items.first?.atom else { return items.isEmpty ? "()" : "a list" }
            return "(\(head) ...)"
        }
    }
}

/// Splits SMT-LIB 2 text into top-level S-expressions: parentheses, atoms (any run of bytes other than
/// whitespace, parentheses, ';' and '"'), `;` comments to the end of the line. Nesting is followed with an
/// explicit stack, bounded by `maxDepth`, so deep input cannot overflow the call stack.
struct SExpressionReader {
    struct Failure: Error {
        let position: SourcePosition
        let message: String
    }

    /// Thrown when `deadline` passes while reading.
    struct Timeout: Error {}

    let maxDepth: Int
    var deadline: Date? = nil
    let maxAtomLength = 4096

    func read(_ bytes: [UInt8]) throws -> [SExpression] {
        var top: [SExpression] = []
        try read(bytes) { top.append($0) }
        return top
    }

    /// A `;` comment that runs to the end of the file and holds a '(': text that looks like commands, read as part
    /// of the comment because no line end (LF or CR) follows the comment (lines separated only by FF, VT, NEL or
    /// U+2028).
    struct CommentToTheEnd {
        let position: SourcePosition
        /// The first separator in it that looks like a line end but is none (`FF`, `VT`, `NEL (U+0085)`, ...), if any.
        let separator: String?

        /// The note for a problem of the file as read: why its commands after the comment were not read.
        var note: String {
            "the ';' comment at \(position) runs to the end of the file, because no line end (LF or CR) follows it"
                + (separator.map { ": its lines are separated only by \($0)" } ?? "")
                + ", so the commands after it are part of the comment; end the lines with LF"
        }
    }

    /// A `;` comment holding a separator that looks like a line end and a '(' or ')' after it:
    /// the text after the separator looks like code but is part of the comment (trial 32: `; prop\f(declare-const
    /// X_0 Real)\n` was refused as "X_0 is used before its declaration" with no word of the form feed).
    struct CommentOverCommand {
        let position: SourcePosition
        let separator: String
        /// Where the separator is (columns count bytes, as everywhere).
        let separatorPosition: SourcePosition

        /// The note for a problem of the file as read.
        var note: String {
            "the ';' comment at \(position) holds \(separator) and then parentheses, which are part of the comment: only "
                + "LF or CR end a comment; end the line with LF before them"
        }

        /// The refusal of a file that reads without a problem although this comment holds a '(' after its separator:
        /// what looks like a command or a term there is not part of the property (see `Notes.commentOverList`).
        var refusal: String {
            "\(separator) in the ';' comment at \(position) is no line end (only LF or CR end a comment), so the '(' "
                + "after it is part of the comment and not read; end the line with LF before the parentheses, or delete "
                + "the separator if they are meant as comment"
        }
    }

    /// Where `read` leaves the first `CommentOverCommand` it meets, for the caller to name with an error the
    /// reading or its `body` throws; and the first whose separator has a '(' after it (`commentOverList`, also at
    /// the end of the file), for the caller to refuse a file that otherwise reads: the text after the separator may
    /// be a command or an output disjunct that the property silently lacks (trial 34: mnistfc's prop_7 with its line
    /// `(and (>= Y_8 Y_9))` made `; unused\f(and (>= Y_8 Y_9))` was read without the disjunct, and its answer went
    /// from sat to unknown without a word). A comment with only ')' after its separator is not refused: the file
    /// reads, so its parentheses balance without that ')', and read as code it would be one too many; no other
    /// property can have been meant.
    final class Notes {
        var commentOverCommand: CommentOverCommand?
        var commentOverList: CommentOverCommand?
        init() {}
    }

    /// The name of a separator that looks like a line end but does not end a `;` comment, at `bytes[i...]`.
    static func lookalikeLineEnd(_ bytes: ArraySlice<UInt8>, at i: Int) -> String? {
        switch bytes[i] {
        case 0x0c: return "FF (form feed)"
        case 0x0b: return "VT (vertical tab)"
        case 0xc2 where i + 1 < bytes.endIndex && bytes[i + 1] == 0x85: return "NEL (U+0085)"
        case 0xe2 where i + 2 < bytes.endIndex && bytes[i + 1] == 0x80 && bytes[i + 2] == 0xa8: return "U+2028 (line separator)"
        case 0xe2 where i + 2 < bytes.endIndex && bytes[i + 1] == 0x80 && bytes[i + 2] == 0xa9:
            return "U+2029 (paragraph separator)"
        default: return nil
        }
    }

    /// Hands each top-level expression to `body` as soon as it is closed, in file order, so a caller that interprets
    /// and drops them holds one command's tree at a time (a tree costs about 30 bytes per byte of text: a file of
    /// many small assertions would otherwise be held whole). Errors of `body` stop the reading.
    /// - Returns: a comment that ran to the end of the file holding what looks like commands, to name when the
    ///   property read is incomplete.
    @discardableResult
    func read(_ bytes: [UInt8], notes: Notes? = nil, each body: (SExpression) throws -> Void) throws -> CommentToTheEnd? {
        var commentToTheEnd: CommentToTheEnd?
        // Open lists: their items so far and where each starts.
        var stack: [(items: [SExpression], start: SourcePosition)] = []
        var line = 1, lineStart = 0, i = 0
        func position(_ at: Int) -> SourcePosition { SourcePosition(line: line, column: at - lineStart + 1) }
        func emit(_ e: SExpression) throws {
            if stack.isEmpty { try body(e) } else { stack[stack.count - 1].items.append(e) }
        }
        // The next byte offset at which the clock is read (every 64 KiB: a read of the clock per byte would cost
        // more than the parsing).
        var nextCheck = deadline == nil ? Int.max : 1 << 16
        while i < bytes.count {
            if i >= nextCheck {
                if let deadline, Date() > deadline { throw Timeout() }
                nextCheck = i + (1 << 16)
            }
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\n"):
                i += 1
                line += 1
                lineStart = i
            case UInt8(ascii: "\r"):
                // A line ends at LF, CR LF or a lone CR (a file saved with old Mac line ends was one comment line
                // from its first ';' on, and was read as declaring nothing).
                i += 1
                if i == bytes.count || bytes[i] != UInt8(ascii: "\n") {
                    line += 1
                    lineStart = i
                }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0b, 0x0c:
                i += 1
            case UInt8(ascii: ";"):
                let start = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n"), bytes[i] != UInt8(ascii: "\r") { i += 1 }
                let text = bytes[start..<i]
                // The first separator in the comment that looks like a line end but is none.
                let at = text.indices.first { Self.lookalikeLineEnd(text, at: $0) != nil }
                let over = at.map { CommentOverCommand(position: position(start), separator: Self.lookalikeLineEnd(text, at: $0)!,
                                                       separatorPosition: position($0)) }
                if i == bytes.count, text.contains(UInt8(ascii: "(")) {
                    commentToTheEnd = CommentToTheEnd(position: position(start), separator: over?.separator)
                } else if let notes, notes.commentOverCommand == nil, let at,
                          text[at...].contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ")") }) {
                    notes.commentOverCommand = over
                }
                if let notes, notes.commentOverList == nil, let at, text[at...].contains(UInt8(ascii: "(")) {
                    notes.commentOverList = over
                }
            case UInt8(ascii: "("):
                guard stack.count < maxDepth else {
                    throw Failure(position: position(i), message: "parentheses nested deeper than \(maxDepth) levels")
                }
                stack.append(([], position(i)))
                i += 1
            case UInt8(ascii: ")"):
                guard let open = stack.popLast() else { throw Failure(position: position(i), message: "')' without a matching '('") }
                try emit(.list(open.items, open.start))
                i += 1
            case UInt8(ascii: "\""), UInt8(ascii: "|"):
                throw Failure(position: position(i), message: "string literals and quoted symbols are not part of VNNLIB's subset")
            default:
                let start = i
                while i < bytes.count, !Self.isDelimiter(bytes[i]) { i += 1 }
                guard i - start <= maxAtomLength else {
                    throw Failure(position: position(start), message: "a token of \(i - start) characters (at most \(maxAtomLength))")
                }
                try emit(.atom(String(decoding: bytes[start..<i], as: UTF8.self), position(start)))
            }
        }
        if let open = stack.last {
            throw Failure(position: open.start, message: "'(' is never closed (the file ends first)")
        }
        return commentToTheEnd
    }

    static func isDelimiter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0b, 0x0c,
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "\""), UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }
}
