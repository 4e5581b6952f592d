import Foundation
import XCTest
@testable import IBPFormats

/// A file whose bytes are damaged (cut short, garbled, bytes added) or of another kind is refused in one line that
/// names the file, says what is wrong and what to do (`FileProblem.advice`): a checkpoint with two bytes added, a
/// broken header, a gzip stream with trailing bytes or cut short, an IDX file of another kind, a zip that is not an
/// archive of arrays. Problems whose text already says what to do get no second piece of advice.
final class FileAdviceTests: XCTestCase {
    private func description(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        XCTFail("no error")
        return ""
    }

    private func assertAdvice(_ text: String, _ advice: String, line: UInt = #line) {
        XCTAssertTrue(text.hasPrefix("f: "), text, line: line)
        XCTAssertTrue(text.hasSuffix("; " + advice), text, line: line)
        XCTAssertFalse(text.contains("\n"), text, line: line)
    }

    func testDamagedFilesSayWhatToDo() throws {
        let checkpoint = try Safetensors.encode(tensors: [("w", NDArray(shape: [2], values: [1, 2]))])
        let safetensors = SafetensorsProblem.malformedHeader("x").advice!
        XCTAssertTrue(safetensors.contains("use an intact copy"))
        assertAdvice(description { _ = try Safetensors.parse(checkpoint + Data([0, 0]), path: "f") }, safetensors)
        var broken = checkpoint
        broken[8] = UInt8(ascii: "[")
        assertAdvice(description { _ = try Safetensors.parse(broken, path: "f") }, safetensors)
        assertAdvice(description { _ = try Safetensors.parse(Data([1, 2, 3]), path: "f") }, safetensors)

        let gz = try Gzip.compress(Data(repeating: 7, count: 1000))
        assertAdvice(description { _ = try Gzip.decompress(gz + Data([1]), path: "f") }, FileAdvice.intactCopy)
        assertAdvice(description { _ = try Gzip.decompress(gz.prefix(gz.count - 9), path: "f") }, FileAdvice.intactCopy)

        let idx = IDXProblem.wrongMagic(found: 1, expected: IDX.imagesMagic).advice!
        XCTAssertTrue(idx.contains("scripts/get-mnist.sh"))
        let folder = try makeTempDir(self)
        let url = folder.appendingPathComponent("f")
        try Data([0, 0, 8, 1, 0, 0, 0, 1, 5]).write(to: url)
        let text = description { _ = try IDX.readImages(url) }
        XCTAssertTrue(text.hasSuffix("; " + idx), text)

        XCTAssertEqual(NPZProblem.corrupt("x").advice, FileAdvice.intactCopy)
        XCTAssertNotNil(NPZProblem.notAnArray("x").advice)
        // Texts that already say what to do, or say it is empty: no advice after them.
        XCTAssertNil(SafetensorsProblem.headerTooLong(claimed: 9, available: 1).advice)
        XCTAssertNil(SafetensorsProblem.tooShort(bytes: 0).advice)
        XCTAssertNil(GzipProblem.compressedTwice.advice)
        XCTAssertNil(IDXProblem.noFolder.advice)
    }
}
