import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

struct Visualize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Draw what interval bounds do inside a baseline and an IBP-trained model, layer by layer, as PNG.",
        discussion: """
        With no arguments: the shipped vissmall checkpoints, MNIST test image 0 from sample_data/mnist, eps 0.1,
        written to output/comparison.png.
        Batch:    visualize --samples 0-9,42 --epsilons 0.05,0.1,0.2 --out-dir output/batch
        Manifest: visualize --manifest docs/figures.json
        """)

    @Option(name: .long, help: "Baseline checkpoint (.ckpt, or the seed's Chainer .npz).")
    var baseline = "sample_data/checkpoints/vissmall-baseline.ckpt"

    @Option(name: .long, help: "IBP-trained checkpoint (.ckpt or .npz).")
    var ibp = "sample_data/checkpoints/vissmall-ibp-eps0.1.ckpt"

    // `.unconditional` here and on --epsilon so that a negative value (`--sample -1`) reaches the range check
    // instead of "missing value": the default strategy takes "-1" for a flag.
    @Option(name: .long, parsing: .unconditional, help: "Index of the MNIST test image.")
    var sample = 0

    @Option(name: .long, parsing: .unconditional, help: "Perturbation radius (L-infinity, pixels in [0, 1]).")
    var epsilon: Float = 0.1

    @Option(name: .long, help: "Folder with the MNIST test IDX files. Default: $IBP_DATA, else sample_data/mnist.")
    var data: String?

    @Option(name: .long, help: "Output PNG.")
    var out = "output/comparison.png"

    @Option(name: .long, help: "Pixels per activation value.")
    var scale = 6

    @Option(name: .long, help: "Channel tiles per line before wrapping.")
    var maxChannels = 8

    @Option(name: .long, help: "The perturbed input drawn in the 'perturbed' rows: pgd, random or none.")
    var perturbation: Perturbation = .pgd

    @Option(name: .long, help: "PGD steps for --perturbation pgd.")
    var pgdSteps = 20

    @Option(name: .long, help: "Seed of the random start (pgd) or point (random).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Also write the numbers behind the figure to this JSON file.")
    var dumpBounds: String?

    @Option(name: .long, help: "Batch: sample indices like 0-9,42 (one figure per sample and epsilon, into --out-dir).")
    var samples: String?

    @Option(name: .long, help: "Batch: epsilons like 0.05,0.1,0.2.")
    var epsilons: String?

    @Option(name: .long, help: "Batch: output folder.")
    var outDir = "output/batch"

    @Option(name: .long, help: "Regenerate every figure listed in this manifest (e.g. docs/figures.json).")
    var manifest: String?

    var options: FigureOptions {
        var o = FigureOptions()
        o.scale = scale
        o.maxChannels = maxChannels
        o.perturbation = perturbation
        o.pgdSteps = pgdSteps
        o.seed = seed
        return o
    }

    func validate() throws {
        try validateEpsilon(epsilon)
        if sample < 0 { throw ValidationError("--sample must not be negative, got \(sample)") }
        try options.validate()
        if manifest == nil && samples == nil && epsilons == nil {
            for (flag, path) in [("--out", out)] + (dumpBounds.map { [("--dump-bounds", $0)] } ?? []) {
                try validateOutputFile(path, flag: flag)
                // A folder there would fail only at the final rename, after the rendering and the other file.
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                    throw ValidationError("\(flag) \(path) is a folder, not a file name")
                }
            }
        }
    }

    func run() throws {
        try reportingErrors("visualize") {
            let dataDir = data ?? ProcessInfo.processInfo.environment["IBP_DATA"] ?? "sample_data/mnist"
            let dataset = try Dataset.mnist(directory: URL(fileURLWithPath: dataDir), split: .test)
            if let manifest {
                try FigureManifest.load(URL(fileURLWithPath: manifest)).regenerate(data: dataset, dataDescription: dataDir) {
                    print("[\($0)] \($2.rawValue): \($1)")
                }
                return
            }
            let renderer = try FigureRenderer(baseline: try FigureModel(path: baseline), ibp: try FigureModel(path: ibp),
                                              data: dataset, dataDescription: dataDir)
            // Checked here rather than left to the renderer, whose message cannot name the flag.
            func checkInRange(_ index: Int) throws {
                guard index < dataset.count else {
                    throw SettingsError(message: "\(samples == nil ? "--sample" : "--samples"): \(index) is out of range: "
                                        + "\(dataDir) holds \(dataset.count) test images")
                }
            }
            if samples != nil || epsilons != nil {
                let indices = try FigureBatch.parseSamples(samples ?? String(sample))
                let epsList = try FigureBatch.parseEpsilons(epsilons ?? String(epsilon))
                try indices.forEach(checkInRange)
                let folder = URL(fileURLWithPath: outDir)
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                } catch {
                    throw SettingsError(message: "--out-dir \(outDir): cannot create the folder")
                }
                let jobs = indices.flatMap { s in
                    epsList.map { FigureJob(sample: s, epsilon: $0,
                                            output: folder.appendingPathComponent(FigureBatch.fileName(sample: s, epsilon: $0))) }
                }
                let started = Date()
                var bar = ProgressBar(total: jobs.count, label: "figures", plainEvery: max(1, jobs.count / 4))
                try FigureBatch.run(jobs, renderer: renderer, options: options) { bar.update($0) }
                print(String(format: "wrote %d figures to %@ in %.2f s", jobs.count, outDir, Date().timeIntervalSince(started)))
                return
            }
            try checkInRange(sample)
            try renderer.write(sample: sample, epsilon: epsilon, options: options, to: URL(fileURLWithPath: out),
                               dumpBounds: dumpBounds.map { URL(fileURLWithPath: $0) })
            print("wrote \(out)" + (dumpBounds.map { " and \($0)" } ?? ""))
        }
    }
}

extension Perturbation: ExpressibleByArgument {}

Visualize.mainWithOneLineErrors()
