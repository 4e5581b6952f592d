import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a model (.ckpt, the seed's Chainer .npz, or .onnx) as an ONNX classifier that verify, evaluate and other tools read.",
        discussion: """
        The ONNX file holds the same float32 weights bit for bit (opset 13: Conv with explicit pads, Gemm, Relu, \
        Sigmoid, Tanh, Flatten/Reshape, Mul/Add, Pad, AveragePool, MaxPool); read back, it gives the same bounds.

        An existing OUTPUT is a model: it is replaced only with --force, and only when it is an ONNX model.
        """,
        version: FigureRenderer.version)

    @Argument(help: "The model to convert.")
    var model: String

    @Argument(help: "The ONNX file to write.")
    var output: String

    @OptionGroup var checkpointOptions: CheckpointOptions

    @Flag(name: .long, help: "Replace OUTPUT if it exists and is an ONNX model.")
    var force = false

    func validate() throws {
        try refuseEmptyPaths([("MODEL", model), ("OUTPUT", output)])
        // convert writes a model, and no model is replaced without --force (README, "Outputs"): the check below.
        try validateRunFiles(outputs: [RunFile("OUTPUT", output, replacesModel: true)], inputs: [RunFile("MODEL", model)])
        try requireExtension(output, "onnx", flag: "OUTPUT", writes: "an ONNX model")
        // As `train --out` refuses an existing run folder unless --force, and --force starts over only in a run's
        // folder: an existing OUTPUT is replaced only with --force, and only when it is what convert writes.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), !isFolder.boolValue {
            let kind = FileKind.ofFile(atPath: output)
            guard force else {
                throw ValidationError("OUTPUT \(output) exists (\(kind.description)); convert replaces a model only with "
                                      + "--force: give --force to replace it, or another name")
            }
            guard kind == .onnx || kind == .empty else {
                throw ValidationError("OUTPUT \(output) holds \(kind.description), not an ONNX model; --force replaces only "
                                      + "an ONNX model: move the file away or give another name")
            }
        }
    }

    func run() throws {
        try reportingErrors("convert") {
            let loaded = try checkpointOptions.loadModel(model)
            try createOutputFolder(for: output, flag: "OUTPUT")
            let classifier = loaded.makeClassifier()
            try ONNXExport.write(classifier, to: TypedPath.url(output))
            print("wrote \(FileText.oneLine(output)) (\(loaded.modelName), \(CountText.of(classifier.layers.count, "layer")))")
        }
    }
}

Convert.mainWithOneLineErrors()
