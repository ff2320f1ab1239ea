"""gradfield from Python: a function, its finite differences and its analytic gradient over
dense 1-D and 2-D grids, on the GPU (WGSL through wgpu) or the CPU, every point checked
against a float64 reference, in-process, as NumPy arrays.

>>> import gradfield
>>> r = gradfield.field("sin(x)", x=(-3.14159, 3.14159), nx=1001, device="cpu")
>>> r.check.passed
True
>>> r.grad_x.shape, r.grad_x.dtype
((1001,), dtype('float32'))
>>> gradfield.derivative("x^2*sin(x)")
'2*x*sin(x) + x^2*cos(x)'

Arrays come without a copy from the engine's buffers; the GIL is released while computing
and Ctrl-C stops a long run. Figures (``r.figure()``) show inline in Jupyter and save as PNG,
SVG or PDF. ``gradfield.dask`` spreads a grid over a Dask cluster.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from . import _gradfield
from ._gradfield import DeviceError, ExpressionError

__all__ = [
    "field",
    "curve",
    "sweep",
    "derivative",
    "adapters",
    "functions",
    "FieldResult",
    "SweepResult",
    "Check",
    "Figure",
    "ExpressionError",
    "DeviceError",
]
__version__ = _gradfield.__version__

Range = Tuple[float, float]


@dataclass(frozen=True)
class Check:
    """The float64 check of a run: ``passed`` (no quantity failed or went unchecked),
    ``mode`` (full, sample or none), ``points_checked``, ``failures`` (one line each) and
    ``fields``: per quantity (``f``, ``grad_x``, ``fd_x_roundoff``, …) the largest absolute
    and relative errors, where, the verdict (pass, ill-conditioned, fail, not-checked,
    reported, reference) — exactly what ``meta.json`` holds under ``errors`` and ``check``."""

    passed: bool
    mode: str
    points_checked: int
    failures: List[str]
    tolerance: str
    fields: Dict[str, Dict[str, Any]]

    @staticmethod
    def _from_meta(meta: Dict[str, Any]) -> Optional["Check"]:
        c = meta.get("check")
        if c is None:
            return None
        mode = c["mode"] if isinstance(c["mode"], str) else json.dumps(c["mode"])
        return Check(
            passed=bool(c["passed"]),
            mode=mode,
            points_checked=int(c["points_checked"]),
            failures=list(c["failures"]),
            tolerance=c["tolerance"],
            fields=dict(meta.get("errors", {})),
        )

    def __bool__(self) -> bool:
        return self.passed


class Figure:
    """A figure: shows inline in Jupyter (``_repr_png_``, ``_repr_svg_``), ``png()``,
    ``svg()``, ``pdf()`` give its bytes, ``save(path)`` writes the format the name ends in."""

    def __init__(self, render, options: Dict[str, Any]):
        self._render = render
        self._options = options
        self._cache: Dict[str, bytes] = {}

    def _bytes(self, fmt: str) -> bytes:
        if fmt not in self._cache:
            self._cache[fmt] = bytes(self._render(fmt, **self._options))
        return self._cache[fmt]

    def png(self) -> bytes:
        """The figure as PNG (with its DPI and the run's details in text chunks)."""
        return self._bytes("png")

    def svg(self) -> str:
        """The figure as SVG (text as text, the font embedded)."""
        return self._bytes("svg").decode("utf-8")

    def pdf(self) -> bytes:
        """The figure as PDF (text as text, the font embedded)."""
        return self._bytes("pdf")

    def save(self, path: "os.PathLike[str] | str") -> None:
        """Writes the figure in the format its name ends in (.png, .svg or .pdf).

        As the command line does: the target must be a regular file or absent (else
        ``ValueError``, before drawing); the figure is written under a private temporary
        name beside it (``.NAME.tmp-…``) and renamed into place when complete, so the target
        holds the old figure or the new one, never part of one, and a failed or interrupted
        save leaves no temporary file. Errors opening the folder name the target."""
        p = os.fspath(path)
        ext = os.path.splitext(p)[1].lower().lstrip(".")
        if ext not in ("png", "svg", "pdf"):
            raise ValueError(f"{p}: a figure's name must end in .png, .svg or .pdf")
        if os.path.lexists(p) and not os.path.isfile(p):
            raise ValueError(f"{p}: it exists and is not a regular file")
        data = self._bytes(ext)
        folder, name = os.path.split(p)
        tmp = os.path.join(folder, f".{name}.tmp-{os.getpid()}-{uuid.uuid4().hex}")
        try:
            # O_EXCL: a name no other writer (thread or process) holds; 0o666 minus the
            # umask, as a plain open() would give the figure.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as e:
            raise type(e)(e.errno, e.strerror, p) from e
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, p)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _repr_png_(self) -> bytes:
        return self.png()

    def _repr_svg_(self) -> str:
        return self.svg()


