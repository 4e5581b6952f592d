import ArgumentParser
import Foundation
import IBP
import IBPCommandLine

/// One rule for every list flag of `visualize` (new-user report, kind 4; `evaluate`, `verify` and `ibp-bench`
/// follow it through `validateList`, and every epsilon list through `EpsilonLists`): a value given twice is refused, after ranges (`0-2`) and grids
/// (`0:0.2:0.05`) are expanded, so `0-2,1` and `0:0.2:0.05,0.1` are refused as `0,0` is. Two epsilons count as
/// the same when they print the same at 6 decimals (a grid's 0.15000001 and a listed 0.15 draw the same figure),
/// in a batch too: its file names give an epsilon in full where three decimals would not tell it apart
/// (`NumberLabel.epsilon`), so distinct values never write the same file (trial 29: a batch refused 0.0004 with
/// 1e-7 at 3 decimals, which the other lists accept).
enum DistinctLists {
    /// The sample indices of `text`, each once (`FigureLists.samples` refuses overlapping ranges itself, so the
    /// manifest's `samples` follow the same rule).
    static func samples(_ text: String, flag: String = "--samples") throws -> [Int] {
        try FigureLists.samples(text, flag: flag)
    }

    /// The epsilons of `text`, each once at 6 decimals.
    static func epsilons(_ text: String, flag: String = "--epsilons") throws -> [Float] {
        let values = try FigureLists.epsilons(text, flag: flag)
        try EpsilonLists.refuseRepeats(values, flag: flag, expanded: true)
        return values
    }

    /// The bound methods of `text`, each once.
    static func methods(_ text: String, flag: String = "--methods") throws -> [BoundMethodName] {
        let values = try FigureLists.methods(text, flag: flag)
        try refuseRepeats(values.map { ($0, $0.rawValue) }, flag: flag)
        return values
    }

    /// Lists of a manifest's figure (already expanded by the manifest reader), checked by the same rule.
    static func check(_ request: FigureRequest, figure: String) throws {
        try refuseRepeats(request.samples.map { ($0, String($0)) }, flag: "\(figure) samples")
        try EpsilonLists.refuseRepeats(request.epsilons, flag: "\(figure) epsilons", expanded: true)
        try refuseRepeats(request.methods.map { ($0, $0.rawValue) }, flag: "\(figure) methods")
    }

    private static func refuseRepeats<Key: Hashable>(_ items: [(key: Key, text: String)], flag: String) throws {
        var seen: [Key: String] = [:]
        for item in items {
            if seen[item.key] != nil {
                let what = "\(item.text) twice"
                throw ValidationError("\(flag) names \(what) (after expanding ranges and grids); give each value once")
            }
            seen[item.key] = item.text
        }
    }
}
