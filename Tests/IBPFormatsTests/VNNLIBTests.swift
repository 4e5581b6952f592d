import Foundation
import XCTest
@testable import IBPFormats

final class VNNLIBTests: XCTestCase {
    /// A complete small property: 3 inputs, 2 outputs.
    static let small = """
    ; a comment
    (declare-const X_0 Real)
    (declare-const X_1 Real)
    (declare-const X_2 Real)
    (declare-const Y_0 Real)
    (declare-const Y_1 Real)
    (assert (<= X_0 0.5))
    (assert (>= X_0 -0.25))   ; a trailing comment
    (assert (>= 1 X_1))
    (assert (<= 0 X_1))
    (assert (and (>= X_2 1e-3) (<= X_2 2.5E+1)))
    (assert (or (and (>= Y_1 Y_0)) (and (< (+ (* 2 Y_0) (- Y_1) 0.5) 3) (> Y_0 (/ 1 4)))))
    """

    func testSmallPropertyNormalisesEveryInequality() throws {
        let p = try VNNLIB.parse(text: Self.small, path: "small.vnnlib")
        XCTAssertEqual(p.inputCount, 3)
        XCTAssertEqual(p.outputCount, 2)
        XCTAssertEqual(p.lower, [-0.25, 0, Float(1e-3).nextDown])  // 0.001 is not a Float: rounded down
        XCTAssertEqual(p.upper, [0.5, 1, 25])
        XCTAssertLessThanOrEqual(Double(p.lower[2]), 1e-3)
        XCTAssertEqual(p.disjuncts.count, 2)
        // (>= Y_1 Y_0): Y_1 - Y_0 >= 0.
        XCTAssertEqual(p.disjuncts[0], [LinearInequality(coefficients: [-1, 1], constant: 0, isStrict: false)])
        // (< (2 Y_0 - Y_1 + 0.5) 3): 3 - (2 Y_0 - Y_1 + 0.5) > 0, i.e. -2 Y_0 + Y_1 + 2.5 > 0; (> Y_0 1/4): Y_0 - 0.25 > 0.
        XCTAssertEqual(p.disjuncts[1], [LinearInequality(coefficients: [-2, 1], constant: 2.5, isStrict: true),
                                        LinearInequality(coefficients: [1, 0], constant: -0.25, isStrict: true)])
        XCTAssertTrue(p.isCounterexample(output: [0, 0]))      // Y_1 >= Y_0: a tie counts
        XCTAssertTrue(p.isCounterexample(output: [1, 0]))      // the second disjunct: 0.5 > 0 and 0.75 > 0
        XCTAssertFalse(p.isCounterexample(output: [1.25, 0]))  // -2.5 + 2.5 = 0 is not > 0
        XCTAssertFalse(p.isCounterexample(output: [2, 0]))
    }

    /// Box bounds round outward to Float: the Float box contains the decimal one.
    /// A UTF-8 byte order mark (issue 11) is valid UTF-8 text: the property reads as without it. The same for an
    /// instance list, whose header would otherwise not be recognised.
    func testLeadingByteOrderMarkIsSkipped() throws {
        XCTAssertEqual(try VNNLIB.parse(Data([0xEF, 0xBB, 0xBF]) + Data(Self.small.utf8), path: "bom.vnnlib"),
                       try VNNLIB.parse(text: Self.small, path: "small.vnnlib"))
        let list = Data([0xEF, 0xBB, 0xBF]) + Data("onnx,vnnlib,timeout\na.onnx,b.vnnlib,5\n".utf8)
        let instances = try InstanceList.instances(try CSVTable.parse(list, path: "l.csv"), path: "l.csv",
                                                   folder: URL(fileURLWithPath: "/tmp"))
        XCTAssertEqual(instances.map(\.onnx), ["a.onnx"])
        // Line 1's columns count the mark's 3 bytes, as columns count bytes everywhere (trial 35): the bad name is
        // byte 19 of the file (it was called 16).
        XCTAssertThrowsError(try VNNLIB.parse(Data([0xEF, 0xBB, 0xBF]) + Data("(declare-const Q Real)\n".utf8),
                                              path: "bom.vnnlib")) { error in
            XCTAssert("\(error)".hasPrefix("bom.vnnlib:1:19: "), "\(error)")
        }
    }

