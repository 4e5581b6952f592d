import Foundation
import XCTest

/// Issue #11, kind 7: nothing the user owns is damaged by a failure. Every script under scripts/ and Fuzz/ is run
/// with bad arguments in a copy of the repository; each must fail (status 64 for a bad command line, 1 for missing
/// data), before building anything, and leave every file of the copy as it was (`scripts/results.sh` with a
/// missing data folder used to empty the tracked docs/results/small.json). A script without cases here fails the
/// test, so a new script cannot go unchecked.
final class ScriptTests: XCTestCase {
    /// The repository's files that the scripts read or write (the Swift sources are not needed: no script may get
    /// as far as building).
    private static let copied = ["scripts", "docs", "sample_data", "Fuzz/run.sh", "Fuzz/make-seeds.py", "Fuzz/Seeds",
                                 "README.md", "Package.swift", "Makefile"]

    /// Bad command lines per script, with the exit status each must give. `DATA` stands for a good data folder,
    /// so that the bad part is the other argument.
    private static let cases: [String: [([String], Int32)]] = [
        "scripts/results.sh": [(["/nonexistent/mnist"], 1), (["DATA", "extra"], 64), ([""], 64)],
        "scripts/train-small.sh": [(["/nonexistent/mnist"], 1), (["DATA", "abc"], 64), (["DATA", "-5"], 64),
                                   (["DATA", ""], 64), (["DATA", "1000000001"], 64), (["-x"], 64), (["a", "b", "c"], 64)],
        "scripts/train-vissmall.sh": [(["/nonexistent/mnist"], 1), (["DATA", "extra"], 64)],
        "scripts/train-medium-bn.sh": [(["/nonexistent/mnist"], 1), (["DATA", "extra"], 64)],
        // An argument given empty is refused, not taken for its default (`"" 60000` trained for 15 minutes).
        "scripts/time-training.sh": [(["/nonexistent/mnist"], 1), (["DATA", "0"], 64), ([""], 64), (["DATA", ""], 64),
                                     (["DATA", "20", ""], 64), (["DATA", "20", "fp16"], 64),
                                     // Too long for the shell's arithmetic: one line, not also a shell error.
                                     (["DATA", "99999999999999999999999"], 64),
                                     // An option word was taken for DATA_DIR ("--help: no such data folder", exit 1).
                                     (["--steps=5"], 64), (["DATA", "1", "fp32", "more"], 64)],
        "scripts/get-mnist.sh": [(["README.md"], 64), (["a", "b"], 64), ([""], 64)],
        "scripts/compare-pytorch.sh": [(["--bogus"], 64), (["--repeats", "x"], 64), (["--models", "large"], 64),
                                       (["--repeats", "99999999999999999999999"], 64), (["--threads", "9"], 64),
                                       (["--repeats", "--threads", "2"], 64), (["--repeats=x"], 64), (["--models"], 64),
                                       // A repeated flag kept its last value silently; a stray word, an empty value.
                                       (["--repeats", "3", "--repeats", "4"], 64), (["--models=small", "--models=medium"], 64),
                                       (["extra"], 64), (["--repeats", ""], 64),
                                       (["--rounds", "0"], 64), (["--rounds", "21"], 64), (["--rounds"], 64),
                                       (["--rounds", "2", "--rounds", "2"], 64),
                                       // Trial 28: a model named twice was refused by ibp-bench only, after the
                                       // build and a PyTorch round; two rounds' median is their mean.
                                       (["--models", "small,small"], 64), (["--models", "medium,small,medium"], 64),
                                       (["--rounds", "2"], 64)],
        "scripts/compare-lirpa.sh": [(["--bogus"], 64), (["--limit", "x"], 64), (["/nonexistent/mnist"], 1),
                                     (["DATA", "--limit", "20000"], 64), (["DATA", "--limit", "5", "--limit", "7"], 64),
                                     (["DATA", "DATA"], 64), ([""], 64), (["--limit", ""], 64), (["--margins", ""], 64),
                                     (["DATA", "--margins", "0"], 64), (["DATA", "--margins", "20000"], 64),
                                     (["DATA", "--margins", "5", "--limit", "5"], 64), (["--margins"], 64),
                                     (["DATA", "--margins", "99999999999999999999999"], 64),
                                     (["DATA", "--limit", "99999999999999999999999"], 64),
                                     // An option where a value belongs is named, not taken as the value or DATA_DIR.
                                     (["DATA", "--limit", "--margins", "3"], 64), (["DATA", "--margins", "--limit"], 64),
                                     // --flag=value as the Swift tools take it: parsed (0 refused), and a good
                                     // value gets as far as the auto_LiRPA check, which fails here (status 1).
                                     (["DATA", "--margins=0"], 64), (["DATA", "--margins=3"], 1),
                                     // Rounds in 1...20; the subsets do not go with --margins, which times nothing.
                                     (["DATA", "--rounds", "0"], 64), (["DATA", "--rounds", "21"], 64),
                                     (["DATA", "--rounds", "2", "--rounds", "3"], 64), (["DATA", "--methods"], 64),
                                     (["DATA", "--margins", "3", "--rounds", "2"], 64),
                                     (["DATA", "--margins", "3", "--methods", "crown"], 64),
                                     // Trial 28: names are checked before auto_LiRPA is looked for (it said "no
                                     // auto_LiRPA", status 1, on a machine without it), and 2 rounds are a mean.
                                     (["DATA", "--methods", "bogus"], 64), (["DATA", "--checkpoints", "medium"], 64),
                                     (["DATA", "--methods", "ibp,ibp"], 64), (["DATA", "--rounds", "2"], 64)],
        "scripts/compare-lirpa.py": [(["--bogus"], 64), ([], 64), (["--evaluate", "e", "--data", "d", "--limit", "0"], 64),
                                     (["--evaluate", "e", "--data", "d", "--margins", "0"], 64),
                                     (["--evaluate", "e", "--data", "d", "--rounds", "0"], 64),
                                     (["--evaluate", "e", "--data", "d", "--methods", "crown,bogus"], 64),
                                     (["--evaluate", "e", "--data", "d", "--methods", "ibp,ibp"], 64),
                                     (["--evaluate", "e", "--data", "d", "--checkpoints", "medium"], 64),
                                     (["--evaluate", "e", "--data", "d", "--margins", "3", "--rounds", "2"], 64),
                                     (["--evaluate", "e", "--data", "d", "--rounds", "2"], 64)],
        "scripts/install-deps.sh": [(["--bogus"], 64)],
        "scripts/results_table.py": [(["/nonexistent", "README.md"], 64), (["docs/results"], 64)],
        "scripts/make-sample-data.py": [(["/nonexistent/mnist"], 1), (["DATA", "sample_data/mnist", "many"], 64)],
        "scripts/convert_mnist_pkl.py": [(["/nonexistent.whl", "out"], 64), ([], 64)],
        "scripts/check-figures.sh": [(["extra"], 64)],
        "scripts/check-curves.sh": [([], 64), (["/nonexistent/mnist"], 1), (["DATA", "/nonexistent.ckpt"], 1)],
        "Fuzz/run.sh": [(["bogus"], 64), (["npz", "soon"], 64)],
        "Fuzz/make-seeds.py": [(["--bogus"], 64)],
        "scripts/check-counterexamples.py": [(["/nonexistent.csv"], 64), ([], 64)],
        "scripts/check-onnx-reference.py": [(["--bogus"], 64), (["--vnncomp", "/nonexistent/vnncomp"], 1)],
        "scripts/generate-onnx-proto.sh": [(["extra"], 64)],
        "scripts/vnncomp.sh": [(["/nonexistent/vnncomp"], 1), (["DATA", "ibp,bogus"], 64), (["a", "ibp", "c"], 64),
                               (["--methods", "ibp"], 64),
                               ([""], 64), (["DATA", ""], 64)],
        "scripts/pytorch-to-verify.sh": [(["a", "b", "c"], 64), (["/nonexistent/mnist"], 1), (["DATA", ""], 64)],
        "scripts/vnncomp/install_tool.sh": [([], 64), (["v2"], 64)],
        "scripts/vnncomp/prepare_instance.sh": [(["v1", "c", "x.onnx"], 64), (["v2", "c", "README.md", "README.md"], 64),
                                                (["v1", "c", "/nonexistent.onnx", "README.md"], 1)],
        "scripts/vnncomp/run_instance.sh": [(["v1", "c", "n.onnx", "p.vnnlib", "out.txt"], 64),
                                            (["v1", "c", "n.onnx", "p.vnnlib", "out.txt", "soon"], 64)],
    ]

