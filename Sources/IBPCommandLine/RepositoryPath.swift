import Foundation

/// Default paths that name files of this repository (`sample_data/mnist`, `data/mnist`, shipped checkpoints) work
/// from any working folder inside the repository: a relative default that does not exist where the command runs
/// is looked up in the enclosing repository root, the nearest folder above with this package's `Package.swift`.
/// Only defaults go through here; a path the user typed is taken as typed.
public enum RepositoryPath {
    /// The package's name in its `Package.swift`, which marks the repository root.
    static let packageMarker = "name: \"IBPVis\""

    /// `relative` from the working folder if it exists there, else from the repository root that contains the
    /// working folder if it exists there, else `relative` from the working folder (whose error then names it).
    public static func resolve(_ relative: String, from folder: URL? = nil) -> URL {
        let start = folder ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let here = URL(fileURLWithPath: relative, relativeTo: start).standardizedFileURL
        if relative.hasPrefix("/") || FileManager.default.fileExists(atPath: here.path) { return here }
        if let root = root(containing: start) {
            let there = root.appendingPathComponent(relative).standardizedFileURL
            if FileManager.default.fileExists(atPath: there.path) { return there }
        }
        return here
    }

    /// The nearest folder at or above `folder` holding this package's `Package.swift`.
    public static func root(containing folder: URL) -> URL? {
        var current = folder.standardizedFileURL
        while true {
            let manifest = current.appendingPathComponent("Package.swift")
            if let text = try? String(contentsOf: manifest, encoding: .utf8), text.contains(packageMarker) {
                return current
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }
}
