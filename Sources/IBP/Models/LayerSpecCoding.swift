import Foundation
import IBPFormats

/// How a layer is written in JSON (model files, a checkpoint's `architecture` metadata, a run's `settings.json`):
/// one key, the layer's kind, as Swift's synthesized coding writes it (`{"conv": {"channels": 16, "kernel": 4,
/// "stride": 2, "same": false}}`, `{"linear": {"units": 100}}`, `{"flatten": {}}`, `{"batchNorm": {}}`), except an
/// activation, written plainly as `{"activation": "relu"}`. The synthesized form `{"activation": {"_0": "relu"}}`
/// (`_0` is the compiler's name for an unlabelled payload, which nobody would guess) is what files written before
/// held: it is read too, holding exactly the key `_0`, so every earlier checkpoint, run and model file still loads.
extension Architecture.LayerSpec {
    /// The synthesized coding of the same cases, for every kind but a plain activation.
    private enum Synthesized: Codable {
        case conv(channels: Int, kernel: Int, stride: Int, same: Bool)
        case linear(units: Int)
        case activation(Activation.Kind)
        case flatten
        case batchNorm
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static var activationNames: String { Activation.Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }

    public init(from decoder: Decoder) throws {
        let layer = try decoder.container(keyedBy: Key.self)
        let activation = Key("activation")
        if layer.allKeys.count == 1, layer.allKeys[0].stringValue == activation.stringValue {
            if let name = try? layer.decode(String.self, forKey: activation) {
                guard let kind = Activation.Kind(rawValue: name) else {
                    throw DecodingError.dataCorruptedError(forKey: activation, in: layer, debugDescription:
                        "unknown activation \"\(FileText.shown(name))\"; expected one of \(Self.activationNames)")
                }
                self = .activation(kind)
                return
            }
            // The synthesized form: an object holding exactly `_0` (anything else in it would be read one way
            // here and another by a reader of the plain form).
            guard let payload = try? layer.nestedContainer(keyedBy: Key.self, forKey: activation) else {
                throw DecodingError.dataCorruptedError(forKey: activation, in: layer, debugDescription:
                    "expected an activation's name, one of \(Self.activationNames)")
            }
            if let other = payload.allKeys.first(where: { $0.stringValue != "_0" }) {
                throw DecodingError.dataCorruptedError(forKey: other, in: payload, debugDescription:
                    "unknown field; write the activation as \"activation\": \"relu\" (or the older {\"_0\": \"relu\"})")
            }
        }
        switch try Synthesized(from: decoder) {
        case let .conv(channels, kernel, stride, same): self = .conv(channels: channels, kernel: kernel, stride: stride, same: same)
        case let .linear(units): self = .linear(units: units)
        case let .activation(kind): self = .activation(kind)
        case .flatten: self = .flatten
        case .batchNorm: self = .batchNorm
        }
    }

    public func encode(to encoder: Encoder) throws {
        let synthesized: Synthesized
        switch self {
        case let .activation(kind):
            var layer = encoder.container(keyedBy: Key.self)
            try layer.encode(kind.rawValue, forKey: Key("activation"))
            return
        case let .conv(channels, kernel, stride, same): synthesized = .conv(channels: channels, kernel: kernel, stride: stride, same: same)
        case let .linear(units): synthesized = .linear(units: units)
        case .flatten: synthesized = .flatten
        case .batchNorm: synthesized = .batchNorm
        }
        try synthesized.encode(to: encoder)
    }
}
