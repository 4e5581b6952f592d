import Foundation
import XCTest
@testable import IBPFormats

/// Small files built to exhaust the readers (found by reading the parsers while fuzzing them): each must be
/// rejected quickly with a one-line error, not crash or inflate/recurse without bound.
final class HostileInputTests: XCTestCase {
    /// A version 2.0 `.npy` whose shape is a million nested tuples: parsed by recursion, it overflowed the stack.
    func testDeeplyNestedNPYShapeIsRejected() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 1_000_000)
        var bytes = Data([0x93]) + Data("NUMPY".utf8) + Data([2, 0])
        withUnsafeBytes(of: UInt32(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Data(header.utf8))
        assertThrows(NPYError.self, ["deep.npy", "nested too deep"]) { try NPY.parse(bytes, path: "deep.npy") }
    }

    /// A gzip IDX file whose header declares 10 images followed by 256 MiB of zeros (256 gzip members,
    /// about 256 KB on disk): it used to be inflated whole before the size check.
    func testGzipBombStopsAtTheDeclaredSize() throws {
        var images = Data()
        IDX.appendBigEndian32(&images, IDX.imagesMagic)
        for v: UInt32 in [10, 28, 28] { IDX.appendBigEndian32(&images, v) }
        images.append(Data(count: 10 * 784))
        var bomb = try Gzip.compress(images)
        let member = try Gzip.compress(Data(count: 1 << 20))
        for _ in 0..<256 { bomb.append(member) }
        let url = try makeTempDir(self).appendingPathComponent("bomb-idx3-ubyte.gz")
        try bomb.write(to: url)
        let started = Date()
        assertThrows(IDXError.self, [url.path, "trailing garbage after the 7856 bytes"]) { try IDX.readImages(url) }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }
}
