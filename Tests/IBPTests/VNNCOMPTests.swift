import Foundation
import XCTest
@testable import IBP
@testable import IBPFormats

/// `verify`'s library: specifications from VNNLIB properties, the verifier's answers on hand-built networks whose
/// true answers are known (a proof, a counterexample, ties strict and not, a box whose bounds are not Floats, a
/// timeout), instance and consensus lists, and a few real VNN-COMP instances against the consensus (skipped
/// without `../shared`).
final class VNNCOMPTests: XCTestCase {
    /// y = (x0 + x1, x0 - x1) on a box of two inputs.
    private func sumAndDifference() -> ChainModel {
        TestRandom(1).chainModel("sum-difference", inputShape: [2],
                                 [.dense(DenseOp(inputs: 2, outputs: 2, weight: [1, 1, 1, -1], bias: [0, 0]))])
    }

    private func property(_ box: String, _ condition: String) throws -> VNNLIBProperty {
        try VNNLIB.parse(text: """
            (declare-const X_0 Real)
            (declare-const X_1 Real)
            (declare-const Y_0 Real)
            (declare-const Y_1 Real)
            \(box)
            (assert \(condition))
            """)
    }

    private let unitBox = "(assert (>= X_0 0)) (assert (<= X_0 1)) (assert (>= X_1 0)) (assert (<= X_1 1))"

    func testSpecificationOfAPropertyHasItsRowsAndDisjuncts() throws {
        let p = try property(unitBox, "(or (and (>= Y_0 Y_1) (<= Y_0 0.5)) (and (> Y_1 2)))")
        let spec = Specification(property: p)
        XCTAssertEqual(spec.rows.shape, [1, 3, 2])
        XCTAssertEqual(spec.rows.data, [1, -1, -1, 0, 0, 1])
        XCTAssertEqual(spec.offsets, [0, 0.5, -2])
        XCTAssertEqual(spec.disjuncts, [[[0, 1], [2]]])
        // y = (0.25, 0): rows 0.25, 0.25, -2 -> the first disjunct holds: a counterexample; margin min(0.25, 0.25).
        let y = Tensor(shape: [1, 2], data: [0.25, 0])
        XCTAssertEqual(spec.violated(by: y), [true])
        XCTAssertEqual(spec.worstDisjunct(spec.values(at: y)), [0.25])
        XCTAssertEqual(spec.worstDisjunct(spec.values(at: Tensor(shape: [1, 2], data: [1, 0]))), [-0.5])
    }

    /// Repeated factors do not multiply out: sixteen copies of (or A B) conjoined are the disjuncts A, (A and B), B;
    /// twelve distinct (or Ai Bi) are 4,096 disjuncts of 12 rows each.
    func testRepeatedFactorsAreMultipliedOutOnce() throws {
        let same = "(and " + String(repeating: "(or (>= Y_0 Y_1) (>= Y_1 0.5)) ", count: 16) + ")"
        let p = try property(unitBox, same)
        XCTAssertEqual(p.disjuncts.map(\.count).sorted(), [1, 1, 2])
        let distinct = "(and " + (0..<12).map { "(or (>= Y_0 \($0)) (>= Y_1 \($0)))" }.joined(separator: " ") + ")"
        let q = try property(unitBox, distinct)
        XCTAssertEqual(q.disjuncts.count, 4_096)
        XCTAssertTrue(q.disjuncts.allSatisfy { $0.count == 12 })
    }

