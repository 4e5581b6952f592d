import Foundation

/// Paths handed to the OS as typed. The OS resolves `..` after following the link before it (with
/// `lnk -> real/sub`, `lnk/../m.ckpt` is `real/m.ckpt`, for `open(2)`, `cat` and Python alike), while Foundation
/// resolves it by text wherever it joins a relative path to a folder (`URL(fileURLWithPath:)` of a relative path,
/// `relativeTo:`, RFC 3986 merging), so `URL(fileURLWithPath: "lnk/../m.ckpt").path` is `CWD/m.ckpt`: another file.
/// `standardizedFileURL` and `resolvingSymlinksInPath` resolve `..` by text too when the path does not exist (yet),
/// as an output's does. Every path a user typed (flags, arguments, `IBP_DATA`, paths inside instance lists and
/// manifests) becomes a URL through `url`, and is compared with others through `resolved`.
public enum TypedPath {
    /// A file URL naming what the OS names by `path`: an absolute path as written, a relative one joined to the
    /// working folder as text (`CWD/lnk/../m.ckpt`, which the OS resolves after following `lnk`). A relative path
    /// without `.` or `..` components (a leading `./` aside), which text and the OS resolve alike, keeps
    /// Foundation's relative form, whose `relativePath` (used in messages) is the path as typed.
    public static func url(_ path: String, isDirectory: Bool = false) -> URL {
        if path.hasPrefix("/") || !hasDotComponents(path) { return URL(fileURLWithPath: path, isDirectory: isDirectory) }
        return URL(fileURLWithPath: join(FileManager.default.currentDirectoryPath, path), isDirectory: isDirectory)
    }

    /// `url` with its relative part joined to its base as text when either holds `.` or `..` (a URL made by
    /// `URL(fileURLWithPath:)` from such a relative path names the text-resolved file); other URLs unchanged.
    public static func url(_ url: URL) -> URL {
        guard url.isFileURL, let base = url.baseURL else { return url }
        return hasDotComponents(url.relativePath) || hasDotComponents(base.path) ? self.url(url.relativePath, in: base) : url
    }

    /// `path` in `folder` (an instance list's paths are relative to the list's folder): absolute as written, else
    /// joined to the folder as text. Foundation's relative form is kept when neither holds `.` or `..`.
    public static func url(_ path: String, in folder: URL, isDirectory: Bool = false) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path, isDirectory: isDirectory) }
        if hasDotComponents(path) || hasDotComponents(folder.path) {
            return URL(fileURLWithPath: join(folder.path, path), isDirectory: isDirectory)
        }
        return URL(fileURLWithPath: path, isDirectory: isDirectory,
                   relativeTo: URL(fileURLWithPath: folder.path, isDirectory: true))
    }

    /// Whether `path` has a `.` or `..` component other than a leading `./`: the paths whose meaning text
    /// resolution changes.
    public static func hasDotComponents(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return parts.enumerated().contains { i, part in part == ".." || (part == "." && (i > 0 || path.hasPrefix("/"))) }
    }

    /// The folder that holds the last component of `path`, by text: everything before the last `/` (`.` for a
    /// bare name, `/` for a name in the root). `lnk/../z.png` is in `lnk/..`, which the OS resolves.
    /// (`URL.deletingLastPathComponent` resolves `..` by text for relative URLs, and returns a URL ending in `..`
    /// unchanged.)
    public static func folder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = trimmed[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    /// The file `path` names, as a string equal for every spelling of it: absolute, with the symbolic links and
    /// the `.` and `..` of its longest existing part resolved by the OS (`realpath`), then the missing rest
    /// applied by text: the tools create missing folders before they write (`mkdir -p`), and a folder just made
    /// is no link, so `new/..` is the folder `new` was made in. So `./a`, `dir/../a`, `/abs/a` and a link to `a`
    /// give one string, and `lnk/../a` gives `real/a` (not `a`) with `lnk -> real/sub`, whether or not `a` exists.
    public static func resolved(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : join(FileManager.default.currentDirectoryPath, path)
        var parts = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var tail: [String] = []
        while true {
            let prefix = "/" + parts.joined(separator: "/")
            if let real = realpath(prefix, nil) {
                defer { free(real) }
                var result = String(cString: real).split(separator: "/").map(String.init)
                for part in tail.reversed() {
                    if part == ".." { _ = result.popLast() } else if part != "." { result.append(part) }
                }
                return "/" + result.joined(separator: "/")
            }
            guard let last = parts.popLast() else { return absolute }
            tail.append(last)
        }
    }

    /// `folder` and `path` joined as text (`path` relative), for the OS to resolve.
    public static func join(_ folder: String, _ path: String) -> String {
        folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }
}
