import Foundation

/// One VNN-COMP instance: a network, a property and a time limit, with paths resolved against the list's folder.
public struct VNNCOMPInstance: Equatable, Sendable {
    /// The benchmark's name when the list has a `benchmark` column.
    public var benchmark: String?
    /// The paths as written in the list (relative to its folder, or absolute).
    public var onnx: String
    public var vnnlib: String
    /// Seconds allowed.
    public var timeout: Double
    /// The files.
    public var onnxURL: URL
    public var vnnlibURL: URL
    /// The line of the list it came from.
    public var line: Int

    public init(benchmark: String?, onnx: String, vnnlib: String, timeout: Double, onnxURL: URL, vnnlibURL: URL, line: Int) {
        self.benchmark = benchmark
        self.onnx = onnx
        self.vnnlib = vnnlib
        self.timeout = timeout
        self.onnxURL = onnxURL
        self.vnnlibURL = vnnlibURL
        self.line = line
    }
}

/// VNN-COMP's instance list (`instances.csv`): `onnx,vnnlib,timeout` per line without a header (the competition's
/// benchmark repositories), or with a header line naming the columns `onnx`, `vnnlib`, `timeout` (or `timeout_s`)
/// and optionally `benchmark`, in any order. Paths are relative to the list's folder; `.gz` files are read too.
public enum InstanceList {
    /// A list's path `p`: absolute as written, else relative to the list's folder, joined as text for the OS to
    /// resolve (`TypedPath`: `lnk/../net.onnx` is beside where `lnk` leads, not beside `lnk`).
    static func resolve(_ p: String, in folder: URL) -> URL {
        TypedPath.url(p, in: folder)
    }

    /// Reads the list at `url`.
    /// - Throws: `CSVError` naming the line: a missing column, a timeout that is not a positive number, an instance
    ///   (onnx and vnnlib as written) listed twice, no instances.
    public static func read(_ url: URL) throws -> [VNNCOMPInstance] {
        let table = try CSVTable.read(url)
        let url = TypedPath.url(url)
        return try instances(table, path: url.relativePath,
                             folder: URL(fileURLWithPath: TypedPath.folder(of: url.path), isDirectory: true))
    }