    /// The bound methods take a property's rows a bounded number per pass: the upper bounds are the same bits in
    /// passes of 7 rows as in one pass, for IBP, CROWN-IBP and CROWN, and the verifier answers from them.
    func testRowsInPassesGiveTheSameBounds() throws {
        var rand = TestRandom(72)
        let net = rand.network("tiny")
        let x = rand.tensor([1, 1, 28, 28], in: 0...1)
        let box = InputBox(around: x, epsilon: 0.01)
        let k = 30
        let rows = rand.tensor([1, k, 10])
        let spec = Specification(rows: rows, offsets: (0..<k).map { Float($0) * 0.1 - 1 },
                                 disjuncts: [(0..<10).map { [3 * $0, 3 * $0 + 1, 3 * $0 + 2] }])
        for method in [BoundMethodName.ibp, .crownIBP, .crown] {
            let whole = try InstanceVerifier.upperBounds(of: spec, model: net, box: box, method: method,
                                                         rowsPerPass: 1000, timedOut: { false })!
            let passes = try InstanceVerifier.upperBounds(of: spec, model: net, box: box, method: method,
                                                          rowsPerPass: 7, timedOut: { false })!
            XCTAssertEqual(whole.shape, [1, k])
            XCTAssertEqual(passes.data.map(\.bitPattern), whole.data.map(\.bitPattern), "\(method)")
        }
        // Time up between passes: no bounds.
        XCTAssertNil(try InstanceVerifier.upperBounds(of: spec, model: net, box: box, method: .ibp, rowsPerPass: 7,
                                                      timedOut: { true }))
        // A net whose widest stage is 784 inputs: 256 MiB over 16 bytes a neuron.
        XCTAssertEqual(InstanceVerifier.rowsPerPass(net), (256 << 20) / (16 * 784))
    }

    /// A constant that is not a Float: the specification's offset is rounded up, so a proof covers the file's row.
    func testOffsetsAreRoundedUp() throws {
        let p = try property(unitBox, "(>= Y_0 0.1)")
        let spec = Specification(property: p)
        XCTAssertGreaterThanOrEqual(Double(spec.offsets[0]), -0.1)
        XCTAssertEqual(spec.offsets[0], Float(-0.1).nextUp)
    }

    /// y0 = x0 + x1 >= 0 on the unit box, so "Y_0 <= -0.5" has no counterexample and IBP proves it: unsat.
    func testAPropertyIBPProvesIsUnsat() throws {
        let outcome = InstanceVerifier().verify(sumAndDifference(), try property(unitBox, "(<= Y_0 -0.5)"), timeout: nil)
        XCTAssertEqual(outcome.answer, .unsat)
        XCTAssertEqual(outcome.method, .ibp)
        XCTAssertEqual(outcome.boundMargin, -0.5)
        XCTAssertEqual(outcome.resultText, "unsat\n")
    }

    /// Outputs (10^6, 10^6, 0.03) whatever the two inputs, and a property over the unit box with `condition` on them.
    private let constantOutputs = TestRandom(1).chainModel("constant", inputShape: [2], [.dense(DenseOp(
        inputs: 2, outputs: 3, weight: [Float](repeating: 0, count: 6), bias: [1e6, 1e6, 0.03]))])

    private func constantProperty(_ condition: String) throws -> VNNLIBProperty {
        try VNNLIB.parse(text: """
            (declare-const X_0 Real) (declare-const X_1 Real)
            (declare-const Y_0 Real) (declare-const Y_1 Real) (declare-const Y_2 Real)
            \(unitBox)
            (assert \(condition))
            """)
    }

    /// A coefficient that is not a Float (1.00000005 rounds to 1) on outputs of 10^6: every input violates the
    /// file's row (1.00000005 * 10^6 - 10^6 - 0.03 = +0.02 >= 0), while the Float row is -0.03 everywhere. Every method
    /// but sound-ibp answered unsat; the rows' bounds now carry |c - Float(c)| max|y|, and no method proves the
    /// property (the attack checks its candidates on the Float rows too and finds none: unknown). With a coefficient
    /// that is a Float (1.5) nothing is added and the violation is found.
    func testACoefficientThatIsNotAFloatIsNotProvenAway() throws {
        let constant = constantOutputs
        func property(_ c: String) throws -> VNNLIBProperty { try constantProperty("(>= (- (* \(c) Y_0) Y_1) Y_2)") }
        let p = try property("1.00000005")
        XCTAssertEqual(Specification.coefficientRounding(p)[0]?.map(\.output), [0])
        for method in BoundMethodName.allCases {
            let outcome = InstanceVerifier(methods: [method]).verify(constant, p, timeout: nil)
            XCTAssertNotEqual(outcome.answer, .unsat, "\(method)")
            // The Float row's bound, -0.03, widened by 5e-8 * 10^6.
            XCTAssertGreaterThan(outcome.boundMargin ?? .infinity, 0.019, "\(method)")
        }
        let exact = try property("1.5")
        XCTAssertTrue(Specification.coefficientRounding(exact).isEmpty)
        XCTAssertEqual(InstanceVerifier().verify(constant, exact, timeout: nil).answer, .sat)
    }

