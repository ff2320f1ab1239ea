"""gradfield called from Python (CPU engine, every point checked against float64) against JAX
jit(vmap(grad)) on the CPU doing the same work (f, central difference h = 1e-3, autodiff
gradient, outputs materialised), for the article's 1-D sin at 2^22 points and the 2-D loss at
2048² points, in one run on one machine; then the Python call overhead of a 1001-point call
(wall time of gradfield.field minus the run's own total, which meta.json reports).

Usage: python3 bench/python_vs_jax.py [--json]   (pip install ./python "jax[cpu]")
"""
import json
import math
import os
import sys
import time

import gradfield

H = 1e-3
REPS = 7


def median(ts):
    ts = sorted(ts)
    return ts[len(ts) // 2]


def timed(fn, reps=REPS):
    fn()  # warm (compiles for JAX, opens the engine for gradfield)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return median(ts)


def jax_rates():
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    out = {}
    x = jnp.linspace(-math.pi, math.pi, 1 << 22)
    g = jax.vmap(jax.grad(jnp.sin))

    @jax.jit
    def work1(x):
        return jnp.sin(x), (jnp.sin(x + H) - jnp.sin(x - H)) / (2 * H), g(x)

    out["sin1d"] = (1 << 22) / timed(lambda: jax.block_until_ready(work1(x))) / 1e6
    xs = jnp.linspace(-3, 3, 2048)
    X, Y = jnp.meshgrid(xs, xs)
    f = lambda x, y: 0.3 * jnp.sin(3 * x) + 0.5 * x * x + 0.5 * y * y
    gr = jax.vmap(jax.grad(f, argnums=(0, 1)))

    @jax.jit
    def work2(X, Y):
        F = f(X, Y)
        fx = (f(X + H, Y) - f(X - H, Y)) / (2 * H)
        fy = (f(X, Y + H) - f(X, Y - H)) / (2 * H)
        gx, gy = gr(X.ravel(), Y.ravel())
        return F, fx, fy, gx.reshape(X.shape), gy.reshape(X.shape)

    out["loss2d"] = 2048 * 2048 / timed(lambda: jax.block_until_ready(work2(X, Y))) / 1e6
    return out, jax.__version__


CASES = {
    "sin1d": dict(expr="sin(x)", x=(-math.pi, math.pi), nx=1 << 22),
    "loss2d": dict(expr="0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2", x=(-3, 3), nx=2048, y=(-3, 3), ny=2048),
}


def gradfield_rates():
    rows = {}
    for case, kw in CASES.items():
        for precision in ("f64", "f32"):
            for check in ("full", "none"):
                def run():
                    return gradfield.field(
                        kw["expr"], x=kw["x"], nx=kw["nx"], y=kw.get("y"), ny=kw.get("ny"),
                        h=H, precision=precision, device="cpu", check=check,
                    )
                n = kw["nx"] * kw.get("ny", 1)
                rows[f"{case} {precision} check {check}"] = n / timed(run) / 1e6
    return rows


def overhead():
    # A 1001-point call: wall time from Python minus the run's own total (meta.json).
    walls, totals = [], []
    for _ in range(200):
        t0 = time.perf_counter()
        r = gradfield.field("sin(x)", x=(-3, 3), nx=1001, device="cpu")
        walls.append(time.perf_counter() - t0)
        totals.append(r.meta["timings_ms"]["total"] / 1e3)
    return median(walls) * 1e3, median(totals) * 1e3, median([w - t for w, t in zip(walls, totals)]) * 1e3


def main():
    jax_r, jax_v = jax_rates()
    ours = gradfield_rates()
    wall, inside, over = overhead()
    res = {
        "machine": f"{os.cpu_count()} CPU threads",
        "jax": jax_v,
        "jax_f64_mpts": {k: round(v, 1) for k, v in jax_r.items()},
        "gradfield_python_mpts": {k: round(v, 1) for k, v in ours.items()},
        "ratio_to_jax": {k: round(v / jax_r[k.split()[0]], 2) for k, v in ours.items()},
        "call_1001_points_ms": {"wall": round(wall, 3), "run": round(inside, 3), "overhead": round(over, 3)},
    }
    if "--json" in sys.argv:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k}: {v}")


if __name__ == "__main__":
    main()
