#!/usr/bin/env python3
"""Issue 11's figures on whatever machine this runs on, as one table.

1. Stages of a checked CPU run (acceptance 2): `gradfield field --device cpu --json` on the
   four cases, runs interleaved, medians of `timings_ms.kernel` (the engine) and
   `timings_ms.check` (reference + comparison), and of the same runs with `--check none`
   (the engine alone; whole processes too).
2. Whole checked processes against JAX jit on the CPU, float64, unchecked (acceptance 1):
   rounds of one `jax_cpu_peer.py` run (its own median) then RUNS timed runs of each
   gradfield command; the ratio per round, then the median and lowest of the rounds.
3. With --gpu: stages of GPU runs (kernel, readback, check, total) for 1-D sin at the given
   sizes with --check full, sample and none, to show whether the check overlaps the GPU.

4. With --rosenbrock BACKEND: the 8192² Rosenbrock run streamed to --out-dir with each check
   mode, wall time and the process's peak RSS (acceptance 3).

Usage: python3 bench/check_stages.py --gradfield target/release/gradfield \
           [--jax ../shared/bench/jax_cpu_peer.py] [--rounds 3] [--runs 7] \
           [--gpu vulkan --gpu-sizes 2^24,2^26] [--rosenbrock vulkan] [--json OUT.json]
Every figure is a median of runs on this machine; nothing here asserts a time.
"""
import argparse
import json
import os
import statistics as st
import subprocess
import sys
import time

SIN_1D = ["--f", "sin(x)", "--x", "-3.14159:3.14159"]
SIN = [*SIN_1D, "--nx", "4194304"]
LOSS = ["--f", "0.3*sin(3*x)+0.5*x^2+0.5*y^2", "--x", "-3:3", "--y", "-3:3",
        "--nx", "2048", "--ny", "2048"]
CASES = [("sin f32", SIN, "f32"), ("sin f64", SIN, "f64"),
         ("loss f32", LOSS, "f32"), ("loss f64", LOSS, "f64")]
POINTS = 4194304


def field(gf, args):
    p = subprocess.run([gf, "field", *args, "--json", "-q"], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"gradfield field {' '.join(args)} failed ({p.returncode}): {p.stderr[-500:]}")
    return json.loads(p.stdout)


def stages(gf, runs):
    """Medians of the checked run's stages, and of the engine alone (`--check none`): a full
    CPU check runs fused with the engine (each run of points checked on the thread that
    computed it), so its `check` is the threads' time in the check over the threads and its
    `kernel` the rest of the tiles' wall time (idle tails included); the engine's own time is
    the unchecked run's `kernel`, and the whole-process difference is a third view."""
    out = {}
    keys = ("eng", "chk", "alone", "wall_full", "wall_none")
    samples = {name: {k: [] for k in keys} for name, _, _ in CASES}
    for _ in range(runs):
        for name, args, prec in CASES:
            for mode in ("full", "none"):
                t0 = time.perf_counter()
                t = field(gf, ["--device", "cpu", *args, "--precision", prec, "--check", mode])["timings_ms"]
                wall = (time.perf_counter() - t0) * 1e3
                d = samples[name]
                if mode == "full":
                    d["eng"].append(t["kernel"])
                    d["chk"].append(t["check"])
                    d["wall_full"].append(wall)
                else:
                    d["alone"].append(t["kernel"])
                    d["wall_none"].append(wall)
    for name, d in samples.items():
        e, c, a = st.median(d["eng"]), st.median(d["chk"]), st.median(d["alone"])
        wf, wn = st.median(d["wall_full"]), st.median(d["wall_none"])
        out[name] = {"engine_ms": round(e, 2), "check_ms": round(c, 2), "check_over_engine": round(c / e, 3),
                     "engine_alone_ms": round(a, 2), "check_over_engine_alone": round(c / a, 3),
                     "process_full_ms": round(wf, 1), "process_none_ms": round(wn, 1),
                     "process_difference_over_engine_alone": round((wf - wn) / a, 3)}
        print(f"stages {name}: engine {e:.1f} ms, check {c:.1f} ms, check/engine {c / e:.2f}x; "
              f"engine alone {a:.1f} ms, check/engine alone {c / a:.2f}x; process full {wf:.1f} ms, "
              f"none {wn:.1f} ms, (full - none)/engine alone {(wf - wn) / a:.2f}x", flush=True)
    return out


