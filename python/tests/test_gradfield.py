"""gradfield from Python: the same values as the command line bit for bit, the check as
meta.json holds it, errors as exceptions, figures for Jupyter, arrays without a copy, the GIL
released and Ctrl-C honoured."""

import json
import math
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import gradfield

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("GRADFIELD_BIN", ROOT / "target" / "release" / "gradfield"))


def cli(*args, cwd):
    env = dict(os.environ, XDG_RUNTIME_DIR=os.environ.get("XDG_RUNTIME_DIR", "/tmp"))
    out = subprocess.run([str(BIN), *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


@pytest.mark.parametrize(
    "expr, grid, precision",
    [
        ("rosenbrock", dict(x=(-2, 2), nx=257, y=(-1, 3), ny=129), "f32"),
        ("0.3*sin(3*x) + 0.5*x^2", dict(x=(-3, 3), nx=10_001), "f64"),
    ],
)
def test_values_equal_the_command_lines_npy_bit_for_bit(tmp_path, expr, grid, precision):
    assert BIN.exists(), f"build the binary first (cargo build --release): {BIN}"
    args = ["field", "--f", expr, "--x", f"{grid['x'][0]}:{grid['x'][1]}", "--nx", str(grid["nx"])]
    if "y" in grid:
        args += ["--y", f"{grid['y'][0]}:{grid['y'][1]}", "--ny", str(grid["ny"])]
    args += ["--precision", precision, "--device", "cpu", "--out-dir", "out", "--quiet"]
    cli(*args, cwd=tmp_path)
    r = gradfield.field(expr, **grid, precision=precision, device="cpu")
    dtype = np.uint32 if precision == "f32" else np.uint64
    names = ["x", "f", "fd_x", "grad_x"] + (["y", "fd_y", "grad_y"] if "y" in grid else [])
    for name in names:
        want = np.load(tmp_path / "out" / f"{name}.npy")
        got = getattr(r, name)
        assert got.shape == want.shape and got.dtype == want.dtype, name
        assert np.array_equal(got.view(dtype), want.view(dtype)), name
    # The check object is what meta.json holds.
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    c = r.check
    assert c.passed == meta["check"]["passed"] is True
    assert c.points_checked == meta["check"]["points_checked"] == r.f.size
    assert set(c.fields) == set(meta["errors"])
    for k, e in meta["errors"].items():
        for stat in ("max_abs", "max_rel", "failures", "nonfinite", "verdict", "compared"):
            assert c.fields[k][stat] == e[stat], (k, stat)
    assert r.derivatives["x"] == meta["derivatives"]["x"]


def test_a_malformed_expression_raises_with_a_caret():
    with pytest.raises(gradfield.ExpressionError) as e:
        gradfield.field("sin(x", x=(0, 1), device="cpu")
    assert isinstance(e.value, ValueError)
    lines = str(e.value).splitlines()
    assert lines[1].strip() == "sin(x" and lines[2].strip() == "^"
    assert lines[2].index("^") == lines[1].index("(")


def test_bad_arguments_and_devices_raise_the_right_exceptions():
    with pytest.raises(ValueError, match="reversed"):
        gradfield.field("sin(x)", x=(1, -1), device="cpu")
    with pytest.raises(ValueError, match="rounds to 0 in f32"):
        gradfield.field("sin(x)", x=(-1, 1), h=1e-320, device="cpu")
    with pytest.raises(ValueError, match="unknown scheme|scheme"):
        gradfield.field("sin(x)", x=(-1, 1), scheme="sideways", device="cpu")
    with pytest.raises(gradfield.DeviceError):
        gradfield.field("sin(x)", x=(-1, 1), device="gpu", adapter="no-such-gpu-zzz")
    # Before any work (it computed the whole plane first), and for x*y too.
    for expr in ("rosenbrock", "x*y", "x + 0*y"):
        with pytest.raises(ValueError, match="curve is for functions of x alone"):
            gradfield.curve(expr, x=(0, 1), n=100_000_000, device="cpu")
    assert issubclass(gradfield.DeviceError, RuntimeError)


def test_messages_name_the_python_arguments():
    # The library's messages name the command line's options; Python users see their own
    # keyword arguments.
    for call, want in [
        (lambda: gradfield.field("sin(x)", nx=10, device="cpu"), "give the x range with x=(A, B)"),
        (lambda: gradfield.field("x*y", x=(0, 1), device="cpu"), "give the y range with y=(C, D)"),
        (
            lambda: gradfield.sweep("tanh(x)", x=(0, 1), h_min=1, h_max=1e-3, device="cpu"),
            "0 < h_min < h_max",
        ),
        (
            lambda: gradfield.field("sin(x)", x=(0, 1), nx=10, check="none", device="cpu").figure(),
            'drop check="none"',
        ),
        (lambda: gradfield.derivative("x", "z"), 'var must be "x" or "y"'),
    ]:
        with pytest.raises(ValueError) as e:
            call()
        assert want in str(e.value) and "--" not in str(e.value), str(e.value)


def test_figure_options_the_figure_would_pass_over_are_refused():
    line = gradfield.field("sin(x)", x=(0, 1), nx=64, device="cpu")
    plane = gradfield.field("x*y", x=(0, 1), nx=16, y=(0, 1), ny=16, device="cpu")
    for r, options, want in [
        (line, dict(streamlines=3, arrows=4), "arrows, streamlines are only for 2-D fields"),
        (line, dict(cmap="magma"), "cmap is only for figures of f with slope arrows"),
        (line, dict(slopes=5, lr=0.1), "lr is only for descent paths; add descent_from"),
        (plane, dict(lr=0.1), "lr is only for descent paths"),
        (plane, dict(slopes=5), "slopes is only for a 1-D field's figure"),
    ]:
        with pytest.raises(ValueError, match=want):
            r.figure(**options)
    assert line.figure(slopes=5, cmap="magma").png().startswith(b"\x89PNG")
    assert plane.figure(descent_from="0.5,0.5", lr=0.1, steps=5).png().startswith(b"\x89PNG")


def test_figures_show_in_jupyter_and_save(tmp_path, monkeypatch):
    r = gradfield.field("himmelblau", nx=128, device="cpu")
    fig = r.figure(size="3.3in", dpi=150, subtitle=False, color_scale="log", streamlines=6)
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert "<text" in fig._repr_svg_()
    fig.save(tmp_path / "h.pdf")
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF-")
    with pytest.raises(ValueError):
        fig.save(tmp_path / "h.jpg")
    with pytest.raises(ValueError, match="colour map"):
        r.figure(cmap="rainbow-unsafe")
    # The command line's contract: no part of a figure in the target, no temporary left.
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ValueError, match="not a regular file"):
        fig.save(tmp_path / "d.png")
    umask = os.umask(0)
    os.umask(umask)
    fig.save(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_mode & 0o777 == 0o666 & ~umask
    old = (tmp_path / "h.png").read_bytes()

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", failing_replace)
        with pytest.raises(OSError, match="No space left"):
            fig.save(tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes() == old
    assert sorted(q.name for q in tmp_path.iterdir()) == ["d.png", "h.pdf", "h.png"]
    if os.path.isdir("/proc"):  # a folder where no file can be created, not even by root
        with pytest.raises(OSError) as e:
            fig.save("/proc/gradfield-h.png")
        assert e.value.filename == "/proc/gradfield-h.png"
    c = gradfield.curve("loss", x=(-3, 3), n=401, device="cpu")
    assert c.figure(slopes=21)._repr_png_().startswith(b"\x89PNG")
    s = gradfield.sweep("sin(x)", x=(-3, 3), n=256, steps=6, device="cpu")
    assert len(s.curves) == 6 and s.figure()._repr_png_().startswith(b"\x89PNG")


def test_arrays_are_handed_over_without_a_copy():
    r = gradfield.field("sin(x)*y", x=(-1, 1), nx=300, y=(0, 2), ny=200, device="cpu")
    assert r.f.shape == (200, 300) and r.f.flags["C_CONTIGUOUS"]
    # NumPy does not own the buffer: it is the engine's, kept alive by a base object.
    for a in (r.f, r.grad_x, r.x):
        assert not a.flags["OWNDATA"] and a.base is not None
    # The values are right: ∂/∂x sin(x)·y = cos(x)·y.
    X, Y = np.meshgrid(r.x.astype(np.float64), r.y.astype(np.float64))
    assert np.max(np.abs(r.grad_x - np.cos(X) * Y)) < 1e-6


def test_xarray_and_metadata():
    r = gradfield.field("bowl", nx=65, device="cpu")
    ds = r.to_xarray()
    assert set(ds.data_vars) == {"f", "fd_x", "grad_x", "fd_y", "grad_y"}
    assert ds["grad_x"].dims == ("y", "x")
    assert ds.attrs["derivative_x"] == "2*x"
    assert r.meta["grid"]["shape"] == [65, 65]
    names = {f["name"] for f in gradfield.functions()}
    assert {"rosenbrock", "himmelblau", "loss"} <= names
    assert gradfield.derivative("x^2*y", "y") == "x^2"


def test_the_gil_is_released_while_computing():
    ticks = []
    done = threading.Event()

    def work():
        gradfield.field("rosenbrock", nx=2048, device="cpu")
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    # The Python thread kept running (many ticks) while the grid was computed.
    assert len(ticks) > 20


def test_ctrl_c_interrupts_a_long_run_and_the_next_call_works():
    # Ctrl-C as a terminal sends it: SIGINT to the process, from outside. Python raises
    # KeyboardInterrupt only where SIGINT was not ignored when it started (a job a shell put in
    # the background without job control inherits it ignored): the test sets the handler.
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    killer = subprocess.Popen(["sh", "-c", f"sleep 0.5; kill -INT {os.getpid()}"])
    t0 = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            # 2.7-3.2 s of work uninterrupted on two cores (0.8 GB of arrays).
            gradfield.field("rosenbrock", nx=8192, device="cpu", fields="f,grad")
    finally:
        killer.wait()
        signal.signal(signal.SIGINT, old)
    # Stopped soon after the signal, not at the end of the run (a pending signal would also
    # raise KeyboardInterrupt after a run that ignored it).
    assert time.perf_counter() - t0 < 1.5
    r = gradfield.field("sin(x)", x=(-1, 1), nx=11, device="cpu")
    assert r.check.passed
