import Foundation
import IBPFormats

/// The results of a batch as a CSV (one row per instance) and as a summary table (one row per network, then the
/// total), with the consensus columns when the results carry a consensus.
public enum BatchReport {
    /// Columns: benchmark, onnx, vnnlib, timeout_s (the limit applied: `--timeout` or the list's), answer, method (the one that proved unsat), bound_margin (the
    /// smallest worst-disjunct upper bound; negative = proven), attack_margin (>= 0 = counterexample), seconds,
    /// consensus, wrong (1 when the answer contradicts the consensus), counterexample (the file written for a sat
    /// answer), note. Fields are quoted per RFC 4180 (`CSVWriter`: paths with commas or quotes keep them); newlines
    /// in notes become spaces, so that each instance is one line.
    public static func csv(_ results: [InstanceResult]) -> String {
        var lines = [CSVWriter.row(["benchmark", "onnx", "vnnlib", "timeout_s", "answer", "method", "bound_margin",
                                    "attack_margin", "seconds", "consensus", "wrong", "counterexample", "note"])]
        for r in results {
            let o = r.outcome
            let cells: [String] = [
                r.instance.benchmark ?? "", r.instance.onnx, r.instance.vnnlib, "\(r.instance.timeout)", o.answer.rawValue,
                o.method?.rawValue ?? "", o.boundMargin.map { "\($0)" } ?? "", o.attackMargin.map { "\($0)" } ?? "",
                String(format: "%.4f", o.seconds), r.consensus?.rawValue ?? "", r.consensus == nil ? "" : (r.isWrong ? "1" : "0"),
                r.counterexampleFile ?? "",
                o.note.split(whereSeparator: \.isNewline).joined(separator: " "),
            ]
            lines.append(CSVWriter.row(cells))
        }
        return lines.joined()
    }

    /// Counts per network (the ONNX file's name) and in total: instances, each answer, and with a consensus the
    /// instances that hold and are violated, unsat on holds, sat on violated and wrong answers; the mean and
    /// largest time per instance.
    public static func summary(_ results: [InstanceResult]) -> String {
        let withConsensus = results.contains { $0.consensus != nil }
        var groups: [(String, [InstanceResult])] = []
        for r in results {
            // A name from the list file, shown with its control characters escaped (it is printed on a terminal).
            let name = FileText.oneLine((r.instance.onnx as NSString).lastPathComponent)
            if let i = groups.firstIndex(where: { $0.0 == name }) { groups[i].1.append(r) } else { groups.append((name, [r])) }
        }
        let width = max(7, (groups.map(\.0.count).max() ?? 0) + 1)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        var header = pad("network", width, left: true) + pad("inst", 5) + pad("sat", 5) + pad("unsat", 6)
            + pad("unknown", 8) + pad("timeout", 8) + pad("error", 6)
        if withConsensus {
            header += pad("holds", 7) + pad("violated", 9) + pad("unsat/holds", 12) + pad("sat/violated", 13) + pad("wrong", 6)
        }
        header += pad("s/inst", 8) + pad("max s", 8)
        var lines = [header]
        func row(_ name: String, _ rs: [InstanceResult]) -> String {
            func count(_ a: VerificationAnswer) -> Int { rs.filter { $0.outcome.answer == a }.count }
            var line = pad(name, width, left: true) + pad("\(rs.count)", 5) + pad("\(count(.sat))", 5)
                + pad("\(count(.unsat))", 6) + pad("\(count(.unknown))", 8) + pad("\(count(.timeout))", 8)
                + pad("\(count(.error))", 6)
            if withConsensus {
                let holds = rs.filter { $0.consensus == .holds }, violated = rs.filter { $0.consensus == .violated }
                line += pad("\(holds.count)", 7) + pad("\(violated.count)", 9)
                    + pad("\(holds.filter { $0.outcome.answer == .unsat }.count)", 12)
                    + pad("\(violated.filter { $0.outcome.answer == .sat }.count)", 13)
                    + pad("\(rs.filter(\.isWrong).count)", 6)
            }
            let seconds = rs.map(\.outcome.seconds)
            line += pad(String(format: "%.3f", seconds.reduce(0, +) / Double(max(rs.count, 1))), 8)
                + pad(String(format: "%.2f", seconds.max() ?? 0), 8)
            return line
        }
        for (name, rs) in groups { lines.append(row(name, rs)) }
        if groups.count > 1 { lines.append(row("total", results)) }
        return lines.joined(separator: "\n")
    }
}