    /// Trial 31: the file's sums were taken as exact in Double, so cancelling terms proved or refuted properties
    /// their exact values decide the other way: (+ 1e30 1 (- 1e30)) sums to 0 in Double (exactly it is 1), and a
    /// coefficient 10^20 - 1 - 10^20 to 0 (exactly -1). Each number and sum now carries a bound on its distance
    /// from the file's value (`VNNLIBLinearTerm`): no method answers unsat where a counterexample exists, the attack
    /// accepts no point the exact numbers reject, and exact decimals (0.5, 2.5E+1, whole numbers) carry none.
    func testSumsThatCancelInDoubleDecideNothing() throws {
        let constant = constantOutputs
        let property = constantProperty
        // Each holds for every input (so unsat would be wrong), or for none (so sat would be wrong).
        let everywhere = ["(<= Y_2 (+ 1e30 1 (- 1e30)))", "(>= (+ (* 1e20 Y_2) (* -1 Y_2) (* -1e20 Y_2)) -0.25)"]
        let nowhere = ["(>= Y_2 (+ 1e30 1 (- 1e30)))", "(>= (+ (* 1e20 Y_2) (* -1 Y_2) (* -1e20 Y_2)) 0.25)",
                       // A coefficient that is 0 in Double only within its error still names Y_2 (it was read as a
                       // constant 0 inside the product, the Y_2 term lost).
                       "(>= (* 2 (+ (* 1e20 Y_2) (* -1 Y_2) (* -1e20 Y_2))) -0.01)"]
        for method in BoundMethodName.allCases {
            for condition in everywhere {
                XCTAssertNotEqual(InstanceVerifier(methods: [method]).verify(constant, try property(condition), timeout: nil).answer,
                                  .unsat, "\(method) \(condition)")
            }
            for condition in nowhere {
                XCTAssertNotEqual(InstanceVerifier(methods: [method]).verify(constant, try property(condition), timeout: nil).answer,
                                  .sat, "\(method) \(condition)")
            }
        }
        XCTAssertEqual(InstanceVerifier().verify(constant, try property("(<= Y_2 1)"), timeout: nil).answer, .sat)
        for (text, exact) in [("0.5", true), ("2.5E+1", true), ("-3", true), ("0.000", true), ("1e30", false), ("0.1", false),
                              ("0.0078125", true), ("12345678901234567890123", false)] {
            XCTAssertEqual(VNNLIBNumber.error(text, VNNLIBNumber.parse(text)!) == 0, exact, text)
        }
    }

    /// y1 = x0 - x1 reaches 1 at (1, 0): "Y_1 >= 0.9" is violated; the counterexample is in the box, its outputs are
    /// the forward pass's, and the result file lists X then Y.
    func testAViolatedPropertyIsSatWithACheckedCounterexample() throws {
        let model = sumAndDifference()
        let p = try property(unitBox, "(>= Y_1 0.9)")
        let outcome = InstanceVerifier().verify(model, p, timeout: nil)
        XCTAssertEqual(outcome.answer, .sat)
        let c = try XCTUnwrap(outcome.counterexample)
        XCTAssertTrue(p.contains(input: c.input.map(Double.init)))
        XCTAssertEqual(c.output, model.logits(Tensor(shape: [1, 2], data: c.input)).data)
        XCTAssertGreaterThanOrEqual(c.output[1], 0.9)
        XCTAssertEqual(outcome.resultText, "sat\n((X_0 \(Double(c.input[0])))\n (X_1 \(Double(c.input[1])))\n (Y_0 "
                       + "\(Double(c.output[0])))\n (Y_1 \(Double(c.output[1]))))\n")
    }

