#!/usr/bin/env python3
"""Independent check of the ONNX import: onnxruntime's outputs at every VNN-COMP instance's box centre.

For each row of ../shared/vnncomp/instances.csv this runs the ONNX network with onnxruntime (float32) at the centre
of the property's input box, and each small model of Fuzz/Seeds/onnx at a fixed input, and writes the outputs to
Tests/IBPFormatsTests/Fixtures/onnxruntime-vnncomp.json.
`ONNXRuntimeReferenceTests` (swift test) then evaluates our lowered chain with the Double reference evaluator at the
same points and compares. The centre is computed exactly as the Swift side does: each VNNLIB bound parsed to a
Python float (Double), rounded outward to float32 (lower down, upper up), then float32((lo + hi) / 2) with the sum
in float64.

Each network runs twice: with onnxruntime as exported (float32 arithmetic, `output`), and with the ONNX package's
own reference evaluator (numpy) on the float32 weights widened to float64 (`output64`; onnxruntime has no float64
Conv), which isolates the import from float32 rounding.

Not part of CI and not a dependency of the tools; it needs onnxruntime, onnx and numpy from PyPI:

    python3 -m venv /tmp/ortvenv && /tmp/ortvenv/bin/pip install onnxruntime onnx numpy
    /tmp/ortvenv/bin/python scripts/check-onnx-reference.py [--vnncomp ../shared/vnncomp] [--run-swift-test]

With --run-swift-test it also runs the Swift test (IBP_SHARED pointing at the vnncomp folder's parent) and prints
the largest difference it measured.
"""
import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator
    MISSING = None
except ImportError as error:  # reported in one line after the arguments are checked
    MISSING = error.name

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUND = re.compile(r"\(\s*assert\s*\(\s*(<=|>=)\s+X_(\d+)\s+(\S+?)\s*\)\s*\)")


def float32_at_or_below(x):
    f = np.float32(x)
    return np.nextafter(f, np.float32(-np.inf)) if float(f) > x else f


def float32_at_or_above(x):
    f = np.float32(x)
    return np.nextafter(f, np.float32(np.inf)) if float(f) < x else f


def as_float64(model):
    """The same network computing in float64: FLOAT initializers, Constant values, inputs and outputs become DOUBLE.
    The weights are the float32 values, exactly; only the arithmetic changes."""
    def widen(tensor):
        if tensor.data_type == onnx.TensorProto.FLOAT:
            tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float64), tensor.name))
    model = onnx.ModelProto.FromString(model.SerializeToString())
    for tensor in model.graph.initializer:
        widen(tensor)
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                widen(attribute.t)
    for value in list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info):
        if value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT:
            value.type.tensor_type.elem_type = onnx.TensorProto.DOUBLE
    return model


def session(model):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run(sess, x):
    shape = [d if isinstance(d, int) else 1 for d in sess.get_inputs()[0].shape]
    y = sess.run(None, {sess.get_inputs()[0].name: x.reshape(shape)})[0].reshape(-1)
    assert all(math.isfinite(v) for v in y)
    return [float(v) for v in y]


def run_reference(evaluator, model, x):
    dims = model.graph.input[0].type.tensor_type.shape.dim
    shape = [d.dim_value if d.HasField("dim_value") else 1 for d in dims]
    y = evaluator.run(None, {model.graph.input[0].name: x.reshape(shape)})[0].reshape(-1)
    assert y.dtype == np.float64 and all(math.isfinite(v) for v in y)
    return [float(v) for v in y]


def box_centre(path):
    """The float32 centre of the property's box (only the bound assertions these files use)."""
    lower, upper = {}, {}
    with open(path) as f:
        for op, index, value in BOUND.findall(f.read()):
            (upper if op == "<=" else lower)[int(index)] = float(value)
    n = len(lower)
    assert n == len(upper) and sorted(lower) == list(range(n)), f"{path}: incomplete box"
    return np.array([np.float32((float(float32_at_or_below(lower[i])) + float(float32_at_or_above(upper[i]))) / 2)
                     for i in range(n)], dtype=np.float32)


class OneLineParser(argparse.ArgumentParser):
    """Bad command lines get one line on stderr and exit status 64, as every tool of the project."""

    def error(self, message):
        print(f"check-onnx-reference.py: error: {message} (see --help)", file=sys.stderr)
        sys.exit(64)


