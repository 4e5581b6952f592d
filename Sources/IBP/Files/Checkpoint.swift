import Foundation
import IBPFormats

/// A problem with a checkpoint file, as one line naming the file.
public struct CheckpointError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A model's architecture and weights, with the training state needed to resume.
/// Stored as safetensors (`.ckpt`): tensors `l1/W`, `l1/b`, ..., `lo/W`, `lo/b` (layouts as Chainer's),
/// optional Adam moments `adam/m/NAME` and `adam/v/NAME`, and `__metadata__` with the architecture (JSON),
/// the step, the training settings and the data-order state. The seed's Chainer `.npz` files load too.
public struct Checkpoint {
    public static let format = "ibpvis-checkpoint-1"

    public var architecture: Architecture
    /// Parameter values by name, in the network's parameter order.
    public var parameters: [(name: String, array: NDArray)]
    /// Training steps taken.
    public var step: Int
    public var adam: Adam?
    /// Free-form settings (training flags, data-order state), stored as metadata strings.
    public var settings: [String: String]

    /// Captures a network's current weights (and optimizer, when resuming must be exact).
    public init(network: Network, step: Int = 0, adam: Adam? = nil, settings: [String: String] = [:]) {
        architecture = network.architecture
        parameters = network.parameters.map { ($0.name, NDArray(shape: $0.value.shape, values: $0.value.data)) }
        self.step = step
        self.adam = adam
        self.settings = settings
    }

    /// Writes the checkpoint atomically.
    public func save(to url: URL) throws {
        var tensors = parameters
        if let adam {
            for (i, p) in parameters.enumerated() {
                tensors.append(("adam/m/\(p.name)", NDArray(shape: p.array.shape, values: adam.m[i])))
                tensors.append(("adam/v/\(p.name)", NDArray(shape: p.array.shape, values: adam.v[i])))
            }
        }
        var metadata = settings
        metadata["format"] = Checkpoint.format
        metadata["architecture"] = String(decoding: try JSONEncoder.sorted.encode(architecture), as: UTF8.self)
        metadata["step"] = String(step)
        if let adam { metadata["adam_t"] = String(adam.t) }
        try Safetensors.write(tensors: tensors, metadata: metadata, to: url)
    }

