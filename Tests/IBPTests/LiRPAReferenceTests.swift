import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Our IBP, CROWN-IBP and CROWN bounds of the logits and of the elided margins against auto_LiRPA 0.7.1's on the
/// shipped checkpoints for MNIST test images 0..9 (`../shared/lirpa`, where present): within 1e-4 relative to the
/// value's magnitude (absolute 1e-4 below 1).
final class LiRPAReferenceTests: XCTestCase {
    static let methods: [(String, BoundMethodName)] = [("IBP", .ibp), ("CROWN-IBP", .crownIBP), ("CROWN", .crown)]
    static let runs: [(String, Float)] = [("small-ibp-eps0.4", 0.1), ("small-ibp-eps0.4", 0.3), ("small-nominal", 0.1),
                                          ("vissmall-ibp-eps0.1", 0.1)]

    func testBoundsMatchAutoLiRPA() throws {
        let file = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/lirpa/auto_lirpa_first10.npz")
        guard FileManager.default.fileExists(atPath: file.path) else { throw XCTSkip("../shared/lirpa is not here") }
        let reference = try NPZ.read(file, skipping: ["meta"])
        let x = Tensor(shape: reference["x"]!.shape, data: reference["x"]!.values)
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test,
                                     limit: 10)
        let (images, labels) = data.batch(0..<10)
        XCTAssertEqual(images.data, x.data, "the reference's inputs are the first ten test images")
        for (checkpoint, eps) in LiRPAReferenceTests.runs {
            let url = packageRoot.appendingPathComponent("sample_data/checkpoints/\(checkpoint).ckpt")
            let network = try Checkpoint.load(url).makeNetwork()
            for (name, method) in LiRPAReferenceTests.methods {
                let bounds = try network.bounds(x, epsilon: eps, labels: labels, method: method)
                let prefix = "\(checkpoint)/eps\(eps)/\(name)"
                let logits = bounds.stages.last!
                check(logits.lower, reference["\(prefix)/logits/lower"]!, "\(prefix) logits lower")
                check(logits.upper, reference["\(prefix)/logits/upper"]!, "\(prefix) logits upper")
                check(bounds.specification!.lower, reference["\(prefix)/margins/lower"]!, "\(prefix) margins lower")
                check(bounds.specification!.upper, reference["\(prefix)/margins/upper"]!, "\(prefix) margins upper")
            }
        }
    }

    private func check(_ ours: Tensor, _ theirs: NDArray, _ what: String, file: StaticString = #filePath,
                       line: UInt = #line) {
        XCTAssertEqual(ours.count, theirs.values.count, what)
        var worst: Float = 0, at = 0
        for (i, (a, b)) in zip(ours.data, theirs.values).enumerated() {
            let error = abs(a - b) / max(1, abs(b))
            if !(error <= worst) { worst = error; at = i }
        }
        XCTAssertLessThanOrEqual(worst, 1e-4, "\(what): worst relative difference \(worst) at \(at): ours "
                                 + "\(ours.data[at]), auto_LiRPA \(theirs.values[at])", file: file, line: line)
    }
}
