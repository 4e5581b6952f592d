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
    /// regular file. A device, FIFO or socket is refused, also behind a link; a link to a regular file stays a link
    /// and its target is written; a dangling link creates its target; a loop of links is named.
    func testOnlyRegularFilesAreReplacedAndLinksStay() throws {
        let dir = try makeTempDir(self)
        let fifo = dir.appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: fifo)) {
            XCTAssertEqual("\($0)", "\(fifo.path): is a FIFO, not a regular file; give a file name")
        }
        let viaLink = dir.appendingPathComponent("to-fifo")
        try FileManager.default.createSymbolicLink(atPath: viaLink.path, withDestinationPath: "fifo")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: viaLink)) {
            XCTAssert("\($0)".contains("leads to \(fifo.path), a FIFO, not a regular file"), "\($0)")
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

        let target = dir.appendingPathComponent("target.csv"), link = dir.appendingPathComponent("link.csv")
        try Data([9]).write(to: target)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "target.csv")
        try AtomicFile.write(Data([1, 2]), to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "target.csv", "the link stays")
        XCTAssertEqual(try Data(contentsOf: target), Data([1, 2]), "its target is written")

        let dangling = dir.appendingPathComponent("dangling.csv")
        try FileManager.default.createSymbolicLink(atPath: dangling.path, withDestinationPath: "\(dir.path)/made.csv")
        try AtomicFile.write(Data([3]), to: dangling)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("made.csv")), Data([3]))

        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: "a")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: a)) { XCTAssert("\($0)".contains("loop"), "\($0)") }
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: dir)) { XCTAssert("\($0)".contains("is a folder"), "\($0)") }
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
    }
}