    /// Loads a `.ckpt` (safetensors) or the seed's Chainer `.npz`, checking it describes a complete model.
    public static func load(_ url: URL) throws -> Checkpoint {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(path: path, reason: "no such file")
        }
        if url.pathExtension.lowercased() == "npz" {
            return try loadChainer(url)
        }
        let file = try Safetensors.read(url)
        let meta = file.metadata
        guard let archJSON = meta["architecture"] else {
            throw CheckpointError(path: path, reason: "metadata has no architecture")
        }
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(archJSON.utf8))
        } catch {
            throw CheckpointError(path: path, reason: "architecture in metadata is not valid")
        }
        guard let step = Int(meta["step"] ?? "0"), step >= 0 else {
            throw CheckpointError(path: path, reason: "step in metadata is not a non-negative integer")
        }
        // Every parameter is checked against a tensor of the file before anything is allocated for the model,
        // so a small file cannot make the loader build a huge network.
        let expected = try parameterShapes(architecture, path: path)
        let names = expected.map(\.name)
        let params = try expected.map { ($0.name, try tensor($0.name, shape: $0.shape, in: file.tensors, path: path)) }
        var adam: Adam?
        if let tText = meta["adam_t"] {
            guard let t = Int(tText), t >= 0 else {
                throw CheckpointError(path: path, reason: "adam_t in metadata is not a non-negative integer")
            }
            var a = Adam(parameters: [])
            a.t = t
            a.m = try expected.map { try tensor("adam/m/\($0.name)", shape: $0.shape, in: file.tensors, path: path).values }
            a.v = try expected.map { try tensor("adam/v/\($0.name)", shape: $0.shape, in: file.tensors, path: path).values }
            adam = a
        }
        let known = Set(names + names.flatMap { ["adam/m/\($0)", "adam/v/\($0)"] })
        if let extra = file.order.first(where: { !known.contains($0) }) {
            throw CheckpointError(path: path, reason: "unexpected tensor \(extra) for architecture \(architecture.name)")
        }
        var settings = meta
        for key in ["format", "architecture", "step", "adam_t"] { settings[key] = nil }
        return Checkpoint(architecture: architecture, parameters: params, step: step, adam: adam, settings: settings)
    }

    private init(architecture: Architecture, parameters: [(name: String, array: NDArray)], step: Int, adam: Adam?,
                 settings: [String: String]) {
        self.architecture = architecture
        self.parameters = parameters
        self.step = step
        self.adam = adam
        self.settings = settings
    }

    /// The training settings recorded by `train`, if any.
    public var trainingSettings: TrainingSettings? {
        settings["settings"].flatMap { try? JSONDecoder().decode(TrainingSettings.self, from: Data($0.utf8)) }
    }

    /// A network with this checkpoint's weights.
    public func makeNetwork() -> Network {
        let network = Network(architecture)
        for (p, stored) in zip(network.parameters, parameters) {
            p.value = Tensor(shape: stored.array.shape, data: stored.array.values)
        }
        return network
    }

    /// Largest layer output accepted, in values per sample: ten times the paper's large model (100,352), as a
    /// header may otherwise describe a model whose activations for a batch of 500 cannot be allocated.
    static let maxValuesPerSample = 1 << 20

    /// The names and shapes of the architecture's parameters, in `Network.parameters` order and named as
    /// `Network` names them (`l1/W`, `l1/b`, ..., the last linear layer `lo`), after checking that the
    /// architecture is one `Network` can build: sizes that cannot overflow and activations that fit in memory.
    private static func parameterShapes(_ architecture: Architecture, path: String) throws -> [(name: String, shape: [Int])] {
        func fail(_ why: String) -> CheckpointError { CheckpointError(path: path, reason: "architecture \(architecture.name) \(why)") }
        guard architecture.inputShape.count == 3, architecture.inputShape.allSatisfy({ $0 > 0 && $0 <= 4096 }),
              case .linear? = architecture.layers.last else {
            throw fail("is not a supported model")
        }
        var shape = architecture.inputShape
        guard shape.reduce(1, *) <= maxValuesPerSample else {
            throw fail("has an input of shape \(shape), larger than \(maxValuesPerSample) values per sample")
        }
        var shapes: [(name: String, shape: [Int])] = []
        for (index, spec) in architecture.layers.enumerated() {
            let name = index == architecture.layers.count - 1 ? "lo" : "l\(shapes.count / 2 + 1)"
            switch spec {
            case let .conv(channels, kernel, stride, same):
                guard shape.count == 3, channels > 0, channels <= 4096, kernel > 0, kernel <= 4096, stride > 0, stride <= 4096,
                      same || (kernel <= shape[1] && kernel <= shape[2]) else {
                    throw fail("has an invalid convolution")
                }
                let g = ConvGeometry(channels: shape[0], height: shape[1], width: shape[2], kernel: kernel,
                                     stride: stride, same: same)
                shapes += [("\(name)/W", [channels, shape[0], kernel, kernel]), ("\(name)/b", [channels])]
                shape = [channels, g.outHeight, g.outWidth]
            case let .linear(units):
                guard units > 0, units <= 1 << 16 else { throw fail("has an invalid linear layer") }
                shapes += [("\(name)/W", [units, shape.reduce(1, *)]), ("\(name)/b", [units])]
                shape = [units]
            case .flatten:
                shape = [shape.reduce(1, *)]
            case .activation:
                break
            }
            // Shapes stay under 2^20 values and factors under 2^16, so nothing above can overflow.
            guard shape.reduce(1, *) <= maxValuesPerSample else {
                throw fail("has a layer of shape \(shape), larger than \(maxValuesPerSample) values per sample")
            }
        }
        return shapes
    }

    private static func tensor(_ name: String, shape expected: [Int], in tensors: [String: NDArray],
                               path: String) throws -> NDArray {
        guard let array = tensors[name] else {
            throw CheckpointError(path: path, reason: "missing tensor \(name)")
        }
        guard array.shape == expected else {
            throw CheckpointError(path: path, reason: "tensor \(name) has shape \(array.shape), the architecture needs \(expected)")
        }
        if let bad = array.values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(path: path, reason: "tensor \(name) holds a non-finite value at index \(bad)")
        }
        return array
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so equal values give equal bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
