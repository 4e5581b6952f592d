import Foundation

/// What `ibp-bench` records about the machine it ran on besides the CPU itself (`CPUInfo`).
public enum MachineInfo {
    /// Cores available to this process.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
