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

    /// Random checkpoints of `model` written to the temp folder, and a renderer on the shipped samples.
    private func renderer(seed: UInt64 = 1, model: String = "vissmall", count: Int = 2) throws -> FigureRenderer {
        var rand = TestRandom(seed)
        var models: [FigureModel] = []
        for i in 0..<count {
            let url = dir.appendingPathComponent("\(model)-\(seed)-\(i).ckpt")
            try Checkpoint(network: rand.network(model)).save(to: url)
            models.append(try FigureModel(path: url.path))
        }
        return try FigureRenderer(models: models, roles: count == 2 ? ["Baseline", "IBP"] : nil,
                                  data: try Dataset.mnist(directory: sampleData, split: .test), dataDescription: "samples")
    }

    func testFigureHasColumnsAndProvenanceAndIsReproducible() throws {
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
        XCTAssertEqual(text["Bounds"], "ibp")
        XCTAssertEqual(text["Cairo"], FigureFile.cairoVersion)
        XCTAssertEqual(text["Font"], r.fonts.description)
        // The stored pixels are the picture's, and its size is the one predicted from the outlines alone.
        let panels = try r.panels(sample: 0, epsilon: 0.1, options: options)
        let figure = ComparisonFigure(scale: 3, maxChannels: 8)
        let picture = figure.picture(panels: panels, fonts: r.fonts)
        XCTAssertEqual(canvas, try FigureFile.raster(picture, fonts: r.fonts))
        let predicted = r.compareSize(epsilon: 0.1, options: options)
        XCTAssertEqual(Double(canvas.width), predicted.width)
        XCTAssertEqual(Double(canvas.height), predicted.height)
        // The grey divider between the columns runs down the figure.
        let left = figure.columns(panels.map { $0.spec(title: $0.title) }, fonts: r.fonts)[0].width
        XCTAssertEqual(canvas.pixel(x: Int(left), y: canvas.height / 2), FigureStyle.dividerColor)
        XCTAssertGreaterThan(canvas.height, 500)
        // Body text is 12 px: every text run of the figure is at least 11 px per em, and inside the figure.
        XCTAssertGreaterThanOrEqual(picture.texts.map(\.size).min()!, 11)
        for run in picture.texts {
            let w = r.fonts.width(run.text, size: run.size, weight: run.weight)
            let left = run.anchor == .start ? run.x : run.anchor == .middle ? run.x - w / 2 : run.x - w
            XCTAssertTrue(left >= 0 && left + w <= picture.width && run.y <= picture.height, "\(run.text) leaves the figure")
        }
    }

    /// A stage whose bounds are only loose above is red in the range row; tight bounds are white.
    func testRangeTileColours() {
        let stage = StageBounds(name: "a1", kind: .sigmoid, shape: [1, 1, 2], normal: [0.5, 0.5], lower: [0.5, 0.5],
                                upper: [1.0, 0.5])
        let scale = GreyScale.of(stage, perturbed: [0.5, 0.5])
        XCTAssertEqual(scale, GreyScale(lo: 0, hi: 1, fixed: true))
        let colors = StageBlock.colors(.range, stage: stage, perturbed: [0.5, 0.5], range: 0..<2, scale: scale, pad: 1)
        XCTAssertEqual(colors, [RGB(255, 128, 128), .white, .white])
    }

    /// The dump holds exactly what the library's propagation gives, and every perturbed value lies in its bounds.
    func testDumpEqualsPropagation() throws {
        let r = try renderer(seed: 2)
        let dump = dir.appendingPathComponent("b.json")
        try r.write(sample: 3, epsilon: 0.2, options: FigureOptions(), to: dir.appendingPathComponent("f.png"),
                    dumpBounds: dump)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dump)) as! [String: Any]
        XCTAssertEqual(json["figure"] as? String, "compare")
        let x = r.data.batch(3..<4).x
        let panels = json["panels"] as! [[String: Any]]
        XCTAssertEqual(panels.count, 2)
        for (panel, model) in zip(panels, r.models) {
            XCTAssertEqual(panel["checkpoint"] as? String, model.name)
            let stages = panel["stages"] as! [[String: Any]]
            let expected = model.network!.stageBounds(x, epsilon: 0.2)
            XCTAssertEqual(stages.map { $0["name"] as! String }, ["x", "l1", "a1", "l2", "a2", "l3", "a3", "y"])
            XCTAssertEqual(stages[2]["shape"] as! [Int], [6, 12, 12])
            for (s, e) in zip(stages, expected) {
                XCTAssertEqual((s["lower"] as! [Double]).map { Float($0) }, e.lower, e.name)
                XCTAssertEqual((s["upper"] as! [Double]).map { Float($0) }, e.upper, e.name)
                XCTAssertEqual((s["normal"] as! [Double]).map { Float($0) }, e.normal, e.name)
                let p = (s["perturbed"] as! [Double]).map { Float($0) }
                for i in p.indices { XCTAssert(p[i] >= e.lower[i] - 1e-4 && p[i] <= e.upper[i] + 1e-4) }
            }
            let margins = (panel["margins"] as! [Double]).map { Float($0) }
            let label = panel["label"] as! Int
            XCTAssertEqual(margins, model.network!.logitsAndMargins(x, labels: [label], epsilon: 0.2).margins.data)
            XCTAssertEqual(panel["verified"] as? Bool, margins.indices.allSatisfy { $0 == label || margins[$0] < 0 })
        }
    }

    /// The numbers printed on the figure (width mean and max per stage, ReLU pre-activation counts) are those a
    /// reader computes from `--dump-bounds`' arrays.
    func testPrintedNumbersEqualThoseComputedFromTheDump() throws {
        let r = try renderer(seed: 5, model: "small")
        var options = FigureOptions()
        options.scale = 2
        options.perturbation = .none
        let dump = dir.appendingPathComponent("small.json")
        try r.write(sample: 1, epsilon: 0.05, options: options, to: dir.appendingPathComponent("small.png"), dumpBounds: dump)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dump)) as! [String: Any]
        let panels = try r.panels(sample: 1, epsilon: 0.05, options: options)
        let texts = Set(ComparisonFigure(scale: 2, maxChannels: 8).picture(panels: panels, fonts: r.fonts).texts.map(\.text))
        var checkedCounts = 0
        for panel in json["panels"] as! [[String: Any]] {
            let stages = panel["stages"] as! [[String: Any]]
            for (k, stage) in stages.enumerated() {
                let lower = stage["lower"] as! [Double], upper = stage["upper"] as! [Double]
                let widths = zip(lower, upper).map { Double(Float($1)) - Double(Float($0)) }
                let mean = widths.reduce(0, +) / Double(widths.count), largest = widths.max()!
                XCTAssertEqual(stage["mean_width"] as! Double, mean, accuracy: 1e-9 * max(1, mean))
                // JSON keeps about 16 digits of a double.
                XCTAssertEqual(stage["max_width"] as! Double, largest, accuracy: 1e-12 * max(1, largest))
                let kind = stage["kind"] as! String
                if kind != "affine" {
                    XCTAssertTrue(texts.contains(StageBlock.widthText(mean: mean, max: largest)),
                                  "\(stage["name"]!): \(StageBlock.widthText(mean: mean, max: largest)) not on the figure")
                }
                if kind == "relu" {
                    let pre = stages[k - 1]
                    let l = pre["lower"] as! [Double], u = pre["upper"] as! [Double]
                    let active = zip(l, u).filter { $0.0 >= 0 }.count
                    let inactive = zip(l, u).filter { $0.0 < 0 && $0.1 <= 0 }.count
                    let unstable = zip(l, u).filter { $0.0 < 0 && $0.1 > 0 }.count
                    XCTAssertEqual(stage["stable_active"] as? Int, active)
                    XCTAssertEqual(stage["stable_inactive"] as? Int, inactive)
                    XCTAssertEqual(stage["unstable"] as? Int, unstable)
                    XCTAssertEqual(active + inactive + unstable, l.count)
                    XCTAssertTrue(texts.contains(StageBlock.countText(active, inactive, unstable, count: l.count)))
                    checkedCounts += 1
                }
            }
        }
        XCTAssertEqual(checkedCounts, 6, "small has three ReLU stages per panel")
    }

    /// A panel whose stages hold NaN and infinities (an overflowing checkpoint) renders, marks them in magenta and
    /// reports their number in its title; the dump writes them as strings (issue #11 kind 1).
    func testNonFiniteStagesRenderAndAreCounted() throws {
        let fonts = try Fonts.load()
        let x = StageBounds(name: "x", kind: .input, shape: [1, 2, 2], normal: [0, 0.5, 1, 0.2],
                            lower: [0, 0.4, 0.9, 0.1], upper: [0.1, 0.6, 1, 0.3])
        let l1 = StageBounds(name: "l1", kind: .affine, shape: [3], normal: [1, .nan, 3], lower: [-.infinity, .nan, 2],
                             upper: [.infinity, .nan, 4])
        let a1 = StageBounds(name: "a1", kind: .relu, shape: [3], normal: [1, .nan, 3], lower: [0, .nan, 2],
                             upper: [.infinity, .nan, 4])
        let y = StageBounds(name: "y", kind: .logits, shape: [3], normal: [.nan, 1, .infinity], lower: [-.infinity, .nan, 0],
                            upper: [.infinity, .nan, .infinity])
        let panel = FigurePanel(title: "overflow.ckpt", model: "tiny3", epsilon: 0.1, label: 1, cleanPrediction: 2,
                                perturbedPrediction: 2, perturbation: .none, margins: [.nan, 0, .infinity],
                                stages: [x, l1, a1, y], perturbed: [x.normal, l1.normal, a1.normal, y.normal])
        // Drawn stages x, a1, y: a1 has a NaN in normal, lower, upper and perturbed and an inf in upper (5);
        // y has 2 in normal, 2 in lower, 3 in upper and 2 in perturbed (9). l1 is not drawn.
        XCTAssertEqual(panel.nonFiniteCount, 14)
        XCTAssertFalse(panel.verified)
        XCTAssertEqual(panel.summaries[2].stableActive, 1)
        XCTAssertEqual(panel.summaries[2].unstable, 0)
        XCTAssertEqual(panel.summaries[2].meanWidth, 2, "units with non-finite bounds take no part in the widths")
        let picture = ComparisonFigure(scale: 4).picture(panels: [panel, panel], fonts: fonts)
        let texts = picture.texts.map(\.text)
        XCTAssertEqual(texts.filter { $0 == " · 14 non-finite values" }.count, 2, "\(texts)")
        XCTAssertTrue(texts.contains("NOT VERIFIED: m_0 = nan") || texts.contains("NOT VERIFIED: m_2 = inf ≥ 0"), "\(texts)")
        let canvas = try FigureFile.raster(picture, fonts: fonts)
        XCTAssertGreaterThan(canvas.count(Colormap.nonFiniteColor), 100)
        for format in [FigureFormat.svg, .pdf] {
            _ = try FigureFile.vector(picture, format: format, metadata: [], fonts: fonts)
        }
        let dump = try JSONSerialization.jsonObject(with: BoundsDump.json(panels: [panel], kind: "compare", sample: 0))
        let stages = ((dump as! [String: Any])["panels"] as! [[String: Any]])[0]["stages"] as! [[String: Any]]
        XCTAssertEqual(stages[1]["lower"] as! [AnyHashable], ["-inf" as AnyHashable, "nan", 2.0])
    }

    /// A network whose logits overflow (every weight 3e38) but whose rows cancel in the margins (C W = 0): the
    /// figure's margins are `evaluate`'s, finite and exact (b_j - b_y), for every method, not NaN from the logit
    /// stage's infinite bounds (a new user's overflowing ONNX net: evaluate said 0.194, the figure nan).
    func testMarginsAgreeWithEvaluateWhenLogitsOverflow() throws {
        let bias: [Float] = (0..<10).map { Float($0) * 0.1 }
        let model = TestRandom(1).chainModel("overflow", inputShape: [1, 28, 28], [
            .reshape([784]),
            .dense(DenseOp(inputs: 784, outputs: 10, weight: [Float](repeating: 3e38, count: 7840), bias: bias))])
        let data = try Dataset.mnist(directory: packageRoot.appendingPathComponent("sample_data/mnist"), split: .test, limit: 2)
        var outcomes: [SampleOutcome] = []
        _ = try Evaluator.evaluate(model, on: data, epsilon: 0.1, pgd: nil, seed: 0, methods: [.ibp, .crownIBP, .crown],
                                   outcome: { outcomes.append($0) })
        for o in outcomes {
            let (x, labels) = data.batch(o.index..<(o.index + 1))
            for (m, method) in [BoundMethodName.ibp, .crownIBP, .crown].enumerated() {
                let figure = try FigureBounds.compute(model: model, plan: StagePlan(model), x: x, label: labels[0],
                                                      epsilon: 0.1, method: method)
                let worst = figure.margins.indices.filter { $0 != labels[0] }.map { figure.margins[$0] }.max()!
                if let w = o.worstMargin[m] {
                    XCTAssertEqual(worst, w, "\(method) sample \(o.index)")
                } else {
                    XCTAssertTrue(worst.isNaN, "\(method) sample \(o.index): evaluate has no margin, the figure \(worst)")
                }
            }
            // CROWN's rows C W cancel: the exact margin b_9 - b_y (or b_8 - b_9 when the label is 9).
            let exact = labels[0] == 9 ? bias[8] - bias[9] : bias[9] - bias[labels[0]]
            XCTAssertEqual(o.worstMargin[2]!, exact, accuracy: 1e-6)
        }
    }

    func testListsAndGrids() throws {
        XCTAssertEqual(try FigureLists.samples("0-3,9,5"), [0, 1, 2, 3, 5, 9])
        // Overlapping ranges name an index twice, for a flag and a manifest's `samples` alike (new user).
        XCTAssertThrowsError(try FigureLists.samples("0-3,9,2")) { XCTAssertTrue("\($0)".contains("names 2 twice"), "\($0)") }
        XCTAssertThrowsError(try FigureLists.samples("4-6,0-4", flag: "samples")) {
            XCTAssertTrue("\($0)".contains("samples names 4 twice"), "\($0)")
        }
        XCTAssertThrowsError(try FigureLists.samples("3-1")) {
            XCTAssertTrue("\($0)".contains("'3-1' is a descending range; write it 1-3"), "\($0)")
        }
        XCTAssertThrowsError(try FigureLists.samples("0-999999999")) { XCTAssertTrue("\($0)".contains("more than"), "\($0)") }
        XCTAssertThrowsError(try FigureLists.epsilons("0.1,-2"))
        let grid = try FigureLists.epsilons("0:0.45:0.01")
        XCTAssertEqual(grid.count, 46)
        XCTAssertEqual(grid.last, 0.45)
        XCTAssertEqual(grid[10], 0.1)
        XCTAssertEqual(try FigureLists.epsilons("0,0.05:0.15:0.05"), [0, 0.05, 0.1, 0.15])
        let started = Date()
        XCTAssertThrowsError(try FigureLists.epsilons("0:0.1:0.03")) {
            XCTAssertTrue("\($0)".contains("does not reach its stop: steps of 0.03 from 0 pass 0.09 then 0.12"), "\($0)")
        }
        XCTAssertEqual(try FigureLists.epsilons("0.1:0.2:0.05"), [0.1, 0.15, 0.2])
        for hostile in ["0x0.1", "0:0x0.1:0.05", " 0.1", "inf", "+0.1"] {
            XCTAssertThrowsError(try FigureLists.epsilons(hostile), hostile)
        }
        XCTAssertThrowsError(try FigureLists.epsilons("0:1:1e-9")) { XCTAssertTrue("\($0)".contains("more than 1000"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.1)
        XCTAssertThrowsError(try FigureLists.epsilons("0:0.5:0"))
        XCTAssertEqual(try FigureLists.methods("ibp,CROWN-IBP"), [.ibp, .crownIBP])
        XCTAssertThrowsError(try FigureLists.methods("ibp,ibp"))
        XCTAssertThrowsError(try FigureLists.methods("lp")) { XCTAssertTrue("\($0)".contains("crown-ibp"), "\($0)") }
    }

    func testBadSampleAndEpsilonAreErrors() throws {
        let r = try renderer()
        XCTAssertThrowsError(try r.panels(sample: 100, epsilon: 0.1, options: FigureOptions())) {
            XCTAssert("\($0)".contains("out of range"), "\($0)")
        }
        XCTAssertThrowsError(try r.panels(sample: 0, epsilon: .nan, options: FigureOptions()))
    }

    /// Sizes follow from the flags and are refused, naming them, before any bound is computed.
    func testOversizedFiguresAreRefusedBeforeWork() throws {
        let r = try renderer()
        let maker = try FigureMaker(dataDescription: "samples") { XCTFail("data loaded before the size check"); return r.data }
        var request = FigureRequest(kind: .compare, output: dir.appendingPathComponent("big.png").path, format: .png,
                                    models: r.models.map(\.path))
        request.options.scale = 64
        request.options.maxChannels = 256
        let started = Date()
        XCTAssertThrowsError(try maker.check(request)) {
            let message = "\($0)"
            for part in ["--scale 64", "--max-channels 256", "2 models", "exceeds the limit of 16384 px a side"] {
                XCTAssertTrue(message.contains(part), message)
            }
        }
        request.kind = .sweep
        request.options.scale = 20
        request.options.maxChannels = 8
        request.epsilons = (0..<40).map { Float($0) / 100 }
        XCTAssertThrowsError(try maker.check(request)) { XCTAssertTrue("\($0)".contains("40 epsilons"), "\($0)") }
        request.kind = .methods
        request.methods = [.ibp, .soundIBP]
        request.options.scale = 40
        XCTAssertThrowsError(try maker.check(request)) { XCTAssertTrue("\($0)".contains("2 methods"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: request.output))
    }

    /// Predicted sizes are the drawn sizes for every tile figure, whatever the numbers turn out to be.
    func testPredictedSizesAreDrawnSizes() throws {
        let r = try renderer(seed: 3)
        var options = FigureOptions()
        options.scale = 2
        options.perturbation = .none
        options.sharedScale = true
        let methods = try r.methodPanels(sample: 4, epsilon: 0.3, methods: [.ibp], options: options)
        let m = ComparisonFigure(scale: 2, sharedScale: true).picture(panels: methods, titles: [FigureRenderer.methodTitle(.ibp, r.models[0])], fonts: r.fonts)
        let predicted = r.methodsSize(epsilon: 0.3, methods: [.ibp], options: options)
        XCTAssertEqual(m.width, predicted.width)
        XCTAssertEqual(m.height, predicted.height)
        let eps: [Float] = [0, 0.1, 0.4]
        let sweep = try r.sweepPanels(sample: 2, epsilons: eps, options: options)
        let s = SweepFigure(scale: 2, sharedScale: true).picture(panels: sweep, title: r.models[0].name, sample: 2, fonts: r.fonts)
        let predictedSweep = r.sweepSize(sample: 2, epsilons: eps, options: options)
        XCTAssertEqual(s.width, predictedSweep.width)
        XCTAssertEqual(s.height, predictedSweep.height)
        // With --shared-scale, the y stage's colour bar reads the same in every row block.
        let yLabels = s.texts.filter { $0.size == FigureStyle.small }.map(\.text)
        let union = GreyScale.shared(sweep)["y"]!
        XCTAssertEqual(yLabels.filter { $0 == NumberLabel.format(union.hi) }.count, 3, "\(yLabels)")
    }

    func testBatchAndManifestWriteEveryKindAndFormat() throws {
        let r = try renderer()
        let jobs = [0, 1].flatMap { s in [Float(0.05), 0.1].map {
            FigureJob(sample: s, epsilon: $0, output: dir.appendingPathComponent(FigureBatch.fileName(sample: s, epsilon: $0)))
        } }
        var options = FigureOptions()
        options.perturbation = .random
        let records = try FigureBatch.run(jobs, renderer: r, options: options, workers: 2)
        for job in jobs { XCTAssert(FileManager.default.fileExists(atPath: job.output.path), job.output.lastPathComponent) }
        XCTAssertEqual(records.map(\.output), jobs.map(\.output.path))
        XCTAssertTrue(records[0].caption.contains("on MNIST test image 0"), records[0].caption)

        let manifestURL = dir.appendingPathComponent("figures.json")
        let (a, b) = (r.models[0].path, r.models[1].path)
        func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
        try Data("""
        {"figures": [
          {"output": "\(out("m.png"))", "baseline": "\(a)", "ibp": "\(b)", "sample": 1, "epsilon": 0.1, "perturbation": "none"},
          {"kind": "methods", "output": "\(out("methods.svg"))", "models": ["\(b)"], "methods": "ibp", "perturbation": "none", "scale": 2},
          {"kind": "sweep", "output": "\(out("sweep.pdf"))", "models": ["\(b)"], "epsilons": "0,0.2", "perturbation": "none", "scale": 2,
           "caption": "Given caption.", "alt": "Given alt."},
          {"kind": "widths", "output": "\(out("widths.png"))", "models": ["\(a)", "\(b)"], "samples": "0-4"},
          {"kind": "curves", "output": "\(out("curves.png"))", "models": ["\(a)"], "epsilons": "0:0.2:0.1", "limit": 20,
           "pgdSteps": 2, "pgdEvery": 2}
        ]}
        """.utf8).write(to: manifestURL)
        var outcomes: [[FigureManifest.Outcome]] = []
        for _ in 0..<2 {
            var run: [FigureManifest.Outcome] = []
            try FigureManifest.load(manifestURL).regenerate(data: r.data, dataDescription: "samples") { run.append($2) }
            outcomes.append(run)
        }
        XCTAssertEqual(outcomes[0], [FigureManifest.Outcome](repeating: .created, count: 7))
        XCTAssertEqual(outcomes[1], [FigureManifest.Outcome](repeating: .unchanged, count: 7))
        XCTAssertTrue(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out("sweep.pdf"))).prefix(5), as: UTF8.self) == "%PDF-")
        let index = try String(contentsOf: dir.appendingPathComponent("index.md"), encoding: .utf8)
        XCTAssertTrue(index.contains("![Given alt.](sweep.pdf)") == false && index.contains("[Given alt.](sweep.pdf)"), index)
        XCTAssertTrue(index.contains("Given caption."))
        XCTAssertTrue(index.contains("](methods.svg)") && index.contains("](curves.png)") && index.contains("](widths.png)"))
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<img src=\"m.png\" alt=\""), html)

        try Data(#"{"figures": [{"output": "x.png", "ibp": "a", "sample": 1, "epsilon": 0.1}]}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) { XCTAssert("\($0)".contains("baseline"), "\($0)") }
        try Data(#"{"figures": [{"output": "x.png", "baseline": "a", "ibp": "b", "epsilonz": 0.2}]}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) { XCTAssert("\($0)".contains("unknown field 'epsilonz'"), "\($0)") }
        try Data(#"{"figures": [{"kind": "heatmap", "output": "x.png", "models": ["a"]}]}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) {
            // The word and the words the field takes (a NamedChoice), not only "has an unknown value".
            let words = FigureKind.allCases.map(\.rawValue).joined(separator: ", ")
            XCTAssert("\($0)".contains("'kind' is \"heatmap\"; expected \(words)"), "\($0)")
        }
        try Data(#"{"figures": [{"output": "x.png", "baseline": "a", "ibp": "b", "perturbation": ""}]}"#.utf8)
            .write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) {
            XCTAssert("\($0)".contains("'perturbation' is \"\"; expected "), "\($0)")
        }
        // New user: an empty list wrote an empty index and reported success.
        try Data(#"{"figures": []}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) { XCTAssert("\($0)".contains("\"figures\" is empty"), "\($0)") }
        // Overlapping sample ranges name an index twice, as the flags do.
        try Data(#"{"figures": [{"output": "x.png", "baseline": "a", "ibp": "b", "samples": "0-3,2"}]}"#.utf8).write(to: manifestURL)
        XCTAssertThrowsError(try FigureManifest.load(manifestURL)) { XCTAssert("\($0)".contains("names 2 twice"), "\($0)") }
    }
}

private extension Canvas {
    func count(_ color: RGB) -> Int {
        var n = 0
        for y in 0..<height { for x in 0..<width where pixel(x: x, y: y) == color { n += 1 } }
        return n
    }
}

/// The curves figure's PGD line where PGD ran at some epsilons only: a step function that holds each measured value
/// up to the next attacked epsilon, so it never dips below the verified line between attacks (a new user saw
/// verified above a straight PGD line in docs/curves.png).
final class CurvesPGDStepTests: XCTestCase {
    func testStepsHoldEachMeasuredValueUntilTheNextAttack() {
        let steps = CurvesFigure.pgdSteps([(x: 0.1, y: 80), (x: 0, y: 90)], to: 0.3)
        XCTAssertEqual(steps.map(\.x), [0, 0.1, 0.1, 0.3])
        XCTAssertEqual(steps.map(\.y), [90, 90, 80, 80])
        XCTAssertEqual(CurvesFigure.pgdSteps([(x: 0.3, y: 50)], to: 0.3).map(\.x), [0.3])
    }

    /// Verified accuracy that falls fast between two attacked epsilons stays under the steps at every epsilon of the
    /// grid, while the straight line between the attacks would pass below it.
    func testStepsStayAboveVerifiedBetweenAttacks() {
        let grid = stride(from: 0.0, through: 0.3, by: 0.01).map { $0 }
        let verified = grid.map { e in e <= 0.2 ? 95.0 : 20.0 }           // non-increasing, a cliff after 0.2
        let robust = grid.map { e in e <= 0.21 ? 96.0 : 21.0 }            // PGD's accuracy, >= verified
        let attacked = [0, 25].map { (x: grid[$0], y: robust[$0]) }       // PGD every 25th eps: 0 and 0.25
        let steps = CurvesFigure.pgdSteps(attacked, to: 0.3)
        func stepValue(_ e: Double) -> Double { steps.last { $0.x <= e + 1e-12 }!.y }
        for (e, v) in zip(grid, verified) { XCTAssertGreaterThanOrEqual(stepValue(e), v, "eps \(e)") }
        // The straight line from (0, 96) to (0.25, 21) is below verified 95 at eps 0.2: what the steps avoid.
        XCTAssertLessThan(96 + (21 - 96) * 0.2 / 0.25, 95)
    }
}
