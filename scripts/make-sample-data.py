#!/usr/bin/env python3
"""Make sample_data/mnist: the first N (default 100) images and labels of the MNIST test set.

usage: make-sample-data.py [SOURCE_DIR [DEST_DIR [N]]]

SOURCE_DIR holds t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)
(default data/mnist, as made by scripts/get-mnist.sh); DEST_DIR defaults to
sample_data/mnist. The outputs are gzip level 9 with mtime 0 and no stored
name, so re-running gives the same bytes for the same zlib.
Standard library only.
"""
import gzip
import os
import struct
import sys


def read_idx(source_dir, base):
    for name in (base, base + ".gz"):
        path = os.path.join(source_dir, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    sys.exit("make-sample-data.py: no %s(.gz) in %s" % (base, source_dir))


def write_gz(path, payload):
    """Writes path + ".tmp" and returns it; the caller renames it once every output is written."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
            gz.write(payload)
    return tmp


def usage(message):
    print("make-sample-data.py: error: %s; usage: make-sample-data.py [SOURCE_DIR [DEST_DIR [N]]]" % message,
          file=sys.stderr)
    sys.exit(64)


def main(argv):
    if len(argv) > 4:
        usage("too many arguments")
    source = argv[1] if len(argv) > 1 else "data/mnist"
    dest = argv[2] if len(argv) > 2 else "sample_data/mnist"
    if len(argv) > 3 and not argv[3].isdigit():
        usage("N must be a positive integer, got %r" % argv[3])
    n = int(argv[3]) if len(argv) > 3 else 100
    if not os.path.isdir(source):
        sys.exit("make-sample-data.py: error: %s: no such folder (get MNIST with scripts/get-mnist.sh %s)" % (source, source))

    images = read_idx(source, "t10k-images-idx3-ubyte")
    labels = read_idx(source, "t10k-labels-idx1-ubyte")
    magic, count, rows, cols = struct.unpack(">4I", images[:16])
    lmagic, lcount = struct.unpack(">2I", labels[:8])
    if (magic, rows, cols, lmagic) != (2051, 28, 28, 2049) or count != lcount:
        sys.exit("make-sample-data.py: unexpected IDX headers in %s" % source)
    if len(images) != 16 + count * 784 or len(labels) != 8 + count or not 0 < n <= count:
        sys.exit("make-sample-data.py: inconsistent sizes in %s (or bad N)" % source)

    os.makedirs(dest, exist_ok=True)
    # Both files are written before either is renamed, so images and labels never come from different runs.
    outputs = [(os.path.join(dest, "t10k-images-idx3-ubyte.gz"), struct.pack(">4I", 2051, n, 28, 28) + images[16:16 + n * 784]),
               (os.path.join(dest, "t10k-labels-idx1-ubyte.gz"), struct.pack(">2I", 2049, n) + labels[8:8 + n])]
    temps = [(write_gz(path, payload), path) for path, payload in outputs]
    for tmp, path in temps:
        os.replace(tmp, path)
    print("wrote %d test images to %s (labels %s...)" % (n, dest, list(labels[8:18])))


if __name__ == "__main__":
    main(sys.argv)
