import ArgumentParser
import Foundation

/// A file whose name starts with `-` (`-m.ckpt`) is read by argument-parser as an option, and the error it gives
/// is about something else: `evaluate -m.ckpt` said "Missing expected argument '<checkpoints> ...'" (the file is
/// there), `visualize --baseline -m.ckpt` "Missing value for '--baseline <baseline>'", `verify -m.ckpt p.vnnlib`
/// "got 1 file" (the command's own check ran first). Whatever the parse failure, `explain` names such a token
/// and how to pass the file instead.
///
/// The tokens are read with argument-parser's own description of the command and its subcommands (the names and
/// whether each takes a value, as `RepeatedFlags` does), not by hand: a token is an unknown option when it starts
/// with `-`, is not `--`, and no option is spelt so (a known option's value is skipped).
public enum DashedNames {
    /// The one line for a parse failure with a dash-named file among `arguments` (a token starting with a single
    /// `-` and longer than one letter, or any dash token that names an existing file) or an unknown long option
    /// (with the nearest spelling when one is near, `nearest`: `--limt`, "Did you mean '--limit'?"), or nil when
    /// there is none (argument-parser's message then stands).
    public static func explain(_ message: String, command: ParsableCommand.Type, arguments: [String]) -> String? {
        let missingValue = message.hasPrefix("Missing value for")
        let bySpelling = spellings(command)
        for occurrence in RepeatedFlags.scan(arguments, takesValue: bySpelling) {
            let token = occurrence.token, spelling = occurrence.spelling
            if occurrence.known {
                guard occurrence.separateValue, let value = occurrence.value else { continue }
                // The value argument-parser would not take: it starts with '-' and is no option of the command.
                if missingValue, message.hasPrefix("Missing value for '\(spelling)"), value.hasPrefix("-"), value.count > 1,
                   bySpelling[String(value.split(separator: "=", maxSplits: 1)[0])] == nil {
                    return "\(spelling) \(value): a value that starts with '-' is read as an option; write "
                        + "\(spelling)=\(value), or ./\(value) for a file named so"
                }
                continue
            }
            // A single-dash name longer than one letter is no option of these tools (their short options are
            // single letters); a long one is only taken for a file when a file has that name.
            if (!token.hasPrefix("--") && token.count > 2) || FileManager.default.fileExists(atPath: token) {
                return "unknown option '\(token)' (for a file named so, write ./\(token))"
            }
        }
        // An unknown long option comes first, whatever else failed: a missing argument, a value its flag cannot
        // take (`--epsilon abc --limt 5`: the value's error came first and looked like the line's only problem) or
        // a `validate()` check that read the misspelt flag's value as a file (`verify NET PROP --timout 5`: "got 3
        // files") or missed what it was meant to give (`train --bogus`: "give --out"). The options are those of the
        // (sub)command the line runs, as argument-parser reads them.
        let active = activeCommand(command, arguments: arguments)
        let own = spellings(of: active)
        let scanned = RepeatedFlags.scan(arguments, takesValue: own)
        let unknown: String?
        if message.hasPrefix("Unknown option '") {
            // argument-parser's own suggestion is dropped: it offers far spellings (`--bogus`: "Did you mean
            // '--out'?") and ignores the form the line has chosen (`--epsilonz` in a batch: `--epsilon`).
            let name = message.dropFirst("Unknown option '".count).prefix { $0 != "'" }
            unknown = name.hasPrefix("--") ? String(name) : nil
        } else {
            unknown = scanned.first(where: { !$0.known && $0.spelling.hasPrefix("--") })?.spelling
        }
        guard let unknown else { return nil }
        let given = Set(scanned.filter(\.known).map(\.spelling))
        let rules = active as? SpellingSuggestions.Type
        let refused = rules?.refusedSpellings(given: given) ?? []
        let near = nearest(unknown, among: own.keys.filter { $0.hasPrefix("--") && $0 != "--experimental-dump-help" && !refused.contains($0) },
                           preferring: rules?.preferredSpellings(given: given) ?? [])
        return "Unknown option '\(unknown)'" + (near.map { ". Did you mean '\($0)'?" } ?? "")
    }

    /// The command that parses `arguments`: `command`, or the subcommand its first word names (recursively), or
    /// its default subcommand.
    static func activeCommand(_ command: ParsableCommand.Type, arguments: [String]) -> ParsableCommand.Type {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty else { return command }
        if let first = arguments.first, let named = subcommands.first(where: { $0._commandName == first }) {
            return activeCommand(named, arguments: Array(arguments.dropFirst()))
        }
        return command.configuration.defaultSubcommand.map { activeCommand($0, arguments: []) } ?? command
    }

