import Foundation
import IBPFormats
import IBPRender
import XCTest
@testable import IBP

/// Every enum a record names by a word (`NamedChoice`): an unknown word is named with the words the field takes,
/// never as Foundation's "Cannot initialize TYPE from invalid String value" (a Swift type the user never sees); a
/// known word still decodes. Found with a hand-edited `"precision": "bf17"` in a run's settings.json.
final class NamedChoiceTests: XCTestCase {
    private struct Record<T: NamedChoice>: Codable { var choice: T }

    private func check<T: NamedChoice>(_ type: T.Type, file: StaticString = #filePath, line: UInt = #line) throws {
        let good = try StrictJSON.decode(Record<T>.self, from: Data("{\"choice\": \"\(T.allCases.first!.rawValue)\"}".utf8))
        XCTAssertEqual(good.choice.rawValue, T.allCases.first!.rawValue, file: file, line: line)
        XCTAssertThrowsError(try StrictJSON.decode(Record<T>.self, from: Data("{\"choice\": \"bogus\\u0007\"}".utf8)),
                             file: file, line: line) {
            let reason = ($0 as? StrictJSON.Failure)?.reason ?? "\($0)"
            let words = T.allCases.map(\.rawValue).joined(separator: ", ")
            XCTAssertEqual(reason, "field \"choice\" is \"bogus\\u{7}\"; expected \(words)", file: file, line: line)
        }
        // Not a word at all (a number, a list, an object, true): named as such, with the words.
        for (json, shown) in [("3", "the number 3"), ("[\"a\"]", "a list"), ("{}", "an object"), ("true", "true")] {
            XCTAssertThrowsError(try StrictJSON.decode(Record<T>.self, from: Data("{\"choice\": \(json)}".utf8)),
                                 file: file, line: line) {
                let reason = ($0 as? StrictJSON.Failure)?.reason ?? "\($0)"
                let words = T.allCases.map(\.rawValue).joined(separator: ", ")
                XCTAssertEqual(reason, "field \"choice\" is \(shown), not a word; expected \(words)", file: file, line: line)
            }
        }
    }

    /// A field of free text, a whole number, a number or a flag holding another kind of value is named in JSON's
    /// terms, not Swift's (`field "model" is not a String`, new-user trial), with the value as written (a string in a number
    /// field said only "is not a number").
    func testOtherFieldsNameWhatTheyTakeInJSONTerms() {
        struct Fields: Codable { var model: String; var steps: Int; var rate: Float; var flag: Bool }
        let cases = [("{\"model\": 3, \"steps\": 1, \"rate\": 1, \"flag\": true}", "field \"model\" is the number 3, not a string (text in quotes)"),
                     ("{\"model\": \"a\", \"steps\": \"1\", \"rate\": 1, \"flag\": true}", "field \"steps\" is the string \"1\", not a whole number"),
                     ("{\"model\": \"a\", \"steps\": 1, \"rate\": [1], \"flag\": true}", "field \"rate\" is an array, not a number"),
                     ("{\"model\": \"a\", \"steps\": 1, \"rate\": 1, \"flag\": \"yes\"}", "field \"flag\" is the string \"yes\", not true or false")]
        for (json, reason) in cases {
            XCTAssertThrowsError(try StrictJSON.decode(Fields.self, from: Data(json.utf8))) {
                XCTAssertEqual(($0 as? StrictJSON.Failure)?.reason ?? "\($0)", reason)
            }
        }
    }

    func testEveryRecordedWordNamesTheWordsItTakes() throws {
        try check(TrainingSettings.Method.self)
        try check(GEMMPrecision.self)
        try check(WeightInitialization.self)
        try check(EpsilonRamp.self)
        try check(BoundMethodName.self)
        try check(MonotoneKind.self)
        try check(FigureKind.self)
        try check(Perturbation.self)
        try check(FigureFormat.self)
    }
}
