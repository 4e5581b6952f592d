import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

/// `visualize`: the figures of interval bounds inside MNIST classifiers, one subcommand per kind; every
/// subcommand shares the options of `SharedOptions` (swift-argument-parser's option-group pattern).
struct Visualize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visualize",
        abstract: "Draw what interval bounds do inside MNIST classifiers, layer by layer (PNG, SVG or PDF).",
        discussion: """
        With no arguments: `compare` of the shipped vissmall checkpoints (nominal and IBP-trained) on MNIST test \
        image 0 from sample_data/mnist at eps 0.1, written to output/comparison.png.

        Batch: visualize --samples 0-9,42 --epsilons 0.05,0.1,0.2 --out-dir output/batch
        Manifest: visualize --manifest docs/figures.json
        """,
        version: FigureRenderer.version,
        subcommands: [Compare.self, Methods.self, Sweep.self, Widths.self, Curves.self, Training.self],
        defaultSubcommand: Compare.self)
}

extension Perturbation: ExpressibleByArgument {}

Visualize.mainWithOneLineErrors()
