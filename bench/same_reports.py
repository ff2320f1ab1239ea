#!/usr/bin/env python3
"""Whether two gradfield builds give the same check reports: random separable 2-D fields
f = a·g(x) ± b·h(y) (+ c), the shape the check's shortcuts for a block plus a scalar take
(the column cache, runs remembered across rows, stencils compared chunk by chunk), with
terms undefined over part of the range, overflowing or crossing zero, every scheme, both
precisions, several h. Each case runs `gradfield field --device cpu --json` with each build
and compares the `errors` and `check` objects exactly; with the same build twice it shows
whether a report is reproducible.

Usage: python3 bench/same_reports.py --a OLD_BINARY --b NEW_BINARY [--cases 400] [--seed 1]
Exit status 1 if any case differs (each one printed), else 0.
"""
import argparse
import json
import random
import subprocess
import sys

TERMS = ["sin(3*V)", "0.5*V^2", "exp(V)", "cos(2*V)", "V^3", "tanh(V)", "log(1+V^2)",
         "sqrt(V^2+1)", "exp(-V^2)", "1/(1+V^2)", "V", "atan(V)", "exp(30*V)", "1/V", "log(V)",
         "sqrt(V)", "V^2-1e-3"]


def report(gf, args):
    p = subprocess.run([gf, "field", "--device", "cpu", *args, "--json", "-q"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return f"exit {p.returncode}: {p.stderr[-300:]}"
    d = json.loads(p.stdout)
    return json.dumps([d.get("errors"), d.get("check")], sort_keys=True)


def case(rnd):
    def term(v):
        return "(" + rnd.choice(TERMS).replace("V", v) + ")"
    f = f"{rnd.uniform(-3, 3):.3f}*{term('x')} {rnd.choice('+-')} {rnd.uniform(-3, 3):.3f}*{term('y')}"
    if rnd.random() < 0.3:
        f += f" + {rnd.uniform(-2, 2):.2f}"
    ranges = []
    for _ in range(2):
        lo, hi = sorted([rnd.uniform(-4, 4), rnd.uniform(-4, 4)])
        ranges.append(f"{lo:.3f}:{max(hi, lo + 0.1):.3f}")
    return ["--f", f, "--x", ranges[0], "--y", ranges[1],
            "--nx", str(rnd.choice([257, 1000, 1500, 2048, 3001])),
            "--ny", str(rnd.choice([7, 64, 300])),
            "--precision", rnd.choice(["f32", "f64"]),
            "--scheme", rnd.choice(["central", "five-point", "forward", "backward"]),
            "--h", rnd.choice(["0.001", "0.01", "1e-5"])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    differ = 0
    for _ in range(a.cases):
        args = case(rnd)
        ra, rb = report(a.a, args), report(a.b, args)
        if ra != rb:
            differ += 1
            print("differs:", " ".join(repr(x) if " " in x else x for x in args), flush=True)
    print(f"{a.cases} cases, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
