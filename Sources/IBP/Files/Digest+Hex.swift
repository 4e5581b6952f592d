import Crypto
import Foundation

extension SHA256.Digest {
    /// The digest as 64 lowercase hex digits, as data sets, checkpoints and figures record it.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
