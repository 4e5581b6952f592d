#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into Seeds/ (checked in; rerun only to change them).

Small valid files, so that mutations reach the deep checks quickly: a checkpoint of a tiny custom
architecture (with and without Adam state), Chainer-style .npz archives (stored and deflated), and IDX
image and label files (raw and gzip). Standard library only; deterministic output.
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
checkpoints()
archives()
idx()
