import Foundation
import IBPFormats
import IBPRender

/// `index.md` and `index.html` beside a batch or manifest run: every figure with its caption and alt text, linked
/// relative to the index, ready to embed (PNG and SVG as images, PDF as a link).
public enum FigureIndex {
    /// What regenerating a file did to it.
    public enum Outcome: String, Sendable {
        case created, updated, unchanged
    }

    /// Writes both indexes into `folder` atomically and says what each write did.
    @discardableResult
    public static func write(_ records: [FigureRecord], to folder: URL, title: String,
                             command: String) throws -> [(path: String, outcome: Outcome)] {
        let markdown = self.markdown(records, folder: folder, title: title, command: command)
        let html = self.html(records, folder: folder, title: title, command: command)
        return try [("index.md", markdown), ("index.html", html)].map { name, text in
            let url = folder.appendingPathComponent(name)
            return (url.path, try writeIfChanged(Data(text.utf8), to: url))
        }
    }

    /// Writes `data` atomically and reports whether the file was new, changed or the same.
    static func writeIfChanged(_ data: Data, to url: URL) throws -> Outcome {
        let before = Previous(url.path)
        do {
            try AtomicFile.write(data, to: url)
        } catch let error as AtomicFile.WriteError {
            throw SettingsError(message: error.description)
        }
        return before.outcome(after: data)
    }

    /// What was at an output's path before it was written: whether anything was, and its bytes when comparable.
    struct Previous {
        let existed: Bool
        let bytes: Data?

        init(_ path: String) {
            existed = FileManager.default.fileExists(atPath: path)
            bytes = FigureIndex.comparable(path)
        }

        /// What writing `after` there did: a file that could not be compared (too large, not regular) counts as updated.
        func outcome(after: Data?) -> Outcome {
            !existed ? .created : (bytes != nil && bytes == after ? .unchanged : .updated)
        }
    }

    /// The bytes of an existing output to compare with what is written over it, or nil when it is not a regular file
    /// or larger than 64 MiB (then it counts as changed; it was read whole, whatever its size, and a 900 MB file
    /// cost a manifest run 5 s and 1 GB; a figure or index is a few hundred KiB).
    static func comparable(_ path: String) -> Data? {
        try? Gzip.readRaw(TypedPath.url(path), maxBytes: 64 << 20)
    }

    /// `path` relative to `folder`, both as the OS resolves them (`TypedPath.resolved`: links and `..` followed, so
    /// `lnk/../a.png` is linked where the file was written).
    static func relative(_ path: String, to folder: URL) -> String {
        let target = URL(fileURLWithPath: TypedPath.resolved(path)).pathComponents
        let base = URL(fileURLWithPath: TypedPath.resolved(TypedPath.url(folder).path)).pathComponents
        var common = 0
        while common < min(target.count, base.count) && target[common] == base[common] { common += 1 }
        let up = [String](repeating: "..", count: base.count - common)
        return (up + target[common...]).joined(separator: "/")
    }

    static func markdown(_ records: [FigureRecord], folder: URL, title: String, command: String) -> String {
        var out = "# \(title)\n\nWritten by `\(command)`; every figure below comes from that command.\n"
        for r in records {
            let link = relative(r.output, to: folder).replacingOccurrences(of: " ", with: "%20")
            let alt = r.alt.replacingOccurrences(of: "]", with: ")").replacingOccurrences(of: "[", with: "(")
                .replacingOccurrences(of: "\n", with: " ")
            out += "\n## \(relative(r.output, to: folder))\n\n"
            out += r.format == .pdf ? "[\(alt)](\(link))\n" : "![\(alt)](\(link))\n"
            out += "\n\(r.caption)\n"
        }
        return out
    }

    static func html(_ records: [FigureRecord], folder: URL, title: String, command: String) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:80em;margin:2em auto}img{max-width:100%}figure{margin:2em 0}</style>
        </head>
        <body>
        <h1>\(escape(title))</h1>
        <p>Written by <code>\(escape(command))</code>.</p>

        """
        for r in records {
            let link = escape(relative(r.output, to: folder))
            out += "<figure>\n"
            out += r.format == .pdf ? "<a href=\"\(link)\">\(escape(r.alt))</a>\n"
                : "<img src=\"\(link)\" alt=\"\(escape(r.alt))\">\n"
            out += "<figcaption>\(escape(r.caption))</figcaption>\n</figure>\n"
        }
        return out + "</body>\n</html>\n"
    }
}
