#!/usr/bin/env python3
"""Times auto_LiRPA's IBP, CROWN-IBP and CROWN against this project's `evaluate --bounds` on the same checkpoints,
images and epsilons, one after the other on this machine, and prints verified % and images/s of both with the
ratio ours / auto_LiRPA. Run by scripts/compare-lirpa.sh (which builds `evaluate` and says how to set up
auto_LiRPA); needs a Python with torch, numpy and auto_LiRPA.

Both sides bound the elided specification (margins z_j - z_y, j != y, inside the bound computation) over the box
[clip(x - eps, 0, 1), clip(x + eps, 0, 1)] and count an image verified when it is correctly classified and every
margin's upper bound is below 0; auto_LiRPA computes only that bound (bound_lower=False), as `evaluate` does.
Times are the bound computations only (auto_LiRPA: `compute_bounds`; ours: each method's seconds in `--json`),
after one warm-up batch for auto_LiRPA; loading the model and data is left out on both sides.

With --rounds R (R > 1) both sides run R times, taking turns (ours, then auto_LiRPA's, for each checkpoint and eps),
and each row gives the median images/s of each side, the ratio of the medians and the range of the R rounds' own
ratios: a neighbour on a shared host that slows one turn moves one round, not the row. --checkpoints and
--methods keep a subset of the rows (auto_LiRPA's CROWN takes about 50 s per 1,000 images and round).

With --margins N it times nothing: for every shipped checkpoint (the batch-norm ones too, as torch BatchNorm layers
in evaluation mode) and eps, it compares each of the first N images' worst elided margin bound max_j (z_j - z_y)
under IBP, CROWN-IBP and CROWN (`evaluate --per-sample`) with auto_LiRPA's, and prints the largest difference
relative to the margin's magnitude (absolute below 1), as ../shared/lirpa's check does.
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import time

# torch, numpy and auto_LiRPA are imported after the command line is checked (a bad one needs none of them).
np = torch = nn = None

METHODS = [("ibp", "IBP"), ("crown-ibp", "CROWN-IBP"), ("crown", "CROWN")]
RUNS = [("small-ibp-eps0.4", 0.1), ("small-ibp-eps0.4", 0.3), ("small-nominal", 0.1), ("vissmall-ibp-eps0.1", 0.1)]


def read_checkpoint(path):
    """The architecture (JSON in the safetensors metadata) and float32 tensors of an ibpvis checkpoint."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__")
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} is {t['dtype']}, expected F32")
        a, b = t["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).copy())
    return json.loads(meta["architecture"]), tensors


def torch_model(arch, tensors):
    """nn.Sequential equal to the checkpoint's chain (NCHW, as the project stores it); parameters are named
    l1, l2, ... and lo (the output layer) in layer order, each with W and b."""
    shape = list(arch["inputShape"])
    layers, names = [], [k[:-2] for k in tensors if k.endswith("/W")]
    names.sort(key=lambda k: (k == "lo", int(k[1:]) if k[1:].isdigit() else 0))
    params = iter(names)
    for layer in arch["layers"]:
        (kind, opts), = layer.items()
        if kind == "conv":
            name = next(params)
            w, b = tensors[name + "/W"], tensors[name + "/b"]
            pad = (opts["kernel"] - 1) // 2 if opts.get("same") else 0
            if opts.get("same") and (opts["kernel"] - 1) % 2:
                sys.exit("SAME padding with an even kernel is not supported by this script")
            m = nn.Conv2d(shape[0], opts["channels"], opts["kernel"], stride=opts["stride"], padding=pad)
            m.weight.data, m.bias.data = w, b
            layers.append(m)
            h = (shape[1] + 2 * pad - opts["kernel"]) // opts["stride"] + 1
            wd = (shape[2] + 2 * pad - opts["kernel"]) // opts["stride"] + 1
            shape = [opts["channels"], h, wd]
        elif kind == "linear":
            name = next(params)
            m = nn.Linear(tensors[name + "/W"].shape[1], opts["units"])
            m.weight.data, m.bias.data = tensors[name + "/W"], tensors[name + "/b"]
            layers.append(m)
            shape = [opts["units"]]
        elif kind == "batchNorm":
            # Evaluation mode: gamma (x - mean) / sqrt(var + 1e-5) + beta with the running averages (n1, n2, ...).
            norms = sum(1 for m in layers if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))) + 1
            name = f"n{norms}"
            m = (nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d)(shape[0], eps=1e-5)
            m.weight.data, m.bias.data = tensors[name + "/gamma"], tensors[name + "/beta"]
            m.running_mean.data, m.running_var.data = tensors[name + "/mean"], tensors[name + "/var"]
            layers.append(m)
        elif kind == "flatten":
            layers.append(nn.Flatten())
            shape = [int(np.prod(shape))]
        elif kind == "activation":
            # "activation": "relu", or {"_0": "relu"} in checkpoints written before that form.
            act = opts if isinstance(opts, str) else opts["_0"]
            layers.append({"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh()}[act])
        else:
            sys.exit(f"layer kind {kind} is not supported by this script")
    return nn.Sequential(*layers).eval()


def mnist_test(folder, limit):
    def read(name):
        for candidate in (name, name + ".gz"):
            p = os.path.join(folder, candidate)
            if os.path.exists(p):
                return (gzip.open if p.endswith(".gz") else open)(p, "rb").read()
        sys.exit(f"{folder}: no {name}(.gz)")
    try:
        images = read("t10k-images-idx3-ubyte")
        labels = read("t10k-labels-idx1-ubyte")
    except (OSError, EOFError) as e:
        sys.exit(f"compare-lirpa.py: error: {folder}: cannot read the MNIST test files ({e})")
    for name, data, magic, header in (("images", images, 2051, 16), ("labels", labels, 2049, 8)):
        if len(data) < header or struct.unpack(">I", data[:4])[0] != magic:
            sys.exit(f"compare-lirpa.py: error: {folder}: the test {name} file is not an MNIST IDX file")
        count = struct.unpack(">I", data[4:8])[0]
        size = 784 if name == "images" else 1
        if count < limit or len(data) < header + limit * size:
            sys.exit(f"compare-lirpa.py: error: {folder}: the test {name} file holds fewer than --limit {limit} "
                     f"images (header {count}, {len(data)} bytes)")
    x = np.frombuffer(images, dtype=np.uint8, offset=16)[: limit * 784].reshape(limit, 1, 28, 28)
    y = np.frombuffer(labels, dtype=np.uint8, offset=8)[:limit]
    return torch.from_numpy(x.astype(np.float32) / np.float32(255)), torch.from_numpy(y.astype(np.int64))


def elided_rows(y, classes=10):
    """C (n, classes - 1, classes): rows e_j - e_y for j != y (margins z_j - z_y)."""
    n = y.shape[0]
    c = torch.zeros(n, classes - 1, classes)
    for i in range(n):
        others = [j for j in range(classes) if j != int(y[i])]
        for r, j in enumerate(others):
            c[i, r, j] = 1
            c[i, r, int(y[i])] = -1
    return c


def lirpa(model, x, y, eps, method, batch):
    from auto_LiRPA import BoundedModule, BoundedTensor, PerturbationLpNorm
    # CROWN as ../shared/lirpa defines it (and as `evaluate --bounds crown` computes it): every intermediate
    # pre-activation by its own full backward pass. auto_LiRPA's default (sparse intermediate bounds) instead keeps
    # IBP's bound where it is tighter, which is another method.
    bounded = BoundedModule(model, torch.zeros(1, *x.shape[1:]), verbose=False,
                            bound_opts={"sparse_intermediate_bounds": False})
    correct = model(x).argmax(1) == y
    def bound(xb, yb):
        ptb = PerturbationLpNorm(norm=float("inf"), x_L=(xb - eps).clamp(0, 1), x_U=(xb + eps).clamp(0, 1))
        with torch.no_grad():
            return bounded.compute_bounds(x=(BoundedTensor(xb, ptb),), C=elided_rows(yb), method=method,
                                          bound_lower=False, bound_upper=True)[1]
    bound(x[:batch], y[:batch])  # warm-up: first-call set-up is not timed
    verified, seconds = 0, 0.0
    for start in range(0, x.shape[0], batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        t = time.perf_counter()
        upper = bound(xb, yb)
        seconds += time.perf_counter() - t
        verified += int(((upper < 0).all(1) & correct[start:start + batch]).sum())
    return verified / x.shape[0], seconds


# --margins: every shipped checkpoint at the eps the issue and ../shared/lirpa use.
MARGIN_RUNS = [("small-ibp-eps0.4", (0.1, 0.3)), ("small-ibp-eps0.2", (0.1,)), ("small-nominal", (0.01, 0.1)),
               ("vissmall-ibp-eps0.1", (0.1,)), ("vissmall-baseline", (0.05,)), ("medium-bn-ibp-eps0.2", (0.1,)),
               ("medium-bn-ibp-eps0.4", (0.1, 0.3))]


def margins(evaluate, data, limit, scratch):
    """Largest relative difference of the per-image worst margin bounds, ours against auto_LiRPA's."""
    from auto_LiRPA import BoundedModule, BoundedTensor, PerturbationLpNorm
    import csv
    x, y = mnist_test(data, limit)
    print(f"first {limit} test images; worst elided margin's upper bound per image; difference relative to "
          f"max(1, |margin|)")
    print(f"{'checkpoint':22s}{'eps':>5s} {'method':10s}{'largest difference':>20s}{'images':>8s}")
    worst = 0.0
    for name, epsilons in MARGIN_RUNS:
        path = os.path.join("sample_data", "checkpoints", name + ".ckpt")
        model = torch_model(*read_checkpoint(path))
        bounded = BoundedModule(model, torch.zeros(1, *x.shape[1:]), verbose=False,
                                bound_opts={"sparse_intermediate_bounds": False})
        for eps in epsilons:
            table = os.path.join(scratch, "compare-lirpa-margins.csv")
            subprocess.run([evaluate, path, "--data", data, "--limit", str(limit), "--epsilon", str(eps),
                            "--bounds", ",".join(m for m, _ in METHODS), "--pgd-steps", "0", "--per-sample", table],
                           check=True, capture_output=True, text=True)
            with open(table) as f:
                rows = list(csv.DictReader(f))
            ptb = PerturbationLpNorm(norm=float("inf"), x_L=(x - eps).clamp(0, 1), x_U=(x + eps).clamp(0, 1))
            for ours_name, lirpa_name in METHODS:
                with torch.no_grad():
                    theirs = bounded.compute_bounds(x=(BoundedTensor(x, ptb),), C=elided_rows(y), method=lirpa_name,
                                                    bound_lower=False, bound_upper=True)[1].max(1).values
                diff, counted = 0.0, 0
                for i, row in enumerate(rows):
                    mine, other = float(row["worst_margin_" + ours_name] or "nan"), float(theirs[i])
                    if not (np.isfinite(mine) and np.isfinite(other)):
                        if np.isfinite(mine) != np.isfinite(other):
                            diff = float("inf")
                        continue
                    diff = max(diff, abs(mine - other) / max(1.0, abs(other)))
                    counted += 1
                worst = max(worst, diff)
                print(f"{name:22s}{eps:5.2f} {ours_name:10s}{diff:20.1e}{counted:8d}", flush=True)
    print(f"largest difference over all: {worst:.1e}" + (" (within 1e-4)" if worst <= 1e-4 else " (OVER 1e-4)"))


def ours(evaluate, checkpoint, data, limit, eps, methods):
    out = subprocess.run([evaluate, checkpoint, "--data", data, "--limit", str(limit), "--epsilon", str(eps),
                          "--bounds", ",".join(m for m, _ in methods), "--pgd-steps", "0", "--json"],
                         check=True, capture_output=True, text=True).stdout
    results = json.loads(out)["results"][0]["methods"]
    return {m: (results[m]["verified_accuracy"], results[m]["seconds"]) for m, _ in methods}


def median(values):
    v = sorted(values)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2


def names(text, known, flag):
    """A comma-separated subset of `known` (the rows keep the built-in order); one line and exit 64 for an unknown or
    repeated name."""
    chosen = [t.strip() for t in text.split(",")]
    for t in chosen:
        if t not in known:
            print(f"{PROG}: error: {flag}: unknown name '{t}'; expected some of {', '.join(known)} (see --help)",
                  file=sys.stderr)
            sys.exit(64)
    if len(set(chosen)) != len(chosen):
        print(f"{PROG}: error: {flag}: a name is given twice in '{text}' (see --help)", file=sys.stderr)
        sys.exit(64)
    return chosen


# The name messages start with: the script the user ran (compare-lirpa.sh sets it), else this file's.
PROG = os.environ.get("COMPARE_LIRPA_PROG", "compare-lirpa.py")


class OneLineParser(argparse.ArgumentParser):
    """Bad command lines get one line on stderr and exit status 64, as every script of the project."""

    def error(self, message):
        print(f"{PROG}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(64)


def main():
    global np, torch, nn
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--evaluate", required=True, help="our evaluate binary (release)")
    p.add_argument("--data", required=True, help="MNIST folder")
    p.add_argument("--limit", type=int, default=1000, help="first N test images (default 1000)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (ours uses one per core)")
    p.add_argument("--batch", type=int, default=250, help="auto_LiRPA batch for IBP and CROWN-IBP (default 250, its fastest here of 50-1000)")
    p.add_argument("--crown-batch", type=int, default=10, help="auto_LiRPA batch for CROWN (default 10, its fastest here of 10-100)")
    p.add_argument("--rounds", type=int, default=1,
                   help="times both sides run, taking turns; rows give medians (default 1, at most 20)")
    p.add_argument("--checkpoints", default=None, metavar="LIST",
                   help="comma-separated subset of " + ", ".join(dict.fromkeys(n for n, _ in RUNS)))
    p.add_argument("--methods", default=None, metavar="LIST",
                   help="comma-separated subset of " + ", ".join(m for m, _ in METHODS))
    p.add_argument("--check", action="store_true", help="only check the set-up and the data, then exit")
    p.add_argument("--check-arguments", action="store_true",
                   help="only check the command line (needs neither torch nor auto_LiRPA), then exit")
    p.add_argument("--margins", type=int, default=None, metavar="N",
                   help="compare the first N images' margin bounds on every shipped checkpoint instead of timing")
    p.add_argument("--scratch", default=".build", help="folder for the per-image table of --margins")
    a = p.parse_args()
    if not 1 <= a.limit <= 10000:
        p.error(f"--limit must be in 1...10000, got {a.limit}")
    if a.margins is not None and not 1 <= a.margins <= 10000:
        p.error(f"--margins must be in 1...10000, got {a.margins}")
    if a.threads < 1 or a.batch < 1 or a.crown_batch < 1:
        p.error("--threads, --batch and --crown-batch must be at least 1")
    if not 1 <= a.rounds <= 20:
        p.error(f"--rounds must be in 1...20, got {a.rounds}")
    if a.rounds == 2:
        p.error("--rounds 2 gives the mean of two rounds, which one slow round still moves; give 1, or 3 or more")
    if a.margins is not None and (a.rounds != 1 or a.checkpoints is not None or a.methods is not None):
        p.error("--margins times nothing: --rounds, --checkpoints and --methods do not go with it")
    checkpoints = list(dict.fromkeys(n for n, _ in RUNS))
    runs = RUNS if a.checkpoints is None else [r for r in RUNS if r[0] in names(a.checkpoints, checkpoints,
                                                                                    "--checkpoints")]
    methods = METHODS if a.methods is None else [m for m in METHODS if m[0] in names(a.methods, [m for m, _ in METHODS],
                                                                                        "--methods")]
    if a.check_arguments:
        return
    try:
        import numpy as np
        import torch
        from torch import nn
        import auto_LiRPA
    except ImportError as e:
        sys.exit(f"{PROG}: error: {e}; see the set-up lines of scripts/compare-lirpa.sh")
    torch.set_num_threads(a.threads)
    if a.check:
        mnist_test(a.data, max(a.limit, a.margins or 0))
        return
    if a.margins:
        margins(a.evaluate, a.data, a.margins, a.scratch)
        return
    rounds = f"; median of {a.rounds} rounds taking turns" if a.rounds > 1 else ""
    print(f"auto_LiRPA {auto_LiRPA.__version__}, torch {torch.__version__} ({a.threads} threads); "
          f"first {a.limit} test images; seconds are bound computations only{rounds}")
    spread = f"{'rounds':>14s}" if a.rounds > 1 else ""
    print(f"{'checkpoint':22s}{'eps':>5s} {'method':10s}{'auto_LiRPA':>22s}{'ours':>22s}{'ours/auto_LiRPA':>17s}{spread}")
    x, y = mnist_test(a.data, a.limit)
    short = []
    for name, eps in runs:
        path = os.path.join("sample_data", "checkpoints", name + ".ckpt")
        model = torch_model(*read_checkpoint(path))
        mine = {m: [] for m, _ in methods}
        theirs = {m: [] for m, _ in methods}
        for _ in range(a.rounds):
            for m, result in ours(a.evaluate, path, a.data, a.limit, eps, methods).items():
                mine[m].append(result)
            for ours_name, lirpa_name in methods:
                batch = a.crown_batch if lirpa_name == "CROWN" else a.batch
                theirs[ours_name].append(lirpa(model, x, y, eps, lirpa_name, batch))
        for ours_name, _ in methods:
            # Each side computes the same bounds every round, so its verified fraction cannot change between rounds.
            for side, results in (("auto_LiRPA", theirs[ours_name]), ("ours", mine[ours_name])):
                if len({v for v, _ in results}) > 1:
                    sys.exit(f"{PROG}: error: {side}'s {ours_name} verified fraction differs between "
                             f"rounds on {name} at eps {eps}: {[v for v, _ in results]}")
            their_verified, our_verified = theirs[ours_name][0][0], mine[ours_name][0][0]
            their_rates = [a.limit / s for _, s in theirs[ours_name]]
            our_rates = [a.limit / s for _, s in mine[ours_name]]
            tr, orate = median(their_rates), median(our_rates)
            line = (f"{name:22s}{eps:5.2f} {ours_name:10s}{100 * their_verified:8.1f}% {tr:9.0f} img/s"
                    f"{100 * our_verified:8.1f}% {orate:9.0f} img/s{orate / tr:16.1f}x")
            if a.rounds > 1:
                ratios = [o / t for o, t in zip(our_rates, their_rates)]
                line += f"{min(ratios):8.1f}-{max(ratios):.1f}x"
            print(line, flush=True)
            shortest = min(s for _, s in theirs[ours_name] + mine[ours_name])
            if shortest < 0.05:
                short.append(f"{name} {eps} {ours_name}")
    if short:
        print(f"{PROG}: note: a side's round took under 50 ms on {', '.join(short)}: timings that short are mostly "
              f"noise (thread start, first touch of memory); raise --limit for a ratio", file=sys.stderr)

if __name__ == "__main__":
    main()
