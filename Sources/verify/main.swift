import ArgumentParser
import Foundation
import IBP
import IBPCommandLine
import IBPFormats

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Answer VNN-COMP instances (an ONNX classifier and a VNNLIB property): unsat, sat, unknown or timeout.",
        discussion: """
        One instance:  verify NET.onnx PROP.vnnlib [--bounds ibp] [--timeout S] [--out RESULT]
        A list:        verify --instances instances.csv [--shard K/N] [--results FILE.csv] [--answers answers.csv]

        unsat: a bound method proves that no input in the property's box satisfies its output condition (every \
        disjunct has a row with upper bound < 0; a tie is no proof). sat: PGD with restarts on the property's margin \
        found an input in the box whose plain forward pass satisfies it (written to --out in VNN-COMP's format).

        Each flag is given at most once, except --bounds: a list (commas, the repeated flag, or both), tried in order \
        until one proves the property.

        Exit status of one instance: 0 when it was answered (unsat, sat, unknown or timeout, also a timeout while \
        reading the property); 1 when it could not be: a network or property missing, unreadable, malformed or \
        unsupported, the two not matching, a network that no --bounds method can bound, --out not written. With \
        --instances: 0 when every instance was run, whatever the answers (also wrong ones against --answers); 1 when \
        any could not be (answer error, for the same reasons, but a network no --bounds method can bound is answered \
        unknown; the results file lists them all), or the list, --answers, the results or a counterexample file could \
        not be read or written. Both: 64 for a wrong command line. Ctrl-C or SIGTERM (a scheduler's time limit) ends one instance \
        at once, by the signal (a shell shows 130 or 143); during --instances it writes the finished instances' \
        results and exits 130 or 143.
        """,
        version: FigureRenderer.version)

    @Argument(help: "The network (.onnx, or a .ckpt / Chainer .npz of this project) and the property (.vnnlib).")
    var files: [String] = []

    @Option(name: .long, parsing: .unconditionalSingleValue, help: "Bound methods, tried in order: ibp, sound-ibp, crown-ibp, crown (default ibp).")
    var bounds: [CommaSeparated<String>] = []

    // `.unconditionalSingleValue`: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Seconds per instance (default: the list's, or none for one instance).", transform: decimalDouble)
    var timeout: Double?

    @Option(name: .long, help: "One instance: write VNN-COMP's result file here (the answer; for sat the counterexample).")
    var out: String?

    @Option(name: .long, help: "A VNN-COMP instance list (onnx,vnnlib,timeout; paths relative to its folder).")
    var instances: String?

    // `.unconditionalSingleValue`: `--shard -1/2` reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "With --instances: run shard K of N (1 <= K <= N <= 1000000), every N-th instance from the K-th.")
    var shard: String?

    @Option(name: .long, help: "With --instances: the results CSV (default output/verify-results.csv, with -K-of-N for a shard).")
    var results: String?

    @Option(name: .long, help: "With --instances: a consensus answers CSV (onnx, vnnlib, consensus, evidence) to check the answers against.")
    var answers: String?

    @Option(name: .long, help: "With --instances: write each sat instance's result file (its counterexample) into this folder.")
    var counterexamples: String?

    // `.unconditionalSingleValue`: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Parallel PGD starts (default 10; 1...1024).", transform: wholeInt(1...1024))
    var attackRestarts: Int?

    // `.unconditionalSingleValue`: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "PGD steps per start (default 100; 0...10000).", transform: wholeInt(0...maxAttackSteps))
    var attackSteps: Int?

    // `.unconditionalSingleValue`: a negative value reaches the range check instead of "missing value".
    @Option(name: .long, parsing: .unconditional, help: "Seed of PGD's random starts (default 0).", transform: wholeUInt64)
    var seed: UInt64?

    /// The methods named by --bounds, in order, without repeats.
    func methods() throws -> [BoundMethodName] {
        var names: [BoundMethodName] = []
        for item in lowercasedNames(bounds) {
            let name = try BoundMethodName(parsing: item)
            if !names.contains(name) { names.append(name) }
        }
        return names.isEmpty ? [.ibp] : names
    }

    /// (K, N) of --shard K/N.
    func shardNumbers() throws -> (Int, Int)? {
        guard let text = shard else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, WholeNumberText.isWhole(parts[0], allowsMinus: false), WholeNumberText.isWhole(parts[1], allowsMinus: false),
              let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 1_000_000, (1...n).contains(k) else {
            throw ValidationError("--shard \(text): expected K/N with 1 <= K <= N <= 1000000 (whole numbers, e.g. 3/8)")
        }
        return (k, n)
    }

    func validate() throws {
        try refuseEmptyPaths("FILE", files)
        try refuseEmptyPaths([("--out", out), ("--instances", instances), ("--results", results), ("--answers", answers),
                              ("--counterexamples", counterexamples)])
        let list = instances
        if list == nil {
            guard files.count == 2 else {
                throw ValidationError("give a network and a property (verify NET.onnx PROP.vnnlib), or --instances FILE.csv; got \(files.count) file\(files.count == 1 ? "" : "s")")
            }
            func isProperty(_ path: String) -> Bool {
                let name = path.lowercased()
                return name.hasSuffix(".vnnlib") || name.hasSuffix(".vnnlib.gz")
            }
            if isProperty(files[0]) && !isProperty(files[1]) {
                throw ValidationError("the network comes first: verify NET.onnx PROP.vnnlib (got the property "
                                      + "\(FileText.oneLine(files[0])) first)")
            }
            for (flag, values) in [("--shard", shard), ("--results", results), ("--answers", answers),
                                   ("--counterexamples", counterexamples)] where values != nil {
                throw ValidationError("\(flag) needs --instances")
            }
        } else {
            guard files.isEmpty else { throw ValidationError("--instances runs a list: give no network or property files (got \(files.joined(separator: " ")))") }
            if out != nil { throw ValidationError("--out writes one instance's result; with --instances use --results and --counterexamples") }
        }
        if let t = timeout, !(t.isFinite && t > 0) {
            throw ValidationError("--timeout must be a positive number of seconds, got \(FlagText.show("--timeout", t))")
        }
        _ = try shardNumbers()
        try validateList(lowercasedNames(bounds), flag: "--bounds", given: !bounds.isEmpty)
        do { _ = try methods() } catch { throw ValidationError("--bounds: \(error)") }
        var outputs: [RunFile] = []
        if let path = out { outputs.append(RunFile("--out", path)) }
        if let path = results { outputs.append(RunFile("--results", path)) }
        var inputs = files.map { RunFile("FILE", $0) }
        if let path = list { inputs.append(RunFile("--instances", path)) }
        if let path = answers { inputs.append(RunFile("--answers", path)) }
        try validateRunFiles(outputs: outputs, inputs: inputs)
        if let folder = counterexamples { try validateOutputFolder(folder, flag: "--counterexamples") }
    }

    func verifier() throws -> InstanceVerifier {
        InstanceVerifier(methods: try methods(),
                         attack: PropertyAttack(restarts: attackRestarts ?? 10,
                                                steps: attackSteps ?? 100,
                                                seed: seed ?? 0))
    }

    func run() throws {
        try reportingErrors("verify") {
            if let list = instances { try runList(list) } else { try runOne() }
        }
    }

    private func runOne() throws {
        let started = Date()
        let verifier = try self.verifier()
        let limit = timeout
        let outcome: InstanceOutcome
        do {
            // The time limit counts reading the property (as VNN-COMP's does).
            let (model, property) = try InstanceLoader.load(onnx: TypedPath.url(files[0]),
                                                            vnnlib: TypedPath.url(files[1]),
                                                            batch: verifier.attack.restarts,
                                                            deadline: limit.map { started.addingTimeInterval($0) },
                                                            checkModel: { model in
                // A network none of whose --bounds methods can bound it is refused before the property is read and
                // the attack runs, as `evaluate` refuses it before any work (`--bounds crown` on a max-pooling net);
                // with one that applies (`--bounds crown,ibp`) the others are named in the note.
                if let refusal = verifier.unboundable(model) {
                    throw ModelMethodError(message: "\(files[0]): \(refusal); " + BoundMethodName.advice(
                        refused: verifier.methods, given: verifier.methods, layers: model.layers, flag: "--bounds"))
                }
            })
            outcome = verifier.verify(model, property, timeout: limit, started: started)
        } catch let t as VNNLIBTimeout {
            outcome = .timedOutReading(t, started: started)
        }
        if let path = out {
            try createOutputFolder(for: path, flag: "--out")
            try AtomicFile.write(Data(outcome.resultText.utf8), to: TypedPath.url(path))
        }
        var details: [String] = []
        if let m = outcome.method { details.append("proven by \(m.rawValue)") }
        if let b = outcome.boundMargin { details.append("worst bound \(b)") }
        if let a = outcome.attackMargin { details.append("attack margin \(a)") }
        details.append(String(format: "%.3f s", outcome.seconds))
        if !outcome.note.isEmpty { details.append(outcome.note) }
        print("\(outcome.answer.rawValue) (\(oneLineMessage(details.joined(separator: "; "))))")
    }

    /// Where `--counterexamples FOLDER` puts a sat instance's result file. The list's line keeps names unique
    /// (property files of the same name sit in several folders).
    private func counterexampleURL(_ instance: VNNCOMPInstance, in folder: String) -> URL {
        let name = "line\(instance.line)_" + [instance.onnx, instance.vnnlib].map { ($0 as NSString).lastPathComponent }
            .joined(separator: "__") + ".counterexample"
        return TypedPath.url(folder, isDirectory: true).appendingPathComponent(name)
    }

    /// The list line of a name `counterexampleURL` writes (`lineN_<network>__<property>.counterexample`, N a whole
    /// number written without leading zeros), or nil for any other name.
    static func counterexampleLine(ofName name: String) -> Int? {
        let prefix = "line", suffix = ".counterexample"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
        let digits = middle.prefix { $0.isASCII && $0.isNumber }
        guard let first = digits.first, first != "0", digits.count <= 18, let line = Int(digits) else { return nil }
        let files = middle.dropFirst(digits.count)
        // `_`, then the network's and the property's names (neither empty), joined by `__`.
        guard files.first == "_" else { return nil }
        return files.dropFirst().dropFirst().dropLast().contains("__") ? line : nil
    }

    /// The counterexample files of earlier runs in `folder`, by the list line their names give: plain files with a
    /// name `counterexampleURL` writes that hold no model. Folders, links and other names are the user's.
    private func earlierCounterexamples(in folder: String) throws -> [Int: [URL]] {
        let url = TypedPath.url(folder, isDirectory: true)
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else { return [:] }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: url.path) } catch {
            throw SettingsError(message: "--counterexamples \(FileText.oneLine(folder)): cannot list the folder to remove "
                                + "an earlier run's counterexamples: \(FileText.reason(error))")
        }
        var out: [Int: [URL]] = [:]
        for name in names.sorted() {
            guard let line = Self.counterexampleLine(ofName: name) else { continue }
            let file = url.appendingPathComponent(name)
            guard (try? fm.attributesOfItem(atPath: file.path)[.type] as? FileAttributeType) == .typeRegular,
                  !FileKind.ofFile(atPath: file.path).holdsModel else { continue }
            out[line, default: []].append(file)
        }
        return out
    }

    /// Deletes `files` (an earlier run's counterexamples of a line this run answers without them).
    private func removeEarlierCounterexamples(_ files: [URL]) throws {
        for url in files {
            do { try FileManager.default.removeItem(at: url) } catch {
                throw SettingsError(message: "--counterexamples: cannot delete an earlier run's "
                                    + "\(FileText.oneLine(url.relativePath)): \(FileText.reason(error))")
            }
        }
    }

    private func runList(_ list: String) throws {
        var all = try InstanceList.read(TypedPath.url(list))
        let shard = try shardNumbers()
        if let (k, n) = shard { all = InstanceList.shard(all, k, of: n) }
        var consensus: [String: (consensus: String, evidence: String)]?
        if let answers {
            // Matched by the files both lists name; an answers file that names none of the instances (another
            // benchmark's, or paths written from another folder) was ignored without a word.
            let (matched, unmatched) = try ConsensusList.answers(TypedPath.url(answers), for: all)
            if !all.isEmpty && matched.isEmpty {
                throw ValidationError("--answers \(FileText.oneLine(answers)) names none of the \(all.count) instance"
                    + (all.count == 1 ? "" : "s") + " of \(FileText.oneLine(list)) (the first: "
                    + "\(FileText.oneLine(all[0].onnx)), \(FileText.oneLine(all[0].vnnlib))); its paths are read from its "
                    + "own folder: give the answers of these instances, or leave --answers out")
            }
            if !unmatched.isEmpty {
                FileHandle.standardError.write(Data(("verify: note: --answers names no answer for \(unmatched.count) of "
                    + "\(all.count) instances (the first: line \(unmatched[0].line)); those are not checked\n").utf8))
            }
            consensus = matched
        }
        let resultsPath = results
            ?? "output/verify-results\(shard.map { "-\($0.0)-of-\($0.1)" } ?? "").csv"
        // The list's networks and properties are inputs too: a results file named like one would replace it.
        var read = [RunFile("--instances", list)] + (answers.map { [RunFile("--answers", $0)] } ?? [])
        for instance in all {
            read.append(RunFile("--instances line \(instance.line) onnx", instance.onnxURL.path))
            read.append(RunFile("--instances line \(instance.line) vnnlib", instance.vnnlibURL.path))
        }
        try validateRunFiles(outputs: [RunFile("--results", resultsPath)], inputs: read)
        let cexFolder = counterexamples
        // Every counterexample file the list could write is checked like any output (a link among them is refused
        // now, not after the instances ran); one by one, since their `lineN_` names cannot be an input's.
        if let cexFolder {
            for instance in all {
                try validateOutputFile(counterexampleURL(instance, in: cexFolder).path, flag: "--counterexamples",
                                       createsFolder: true)
            }
        }
        // An earlier run's counterexamples of the lines this run covers go: the line's instance may have moved to
        // another line, left the list or no longer answer sat, and a file would stay beside results that do not
        // name it. A run covers every line of the list and past its end (trial 32: a shorter list left the old
        // list's last lines), a shard only its own instances' lines (the other shards' files are theirs). Each
        // instance's line is cleared when it is answered.
        var earlier = try cexFolder.map(earlierCounterexamples) ?? [:]
        if cexFolder != nil, shard == nil {
            let instanceLines = Set(all.map(\.line))
            for line in earlier.keys.sorted() where !instanceLines.contains(line) {
                try removeEarlierCounterexamples(earlier.removeValue(forKey: line) ?? [])
            }
        }
        let methods = try self.methods()
        let batch = InstanceBatch(verifier: try verifier(), timeout: timeout)
        var bar = ProgressBar(total: all.count, label: "instances", plainEvery: max(1, all.count / 10))
        var outcomes: [InstanceResult] = []
        let started = Date()
        // Ctrl-C or SIGTERM (a scheduler's time limit) stops the instance under way (its answer is dropped) and
        // writes the results of the finished ones; a second signal ends the process at once.
        Interrupt.install()
        for instance in all {
            if Interrupt.requested { break }
            var result = batch.run(instance, consensus: consensus)
            if Interrupt.requested { break }
            if result.outcome.answer == .sat, let cexFolder, result.outcome.counterexample != nil {
                let url = counterexampleURL(instance, in: cexFolder)
                try createOutputFolder(for: url.path, flag: "--counterexamples")
                try AtomicFile.write(Data(result.outcome.resultText.utf8), to: url)
                result.counterexampleFile = url.relativePath
                try removeEarlierCounterexamples((earlier[instance.line] ?? []).filter {
                    $0.lastPathComponent != url.lastPathComponent })
            } else if cexFolder != nil {
                // This run writes no counterexample for the line: every earlier one of it goes (its own instance's,
                // checked as an output above, and another instance's that was on this line before).
                try removeEarlierCounterexamples(earlier[instance.line] ?? [])
            }
            outcomes.append(result)
            bar.update(outcomes.count, status: result.outcome.answer.rawValue)
        }
        try createOutputFolder(for: resultsPath, flag: "--results")
        try AtomicFile.write(Data(BatchReport.csv(outcomes).utf8), to: TypedPath.url(resultsPath))
        if let signal = Interrupt.receivedSignal {
            FileHandle.standardError.write(Data(("verify: \(Interrupt.name(of: signal)) after \(outcomes.count) of "
                + "\(all.count) instances; the results of those are in \(FileText.oneLine(resultsPath))\n").utf8))
            throw ExitCode(128 + signal)
        }
        let shardText = shard.map { ", shard \($0.0)/\($0.1)" } ?? ""
        print("verify --bounds \(methods.map(\.rawValue).joined(separator: ",")): \(all.count) instance\(all.count == 1 ? "" : "s") of \(FileText.oneLine(list))\(shardText), "
              + String(format: "%.1f s", Date().timeIntervalSince(started)) + "; results in \(FileText.oneLine(resultsPath))")
        print(BatchReport.summary(outcomes))
        let wrong = outcomes.filter(\.isWrong)
        if !wrong.isEmpty {
            print("WRONG answers (against the consensus): "
                  + wrong.map { "\(FileText.oneLine($0.instance.onnx)) \(FileText.oneLine($0.instance.vnnlib)): \($0.outcome.answer.rawValue)" }.joined(separator: "; "))
        }
        // The results file is complete either way; the status tells a script that some instances were not answered.
        let errored = outcomes.filter { $0.outcome.answer == .error }
        if !errored.isEmpty {
            FileHandle.standardError.write(Data("verify: error: \(errored.count) of \(outcomes.count) instances could not be run (answer error in \(FileText.oneLine(resultsPath)))\n".utf8))
            throw ExitCode(ExitStatus.failure)
        }
    }
}

Verify.mainWithOneLineErrors()

/// A network that no requested bound method can bound (a failure of the run, exit status 1, as in `evaluate`).
struct ModelMethodError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
