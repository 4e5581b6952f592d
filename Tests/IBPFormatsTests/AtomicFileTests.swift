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