class FieldResult:
    """A computed, checked field.

    Attributes: ``x`` (and ``y`` on a plane) coordinates; ``f``, ``fd_x``, ``grad_x``,
    ``fd_y``, ``grad_y`` NumPy arrays of shape ``(nx,)`` or ``(ny, nx)`` (rows are y), ``None``
    where not computed; ``derivatives`` (the symbolic ∂f/∂x, ∂f/∂y); ``check`` (a
    :class:`Check`); ``meta`` (what ``meta.json`` holds). Where f is not finite the derived
    arrays are NaN."""

    def __init__(self, native):
        self._native = native
        arrays = native.take_arrays()
        self.x = arrays.get("x")
        self.y = arrays.get("y")
        self.f = arrays.get("f")
        self.fd_x = arrays.get("fd_x")
        self.grad_x = arrays.get("grad_x")
        self.fd_y = arrays.get("fd_y")
        self.grad_y = arrays.get("grad_y")
        self._meta: Optional[Dict[str, Any]] = None

    @property
    def meta(self) -> Dict[str, Any]:
        """What ``meta.json`` holds: expression, derivatives, grid, step, scheme, precision,
        device, timings, per-field errors and the check."""
        if self._meta is None:
            self._meta = json.loads(self._native.meta_json())
        return self._meta

    @property
    def derivatives(self) -> Dict[str, str]:
        """The symbolic derivatives: ``{"x": "...", "y": "..."}``."""
        d = self.meta["derivatives"]
        return {k: v for k, v in d.items() if v is not None}

    @property
    def check(self) -> Optional[Check]:
        """The float64 check (``None`` with ``check="none"``)."""
        return Check._from_meta(self.meta)

    @property
    def arrays(self) -> Dict[str, Any]:
        """The computed fields by name."""
        names = ("f", "fd_x", "grad_x", "fd_y", "grad_y")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def to_xarray(self):
        """An ``xarray.Dataset`` of the fields with coordinates x (and y) and the run's
        metadata as attributes (needs xarray)."""
        import xarray as xr

        dims = ("y", "x") if self.y is not None else ("x",)
        coords = {"x": self.x}
        if self.y is not None:
            coords["y"] = self.y
        data = {n: (dims, a) for n, a in self.arrays.items()}
        attrs = {
            "expression": self.meta["expression"],
            "derivative_x": self.derivatives.get("x", ""),
            "derivative_y": self.derivatives.get("y", ""),
            "h": self.meta["h"],
            "scheme": self.meta["scheme"],
            "precision": self.meta["precision"],
            "device": json.dumps(self.meta["adapter"]),
            "check_passed": int(bool(self.check)) if self.check is not None else -1,
        }
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def figure(self, **options: Any) -> Figure:
        """The run's figure: on a plane, f as a heatmap with contours and ∇f as arrows; on a
        line, f′ three ways with the errors (``slopes=K``: f with K slope arrows).

        Options as the command line's: ``size="3.3x2.5in"``, ``width``/``height`` (pixels),
        ``dpi``, ``title``, ``xlabel``, ``ylabel``, ``style`` ("paper" or "slides"),
        ``font_scale``, ``subtitle`` (False to keep the run's details in metadata only),
        ``cmap``, ``color_scale`` ("linear", "log", "symlog"), ``vmin``, ``vmax``,
        ``background`` ("f", "magnitude", "none"), ``contours``, ``arrows``, ``arrow_scale``,
        ``pivot``, ``normalize``, ``descent``, ``streamlines``, ``descent_from``
        ("x0,y0;x1,y1"), ``lr``, ``steps``, ``optimizer`` ("sgd,momentum,adam")."""
        # Options this figure would pass over (a plane's on a line, lr without descent_from,
        # slopes on a plane) are refused, as the command line refuses them.
        self._native.refuse_unused(list(options))
        fig = Figure(self._native.figure, options)
        # Drawn now, so that a bad option fails here and not when Jupyter shows it.
        fig.png()
        return fig

    def __repr__(self) -> str:
        c = self.check
        shape = "x".join(str(s) for s in self.meta["grid"]["shape"])
        verdict = "unchecked" if c is None else ("passed" if c.passed else "FAILED")
        return (
            f"<gradfield.FieldResult {self.meta['expression']!r} on {shape} "
            f"{self.meta['precision']} {self.meta['device']}: check {verdict}>"
        )


