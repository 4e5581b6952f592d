import Foundation

/// A safetensors file taken apart into its JSON header and its data section, so a test can damage one
/// field and put the file back together with a consistent header length.
struct SafetensorsParts {
    var header: [String: Any]
    var data: Data

    init(_ file: Data) throws {
        let length = Self.headerLength(file)
        guard let object = try JSONSerialization.jsonObject(with: file.subdata(in: 8..<(8 + length))) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        header = object
        data = file.subdata(in: (8 + length)..<file.count)
    }

    /// The header length of `file`: the data section starts at 8 plus this.
    static func headerLength(_ file: Data) -> Int {
        file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    /// The entry of tensor `name`: `dtype`, `shape`, `data_offsets`.
    func tensor(_ name: String) -> [String: Any] { header[name] as! [String: Any] }

    mutating func set(_ name: String, _ field: String, to value: Any) {
        var entry = tensor(name)
        entry[field] = value
        header[name] = entry
    }

    /// The file as one written before checkpoints recorded `tensors_sha256` (which covers every tensor's name, shape
    /// and bytes, so a test of another field's check removes it; `Checkpoint.digest(of:)`).
    mutating func removeDigest() {
        var metadata = header["__metadata__"] as! [String: Any]
        metadata["tensors_sha256"] = nil
        header["__metadata__"] = metadata
    }

    /// `data_offsets` of tensor `name`.
    func offsets(_ name: String) -> [Int] { tensor(name)["data_offsets"] as! [Int] }

    /// The file's bytes, with `headerText` in place of the serialized header when given.
    func bytes(headerText: String? = nil) throws -> Data {
        let json = try headerText.map { Data($0.utf8) } ?? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + data
    }
}