    /// y0 <= 2 with equality only at (1, 1): "Y_0 > 2" holds (strict), but its bound is a tie (0), which is no proof;
    /// the attack reaches y0 = 2, which the strict row refuses: unknown, never unsat.
    func testAStrictTieIsNeverUnsatNorSat() throws {
        for method in BoundMethodTests.methods {
            let outcome = InstanceVerifier(methods: [method]).verify(sumAndDifference(), try property(unitBox, "(> Y_0 2)"),
                                                                      timeout: nil)
            XCTAssertEqual(outcome.answer, .unknown, "\(method)")
            XCTAssertEqual(outcome.attackMargin, 0, "\(method)")
        }
    }

    /// "Y_0 >= 2" is met at (1, 1) exactly (a tie counts against the property): sat.
    func testANonStrictTieIsACounterexample() throws {
        let outcome = InstanceVerifier().verify(sumAndDifference(), try property(unitBox, "(>= Y_0 2)"), timeout: nil)
        XCTAssertEqual(outcome.answer, .sat)
        XCTAssertEqual(outcome.counterexample?.input, [1, 1])
    }

    /// Box bounds that are not Floats: the counterexample must lie in the file's box, so its inputs are Floats at or
    /// above 0.1 (0.1 itself is not one; fl(0.1) = 0.100000001...), and at the smallest such point y0 = 2 fl(0.1) > 0.2
    /// in reals: "Y_0 <= 0.2" has no Float counterexample (the float32 row would call fl(0.2) - 2 fl(0.1) = 0 one).
    func testACounterexampleLiesInTheFileBoxAndMeetsTheFileNumbers() throws {
        let box = "(assert (>= X_0 0.1)) (assert (<= X_0 0.3)) (assert (>= X_1 0.1)) (assert (<= X_1 0.3))"
        let p = try property(box, "(<= Y_0 0.2)")
        XCTAssertGreaterThan(Double(Float(0.1)), 0.1)
        XCTAssertEqual(p.inner?.lower, [Float(0.1), Float(0.1)])
        XCTAssertEqual(p.lower, [Float(0.1).nextDown, Float(0.1).nextDown])
        let outcome = InstanceVerifier().verify(sumAndDifference(), p, timeout: nil)
        XCTAssertNotEqual(outcome.answer, .sat)
        XCTAssertNotEqual(outcome.answer, .unsat)
        // "Y_0 <= 0.21" has counterexamples; every input written is >= 0.1 as a Double.
        let sat = InstanceVerifier().verify(sumAndDifference(), try property(box, "(<= Y_0 0.21)"), timeout: nil)
        XCTAssertEqual(sat.answer, .sat)
        for x in try XCTUnwrap(sat.counterexample).input { XCTAssertGreaterThanOrEqual(Double(x), 0.1) }
    }

    func testTimeUpIsTimeout() throws {
        let outcome = InstanceVerifier().verify(sumAndDifference(), try property(unitBox, "(<= Y_0 -0.5)"), timeout: 1e-9,
                                                started: Date(timeIntervalSinceNow: -1))
        XCTAssertEqual(outcome.answer, .timeout)
        XCTAssertEqual(outcome.resultText, "timeout\n")
    }

