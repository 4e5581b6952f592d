import Foundation
import XCTest
@testable import IBP

/// Postcondition of every linear relaxation: a_l z + b_l <= f(z) <= a_u z + b_u on [l, u], checked in Double on a
/// dense grid and at the ends, for intervals left of, right of and across 0, tiny, equal ends and saturated ends.
final class RelaxationTests: XCTestCase {
    static func exact(_ kind: MonotoneKind, _ z: Double) -> Double {
        switch kind {
        case .relu: return max(z, 0)
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return tanh(z)
        }
    }

    func testLinesEncloseTheFunction() {
        var intervals: [(Float, Float)] = [(-1, 1), (-3, 0.5), (-0.5, 3), (0.2, 4), (-4, -0.2), (0, 0), (1, 1),
                                           (-2, -2), (-1e-6, 1e-6), (-0.01, 0.02), (-50, 50), (-1000, 3), (-3, 1000),
                                           (30, 60), (-60, -30), (-600, 600), (0, 5), (-5, 0), (1e-30, 2e-30)]
        var rng = RandomSource(seed: 1)
        for _ in 0..<300 {
            let a = (rng.uniform() * 2 - 1) * 12, b = (rng.uniform() * 2 - 1) * 12
            intervals.append((min(a, b), max(a, b)))
        }
        for kind in MonotoneKind.allCases {
            for (l, u) in intervals {
                let r = kind.relaxation(lower: l, upper: u)
                for step in 0...400 {
                    let z = step == 400 ? Double(u) : Double(l) + (Double(u) - Double(l)) * Double(step) / 400
                    let f = RelaxationTests.exact(kind, z)
                    let lower = Double(r.lowerSlope) * z + Double(r.lowerIntercept)
                    let upper = Double(r.upperSlope) * z + Double(r.upperIntercept)
                    XCTAssertLessThanOrEqual(lower, f, "\(kind) [\(l), \(u)] lower line above f at \(z)")
                    XCTAssertGreaterThanOrEqual(upper, f, "\(kind) [\(l), \(u)] upper line below f at \(z)")
                    if lower > f || upper < f { return }
                }
            }
        }
    }

    /// ReLU's lines are CROWN's: exact when stable; chord above and the adaptive slope below when unstable.
    func testReLULinesAreCROWNs() {
        XCTAssertEqual(MonotoneKind.relu.relaxation(lower: 1, upper: 2),
                       LinearRelaxation(lowerSlope: 1, lowerIntercept: 0, upperSlope: 1, upperIntercept: 0))
        XCTAssertEqual(MonotoneKind.relu.relaxation(lower: -2, upper: -1),
                       LinearRelaxation(lowerSlope: 0, lowerIntercept: 0, upperSlope: 0, upperIntercept: 0))
        let wide = MonotoneKind.relu.relaxation(lower: -1, upper: 3)
        XCTAssertEqual(wide.lowerSlope, 1)
        XCTAssertEqual(wide.upperSlope, 0.75)
        XCTAssertEqual(wide.upperIntercept, 0.75, accuracy: 1e-6)
        XCTAssertEqual(MonotoneKind.relu.relaxation(lower: -3, upper: 1).lowerSlope, 0)
    }

    /// Non-finite ends give constant lines, never NaN.
    func testNonFiniteEndsGiveConstantLines() {
        for kind in MonotoneKind.allCases {
            let r = kind.relaxation(lower: -.infinity, upper: 2)
            XCTAssertFalse(r.lowerSlope.isNaN || r.upperSlope.isNaN || r.lowerIntercept.isNaN || r.upperIntercept.isNaN)
            XCTAssertEqual(r.upperIntercept, kind.value(2))
        }
    }

    /// Huge finite ends (an exploding stage) beyond the sigmoid/tanh tangent table: lines that enclose f at the ends
    /// and at 0 (this trapped converting the grid position to Int).
    func testHugeFiniteEndsGiveEnclosingLines() {
        for kind in MonotoneKind.allCases {
            for (l, u) in [(Float(-1e30), Float(1e30)), (-3, 1e30), (-1e30, 2), (-1e20, -1e19), (1e19, 1e20)] {
                let r = kind.relaxation(lower: l, upper: u)
                for z in [Double(l), Double(u), min(max(0, Double(l)), Double(u))] {
                    let f = Double(kind.value(Float(z)))
                    XCTAssert(Double(r.lowerSlope) * z + Double(r.lowerIntercept) <= f + 1e-6 * max(1, abs(f)),
                              "\(kind) on [\(l), \(u)] at \(z): lower line above f")
                    XCTAssert(Double(r.upperSlope) * z + Double(r.upperIntercept) >= f - 1e-6 * max(1, abs(f)),
                              "\(kind) on [\(l), \(u)] at \(z): upper line below f")
                }
            }
        }
    }
}
