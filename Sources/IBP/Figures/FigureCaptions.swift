import IBPRender

/// Captions and alt text of the tile figures for `index.md` and `index.html`: who is compared, on which image and
/// epsilon, and each panel's verdict and mean logit width, so a reader of the index knows what the figure shows.
extension FigureMaker {
    /// The index entry of a tile figure (`compare`, `methods`, `sweep`) of `r` drawn from `panels`.
    public static func record(_ r: FigureRequest, panels: [FigurePanel]) -> FigureRecord {
        func verdict(_ p: FigurePanel) -> String { p.verified ? "verified" : "not verified" }
        let eps = NumberLabel.epsilon(r.epsilon)
        let label = panels.first.map { " (label \($0.label))" } ?? ""
        let method = r.options.bounds.rawValue.uppercased()
        var caption: String
        switch r.kind {
        case .methods:
            caption = "\(panels.first?.title ?? "") on MNIST test image \(r.sample)\(label) at eps \(eps) under "
                + panels.map { "\($0.method.rawValue.uppercased()) (\(verdict($0)))" }.joined(separator: ", ") + "."
        case .sweep:
            caption = "\(panels.first?.title ?? "") on MNIST test image \(r.sample)\(label) with \(method) bounds at eps "
                + panels.map { "\(NumberLabel.format(Double($0.epsilon))) (\(verdict($0)))" }.joined(separator: ", ") + "."
        default:
            caption = panels.map { "\($0.title) (\(verdict($0)))" }.joined(separator: " vs ")
                + " on MNIST test image \(r.sample)\(label) at eps \(eps), \(method) bounds."
        }
        if let given = r.caption { caption = given }
        let unit: String
        switch r.kind {
        case .methods: unit = "bound method"
        case .sweep: unit = "epsilon"
        default: unit = "model"
        }
        let rows = r.kind == .sweep ? "range, lower and upper bounds" : "range, clean, lower, upper and perturbed activations"
        var parts: [String] = []
        for p in panels {
            let name: String
            switch r.kind {
            case .sweep: name = "eps " + NumberLabel.format(Double(p.epsilon))
            case .methods: name = p.method.rawValue
            default: name = p.title
            }
            let width = NumberLabel.format(p.summaries.last?.meanWidth ?? 0)
            parts.append("\(name): \(verdict(p)), mean logit width \(width)")
        }
        let alt = r.alt ?? "Per-stage interval bounds, one panel per \(unit): tiles of the input, each activation and the "
            + "logits (\(rows)), mean and max width per stage, and the worst-case margin per class under the logits; "
            + parts.joined(separator: "; ") + "."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }
}
