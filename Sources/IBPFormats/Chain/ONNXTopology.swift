/// The chain test on an ONNX graph's topology, before any lowering: values computed from the network input ("data
/// values") must form one path input -> node -> node -> ... -> output. Values computed from constants only are
/// constants and may be read anywhere. Every violation is collected, so the one error line lists them all.
enum ONNXTopology {
    static func checkChain(_ graph: ONNXGraph, path: String) throws {
        var constants = Set(graph.initializers.keys)
        var dataValues: Set<String> = [graph.input.name]
        var consumers: [String: [String]] = [:]
        var latest = graph.input.name
        var places: [String] = []
        for node in graph.nodes {
            let inputs = node.inputs.filter { !$0.isEmpty }
            for name in inputs where !constants.contains(name) && !dataValues.contains(name) {
                throw ONNXError(path: path, problem: .malformed(
                    "node \(node.label) reads \(quoted(name)), which no earlier node, initializer or graph input defines"))
            }
            let data = inputs.filter { dataValues.contains($0) }
            if data.isEmpty {
                for name in node.outputs where !name.isEmpty { constants.insert(name) }
                continue
            }
            for name in Set(data) { consumers[name, default: []].append(node.label) }
            if data.count > 1 {
                places.append("node \(node.label) reads \(data.count) values computed from the input (\(data.map { "\(quoted($0))" }.joined(separator: ", ")))")
            } else if data[0] != latest {
                places.append("node \(node.label) reads \(quoted(data[0])), an earlier value than the latest \(quoted(latest))")
            }
            for name in node.outputs where !name.isEmpty { dataValues.insert(name) }
            latest = node.outputs[0].isEmpty ? latest : node.outputs[0]
            if node.outputs[0].isEmpty {
                places.append("node \(node.label) has no first output")
            }
        }
        for (value, readers) in consumers.sorted(by: { $0.key < $1.key }) where readers.count > 1 {
            places.append("value \(quoted(value)) feeds \(readers.count) nodes (\(readers.joined(separator: ", ")))")
        }
        if dataValues.contains(graph.output.name), graph.output.name != latest {
            places.append("the graph output \(quoted(graph.output.name)) is not the last value computed from the input (\(quoted(latest)))")
        }
        if !dataValues.contains(graph.output.name) {
            places.append(constants.contains(graph.output.name)
                          ? "the graph output \(quoted(graph.output.name)) does not depend on the input"
                          : "the graph output \(quoted(graph.output.name)) is not computed by any node")
        }
        guard places.isEmpty else { throw ONNXError(path: path, problem: .notAChain(places)) }
    }
}