    /// The instances of a parsed list; `path` names it in errors, relative paths are resolved against `folder`.
    public static func instances(_ table: CSVTable, path: String, folder: URL) throws -> [VNNCOMPInstance] {
        func fail(_ text: String, _ line: Int?) -> CSVError { CSVError(path: path, problem: CSVProblem(text, line: line)) }
        var records = table.records[...]
        guard let first = records.first else { throw fail("no instances; expected lines onnx,vnnlib,timeout", nil) }
        var columns = (benchmark: Int?.none, onnx: 0, vnnlib: 1, timeout: 2)
        var width = 3
        let names = first.fields.map { $0.lowercased() }
        if names.contains("onnx") || names.contains("vnnlib") {
            func column(_ accepted: [String]) throws -> Int {
                guard let i = names.firstIndex(where: accepted.contains) else {
                    throw fail("the header has no column \(accepted.joined(separator: " or ")) (columns: \(FileText.shown(first.fields.joined(separator: ", "))))", first.line)
                }
                return i
            }
            // The same rule with a header as without: every column is one the reader uses (a line without a header
            // has exactly onnx, vnnlib, timeout), so an extra column is refused, never silently ignored.
            let known = ["benchmark", "onnx", "vnnlib", "timeout", "timeout_s"]
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw fail("the header names the unknown column \(quoted(unknown)) (known: \(known.joined(separator: ", ")))", first.line)
            }
            if let twice = names.indices.first(where: { i in names[..<i].contains(names[i]) || (names[i].hasPrefix("timeout") && names[..<i].contains { $0.hasPrefix("timeout") }) }) {
                throw fail("the header names the column \(quoted(names[twice])) twice", first.line)
            }
            columns = (names.firstIndex(of: "benchmark"), try column(["onnx"]), try column(["vnnlib"]),
                       try column(["timeout", "timeout_s"]))
            width = names.count
            records = records.dropFirst()
        }
        var out: [VNNCOMPInstance] = []
        // An instance listed twice would run twice and count twice in the summary: refused, naming both lines.
        var seen: [String: Int] = [:]
        for record in records {
            guard record.fields.count == width else {
                throw fail("\(CountText.of(record.fields.count, "field")), expected \(width) (onnx, vnnlib, timeout\(width > 3 ? ", ..." : ""))", record.line)
            }
            let onnx = record.fields[columns.onnx], vnnlib = record.fields[columns.vnnlib]
            let timeoutText = record.fields[columns.timeout]
            guard !onnx.isEmpty, !vnnlib.isEmpty else { throw fail("an empty onnx or vnnlib path", record.line) }
            // `1e400` is a number too large for a Double, not one that is not positive: said so (`DecimalText.refusal`).
            guard !timeoutText.isEmpty else {
                throw fail("the timeout is empty; give it in seconds (such as 300)", record.line)
            }
            guard let timeout = DecimalText.double(timeoutText) else {
                throw fail("timeout \(FileText.shown(timeoutText)) is "
                           + DecimalText.refusal(timeoutText, otherwise: "not a decimal number of seconds (such as 300)"),
                           record.line)
            }
            guard timeout > 0 else {
                throw fail("timeout \(FileText.shown(timeoutText)) is not a positive number of seconds", record.line)
            }
            // The files named, not the text: `a.vnnlib`, `./a.vnnlib`, a symbolic link and a hard link to it are one
            // instance (an existing file by device and inode, `FileIdentity`; a missing one by its resolved path).
            let key = [onnx, vnnlib].map { p -> String in
                let url = InstanceList.resolve(p, in: folder)
                return FileIdentity.node(url.path).map { "node " + $0 } ?? TypedPath.resolved(url.path)
            }.joined(separator: "\u{0}")
            if let earlier = seen[key] {
                throw fail("the instance \(FileText.shown(onnx)), \(FileText.shown(vnnlib)) is also on line \(earlier); "
                           + "list each instance once", record.line)
            }
            seen[key] = record.line
            out.append(VNNCOMPInstance(benchmark: columns.benchmark.map { record.fields[$0] }, onnx: onnx, vnnlib: vnnlib,
                                       timeout: timeout, onnxURL: resolve(onnx, in: folder),
                                       vnnlibURL: resolve(vnnlib, in: folder),
                                       line: record.line))
        }
        guard !out.isEmpty else { throw fail("no instances after the header", nil) }
        return out
    }

    /// Shard `k` of `n` (1 <= k <= n): the instances at positions k - 1, k - 1 + n, k - 1 + 2n, ... (round robin, so
    /// every shard gets a share of each network). A job array over any scheduler runs shards 1...n.
    public static func shard(_ instances: [VNNCOMPInstance], _ k: Int, of n: Int) -> [VNNCOMPInstance] {
        precondition(n >= 1 && (1...n).contains(k), "shard \(k)/\(n)")
        return instances.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
    }
}

