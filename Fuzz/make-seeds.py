#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into Seeds/ (checked in; rerun only to change them).

Small valid files, so that mutations reach the deep checks quickly: a checkpoint of a tiny custom
architecture (with and without Adam state), Chainer-style .npz archives (stored and deflated), IDX
image and label files (raw and gzip), small ONNX models covering every supported operator (written with the
minimal protobuf encoder below), and VNNLIB properties. Standard library only; deterministic output.
Seeds/onnx also holds the two VNN-COMP convnets and Seeds/vnnlib one VNN-COMP property, copied from
../shared/vnncomp (see README.md); this script does not touch those.
"""
import gzip
import io
import json
import os
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def save(kind, name, data):
    folder = os.path.join(HERE, "Seeds", kind)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def safetensors(tensors, metadata):
    """tensors: list of (name, shape, values) in data order, as Checkpoint.save writes them."""
    header, data = {}, b""
    for name, shape, values in tensors:
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + 4 * len(values)]}
        data += f32(values)
    header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def checkpoints():
    # Input 1x4x4, conv 2 channels 3x3 stride 1 (VALID) -> 2x2x2, ReLU, flatten, linear 3.
    arch = {"inputShape": [1, 4, 4], "name": "fuzz", "layers": [
        {"conv": {"channels": 2, "kernel": 3, "same": False, "stride": 1}},
        {"activation": {"_0": "relu"}}, {"flatten": {}}, {"linear": {"units": 3}}]}
    params = [("l1/W", [2, 1, 3, 3]), ("l1/b", [2]), ("lo/W", [3, 8]), ("lo/b", [3])]
    tensors = []
    for name, shape in params:
        n = 1
        for d in shape:
            n *= d
        tensors.append((name, shape, [0.125 * (i % 7) - 0.25 for i in range(n)]))
    meta = {"format": "ibpvis-checkpoint-1", "architecture": json.dumps(arch, sort_keys=True, separators=(",", ":")),
            "step": "3"}
    save("checkpoint", "weights-only.ckpt", safetensors(tensors, meta))
    adam = [("adam/%s/%s" % (moment, name), shape, [0.01] * len(values))
            for name, shape, values in tensors for moment in ("m", "v")]
    save("checkpoint", "with-adam.ckpt", safetensors(tensors + adam, dict(meta, adam_t="3")))


def npy(shape, values):
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape_text
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + f32(values)


def npz(arrays, method):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as z:
        for name, (shape, values) in sorted(arrays.items()):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, npy(shape, values))
    return out.getvalue()


def archives():
    # Chainer-style nets that the loader accepts (1x28x28 input, 10 outputs): an MLP 784 -> 2 -> 10, and a
    # conv net whose only fitting stride is 4 (5x5 kernel, 28 -> 6), so that stride inference runs.
    mlp = {"l1/W": ([2, 784], [0.5] * 1568), "l1/b": ([2], [0.0, 1.0]), "lo/W": ([10, 2], [1.0] * 20), "lo/b": ([10], [0.0] * 10)}
    conv = {"l1/W": ([1, 1, 5, 5], [0.25] * 25), "l1/b": ([1], [0.0]), "lo/W": ([10, 36], [0.5] * 360), "lo/b": ([10], [0.0] * 10)}
    save("npz", "mlp-deflated.npz", npz(mlp, zipfile.ZIP_DEFLATED))
    save("npz", "conv-stored.npz", npz(conv, zipfile.ZIP_STORED))
    save("npz", "conv-deflated.npz", npz(conv, zipfile.ZIP_DEFLATED))


def idx():
    count, rows, cols = 3, 4, 5
    images = struct.pack(">IIII", 2051, count, rows, cols) + bytes((i * 37) % 256 for i in range(count * rows * cols))
    labels = struct.pack(">II", 2049, count) + bytes([3, 1, 4])
    save("idx", "images-idx3-ubyte", images)
    save("idx", "labels-idx1-ubyte", labels)
    save("idx", "images-idx3-ubyte.gz", gzip.compress(images, mtime=0))
    save("idx", "labels-idx1-ubyte.gz", gzip.compress(labels, mtime=0))


if len(sys.argv) > 1:
    print("make-seeds.py: error: takes no arguments (usage: Fuzz/make-seeds.py)", file=sys.stderr)
    sys.exit(64)
# --- ONNX: protobuf wire format by hand (field numbers of onnx.proto; see Sources/IBPFormats/ONNX/onnx-subset.proto)


def varint(n):
    n &= (1 << 64) - 1  # negative int64 as two's complement
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_float(number, value):
    return varint(number << 3 | 5) + struct.pack("<f", value)


def tensor(name, dims, floats=None, int64s=None):
    out = b"".join(field_varint(1, d) for d in dims) + field_bytes(8, name)
    if int64s is not None:
        return out + field_varint(2, 7) + field_bytes(7, b"".join(varint(v) for v in int64s))
    return out + field_varint(2, 1) + field_bytes(9, f32(floats))


def attribute(name, value):
    out = field_bytes(1, name)
    if isinstance(value, bool) or isinstance(value, int):
        return out + field_varint(20, 2) + field_varint(3, int(value))
    if isinstance(value, float):
        return out + field_varint(20, 1) + field_float(2, value)
    if isinstance(value, str):
        return out + field_varint(20, 3) + field_bytes(4, value)
    if isinstance(value, bytes):  # an encoded TensorProto
        return out + field_varint(20, 4) + field_bytes(5, value)
    if all(isinstance(v, int) for v in value):
        return out + field_varint(20, 7) + b"".join(field_varint(8, v) for v in value)
    return out + field_varint(20, 6) + b"".join(field_float(7, v) for v in value)


def node(op, inputs, outputs, **attributes):
    out = b"".join(field_bytes(1, i) for i in inputs) + b"".join(field_bytes(2, o) for o in outputs)
    out += field_bytes(3, op + "_" + outputs[0]) + field_bytes(4, op)
    return out + b"".join(field_bytes(5, attribute(k, v)) for k, v in sorted(attributes.items()))


def value_info(name, dims):
    shape = b"".join(field_bytes(1, field_varint(1, d) if d is not None else field_bytes(2, "N")) for d in dims)
    return field_bytes(1, name) + field_bytes(2, field_bytes(1, field_varint(1, 1) + field_bytes(2, shape)))


def model(nodes, initializers, input_dims, output_dims, opset=13):
    graph = b"".join(field_bytes(1, n) for n in nodes) + field_bytes(2, "seed")
    graph += b"".join(field_bytes(5, t) for t in initializers)
    graph += field_bytes(11, value_info("x", input_dims)) + field_bytes(12, value_info("y", output_dims))
    return field_varint(1, 7) + field_bytes(2, "make-seeds.py") + field_bytes(7, graph) + field_bytes(8, field_varint(2, opset))


def ramp(n, scale=0.125):
    return [scale * ((i * 7) % 11 - 5) for i in range(n)]


def onnx_models():
    # Flatten, Gemm (transB, alpha, beta), Relu, Gemm.
    save("onnx", "mlp.onnx", model(
        [node("Flatten", ["x"], ["f"], axis=1), node("Gemm", ["f", "W1", "b1"], ["h"], transB=1, alpha=0.5, beta=2.0),
         node("Relu", ["h"], ["r"]), node("Gemm", ["r", "W2"], ["y"])],
        [tensor("W1", [3, 4], ramp(12)), tensor("b1", [3], ramp(3)), tensor("W2", [3, 2], ramp(6))],
        [None, 1, 2, 2], [None, 2]))
    # Normalisation by Constant nodes, Conv with pads and strides, BatchNormalization, Relu, Pad (inputs form),
    # AveragePool, MaxPool, Flatten, MatMul + Add, Sigmoid, Tanh.
    save("onnx", "conv.onnx", model(
        [node("Constant", [], ["mean"], value=tensor("", [1], ramp(1))),
         node("Sub", ["x", "mean"], ["a"]), node("Div", ["a", "std"], ["b"]),
         node("Conv", ["b", "W", "B"], ["c"], kernel_shape=[3, 2], strides=[1, 2], pads=[1, 0, 1, 1], group=1),
         node("BatchNormalization", ["c", "g", "be", "m", "v"], ["d"], epsilon=0.001),
         node("Relu", ["d"], ["e"]), node("Pad", ["e", "pads"], ["p"], mode="constant"),
         node("AveragePool", ["p"], ["q"], kernel_shape=[2, 2], pads=[1, 1, 0, 0], count_include_pad=1),
         node("MaxPool", ["q"], ["r"], kernel_shape=[2, 2], strides=[2, 2]),
         node("Flatten", ["r"], ["s"]), node("MatMul", ["s", "M"], ["t"]), node("Add", ["t", "k"], ["u"]),
         node("Sigmoid", ["u"], ["w"]), node("Tanh", ["w"], ["y"])],
        [tensor("std", [1, 1, 1], [0.5]), tensor("W", [2, 1, 3, 2], ramp(12)), tensor("B", [2], ramp(2)),
         tensor("g", [2], [1.0, 2.0]), tensor("be", [2], [0.0, 0.5]), tensor("m", [2], [0.25, 0.0]), tensor("v", [2], [1.0, 4.0]),
         tensor("pads", [8], int64s=[0, 0, 1, 0, 0, 0, 0, 1]), tensor("M", [12, 3], ramp(36)), tensor("k", [3], ramp(3))],
        [1, 1, 6, 6], [1, 3]))
    # Constant shapes, Reshape with 0 and -1, Dropout, Identity, GlobalAveragePool, auto_pad.
    save("onnx", "reshape.onnx", model(
        [node("Constant", [], ["shape"], value_ints=[0, 2, -1, 2]), node("Reshape", ["x", "shape"], ["a"]),
         node("Dropout", ["a"], ["b"], seed=3), node("Identity", ["b"], ["c"]),
         node("Conv", ["c", "W"], ["d"], auto_pad="SAME_UPPER", strides=[2, 2]),
         node("GlobalAveragePool", ["d"], ["y"])],
        [tensor("W", [1, 2, 2, 2], ramp(8))], [None, 4, 2, 2], [None, 1, 1, 1]))
    # Pad as attributes (opset 9).
    save("onnx", "pad-opset9.onnx", model(
        [node("Pad", ["x"], ["p"], mode="constant", pads=[0, 0, 1, 2, 0, 0, 2, 1], value=0.0), node("Relu", ["p"], ["y"])],
        [], [1, 1, 2, 2], [1, 1, 5, 5], opset=9))


def vnnlib_properties():
    small = """; a small property