def field(
    expr: str,
    x: Optional[Range] = None,
    nx: Optional[int] = None,
    y: Optional[Range] = None,
    ny: Optional[int] = None,
    *,
    h: float = 1e-3,
    scheme: str = "central",
    precision: str = "f32",
    math: str = "accurate",
    fields: str = "f,fd,grad",
    rewrite: bool = True,
    device: str = "gpu",
    backend: Optional[str] = None,
    adapter: Optional[str] = None,
    check: str = "full",
    tile_points: Optional[int] = None,
) -> FieldResult:
    """Evaluates ``expr``, its finite differences and its analytic gradient over a grid and
    checks every point against float64.

    ``expr`` is an expression in x (and y) — ``sin(x)``, ``x^2 + 0.5*y^2`` — or a library name
    (``rosenbrock``, see :func:`functions`), which also gives the default ranges. ``x=(a, b)``
    with ``nx`` points (and ``y``, ``ny`` for a plane); ``scheme`` is forward, backward,
    central or five-point with step ``h``; ``precision`` f32 or f64; ``device`` gpu, cpu or
    auto (the GPU if there is one); ``check`` full, sample[=N] or none.

    Raises :class:`ExpressionError` (a ValueError, with a caret under the position) for a
    malformed expression, ValueError for bad arguments, :class:`DeviceError` when the device
    fails, KeyboardInterrupt on Ctrl-C."""
    native = _gradfield.field(
        expr,
        x=_range(x),
        nx=nx,
        y=_range(y),
        ny=ny,
        h=h,
        scheme=scheme,
        precision=precision,
        math=math,
        fields=fields,
        rewrite=rewrite,
        device=device,
        backend=backend,
        adapter=adapter,
        check=check,
        tile_points=tile_points,
    )
    return FieldResult(native)


def curve(
    expr: str,
    x: Optional[Range] = None,
    n: int = 1001,
    **kwargs: Any,
) -> FieldResult:
    """A function of x alone over ``n`` points: :func:`field` on a line (its ``figure()``
    draws f′ three ways with their errors, or f with slope arrows and descent)."""
    # Refused before any work, by the rule the grid itself follows (x + 0*y uses y).
    if _gradfield.uses_y(expr):
        raise ValueError("curve is for functions of x alone; use field for x and y")
    return field(expr, x=x, nx=n, **kwargs)


class SweepResult:
    """The step-size sweep: ``curves`` (per scheme × precision: steps ``h``, the measured
    ``max_abs_err``, the measured and model optima) and ``figure(**options)``."""

    def __init__(self, native):
        self._native = native
        data = json.loads(native.json())
        self.expression: str = data["expression"]
        self.points: int = data["points"]
        self.curves: List[Dict[str, Any]] = data["curves"]

    def figure(self, **options: Any) -> Figure:
        """The error against h, log-log (options: size, width, height, dpi, title, style,
        font_scale, subtitle)."""
        fig = Figure(self._native.figure, options)
        fig.png()
        return fig


def sweep(
    expr: str,
    x: Optional[Range] = None,
    n: int = 4096,
    *,
    h_min: float = 1e-10,
    h_max: float = 1.0,
    steps: int = 41,
    schemes: str = "forward,central,five-point",
    precisions: str = "f32,f64",
    math: str = "accurate",
    device: str = "gpu",
    backend: Optional[str] = None,
    adapter: Optional[str] = None,
) -> SweepResult:
    """The largest finite-difference error over the grid for ``steps`` log-spaced steps from
    ``h_min`` to ``h_max``, per scheme and precision, with the truncation/round-off model."""
    return SweepResult(
        _gradfield.sweep(
            expr,
            x=_range(x),
            n=n,
            h_min=h_min,
            h_max=h_max,
            steps=steps,
            schemes=schemes,
            precisions=precisions,
            math=math,
            device=device,
            backend=backend,
            adapter=adapter,
        )
    )


def derivative(expr: str, var: str = "x") -> str:
    """The symbolic derivative of ``expr`` along ``var`` ("x" or "y"), as text."""
    return _gradfield.derivative(expr, var)


def adapters(backend: Optional[str] = None, adapter: Optional[str] = None) -> List[Dict[str, Any]]:
    """The GPU adapters wgpu finds, best first (name, API, kind, f64, timestamps, limits).
    Raises :class:`DeviceError` when there is none."""
    return json.loads(_gradfield.adapters(backend, adapter))


def functions() -> List[Dict[str, Any]]:
    """The built-in functions: name, formula, domain and symbolic gradient."""
    return json.loads(_gradfield.functions())


def _range(r: Optional[Range]) -> Optional[Tuple[float, float]]:
    if r is None:
        return None
    a, b = r
    return (float(a), float(b))