def whole(gf, jax, rounds, runs):
    ratios = {name: [] for name, _, _ in CASES}
    mpts = {name: [] for name, _, _ in CASES}
    jaxs = []
    for r in range(rounds):
        p = subprocess.run([sys.executable, jax, "--json"], capture_output=True, text=True,
                           env={**os.environ, "JAX_PLATFORMS": "cpu"})
        if p.returncode != 0:
            print(f"jax peer failed: {p.stderr[-400:]}", flush=True)
            return None
        j = json.loads(p.stdout.strip().splitlines()[-1])
        jaxs.append(j)
        for name, args, prec in CASES:
            cmd = [gf, "field", "--device", "cpu", *args, "--precision", prec, "-q"]
            subprocess.run(cmd, capture_output=True)  # warm-up
            ts = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True)
                ts.append(time.perf_counter() - t0)
            m = POINTS / st.median(ts) / 1e6
            peer = j["sin_1d_2^22_mpts"] if name.startswith("sin") else j["loss_2d_2048_mpts"]
            mpts[name].append(round(m, 1))
            ratios[name].append(round(m / peer, 3))
        print(f"round {r + 1}: jax {j}; ratios " + ", ".join(f"{n} {v[-1]:.2f}" for n, v in ratios.items()), flush=True)
    out = {"jax": jaxs, "gradfield_mpts": mpts, "ratio_per_round": ratios,
           "ratio_median": {n: st.median(v) for n, v in ratios.items()},
           "ratio_lowest": {n: min(v) for n, v in ratios.items()}}
    for n in ratios:
        print(f"whole {n}: gradfield {mpts[n]} M pts/s, ratio to JAX median {st.median(ratios[n]):.2f} "
              f"(lowest {min(ratios[n]):.2f})", flush=True)
    return out


def gpu_stages(gf, backend, sizes, runs):
    out = {}
    for size in sizes:
        n = 1 << int(size[2:]) if size.startswith("2^") else int(size)
        for mode in ("full", "sample", "none"):
            rows = []
            for _ in range(runs):
                d = field(gf, ["--backend", backend, *SIN_1D, "--nx", str(n), "--check", mode])
                rows.append(d["timings_ms"])
            # Every stage the run reports (kernel, readback, setup, check, write, host, total).
            keys = [k for k, v in rows[0].items() if isinstance(v, float)]
            med = {k: round(st.median([r[k] for r in rows]), 2) for k in keys}
            med["kernel_from_timestamps"] = rows[-1].get("kernel_from_timestamps")
            med["adapter"] = d.get("adapter")
            out[f"sin {size} {mode}"] = med
            print(f"gpu sin {size} --check {mode}: {med}", flush=True)
    return out


def rosenbrock(gf, backend, out_dir, runs):
    """Acceptance 3: the 8192² Rosenbrock run streamed to --out-dir, wall time and peak RSS."""
    out = {}
    for _ in range(runs):
        for mode in ("none", "full", "sample"):
            t0 = time.perf_counter()
            p = subprocess.Popen([gf, "field", "--f", "rosenbrock", "--nx", "8192", "--ny", "8192",
                                  "--backend", backend, "--out-dir", out_dir, "--check", mode, "-q"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            t = time.perf_counter() - t0
            row = out.setdefault(mode, {"s": [], "rss_mb": [], "status": []})
            row["s"].append(round(t, 3))
            row["rss_mb"].append(round(ru.ru_maxrss / 1024, 1))
            row["status"].append(status)
    for mode, row in out.items():
        print(f"rosenbrock 8192^2 {backend} --check {mode}: {row}", flush=True)
    if "none" in out and "full" in out:
        out["full_over_none"] = round(st.median(out["full"]["s"]) / st.median(out["none"]["s"]), 3)
        print(f"rosenbrock full/none {out['full_over_none']}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gradfield", default="target/release/gradfield")
    ap.add_argument("--jax", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--stage-runs", type=int, default=15)
    ap.add_argument("--gpu", default=None)
    ap.add_argument("--gpu-sizes", default="2^24,2^26")
    ap.add_argument("--rosenbrock", default=None, help="backend for the 8192² streaming run")
    ap.add_argument("--out-dir", default="/tmp/gradfield-rosenbrock")
    ap.add_argument("--skip-cpu", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    res = {"cpus": os.cpu_count()}

    def save():
        # After every part, so that a run cut short (a device call's limit) keeps what it has.
        if a.json:
            with open(a.json, "w") as f:
                json.dump(res, f, indent=1)

    if not a.skip_cpu:
        res["stages"] = stages(a.gradfield, a.stage_runs)
        save()
    if a.jax and not a.skip_cpu:
        res["whole"] = whole(a.gradfield, a.jax, a.rounds, a.runs)
        save()
    if a.gpu:
        res["gpu"] = gpu_stages(a.gradfield, a.gpu, a.gpu_sizes.split(","), 5)
        save()
    if a.rosenbrock:
        res["rosenbrock"] = rosenbrock(a.gradfield, a.rosenbrock, a.out_dir, 2)
        save()

if __name__ == "__main__":
    main()
