import Foundation
import IBPFormats
import IBPRender

/// `evaluate --plot FILE`: verified, PGD and nominal accuracy against epsilon for every evaluated checkpoint, drawn
/// like `visualize curves` (`CurvesFigure`). The format follows the file's extension (.png, .svg or .pdf; `evaluate`
/// refuses any other). The verified line of a checkpoint is the report's verified accuracy: with one bound method
/// that method's, with several the `any` column (verified by at least one of them); its legend says which
/// (`small verified (ibp)`, `small verified (any of ibp, crown-ibp)`).
public enum AccuracyPlot {
    /// `fonts` come from the caller, who loads them before the evaluation so a missing font is the first error.
    public static func render(_ reports: [EvaluationReport], to url: URL, fonts: FontSet) throws {
        try FigureFile.write(picture(reports, fonts: fonts), to: url, format: FigureFormat(path: url.path) ?? .png,
                             metadata: [("Software", FigureRenderer.version),
                                        ("Checkpoints", FigureRenderer.latin1(reports.map(\.checkpoint).joined(separator: " ")))],
                             fonts: fonts)
    }

    /// The figure `render` writes.
    public static func picture(_ reports: [EvaluationReport], fonts: FontSet) -> Picture {
        let curves = reports.map { report -> AccuracyCurve in
            let methods = report.results.first?.methods ?? [.ibp]
            let label = methods.count == 1 ? methods[0].rawValue
                : "any of " + methods.map(\.rawValue).joined(separator: ", ")
            return AccuracyCurve(name: TypedPath.url(report.checkpoint).deletingPathExtension().lastPathComponent,
                                 method: methods.first ?? .ibp, results: report.results, verifiedLabel: label)
        }
        let count = reports.first?.count ?? 0
        return CurvesFigure.picture(curves, title: "MNIST test accuracy under L-inf perturbation (\(CountText.of(count, "image")))",
                                    fonts: fonts)
    }
}
