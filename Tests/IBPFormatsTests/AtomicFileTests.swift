import Foundation
import XCTest
@testable import IBPFormats

final class AtomicFileTests: XCTestCase {
    private func temporaries(in dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }.sorted()
    }

    func testWriteReplacesTheFileAndLeavesNoTemporary() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        try AtomicFile.write(Data([4]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([4]))
        XCTAssertEqual(try temporaries(in: dir), [])
    }

    /// New user: `evaluate --per-sample /dev/null` as root renamed the output over /dev/null, which became a
    /// regular file; and `fig.png -> precious.ckpt` turned the checkpoint into a PNG (writes went through the link).
    /// A device, FIFO or socket is refused; so is every symbolic link (to a file, a FIFO, nothing, or in a loop),
    /// and the file it names is left as it was; /dev/stdout is named as standard output.
    func testOnlyRegularFilesAreReplacedAndLinksAreRefused() throws {
        let dir = try makeTempDir(self)
        let fifo = dir.appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: fifo)) {
            XCTAssertEqual("\($0)", "\(fifo.path): is a FIFO, not a regular file; give a file name")
        }
        let viaLink = dir.appendingPathComponent("to-fifo")
        try FileManager.default.createSymbolicLink(atPath: viaLink.path, withDestinationPath: "fifo")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: viaLink)) {
            XCTAssertEqual("\($0)", "\(viaLink.path): is a symbolic link (to fifo); an output is never written through "
                           + "a link: give the file's own name or remove the link")
        }
        var info = stat()
        XCTAssertEqual(lstat(fifo.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
        XCTAssertEqual(try temporaries(in: dir), [])
        if FileManager.default.fileExists(atPath: "/dev/null") {
            XCTAssertThrowsError(try AtomicFile.destination(URL(fileURLWithPath: "/dev/null"))) {
                XCTAssertEqual("\($0)", "/dev/null: is a device, not a regular file; give a file name")
            }
        }
        for stream in ["/dev/stdout", "/dev/stderr"] where FileManager.default.fileExists(atPath: stream) {
            XCTAssertThrowsError(try AtomicFile.destination(URL(fileURLWithPath: stream))) {
                XCTAssert("\($0)".hasPrefix("\(stream): is standard \(stream.hasSuffix("out") ? "output" : "error"), not a file"), "\($0)")
            }
        }

        let target = dir.appendingPathComponent("precious.ckpt"), link = dir.appendingPathComponent("fig.png")
        try Data([9]).write(to: target)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "precious.ckpt")
        XCTAssertThrowsError(try AtomicFile.write(Data([1, 2]), to: link)) { XCTAssert("\($0)".contains("symbolic link"), "\($0)") }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "precious.ckpt", "the link stays")
        XCTAssertEqual(try Data(contentsOf: target), Data([9]), "its target is not written")

        let dangling = dir.appendingPathComponent("dangling.csv")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "\(dir.path)/made.csv")
        XCTAssertThrowsError(try AtomicFile.write(Data([3]), to: dangling))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("made.csv").path))

        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: "a")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: a)) { XCTAssert("\($0)".contains("symbolic link"), "\($0)") }
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: dir)) { XCTAssert("\($0)".contains("is a folder"), "\($0)") }
        XCTAssertEqual(try temporaries(in: dir), [])
    }

    /// New user: a 250-byte output name is legal, but its temporary `.NAME.PID.RANDOM.tmp` was not ("File name too
    /// long" after the work). The temporary name is cut to fit the folder's limit, tagged by a hash of the whole
    /// name (two long names with one prefix get different temporaries), and the write succeeds; a name over the
    /// limit itself is named.
    func testLongNamesGetTemporaryNamesThatFit() throws {
        let dir = try makeTempDir(self)
        let limit = AtomicFile.nameLimit(in: dir)
        XCTAssertEqual(limit, 255)
        let long = dir.appendingPathComponent(String(repeating: "a", count: 250) + ".csv")
        let other = dir.appendingPathComponent(String(repeating: "a", count: 250) + ".txt")
        for url in [long, other] {
            XCTAssertLessThanOrEqual(AtomicFile.temporaryURL(of: url).lastPathComponent.utf8.count, limit)
        }
        XCTAssertNotEqual(AtomicFile.temporaryPrefix(of: long), AtomicFile.temporaryPrefix(of: other))
        XCTAssertEqual(AtomicFile.temporaryPrefix(of: dir.appendingPathComponent("short.csv")), ".short.csv.")
        // Multi-byte names are cut at a character boundary (every byte of "ü" or of neither).
        let umlauts = dir.appendingPathComponent(String(repeating: "ü", count: 127))
        let prefix = AtomicFile.temporaryPrefix(of: umlauts)
        XCTAssertLessThanOrEqual(prefix.utf8.count + AtomicFile.temporarySuffixBytes, limit)
        XCTAssertTrue(prefix.hasPrefix(".ü"))
        try AtomicFile.write(Data([1]), to: long)
        try AtomicFile.write(Data([2]), to: umlauts)
        XCTAssertEqual(try Data(contentsOf: long), Data([1]))
        XCTAssertEqual(try Data(contentsOf: umlauts), Data([2]))
        XCTAssertEqual(try temporaries(in: dir), [])
        let tooLong = dir.appendingPathComponent(String(repeating: "b", count: 256))
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: tooLong)) {
            XCTAssertEqual("\($0)", "\(tooLong.path): the file name is 256 bytes, longer than the folder's limit of 255; give a shorter name")
        }
    }

    /// The signal handler's list (`TemporaryFiles`) holds every temporary file while it is written, and only then:
    /// `removeAll()`, what SIGINT and SIGTERM call, removes the one in progress and nothing else.
    func testTemporaryFilesInProgressAreTrackedForTheSignalHandler() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("a.bin")
        let other = dir.appendingPathComponent("b.bin")
        try AtomicFile.write(Data([1]), to: other)
        XCTAssertThrowsError(try AtomicFile.write(to: url) { temp in
            try Data([9, 9]).write(to: temp)
            XCTAssertEqual(try temporaries(in: dir).count, 1)
            TemporaryFiles.removeAll()
            XCTAssertEqual(try temporaries(in: dir), [], "the file being written was not tracked")
        })
        TemporaryFiles.removeAll()
        XCTAssertEqual(try Data(contentsOf: other), Data([1]), "a finished file was removed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testFailingBodyLeavesTheOldFileAndNoTemporary() throws {
        let dir = try makeTempDir(self)
        let url = dir.appendingPathComponent("a.bin")
        try AtomicFile.write(Data([1]), to: url)
        struct Stop: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: url) { temp in
            try Data([9, 9]).write(to: temp)
            throw Stop()
        })
        XCTAssertEqual(try Data(contentsOf: url), Data([1]))
        XCTAssertEqual(try temporaries(in: dir), [])
    }

    func testMissingFolderIsNamed() throws {
        let url = try makeTempDir(self).appendingPathComponent("missing/a.bin")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url)) { error in
            XCTAssertEqual("\(error)", "\(url.path): folder \(url.deletingLastPathComponent().path) does not exist")
        }
    }

    /// A process killed while writing leaves `.NAME.PID.RANDOM.tmp`; the next write of NAME removes it,
    /// but not the temporaries of running processes nor those of other files.
    func testTemporariesOfDeadProcessesAreRemoved() throws {
        let dir = try makeTempDir(self)
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        let dead = finished.processIdentifier, alive = getppid()
        let names = [".a.bin.\(dead).17.tmp", ".a.bin.\(alive).18.tmp", ".b.bin.\(dead).19.tmp"]
        for name in names { try Data([0]).write(to: dir.appendingPathComponent(name)) }
        try AtomicFile.write(Data([1]), to: dir.appendingPathComponent("a.bin"))
        XCTAssertEqual(try temporaries(in: dir), [names[1], names[2]].sorted())
        // The cut prefix of a long name finds its stale temporaries too.
        let long = dir.appendingPathComponent(String(repeating: "c", count: 250))
        let stale = "\(AtomicFile.temporaryPrefix(of: long))\(dead).20.tmp"
        try Data([0]).write(to: dir.appendingPathComponent(stale))
        try AtomicFile.write(Data([1]), to: long)
        XCTAssertEqual(try temporaries(in: dir), [names[1], names[2]].sorted())
    }

    /// A killed process its parent has not reaped yet is a zombie: `kill(pid, 0)` still finds it, so its temporary
    /// file was kept (a flaky kill-and-resume run left `.curves.png.PID.RANDOM.tmp`). A zombie never finishes a write.
    func testTemporariesOfZombieProcessesAreRemoved() throws {
        #if os(Linux)
        let dir = try makeTempDir(self)
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, &argv, environ), 0)
        defer { var status: Int32 = 0; waitpid(pid, &status, 0) }
        // Wait until it has exited (and, unreaped, is a zombie).
        let deadline = Date().addingTimeInterval(5)
        while !AtomicFile.processEnded(pid) && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(kill(pid, 0), 0, "the child is reaped already; the test needs it as a zombie")
        XCTAssertTrue(AtomicFile.processEnded(pid))
        let name = ".a.bin.\(pid).21.tmp"
        try Data([0]).write(to: dir.appendingPathComponent(name))
        try AtomicFile.write(Data([1]), to: dir.appendingPathComponent("a.bin"))
        XCTAssertEqual(try temporaries(in: dir), [])
        XCTAssertFalse(AtomicFile.processEnded(getpid()))
        #endif
    }
}
