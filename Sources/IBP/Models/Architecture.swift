import IBPFormats

/// A model described as data: named layer lists that a checkpoint stores so it alone rebuilds its network.
public struct Architecture: Codable, Equatable, Sendable {
    public enum LayerSpec: Codable, Equatable, Sendable {
        case conv(channels: Int, kernel: Int, stride: Int, same: Bool)
        case linear(units: Int)
        case activation(Activation.Kind)
        case flatten
        /// Batch normalisation per channel (`BatchNorm`; Shi et al. 2021).
        case batchNorm
    }

    public var name: String
    /// Shape of one input sample, (C, H, W).
    public var inputShape: [Int]
    public var layers: [LayerSpec]

    public init(name: String, inputShape: [Int] = [1, 28, 28], layers: [LayerSpec]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The layers in words, for messages: `conv 16 4x4/2 VALID, relu, ..., linear 10`.
    public var summary: String { layers.map(\.summary).joined(separator: ", ") }

    /// The layer at `index` as every message names one (`LayerName`): `layer 3 (conv 32 4x4/1 VALID)`.
    public func layerName(_ index: Int) -> String { LayerName.of(index, layers[index].summary) }

    /// The names `Architecture.named` accepts.
    public static let names = ["tiny", "small", "medium", "large", "vissmall"] + batchNormNames

    /// The paper's models (Gowal et al. 2019, table 1) and the seed's figure model; `NAME-bn` is the ReLU model
    /// NAME with batch normalisation after every conv and linear layer but the head (`withBatchNorm`).
    public static func named(_ name: String) -> Architecture? {
        if name.hasSuffix("-bn") {
            guard batchNormNames.contains(name), let base = named(String(name.dropLast(3))) else { return nil }
            return base.withBatchNorm(name: name)
        }
        let relu = LayerSpec.activation(.relu)
        func convs(_ specs: [(Int, Int, Int)], same: Bool, act: LayerSpec) -> [LayerSpec] {
            specs.flatMap { [.conv(channels: $0.0, kernel: $0.1, stride: $0.2, same: same), act] }
        }
        func dense(_ units: [Int], act: LayerSpec) -> [LayerSpec] {
            units.flatMap { [.linear(units: $0), act] } + [.linear(units: 10)]
        }
        switch name {
        case "tiny":
            return Architecture(name: name, layers: [.flatten] + dense([100], act: relu))
        case "small":
            return Architecture(name: name, layers: convs([(16, 4, 2), (32, 4, 1)], same: false, act: relu)
                + [.flatten] + dense([100], act: relu))
        case "medium":
            return Architecture(name: name, layers: convs([(32, 3, 1), (32, 4, 2), (64, 3, 1), (64, 4, 2)],
                                                          same: false, act: relu)
                + [.flatten] + dense([512, 512], act: relu))
        case "large":
            return Architecture(name: name, layers: convs([(64, 3, 1), (64, 3, 1), (128, 3, 2), (128, 3, 1), (128, 3, 1)],
                                                          same: true, act: relu)
                + [.flatten] + dense([512], act: relu))
        case "vissmall":
            let sigmoid = LayerSpec.activation(.sigmoid)
            return Architecture(name: name, layers: convs([(6, 5, 2), (3, 5, 1)], same: false, act: sigmoid)
                + [.flatten] + dense([20], act: sigmoid))
        default:
            return nil
        }
    }
}

extension Architecture.LayerSpec {
    /// The layer in words, for messages: `conv 16 4x4/2 VALID`, `linear 10`, `relu`, `flatten`, `batchnorm`.
    public var summary: String {
        switch self {
        case let .conv(channels, kernel, stride, same):
            return "conv \(channels) \(kernel)x\(kernel)/\(stride) \(same ? "SAME" : "VALID")"
        case let .linear(units): return "linear \(units)"
        case let .activation(kind): return kind.rawValue
        case .flatten: return "flatten"
        case .batchNorm: return "batchnorm"
        }
    }
}

extension Architecture {
    /// The ReLU models with batch normalisation: `tiny-bn`, `small-bn`, `medium-bn`, `large-bn`.
    /// Why `name` cannot name a model, or nil: a name is 1 to `maxNameLength` letters, digits, '-', '_' or '.',
    /// so that a name read from a file (a model JSON, a checkpoint's metadata) is safe to print on one line and
    /// to use in a file name. The messages show the name escaped and cut (`FileText.shown`).
    public static func nameProblem(_ name: String) -> String? {
        guard name.isEmpty || name.count > maxNameLength
                || !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else { return nil }
        return "model name \"\(FileText.shown(name, limit: 80))\" must be 1 to \(maxNameLength) letters, digits, '-', "
            + "'_' or '.'"
    }

    /// The longest model name (`nameProblem`).
    public static let maxNameLength = 64

    public static let batchNormNames = ["tiny-bn", "small-bn", "medium-bn", "large-bn"]

    /// This architecture with a batch normalisation after every conv and linear layer except the head (before its
    /// activation), as Shi et al. (2021, sec. 3.4) put it in every layer of their CNN-7 and auto_LiRPA's
    /// `cnn_7layer_bn`.
    public func withBatchNorm(name: String) -> Architecture {
        var out: [LayerSpec] = []
        for (index, spec) in layers.enumerated() {
            out.append(spec)
            switch spec {
            case .conv, .linear:
                if index < layers.count - 1 { out.append(.batchNorm) }
            default:
                break
            }
        }
        return Architecture(name: name, inputShape: inputShape, layers: out)
    }
}
