import XCTest
@testable import IBP

/// CPUInfo parsing and the GEMM kernel table (`GEMMKernel.preferred(for:)`), on /proc/cpuinfo excerpts of the
/// three CPU kinds this project has run on.
final class CPUInfoTests: XCTestCase {
    static func cpuinfo(vendor: String, family: Int, model: Int, name: String, flags: String) -> String {
        """
        processor\t: 0
        vendor_id\t: \(vendor)
        cpu family\t: \(family)
        model\t\t: \(model)
        model name\t: \(name)
        stepping\t: 1
        flags\t\t: \(flags)

        processor\t: 1
        vendor_id\t: SomethingElse
        cpu family\t: 99

        """
    }

    let zen3 = CPUInfo(cpuinfo: cpuinfo(vendor: "AuthenticAMD", family: 25, model: 1, name: "AMD EPYC",
                                        flags: "fpu sse2 fma avx2 bmi2"))
    let zen4 = CPUInfo(cpuinfo: cpuinfo(vendor: "AuthenticAMD", family: 25, model: 17, name: "AMD EPYC 9R14",
                                        flags: "fma avx2 avx512f avx512_bf16"))
    let zen5 = CPUInfo(cpuinfo: cpuinfo(vendor: "AuthenticAMD", family: 26, model: 2, name: "AMD EPYC 9R45",
                                        flags: "fma avx2 avx512f avx512_bf16"))
    let intel = CPUInfo(cpuinfo: cpuinfo(vendor: "GenuineIntel", family: 6, model: 143, name: "Intel Xeon",
                                         flags: "fma avx2 avx512f amx_bf16"))

    func testParsesTheFirstProcessorBlock() {
        XCTAssertEqual(zen4.vendor, "AuthenticAMD")
        XCTAssertEqual(zen4.family, 25)
        XCTAssertEqual(zen4.model, 17)
        XCTAssertEqual(zen4.stepping, 1)
        XCTAssertEqual(zen4.modelName, "AMD EPYC 9R14")
        XCTAssertEqual(zen4.flags, ["fma", "avx2", "avx512f", "avx512_bf16"])
        XCTAssertEqual(zen3.amdCore, "Zen 3")
        XCTAssertEqual(zen4.amdCore, "Zen 4")
        XCTAssertEqual(zen5.amdCore, "Zen 5")
        XCTAssertNil(intel.amdCore)
        XCTAssertEqual(zen3.summary, "AMD EPYC (AuthenticAMD family 25 model 1 stepping 1, Zen 3; fma, avx2, "
                       + "no avx512f, no avx512_bf16, no amx_bf16)")
    }

    func testAnEmptyOrForeignTextLeavesFieldsUnknown() {
        let none = CPUInfo(cpuinfo: "")
        XCTAssertEqual(none.vendor, "unknown")
        XCTAssertNil(none.family)
        XCTAssertTrue(none.flags.isEmpty)
        XCTAssertEqual(GEMMKernel.preferred(for: none, avx512Runs: false, avx2Runs: true), .blas)
    }

    func testKernelTable() {
        // Without AVX-512 or AVX2 only OpenBLAS runs, whatever the CPU.
        for cpu in [zen3, zen4, zen5, intel] {
            XCTAssertEqual(GEMMKernel.preferred(for: cpu, avx512Runs: false, avx2Runs: false), .blas)
        }
        // Without AVX-512: the AVX2 kernel where it measured faster than OpenBLAS (Zen 3 and 4), OpenBLAS elsewhere.
        XCTAssertEqual(GEMMKernel.preferred(for: zen3, avx512Runs: false, avx2Runs: true), .avx2)
        XCTAssertEqual(GEMMKernel.preferred(for: zen4, avx512Runs: false, avx2Runs: true), .avx2)
        for cpu in [zen5, intel] {
            XCTAssertEqual(GEMMKernel.preferred(for: cpu, avx512Runs: false, avx2Runs: true), .blas)
        }
        // Zen 4 runs 512-bit operations on 256-bit units: its AVX2 kernel measured fastest there, AVX-512 slowest.
        XCTAssertEqual(GEMMKernel.preferred(for: zen4, avx512Runs: true), .avx2)
        XCTAssertEqual(GEMMKernel.preferred(for: zen4, avx512Runs: true, avx2Runs: false), .blas)
        XCTAssertEqual(GEMMKernel.preferred(for: zen5, avx512Runs: true), .avx512)
        XCTAssertEqual(GEMMKernel.preferred(for: intel, avx512Runs: true), .avx512)
    }

