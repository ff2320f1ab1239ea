#!/usr/bin/env python3
"""The speed goals of issue 7 as one table, from the files bench/device_check.sh leaves in a
folder: gradfield bench JSON (bench_sin1d.json, bench_loss2d.json) and bench/peers.py's
peers.json from the same device call. Medians against medians.

Usage: python3 bench/summary.py DIR
"""
import json
import os
import sys

# Bytes written per point, f32: f, fd_x, grad_x in 1-D; f, fd_x, grad_x, fd_y, grad_y in 2-D.
BYTES_1D, BYTES_2D = 12, 20
# Write bandwidth measured on the H100 with a structure-of-arrays kernel (issue 7), bytes/s.
H100_WRITE_BPS = 3.0e12


def load(d, name):
    try:
        with open(os.path.join(d, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def ms_of(bench, case, engine, points):
    for r in (bench or {}).get("rows", []):
        if r["case"] == case and r["engine"] == engine and r["points"] == points:
            return r["ms"]
    return None


def peer(peers, key):
    v = (peers or {}).get(key)
    if isinstance(v, list):  # [min, median]
        return v[1]
    return v


def fmt(v, unit=" ms"):
    return "—" if v is None else f"{v:.3f}{unit}"


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    sin, loss, peers = load(d, "bench_sin1d.json"), load(d, "bench_loss2d.json"), load(d, "peers.json")
    card = (sin or loss or {}).get("adapter") or "no adapter"
    print(f"card: {card}; peers: {(peers or {}).get('gpu', 'not run')}")
    copy = (sin or {}).get("copy_gb_per_s")
    print(f"device copy bandwidth (read + write) measured by gradfield: {fmt(copy, ' GB/s')}")
    rows = []
    for k, goal in [(24, 0.45), (26, 0.6), (28, 0.7)]:
        n = 1 << k
        ours = ms_of(sin, "sin1d", "gpu kernel", n)
        rows.append((f"1-D sin 2^{k}, kernel", ours, peer(peers, f"jax_jit_1d_n2^{k}_ms"), "JAX",
                     goal, n * BYTES_1D / H100_WRITE_BPS * 1e3))
    n = 1 << 28
    rows.append(("2-D loss 16384², 5 fields, kernel", ms_of(loss, "loss2d", "gpu kernel", n),
                 peer(peers, "torch_eager_2d_n16384_ms"), "PyTorch", 1 / 25,
                 n * BYTES_2D / H100_WRITE_BPS * 1e3))
    n = 1 << 24
    rows.append(("1-D 2^24 end-to-end", ms_of(sin, "sin1d", "gpu end-to-end", n),
                 peer(peers, "torch_e2e_with_d2h_1d_n2^24_ms"), "PyTorch", 1 / 10, None))
    print(f"{'case':<36} {'gradfield':>11} {'peer':>11} {'ratio':>7} {'goal':>7} {'H100 floor':>10} {'× floor':>8}")
    for name, ours, ref, who, goal, floor in rows:
        ratio = ours / ref if ours is not None and ref else None
        verdict = "" if ratio is None else (" met" if ratio <= goal else " MISSED")
        xf = ours / floor if ours is not None and floor else None
        print(f"{name:<36} {fmt(ours):>11} {fmt(ref):>11} {fmt(ratio, ''):>7} "
              f"{'≤' + format(goal, '.3g'):>7} {fmt(floor):>10} {fmt(xf, '×'):>8}{verdict} ({who})")


if __name__ == "__main__":
    main()
