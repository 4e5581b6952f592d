/// How every message names a layer of a model, whatever file it came from (a model JSON, a checkpoint's recorded
/// architecture, an ONNX model's lowered chain): `layer N (WHAT)`, N counted from 1 along the model's layer list
/// (the order of a model file's `"layers"`, of the layers `convert` counts, of the chain an ONNX graph lowers to),
/// WHAT the layer in words (`conv 16 4x4/2 VALID`, `linear 10`, `relu`, `max pooling, from node 'pool' (MaxPool)`).
/// Before, one message said `layer l1` (the parameter prefix), another `layers[0]` (a JSON index from 0), another
/// `layer 4` (counted from 1) and an ONNX one `step 3` (from 0).
public enum LayerName {
    /// `layer N (what)` for the layer at `index` (counted from 0 in code, shown from 1).
    public static func of(_ index: Int, _ what: String) -> String { "layer \(index + 1) (\(what))" }

    /// `reason` (a JSON reader's message about a model file, `StrictJSON`'s paths such as `"layers[2].conv.pad"`)
    /// with each path into the layer list written the same way: `field "pad" of layer 3 (conv)`, `layer 3 (conv)`,
    /// `layer 3`.
    public static func namingLayers(_ reason: String) -> String {
        var out = reason
        let rules: [(String, (_ index: Int, _ groups: [String]) -> String)] = [
            (#"field "layers\[(\d+)\]\.([A-Za-z_]+)\.([^"]+)""#, { "field \"\($1[1])\" of layer \($0 + 1) (\($1[0]))" }),
            (#""layers\[(\d+)\]\.([A-Za-z_]+)\.([^"]+)""#, { "\"\($1[1])\" of layer \($0 + 1) (\($1[0]))" }),
            (#"field "layers\[(\d+)\]\.([A-Za-z_]+)""#, { "layer \($0 + 1) (\($1[0]))" }),
            (#""layers\[(\d+)\]\.([A-Za-z_]+)""#, { "layer \($0 + 1) (\($1[0]))" }),
            (#"field "layers\[(\d+)\]""#, { i, _ in "layer \(i + 1)" }),
            (#""layers\[(\d+)\]""#, { i, _ in "layer \(i + 1)" }),
        ]
        for (pattern, replacement) in rules {
            out = replacing(pattern, in: out, with: replacement)
        }
        return out
    }

    /// `text` with every match of `pattern` (its first group a layer index, the others passed on) replaced.
    private static func replacing(_ pattern: String, in text: String,
                                  with replacement: (Int, [String]) -> String) -> String {
        guard let regex = try? Regex(pattern) else { return text }
        var out = ""
        var rest = text[...]
        while let match = rest.firstMatch(of: regex) {
            let groups = match.output.dropFirst().map { $0.substring.map(String.init) ?? "" }
            guard let first = groups.first, let index = Int(first) else { break }
            out += rest[..<match.range.lowerBound] + replacement(index, Array(groups.dropFirst()))
            rest = rest[match.range.upperBound...]
        }
        return out + rest
    }
}
