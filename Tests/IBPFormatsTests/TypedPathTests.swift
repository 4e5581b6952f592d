import Foundation
import IBPFormats
import XCTest

/// Paths as the OS resolves them (paths23, item 0): with `lnk -> real/sub`, `lnk/../m` is `real/m`. Foundation
/// resolves the `..` of a relative path by text (`URL(fileURLWithPath: "lnk/../m").path` is `CWD/m`), and
/// `standardizedFileURL` / `resolvingSymlinksInPath` do so for a path that does not exist yet (an output's).
final class TypedPathTests: XCTestCase {
    private var dir: URL!

    /// `dir/real/sub`, `dir/lnk -> real/sub`, and a file `m` in `dir/real` ("real") and in `dir` ("here").
    override func setUpWithError() throws {
        dir = URL(fileURLWithPath: try makeTempDir(self).path).resolvingSymlinksInPath()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("real/sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("lnk").path, withDestinationPath: "real/sub")
        try Data("real".utf8).write(to: dir.appendingPathComponent("real/m"))
        try Data("here".utf8).write(to: dir.appendingPathComponent("m"))
    }

    private func read(_ url: URL) throws -> String { String(decoding: try Data(contentsOf: url), as: UTF8.self) }

    /// A URL made from a relative path reads the file the OS opens, from the working folder and from a folder.
    func testAURLNamesTheFileTheOSOpens() throws {
        XCTAssertEqual(try read(TypedPath.url("lnk/../m", in: dir)), "real")
        XCTAssertEqual(try read(TypedPath.url("m", in: dir)), "here")
        XCTAssertEqual(TypedPath.url("m", in: dir).relativePath, "m", "a plain relative path keeps its text for messages")
        XCTAssertEqual(try read(TypedPath.url("m", in: dir.appendingPathComponent("lnk/.."))), "real",
                       "a plain name in a folder spelt with `..`")
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertEqual(try read(TypedPath.url("lnk/../m")), "real")
        XCTAssertEqual(try read(TypedPath.url("./lnk/../m")), "real")
        XCTAssertEqual(try read(TypedPath.url("m")), "here")
        XCTAssertEqual(TypedPath.url("./m").relativePath, "./m")
        // A URL Foundation made from the relative path is joined as text again before a write uses it.
        XCTAssertEqual(try read(TypedPath.url(URL(fileURLWithPath: "lnk/../m"))), "real")
        XCTAssertEqual(try read(TypedPath.url(URL(fileURLWithPath: "m"))), "here")
    }

    /// The key that tells two names of one file apart from names of two files: the OS's file, existing or not.
    func testResolvedNamesTheFileTheOSWouldWrite() throws {
        let real = dir.appendingPathComponent("real").path
        XCTAssertEqual(TypedPath.resolved(dir.path + "/lnk/../m"), real + "/m")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/lnk/../new.png"), real + "/new.png", "a file not written yet")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/lnk/../new/deeper/x.png"), real + "/new/deeper/x.png")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/./m"), dir.path + "/m")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/real/sub/../m"), real + "/m")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/lnk"), real + "/sub", "a link is the file it names")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/new/./x.png"), dir.path + "/new/x.png")
        // A missing folder is made before the write (mkdir -p), and is no link: `new/..` is where it is made.
        XCTAssertEqual(TypedPath.resolved(dir.path + "/new/../m"), dir.path + "/m")
        XCTAssertEqual(TypedPath.resolved(dir.path + "/lnk/../new/../m"), real + "/m")
        XCTAssertNotEqual(TypedPath.resolved(dir.path + "/lnk/../m"), TypedPath.resolved(dir.path + "/m"))
    }

    /// The folder of a path by text, `..` included: the folder the OS resolves it in.
    func testTheFolderOfAPathIsFoundByText() {
        XCTAssertEqual(TypedPath.folder(of: "lnk/../z.png"), "lnk/..")
        XCTAssertEqual(TypedPath.folder(of: "/a/lnk/../new/deeper"), "/a/lnk/../new")
        XCTAssertEqual(TypedPath.folder(of: "/a/lnk/.."), "/a/lnk")
        XCTAssertEqual(TypedPath.folder(of: "z.png"), ".")
        XCTAssertEqual(TypedPath.folder(of: "/z.png"), "/")
        XCTAssertEqual(TypedPath.folder(of: "a/b/"), "a")
        XCTAssertTrue(TypedPath.hasDotComponents("lnk/../m"))
        XCTAssertTrue(TypedPath.hasDotComponents("a/./m"))
        XCTAssertFalse(TypedPath.hasDotComponents("./m"))
        XCTAssertFalse(TypedPath.hasDotComponents("a..b/.m"))
    }
}

/// The kind, not the instance: no source turns a path into a URL or a key by text. `standardizedFileURL`,
/// `resolvingSymlinksInPath`, `standardizingPath` and `relativeTo:` resolve `..` by text (for a path that does not
/// exist, or always), and `URL(fileURLWithPath:)` of a relative path does; paths go through `TypedPath`. The
/// allowed uses build URLs from absolute paths (the working folder, the repository root) or look only at a name.
final class TypedPathCoverageTests: XCTestCase {
    func testNoSourceResolvesPathsByText() throws {
        let sources = packageRoot().appendingPathComponent("Sources")
        let forbidden = ["standardizedFileURL", ".standardized", "resolvingSymlinksInPath", "standardizingPath", "relativeTo:"]
        let allowed: [String: [String]] = [
            "IBPFormats/TypedPath.swift": ["URL(fileURLWithPath:", "relativeTo:"],
            // Joins of absolute paths: the working folder, the repository root, a default.
            "IBPCommandLine/RepositoryPath.swift": ["URL(fileURLWithPath:"],
            "ibp-bench/main.swift": ["URL(fileURLWithPath: FileManager.default.currentDirectoryPath"],
            "IBP/Benchmark/FigureBenchmark.swift": ["URL(fileURLWithPath: FileManager.default.currentDirectoryPath"],
            // Only the last component's name is looked at (/dev/stdout and the like).
            "IBPFormats/AtomicFile.swift": ["URL(fileURLWithPath: candidate)"],
        ]
        var scanned = 0, found: [String] = []
        let walker = FileManager.default.enumerator(atPath: sources.path)!
        for case let file as String in walker where file.hasSuffix(".swift") {
            scanned += 1
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                var uses = forbidden.filter { code.contains($0) }
                // A URL from a string: only a literal, or a path `TypedPath` made.
                if code.contains("URL(fileURLWithPath:") && !code.contains("URL(fileURLWithPath: \"")
                    && !code.contains("URL(fileURLWithPath: TypedPath.") {
                    uses.append("URL(fileURLWithPath:")
                }
                // A line holding one of its file's allowed uses is allowed.
                for use in uses where !(allowed[file] ?? []).contains(where: { code.contains($0) }) {
                    found.append("Sources/\(file):\(n + 1): \(use): \(code)")
                }
            }
        }
        XCTAssertGreaterThan(scanned, 100, "the scan found too few sources: it no longer reads them")
        XCTAssertEqual(found, [], "paths resolved by text; use TypedPath.url / TypedPath.resolved / TypedPath.folder")
    }
}
