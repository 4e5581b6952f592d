import Foundation
import IBPFormats
import XCTest
@testable import IBP

/// Trust22b: a built-in model name means its layers wherever a model is read, and the fields `train` records for
/// itself (`gemmKernel`, `dataSHA256`) are checked where a record is read.
final class TrustedNamesTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// `vissmall`'s layers under the name "small" (the trial's `name_small.ckpt`).
    private func mislabelled() throws -> URL {
        var architecture = Architecture.named("vissmall")!
        architecture.name = "small"
        let network = Network(architecture)
        Initializer.orthogonal(network, seed: 3)
        let url = dir.appendingPathComponent("name_small.ckpt")
        try Checkpoint(network: network, step: 1).save(to: url)
        return url
    }

    /// evaluate, convert and visualize (`ModelFile.load`, `Checkpoint.load`) labelled it "(small)"; with
    /// `--architecture vissmall` it was accepted too. Refused, naming the file, both ways.
    func testCheckpointWithABuiltInNameAndOtherLayersIsRefused() throws {
        let url = try mislabelled()
        for forced in [nil, Architecture.named("vissmall"), Architecture.named("small")] {
            XCTAssertThrowsError(try Checkpoint.load(url, architecture: forced)) {
                let text = "\($0)"
                XCTAssert(text.hasPrefix(url.relativePath + ": architecture in metadata is named \"small\", one of the "
                                         + "named models, but its layers differ"), text)
                XCTAssert(text.contains("the file is not a small checkpoint"), text)
            }
        }
        XCTAssertThrowsError(try ModelFile.load(url)) { XCTAssert("\($0)".contains("is named \"small\""), "\($0)") }
        // A checkpoint whose name is its layers' still loads, and so does one with a name of its own.
        let named = dir.appendingPathComponent("vissmall.ckpt")
        try Checkpoint(network: Network(Architecture.named("vissmall")!), step: 1).save(to: named)
        XCTAssertEqual(try Checkpoint.load(named).architecture.name, "vissmall")
        var own = Architecture.named("vissmall")!
        own.name = "my-vissmall"
        let custom = dir.appendingPathComponent("custom.ckpt")
        try Checkpoint(network: Network(own), step: 1).save(to: custom)
        XCTAssertEqual(try Checkpoint.load(custom).architecture, own)
    }

    /// The same rule for a run's record: recorded layers named "small" that are not small's, or `"model": "small"`
    /// with other recorded layers.
    func testSettingsWithABuiltInNameAndOtherLayersAreRefused() throws {
        var settings = TrainingSettings(model: "run.json", method: .nominal, schedule: Schedule(epsilonTrain: 0), steps: 10)
        var layers = Architecture.named("vissmall")!
        layers.name = "small"
        settings.architecture = layers
        XCTAssertThrowsError(try settings.validate()) {
            XCTAssert("\($0)".contains("recorded layers (field \"architecture\") are named \"small\", one of the named models"), "\($0)")
        }
        layers.name = "wide"
        settings.architecture = layers
        XCTAssertNoThrow(try settings.validate())
        settings.model = "small"
        XCTAssertThrowsError(try settings.validate()) {
            XCTAssert("\($0)".contains("model 'small' is one of the named models, but the recorded layers (field \"architecture\", \"wide\")"), "\($0)")
        }
    }

    /// `"gemmKernel": "foo"` was carried on with a warning and rewritten as "foo+avx2"; `"dataSHA256": "00"` was
    /// compared as if it were a digest.
    func testRecordedKernelAndDigestAreChecked() throws {
        var settings = TrainingSettings(model: "tiny", method: .nominal, schedule: Schedule(epsilonTrain: 0), steps: 10)
        for good in ["avx2", "blas", "avx512+avx2", "blas+avx2+blas"] {
            settings.gemmKernel = good
            XCTAssertNoThrow(try settings.validate(), good)
        }
        for bad in ["foo", "foo+avx2", "", "avx2+", "AVX2", "avx2 "] {
            settings.gemmKernel = bad
            XCTAssertThrowsError(try settings.validate(), bad) {
                XCTAssert("\($0)".hasPrefix("field \"gemmKernel\" is \"\(bad)\"; expected avx512, avx2, blas"), "\($0)")
            }
        }
        settings.gemmKernel = nil
        let digest = String(repeating: "0a", count: 32)
        for good in ["\(digest)+\(digest)", "-+\(digest)"] {
            settings.dataSHA256 = good
            XCTAssertNoThrow(try settings.validate(), good)
        }
        for bad in ["00", digest, "\(digest)+\(digest)+\(digest)", "\(digest.uppercased())+\(digest)", "\(digest)+"] {
            settings.dataSHA256 = bad
            XCTAssertThrowsError(try settings.validate(), bad) {
                XCTAssert("\($0)".hasPrefix("field \"dataSHA256\" is \""), "\($0)")
            }
        }
    }

    /// A model name from a file is printed escaped (`"ti\u0000ny"` printed a raw NUL byte).
    func testUnknownModelNameIsEscaped() {
        let settings = TrainingSettings(model: "ti\u{0}ny", method: .nominal, schedule: Schedule(epsilonTrain: 0), steps: 10)
        XCTAssertThrowsError(try settings.validate()) {
            XCTAssert("\($0)".hasPrefix("unknown model 'ti\\u{0}ny' (choose from"), "\($0)")
            XCTAssertFalse("\($0)".contains("\u{0}"))
        }
    }
}