    /// Trial 30: a file with old Mac line ends (a lone CR) was one comment from its first ';' on, and was refused as
    /// declaring no X variable. A lone CR ends a line (and a comment) as LF and CR LF do; positions count it.
    func testEveryLineEndEndsAComment() throws {
        let lf = try VNNLIB.parse(text: Self.small, path: "lf.vnnlib")
        for end in ["\r", "\r\n"] {
            XCTAssertEqual(try VNNLIB.parse(text: Self.small.replacingOccurrences(of: "\n", with: end), path: "p"), lf)
        }
        let bad = "; comment\r(declare-const X_0 Real)\r(declare-const Q Real)"
        XCTAssertThrowsError(try VNNLIB.parse(text: bad, path: "p")) { XCTAssert("\($0)".hasPrefix("p:3:16: "), "\($0)") }
    }

    /// Trial 31: lines separated only by FF, VT, NEL or U+2028 after a leading `;` comment are one comment to the end
    /// of the file (only LF and CR end a line), and the file was refused as declaring no X variable, as if it had no
    /// declarations. The refusal says that the comment runs to the end of the file, naming the separator found.
    func testACommentToTheEndOfTheFileIsNamed() throws {
        let separators = [("\u{0C}", "FF (form feed)"), ("\u{0B}", "VT (vertical tab)"), ("\u{85}", "NEL (U+0085)"),
                          ("\u{2028}", "U+2028 (line separator)")]
        for (separator, name) in separators {
            let text = "; a property" + separator + Self.small.replacingOccurrences(of: "\n", with: separator)
            XCTAssertThrowsError(try VNNLIB.parse(text: text, path: "p")) {
                XCTAssertEqual("\($0)", "p: no X variable is declared; expected (declare-const X_0 Real) ...; the ';' comment "
                               + "at 1:1 runs to the end of the file, because no line end (LF or CR) follows it: its lines "
                               + "are separated only by \(name), so the commands after it are part of the comment; end the "
                               + "lines with LF")
            }
        }
        // A comment at the end that holds no commands, and one that ends at a line end, are no such case.
        XCTAssertThrowsError(try VNNLIB.parse(text: "; only a comment", path: "p")) {
            XCTAssertEqual("\($0)", "p: no X variable is declared; expected (declare-const X_0 Real) ...")
        }
        XCTAssertNoThrow(try VNNLIB.parse(text: Self.small + "; the end (of it)", path: "p"))
        // Trial 32: a form feed inside a comment ended by LF later swallowed the command after it, and the
        // refusal (a variable used before its declaration) did not say why.
        XCTAssertThrowsError(try VNNLIB.parse(text: "; prop\u{0C}" + Self.small.dropFirst("; a comment\n".count), path: "p")) {
            XCTAssertTrue("\($0)".hasSuffix("; the ';' comment at 1:1 holds FF (form feed) at 1:7 and then parentheses, which "
                                            + "are part of the comment: only LF or CR end a comment; end the line with LF "
                                            + "before them"), "\($0)")
        }
        // Closing parentheses swallowed at the end: '(' is never closed, and the comment is named.
        XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "(assert (<= Y_0 Y_1 ; output\u{0C}))\n", path: "p")) {
            XCTAssertTrue("\($0)".contains("is never closed")
                          && "\($0)".contains("holds FF (form feed) at 12:115 and then parentheses"), "\($0)")
        }
        // A form feed in a comment with no command after it changes nothing.
        XCTAssertNoThrow(try VNNLIB.parse(text: "; a\u{0C}b\n" + Self.small, path: "p"))
    }

    /// Trial 34: a comment that swallowed an output disjunct after a form feed (mnistfc's prop_7 with the line
    /// `; unused\f(and (>= Y_8 Y_9))`) was read without a word, and verify's answer went from sat to unknown. A file
    /// that reads with a '(' after such a separator in a comment is refused at the separator, also when the comment
    /// ends the file; a separator with no '(' after it in its comment changes nothing.
    func testACommentThatSwallowsParenthesesIsRefused() throws {
        let separators = [("\u{0C}", "FF (form feed)"), ("\u{0B}", "VT (vertical tab)"), ("\u{85}", "NEL (U+0085)"),
                          ("\u{2028}", "U+2028 (line separator)")]
        // small's first 11 lines (its comment, declarations and box), then its output condition over three lines.
        let head = Self.small.split(separator: "\n").prefix(11).joined(separator: "\n") + "\n"
        func disjuncts(_ between: String) -> String {
            head + "(assert (or\n    ; unused" + between + "(and (>= Y_1 Y_0))\n    (and (> Y_0 Y_1))))\n"
        }
        // With a line end the comment holds no disjunct: two are read.
        XCTAssertEqual(try VNNLIB.parse(text: disjuncts("\n"), path: "p").disjuncts.count, 2)
        for (separator, name) in separators {
            XCTAssertThrowsError(try VNNLIB.parse(text: disjuncts(separator), path: "p"), name) {
                XCTAssertEqual("\($0)", "p:13:13: \(name) in the ';' comment at 13:5 is no line end (only LF or CR end a "
                               + "comment), so the '(' after it is part of the comment and not read; end the line with LF "
                               + "before the parentheses, or delete the separator if they are meant as comment")
            }
            // A last line with no line end after it.
            XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "\n; more" + separator + "(assert (>= Y_0 Y_1))", path: "p"),
                                 name) { XCTAssert("\($0)".hasPrefix("p:13:7: \(name) in the ';' comment at 13:1 "), "\($0)") }
            // No '(' after the separator: before it, none at all, or only ')' (one too many were it read as code).
            for comment in ["; (c) 2021" + separator + "x", "; a" + separator + "b", "; done" + separator + ")"] {
                XCTAssertEqual(try VNNLIB.parse(text: comment + "\n" + Self.small, path: "p"),
                               try VNNLIB.parse(text: Self.small, path: "p"), name)
                XCTAssertNoThrow(try VNNLIB.parse(text: Self.small + "\n" + comment, path: "p"), name)
            }
        }
    }

    /// New user: the same instance listed twice ran twice without a word.
    func testAnInstanceListedTwiceIsRefused() throws {
        let list = Data("onnx,vnnlib,timeout\na.onnx,b.vnnlib,5\nc.onnx,b.vnnlib,5\na.onnx,b.vnnlib,9\n".utf8)
        XCTAssertThrowsError(try InstanceList.instances(try CSVTable.parse(list, path: "l.csv"), path: "l.csv",
                                                        folder: URL(fileURLWithPath: "/tmp"))) {
            XCTAssert("\($0)".hasPrefix("l.csv:4: "), "\($0)")
            XCTAssert("\($0)".contains("is also on line 2"), "\($0)")
        }
    }

    func testBoxRoundsOutward() throws {
        let text = "(declare-const X_0 Real)(declare-const Y_0 Real)(assert (>= X_0 0.1))(assert (<= X_0 0.1))(assert (>= Y_0 0))"
        let p = try VNNLIB.parse(text: text)
        XCTAssertLessThan(Double(p.lower[0]), 0.1)
        XCTAssertGreaterThan(Double(p.upper[0]), 0.1)
        XCTAssertEqual(p.lower[0].nextUp, p.upper[0])
    }

    /// Several output assertions are conjoined: (A or B) and C gives A and C, B and C.
    func testOutputAssertionsAreConjoined() throws {
        let text = """
        (declare-const X_0 Real)(declare-const Y_0 Real)(declare-const Y_1 Real)(declare-const Y_2 Real)
        (assert (<= X_0 1))(assert (>= X_0 0))
        (assert (or (>= Y_0 Y_1) (>= Y_0 Y_2)))
        (assert (<= Y_0 7))
        """
        let p = try VNNLIB.parse(text: text)
        XCTAssertEqual(p.disjuncts.map(\.count), [2, 2])
        XCTAssertEqual(p.disjuncts[0][1], LinearInequality(coefficients: [-1, 0, 0], constant: 7, isStrict: false))
        XCTAssertEqual(p.disjuncts[1][0], LinearInequality(coefficients: [1, 0, -1], constant: 0, isStrict: false))
    }

    /// A property whose output condition is one (and ...) of `rows` rows over 10 outputs, or `rows` separate
    /// output assertions (`separate`), each row naming two outputs.
    static func wideConjunction(rows: Int, separate: Bool = false) -> String {
        var text = "(declare-const X_0 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n"
        for j in 0..<10 { text += "(declare-const Y_\(j) Real)\n" }
        let row = { (i: Int) in "(<= Y_\(i % 10) Y_\((i / 10 + i + 1) % 10))" }
        if separate {
            for i in 0..<rows { text += "(assert \(row(i)))\n" }
        } else {
            text += "(assert (and\n" + (0..<rows).map(row).joined(separator: "\n") + "))\n"
        }
        return text
    }

    /// New-user report, kind 6: a conjunction of n rows parses in time linear in n. It took O(n^2) (every row
    /// rebuilt the whole conjunction: 18,000 rows took 9.9 s), so 50,000 rows took over a minute. The check is
    /// by scaling, which a loaded machine does not fake: doubling the rows must not come near quadrupling the
    /// time (best of two runs each), and an absolute limit far below the quadratic time (this test's code is
    /// built without -O in debug; in release 50,000 rows take well under a second).
    func testAWideConjunctionParsesInLinearTime() throws {
        for separate in [false, true] {
            func seconds(_ rows: Int) throws -> Double {
                let text = Self.wideConjunction(rows: rows, separate: separate)
                var best = Double.infinity
                for _ in 0..<2 {
                    let start = Date()
                    let p = try VNNLIB.parse(text: text)
                    best = min(best, Date().timeIntervalSince(start))
                    XCTAssertEqual(p.disjuncts.map(\.count), [rows])
                }
                return best
            }
            let half = try seconds(20_000), full = try seconds(40_000)
            XCTAssertLessThan(full, 3 * half + 0.05, "separate \(separate): 20,000 rows \(half) s, 40,000 rows \(full) s: not linear")
            XCTAssertLessThan(full, 10, "separate \(separate): 40,000 rows took \(full) s")
        }
    }

    /// Each malformed input gives one line with the file, line and column of the offending text.
    func testMalformedInputsGiveLineAndColumn() {
        let declare = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n"
        let bounds = "(assert (<= X_0 1))\n(assert (>= X_0 0))\n"
        let cases: [(String, String, String)] = [
            (declare + bounds + "(assert (>= Y_0 0)", "p:5:1:", "never closed"),
            (declare + bounds + "(assert (>= Y_0 0)))", "p:5:20:", "')' without"),
            (declare + "(check-sat)", "p:3:1:", "expected (declare-const ...) or (assert ...), found (check-sat ...)"),
            (declare + "(declare-const X_0 Real)", "p:3:1:", "X_0 is declared again (first at 1:1)"),
            ("(declare-const Z_0 Real)", "p:1:16:", "expected a variable named X_i or Y_j"),
            ("(declare-const X_01 Real)", "p:1:16:", "no leading zeros"),
            ("(declare-const X_0 Int)", "p:1:20:", "expected the sort Real, found 'Int'"),
            (declare + "(assert (<= X_1 1))", "p:3:13:", "X_1 is used before its (declare-const X_1 Real)"),
            (declare + "(assert (<= X_0 abc))", "p:3:17:", "expected a finite number or a declared X_i / Y_j, found 'abc'"),
            (declare + "(assert (<= X_0 1e999))", "p:3:17:", "the number '1e999' is out of range (too large for a 64-bit float)"),
            (declare + "(assert (<= X_0 0x10))", "p:3:17:", "found '0x10'"),
            (declare + "(assert (< X_0 1))", "p:3:9:", "expected an input bound (<= X_i c) or (>= X_i c), found (< ...)"),
            (declare + "(assert (<= (+ X_0 1) 1))", "p:3:9:", "expected a bound on one input"),
            (declare + "(assert (<= X_0 Y_0))", "p:3:9:", "mixes inputs X and outputs Y"),
            (declare + "(assert (<= 1 2))", "p:3:9:", "an assertion without variables"),
            // Trial 30: a misspelt variable was "an assertion without variables".
            (declare + "(assert (<= X_00 1))", "p:3:13:", "found 'X_00' (a variable is X_ or Y_ and its index in digits 0-9, no leading zeros)"),
            (declare + bounds + "(assert (>= Y_0 Z))", "p:5:17:", "expected a finite number or a declared X_i / Y_j, found 'Z'"),
            (declare + bounds + "(assert (= Y_0 1))", "p:5:9:", "expected or, and, <=, >=, < or >, found (= ...)"),
            (declare + bounds + "(assert (>= (* Y_0 Y_0) 1))", "p:5:13:", "a product of variables is not linear"),
            (declare + bounds + "(assert (>= Y_0 1 2))", "p:5:9:", "expected two operands of >=, found 3"),
            (declare + bounds + "(assert (or (>= Y_0 1) (or)))", "p:5:24:", "expected at least one operand of or"),
            (declare + bounds + "(assert (>= (/ Y_0 0) 1))", "p:5:13:", "expected (/ term c) with a non-zero number c"),
            (declare + "(assert (<= X_0 1))\n(assert (>= X_0 2))", "p:4:9:", "the box is empty"),
            (declare + "(assert (<= X_0 1))\n(assert (>= Y_0 0))", "p:1:1:", "X_0 has no lower bound; expected (assert (>= X_0 c))"),
            ("(declare-const X_1 Real)(declare-const Y_0 Real)", "p:1:1:", "X_0 is not declared, but X_1 is"),
            (declare + bounds, "p: ", "no assertion about the outputs Y"),
            ("(declare-const X_0 Real)" + bounds, "p: ", "no Y variable is declared"),
            (declare + bounds + "(assert \"text\")", "p:5:9:", "string literals"),
            (declare + bounds + "(assert (>= Y_0 " + String(repeating: "(+ ", count: 100) + "1", "p:5:", "nested deeper than 64 levels"),
        ]
        for (text, prefix, phrase) in cases {
            guard let e = assertThrows(VNNLIBError.self, [phrase], { try VNNLIB.parse(text: text, path: "p") }) else { continue }
            XCTAssertTrue(e.description.hasPrefix(prefix), "'\(e.description)' does not start with '\(prefix)'")
        }
    }

    /// Multiplying out and/or is bounded: 2^20 distinct disjuncts are refused, not built; twenty copies of one
    /// factor are multiplied out once (the disjuncts A, A and B, B).
    func testDisjunctExplosionIsRefused() throws {
        let head = "(declare-const X_0 Real)(declare-const Y_0 Real)(declare-const Y_1 Real)(assert (<= X_0 1))(assert (>= X_0 0))"
        let distinct = head + "(assert (and" + (0..<20).map { " (or (>= Y_0 \($0)) (>= Y_1 \($0)))" }.joined() + "))"
        assertThrows(VNNLIBError.self, ["more than 65536 disjuncts"]) { try VNNLIB.parse(text: distinct, path: "p") }
        let repeated = head + "(assert (and" + String(repeating: " (or (>= Y_0 Y_1) (>= Y_1 Y_0))", count: 20) + "))"
        XCTAssertEqual(try VNNLIB.parse(text: repeated, path: "p").disjuncts.count, 3)
    }

    func testFileTooLargeAndMissingFile() throws {
        let url = try makeTempDir(self).appendingPathComponent("big.vnnlib")
        try Data(repeating: 0x20, count: 2000).write(to: url)
        assertThrows(VNNLIBError.self, ["big.vnnlib: the file is 2000 bytes, more than the 1000 accepted"]) {
            try VNNLIB.read(url, limits: VNNLIBLimits(maxFileBytes: 1000))
        }
        assertThrows(GzipError.self, ["missing.vnnlib", "no such file"]) {
            try VNNLIB.read(url.deletingLastPathComponent().appendingPathComponent("missing.vnnlib"))
        }
    }

    /// A file of another kind given as the property is named for what it is (not answered with its first bytes as
    /// a token); an empty one is said to be empty.
    func testAFileOfAnotherKindOrEmptySaysWhatItIs() throws {
        let onnx = try Data(contentsOf: packageRoot().appendingPathComponent("sample_data/onnx/Convnet_avgpool.onnx"))
        for (data, kind) in [(onnx, "an ONNX model"), (Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]), "a PNG file"),
                             (Data("{\"a\": 1}".utf8), "a JSON file"), (Data("PK\u{3}\u{4}xx".utf8), "a zip archive")] {
            let e = assertThrows(VNNLIBError.self, ["p.vnnlib: not a VNNLIB property (\(kind))"]) { try VNNLIB.parse(data, path: "p.vnnlib") }
            XCTAssertNil(e?.problem.position)
        }
        assertThrows(VNNLIBError.self, ["p.vnnlib: the file is empty (0 bytes)"]) { try VNNLIB.parse(Data(), path: "p.vnnlib") }
        // Text, with a stray byte that is not UTF-8, still goes to the reader, which names where it is.
        assertThrows(VNNLIBError.self, ["p.vnnlib:1:1"]) { try VNNLIB.parse(Data([0xFF, 0x28]), path: "p.vnnlib") }
    }

    /// Every property of ../shared/vnncomp parses: 9 disjuncts "Y_j >= Y_label", and the box is the MNIST test
    /// image (found among the images of its label, from answers.csv) +- eps, clipped to [0, 1].
    func testEveryCompetitionPropertyIsImagePlusMinusEpsilon() throws {
        let dir = try vnncompDirectory()
        let mnist = try MNIST.load(directory: sharedDirectory()!.appendingPathComponent("mnist"), split: .test)
        var byLabel: [Int: [Int]] = [:]
        for i in 0..<mnist.count { byLabel[Int(mnist.labels[i]), default: []].append(i) }
        // vnnlib path -> (label, eps) from answers.csv (a property can serve several networks).
        var properties: [String: (Int, Double)] = [:]
        for line in try String(contentsOf: dir.appendingPathComponent("answers.csv"), encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            properties[String(f[2])] = (Int(f[3])!, Double(f[4])!)
        }
        XCTAssertEqual(properties.count, 192)
        for (file, (label, eps)) in properties.sorted(by: { $0.key < $1.key }) {
            let p = try VNNLIB.read(path: dir.appendingPathComponent(file).path)
            XCTAssertEqual(p.inputCount, 784, file)
            XCTAssertEqual(p.outputCount, 10, file)
            let expected = (0..<10).filter { $0 != label }.map { j -> [LinearInequality] in
                var c = [Float](repeating: 0, count: 10)
                c[j] = 1
                c[label] = -1
                return [LinearInequality(coefficients: c, constant: 0, isStrict: false)]
            }
            XCTAssertEqual(p.disjuncts, expected, file)
            let image = byLabel[label]!.first { i in
                mnist.image(i).enumerated().allSatisfy { k, pixel in
                    let x = Double(pixel) / 255
                    return abs(Double(p.lower[k]) - max(0, x - eps)) < 2e-7 && abs(Double(p.upper[k]) - min(1, x + eps)) < 2e-7
                }
            }
            XCTAssertNotNil(image, "\(file): no test image of label \(label) +- \(eps) matches the box")
        }
    }
}