    /// CROWN refuses max pooling: with crown alone the answer is unknown and says why; with crown then ibp, ibp proves.
    func testAMethodThatCannotBoundTheNetworkIsSkippedAndSaid() throws {
        var rand = TestRandom(71)
        let net = rand.importedChains()[1]
        let lines = (0..<100).map { "(assert (>= X_\($0) 0.5)) (assert (<= X_\($0) 0.5))" }.joined(separator: " ")
        let declarations = (0..<100).map { "(declare-const X_\($0) Real)" }.joined(separator: " ")
            + (0..<10).map { " (declare-const Y_\($0) Real)" }.joined()
        let y = net.logits(Tensor(shape: [1, 1, 10, 10], data: [Float](repeating: 0.5, count: 100))).data
        // At the single point x = 0.5 the property "Y_0 >= y0 + 1" is false: IBP proves it (a point box is exact).
        let p = try VNNLIB.parse(text: declarations + " " + lines + " (assert (>= Y_0 \(Double(y[0]) + 1)))")
        let crown = InstanceVerifier(methods: [.crown]).verify(net, p, timeout: nil)
        XCTAssertEqual(crown.answer, .unknown)
        XCTAssertEqual(crown.note, "no bound method of --bounds applies to this network (bound method crown cannot bound "
                       + "layer 4 (max pooling)), so the answer is sat or unknown")
        let both = InstanceVerifier(methods: [.crown, .ibp]).verify(net, p, timeout: nil)
        XCTAssertEqual(both.answer, .unsat)
        XCTAssertEqual(both.method, .ibp)
    }

    // MARK: - lists

