import Foundation
import IBPFormats

/// The list flags of `visualize` and the manifest, parsed in one place so both accept the same text.
public enum FigureLists {
    /// At most this many epsilons in a list or grid (a grid like `0:1:1e-9` is refused before it is built).
    public static let maxEpsilons = 1000
    /// At most this many samples in a list (`--samples 0-999999` is refused before the set is built).
    public static let maxSamples = 100_000

    /// Parses a list like `0-9,42` into sorted indices; `flag` names the option in errors.
    /// - Throws: `SettingsError` for a part that is not an index or an ascending range `lo-hi` (a descending one
    ///   like `5-2` is named so), for an index given twice, also through overlapping ranges (`0-2,1`: the
    ///   project's rule for every list, see `visualize`'s DistinctLists), and for more than `maxSamples` indices.
    public static func samples(_ text: String, flag: String = "--samples") throws -> [Int] {
        try refuseEmpty(text, flag: flag)
        var ranges: [ClosedRange<Int>] = []
        var total = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            // Each end digits only (the one whole-number grammar, `WholeNumberText`): no '+' (`0-+2`), no spaces.
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                WholeNumberText.isWhole($0, allowsMinus: false) ? Int($0) : nil
            }
            guard (1...2).contains(bounds.count), let lo = bounds.first!, let hi = bounds.last!, lo >= 0 else {
                // Digits that do not fit an Int are an index out of range, not "not an index"; a leading '-' is a
                // negative index (indices start at 0).
                let ends = part.split(separator: "-", omittingEmptySubsequences: false)
                if (1...2).contains(ends.count),
                   let huge = ends.first(where: { WholeNumberText.isWhole($0, allowsMinus: false) && Int($0) == nil }) {
                    throw SettingsError(message: "\(flag): '\(part)': \(huge) is out of range (at most \(Int.max))")
                }
                let negative = part.hasPrefix("-") && ends.count == 2 && WholeNumberText.isWhole(ends[1], allowsMinus: false)
                throw SettingsError(message: "\(flag): '\(part)' is not an index or a range like 0-9"
                                    + (negative ? " (indices start at 0)" : ""))
            }
            guard lo <= hi else {
                throw SettingsError(message: "\(flag): '\(part)' is a descending range; write it \(hi)-\(lo)")
            }
            if let earlier = ranges.first(where: { $0.overlaps(lo...hi) }) {
                throw SettingsError(message: "\(flag) names \(max(earlier.lowerBound, lo)) twice (after expanding "
                                    + "ranges and grids); give each value once")
            }
            total += hi - lo + 1
            guard hi - lo < maxSamples, total <= maxSamples else {
                throw SettingsError(message: "\(flag) \(text): more than \(maxSamples) samples")
            }
            ranges.append(lo...hi)
        }
        return ranges.flatMap { Array($0) }.sorted()
    }

    /// Parses a list like `0.05,0.1,0.2` or a grid `start:stop:step` (stop included, e.g. `0:0.45:0.01` is 46
    /// values), or both joined by commas; every value must be in [0, 1]. Numbers are decimal (`DecimalText`, no
    /// hexadecimal, no spaces); a grid whose step does not land on stop (`0:0.1:0.03`) is refused, not cut short.
    public static func epsilons(_ text: String, flag: String = "--epsilons") throws -> [Float] {
        try refuseEmpty(text, flag: flag)
        var out: [Float] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
                .map { DecimalText.double($0) }
            if fields.count == 3 {
                guard let start = fields[0], let stop = fields[1], let step = fields[2], start.isFinite, stop.isFinite,
                      step.isFinite, step > 0, start <= stop, start >= 0, stop <= 1 else {
                    // A number the grammar reads but a Double cannot hold (`1e400`) is named with why.
                    let texts = part.split(separator: ":", omittingEmptySubsequences: false)
                    let why = texts.lazy.compactMap { t in DecimalText.rangeFault(t, asFloat: false).map { "; '\(t)' is out of range \($0)" } }.first ?? ""
                    throw SettingsError(message: "\(flag): '\(part)' is not a grid start:stop:step inside [0, 1] with step > 0\(why)")
                }
                // The grid must land on stop: `0:0.1:0.03` (0, 0.03, 0.06, 0.09) would silently drop the end the
                // user asked for, so it is refused, naming the nearest stops that the step does reach.
                let exact = (stop - start) / step
                let steps = exact.rounded()
                guard abs(exact - steps) <= 1e-6 else {
                    let below = start + exact.rounded(.down) * step, above = start + exact.rounded(.up) * step
                    // The step and start as typed; the values passed are computed.
                    let typed = part.split(separator: ":", omittingEmptySubsequences: false)
                    throw SettingsError(message: "\(flag): the grid '\(part)' does not reach its stop: steps of "
                                        + "\(typed[2]) from \(typed[0]) pass \(shown(below)) then \(shown(above)); "
                                        + "give a stop the step reaches exactly (or another step)")
                }
                guard steps + 1 <= Double(maxEpsilons - out.count) else {
                    throw SettingsError(message: "\(flag): '\(part)' has more than \(maxEpsilons) values")
                }
                // Each value from its index, not by repeated addition, so 0:0.45:0.01 ends exactly at 0.45.
                out += (0...Int(steps)).map { k in Float(((start + Double(k) * step) * 1e6).rounded() / 1e6) }
            } else {
                // One value is read as the Float it becomes (`1e-50` underflows Float: refused, not read as 0).
                guard fields.count == 1, let e = DecimalText.float(part), e >= 0, e <= 1 else {
                    let why = DecimalText.rangeFault(part, asFloat: true).map { " " + $0 } ?? ""
                    throw SettingsError(message: "\(flag): '\(part)' is not a number in [0, 1] or a grid start:stop:step\(why)")
                }
                out.append(e)
            }
            guard out.count <= maxEpsilons else {
                throw SettingsError(message: "\(flag): more than \(maxEpsilons) values")
            }
        }
        return out
    }

    /// An empty list (`--methods ''`) is refused as every tool refuses one (`validateList`), not as an item that is
    /// not a method, an index or a number.
    private static func refuseEmpty(_ text: String, flag: String) throws {
        guard text.isEmpty else { return }
        throw SettingsError(message: "\(flag) is empty; give at least one value or leave the \(flag.hasPrefix("-") ? "flag" : "field") out")
    }

    /// A grid value for a message, rounded to 6 decimals as the grid's values are (`0.09`, not `0.09000000000000001`).
    private static func shown(_ v: Double) -> String { "\((v * 1e6).rounded() / 1e6)" }

    /// Parses `ibp,crown-ibp` into bound methods, in order, without repeats.
    public static func methods(_ text: String, flag: String = "--methods") throws -> [BoundMethodName] {
        try refuseEmpty(text, flag: flag)
        var out: [BoundMethodName] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let m = BoundMethodName(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw SettingsError(message: "\(flag): '\(part)' is not a bound method "
                                    + "(\(BoundMethodName.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !out.contains(m) else { throw SettingsError(message: "\(flag): \(m.rawValue) is given twice") }
            out.append(m)
        }
        return out
    }
}