    func testEveryScriptRefusesBadArgumentsWithoutTouchingAnyFile() throws {
        let root = Fixtures.packageRoot
        let scripts = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("scripts").path)
            .filter { $0.hasSuffix(".sh") || $0.hasSuffix(".py") }.map { "scripts/\($0)" }
            + ["Fuzz/run.sh", "Fuzz/make-seeds.py"]
            + (try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("scripts/vnncomp").path))
                .filter { $0.hasSuffix(".sh") }.map { "scripts/vnncomp/\($0)" }
        XCTAssertEqual(Set(scripts), Set(Self.cases.keys), "every script needs bad-argument cases here")

        let (repo, bin, marker) = try Self.scratchRepository(for: self)
        let data = try TempFolder.make(for: self)
        try Fixtures.writeData(to: data, count: 10)

        let before = try Self.snapshot(repo)
        for script in scripts.sorted() {
            // A script without cases fails the set comparison above; the loop goes on with the others.
            for (arguments, status) in Self.cases[script] ?? [] {
                let resolved = arguments.map { $0 == "DATA" ? data.path : $0 }
                let outcome = try Self.run(repo.appendingPathComponent(script), resolved, in: repo, path: bin)
                let what = "\(script) \(resolved.joined(separator: " "))"
                XCTAssertEqual(outcome.status, status, "\(what): exit status; stderr: \(outcome.stderr)")
                XCTAssertEqual(outcome.stderr.split(separator: "\n").count, 1, "\(what): stderr is not one line:\n\(outcome.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path), "\(what): got as far as building")
                XCTAssertEqual(try Self.snapshot(repo), before, "\(what): changed files of the repository")
                try? FileManager.default.removeItem(at: marker)
            }
        }
    }

    /// `-h` / `--help` prints the comment block at the top of every script that takes arguments (status 0, nothing
    /// on stderr, nothing built): it was taken for a data folder ("--help: no such data folder").
    func testHelpPrintsTheScriptsHeader() throws {
        let root = Fixtures.packageRoot
        for script in ["time-training.sh", "train-small.sh", "results.sh", "train-vissmall.sh", "train-medium-bn.sh",
                       "vnncomp.sh", "pytorch-to-verify.sh", "check-curves.sh", "compare-lirpa.sh", "compare-pytorch.sh"] {
            let url = root.appendingPathComponent("scripts/\(script)")
            let header = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")[1].dropFirst(2)
            for flag in ["-h", "--help"] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [url.path, flag]
                let out = Pipe(), errors = Pipe()
                process.standardOutput = out
                process.standardError = errors
                try process.run()
                let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                XCTAssertEqual(process.terminationStatus, 0, "\(script) \(flag): \(stderr)")
                XCTAssert(text.hasPrefix(String(header)), "\(script) \(flag) printed:\n\(text)")
                XCTAssertEqual(stderr, "", "\(script) \(flag)")
            }
        }
    }

    /// The given case of the issue, spelt out: the results table's JSON survives a run without data.
    /// `install_file` (how the training scripts ship checkpoints and curves) gives the file the permissions a new file
    /// gets under the umask: mktemp's temporary file is 0600, and the shipped medium-bn checkpoints came out private.
    func testInstalledFilesGetTheUmasksPermissions() throws {
        let folder = try TempFolder.make(for: self)
        let common = Fixtures.packageRoot.appendingPathComponent("scripts/lib/common.sh").path
        for (umask, expected) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
            let target = folder.appendingPathComponent("u\(umask)/shipped.ckpt")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "umask \(umask) && source \"$0\" && echo x > \"$2\" && install_file \"$2\" \"$1\"",
                                 common, target.path, folder.appendingPathComponent("source\(umask)").path]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, expected, "umask \(umask)")
        }
    }

    func testResultsWithoutDataKeepsTheTrackedResults() throws {
        let repo = try TempFolder.make(for: self)
        for item in ["scripts", "docs", "README.md"] {
            try FileManager.default.copyItem(at: Fixtures.packageRoot.appendingPathComponent(item),
                                             to: repo.appendingPathComponent(item))
        }
        let small = repo.appendingPathComponent("docs/results/small.json")
        let original = try Data(contentsOf: small)
        XCTAssertFalse(original.isEmpty)
        let outcome = try Self.run(repo.appendingPathComponent("scripts/results.sh"), ["/nonexistent/mnist"], in: repo,
                                   path: nil)
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.contains("scripts/get-mnist.sh"), outcome.stderr)
        XCTAssertEqual(try Data(contentsOf: small), original)
    }

    /// A relative DATA_DIR is read from the folder the script is started in, as every other tool reads a path (the
    /// scripts work in the repository, and `mnist` given in /work/shared was looked for as <repository>/mnist):
    /// started beside the data folder and given its name, the scripts that take one get past their data check to
    /// the build (the `swift` on PATH here records the call and fails).
    func testARelativeDataFolderIsReadFromWhereTheScriptRuns() throws {
        let parent = try TempFolder.make(for: self)
        let data = parent.appendingPathComponent("mnist-here")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Fixtures.writeData(to: data, count: 10)
        let (repo, bin, marker) = try Self.scratchRepository(for: self)
        for (script, arguments) in [("scripts/time-training.sh", ["mnist-here", "20", "bf16"]),
                                    ("scripts/train-small.sh", ["mnist-here", "20"])] {
            let outcome = try Self.run(repo.appendingPathComponent(script), arguments, in: parent, path: bin)
            XCTAssertFalse(outcome.stderr.contains("no such data folder"), "\(script): \(outcome.stderr)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "\(script) stopped before building: "
                          + outcome.stderr)
            try? FileManager.default.removeItem(at: marker)
        }
    }

    /// Trial 28: a relative LIRPA_PYTHON / TORCH_PYTHON was read from the repository (the scripts work there), not
    /// from the folder the script was started in, as DATA_DIR is: the right path was "no auto_LiRPA".
    func testARelativePythonIsReadFromWhereTheScriptRuns() throws {
        let parent = try TempFolder.make(for: self)
        try Fixtures.writeData(to: parent.appendingPathComponent("mnist-here"), count: 10)
        // A Python that has every module: `-c "import ..."` and the checks exit 0.
        let python = parent.appendingPathComponent("py-here")
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: python)
        chmod(python.path, 0o755)
        let (repo, bin, marker) = try Self.scratchRepository(for: self)
        for (script, arguments, variable) in [("scripts/compare-lirpa.sh", ["mnist-here"], "LIRPA_PYTHON"),
                                              ("scripts/compare-pytorch.sh", ["--models", "small"], "TORCH_PYTHON")] {
            let outcome = try Self.run(repo.appendingPathComponent(script), arguments, in: parent, path: bin,
                                       environment: [variable: "./py-here"])
            XCTAssertTrue(FileManager.default.fileExists(atPath: marker.path), "\(script) stopped before building: "
                          + outcome.stderr)
            try? FileManager.default.removeItem(at: marker)
        }
        // The same for TRAIN_BIN: a `train` given by a relative path is the caller's.
        let ran = parent.appendingPathComponent("train-was-called")
        let train = parent.appendingPathComponent("train-here")
        try Data("#!/bin/sh\ntouch '\(ran.path)'\nexit 1\n".utf8).write(to: train)
        chmod(train.path, 0o755)
        let outcome = try Self.run(repo.appendingPathComponent("scripts/train-small.sh"), ["mnist-here", "20"], in: parent,
                                   path: bin, environment: ["TRAIN_BIN": "./train-here"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: ran.path), "TRAIN_BIN not found: " + outcome.stderr)
    }

    /// A copy of the repository's scripts and files (so that nothing a script does touches this one), and a folder
    /// with a `swift` that records being called (`marker`) and fails: a script that gets past its checks would build.
    private static func scratchRepository(for test: XCTestCase) throws -> (repo: URL, bin: URL, marker: URL) {
        let root = Fixtures.packageRoot
        let bin = try TempFolder.make(for: test)
        let marker = bin.appendingPathComponent("swift-was-called")
        try Data("#!/bin/sh\ntouch '\(marker.path)'\nexit 1\n".utf8).write(to: bin.appendingPathComponent("swift"))
        chmod(bin.appendingPathComponent("swift").path, 0o755)
        let repo = try TempFolder.make(for: test)
        for item in Self.copied {
            let target = repo.appendingPathComponent(item)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: root.appendingPathComponent(item), to: target)
        }
        return (repo, bin, marker)
    }

    /// Every file under `folder` with its bytes' hash, and every folder.
    private static func snapshot(_ folder: URL) throws -> [String: Int] {
        var out: [String: Int] = [:]
        let base = folder.resolvingSymlinksInPath().path
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)!
        for case let url as URL in walker {
            let path = String(url.resolvingSymlinksInPath().path.dropFirst(base.count))
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            out[path] = isFolder.boolValue ? -1 : (try Data(contentsOf: url)).hashValue
        }
        return out
    }

    private static func run(_ script: URL, _ arguments: [String], in folder: URL, path: URL?,
                            environment extra: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        let isPython = script.pathExtension == "py"
        process.executableURL = URL(fileURLWithPath: isPython ? "/usr/bin/env" : "/bin/bash")
        process.arguments = (isPython ? ["python3", script.path] : [script.path]) + arguments
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["IBP_DATA"] = nil
        // No auto_LiRPA or PyTorch of the developer's: a good command line stops at that check (status 1).
        environment["LIRPA_PYTHON"] = "/nonexistent/python"
        environment["TORCH_PYTHON"] = "/nonexistent/python"
        if let path { environment["PATH"] = path.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin") }
        environment.merge(extra) { $1 }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
