import Foundation
import IBPFormats

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
        candidates(relative, from: folder).first { FileManager.default.fileExists(atPath: $0.path) }
            ?? candidates(relative, from: folder)[0]
    }

    /// Where `resolve` looks for `relative`, in order: the working folder (or `folder`), then the repository root
    /// around it (when there is one); an absolute path is itself. Joined as text, so the OS resolves any `..` after
    /// the links before it (`TypedPath`).
    public static func candidates(_ relative: String, from folder: URL? = nil) -> [URL] {
        if relative.hasPrefix("/") { return [URL(fileURLWithPath: relative)] }
        let start = folder ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        func joined(_ folder: URL) -> URL { URL(fileURLWithPath: folder.path + (folder.path.hasSuffix("/") ? "" : "/") + relative) }
        let here = joined(start)
        guard let root = root(containing: start) else { return [here] }
        let there = joined(root)
        return TypedPath.resolved(there.path) == TypedPath.resolved(here.path) ? [here] : [here, there]
    }

    /// The nearest folder at or above `folder` holding this package's `Package.swift`.
    public static func root(containing folder: URL) -> URL? {
        // Walked up from the real path (links and `..` resolved by the OS), so each parent is the folder's own.
        var current = URL(fileURLWithPath: TypedPath.resolved(folder.path), isDirectory: true)
        while true {
            let manifest = current.appendingPathComponent("Package.swift")
            // At most 1 MiB (this package's is a few KiB): a huge Package.swift above the folder is not read.
            if let bytes = try? Gzip.readRaw(manifest, maxBytes: 1 << 20),
               String(decoding: bytes, as: UTF8.self).contains(packageMarker) {
                return current
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }
}
