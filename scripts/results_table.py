#!/usr/bin/env python3
"""Turns the `evaluate --json` outputs in a folder into the README's results table (between its markers),
next to the published numbers. Training wall time comes from docs/training/NAME/metrics.jsonl when present.

usage: results_table.py FOLDER README [--out FILE]
Writes the new README to FILE (default: README itself), through a temporary file renamed into place, and only
after every input was read: a failure leaves README as it was. Exit status 64 for a bad command line, 1 otherwise.
"""
import json, os, pathlib, sys, tempfile

PAPER = {0.1: 2.23, 0.2: 4.48, 0.3: 8.05, 0.4: 14.88}  # Gowal et al. 2019, best MNIST verified error (%)


def wall_time(name):
    metrics = pathlib.Path("docs/training") / name / "metrics.jsonl"
    if not metrics.exists():
        return "-"
    seconds = [json.loads(line).get("seconds") for line in metrics.read_text().splitlines() if line.strip()]
    seconds = [s for s in seconds if s is not None]
    return f"{seconds[-1] / 60:.1f} min" if seconds else "-"


def main(folder, readme, out):
    rows = ["| checkpoint | model | method | eps train | steps | eps test | nominal | PGD-20 | verified | paper verified | train time |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    reports = []
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        data = json.loads(path.read_text())
        reports += data["models"] if "models" in data else [data]
    for report in reports:
        name = pathlib.Path(report["checkpoint"]).stem
        training = report.get("training") or {}
        method = training.get("method", "-")
        eps_train = training.get("schedule", {}).get("epsilonTrain") if method == "ibp" else None
        for r in report["results"]:
            eps = round(r["epsilon"], 3)
            pgd = "-" if r["pgd_accuracy"] is None else f"{100 * r['pgd_accuracy']:.2f}%"
            paper = f"{100 - PAPER[eps]:.2f}%" if eps in PAPER else "-"
            rows.append(f"| `{name}` | {report['model']} | {method} | "
                        f"{'-' if eps_train is None else round(eps_train, 3)} | {report.get('step') or '-'} | {eps} | "
                        f"{100 * r['nominal_accuracy']:.2f}% | {pgd} | {100 * r['verified_accuracy']:.2f}% | {paper} | "
                        f"{wall_time(name)} |")
    rows.append("")
    rows.append("Commands behind each row (training flags read back from the checkpoint; evaluation by scripts/results.sh):")
    for report in reports:
        t = report.get("training")
        if not t:
            continue
        sch = t["schedule"]
        flags = (f"--model {t['model']} --method {t['method']} --steps {t['steps']} --seed {t['seed']} "
                 f"--batch-size {t['batchSize']} --learning-rate {sch['learningRate']:g} "
                 f"--decay-steps {','.join(str(d) for d in sch['decaySteps']) or repr('')}")
        if t["method"] == "ibp":
            flags += (f" --epsilon-train {sch['epsilonTrain']:g} --kappa {sch['kappaFinal']:g} "
                      f"--warmup-steps {sch['warmupSteps']} --ramp-steps {sch['rampSteps']}")
            # The fast-training settings as recorded; a record from before they existed trained with orthogonal
            # weights, a linear ramp and no regulariser, which today's defaults for --method ibp are not.
            reg = t.get("warmupRegularizer")
            flags += (f" --init {t.get('initialization', 'orthogonal')} --eps-schedule {sch.get('epsilonRamp', 'linear')}"
                      + (f" --reg-lambda {reg['lambda']:g} --reg-tolerance {reg['tolerance']:g}" if reg else " --reg-lambda 0"))
        rows.append(f"- `{pathlib.Path(report['checkpoint']).stem}`: `swift run -c release train {flags}`, then "
                    f"`swift run -c release evaluate {report['checkpoint']} --epsilon 0.1 --epsilon 0.2 "
                    f"--epsilon 0.3 --epsilon 0.4 --pgd-steps {report['settings']['pgd_steps']} "
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
