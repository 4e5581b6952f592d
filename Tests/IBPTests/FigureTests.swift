import Foundation
import IBPFormats
import IBPRender
import XCTest
@testable import IBP

final class FigureTests: XCTestCase {
    private var dir: URL!
    private let sampleData = packageRoot.appendingPathComponent("sample_data/mnist")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Two random vissmall checkpoints written to the temp folder, and a renderer on the shipped samples.
    private func renderer(seed: UInt64 = 1) throws -> FigureRenderer {
        var rand = TestRandom(seed)
        for name in ["base", "ibp"] {
            try Checkpoint(network: rand.network("vissmall")).save(to: dir.appendingPathComponent("\(name).ckpt"))
        }
        return try FigureRenderer(baseline: try FigureModel(path: dir.appendingPathComponent("base.ckpt").path),
                              ibp: try FigureModel(path: dir.appendingPathComponent("ibp.ckpt").path),
                              data: try Dataset.mnist(directory: sampleData, split: .test), dataDescription: "samples")
    }

    func testFigureHasTwoPanelsAndProvenanceAndIsReproducible() throws {
        let r = try renderer()
        var options = FigureOptions()
        options.scale = 3
        let a = dir.appendingPathComponent("a.png"), b = dir.appendingPathComponent("b.png")
        try r.write(sample: 0, epsilon: 0.1, options: options, to: a)
        try r.write(sample: 0, epsilon: 0.1, options: options, to: b)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b), "two renders differ")
        let (canvas, text) = try PNGFile.read(a)
        XCTAssertEqual(text["Sample"], "0")
        XCTAssertEqual(text["Epsilon"], "0.1000")
        XCTAssertEqual(text["Baseline-SHA256"]?.count, 64)
        XCTAssertEqual(text["IBP-SHA256"], r.ibp.sha256)
        // The grey divider between the panels runs down the middle of the figure.
        let (left, right) = try r.panels(sample: 0, epsilon: 0.1, options: options)
        let figure = ComparisonFigure(scale: 3, maxChannels: 8).render(left: left, right: right)
        XCTAssertEqual(canvas, figure)
        let dividerX = (canvas.width - 4) / 2
        XCTAssertEqual(canvas.pixel(x: dividerX + 1, y: canvas.height / 2), .grey)
        XCTAssertGreaterThan(canvas.height, 500)
    }

    /// A stage whose bounds are only loose above is red in the range row; tight bounds are white.
    func testRangeTileColours() {
        let stage = StageBounds(name: "a1", kind: .sigmoid, shape: [1, 1, 2], normal: [0.5, 0.5], lower: [0.5, 0.5],
                                upper: [1.0, 0.5])
        let panel = FigurePanel(title: "t", model: "m", epsilon: 0.1, label: 7, cleanPrediction: 7,
                                perturbedPrediction: 7, perturbation: .none, verified: true,
                                stages: [stage], perturbed: [[0.5, 0.5]])
        var canvas = Canvas(width: 10, height: 10)
        canvas.drawBoundRangeTile(normal: stage.normal, lower: stage.lower, upper: stage.upper, columns: 2, rows: 1,
                                  x: 0, y: 0, cell: 4, scale: 1)
        XCTAssertEqual(canvas.pixel(x: 1, y: 1), RGB(255, 128, 128))
        XCTAssertEqual(canvas.pixel(x: 5, y: 1), .white)
        XCTAssertEqual(ComparisonFigure.greyRange(stage, perturbed: panel.perturbed[0]).hi, 1)
    }

    /// The dump holds exactly what the library's propagation gives, and every perturbed value lies in its bounds.
    func testDumpEqualsPropagation() throws {
        let r = try renderer(seed: 2)
        let dump = dir.appendingPathComponent("b.json")
        try r.write(sample: 3, epsilon: 0.2, options: FigureOptions(), to: dir.appendingPathComponent("f.png"),
                    dumpBounds: dump)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dump)) as! [String: Any]
        let x = r.data.batch(3..<4).x
        for (key, model) in [("baseline", r.baseline), ("ibp", r.ibp)] {
            let stages = (json[key] as! [String: Any])["stages"] as! [[String: Any]]
            let expected = model.network.stageBounds(x, epsilon: 0.2)
            XCTAssertEqual(stages.map { $0["name"] as! String }, ["x", "l1", "a1", "l2", "a2", "l3", "a3", "y"])
            XCTAssertEqual(stages[2]["shape"] as! [Int], [6, 12, 12])
            for (s, e) in zip(stages, expected) {
                XCTAssertEqual((s["lower"] as! [Double]).map { Float($0) }, e.lower, "\(key) \(e.name)")
                XCTAssertEqual((s["upper"] as! [Double]).map { Float($0) }, e.upper, "\(key) \(e.name)")
                XCTAssertEqual((s["normal"] as! [Double]).map { Float($0) }, e.normal, "\(key) \(e.name)")
                let p = (s["perturbed"] as! [Double]).map { Float($0) }
                for i in p.indices { XCTAssert(p[i] >= e.lower[i] - 1e-4 && p[i] <= e.upper[i] + 1e-4) }
            }
        }
    }

    func testBadSampleAndEpsilonAreErrors() throws {
        let r = try renderer()
        XCTAssertThrowsError(try r.panels(sample: 100, epsilon: 0.1, options: FigureOptions())) {
            XCTAssert("\($0)".contains("out of range"), "\($0)")
        }
        XCTAssertThrowsError(try r.panels(sample: 0, epsilon: .nan, options: FigureOptions()))
        XCTAssertEqual(try FigureBatch.parseSamples("0-3,9,2"), [0, 1, 2, 3, 9])
        XCTAssertThrowsError(try FigureBatch.parseSamples("3-1"))
        XCTAssertThrowsError(try FigureBatch.parseEpsilons("0.1,-2"))
    }

    func testBatchAndManifestWriteEveryFigure() throws {
        let r = try renderer()
        let jobs = [0, 1].flatMap { s in [Float(0.05), 0.1].map {
            FigureJob(sample: s, epsilon: $0, output: dir.appendingPathComponent(FigureBatch.fileName(sample: s, epsilon: $0)))
        } }
        var options = FigureOptions()
        options.perturbation = .random
        try FigureBatch.run(jobs, renderer: r, options: options, workers: 2)
        for job in jobs { XCTAssert(FileManager.default.fileExists(atPath: job.output.path), job.output.lastPathComponent) }
        XCTAssert(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sample0001-eps0.050.png").path))

        let manifestURL = dir.appendingPathComponent("figures.json")
        let out = dir.appendingPathComponent("m.png").path
        try Data("""
        {"figures": [{"output": "\(out)", "baseline": "\(r.baseline.path)", "ibp": "\(r.ibp.path)",
                      "sample": 1, "epsilon": 0.1, "perturbation": "none"}]}
        """.utf8).write(to: manifestURL)
        var outcomes: [FigureManifest.Outcome] = []
        for _ in 0..<2 {
            try FigureManifest.load(manifestURL).regenerate(data: r.data, dataDescription: "samples") { outcomes.append($2) }
        }
        XCTAssertEqual(outcomes, [.created, .unchanged])
        try Data(#"{"figures": [{"output": "x.png", "ibp": "a", "sample": 1, "epsilon": 0.1}]}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) { XCTAssert("\($0)".contains("baseline"), "\($0)") }
    }
}