(declare-const X_0 Real)
(declare-const X_1 Real)
(declare-const Y_0 Real)
(declare-const Y_1 Real)
(declare-const Y_2 Real)
(assert (<= X_0 0.5))
(assert (>= X_0 -0.25))
(assert (and (>= 1 X_1) (<= 1e-3 X_1)))
(assert (or (and (>= Y_1 Y_0) (< Y_2 3)) (and (> (+ (* 2 Y_0) (- Y_1 Y_2) 0.5) (/ 1 4)))))
(assert (<= (- Y_0) 7.5E+1))
"""
    save("vnnlib", "small.vnnlib", small.encode())
    lines = ["; Mnist property with label: 3.", ""] + ["(declare-const X_%d Real)" % i for i in range(16)]
    lines += [""] + ["(declare-const Y_%d Real)" % j for j in range(10)] + ["", "; Input constraints:"]
    for i in range(16):
        lines += ["(assert (<= X_%d %.8f))" % (i, min(1, i / 16 + 0.03)), "(assert (>= X_%d %.8f))" % (i, max(0, i / 16 - 0.03))]
    lines += ["", "; Output constraints:", "(assert (or"] + ["    (and (>= Y_%d Y_3))" % j for j in range(10) if j != 3] + ["))", ""]
    save("vnnlib", "mnist-like.vnnlib", "\n".join(lines).encode())


checkpoints()
archives()
idx()
onnx_models()
vnnlib_properties()
