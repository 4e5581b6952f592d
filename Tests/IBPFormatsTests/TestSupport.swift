import Foundation
import XCTest

/// A fresh temporary folder, removed when the test ends.
func makeTempDir(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("ibpformats-\(getpid())-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// The package root, found from this file's path (Tests/IBPFormatsTests/TestSupport.swift).
func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Asserts that `body` throws an error of type `E` whose description contains every string in `contains`
/// and is a single line; returns the error.
@discardableResult
func assertThrows<E: Error & CustomStringConvertible, T>(
    _ errorType: E.Type, _ contains: [String] = [], file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) -> E? {
    do {
        _ = try body()
        XCTFail("expected \(E.self) but nothing was thrown", file: file, line: line)
    } catch let e as E {
        let text = e.description
        XCTAssertFalse(text.contains("\n"), "description is not one line: \(text)", file: file, line: line)
        for s in contains {
            XCTAssertTrue(text.contains(s), "'\(text)' does not contain '\(s)'", file: file, line: line)
        }
        return e
    } catch {
        XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}
