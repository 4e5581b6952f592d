#!/usr/bin/env bash
# From PyTorch to `verify`: trains a small MNIST classifier in PyTorch (input normalisation inside the model, a
# padded strided conv, ReLU, max pooling, two linear layers; one epoch), exports it with torch.onnx.export, writes a
# VNN-COMP-style VNNLIB property for test image 0 (every other class at least as large as the label's is a
# counterexample; the box is the image +- EPS clipped to [0, 1]), then runs `evaluate` and `verify` on the ONNX file.
# Python and PyTorch are needed by this script only (pip install torch onnx), never by the tools.
# Usage: scripts/pytorch-to-verify.sh [DATA_DIR] [EPS]    (writes output/pytorch/model.onnx and prop.vnnlib)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
positional_only 2 "usage: scripts/pytorch-to-verify.sh [DATA_DIR] [EPS]" "$@"
data=$(data_dir "${@:1:1}")
eps="${2-0.02}"
[[ "$eps" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || usage_error "EPS must be a number in [0, 1], got '$eps'"
require_mnist "$data" train t10k
python3 -c "import torch, numpy" 2>/dev/null \
  || die "PyTorch is not installed for python3; install it with: python3 -m pip install torch numpy onnx"
swift build -c release --product verify --product evaluate >&2
out=output/pytorch
mkdir -p "$out"
python3 - "$data" "$out" "$eps" <<'PY'
import gzip, os, sys
import numpy as np
import torch
from torch import nn

data, out, eps = sys.argv[1], sys.argv[2], float(sys.argv[3])

def idx(name):
    path = os.path.join(data, name)
    raw = gzip.open(path + ".gz").read() if os.path.exists(path + ".gz") else open(path, "rb").read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)

x_train = torch.tensor(idx("train-images-idx3-ubyte") / 255.0, dtype=torch.float32).unsqueeze(1)
y_train = torch.tensor(idx("train-labels-idx1-ubyte").astype(np.int64))
x_test = torch.tensor(idx("t10k-images-idx3-ubyte") / 255.0, dtype=torch.float32).unsqueeze(1)
y_test = idx("t10k-labels-idx1-ubyte")

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                  nn.Linear(8 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):  # raw pixels in [0, 1]; the normalisation is part of the model (Sub, Div in the graph)
        return self.body((x - 0.1307) / 0.3081)

torch.manual_seed(0)
model = Net()
opt = torch.optim.Adam(model.parameters(), 1e-3)
for i in range(0, 60000, 100):
    loss = nn.functional.cross_entropy(model(x_train[i:i + 100]), y_train[i:i + 100])
    opt.zero_grad(); loss.backward(); opt.step()
model.eval()
with torch.no_grad():
    accuracy = (model(x_test).argmax(1).numpy() == y_test).mean()
print(f"PyTorch: test accuracy {100 * accuracy:.2f}% after one epoch", file=sys.stderr)

path = os.path.join(out, "model.onnx")
kwargs = dict(input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=13)
try:
    torch.onnx.export(model, x_test[:1], path, dynamo=False, **kwargs)
except TypeError:  # PyTorch before 2.5 has no `dynamo` argument
    torch.onnx.export(model, x_test[:1], path, **kwargs)

pixels, label = x_test[0].flatten().numpy().astype(np.float64), int(y_test[0])
lines = [f"; MNIST test image 0 (label {label}), eps {eps}"]
lines += [f"(declare-const X_{i} Real)" for i in range(784)] + [f"(declare-const Y_{j} Real)" for j in range(10)]
for i, p in enumerate(pixels):
    lines += [f"(assert (<= X_{i} {min(p + eps, 1.0)!r}))", f"(assert (>= X_{i} {max(p - eps, 0.0)!r}))"]
lines.append("(assert (or " + " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(10) if j != label) + "))")
open(os.path.join(out, "prop.vnnlib"), "w").write("\n".join(lines) + "\n")
print(f"wrote {path} and {out}/prop.vnnlib", file=sys.stderr)
PY
.build/release/evaluate "$out/model.onnx" --data "$data" --limit 1000 --epsilon "$eps"
.build/release/verify "$out/model.onnx" "$out/prop.vnnlib" --bounds ibp --out "$out/result.txt"
