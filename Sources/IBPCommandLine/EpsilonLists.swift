import ArgumentParser
import Foundation

/// The one duplicate rule of every epsilon list of every tool (`evaluate --epsilon`, `visualize --epsilons` of a
/// batch, `sweep`, `curves`, a manifest figure's `epsilons`): two epsilons are the same value when they print
/// alike at `decimals` decimals, 6 by default (0.1 and 0.1000004 would be two rows or two figures that no label
/// tells apart), 3 in a visualize batch, whose file names carry 3 (`eps0.100`). `-0` never reaches here: the
/// decimal grammar reads it as +0 (`DecimalText`).
public enum EpsilonLists {
    /// The key two epsilons share when they are the same value at `decimals` decimals.
    public static func key(_ eps: Float, decimals: Int = 6) -> String { String(format: "%.\(decimals)f", eps) }

    /// Refuses a value named twice by this rule.
    /// - Throws: `ValidationError` naming `flag` and both values as given
    ///   (`--epsilon names 0.1 and 0.1000004, the same value at 6 decimals; give each value once`).
    public static func refuseRepeats(_ values: [Float], flag: String, decimals: Int = 6, expanded: Bool = false) throws {
        var seen: [String: Float] = [:]
        let note = expanded ? " (after expanding ranges and grids)" : ""
        for v in values {
            let k = key(v, decimals: decimals)
            if let first = seen[k] {
                let what = first == v ? "\(v) twice" : "\(first) and \(v), the same value at \(decimals) decimals"
                throw ValidationError("\(flag) names \(what)\(note.isEmpty || first == v ? "" : ",")\(note); give each value once")
            }
            seen[k] = v
        }
    }
}
