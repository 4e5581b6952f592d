import Foundation

/// An error from reading a CSV file: "path:line: problem" (`CSVProblem`).
public typealias CSVError = FileFormatError<CSVProblem>

/// What is wrong with a CSV file, and on which line (1-based; nil for the whole file).
public struct CSVProblem: FileProblem {
    public let text: String
    public let line: Int?

    public init(_ text: String, line: Int? = nil) {
        self.text = text
        self.line = line
    }

    public var location: String? { line.map { "\($0)" } }
}

/// CSV per RFC 4180, the counterpart of `CSVWriter` (so a file the tools write reads back field for field): records
/// end in LF or CRLF; a field enclosed in double quotes may hold commas, CR, LF and doubled quotes (`"a,b""c"` is
/// `a,b"c`); a quote inside an unquoted field, text after a closing quote and a quote left open are refused. Spaces
/// are part of a field (RFC 4180 section 2.4), so an unquoted field that starts or ends with a space or tab
/// (`net.onnx, p.vnnlib ,10`) is refused naming the line and column, never trimmed silently: quote it to keep the
/// spaces. Blank lines (empty or only spaces) are skipped. Read whole, at most `maxBytes` (a gzip-compressed file
/// too, inflated under the same limit).
public struct CSVTable {
    /// The records with the 1-based line each started on.
    public var records: [(line: Int, fields: [String])]

    public static let maxBytes = 64 << 20

    /// Reads the file at `url` (named as given in errors), refusing one over `maxBytes` before reading it.
    /// - Throws: `CSVError` (too large, not UTF-8 text, quoting, spaces), `GzipError` (unreadable, empty, corrupt, cut
    ///   short, compressed twice).
    public static func read(_ url: URL, maxBytes: Int = CSVTable.maxBytes) throws -> CSVTable {
        let path = url.relativePath
        let data: Data
        do {
            // A gzip-compressed list (`instances.csv.gz`) is read through the same limit.
            data = try Gzip.readPlainOrCompressed(url, maxBytes: maxBytes).data
        } catch let e as GzipError {
            switch e.problem {
            case .fileTooLarge:
                // The one wording of every reader: the file's size and the limit.
                throw CSVError(path: path, problem: CSVProblem(e.problem.text))
            case .tooLarge:
                throw CSVError(path: path, problem: CSVProblem("gzip-compressed, and its text is larger than the reader's "
                                                               + "limit of \(maxBytes) bytes"))
            default:
                throw e
            }
        }
        return try parse(data, path: path)
    }

    /// Parses `data` (named `path` in errors).
    /// - Throws: `CSVError` naming the line (and column, 1-based field number) of the fault.
    public static func parse(_ data: Data, path: String) throws -> CSVTable {
        // A leading UTF-8 byte order mark is skipped (as for VNNLIB): it would otherwise glue itself to the first
        // field, so a header "onnx,..." would not be recognised.
        let data = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
        guard let text = String(validating: data, as: UTF8.self) else {
            let kind = FileKind.identify(data.prefix(512))
            throw CSVError(path: path, problem: CSVProblem("not UTF-8 text" + (kind == .text || kind == .unknown ? "" : " (\(kind.description))")))
        }
        func fail(_ what: String, line: Int) -> CSVError { CSVError(path: path, problem: CSVProblem(what, line: line)) }
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var isQuoted = false    // the current field was enclosed in quotes
        var line = 1, recordLine = 1, quoteLine = 1
        // Scalars, not Characters: "\r\n" is one Character in Swift, and a quote may sit next to anything.
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        func endField() throws {
            if !isQuoted, let edge = [field.unicodeScalars.first, field.unicodeScalars.last].compactMap({ $0 })
                .first(where: { $0 == " " || $0 == "\t" }) {
                let which = field.unicodeScalars.first == edge ? "starts" : "ends"
                throw fail("column \(fields.count + 1): \(quoted(field)) \(which) with a \(edge == " " ? "space" : "tab"); "
                           + "remove it, or quote the field (\"...\") to keep it", line: line)
            }
            fields.append(field)
            field = ""
            isQuoted = false
        }
        func endRecord() throws {
            // A blank line (nothing, or only spaces, unquoted) is no record.
            if fields.isEmpty, !isQuoted, field.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) {
                field = ""
            } else {
                try endField()
                records.append((recordLine, fields))
            }
            fields = []
        }
        while let c = next() {
            switch c {
            case "\"":
                guard field.isEmpty, !isQuoted else {
                    throw fail("column \(fields.count + 1): a double quote inside an unquoted field; enclose the whole "
                               + "field in double quotes and write each quote inside it twice (\"\")", line: line)
                }
                // A quoted field: to the quote that is not doubled.
                isQuoted = true
                quoteLine = line
                var closed = false
                while let d = next() {
                    if d == "\"" {
                        if let e = next() {
                            if e == "\"" { field.unicodeScalars.append("\""); continue }
                            pending = e
                        }
                        closed = true
                        break
                    }
                    if d == "\n" { line += 1 }
                    field.unicodeScalars.append(d)
                }
                guard closed else {
                    throw fail("column \(fields.count + 1): the quote opened here is never closed", line: quoteLine)
                }
                // After the closing quote: a comma or the record's end.
                if let e = pending, e != ",", e != "\n", e != "\r" {
                    throw fail("column \(fields.count + 1): text after the closing quote; a quoted field ends at its "
                               + "quote (write \"\" for a quote inside it)", line: line)
                }
            case ",":
                try endField()
            case "\r":
                // CRLF or a lone CR end the record.
                if let e = next(), e != "\n" { pending = e }
                try endRecord()
                line += 1
                recordLine = line
            case "\n":
                try endRecord()
                line += 1
                recordLine = line
            default:
                guard !isQuoted else {
                    throw fail("column \(fields.count + 1): text after the closing quote; a quoted field ends at its "
                               + "quote (write \"\" for a quote inside it)", line: line)
                }
                field.unicodeScalars.append(c)
            }
        }
        if !fields.isEmpty || isQuoted || !field.isEmpty { try endRecord() }
        return CSVTable(records: records)
    }
}
