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

/// The plain CSV of VNN-COMP's lists: one record per line, fields split at commas, no quoting (a `"` is refused),
/// surrounding spaces trimmed, blank lines skipped, `\n` or `\r\n` line ends. Read whole, at most `maxBytes`.
public struct CSVTable {
    /// The records with the 1-based line each came from.
    public var records: [(line: Int, fields: [String])]

    public static let maxBytes = 64 << 20

    /// Reads the file at `url` (named as given in errors), refusing one over `maxBytes` before reading it.
    /// - Throws: `CSVError` (too large, not UTF-8 text, quoting), `GzipError.unreadable`.
    public static func read(_ url: URL, maxBytes: Int = CSVTable.maxBytes) throws -> CSVTable {
        let path = url.relativePath
        let data: Data
        do {
            data = try Gzip.readRaw(url, maxBytes: maxBytes)
        } catch let e as GzipError {
            if case .fileTooLarge = e.problem {
                throw CSVError(path: path, problem: CSVProblem("the file is larger than the reader's limit of \(maxBytes) bytes"))
            }
            throw e
        }
        return try parse(data, path: path)
    }

    public static func parse(_ data: Data, path: String) throws -> CSVTable {
        // A leading UTF-8 byte order mark is skipped (as for VNNLIB): it would otherwise glue itself to the first
        // field, so a header "onnx,..." would not be recognised.
        let data = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
        guard let text = String(validating: data, as: UTF8.self) else {
            let kind = FileKind.identify(data.prefix(512))
            throw CSVError(path: path, problem: CSVProblem("not UTF-8 text" + (kind == .text || kind == .unknown ? "" : " (\(kind.description))")))
        }
        var records: [(line: Int, fields: [String])] = []
        // Split at Characters that are newlines: "\r\n" is one Character in Swift, so splitting at "\n" alone would
        // keep a CRLF file in one piece.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.contains("\"") {
                throw CSVError(path: path, problem: CSVProblem("quoted fields are not supported", line: index + 1))
            }
            records.append((index + 1, line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }))
        }
        return CSVTable(records: records)
    }
}
