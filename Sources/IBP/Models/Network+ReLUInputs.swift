/// The body's passes with access to the interval entering each ReLU: what the warm-up regularisers of Shi et al.
/// (2021, sec. 3.3) read in the forward pass and feed gradients into in the backward pass.
extension Network {
    /// Indices into `body` of the ReLU layers.
    public var reluIndices: [Int] {
        body.indices.filter { (body[$0] as? Activation)?.kind == .relu }
    }

    /// `forwardBody`, also returning the flow entering each ReLU (in `reluIndices` order).
    public func forwardBodyRecordingReLUInputs(_ input: Flow, cache: Bool) -> (output: Flow, reluInputs: [Flow]) {
        var flow = input
        var recorded: [Flow] = []
        for layer in body {
            if (layer as? Activation)?.kind == .relu { recorded.append(flow) }
            flow = layer.forward(flow, cache: cache)
        }
        return (flow, recorded)
    }

    /// `backwardBody` that adds `extra[i]` to d(loss)/d(input of body[i]) before going on (keys are body indices;
    /// each extra flow has the shape of that layer's cached input flow).
    @discardableResult
    public func backwardBody(_ grad: Flow, inputGradient: Bool, adding extra: [Int: Flow]) -> Flow {
        var g = grad
        for (i, layer) in body.enumerated().reversed() {
            g = layer.backward(g, inputGradient: i > 0 || inputGradient || extra[i] != nil)
            if let e = extra[i] {
                precondition(e.values.shape == g.values.shape && e.radius?.shape == g.radius?.shape,
                             "an extra gradient must have the shape of the layer's input flow")
                g.values.data.withUnsafeMutableBufferPointer { v in
                    for j in v.indices { v[j] += e.values.data[j] }
                }
                if let er = e.radius {
                    g.radius!.data.withUnsafeMutableBufferPointer { r in
                        for j in r.indices { r[j] += er.data[j] }
                    }
                }
            }
        }
        return g
    }
}