    func testThisMachinesKernelRuns() {
        XCTAssertTrue(GEMMKernel.isAvailable(GEMMKernel.preferred(for: .current)))
        XCTAssertFalse(GEMMKernel.blasDescription.isEmpty)
    }

    /// ibp-bench's table: a model name longer than the column (`medium-bn`) ran into the measure
    /// (`medium-bnibp-train-step`); columns are as wide as their longest entry.
    func testBenchmarkTableKeepsColumnsApart() {
        let rows = [BenchmarkRow(model: "medium-bn", measure: "ibp-train-step", median: 313.5, min: 311.9, max: 319.6,
                                 unit: "samples/s"),
                    BenchmarkRow(model: "small", measure: "crown-ibp-train-cost-and-more", median: 2, min: 1, max: 3,
                                 unit: "x")]
        let table = BenchmarkReport(date: "d", cpu: zen3, cores: 2, rows: rows).table
        XCTAssert(table.contains("medium-bn ibp-train-step"), table)
        XCTAssert(table.contains("small     crown-ibp-train-cost-and-more "), table)
        let lines = table.split(separator: "\n").suffix(2).map(String.init)
        XCTAssertEqual(lines[0].range(of: "  samples/s")?.lowerBound.utf16Offset(in: lines[0]),
                       lines[1].range(of: "  x")?.lowerBound.utf16Offset(in: lines[1]), "the numbers end in one column")
    }

    /// The kernel line names the kernels the one in use beat in one clause ("it also measured faster here than
    /// avx512; it also measured faster here than avx2" repeated itself), each faster one with its peak, and no Swift
    /// symbol (it showed `GEMMKernel.preferred(for:)`).
    func testTheKernelLineNamesTheOtherKernelsOnce() {
        func peak(_ measure: String, _ value: Double) -> BenchmarkRow {
            BenchmarkRow(model: "machine", measure: measure, median: value, min: value, max: value, unit: "GFLOP/s")
        }
        let beat = BenchmarkReport(date: "d", cpu: zen3, cores: 2,
                                   rows: [peak("sgemm-peak", 110), peak("avx512-sgemm-peak", 99), peak("blas-sgemm-peak", 103)]).table
        let line = String(beat.split(separator: "\n")[1])
        XCTAssert(line.hasSuffix("(the built-in table of kernels per CPU picks it here); it measured faster here than avx512 and blas"), line)
        XCTAssertFalse(line.contains("GEMMKernel"), line)
        let lost = BenchmarkReport(date: "d", cpu: zen3, cores: 2,
                                   rows: [peak("sgemm-peak", 100), peak("avx512-sgemm-peak", 99), peak("blas-sgemm-peak", 183)]).table
        let second = String(lost.split(separator: "\n")[1])
        XCTAssert(second.hasSuffix("; it measured faster here than avx512; blas measured faster here (183 GFLOP/s)"), second)
        let both = BenchmarkReport(date: "d", cpu: zen3, cores: 2,
                                   rows: [peak("sgemm-peak", 80), peak("avx512-sgemm-peak", 99), peak("blas-sgemm-peak", 183)]).table
        let third = String(both.split(separator: "\n")[1])
        XCTAssert(third.hasSuffix("picks it here); avx512 and blas measured faster here (99 and 183 GFLOP/s)"), third)
    }

    /// The kernel line says that bf16 rows do not run the float32 kernel it names (`--kernel blas` labelled a bf16
    /// step's table as if it ran OpenBLAS); without bf16 rows it says nothing of them.
    func testTheKernelLineSaysBF16RowsRunTheirOwnKernel() {
        let step = BenchmarkRow(model: "small", measure: "ibp-train-step", median: 1, min: 1, max: 1, unit: "samples/s")
        let bf16 = BenchmarkRow(model: "small", measure: "ibp-train-step-bf16", median: 1, min: 1, max: 1, unit: "samples/s")
        let note = "the bf16 rows run the AVX512_BF16 kernel whatever the float32 kernel"
        XCTAssert(BenchmarkReport(date: "d", cpu: zen3, cores: 2, rows: [step, bf16]).table.contains(note))
        let plain = BenchmarkReport(date: "d", cpu: zen3, cores: 2, rows: [step]).table
        XCTAssertFalse(plain.contains("bf16 rows"), plain)
    }
}