extension VNNLIBTests {
    /// A token with control characters (no whitespace ends it) is shown escaped in the one-line message.
    func testControlCharactersInTokensAreEscaped() {
        assertThrows(VNNLIBError.self, ["p:1:16: expected a variable named X_i or Y_j", "found 'X\\u{0}\\u{1b}'"]) {
            try VNNLIB.parse(text: "(declare-const X\u{0}\u{1b} Real)", path: "p")
        }
    }

    /// A deadline in the past stops reading with `VNNLIBTimeout` (not a file error); a deadline far ahead reads the
    /// same property as none. Reading hands each command to the interpreter as it closes, so the first problem in
    /// file order is reported even when a later command is malformed.
    func testDeadlineAndCommandsInFileOrder() throws {
        let rows = (0..<20_000).map { "(<= Y_0 \($0))" }.joined(separator: " ")
        let text = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n"
            + "(assert (and \(rows)))\n"
        XCTAssertThrowsError(try VNNLIB.parse(text: text, path: "p.vnnlib", limits: VNNLIBLimits(deadline: Date(timeIntervalSinceNow: -1)))) {
            XCTAssertTrue($0 is VNNLIBTimeout, "\($0)")
            XCTAssertEqual("\($0)", "p.vnnlib: the time limit ran out while reading the property")
        }
        let timed = try VNNLIB.parse(text: text, limits: VNNLIBLimits(deadline: Date(timeIntervalSinceNow: 3600)))
        let untimed = try VNNLIB.parse(text: text)
        XCTAssertEqual(timed.disjuncts.count, untimed.disjuncts.count)
        XCTAssertEqual(timed.disjuncts.first?.count, 20_000)
        // An undeclared variable on line 3, then an unclosed parenthesis on line 4: line 3 is named.
        let bad = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (>= X_1 0))\n(assert (<= X_0 1)\n"
        XCTAssertThrowsError(try VNNLIB.parse(text: bad, path: "b.vnnlib")) {
            XCTAssertTrue("\($0)".hasPrefix("b.vnnlib:3:"), "\($0)")
        }
    }

