import XCTest
@testable import IBP
import IBPFormats

/// The flags of fast certified training: the paper's defaults for new runs, today's behaviour for runs recorded
/// before a flag existed, and `--resume` refusing a flag that differs from the record.
final class FastTrainingFlagsTests: XCTestCase {
    private func settings(_ edit: (inout TrainingFlags) -> Void = { _ in }) -> TrainingSettings {
        var flags = TrainingFlags()
        edit(&flags)
        return flags.settings()
    }

    /// A record as `settings.json` held it before these flags existed.
    private func oldRecord(method: TrainingSettings.Method = .ibp) throws -> TrainingSettings {
        var s = settings { $0.method = method }
        s.initialization = nil
        let json = try JSONEncoder().encode(s)
        let text = String(decoding: json, as: UTF8.self)
        XCTAssertFalse(text.contains("initialization"))
        return try StrictJSON.decode(TrainingSettings.self, from: json)
    }

    func testInitialisationDefaultsAndRecord() throws {
        XCTAssertEqual(settings().initialization, .ibp)
        XCTAssertEqual(settings { $0.method = .nominal }.initialization, .orthogonal)
        XCTAssertEqual(settings { $0.fast.initialization = .orthogonal }.initialization, .orthogonal)
        let old = try oldRecord()
        XCTAssertNil(old.initialization)
        var flags = TrainingFlags()
        flags.fast.initialization = .orthogonal
        XCTAssertEqual(flags.conflicts(with: old), [])
        flags.fast.initialization = .ibp
        XCTAssertEqual(flags.conflicts(with: old), [.init(flag: "--init", given: "ibp", recorded: "orthogonal")])
        XCTAssertEqual(flags.conflicts(with: settings()), [])
    }

    func testRegularizerDefaultsAndRecord() throws {
        XCTAssertEqual(settings().warmupRegularizer, WarmupRegularizer(lambda: 0.5, tolerance: 0.5))
        XCTAssertNil(settings { $0.method = .nominal }.warmupRegularizer)
        XCTAssertEqual(settings { $0.fast.regularizerLambda = 0 }.warmupRegularizer?.lambda, 0)
        var flags = TrainingFlags()
        flags.method = .nominal
        flags.fast.regularizerTolerance = 0.3
        XCTAssertEqual(flags.ibpOnlyFlags, ["--reg-tolerance"])
        var bad = settings()
        bad.warmupRegularizer?.tolerance = -1
        XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual("\($0)", "--reg-tolerance must be a positive finite number, got -1.0") }
        // A record from before the regularisers ran without them: --reg-lambda 0 agrees, 0.5 does not.
        var old = try oldRecord()
        old.warmupRegularizer = nil
        var given = TrainingFlags()
        given.fast.regularizerLambda = 0
        XCTAssertEqual(given.conflicts(with: old), [])
        given.fast.regularizerLambda = 0.5
        XCTAssertEqual(given.conflicts(with: old), [.init(flag: "--reg-lambda", given: "0.5", recorded: "0.0")])
    }
}
