import XCTest
@testable import IBP

/// `Network.margins` runs large batches in chunks (to reuse heap blocks instead of faulting in fresh pages); the
/// margins must be the same bits as one pass over the whole batch, for even and uneven chunks.
final class ChunkedMarginsTests: XCTestCase {
    func testChunkedMarginsEqualOnePass() {
        var rand = TestRandom(61)
        let net = rand.network("small")
        for n in [499, 500, 517, 1000] {
            let x = rand.tensor([n, 1, 28, 28], in: 0...1)
            let labels = (0..<n).map { $0 % 10 }
            let chunked = net.margins(x, labels: labels, epsilon: 0.1)
            let whole = net.unchunkedMargins(x, labels: labels, epsilon: 0.1)
            XCTAssertEqual(chunked.shape, [n, 10])
            XCTAssertEqual(chunked.data.map(\.bitPattern), whole.data.map(\.bitPattern), "batch \(n)")
        }
    }
}
