/// Errors that know whether the command line caused them. Every command exits with status 64 (`EX_USAGE` of
/// sysexits.h) when the command line is wrong — an unknown, repeated or missing flag, a value out of range,
/// flags that contradict each other or the record of a run being resumed — and with status 1 for everything
/// found while working: files that are missing, unreadable or malformed, models over the resource limits,
/// failed writes.
public protocol CommandLineClassified: Error {
    /// True when the command line is at fault (exit status 64), false for a failure at run time (status 1).
    var isUsageError: Bool { get }
}

/// A problem with the command line that is found only while running (after reading a run's record, say).
public struct UsageError: CommandLineClassified, CustomStringConvertible {
    public let message: String
    public var isUsageError: Bool { true }
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}