    /// The time limit holds inside one assertion: sixteen distinct (or A B) in one (and ...) multiply out into
    /// 65,536 conjunctions of 16 rows (a 75 KB file of the new-user trial ran 2.2 s past a 0.5 s limit, since the
    /// deadline was checked only between commands). Read with 0.2 s left, it stops within a second of the limit.
    func testDeadlineHoldsWhileMultiplyingOut() {
        let factors = (0..<16).map { "(or (>= Y_0 \($0)) (<= Y_1 \($0)))" }.joined(separator: " ")
        let text = "(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n"
            + "(assert (>= X_0 0))\n(assert (<= X_0 1))\n(assert (and \(factors)))\n"
        let started = Date()
        XCTAssertThrowsError(try VNNLIB.parse(text: text, path: "p.vnnlib",
                                              limits: VNNLIBLimits(deadline: started.addingTimeInterval(0.2)))) {
            XCTAssertTrue($0 is VNNLIBTimeout, "\($0)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.2)
    }
}

extension VNNLIBTests {
    /// Trial 35: U+2028 between commands was refused as `found ' '` (NEL as `found '\u{85}'`), and inside a token,
    /// `(declare-const X_5<U+2028>Real)`, as "expected (declare-const X_i Real) or (declare-const Y_j Real)" with no
    /// word of it. A token holding a character that Unicode counts as whitespace but VNNLIB does not is refused where
    /// it is read, naming the character (escaped) and its position; every message shows such characters escaped,
    /// and a list's head is quoted the same way.
    func testASpaceLookalikeOutsideACommentIsNamed() {
        let spaces = [("\u{85}", "NEL (U+0085)", "\\u{85}"), ("\u{2028}", "U+2028 (line separator)", "\\u{2028}"),
                      ("\u{2029}", "U+2029 (paragraph separator)", "\\u{2029}"),
                      ("\u{A0}", "U+00A0 (no-break space)", "\\u{a0}"), ("\u{3000}", "U+3000 (ideographic space)", "\\u{3000}")]
        let advice = "is no whitespace in VNNLIB, whose tokens are separated by spaces, tabs and line ends (LF or CR); "
            + "replace it with a space or a line end"
        for (space, name, shown) in spaces {
            let between = "(declare-const X_0 Real)\n(declare-const Y_0 Real)" + space + "(assert (<= X_0 1))"
            XCTAssertThrowsError(try VNNLIB.parse(text: between, path: "p"), name) {
                XCTAssertEqual("\($0)", "p:2:25: found '\(shown)': \(name) at 2:25 \(advice)")
            }
            let inside = "(declare-const X_0 Real)\n(declare-const X_5" + space + "Real)"
            XCTAssertThrowsError(try VNNLIB.parse(text: inside, path: "p"), name) {
                XCTAssertEqual("\($0)", "p:2:16: found 'X_5\(shown)Real': \(name) at 2:19 \(advice)")
            }
            XCTAssertThrowsError(try VNNLIB.parse(text: "(declare-const X_0" + space + space + "Real)", path: "p"), name) {
                XCTAssertEqual("\($0)", "p:1:16: found 'X_0\(shown)\(shown)Real': \(name) at 1:19 (and 1 more in it) \(advice)")
            }
        }
        // A list's head is any token: its control characters escaped, a long one cut.
        assertThrows(VNNLIBError.self, ["p:1:1: expected (declare-const ...) or (assert ...), found (\\u{1b}[31m ...)"]) {
            try VNNLIB.parse(text: "(\u{1b}[31m x)", path: "p")
        }
        assertThrows(VNNLIBError.self, ["found (" + String(repeating: "a", count: 100) + "... (200 characters) ...)"]) {
            try VNNLIB.parse(text: "(" + String(repeating: "a", count: 200) + " x)", path: "p")
        }
        XCTAssertEqual(FileText.oneLine("a\u{2028}b\u{2029}c\u{A0}d e\u{85}\u{0C}"), "a\\u{2028}b\\u{2029}c\\u{a0}d e\\u{85}\\u{c}")
    }

    /// Trial 35: a top-level comment `; Mnist property<FF>) with label: 9.` was named in the note of an unrelated
    /// later error (`X_9999 is used before its declaration`), though read as code its ')' would be one too many. A
    /// comment is named only when what it swallowed could explain the problem: a '(' (any command after it), or
    /// inside an open list any text (an operand or a ')' of that command, until the command has been interpreted).
    func testACommentIsNamedOnlyWithAProblemItCouldExplain() {
        let body = Self.small.dropFirst("; a comment\n".count)
        XCTAssertThrowsError(try VNNLIB.parse(text: "; Mnist property\u{0C}) with label: 9.\n" + body + "\n(assert (<= X_9999 1))",
                                              path: "p")) {
            XCTAssertEqual("\($0)", "p:13:13: X_9999 is used before its (declare-const X_9999 Real)")
        }
        // A ')' swallowed inside a command that still reads: later problems are not its.
        XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "\n(assert (<= Y_0 ; x\u{0C})\n Y_1))\n(assert (<= X_9999 1))",
                                              path: "p")) {
            XCTAssertEqual("\($0)", "p:15:13: X_9999 is used before its (declare-const X_9999 Real)")
        }
        // An operand swallowed inside the command that fails: named, at its separator.
        XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "\n(assert (<= Y_0 ; x\u{0C} Y_1\n))", path: "p")) {
            XCTAssertEqual("\($0)", "p:13:9: expected two operands of <=, found 1; the ';' comment at 13:17 holds FF (form "
                           + "feed) at 13:20 and then text, which is part of the comment: only LF or CR end a comment; end "
                           + "the line with LF before it")
        }
        // A comment that ends the file inside a list: the list is never closed, and the comment is named.
        XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "\n(assert (or (and (>= Y_0 Y_1)) ; x\u{0C}(and (>= Y_1 Y_0))))",
                                              path: "p")) {
            XCTAssertEqual("\($0)", "p:13:9: '(' is never closed (the file ends first); the ';' comment at 13:32 holds FF "
                           + "(form feed) at 13:35 and then parentheses, which are part of the comment: only LF or CR end a "
                           + "comment; end the line with LF before them")
        }
    }

    /// Trial 35: only a comment's first separator was named: for `; a<FF>) b<VT>(c` the FF, though the '(' that
    /// matters follows the VT, and deleting the FF as advised left the file refused at the VT. The separator just
    /// before the first '(' is named with the comment's others that a '(' follows, and every comment like it in the
    /// file is listed, so that one run finds them all. Inside a list an operand after a separator is refused too:
    /// `(+ Y_0 ; a<FF> Y_1<LF> Y_1)` read as Y_0 + Y_1 without a word.
    func testEverySeparatorThatMattersIsNamed() {
        let advice = "is no line end (only LF or CR end a comment), so the '(' after it is part of the comment and not read; "
            + "end the line with LF before the parentheses, or delete the separator if they are meant as comment"
        XCTAssertThrowsError(try VNNLIB.parse(text: "; a\u{0C}) b\u{0B}(c\n" + Self.small, path: "p")) {
            XCTAssertEqual("\($0)", "p:1:8: VT (vertical tab) in the ';' comment at 1:1 \(advice) (the comment holds 1 "
                           + "more such separator: FF (form feed) at 1:4)")
        }
        XCTAssertThrowsError(try VNNLIB.parse(text: Self.small + "\n; x\u{0C}(y)\n; z\u{2028}(w)\n; v\u{85}(u)\n", path: "p")) {
            XCTAssertEqual("\($0)", "p:13:4: FF (form feed) in the ';' comment at 13:1 \(advice); and 2 more comments like "
                           + "it (separators at 14:4, 15:4)")
        }
        XCTAssertThrowsError(try VNNLIB.parse(text: "; p\u{0C}(q)\n; r\u{0C}(s)\n(assert (<= X_0 1))", path: "p")) {
            XCTAssertEqual("\($0)", "p:3:13: X_0 is used before its (declare-const X_0 Real); the ';' comment at 1:1 holds "
                           + "FF (form feed) at 1:4 and then parentheses, which are part of the comment: only LF or CR end "
                           + "a comment; end the line with LF before them; and 1 more comment like it (separator at 2:4)")
        }
        let head = Self.small.split(separator: "\n").prefix(11).joined(separator: "\n")
        XCTAssertThrowsError(try VNNLIB.parse(text: head + "\n(assert (<= (+ Y_0 ; a\u{0C} Y_1\n Y_1) 1))\n", path: "p")) {
            XCTAssertEqual("\($0)", "p:12:23: FF (form feed) in the ';' comment at 12:20 is no line end (only LF or CR end "
                           + "a comment), so the text after it is part of the comment and not read; end the line with LF "
                           + "before that text, or delete the separator if it is meant as comment")
        }
    }
}
