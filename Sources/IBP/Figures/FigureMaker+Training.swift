import Foundation
import IBPFormats
import IBPRender

/// `training`: a run's `curves.png` (`TrainingCurves`: losses, then batch and test accuracies, against step) redrawn
/// from its `metrics.jsonl`, so the docs' training figures follow the current drawing without training again.
extension FigureMaker {
    /// The records of the request's metrics log.
    /// - Throws: `SettingsError` (a failure at run time) naming the file: missing, unreadable, a line that is not a
    ///   metrics record, or a log without records.
    func trainingRecords(_ r: FigureRequest) throws -> [MetricsLog.Record] {
        guard let path = r.metrics else {
            throw SettingsError(message: "training needs the run's metrics log (--metrics FILE, or 'metrics' in a manifest)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw SettingsError(message: "--metrics \(path): no such file (a run folder's metrics.jsonl)", isUsageError: false)
        }
        let records = try MetricsLog(url: TypedPath.url(path), upTo: Int.max).records
        guard !records.isEmpty else {
            throw SettingsError(message: "--metrics \(path): holds no metrics record", isUsageError: false)
        }
        return records
    }

    /// The title when none is given: the name of the log's folder (the run's name).
    static func trainingTitle(_ r: FigureRequest) -> String {
        if let title = r.title { return title }
        // The folder's name as typed; for `.` or `..` (`metrics.jsonl`, `lnk/../metrics.jsonl`), the name of the
        // folder the OS resolves them to.
        let folder = TypedPath.folder(of: r.metrics ?? "")
        let last = folder.split(separator: "/").last.map(String.init) ?? "/"
        return last == "." || last == ".." ? URL(fileURLWithPath: TypedPath.resolved(folder)).lastPathComponent : last
    }

    func makeTraining(_ r: FigureRequest) throws -> FigureRecord {
        let records = try trainingRecords(r)
        try Self.createFolder(for: r.output, flag: "--out")
        let title = Self.trainingTitle(r)
        try TrainingCurves.render(records, to: TypedPath.url(r.output), title: title, format: r.format, fonts: fonts)
        let steps = records.map(\.step).max() ?? 0
        let evals = records.filter { $0.type == "eval" }
        let caption = r.caption ?? "Training of \(title) over \(CountText.of(steps, "step")): losses (top) and batch and test accuracies "
            + "(bottom) against step, from its metrics.jsonl."
        var alt = "Two line plots against training step: total, nominal and verified cross-entropy; batch and test "
            + "nominal and verified accuracy"
        if let e = evals.last {
            let nominal = NumberLabel.fixed(100 * (e.nominalAccuracy ?? 0), decimals: 1)
            let verified = NumberLabel.fixed(100 * (e.verifiedAccuracy ?? 0), decimals: 1)
            alt += "; at step \(e.step) test nominal \(nominal)%, verified \(verified)%"
        }
        alt = r.alt ?? alt + "."
        return FigureRecord(output: r.output, format: r.format, caption: caption, alt: alt)
    }
}
