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
        The ONNX file holds the same float32 weights bit for bit (opset 13: Conv with explicit pads, Gemm, Relu,
        Sigmoid, Tanh, Flatten/Reshape, Mul/Add, Pad, AveragePool, MaxPool); read back, it gives the same bounds.
        """)

    @Argument(help: "The model to convert.")
    var model: String

    @Argument(help: "The ONNX file to write.")
    var output: String

    @OptionGroup var checkpointOptions: CheckpointOptions

    func validate() throws {
        try refuseEmptyPaths([("MODEL", model), ("OUTPUT", output)])
        try validateRunFiles(outputs: [RunFile("OUTPUT", output)], inputs: [RunFile("MODEL", model)])
        try requireExtension(output, "onnx", flag: "OUTPUT", writes: "an ONNX model")
    }

    func run() throws {
        try reportingErrors("convert") {
            let loaded = try checkpointOptions.loadModel(model)
            try createOutputFolder(for: output, flag: "OUTPUT")
            let classifier = loaded.makeClassifier()
            try ONNXExport.write(classifier, to: TypedPath.url(output))
            print("wrote \(shownPath(output)) (\(loaded.modelName), \(classifier.layers.count) layers)")
        }
    }
}

Convert.mainWithOneLineErrors()