    func testInstanceListsWithAndWithoutHeader() throws {
        let folder = URL(fileURLWithPath: "/data/bench")
        let plain = try InstanceList.instances(CSVTable.parse(Data("a.onnx,p.vnnlib,60\n\n/abs/b.onnx,q.vnnlib,1.5\n".utf8),
                                                              path: "i.csv"), path: "i.csv", folder: folder)
        XCTAssertEqual(plain.map(\.onnx), ["a.onnx", "/abs/b.onnx"])
        XCTAssertEqual(plain.map(\.onnxURL.path), ["/data/bench/a.onnx", "/abs/b.onnx"])
        XCTAssertEqual(plain.map(\.vnnlibURL.path), ["/data/bench/p.vnnlib", "/data/bench/q.vnnlib"])
        XCTAssertEqual(plain.map(\.timeout), [60, 1.5])
        XCTAssertEqual(plain.map(\.line), [1, 3])
        // A header in another order, CRLF line ends (one Character in Swift), a benchmark column.
        let named = try InstanceList.instances(CSVTable.parse(Data("timeout_s,vnnlib,benchmark,onnx\r\n120,p.vnnlib,fc,n.onnx\r\n".utf8),
                                                              path: "i.csv"), path: "i.csv", folder: folder)
        XCTAssertEqual(named.count, 1)
        XCTAssertEqual(named[0].benchmark, "fc")
        XCTAssertEqual(named[0].onnx, "n.onnx")
        XCTAssertEqual(named[0].timeout, 120)
        for (text, message) in [
            ("a.onnx,p.vnnlib\n", "i.csv:1: 2 fields, expected 3 (onnx, vnnlib, timeout)"),
            ("a.onnx,p.vnnlib,-3\n", "i.csv:1: timeout -3 is not a positive number of seconds"),
            ("a.onnx,p.vnnlib,0\n", "i.csv:1: timeout 0 is not a positive number of seconds"),
            ("a.onnx,p.vnnlib,-0\n", "i.csv:1: timeout -0 is not a positive number of seconds"),
            // Trial 28: an empty timeout read "timeout  is not ..." (the empty value vanished between two spaces).
            ("a.onnx,p.vnnlib,\n", "i.csv:1: the timeout is empty; give it in seconds (such as 300)"),
            // Not numbers at all, and numbers a Double cannot hold (trust23: `1e400` was "not a positive number").
            ("a.onnx,p.vnnlib,nan\n", "i.csv:1: timeout nan is not a decimal number of seconds (such as 300)"),
            ("a.onnx,p.vnnlib,0x10\n", "i.csv:1: timeout 0x10 is not a decimal number of seconds (such as 300)"),
            ("a.onnx,p.vnnlib,inf\n", "i.csv:1: timeout inf is not a decimal number of seconds (such as 300)"),
            ("a.onnx,p.vnnlib,1e400\n", "i.csv:1: timeout 1e400 is out of range (too large for a 64-bit float)"),
            ("a.onnx,p.vnnlib,-1e400\n", "i.csv:1: timeout -1e400 is out of range (too large in magnitude for a 64-bit float)"),
            ("a.onnx,p.vnnlib,1e-400\n", "i.csv:1: timeout 1e-400 is out of range (too small for a 64-bit float: it rounds to 0)"),
            ("onnx,vnnlib\na,b\n", "i.csv:1: the header has no column timeout or timeout_s (columns: onnx, vnnlib)"),
            ("\n\n", "i.csv: no instances; expected lines onnx,vnnlib,timeout"),
            ("onnx,vnnlib,timeout\n", "i.csv: no instances after the header"),
            // Spaces are part of a field (RFC 4180): an unquoted one at either end is refused, never trimmed.
            ("net.onnx, p.vnnlib ,10\n", "i.csv:1: column 2: ' p.vnnlib ' starts with a space; remove it, or quote the field (\"...\") to keep it"),
            ("net.onnx,p.vnnlib, 10\n", "i.csv:1: column 3: ' 10' starts with a space; remove it, or quote the field (\"...\") to keep it"),
            ("a,b,1\nnet.onnx,p.vnnlib,10\t\r\n", "i.csv:2: column 3: '10\\t' ends with a tab; remove it, or quote the field (\"...\") to keep it"),
            // A quoted field keeps its spaces, so a quoted ' 10' is not a number.
            ("net.onnx,p.vnnlib,\" 10\"\n", "i.csv:1: timeout  10 is not a decimal number of seconds (such as 300)"),
            ("a\"b.onnx,p.vnnlib,1\n", "i.csv:1: column 1: a double quote inside an unquoted field; enclose the whole field in double quotes and write each quote inside it twice (\"\")"),
            ("\"a.onnx\"x,p.vnnlib,1\n", "i.csv:1: column 1: text after the closing quote; a quoted field ends at its quote (write \"\" for a quote inside it)"),
            ("a.onnx,p.vnnlib,1\n\"b.onnx,p.vnnlib,1\n", "i.csv:2: column 1: the quote opened here is never closed"),
        ] {
            XCTAssertThrowsError(try InstanceList.instances(CSVTable.parse(Data(text.utf8), path: "i.csv"), path: "i.csv",
                                                            folder: folder)) { XCTAssertEqual("\($0)", message) }
        }
        // Quoted fields per RFC 4180: commas, doubled quotes and CRLF inside a field; the line is where the record
        // starts.
        let quoted = try InstanceList.instances(CSVTable.parse(Data("\"a,b.onnx\",\"say \"\"hi\"\"\r\n.vnnlib\",\"60\"\r\nc.onnx,p.vnnlib,1\r\n".utf8),
                                                               path: "i.csv"), path: "i.csv", folder: folder)
        XCTAssertEqual(quoted.map(\.onnx), ["a,b.onnx", "c.onnx"])
        XCTAssertEqual(quoted.map(\.vnnlib), ["say \"hi\"\r\n.vnnlib", "p.vnnlib"])
        XCTAssertEqual(quoted.map(\.timeout), [60, 1])
        XCTAssertEqual(quoted.map(\.line), [1, 3])
        XCTAssertThrowsError(try CSVTable.parse(Data([0x41, 0xFF, 0x0A]), path: "i.csv")) {
            XCTAssertEqual("\($0)", "i.csv: not UTF-8 text")
        }
        XCTAssertThrowsError(try CSVTable.parse(Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF]), path: "i.png")) {
            XCTAssertEqual("\($0)", "i.png: not UTF-8 text (a PNG file)")
        }
    }

    /// A list over the size limit is refused by its size, before it is read (as the ONNX and VNNLIB readers do).
    func testAListOverTheSizeLimitIsRefused() throws {
        let folder = try TemporaryFolder()
        let list = folder.url.appendingPathComponent("big.csv")
        try Data(String(repeating: "a.onnx,p.vnnlib,1\n", count: 100).utf8).write(to: list)
        XCTAssertThrowsError(try CSVTable.read(list, maxBytes: 1000)) {
            XCTAssertEqual("\($0)", "\(list.path): the file is 1800 bytes, more than the 1000 accepted")
        }
        XCTAssertEqual(try CSVTable.read(list, maxBytes: 1800).records.count, 100)
    }

    /// Shards are disjoint, cover the list, and take every N-th instance.
    /// One instance written two ways (`a.vnnlib`, `./a.vnnlib`, `sub/../a.vnnlib`, a link to it) is still listed
    /// twice: refused naming both lines.
    func testAnInstanceNamedTwoWaysIsADuplicate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("instances-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data().write(to: folder.appendingPathComponent("a.vnnlib"))
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link.vnnlib"),
                                                   withDestinationURL: folder.appendingPathComponent("a.vnnlib"))
        // A hard link has its own path (realpath keeps it): only device and inode say it is the same file.
        try FileManager.default.linkItem(at: folder.appendingPathComponent("a.vnnlib"),
                                         to: folder.appendingPathComponent("sub/hard.vnnlib"))
        for other in ["./a.vnnlib", "sub/../a.vnnlib", "link.vnnlib", folder.appendingPathComponent("a.vnnlib").path,
                      "sub/hard.vnnlib"] {
            let list = folder.appendingPathComponent("list.csv")
            try Data("n.onnx,a.vnnlib,10\nn.onnx,\(other),10\n".utf8).write(to: list)
            XCTAssertThrowsError(try InstanceList.read(list), other) {
                XCTAssertTrue("\($0)".contains("is also on line 1"), "\(other): \($0)")
            }
        }
    }

    /// verify's results file (CSVWriter, RFC 4180 quotes) reads back field for field with the list reader's CSV
    /// parser: paths with commas and quotes, notes with commas.
    func testResultsCSVReadsBackWithTheRFC4180Reader() throws {
        let instance = VNNCOMPInstance(benchmark: "b,1", onnx: "n,\"q\".onnx", vnnlib: " p .vnnlib", timeout: 60,
                                       onnxURL: URL(fileURLWithPath: "/x/n.onnx"), vnnlibURL: URL(fileURLWithPath: "/x/p.vnnlib"),
                                       line: 1)
        var outcome = InstanceOutcome(answer: .unknown)
        outcome.note = "a, b; \"c\""
        let text = BatchReport.csv([InstanceResult(instance: instance, outcome: outcome, consensus: nil)])
        let table = try CSVTable.parse(Data(text.utf8), path: "r.csv")
        XCTAssertEqual(table.records.count, 2)
        let header = table.records[0].fields, row = table.records[1].fields
        XCTAssertEqual(header.count, row.count)
        let field = { (name: String) in row[header.firstIndex(of: name)!] }
        XCTAssertEqual(field("benchmark"), "b,1")
        XCTAssertEqual(field("onnx"), "n,\"q\".onnx")
        XCTAssertEqual(field("vnnlib"), " p .vnnlib")
        XCTAssertEqual(field("note"), "a, b; \"c\"")
    }

    func testShardsSplitTheListRoundRobin() throws {
        let text = (0..<10).map { "n\($0).onnx,p.vnnlib,1" }.joined(separator: "\n")
        let all = try InstanceList.instances(CSVTable.parse(Data(text.utf8), path: "i.csv"), path: "i.csv",
                                             folder: URL(fileURLWithPath: "/"))
        let shards = (1...3).map { InstanceList.shard(all, $0, of: 3).map(\.onnx) }
        XCTAssertEqual(shards[0], ["n0.onnx", "n3.onnx", "n6.onnx", "n9.onnx"])
        XCTAssertEqual(shards[1], ["n1.onnx", "n4.onnx", "n7.onnx"])
        XCTAssertEqual(Set(shards.joined()).count, 10)
    }

    /// The consensus list, single-unreliable read as unknown, and the wrong-answer rule.
    func testConsensusAndWrongAnswers() throws {
        XCTAssertTrue(Consensus.violated.isContradicted(by: .unsat))
        XCTAssertTrue(Consensus.holds.isContradicted(by: .sat))
        for answer in VerificationAnswer.allCases where answer != .unsat { XCTAssertFalse(Consensus.violated.isContradicted(by: answer)) }
        for answer in VerificationAnswer.allCases { XCTAssertFalse(Consensus.unknown.isContradicted(by: answer)) }
        let folder = try TemporaryFolder()
        let answers = folder.url.appendingPathComponent("answers.csv")
        try Data("onnx,vnnlib,consensus,evidence\nn.onnx,a.vnnlib,holds,unanimous\nn.onnx,b.vnnlib,holds,single-unreliable\n".utf8)
            .write(to: answers)
        let list = try ConsensusList.read(answers)
        XCTAssertEqual(list[ConsensusList.key(onnx: "n.onnx", vnnlib: "a.vnnlib")]?.consensus, "holds")
        let batch = InstanceBatch(verifier: InstanceVerifier())
        let missing = VNNCOMPInstance(benchmark: nil, onnx: "n.onnx", vnnlib: "b.vnnlib", timeout: 1,
                                      onnxURL: folder.url.appendingPathComponent("n.onnx"),
                                      vnnlibURL: folder.url.appendingPathComponent("b.vnnlib"), line: 1)
        let result = batch.run(missing, consensus: list)
        XCTAssertEqual(result.outcome.answer, .error)
        XCTAssertEqual(result.outcome.note, "\(folder.url.appendingPathComponent("n.onnx").path): no such file")
        XCTAssertEqual(result.consensus, .unknown, "single-unreliable counts as unknown")
    }

    // MARK: - real instances

    /// A few VNN-COMP instances whose consensus is known and that this tool answers: unsat by IBP (max and average
    /// pooling, the sigmoid net), sat with a counterexample that the independent Double evaluator confirms.
    func testRealInstancesAgreeWithTheConsensus() throws {
        let folder = try vnncompFolder()
        let consensus = try ConsensusList.read(folder.appendingPathComponent("answers.csv"))
        let cases: [(String, String, VerificationAnswer)] = [
            ("verivital2021/onnx/Convnet_maxpool.onnx", "verivital2021/vnnlib/maxpool_specs/prop_0_0.004.vnnlib", .unsat),
            ("verivital2021/onnx/Convnet_avgpool.onnx", "verivital2021/vnnlib/avgpool_specs/prop_0_0.02.vnnlib", .unsat),
            ("mnistfc/onnx/mnist-net_256x2.onnx", "mnistfc/vnnlib2021/prop_7_0.03.vnnlib", .sat),
            ("mnistfc/onnx/mnist-net_256x2.onnx", "mnistfc/vnnlib2021/prop_0_0.03.vnnlib", .unknown),
        ]
        for (onnx, vnnlib, expected) in cases {
            let (model, p) = try InstanceLoader.load(onnx: folder.appendingPathComponent(onnx),
                                                     vnnlib: folder.appendingPathComponent(vnnlib), batch: 10)
            let outcome = InstanceVerifier().verify(model, p, timeout: 60)
            XCTAssertEqual(outcome.answer, expected, vnnlib)
            let truth = consensus[ConsensusList.key(onnx: onnx, vnnlib: vnnlib)]!.consensus
            XCTAssertFalse(Consensus(rawValue: truth)!.isContradicted(by: outcome.answer), "\(vnnlib): consensus \(truth)")
            if let c = outcome.counterexample {
                let chain = try ONNXChain.read(path: folder.appendingPathComponent(onnx).path)
                let y = try ChainReference.evaluate(chain, input: c.input.map(Double.init))
                XCTAssertTrue(p.isCounterexample(output: y), "\(vnnlib): the Double forward pass confirms the counterexample")
                XCTAssertTrue(p.contains(input: c.input.map(Double.init)))
            }
        }
    }
}

/// A fresh folder under the temporary directory, removed when the value is released.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ibp-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
