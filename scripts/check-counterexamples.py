#!/usr/bin/env python3
"""Independent check of `verify`'s sat answers: every counterexample of a results CSV (`verify --instances ...
--counterexamples DIR`, column `counterexample`) is run through onnxruntime (float32, as VNN-COMP's checker does)
and checked against its VNNLIB file read here from scratch: every X_i inside the file's [lower, upper] (the file's
decimals as Python floats, no tolerance), the outputs onnxruntime computes equal to the Y values written (to float32
rounding), and some disjunct of the output condition satisfied by onnxruntime's outputs (no tolerance).

Not part of CI and not a dependency of the tools; it needs onnxruntime and numpy from PyPI:

    python3 -m venv /tmp/ortvenv && /tmp/ortvenv/bin/pip install onnxruntime numpy
    /tmp/ortvenv/bin/python scripts/check-counterexamples.py output/vnncomp/results-ibp.csv [--vnncomp ../shared/vnncomp]

Reads the VNNLIB subset of VNN-COMP's MNIST properties ((assert (<= X_i c)), (assert (>= X_i c)), and one
(assert (or (and (>= Y_j Y_l) ...) ...)) with comparisons of two outputs or of an output and a number); anything
else is refused with the line. Exit status 0 when every counterexample holds, 1 otherwise, 64 for bad arguments.
"""
import argparse
import csv
import os
import re
import sys


def fail_usage(message):
    print(f"check-counterexamples.py: error: {message}", file=sys.stderr)
    sys.exit(64)


def parse_vnnlib(path):
    """(lower, upper, disjuncts): dicts of X bounds, and a list of conjunctions of (op, a, b) over 'Y_j' or floats."""
    text = open(path).read()
    lower, upper = {}, {}
    bound = re.compile(r"\(assert \((<=|>=) X_(\d+) ([-+0-9.eE]+)\)\)")
    for m in bound.finditer(text):
        (upper if m.group(1) == "<=" else lower)[int(m.group(2))] = float(m.group(3))
    output = text[text.index("(assert (or"):] if "(assert (or" in text else None
    if output is None:
        raise ValueError(f"{path}: no (assert (or ...)) output condition")
    disjuncts = []
    for conj in re.findall(r"\(and((?:\s*\((?:<=|>=) \S+ \S+\))+)\s*\)", output):
        disjuncts.append([(op, a, b) for op, a, b in re.findall(r"\((<=|>=) (\S+) ([^)\s]+)\)", conj)])
    if not disjuncts:
        raise ValueError(f"{path}: no (and ...) disjuncts in the output condition")
    return lower, upper, disjuncts


def value(term, y):
    return y[int(term[2:])] if term.startswith("Y_") else float(term)


def main():
    parser = argparse.ArgumentParser(add_help=True)
    parser.add_argument("results")
    parser.add_argument("--vnncomp", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "vnncomp"))
    parser.error = fail_usage  # one line and status 64, as every script here
    args = parser.parse_args()
    if not os.path.isfile(args.results):
        fail_usage(f"{args.results}: no such results CSV")
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        print("check-counterexamples.py: error: needs onnxruntime and numpy (pip install onnxruntime numpy)", file=sys.stderr)
        sys.exit(1)
    rows = [r for r in csv.DictReader(open(args.results)) if r["answer"] == "sat"]
    sessions, bad = {}, 0
    for r in rows:
        onnx, vnnlib = os.path.join(args.vnncomp, r["onnx"]), os.path.join(args.vnncomp, r["vnnlib"])
        cex = r.get("counterexample", "")
        if not cex or not os.path.isfile(cex):
            print(f"{r['vnnlib']}: sat without a counterexample file ({cex!r})"); bad += 1; continue
        text = open(cex).read().split("\n")
        if text[0] != "sat":
            print(f"{cex}: first line {text[0]!r}, expected sat"); bad += 1; continue
        pairs = dict((k, float(v)) for k, v in re.findall(r"\((X_\d+|Y_\d+) ([^)\s]+)\)", "\n".join(text[1:])))
        lower, upper, disjuncts = parse_vnnlib(vnnlib)
        n = len(lower)
        x = [pairs[f"X_{i}"] for i in range(n)]
        outside = [i for i in range(n) if not (lower[i] <= x[i] <= upper[i])]
        if outside:
            print(f"{cex}: X_{outside[0]} = {x[outside[0]]!r} outside [{lower[outside[0]]!r}, {upper[outside[0]]!r}]")
            bad += 1; continue
        if onnx not in sessions:
            sessions[onnx] = ort.InferenceSession(onnx, providers=["CPUExecutionProvider"])
        session = sessions[onnx]
        shape = [1 if not isinstance(d, int) else d for d in session.get_inputs()[0].shape]
        shape[0] = 1
        y = session.run(None, {session.get_inputs()[0].name: np.array(x, dtype=np.float32).reshape(shape)})[0].flatten()
        written = [pairs[f"Y_{j}"] for j in range(len(y))]
        if max(abs(float(a) - b) for a, b in zip(y, written)) > 1e-5 * (1 + max(abs(b) for b in written)):
            print(f"{cex}: onnxruntime gives {list(map(float, y))}, the file says {written}")
            bad += 1; continue
        holds = lambda op, a, b: value(a, y) >= value(b, y) if op == ">=" else value(a, y) <= value(b, y)
        if not any(all(holds(*c) for c in conj) for conj in disjuncts):
            print(f"{cex}: onnxruntime's outputs {list(map(float, y))} satisfy no disjunct")
            bad += 1; continue
    print(f"{len(rows)} counterexamples checked with onnxruntime {ort.__version__}: {len(rows) - bad} valid, {bad} not")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
