#!/usr/bin/env python3
"""Turns the `evaluate --json` outputs in a folder into the README's results table (between its markers),
next to the published numbers. Training wall time comes from docs/training/NAME/metrics.jsonl when present.

usage: results_table.py FOLDER README [--out FILE]
Writes the new README to FILE (default: README itself), through a temporary file renamed into place, and only
after every input was read: a failure leaves README as it was. Exit status 64 for a bad command line, 1 otherwise.
"""
import json, os, pathlib, sys, tempfile

PAPER = {0.1: 2.23, 0.2: 4.48, 0.3: 8.05, 0.4: 14.88}  # Gowal et al. 2019, best MNIST verified error (%)
# DeepMind's released CROWN-IBP `large` MNIST models (Zhang et al. 2020), IBP-verified accuracy (%): the
# eps 0.1 column from the model trained at 0.2, the others from the one trained at 0.4.
DEEPMIND_CROWN_IBP = {0.1: 97.75, 0.2: 96.13, 0.3: 93.32, 0.4: 87.51}


def wall_time(name):
    metrics = pathlib.Path("docs/training") / name / "metrics.jsonl"
    if not metrics.exists():
        return "-"
    seconds = [json.loads(line).get("seconds") for line in metrics.read_text().splitlines() if line.strip()]
    seconds = [s for s in seconds if s is not None]
    return f"{seconds[-1] / 60:.1f} min" if seconds else "-"


def percent(x):
    return "-" if x is None else f"{100 * x:.2f}%"


def main(folder, readme, out):
    rows = ["| checkpoint | model | method | eps train | step | eps test | nominal | PGD-20 | IBP-verified "
            "| CROWN-IBP-verified | paper (Gowal, large) | DeepMind CROWN-IBP (large) | train time |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    reports = []
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        data = json.loads(path.read_text())
        reports += data["models"] if "models" in data else [data]
    for report in reports:
        name = pathlib.Path(report["checkpoint"]).stem
        training = report.get("training") or {}
        method = training.get("method", "-")
        eps_train = training.get("schedule", {}).get("epsilonTrain") if method in ("ibp", "crown-ibp") else None
        for r in report["results"]:
            eps = round(r["epsilon"], 3)
            methods = r.get("methods", {})
            ibp = methods.get("ibp", {}).get("verified_accuracy", r["verified_accuracy"] if not methods else None)
            crown_ibp = methods.get("crown-ibp", {}).get("verified_accuracy")
            paper = f"{100 - PAPER[eps]:.2f}%" if eps in PAPER else "-"
            deepmind = f"{DEEPMIND_CROWN_IBP[eps]:.2f}%" if eps in DEEPMIND_CROWN_IBP else "-"
            rows.append(f"| `{name}` | {report['model']} | {method} | "
                        f"{'-' if eps_train is None else round(eps_train, 3)} | {report.get('step') or '-'} | {eps} | "
                        f"{percent(r['nominal_accuracy'])} | {percent(r['pgd_accuracy'])} | {percent(ibp)} | "
                        f"{percent(crown_ibp)} | {paper} | {deepmind} | {wall_time(name)} |")
    rows.append("")
    rows.append("Commands behind each row (training flags read back from the checkpoint; evaluation by scripts/results.sh):")
    for report in reports:
        t = report.get("training")
        if not t:
            continue
        sch = t["schedule"]
        ep = t.get("epochs")
        if ep:
            # A schedule given in epochs is recorded both ways; the epochs are what the user typed.
            length = (f"--epochs {ep['epochs']} --warmup-epochs {ep['warmupEpochs']} --ramp-epochs {ep['rampEpochs']} "
                      f"--decay-epochs {','.join(str(d) for d in ep['decayEpochs']) or repr('')}")
        else:
            length = (f"--steps {t['steps']} --decay-steps {','.join(str(d) for d in sch['decaySteps']) or repr('')}")
        flags = (f"--model {t['model']} --method {t['method']} {length} --seed {t['seed']} "
                 f"--batch-size {t['batchSize']} --learning-rate {sch['learningRate']:g}")
        if sch.get("decayFactor", 0.1) != 0.1:
            flags += f" --decay-factor {sch['decayFactor']:g}"
        if t["method"] in ("ibp", "crown-ibp"):
            flags += f" --epsilon-train {sch['epsilonTrain']:g} --kappa {sch['kappaFinal']:g}"
            if not ep:
                flags += f" --warmup-steps {sch['warmupSteps']} --ramp-steps {sch['rampSteps']}"
            # The fast-training settings as recorded; a record from before they existed trained with orthogonal
            # weights, a linear ramp and no regulariser, which today's defaults for --method ibp are not.
            reg = t.get("warmupRegularizer")
            flags += (f" --init {t.get('initialization', 'orthogonal')} --eps-schedule {sch.get('epsilonRamp', 'linear')}"
                      + (f" --reg-lambda {reg['lambda']:g} --reg-tolerance {reg['tolerance']:g}" if reg else " --reg-lambda 0"))
        if t.get("validationImages"):
            flags += (f" --validation {t['validationImages']} --eval-limit {t['evalLimit']} --eval-every {t['evalEvery']}"
                      f" --eval-epsilon {t['evalEpsilon']:g}")
        shipped = " (shipped: the run's `best.ckpt`, chosen on the held-out images)" if t.get("validationImages") else ""
        methods = list(report["results"][0].get("methods", {}))
        bounds = f" --bounds {','.join(methods)}" if methods and methods != ["ibp"] else ""
        rows.append(f"- `{pathlib.Path(report['checkpoint']).stem}`: `swift run -c release train {flags}`{shipped}, then "
                    f"`swift run -c release evaluate {report['checkpoint']} --epsilon 0.1 --epsilon 0.2 "
                    f"--epsilon 0.3 --epsilon 0.4{bounds} --pgd-steps {report['settings']['pgd_steps']} "
                    f"--seed {report['settings']['pgd_seed']}`")
    text = pathlib.Path(readme).read_text()
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    if text.count(begin) != 1 or text.count(end) != 1:
        fail(f"{readme} must hold the markers {begin} and {end} once each")
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    write_atomically(out, head + begin + "\n" + "\n".join(rows) + "\n" + end + tail)


def write_atomically(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def fail(message, status=1):
    print(f"results_table.py: error: {message}", file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    args = sys.argv[1:]
    out = None
    if len(args) == 4 and args[2] == "--out":
        out = args[3]
        args = args[:2]
    if len(args) != 2:
        fail("usage: results_table.py FOLDER README [--out FILE]", 64)
    if not os.path.isdir(args[0]):
        fail(f"{args[0]}: no such folder", 64)
    if not os.path.isfile(args[1]):
        fail(f"{args[1]}: no such file", 64)
    try:
        main(args[0], args[1], out or args[1])
    except (OSError, ValueError, KeyError, TypeError) as e:
        fail(f"{e}")
