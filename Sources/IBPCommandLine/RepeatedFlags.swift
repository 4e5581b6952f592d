import ArgumentParser
import Foundation

/// Repeated single-value flags: argument-parser keeps the last of `--limit 3 --limit 5` without a word, and the
/// README promises that each flag is given at most once. `mainWithOneLineErrors` calls `checkRepeatedFlags`
/// after parsing, for every command, so no command has to remember it.
///
/// Which flags may repeat comes from argument-parser's own description of the parsed command (`_dumpHelp`, the
/// JSON behind `--experimental-dump-help`): an argument whose `isRepeating` is false (a plain `@Option`,
/// `@Flag` or `Bool` flag) may be given once; arrays (`[CommaSeparated<T>]` lists, and the `once(...)` flags,
/// which check themselves) may repeat. A flag's inverted name (`--sound` / `--no-sound`) counts as the same flag.
public enum RepeatedFlags {
    /// The part of argument-parser's ToolInfoV0 that is needed here.
    private struct Tool: Decodable { let command: Command }
    private struct Command: Decodable { let arguments: [Argument]? }
    private struct Argument: Decodable {
        let kind: String
        let isRepeating: Bool
        let names: [Name]?
    }
    private struct Name: Decodable {
        let kind: String
        let name: String
    }

    /// One named argument of a command: its spellings on the command line, whether it takes a value, and
    /// whether it may be given more than once.
    struct Named {
        let spellings: Set<String>
        let takesValue: Bool
        let repeats: Bool
        var display: String { spellings.filter { $0.hasPrefix("--") }.sorted().first ?? spellings.sorted().first ?? "?" }
    }

    /// The named arguments of `command`, read from argument-parser's description of it.
    static func namedArguments(of command: ParsableCommand.Type) -> [Named] {
        guard let tool = try? JSONDecoder().decode(Tool.self, from: Data(command._dumpHelp().utf8)) else { return [] }
        return (tool.command.arguments ?? []).compactMap { argument in
            guard argument.kind != "positional", let names = argument.names, !names.isEmpty else { return nil }
            let spellings = Set(names.map { name in name.kind == "short" ? "-\(name.name)" : (name.kind == "long" ? "--\(name.name)" : "-\(name.name)") })
            return Named(spellings: spellings, takesValue: argument.kind == "option", repeats: argument.isRepeating)
        }
    }

    /// One option token of a command line as argument-parser reads it: its spelling (`--limit` of `--limit=3`,
    /// `-n` of `-n5`), whether the command knows it, and its value (inline after `=` or attached to a short option,
    /// or the next argument, then `separateValue`), nil for a flag or a value missing at the end.
    struct Occurrence {
        let token: String
        let spelling: String
        let known: Bool
        let value: String?
        let separateValue: Bool
    }

    /// The option tokens of `arguments` up to `--`, given which spellings exist and whether each takes a value: the
    /// one reading of a command line that the repeat check and `DashedNames` share.
    static func scan(_ arguments: [String], takesValue: [String: Bool]) -> [Occurrence] {
        var occurrences: [Occurrence] = []
        var i = 0
        while i < arguments.count {
            let token = arguments[i]
            i += 1
            if token == "--" { break }
            guard token.hasPrefix("-"), token.count > 1 else { continue }
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            var spelling = String(parts[0])
            var value: String? = parts.count == 2 ? String(parts[1]) : nil
            if takesValue[spelling] == nil, !spelling.hasPrefix("--"), spelling.count > 2,
               takesValue[String(spelling.prefix(2))] != nil {
                // `-n5`: a short option with its value attached.
                spelling = String(spelling.prefix(2))
                value = String(token.dropFirst(2))
            }
            guard let takes = takesValue[spelling] else {
                occurrences.append(Occurrence(token: token, spelling: spelling, known: false, value: nil, separateValue: false))
                continue
            }
            var separate = false
            if takes, value == nil, i < arguments.count {
                value = arguments[i]
                i += 1
                separate = true
            }
            occurrences.append(Occurrence(token: token, spelling: spelling, known: true, value: takes ? value : nil,
                                          separateValue: separate))
        }
        return occurrences
    }

    /// Throws a `ValidationError` naming the first flag of `command` that may be given once and was given more
    /// than once in `arguments` (the command line without the program name), with the values given.
    public static func check(_ command: ParsableCommand.Type, arguments: [String]) throws {
        let named = namedArguments(of: command)
        var bySpelling: [String: Int] = [:], takesValue: [String: Bool] = [:]
        for (index, argument) in named.enumerated() {
            for s in argument.spellings { bySpelling[s] = index; takesValue[s] = argument.takesValue }
        }
        var given: [Int: [String]] = [:]
        var order: [Int] = []
        for occurrence in scan(arguments, takesValue: takesValue) {
            guard let index = bySpelling[occurrence.spelling] else { continue }
            let argument = named[index]
            if given[index] == nil { order.append(index) }
            given[index, default: []].append(argument.takesValue ? occurrence.value ?? "" : occurrence.spelling)
        }
        for index in order where !named[index].repeats {
            let values = given[index] ?? []
            guard values.count > 1 else { continue }
            throw ValidationError("\(named[index].display) was given \(values.count) times (\(values.joined(separator: ", "))); give it once")
        }
    }
}
