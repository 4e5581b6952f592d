import Foundation
import XCTest

/// ibp-bench measures what it is asked or says why not (new-user findings s7 3 and 4): a --models/--measures pair
/// that measures nothing (crown-verify on medium) or another model (figure, which times the shipped vissmall pair,
/// on small) is refused before any work; with --models alone the pairs left out are named in one note; outside the
/// repository the figure measures name what they need, not a --data flag ibp-bench does not have.
final class BenchCombinationTests: XCTestCase {
    func testPairsThatMeasureNothingOrSomethingElseAreRefused() throws {
        let folder = try TempFolder.make(for: self)
        let cases: [([String], [String])] = [
            (["--models", "medium", "--measures", "crown-verify"],
             ["--models medium with --measures crown-verify would measure nothing", "only for small and vissmall"]),
            (["--models", "medium-bn", "--measures", "crown-verify"], ["medium-bn", "would measure nothing"]),
            (["--json", "--models", "medium", "--measures", "crown-verify"], ["would measure nothing"]),
            (["--models", "small", "--measures", "figure"],
             ["--models small with --measures figure would measure something else", "shipped vissmall checkpoints"]),
            (["--models", "tiny", "--measures", "figure,pgd20"], ["--models tiny with --measures figure"]),
            (["--models", "small,vissmall", "--measures", "figures-100"], ["--models small with --measures figures-100"]),
            (["--models", "vissmall", "--measures", "crown-ibp-train-step"], ["needs a ReLU model"]),
            (["--models", "small", "--measures", "sgemm-peak"], ["measures the machine, not a model; drop --models"]),
            // A row's name given as a measure names the measure that gives it (it said "unknown measure").
            (["--measures", "bf16-sgemm-peak"], ["bf16-sgemm-peak is a row of the measure sgemm-peak", "give --measures sgemm-peak"]),
            (["--measures", "blas-sgemm-peak"], ["row of the measure sgemm-peak"]),
            (["--measures", "ibp-train-gflops"], ["row of the measure ibp-train-step, not"]),
            (["--measures", "ibp-train-gflops-bf16"], ["row of the measure ibp-train-step-bf16, not"]),
            (["--measures", "nominal-train-gflops"], ["row of the measure nominal-train-step, not"]),
            (["--measures", "ibp-verify-gflops"], ["row of the measure ibp-verify, not"]),
            // Trial 28: rows named by rule that no measure prints were said to be rows of a measure.
            (["--measures", "pgd20-gflops"], ["unknown measure pgd20-gflops"]),
            (["--measures", "crown-ibp-verify-gflops"], ["unknown measure crown-ibp-verify-gflops"]),
            (["--measures", "ibp-verify,ibp-verify-gflops"], ["drop it: ibp-verify, given too, prints it"]),
            (["--measures", "crown-ibp-train-cost"], ["row of the measure crown-ibp-train-step, not"]),
            (["--measures", "ibp-trian-step"], ["unknown measure ibp-trian-step; known: sgemm-peak"]),
        ]
        for (arguments, mentions) in cases {
            try assertRejected(.ibpBench, arguments + ["--repeats", "1"], in: folder, mentions: mentions, status: 64)
        }
    }

    /// The pairs that apply run as asked: vissmall's figure with --models vissmall (refused before the shared rule).
    func testTheFigureRunsWithVissmallNamed() throws {
        try Tool.ibpBench.requireBuilt()
        let outcome = try Tool.ibpBench.run(["--models", "vissmall", "--measures", "figure", "--repeats", "1", "--json"],
                                            in: Fixtures.packageRoot, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("\"measure\":\"figure\""), outcome.stdout)
    }

    /// --models alone: every measure that applies runs; the rest are named in one note line, and the figure
    /// measures (vissmall's) are not run for a list without vissmall.
    func testModelsAloneNameWhatIsLeftOut() throws {
        try Tool.ibpBench.requireBuilt()
        let outcome = try Tool.ibpBench.run(["--models", "tiny", "--repeats", "1", "--json"], in: Fixtures.packageRoot,
                                            timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stderrLines.count, 1, outcome.stderr)
        XCTAssertTrue(outcome.stderr.hasPrefix("ibp-bench: note: not measured: crown-verify for tiny"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("figure and figures-100"), outcome.stderr)
        XCTAssertFalse(outcome.stdout.contains("vissmall"), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("\"measure\":\"pgd20\""), outcome.stdout)
    }

    /// Outside the repository: one line that names the shipped files and says to run inside the repository;
    /// it offers no flag ibp-bench lacks (it said "pass --data DIR or set IBP_DATA", which it ignored).
    func testOutsideTheRepositoryTheFigureMeasuresSayWhatTheyNeed() throws {
        let outside = try TempFolder.make(for: self)
        let outcome = try assertRejected(.ibpBench, ["--measures", "figure", "--repeats", "1"], in: outside,
                                         mentions: ["sample_data/checkpoints/vissmall-baseline.ckpt",
                                                    "is not inside the repository",
                                                    "run ibp-bench from a folder inside the repository"], status: 1)
        XCTAssertFalse(outcome.stderr.contains("--data"), outcome.stderr)
        XCTAssertFalse(outcome.stderr.contains("IBP_DATA"), outcome.stderr)
    }
}
