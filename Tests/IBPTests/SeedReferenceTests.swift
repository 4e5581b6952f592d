import Foundation
import XCTest
@testable import IBP

/// The seed's own arithmetic, written out independently in Double: Chainer's convolution (weights (out, in, kh, kw),
/// VALID, cross-correlation), sigmoid, linear (out, in), and interval bounds in lower/upper form
/// (l' = b + sum_{w>0} w l + sum_{w<0} w u). Our float32 propagation of the seed's checkpoints must match it.
final class SeedReferenceTests: XCTestCase {
    private struct Interval { var lower: [Double]; var upper: [Double]; var normal: [Double] }

    private func conv(_ v: Interval, c: Int, h: Int, w: [Float], b: [Float], out: Int, k: Int, stride: Int) -> Interval {
        let oh = (h - k) / stride + 1
        var r = Interval(lower: [], upper: [], normal: [])
        for o in 0..<out {
            for y in 0..<oh {
                for x in 0..<oh {
                    var lo = Double(b[o]), hi = lo, n = lo
                    for ci in 0..<c {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let weight = Double(w[((o * c + ci) * k + ky) * k + kx])
                                let i = (ci * h + y * stride + ky) * h + x * stride + kx
                                lo += weight * (weight > 0 ? v.lower[i] : v.upper[i])
                                hi += weight * (weight > 0 ? v.upper[i] : v.lower[i])
                                n += weight * v.normal[i]
                            }
                        }
                    }
                    r.lower.append(lo); r.upper.append(hi); r.normal.append(n)
                }
            }
        }
        return r
    }

    private func linear(_ v: Interval, w: [Float], b: [Float], out: Int) -> Interval {
        let d = v.normal.count
        var r = Interval(lower: [], upper: [], normal: [])
        for o in 0..<out {
            var lo = Double(b[o]), hi = lo, n = lo
            for i in 0..<d {
                let weight = Double(w[o * d + i])
                lo += weight * (weight > 0 ? v.lower[i] : v.upper[i])
                hi += weight * (weight > 0 ? v.upper[i] : v.lower[i])
                n += weight * v.normal[i]
            }
            r.lower.append(lo); r.upper.append(hi); r.normal.append(n)
        }
        return r
    }

    private func sigmoid(_ v: Interval) -> Interval {
        let s = { (z: Double) in 1 / (1 + exp(-z)) }
        return Interval(lower: v.lower.map(s), upper: v.upper.map(s), normal: v.normal.map(s))
    }

    func testSeedCheckpointBoundsMatchIndependentArithmetic() throws {
        let seed = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/seed")
        guard FileManager.default.fileExists(atPath: seed.path) else { throw XCTSkip("../shared/seed is not here") }
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test,
                                     limit: 1)
        let x = data.batch(0..<1).x
        let eps = 0.1
        for file in ["vissmall_baseline_10000.npz", "vissmall_eps01_10000.npz"] {
            let ckpt = try Checkpoint.load(seed.appendingPathComponent(file))
            let p = Dictionary(uniqueKeysWithValues: ckpt.parameters.map { ($0.name, $0.array.values) })
            let input = Interval(lower: x.data.map { max(Double($0) - eps, 0) }, upper: x.data.map { min(Double($0) + eps, 1) },
                                 normal: x.data.map(Double.init))
            let l1 = conv(input, c: 1, h: 28, w: p["l1/W"]!, b: p["l1/b"]!, out: 6, k: 5, stride: 2)
            let a1 = sigmoid(l1)
            let l2 = conv(a1, c: 6, h: 12, w: p["l2/W"]!, b: p["l2/b"]!, out: 3, k: 5, stride: 1)
            let a2 = sigmoid(l2)
            let l3 = linear(a2, w: p["l3/W"]!, b: p["l3/b"]!, out: 20)
            let a3 = sigmoid(l3)
            let y = linear(a3, w: p["lo/W"]!, b: p["lo/b"]!, out: 10)
            let reference = ["x": input, "l1": l1, "a1": a1, "l2": l2, "a2": a2, "l3": l3, "a3": a3, "y": y]

            let ours = ckpt.makeNetwork().stageBounds(x, epsilon: Float(eps))
            XCTAssertEqual(ours.map(\.name), ["x", "l1", "a1", "l2", "a2", "l3", "a3", "y"])
            for stage in ours {
                let ref = reference[stage.name]!
                for i in stage.normal.indices {
                    let tol = 2e-4 * (1 + abs(ref.upper[i]) + abs(ref.lower[i]))
                    XCTAssertEqual(Double(stage.lower[i]), ref.lower[i], accuracy: tol, "\(file) \(stage.name).lower[\(i)]")
                    XCTAssertEqual(Double(stage.upper[i]), ref.upper[i], accuracy: tol, "\(file) \(stage.name).upper[\(i)]")
                    XCTAssertEqual(Double(stage.normal[i]), ref.normal[i], accuracy: tol, "\(file) \(stage.name).normal[\(i)]")
                }
            }
            // The seed's README: the IBP model keeps predicting 7 on the whole box; the baseline can be flipped.
            let yStage = ours.last!
            let isIBP = file.contains("eps01")
            XCTAssertEqual(Verification.predictedClass(yStage.normal[...]), 7)
            if isIBP {
                let margins = ckpt.makeNetwork().logitsAndMargins(x, labels: [7], epsilon: Float(eps)).margins
                XCTAssertTrue(Verification.verified(margins: margins, labels: [7])[0])
            }
        }
    }
}
