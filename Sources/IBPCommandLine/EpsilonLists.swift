import ArgumentParser
import Foundation
import IBPFormats

/// The one duplicate rule of every epsilon list of every tool (`evaluate --epsilon`, `visualize --epsilons` of a
/// batch, `sweep`, `curves`, a manifest figure's `epsilons`): two epsilons are the same value when they print
/// alike at `decimals` decimals, 6 by default (0.1 and 0.1000004 would be two rows or two figures that no label
/// tells apart). `-0` never reaches here: the
/// decimal grammar reads it as +0 (`DecimalText`).
public enum EpsilonLists {
    /// The key two epsilons share when they are the same value at `decimals` decimals.
    public static func key(_ eps: Float, decimals: Int = 6) -> String { String(format: "%.\(decimals)f", eps) }

    /// Refuses a value named twice by this rule.
    /// - Throws: `ValidationError` naming `flag` and both values as given
    ///   (`--epsilon names 0.1 and 0.1000004, the same value at 6 decimals; give each value once`).
    public static func refuseRepeats(_ values: [Float], flag: String, decimals: Int = 6, expanded: Bool = false) throws {
        var seen: [String: Int] = [:]
        let note = expanded ? " (after expanding ranges and grids)" : ""
        // The values as typed when they are the flag's items one for one (`FlagText`), else as numbers.
        let texts = FlagText.show(flag, items: values, reading: { DecimalText.float($0) })
        for (i, v) in values.enumerated() {
            let k = key(v, decimals: decimals)
            if let j = seen[k] {
                // `0,0` twice; `0,-0` and `0.1,0.10` the same value as typed two ways; `0.1,0.1001` the same at 3 decimals.
                let what = texts[j] == texts[i] ? "\(texts[i]) twice"
                    : values[j] == v ? "\(texts[j]) and \(texts[i]), the same value"
                    : "\(texts[j]) and \(texts[i]), the same value at \(decimals) decimals"
                throw ValidationError("\(flag) names \(what)\(note); give each value once")
            }
            seen[k] = i
        }
    }
}
