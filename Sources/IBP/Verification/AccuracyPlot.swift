import Foundation
import IBPFormats
import IBPRender

/// `evaluate --plot FILE`: verified, PGD and nominal accuracy against epsilon for every evaluated checkpoint, drawn
/// like `visualize curves` (`CurvesFigure`). The format follows the file's extension (.png, .svg, .pdf; PNG for
/// any other).
public enum AccuracyPlot {
    /// `fonts` come from the caller, who loads them before the evaluation so a missing font is the first error.
    public static func render(_ reports: [EvaluationReport], to url: URL, fonts: FontSet) throws {
        let curves = reports.map {
            AccuracyCurve(name: TypedPath.url($0.checkpoint).deletingPathExtension().lastPathComponent,
                          method: .ibp, results: $0.results)
        }
        let count = reports.first?.count ?? 0
        let picture = CurvesFigure.picture(curves, title: "MNIST test accuracy under L-inf perturbation (\(count) images)",
                                           fonts: fonts)
        try FigureFile.write(picture, to: url, format: FigureFormat(path: url.path) ?? .png,
                             metadata: [("Software", FigureRenderer.version),
                                        ("Checkpoints", FigureRenderer.latin1(reports.map(\.checkpoint).joined(separator: " ")))],
                             fonts: fonts)
    }
}