/// The consensus answers of `../shared/vnncomp/answers.csv` (a header line with at least `onnx`, `vnnlib`,
/// `consensus` (holds, violated, unknown) and `evidence`), keyed by the instance's two paths as written.
/// `single-unreliable` evidence counts as unknown (that file's README).
public enum ConsensusList {
    /// The answers of `instances` (keyed by `key(onnx:vnnlib:)` of each instance as its list writes it) from the
    /// answers file at `url`, whose paths are read relative to its own folder (as an instance list's are): an answer
    /// belongs to an instance when both name the same files (`TypedPath.resolved`: `./net.onnx` and `net.onnx`
    /// agree), or, for files that do not exist, the same text. `unmatched`: the instances no answer names.
    public static func answers(_ url: URL, for instances: [VNNCOMPInstance]) throws
        -> (answers: [String: (consensus: String, evidence: String)], unmatched: [VNNCOMPInstance]) {
        let rows = try entries(url)
        let folder = url.deletingLastPathComponent()
        func resolved(_ path: String) -> String {
            TypedPath.resolved(path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path)
        }
        var byText: [String: (consensus: String, evidence: String)] = [:]
        var byFiles: [String: (consensus: String, evidence: String)] = [:]
        for row in rows {
            let pair = resolved(row.onnx) + "\u{0}" + resolved(row.vnnlib)
            guard byFiles[pair] == nil else {
                throw CSVError(path: url.relativePath, problem: CSVProblem(
                    "two rows name the same files (\(FileText.shown(row.onnx)), \(FileText.shown(row.vnnlib)))", line: nil))
            }
            byFiles[pair] = row.answer
            // By text only when the row's files are not there (an answers file kept apart from its benchmark):
            // a row naming other files that exist answers for those, not for the instance of the same name.
            let fm = FileManager.default
            if !fm.fileExists(atPath: resolved(row.onnx)) || !fm.fileExists(atPath: resolved(row.vnnlib)) {
                byText[key(onnx: row.onnx, vnnlib: row.vnnlib)] = row.answer
            }
        }
        var answers: [String: (consensus: String, evidence: String)] = [:], unmatched: [VNNCOMPInstance] = []
        for instance in instances {
            let key = key(onnx: instance.onnx, vnnlib: instance.vnnlib)
            let pair = TypedPath.resolved(instance.onnxURL.path) + "\u{0}" + TypedPath.resolved(instance.vnnlibURL.path)
            if let answer = byFiles[pair] ?? byText[key] { answers[key] = answer } else { unmatched.append(instance) }
        }
        return (answers, unmatched)
    }

    /// The answers keyed by `key(onnx:vnnlib:)` of the paths as the file writes them.
    public static func read(_ url: URL) throws -> [String: (consensus: String, evidence: String)] {
        var out: [String: (consensus: String, evidence: String)] = [:]
        for row in try entries(url) { out[key(onnx: row.onnx, vnnlib: row.vnnlib)] = row.answer }
        return out
    }

    /// The rows of the answers file, in order, each instance once.
    static func entries(_ url: URL) throws
        -> [(onnx: String, vnnlib: String, answer: (consensus: String, evidence: String))] {
        let path = url.relativePath
        let table = try CSVTable.read(url)
        func fail(_ text: String, _ line: Int?) -> CSVError { CSVError(path: path, problem: CSVProblem(text, line: line)) }
        guard let header = table.records.first else { throw fail("empty; expected a header with onnx, vnnlib, consensus", nil) }
        let names = header.fields.map { $0.lowercased() }
        func column(_ name: String) throws -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw fail("the header has no column \(name) (columns: \(FileText.shown(header.fields.joined(separator: ", "))))", header.line)
            }
            return i
        }
        let onnx = try column("onnx"), vnnlib = try column("vnnlib"), consensus = try column("consensus")
        let evidence = names.firstIndex(of: "evidence")
        var out: [(onnx: String, vnnlib: String, answer: (consensus: String, evidence: String))] = []
        var seen = Set<[String]>()
        for record in table.records.dropFirst() {
            guard record.fields.count == names.count else {
                throw fail("\(CountText.of(record.fields.count, "field")), the header has \(names.count)", record.line)
            }
            let value = record.fields[consensus]
            guard ["holds", "violated", "unknown"].contains(value) else {
                throw fail("consensus \(FileText.shown(value)), expected holds, violated or unknown", record.line)
            }
            let pair = [record.fields[onnx], record.fields[vnnlib]]
            guard seen.insert(pair).inserted else {
                throw fail("a second row for \(FileText.shown(ConsensusList.key(onnx: pair[0], vnnlib: pair[1])))", record.line)
            }
            out.append((pair[0], pair[1], (value, evidence.map { record.fields[$0] } ?? "")))
        }
        return out
    }

    /// The key of an instance: its two paths as written in the lists.
    public static func key(onnx: String, vnnlib: String) -> String { onnx + "," + vnnlib }
}
