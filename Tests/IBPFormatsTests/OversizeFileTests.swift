import Foundation
import XCTest
@testable import IBPFormats

/// Every whole-file reader checks a file's size before reading it: a sparse file of many GiB (no disk used) is
/// refused at once by its size, naming the file, instead of being read into memory first (the IDX, NPY, NPZ and
/// safetensors readers used to read the whole plain file and check afterwards).
final class OversizeFileTests: XCTestCase {
    /// A sparse file of `bytes` bytes (a hole: nothing is written).
    private func sparse(_ dir: URL, _ name: String, bytes: UInt64) throws -> URL {
        let url = dir.appendingPathComponent(name)
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: bytes)
        try handle.close()
        return url
    }

    func testHugeFilesAreRefusedByTheirSize() throws {
        let dir = try makeTempDir(self)
        let huge: UInt64 = 5 << 30
        let started = Date()
        let npy = try sparse(dir, "w.npy", bytes: huge)
        let e1 = assertThrows(GzipError.self, ["w.npy", "the file is 5368709120 bytes, more than the 4294967296 accepted"]) {
            try NPY.read(npy)
        }
        XCTAssertEqual(e1?.problem, .fileTooLarge(bytes: Int(huge), limit: Gzip.defaultMaxFileBytes))
        let npz = try sparse(dir, "c.npz", bytes: huge)
        _ = assertThrows(GzipError.self, ["c.npz", "more than the 4294967296 accepted"]) { try NPZ.read(npz) }
        let st = try sparse(dir, "m.safetensors", bytes: huge)
        _ = assertThrows(GzipError.self, ["m.safetensors", "more than the 4294967296 accepted"]) { try Safetensors.read(st) }
        // The readers' own limits: a small one refuses a small file the same way.
        let small = try sparse(dir, "s.npy", bytes: 4096)
        _ = assertThrows(GzipError.self, ["s.npy", "the file is 4096 bytes, more than the 100 accepted"]) {
            try NPY.read(small, maxBytes: 100)
        }
        // IDX: one limit for the file and what it inflates to (1 GiB by default).
        let idx = try sparse(dir, "t10k-images-idx3-ubyte", bytes: UInt64(IDX.defaultMaxBytes) * 2)
        _ = assertThrows(GzipError.self, ["t10k-images-idx3-ubyte",
                                          "the file is 2147483648 bytes, more than the 1073741824 accepted"]) {
            try IDX.readImages(idx)
        }
        _ = assertThrows(GzipError.self, ["t10k-images-idx3-ubyte", "more than the"]) {
            try IDX.readLabels(idx)
        }
        // Refused by size, not read: well under a second for 17 GiB of holes.
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    /// A gzip file whose contents are exactly the limit is read; one byte less of limit refuses it while inflating.
    func testCompressedFileAtTheLimitIsRead() throws {
        let dir = try makeTempDir(self)
        var header = [UInt8](repeating: 0, count: 16)
        for (i, v) in [UInt32(2051), 1, 28, 28].enumerated() {
            for b in 0..<4 { header[i * 4 + b] = UInt8((v >> (24 - 8 * UInt32(b))) & 0xff) }
        }
        let pixels = [UInt8](repeating: 7, count: 784)
        let plain = Data(header + pixels)
        let url = dir.appendingPathComponent("one.gz")
        try (try Gzip.compress(plain)).write(to: url)
        let images = try IDX.readImages(url, maxBytes: plain.count)
        XCTAssertEqual(images.count, 1)
        _ = assertThrows(GzipError.self, ["one.gz"]) { try IDX.readImages(url, maxBytes: plain.count - 1) }
    }
}