    /// The spelling among `candidates` at the smallest edit distance from `word` (ties: one of `preferring` if any,
    /// then the first in sorted order), when that distance is at most a third of the word's length (at least 1, at
    /// most 3).
    static func nearest(_ word: String, among candidates: [String], preferring: Set<String> = []) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1] + [Int](repeating: 0, count: b.count)
                for (j, y) in b.enumerated() {
                    current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
        // Letters compared without case: `--LIMIT` is `--limit` (every option is lower case; trial 32).
        let w = Array(word.dropFirst(2).lowercased()), limit = min(3, max(1, w.count / 3))
        let scored = candidates.sorted().map { ($0, distance(w, Array($0.dropFirst(2).lowercased()))) }
        guard let least = scored.map(\.1).min(), least <= limit else { return nil }
        let nearest = scored.filter { $0.1 == least }.map(\.0)
        return nearest.first(where: preferring.contains) ?? nearest.first
    }

    /// `arguments` with `--flag=` (nothing after `=`) of an option that takes a value written as `--flag ''`:
    /// argument-parser gave such a flag the next word as its value (`--epsilon= 0.3` ran at 0.3, `verify --bounds=
    /// NET PROP` took the network for the method; the usual result of `--epsilon=$EPS` with EPS unset), while each
    /// flag has its own rule for an empty value (`--epsilon` refuses it, `--decay-steps ''` means none).
    public static func normalized(_ command: ParsableCommand.Type, arguments: [String]) -> [String] {
        let takesValue = spellings(command)
        var out: [String] = []
        for (i, token) in arguments.enumerated() {
            if token == "--" { return out + arguments[i...] }
            if token.hasPrefix("--"), token.hasSuffix("="), takesValue[String(token.dropLast())] == true {
                out += [String(token.dropLast()), ""]
            } else {
                out.append(token)
            }
        }
        return out
    }

    /// The one line for what argument-parser would read wrongly without failing, checked before it parses, or nil:
    /// - a single-dash word of more than one letter that no option is spelt as (`-dash.ckpt`, `-ch`): read as a
    ///   cluster of one-letter options, one `h` in it printed the help and exited 0, so the work was skipped with
    ///   success (without an `h` the parse fails and `explain` names it the same way);
    /// - a value given to a flag that takes none (`--json=`, `--json=no`).
    /// A command line asking for help (`-h`, `--help` before `--`) is left to argument-parser.
    public static func beforeParsing(_ command: ParsableCommand.Type, arguments: [String]) -> String? {
        let words = arguments.prefix { $0 != "--" }
        if words.contains("-h") || words.contains("--help") { return nil }
        for occurrence in RepeatedFlags.scan(arguments, takesValue: spellings(command)) {
            let token = occurrence.token
            if occurrence.known {
                if token.contains("="), !occurrence.separateValue, occurrence.value == nil {
                    return "\(occurrence.spelling) takes no value; give \(occurrence.spelling) alone"
                }
            } else if !token.hasPrefix("--"), token.count > 2 {
                return "unknown option '\(token)' (for a file named so, write ./\(token))"
            }
        }
        return nil
    }

    /// Every option spelling of `command` and its subcommands, with whether it takes a value.
    static func spellings(_ command: ParsableCommand.Type) -> [String: Bool] {
        spellings(ofEach: commands(command))
    }

    /// The option spellings of `command` alone (not its subcommands'), with whether each takes a value.
    static func spellings(of command: ParsableCommand.Type) -> [String: Bool] {
        spellings(ofEach: [command])
    }

    private static func spellings(ofEach types: [ParsableCommand.Type]) -> [String: Bool] {
        var bySpelling: [String: Bool] = ["-h": false, "--help": false, "--version": false,
                                          "--experimental-dump-help": false]
        for type in types {
            for argument in RepeatedFlags.namedArguments(of: type) {
                for spelling in argument.spellings { bySpelling[spelling] = (bySpelling[spelling] ?? false) || argument.takesValue }
            }
        }
        return bySpelling
    }

    /// `command` and its subcommands, recursively.
    static func commands(_ command: ParsableCommand.Type) -> [ParsableCommand.Type] {
        [command] + command.configuration.subcommands.flatMap(commands)
    }
}

/// A command whose line refuses some of its options, or has chosen one of alternative forms, by the options it
/// gives (`visualize sweep` refuses the shared `--epsilon`; `visualize compare` with `--samples` or `--epsilons` is
/// a batch). A misspelt option is never suggested as a refused spelling, and among equally near spellings
/// (`--epsilonz`: `--epsilon`, `--epsilons`) as the chosen form's.
public protocol SpellingSuggestions {
    /// The spellings a line giving the known options `given` would be refused for.
    static func refusedSpellings(given: Set<String>) -> Set<String>
    /// The spellings of the form a line giving `given` has chosen.
    static func preferredSpellings(given: Set<String>) -> Set<String>
}

extension SpellingSuggestions {
    public static func refusedSpellings(given: Set<String>) -> Set<String> { [] }
    public static func preferredSpellings(given: Set<String>) -> Set<String> { [] }
}
