/// An element type T of an ONNX constant tensor that this reader decodes: its TensorProto data type, the typed
/// field that may hold the values, and its little-endian layout in `raw_data` (`byteWidth` bytes a value).
/// Source: the ONNX IR specification, "Tensor Definition" (TensorProto: raw_data is little-endian, row-major).
protocol ONNXTensorElement {
    /// The TensorProto.DataType code (FLOAT 1, INT64 7).
    static var dataType: Int { get }
    /// The name of the typed field holding the values when `raw_data` is absent ("float_data", "int64_data").
    static var typedField: String { get }
    /// The bytes of one value in `raw_data`.
    static var byteWidth: Int { get }
    /// The values of the typed field of `t`.
    static func typedValues(_ t: Onnx_TensorProto) -> [Self]
    /// The value stored little-endian at `offset` of `bytes` (unaligned).
    static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Self
    /// The tensor holding `values`.
    static func tensor(name: String, dims: [Int], values: [Self]) -> ONNXTensor
}

extension Float: ONNXTensorElement {
    static var dataType: Int { ONNXDataType.float }
    static var typedField: String { "float_data" }
    static var byteWidth: Int { 4 }
    static func typedValues(_ t: Onnx_TensorProto) -> [Float] { t.floatData }
    static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }
    static func tensor(name: String, dims: [Int], values: [Float]) -> ONNXTensor { ONNXTensor(name: name, dims: dims, floats: values) }
}

extension Int64: ONNXTensorElement {
    static var dataType: Int { ONNXDataType.int64 }
    static var typedField: String { "int64_data" }
    static var byteWidth: Int { 8 }
    static func typedValues(_ t: Onnx_TensorProto) -> [Int64] { t.int64Data }
    static func load(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
    }
    static func tensor(name: String, dims: [Int], values: [Int64]) -> ONNXTensor { ONNXTensor(name: name, dims: dims, int64s: values) }
}

extension Onnx_TensorProto {
    /// The number of values in each typed field, by the field's name: a tensor uses at most its own type's.
    var typedFieldCounts: [(field: String, count: Int)] {
        [("float_data", floatData.count), ("int32_data", int32Data.count), ("int64_data", int64Data.count),
         ("double_data", doubleData.count), ("uint64_data", uint64Data.count)]
    }
}
