import Foundation

/// What this CPU is: vendor, family, model and stepping (decimal, as /proc/cpuinfo gives them) and its ISA flags,
/// read from `/proc/cpuinfo` (Linux; the first processor's block). The GEMM kernel is chosen from it
/// (`GEMMKernel.preferred(for:)`) and `ibp-bench` prints it, so every speed figure says which CPU it came from.
public struct CPUInfo: Sendable, Equatable {
    /// `AuthenticAMD`, `GenuineIntel`, ... or `unknown`.
    public var vendor: String
    public var family: Int?
    public var model: Int?
    public var stepping: Int?
    /// The `model name` line (a VM may show only "AMD EPYC").
    public var modelName: String
    /// The `flags` line's words, e.g. `avx2`, `fma`, `avx512f`, `avx512_bf16`.
    public var flags: Set<String>

    /// Reads `/proc/cpuinfo`; fields it lacks stay unknown (nil, "unknown" or empty flags).
    public static let current = CPUInfo(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// Parses the first processor block of a `/proc/cpuinfo` text.
    public init(cpuinfo text: String) {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { if !fields.isEmpty { break } else { continue } }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil {
                fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        vendor = fields["vendor_id"] ?? "unknown"
        family = fields["cpu family"].flatMap { Int($0) }
        model = fields["model"].flatMap { Int($0) }
        stepping = fields["stepping"].flatMap { Int($0) }
        modelName = fields["model name"] ?? "unknown"
        flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
    }

    /// The ISA features that decide the kernels, in a fixed order: present ones by name, absent ones as `no X`.
    public static let relevantFlags = ["fma", "avx2", "avx512f", "avx512_bf16", "amx_bf16"]

    /// AMD's core generation for the families and model ranges AMD documents (Zen 1-5), else nil.
    public var amdCore: String? {
        guard vendor == "AuthenticAMD", let family, let model else { return nil }
        switch (family, model) {
        case (23, 0x00...0x2f): return "Zen/Zen+"
        case (23, _): return "Zen 2"
        case (25, 0x10...0x1f), (25, 0x60...0x7f), (25, 0xa0...0xaf): return "Zen 4"
        case (25, _): return "Zen 3"
        case (26, _): return "Zen 5"
        default: return nil
        }
    }

    /// One line for reports, e.g. `AMD EPYC (AuthenticAMD family 25 model 1 stepping 1, Zen 3; fma avx2, no
    /// avx512f, no avx512_bf16, no amx_bf16)`.
    public var summary: String {
        let id = [vendor, family.map { "family \($0)" }, model.map { "model \($0)" }, stepping.map { "stepping \($0)" }]
            .compactMap { $0 }.joined(separator: " ") + (amdCore.map { ", \($0)" } ?? "")
        let present = Self.relevantFlags.filter { flags.contains($0) }
        let absent = Self.relevantFlags.filter { !flags.contains($0) }.map { "no \($0)" }
        return "\(modelName) (\(id); \((present + absent).joined(separator: ", ")))"
    }
}
