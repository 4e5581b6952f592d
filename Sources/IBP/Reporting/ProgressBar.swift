import Foundation

/// Progress on standard error: a redrawn bar on a terminal, otherwise a plain line every `plainEvery` units
/// so logs of background runs stay readable.
public struct ProgressBar {
    public let total: Int
    public let label: String
    public let plainEvery: Int
    /// Units already done when the bar started (a resumed run), left out of the time estimate.
    public let initial: Int
    private let interactive: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    public init(total: Int, label: String, plainEvery: Int = 1000, initial: Int = 0) {
        self.total = max(total, 1)
        self.initial = initial
        self.label = label
        self.plainEvery = max(plainEvery, 1)
        interactive = isatty(STDERR_FILENO) == 1
    }

    /// Reports `done` units with a free-form status text.
    public mutating func update(_ done: Int, status: String = "") {
        let finished = done >= total
        if interactive {
            let now = Date()
            guard finished || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let width = 24, filled = min(width, width * done / total)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "\r\(label) [\(bar)] \(done)/\(total) \(status) \(timeLeft(done))\u{1B}[K"
            FileHandle.standardError.write(Data((line + (finished ? "\n" : "")).utf8))
        } else if done % plainEvery == 0 || finished {
            FileHandle.standardError.write(Data("\(label) \(done)/\(total) \(status) \(timeLeft(done))\n".utf8))
        }
    }

    private func timeLeft(_ done: Int) -> String {
        let elapsed = Date().timeIntervalSince(start)
        guard done > initial, done < total else { return String(format: "%.1fs", elapsed) }
        let left = elapsed / Double(done - initial) * Double(total - done)
        return left >= 60 ? String(format: "ETA %dm%02ds", Int(left) / 60, Int(left) % 60) : String(format: "ETA %.0fs", left)
    }
}
