import IBPRender
import XCTest

final class LinePlotTests: XCTestCase {
    func testTicksAreRound() {
        let t = AxisTicks(lo: 0, hi: 1, target: 5)
        XCTAssertEqual(t.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(t.values.count, 6)
        XCTAssertEqual(t.label(t.values[1]), "0.2")
        XCTAssertEqual(AxisTicks(lo: 0, hi: 1000, target: 4).values, [0, 200, 400, 600, 800, 1000])
        XCTAssertEqual(AxisTicks(lo: -0.3, hi: 0.3, target: 6).label(0), "0.0")
        XCTAssertEqual(AxisTicks.niceRange(lo: 0.13, hi: 2.71, target: 5), 0.0...3.0)
    }

    func testRendersSeriesInsidePlotArea() {
        let plot = LinePlot(title: "accuracy", xLabel: "step", yLabel: "acc",
                            series: [.init(name: "train", x: [0, 100, 200], y: [0.1, 0.6, 0.9], color: .red, marker: .dot),
                                     .init(name: "test", x: [0, 100, 200], y: [0.1, 0.5, .nan], color: .blue)],
                            yRange: 0...1)
        let c = plot.render(width: 400, height: 300)
        XCTAssertEqual(c.width, 400)
        XCTAssertEqual(c.height, 300)
        var red = 0, blue = 0
        for y in 0..<c.height {
            for x in 0..<c.width {
                let p = c.pixel(x: x, y: y)
                if p == .red { red += 1 }
                if p == .blue { blue += 1 }
            }
        }
        XCTAssertGreaterThan(red, 200)
        XCTAssertGreaterThan(blue, 100)
        // The centre of the plot area is crossed by the training curve's middle segment.
        let inked = (100..<300).contains { x in (60..<240).contains { y in c.pixel(x: x, y: y) != .white } }
        XCTAssertTrue(inked)
    }

    func testDegenerateInputsDoNotCrash() {
        _ = LinePlot(title: "", xLabel: "", yLabel: "").render(width: 200, height: 100)
        _ = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                     series: [.init(name: "one", points: [(x: 3, y: 3)])]).render(width: 200, height: 100)
        _ = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                     series: [.init(name: "wild", x: [0, 1, 2], y: [.infinity, 1e300, -1e300])]).render(width: 10, height: 10)
        _ = LinePlot(title: "t", xLabel: "x", yLabel: "y", yRange: 1...1).render(width: 300, height: 200)
    }
}