def main():
    parser = OneLineParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vnncomp", default=os.path.join(ROOT, "..", "shared", "vnncomp"))
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "IBPFormatsTests", "Fixtures", "onnxruntime-vnncomp.json"))
    parser.add_argument("--run-swift-test", action="store_true")

    def usage_error(message):
        print(f"check-onnx-reference.py: error: {message}", file=sys.stderr)
        sys.exit(64)

    parser.error = usage_error  # one line and status 64, as every script here
    args = parser.parse_args()
    vnncomp = os.path.abspath(args.vnncomp)
    if not os.path.isfile(os.path.join(vnncomp, "instances.csv")):
        print(f"check-onnx-reference.py: error: {args.vnncomp}: no instances.csv (the VNN-COMP material is ../shared/vnncomp)",
              file=sys.stderr)
        sys.exit(1)
    if MISSING:
        print(f"check-onnx-reference.py: error: needs {MISSING}; pip install onnxruntime onnx numpy", file=sys.stderr)
        sys.exit(1)
    sessions, rows = {}, []
    with open(os.path.join(vnncomp, "instances.csv")) as f:
        for row in csv.DictReader(f):
            onnx_path, vnnlib_path = row["onnx"], row["vnnlib"]
            if onnx_path not in sessions:
                model = onnx.load(os.path.join(vnncomp, onnx_path))
                wide = as_float64(model)
                sessions[onnx_path] = (session(model), ReferenceEvaluator(wide), wide)
            single, reference, wide = sessions[onnx_path]
            x = box_centre(os.path.join(vnncomp, vnnlib_path))
            rows.append({"onnx": onnx_path, "vnnlib": vnnlib_path, "output": run(single, x),
                         "output64": run_reference(reference, wide, x.astype(np.float64))})
    # The fuzz seeds: small models that cover every supported operator (BatchNormalization, Pad, pooling with
    # padding, SAME padding, MatMul + Add, ...), at x_i = ((37 i) mod 17) / 8 - 1. onnxruntime only: the onnx
    # package's reference evaluator computes BatchNormalization from the batch's statistics whenever momentum is
    # set (opset 9-13), which is not the inference form these models mean.
    seeds = []
    seed_folder = os.path.join(ROOT, "Fuzz", "Seeds", "onnx")
    for name in sorted(os.listdir(seed_folder)):
        if name.startswith("Convnet_"):
            continue  # copies of the VNN-COMP networks above
        sess = session(onnx.load(os.path.join(seed_folder, name)))
        n = int(np.prod([d if isinstance(d, int) else 1 for d in sess.get_inputs()[0].shape]))
        x = np.array([((37 * i) % 17) / 8 - 1 for i in range(n)], dtype=np.float32)
        seeds.append({"file": name, "output": run(sess, x)})
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    document = {
        "generator": f"scripts/check-onnx-reference.py: onnxruntime {ort.__version__} (CPU, graph optimisations off), onnx {onnx.__version__}",
        "centre": "float32((lo + hi) / 2), lo and hi the VNNLIB bounds rounded outward to float32",
        "output": "onnxruntime in float32 (the network as exported)",
        "output64": f"onnx {onnx.__version__} reference evaluator (numpy) in float64: the float32 weights, double arithmetic",
        "instances": rows,
    }
    temporary = args.out + ".tmp"
    with open(temporary, "w") as f:
        # One instance per line: small diffs when the script is rerun.
        f.write("{\n" + "".join(f" {json.dumps(k)}: {json.dumps(document[k])},\n" for k in ("generator", "centre", "output", "output64")))
        f.write(' "seeds": [\n' + ",\n".join("  " + json.dumps(r) for r in seeds) + "\n ],\n")
        f.write(' "instances": [\n' + ",\n".join("  " + json.dumps(r) for r in rows) + "\n ]\n}\n")
    os.replace(temporary, args.out)
    print(f"wrote {len(rows)} instances over {len(sessions)} networks and {len(seeds)} fuzz seeds to {os.path.relpath(args.out, ROOT)}")
    if args.run_swift_test:
        env = dict(os.environ, IBP_SHARED=os.path.dirname(vnncomp))
        result = subprocess.run(["swift", "test", "--filter", "ONNXRuntimeReferenceTests"], cwd=ROOT, env=env,
                                capture_output=True, text=True)
        for line in (result.stdout + result.stderr).splitlines():
            if "difference from" in line or "error" in line or "Executed" in line:
                print(line)
        sys.exit(result.returncode)


if __name__ == "__main__":
    main()
