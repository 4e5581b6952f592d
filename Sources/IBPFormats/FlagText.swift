/// How a message shows the value of a flag: as the user typed it. A flag's value is read into a number
/// (`DecimalText`, `WholeNumberText`), and a range check that printed the number said `--timeout must be a positive
/// number of seconds, got 0.0` for `--timeout 0`, `got -1.0` for `-1`, `got 0` for `-0`: text nobody typed. Every
/// message about a flag's value shows it through `show`, which finds the text typed for the flag on the command line
/// and uses it when it reads as the same value (so it can never name another number); otherwise, and in library use
/// (no command line set), the number itself.
public enum FlagText {
    /// The command line of the running tool without its name; set once by the tools' entry point
    /// (`mainWithOneLineErrors`) before parsing. Nil in library use: messages then show the numbers.
    nonisolated(unsafe) public static var arguments: [String]?

    /// The texts given to `flag` (`--flag VALUE` and `--flag=VALUE`, up to a `--`), each also split at commas (the
    /// items of a list flag), in the order typed.
    public static func items(_ flag: String) -> [String] {
        guard let arguments else { return [] }
        var found: [String] = []
        var i = 0
        while i < arguments.count {
            let token = arguments[i]
            i += 1
            if token == "--" { break }
            var value: String?
            if token == flag, i < arguments.count {
                value = arguments[i]
                i += 1
            } else if token.hasPrefix(flag + "=") {
                value = String(token.dropFirst(flag.count + 1))
            }
            guard let value else { continue }
            found.append(value)
            if value.contains(",") { found += value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        return found
    }

    /// `value` of `flag` as typed (the last text given to the flag that reads as `value`), else `value` itself.
    public static func show(_ flag: String, _ value: Float) -> String {
        items(flag).last { DecimalText.float($0) == value } ?? "\(value)"
    }

    public static func show(_ flag: String, _ value: Double) -> String {
        items(flag).last { DecimalText.double($0) == value } ?? "\(value)"
    }

    public static func show<T: FixedWidthInteger>(_ flag: String, _ value: T) -> String {
        items(flag).last { WholeNumberText.integer($0, as: T.self) == value } ?? "\(value)"
    }

    /// The items of the list flag `flag` as typed, one per value of `values` (which the items were read into, in
    /// order). When the command line does not give exactly those items (a grid expanded into values), each value is
    /// shown as the last item that reads as it, else as the value.
    public static func show<T: Equatable>(_ flag: String, items values: [T], reading read: (String) -> T?) -> [String] {
        let all = items(flag)
        let texts = all.filter { !$0.contains(",") }
        guard texts.count == values.count, zip(texts, values).allSatisfy({ read($0) == $1 }) else {
            return values.map { value in all.last { read($0) == value } ?? "\(value)" }
        }
        return texts
    }
}
