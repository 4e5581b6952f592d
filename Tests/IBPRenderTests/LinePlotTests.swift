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
        // 0.45 / 0.05 is 8.999999999999998 in floating point: the end tick is still there.
        XCTAssertEqual(AxisTicks(lo: 0, hi: 0.45, target: 9).values.last!, 0.45, accuracy: 1e-12)
        XCTAssertEqual(AxisTicks(lo: 0, hi: Double(Float(0.45)), target: 9).values.last!, 0.45, accuracy: 1e-12)
        XCTAssertEqual(LogTicks(lo: 1e-3, hi: 20).exponents, [-3, -2, -1, 0, 1])
        XCTAssertEqual(LogTicks.decadeRange(lo: 0.02, hi: 30), 0.01...100)
    }

    /// Ranges that are not finite, reversed or vast give no ticks or a bounded number, never a long loop.
    func testTicksAreTotal() {
        XCTAssertEqual(AxisTicks(lo: -.infinity, hi: 1, target: 5).values, [])
        XCTAssertEqual(AxisTicks(lo: .nan, hi: 1, target: 5).values, [])
        XCTAssertEqual(AxisTicks(lo: 2, hi: 1, target: 5).values, [])
        XCTAssertLessThanOrEqual(AxisTicks(lo: -1e308, hi: 1e308, target: 5).values.count, 200)
        XCTAssertEqual(AxisTicks.niceRange(lo: .nan, hi: 1, target: 5), 0...1)
        XCTAssertEqual(LogTicks(lo: 0, hi: 1).exponents, [])
        XCTAssertEqual(LogTicks(lo: 1e-300, hi: 1e300).exponents.count, 201)
    }

    func testRendersSeriesInsidePlotArea() throws {
        let fonts = try testFonts()
        let plot = LinePlot(title: "accuracy", xLabel: "step", yLabel: "acc",
                            series: [.init(name: "train", x: [0, 100, 200], y: [0.1, 0.6, 0.9], color: .red, marker: .dot),
                                     .init(name: "test", x: [0, 100, 200], y: [0.1, 0.5, .nan], color: .blue)],
                            yRange: 0...1)
        let picture = plot.picture(width: 400, height: 300, fonts: fonts)
        XCTAssertEqual(picture.width, 400)
        XCTAssertEqual(picture.height, 300)
        XCTAssertEqual(Set(picture.texts.map(\.text)).isSuperset(of: ["accuracy", "step", "acc", "train", "test", "0.0", "1.0"]), true)
        let c = try FigureFile.raster(picture, fonts: fonts)
        XCTAssertEqual(c.width, 400)
        XCTAssertEqual(c.height, 300)
        // Anti-aliased 2-pixel lines: many pixels of exactly the series colour, and blends around them.
        XCTAssertGreaterThan(c.count(.red), 150)
        XCTAssertGreaterThan(c.count(.blue), 80)
        // The centre of the plot area is crossed by the training curve's middle segment.
        let inked = (100..<300).contains { x in (60..<240).contains { y in c.pixel(x: x, y: y) != .white } }
        XCTAssertTrue(inked)
    }

    /// Every label stays inside the picture, also the last x tick label centred on the plot's right edge.
    func testTextStaysInsideThePicture() throws {
        let fonts = try testFonts()
        let steps = Array(stride(from: 0.0, through: 10_000, by: 100))
        for legend in [LinePlot.LegendPlacement.auto, .right] {
            let plot = LinePlot(title: "vissmall ibp eps_train=0.1", xLabel: "step", yLabel: "loss",
                                series: [.init(name: "total loss", x: steps, y: steps.map { 2 / (1 + $0 / 100) })],
                                legend: legend)
            let picture = plot.picture(width: 900, height: 360, fonts: fonts)
            XCTAssertEqual(picture.textOutside(fonts: fonts), [], "legend \(legend)")
            XCTAssertTrue(picture.texts.contains { $0.text == "10000" })
        }
    }

    func testLogAxisSkipsZerosAndDrawsBands() throws {
        let fonts = try testFonts()
        var plot = LinePlot(title: "", xLabel: "stage", yLabel: "width", legend: .right)
        plot.yScale = .log10
        plot.xTickLabels = [(0, "x"), (1, "a1"), (2, "y")]
        plot.series = [.init(name: "w", x: [0, 1, 2], y: [0, 0.1, 30], color: .blue, marker: .dot)]
        plot.bands = [.init(x: [0, 1, 2], lower: [0, 0.05, 10], upper: [0, 0.2, 90], color: .blue)]
        let picture = plot.picture(width: 500, height: 300, fonts: fonts)
        let labels = picture.texts.map(\.text)
        XCTAssertTrue(labels.contains("10⁻²") && labels.contains("10²") && labels.contains("a1"), "\(labels)")
        _ = try FigureFile.raster(picture, fonts: fonts)
    }

    func testDegenerateInputsDoNotCrash() throws {
        let fonts = try testFonts()
        let plots = [
            LinePlot(title: "", xLabel: "", yLabel: ""),
            LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "one", points: [(x: 3, y: 3)])]),
            LinePlot(title: "t", xLabel: "x", yLabel: "y",
                     series: [.init(name: "wild", x: [0, 1, 2, .nan, 4], y: [.infinity, 1e300, -1e300, 1, .nan])]),
            LinePlot(title: "t", xLabel: "x", yLabel: "y", yRange: 1...1),
            LinePlot(title: "t", xLabel: "x", yLabel: "y",
                     series: [.init(name: "huge", x: [-Double.greatestFiniteMagnitude, .greatestFiniteMagnitude], y: [0, 1])]),
        ]
        for (plot, size) in zip(plots, [(200.0, 100.0), (200, 100), (10, 10), (300, 200), (300, 200)]) {
            _ = try FigureFile.raster(plot.picture(width: size.0, height: size.1, fonts: fonts), fonts: fonts)
        }
        var log = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                           series: [.init(name: "bad", x: [0, 1, 2], y: [-1, 0, .nan])])
        log.yScale = .log10
        _ = try FigureFile.raster(log.picture(width: 300, height: 200, fonts: fonts), fonts: fonts)
    }
}
