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

    /// How the expression reads in messages: an atom as written, a list as "(head ...)", both made one short line
    /// (`FileText.shown`: a head is any token, with its control characters or 4,096 bytes).
    var summary: String {
        switch self {
        case .atom(let s, _): return "\(quoted(s))"
        case .list(let items, _):
            guard let head = items.first?.atom else { return items.isEmpty ? "()" : "a list" }
            return "(\(FileText.shown(head)) ...)"
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
        /// The separator in it that looks like a line end but is none (`FF`, `VT`, `NEL (U+0085)`, ...) before its
        /// first '(' after one, else its first, if any.
        let separator: String?

        /// The note for a problem of the file as read: why its commands after the comment were not read.
        var note: String {
            "the ';' comment at \(position) runs to the end of the file, because no line end (LF or CR) follows it"
                + (separator.map { ": its lines are separated only by \($0)" } ?? "")
                + ", so the commands after it are part of the comment; end the lines with LF"
        }
    }

    /// A separator in a `;` comment that looks like a line end but is none, and where it is.
    struct Separator {
        let name: String
        let position: SourcePosition
    }

    /// A `;` comment holding a separator that looks like a line end and after it text that would be read were the
    /// separator a line end: a '(' anywhere, or inside an open list any text (an operand, a ')'); that text looks
    /// like code but is part of the comment (trial 32: `; prop\f(declare-const X_0 Real)\n` was refused as "X_0 is
    /// used before its declaration" with no word of the form feed).
    struct CommentOverCommand {
        let position: SourcePosition
        /// The separator named: the last one before the first text that matters (trial 35: `; a\f) b\v(c` named the
        /// FF, whose ')' changes nothing at the top level, and deleting it left the file refused at the VT).
        let separator: String
        /// Where the separator is (columns count bytes, as everywhere).
        let separatorPosition: SourcePosition
        /// What follows the separator that matters: `(`, `)` or another byte (text).
        let after: UInt8
        /// The comment's other separators with such text after them (each must go, or become a line end, as well),
        /// the first five; and how many in all.
        var others: [Separator] = []
        var otherCount = 0

        /// What follows the separator, as the note names it: "parentheses" or "text".
        private var what: String { after == UInt8(ascii: "(") || after == UInt8(ascii: ")") ? "parentheses" : "text" }

        /// The comment's other separators after `lead` ("and", "the comment holds"), as a clause for a message ("" when
        /// it has none): each must go as well for the text after them to be comment, whichever is named.
        private func othersClause(_ lead: String) -> String {
            guard otherCount > 0 else { return "" }
            let listed = others.map { "\($0.name) at \($0.position)" }.joined(separator: ", ")
            return " (\(lead) \(otherCount) more such separator\(otherCount == 1 ? "" : "s"): \(listed)"
                + (otherCount > others.count ? ", ..." : "") + ")"
        }

        /// The note for a problem of the file as read.
        var note: String {
            "the ';' comment at \(position) holds \(separator) at \(separatorPosition)\(othersClause("and")) and then \(what), "
                + "which \(what == "text" ? "is" : "are") part of the comment: only LF or CR end a comment; end the line "
                + "with LF before \(what == "text" ? "it" : "them")"
        }

        /// The refusal of a file that reads without a problem although this comment holds a '(' (or an operand inside
        /// a list) after its separator: what looks like a command or a term there is not part of the property (see
        /// `Notes`).
        var refusal: String {
            let thing = after == UInt8(ascii: "(") ? "the '(' after it is" : "the text after it is"
            let them = after == UInt8(ascii: "(") ? ("the parentheses", "they are") : ("that text", "it is")
            return "\(separator) in the ';' comment at \(position) is no line end (only LF or CR end a comment), so "
                + "\(thing) part of the comment and not read; end the line with LF before \(them.0), or delete the "
                + "separator if \(them.1) meant as comment" + othersClause("the comment holds")
        }
    }

    /// Comments of one kind that a file holds: the first six (in file order) and how many in all.
    struct Sightings {
        private(set) var first: [CommentOverCommand] = []
        private(set) var count = 0

        mutating func add(_ c: CommentOverCommand) {
            count += 1
            if first.count < 6 { first.append(c) }
        }

        mutating func removeAll() { self = Sightings() }

        /// ", and 2 more comments like it (separators at 5:9, 9:3)" for those after the first ("" for none), so a
        /// user fixes them all in one run.
        static func moreClause(_ comments: [CommentOverCommand], count: Int) -> String {
            guard count > 1 else { return "" }
            let listed = comments.dropFirst().prefix(5).map { "\($0.separatorPosition)" }.joined(separator: ", ")
            return "; and \(count - 1) more comment\(count == 2 ? "" : "s") like it (separator\(count == 2 ? "" : "s") "
                + "at \(listed)\(count - 1 > 5 ? ", ..." : ""))"
        }
    }

    /// Where `read` leaves the comments that hold a separator taken for a line end with text after it that would be
    /// read were it one, for the caller: to name them with an error the reading or its `body` throws, and to refuse a
    /// file that otherwise reads.
    /// - Named with an error: a comment whose text after a separator could explain it (trial 35: a top-level
    ///   `; Mnist property\f) with label: 9.` was named in the note of an unrelated `X_9999 is used before its
    ///   declaration`). A '(' after the separator may have been a declaration or a term: any later problem may come
    ///   of it (`lasting`). Inside an open list any text after it (an operand, a ')') may belong to that command:
    ///   problems until the command has been interpreted may come of it (`inCommand`). At the top level, text without
    ///   a '(' explains nothing: read as code it would itself be an error (a stray token or ')').
    /// - Refused (`refused`): a comment with a '(' after its separator, also at the end of the file, or, inside an
    ///   open list, an operand: the text after the separator may be a command, an output disjunct or a term that the
    ///   property silently lacks (trial 34: mnistfc's prop_7 with its line `(and (>= Y_8 Y_9))` made `; unused\f(and
    ///   (>= Y_8 Y_9))` was read without the disjunct, and its answer went from sat to unknown without a word;
    ///   `(+ Y_0 ; a\f Y_1\n Y_2)` reads as Y_0 + Y_2). One with only ')' after its separator is not refused: the file
    ///   reads, so its parentheses balance without that ')', and read as code it would be one too many; no other
    ///   property can have been meant.
    final class Notes {
        var lasting = Sightings()
        var inCommand = Sightings()
        var refused = Sightings()
        init() {}

        /// The note for a problem found now, naming the first comment that could explain it and counting the others;
        /// nil when none could.
        var note: String? {
            let all = (lasting.first + inCommand.first).sorted {
                ($0.position.line, $0.position.column) < ($1.position.line, $1.position.column)
            }
            guard let first = all.first else { return nil }
            return first.note + Sightings.moreClause(all, count: lasting.count + inCommand.count)
        }

        /// The refusal of a file that read without a problem, at the first refused comment's separator; nil when none.
        var refusal: (message: String, position: SourcePosition)? {
            guard let first = refused.first.first else { return nil }
            return (first.refusal + Sightings.moreClause(refused.first, count: refused.count), first.separatorPosition)
        }
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

    /// The name and length in bytes of a character at `bytes[i...]` that Unicode counts as whitespace but VNNLIB
    /// (SMT-LIB: space, tab, LF, CR; this reader also takes FF and VT) does not: NEL, U+2028, U+2029 and the spaces
    /// of other widths (U+00A0 no-break space, U+2003 em space, U+3000 ideographic space, ...). Outside a comment
    /// such a character is part of a token, and no token may hold one.
    static func lookalikeSpace(_ bytes: ArraySlice<UInt8>, at i: Int) -> (name: String, length: Int)? {
        // Every Unicode space above ASCII starts with one of these bytes in UTF-8 (U+0085 to U+3000).
        let length: Int
        switch bytes[i] {
        case 0xc2: length = 2
        case 0xe1, 0xe2, 0xe3: length = 3
        default: return nil
        }
        guard i + length <= bytes.endIndex else { return nil }
        let scalars = String(decoding: bytes[i..<(i + length)], as: UTF8.self).unicodeScalars
        guard scalars.count == 1, let s = scalars.first, s.value > 0x7f, s.properties.isWhitespace else { return nil }
        if let name = lookalikeLineEnd(bytes, at: i) { return (name, length) }
        let hex = String(s.value, radix: 16, uppercase: true)
        return ("U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                + " (\(s.properties.name?.lowercased() ?? "a space"))", length)
    }

    /// The separators of a comment's `text` that look like line ends, and the first byte after one for which
    /// `matters` holds: the separator just before that byte, and the comment's other separators that such a byte
    /// follows. nil when no such byte follows a separator.
    static func swallowed(_ text: ArraySlice<UInt8>, comment: SourcePosition, position: (Int) -> SourcePosition,
                          matters: (UInt8) -> Bool) -> CommentOverCommand? {
        var seen = 0, beforeLast = 0
        var stored: [Separator] = []
        var last: Separator?
        var key: (separator: Separator, index: Int, after: UInt8)?
        var j = text.startIndex
        while j < text.endIndex {
            if let name = lookalikeLineEnd(text, at: j) {
                let s = Separator(name: name, position: position(j))
                last = s
                if stored.count < 6 { stored.append(s) }
                seen += 1
                j += text[j] == 0xc2 ? 2 : text[j] == 0xe2 ? 3 : 1
                continue
            }
            if let last, matters(text[j]) {
                if key == nil { key = (last, seen - 1, text[j]) }
                beforeLast = seen
            }
            j += 1
        }
        guard let key else { return nil }
        let others = stored.enumerated().filter { $0.offset < beforeLast && $0.offset != key.index }.map(\.element)
        return CommentOverCommand(position: comment, separator: key.separator.name, separatorPosition: key.separator.position,
                                  after: key.after, others: Array(others.prefix(5)), otherCount: beforeLast - 1)
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
            guard stack.isEmpty else {
                stack[stack.count - 1].items.append(e)
                return
            }
            try body(e)
            // The command read and interpreted, what comments inside it swallowed explains no later problem.
            notes?.inCommand.removeAll()
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
                // Most comments hold no separator taken for a line end: only those with a byte one starts with are
                // looked at closely.
                guard text.contains(where: { $0 == 0x0b || $0 == 0x0c || $0 == 0xc2 || $0 == 0xe2 }) else { break }
                let inList = !stack.isEmpty
                func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
                let open = UInt8(ascii: "("), close = UInt8(ascii: ")")
                // What would be read were the separators line ends: a '(' anywhere; inside a list also any text.
                let explaining = Self.swallowed(text, comment: position(start), position: position) {
                    $0 == open || (inList && !isBlank($0))
                }
                let refused = Self.swallowed(text, comment: position(start), position: position) {
                    $0 == open || (inList && !isBlank($0) && $0 != close)
                }
                let first = text.indices.first { Self.lookalikeLineEnd(text, at: $0) != nil }
                if i == bytes.count, text.contains(open) {
                    commentToTheEnd = CommentToTheEnd(position: position(start), separator: refused?.separator
                                                      ?? first.flatMap { Self.lookalikeLineEnd(text, at: $0) })
                }
                if let notes, let explaining {
                    // A '(' after a separator may have been any command; other text only part of this one. (One that
                    // ends the file is named with a list left open by it; a problem of the property read has the
                    // note of `CommentToTheEnd` instead.)
                    if let first, text[first...].contains(open) {
                        notes.lasting.add(explaining)
                    } else {
                        notes.inCommand.add(explaining)
                    }
                }
                if let notes, let refused { notes.refused.add(refused) }
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
                try refuseLookalikeSpace(bytes[start..<i], position: position)
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

    /// Refuses a token holding a character that Unicode counts as whitespace but VNNLIB does not
    /// (`lookalikeSpace`), naming it and where it is. Why here, for every token: such a character looks like a space
    /// or a line end, but the token went on through it, and whatever then read the token said only that it was wrong
    /// (trial 35: `(declare-const X_5<U+2028>Real)` gave "expected (declare-const X_i Real) or (declare-const Y_j
    /// Real)", and U+2028 between commands "found ' '"). No token of VNNLIB can hold one.
    func refuseLookalikeSpace(_ token: ArraySlice<UInt8>, position: (Int) -> SourcePosition) throws {
        var found: (name: String, at: Int)?
        var more = 0
        var j = token.startIndex
        while j < token.endIndex {
            if let (name, length) = Self.lookalikeSpace(token, at: j) {
                if found == nil { found = (name, j) } else { more += 1 }
                j += length
            } else {
                j += 1
            }
        }
        guard let found else { return }
        throw Failure(position: position(token.startIndex), message: "found \(quoted(String(decoding: token, as: UTF8.self))): "
            + "\(found.name) at \(position(found.at))" + (more > 0 ? " (and \(more) more in it)" : "")
            + " is no whitespace in VNNLIB, whose tokens are separated by spaces, tabs and line ends (LF or CR); "
            + "replace it with a space or a line end")
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
