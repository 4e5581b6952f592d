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
        // Texts that already say what to do: no advice after them.
        XCTAssertNil(SafetensorsProblem.headerTooLong(claimed: 9, available: 1).advice)
        XCTAssertNil(GzipProblem.compressedTwice.advice)
        XCTAssertNil(IDXProblem.noFolder.advice)
    }

    /// An `.npz` of one array `a` whose `.npy` bytes `damage` changes (keeping their length), with the CRC-32s
    /// recomputed: the zip is intact, the array is not.
    private func archive(damaging damage: (inout Data) -> Void) throws -> Data {
        var zip = try NPZ.encode(["a": NDArray(shape: [2], values: [1, 2])])
        let start = 30 + "a.npy".utf8.count, count = NPY.encode(NDArray(shape: [2], values: [1, 2])).count
        var body = zip.subdata(in: start..<(start + count))
        damage(&body)
        zip.replaceSubrange(start..<(start + count), with: body)
        let central = try XCTUnwrap(zip.range(of: Data([0x50, 0x4b, 0x01, 0x02]))).lowerBound
        for at in [14, central + 16] {
            withUnsafeBytes(of: Gzip.crc32(body).littleEndian) { zip.replaceSubrange(at..<(at + 4), with: $0) }
        }
        return zip
    }

    /// Trial 31: a damaged `.npy` member of an `.npz` (a malformed header, a bad magic, a flipped byte) and an empty
    /// file (an MNIST file, a property, an archive, a checkpoint, an array) were one line without what to do.
    func testDamagedArraysAndEmptyFilesSayWhatToDo() throws {
        func assertMember(_ text: String, _ advice: String, line: UInt = #line) {
            XCTAssertTrue(text.hasPrefix("f[a.npy]: "), text, line: line)
            XCTAssertTrue(text.hasSuffix("; " + advice), text, line: line)
        }
        XCTAssertNoThrow(try NPZ.parse(try archive { _ in }, path: "f"))
        let header = try archive { $0[10] = UInt8(ascii: "X") }
        assertMember(description { _ = try NPZ.parse(header, path: "f") }, FileAdvice.intactCopy)
        XCTAssertTrue(description { _ = try NPZ.parse(header, path: "f") }.contains("malformed .npy header"))
        assertMember(description { _ = try NPZ.parse(try archive { $0[1] = UInt8(ascii: "x") }, path: "f") },
                     FileAdvice.intactCopy)
        assertMember(description { _ = try NPZ.parse(try archive { $0[8] ^= 0x40 }, path: "f") }, FileAdvice.intactCopy)
        let half = try archive { bytes in
            let at = bytes.range(of: Data("<f4".utf8))!.lowerBound
            bytes.replaceSubrange(at..<(at + 3), with: Data("<f2".utf8))
        }
        assertMember(description { _ = try NPZ.parse(half, path: "f") }, "save the array as float32 (numpy: a.astype('<f4'))")
        assertAdvice(description { _ = try NPY.parse(Data("hello world".utf8), path: "f") }, FileAdvice.intactCopy)

        let folder = try makeTempDir(self)
        let empty = folder.appendingPathComponent("f")
        try Data().write(to: empty)
        let mnist = description { _ = try IDX.readImages(empty) }
        XCTAssertTrue(mnist.hasPrefix(empty.path + ": the file is empty (0 bytes); "), mnist)
        XCTAssertTrue(mnist.hasSuffix("get MNIST again with scripts/get-mnist.sh DIR (run in the repository)"), mnist)
        let gz = folder.appendingPathComponent("g.gz")
        try Gzip.compress(Data()).write(to: gz)
        XCTAssertTrue(description { _ = try IDX.readLabels(gz) }.hasSuffix("get MNIST again with scripts/get-mnist.sh DIR (run in the repository)"))
        XCTAssertTrue(description { _ = try Gzip.readPlainOrCompressed(empty, maxBytes: 10) }
            .hasSuffix("the file is empty (0 bytes); " + FileAdvice.emptyFile))
        assertAdvice(description { _ = try NPZ.parse(Data(), path: "f") }, FileAdvice.emptyFile)
        assertAdvice(description { _ = try VNNLIB.parse(Data(), path: "f") }, FileAdvice.emptyFile)
        assertAdvice(description { _ = try NPY.parse(Data(), path: "f") }, FileAdvice.intactCopy)
        assertAdvice(description { _ = try Safetensors.parse(Data(), path: "f") }, SafetensorsProblem.malformedHeader("x").advice!)
    }
}
