#!/usr/bin/env python3
"""gradfield's CPU engine against NumPy float64 on the two cases of bench/numpy_peer.py (f, a
central difference with h = 1e-3 and the analytic derivative; 1-D sin on 2^22 points and the
2-D loss on 2048²), measured side by side in one run on this machine.

Usage: python3 bench/cpu_vs_numpy.py [path/to/gradfield]   (default target/release/gradfield)
"""
import json
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "target", "release", "gradfield")
numpy = json.loads(subprocess.check_output([sys.executable, os.path.join(here, "numpy_peer.py"), "--json"]))
ours = json.loads(subprocess.check_output(
    [exe, "bench", "--device", "cpu", "--cases", "sin1d,loss2d", "--sizes", "2^22", "--reps", "7",
     "--json", "--quiet"],
    stderr=subprocess.DEVNULL))
rows = {(r["case"], r["engine"]): r for r in ours["rows"]}
print(f"NumPy {numpy['numpy']}, gradfield CPU engine with {ours['cpu_threads']} threads "
      "(output tiles reused, as when streaming; medians of 7)")
print(f"{'case':<26} {'NumPy f64':>10} {'gradfield f64':>14} {'ratio':>7}")
for case, key, label in [("sin1d", "sin_1d_2^22_mpts", "1-D sin, 2^22 points"),
                         ("loss2d", "loss_2d_2048_mpts", "2-D loss, 2048²")]:
    ref = numpy[key]
    got = rows[(case, "cpu f64")]["mpts_per_s"]
    print(f"{label:<26} {ref:>8.1f} M/s {got:>10.1f} M/s {got / ref:>6.1f}×")
