"""A grid beyond one machine: the fields as lazy ``dask.array``s whose blocks gradfield
evaluates on whichever Dask worker runs them, writing Zarr.

Each block is a window of the whole grid: its coordinates are bit for bit those of the same
points of a single whole-grid run (a window keeps the full axis's segment bases and last
point), so the assembled arrays equal the single-process run's, bit for bit, on the same
kind of device. Each block is checked against float64 on its worker; the checks are
aggregated per quantity.

>>> import gradfield.dask as gd                                     # doctest: +SKIP
>>> from distributed import Client
>>> client = Client("tcp://scheduler:8786")      # a real cluster; or LocalCluster() here
>>> g = gd.field("rosenbrock", x=(-2, 2), nx=65536, y=(-1, 3), ny=65536, chunks=(4096, 4096))
>>> g.to_zarr("rosenbrock.zarr")                 # computes every block, writes, checks
>>> g.check()["passed"]
True

Workers need gradfield installed (``pip install ./python`` on each, or in their image). A
worker with a GPU adapter computes its blocks there (``device="auto"``, the default here);
blocks computed on different kinds of device agree within the checked tolerances, not bit
for bit — pin ``device="cpu"`` (or give every worker the same GPU) for bit-identical stores.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _gradfield, _range

_FIELDS_2D = ("f", "fd_x", "grad_x", "fd_y", "grad_y")
_FIELDS_1D = ("f", "fd_x", "grad_x")


def _block(expr: str, grid_kw: Dict[str, Any], window: Tuple[int, int, int, int], kw: Dict[str, Any]):
    """One block on a worker: its arrays and its check (meta.json's errors and check)."""
    native = _gradfield.field(expr, window=window, figure_samples=0, **grid_kw, **kw)
    arrays = dict(native.take_arrays())
    meta = json.loads(native.meta_json())
    return {
        "arrays": {k: v for k, v in arrays.items() if k not in ("x", "y")},
        "errors": meta.get("errors", {}),
        "check": meta.get("check"),
        "device": meta.get("device"),
        "adapter": meta.get("adapter"),
    }


def _summary(b: Dict[str, Any]) -> Dict[str, Any]:
    """A block's check without its arrays (what the aggregate needs)."""
    return {k: v for k, v in b.items() if k != "arrays"}


class DaskField:
    """The lazy fields of a grid: ``arrays`` (name → dask.array), coordinates ``x`` and ``y``
    (NumPy, as every run computes them), ``to_xarray()``, ``to_zarr(path)`` and ``check()``
    (the per-block checks aggregated; computes the blocks if they have not been)."""

    def __init__(self, expr, arrays, x, y, checks, attrs):
        self.expr = expr
        self.arrays: Dict[str, Any] = arrays
        self.x = x
        self.y = y
        self._checks = checks
        self._check_result: Optional[Dict[str, Any]] = None
        self.attrs = attrs

    def __getitem__(self, name: str):
        return self.arrays[name]

    def keys(self):
        return self.arrays.keys()

    def to_xarray(self):
        """An ``xarray.Dataset`` of the lazy fields with coordinates x (and y)."""
        import xarray as xr

        dims = ("y", "x") if self.y is not None else ("x",)
        coords = {"x": self.x}
        if self.y is not None:
            coords["y"] = self.y
        return xr.Dataset(
            {k: (dims, v) for k, v in self.arrays.items()}, coords=coords, attrs=self.attrs
        )

    def compute(self) -> Tuple[Dict[str, np.ndarray], Dict[str, Any]]:
        """Every field as a NumPy array and the aggregated check, in one pass over the
        blocks."""
        import dask

        names = list(self.arrays)
        out = dask.compute(*[self.arrays[n] for n in names], self._checks)
        self._check_result = _aggregate(out[-1])
        return dict(zip(names, out[:-1])), self._check_result

    def to_zarr(self, path: str, **kwargs: Any) -> Dict[str, Any]:
        """Writes the fields with their coordinates to a Zarr store (through xarray), checks
        every block in the same pass, and returns the aggregated check.

        Unlike the command line's output folders, the store is written in place, block by
        block, as Zarr writes it (it may be an object store that cannot be renamed): a run
        that fails or is interrupted leaves a partial store. Write to a new path and move or
        publish it when this returns."""
        import dask

        write = self.to_xarray().to_zarr(path, compute=False, **kwargs)
        _, checks = dask.compute(write, self._checks)
        self._check_result = _aggregate(checks)
        return self._check_result

    def check(self) -> Dict[str, Any]:
        """The aggregated check: ``passed`` (``None`` where nothing was checked, as with
        ``check="none"``), ``mode`` (the blocks' check modes), ``points_checked``, ``blocks``
        and, per quantity, the largest absolute and relative errors, the points compared, the
        non-finite values, the failures and ill-conditioned points, and the worst verdict."""
        if self._check_result is None:
            import dask

            (checks,) = dask.compute(self._checks)
            self._check_result = _aggregate(checks)
        return self._check_result


_ORDER = ["pass", "reported", "reference", "ill-conditioned", "not-checked", "fail"]


def _aggregate(blocks: List[Dict[str, Any]]) -> Dict[str, Any]:
    fields: Dict[str, Dict[str, Any]] = {}
    passed = True
    checked = False
    modes = set()
    points = 0
    failures: List[str] = []
    devices = set()
    for b in blocks:
        c = b["check"]
        if c is not None:
            checked = True
            modes.add(c["mode"] if isinstance(c["mode"], str) else json.dumps(c["mode"]))
            passed &= bool(c["passed"])
            points += int(c["points_checked"])
            failures += c["failures"]
        devices.add(json.dumps(b["adapter"], sort_keys=True))
        for k, e in b["errors"].items():
            agg = fields.setdefault(
                k,
                {
                    "max_abs": 0.0,
                    "max_rel": 0.0,
                    "compared": 0,
                    "nonfinite": 0,
                    "failures": 0,
                    "ill_conditioned": 0,
                    "verdict": "pass",
                },
            )
            agg["max_abs"] = max(agg["max_abs"], _num(e.get("max_abs")))
            agg["max_rel"] = max(agg["max_rel"], _num(e.get("max_rel")))
            for count in ("compared", "nonfinite", "failures", "ill_conditioned"):
                agg[count] += int(e.get(count, 0))
            v = e.get("verdict", "pass")
            if v in _ORDER and _ORDER.index(v) > _ORDER.index(agg["verdict"]):
                agg["verdict"] = v
    return {
        # None, as a single run's check is, where nothing was checked (check="none").
        "passed": passed if checked else None,
        "mode": ",".join(sorted(modes)) if checked else "none",
        "points_checked": points,
        "blocks": len(blocks),
        "failures": failures,
        "fields": fields,
        "devices": [json.loads(d) for d in sorted(devices)],
    }


def _num(v: Any) -> float:
    if isinstance(v, str):
        return float(v)  # "inf" / "nan" in meta.json
    return float(v or 0.0)


def field(
    expr: str,
    x: Optional[Tuple[float, float]] = None,
    nx: Optional[int] = None,
    y: Optional[Tuple[float, float]] = None,
    ny: Optional[int] = None,
    *,
    chunks: Tuple[int, int] = (4096, 4096),
    precision: str = "f32",
    device: str = "auto",
    **kwargs: Any,
) -> DaskField:
    """The fields of ``expr`` over a grid as lazy Dask arrays in blocks of ``chunks`` =
    (rows, columns), or one number for square blocks (a 1-D grid takes ``chunks[-1]``).
    Other arguments as :func:`gradfield.field` (h, scheme, math, fields, rewrite, check,
    backend, adapter).

    The request is checked here, before any block is scheduled: a bad expression, range,
    chunk size or option raises at once (``ValueError``, ``TypeError``), as
    :func:`gradfield.field` would, not later on a worker."""
    import dask
    import dask.array as da

    ty, tx = _chunks(chunks)
    grid_in = {"x": _range(x), "nx": nx, "y": _range(y), "ny": ny}
    # One point of the grid on this process's CPU validates everything a block will be
    # given (the device is the workers' own business).
    _gradfield.field(
        expr,
        window=(0, 1, 0, 1),
        figure_samples=0,
        precision=precision,
        **grid_in,
        **{**kwargs, "device": "cpu"},
    )
    grid_x, grid_y = _gradfield.resolve_grid(expr, **grid_in)
    (xa, xb, nxx) = grid_x
    grid_kw = {"x": (xa, xb), "nx": nxx}
    xs = _gradfield.axis_coords(xa, xb, nxx, precision)
    ys = None
    if grid_y is not None:
        (ya, yb, nyy) = grid_y
        grid_kw.update({"y": (ya, yb), "ny": nyy})
        ys = _gradfield.axis_coords(ya, yb, nyy, precision)
    kw = {"precision": precision, "device": device, **kwargs}
    dtype = np.float32 if precision == "f32" else np.float64
    col_edges = list(range(0, nxx, tx)) + [nxx]
    if ys is None:
        row_edges = [0, 1]
        names = [n for n in _FIELDS_1D if _wanted(n, kwargs)]
    else:
        row_edges = list(range(0, nyy, ty)) + [nyy]
        names = [n for n in _FIELDS_2D if _wanted(n, kwargs)]
    blocks: Dict[str, List[List[Any]]] = {n: [] for n in names}
    checks = []
    block = dask.delayed(_block, pure=True)
    summary = dask.delayed(_summary, pure=True)
    for r0, r1 in zip(row_edges[:-1], row_edges[1:]):
        row: Dict[str, List[Any]] = {n: [] for n in names}
        for c0, c1 in zip(col_edges[:-1], col_edges[1:]):
            d = block(expr, grid_kw, (c0, c1, r0, r1), kw)
            shape = (c1 - c0,) if ys is None else (r1 - r0, c1 - c0)
            for n in names:
                row[n].append(da.from_delayed(d["arrays"][n], shape=shape, dtype=dtype))
            checks.append(summary(d))
        for n in names:
            blocks[n].append(row[n])
    if ys is None:
        arrays = {n: da.concatenate(blocks[n][0]) for n in names}
    else:
        arrays = {n: da.block(blocks[n]) for n in names}
    attrs = {
        "expression": expr,
        "derivative_x": _gradfield.derivative(expr, "x"),
        "precision": precision,
        "chunks": json.dumps([ty, tx] if ys is not None else [tx]),
    }
    if ys is not None:
        attrs["derivative_y"] = _gradfield.derivative(expr, "y")
    return DaskField(expr, arrays, xs, ys, checks, attrs)


def _chunks(chunks: Any) -> Tuple[int, int]:
    """(rows, columns) of a block from one or two positive integers."""
    c = (chunks,) if isinstance(chunks, (int, np.integer)) else chunks
    try:
        c = tuple(c)
    except TypeError:
        c = ()
    if not 1 <= len(c) <= 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in c
    ):
        raise ValueError(
            f"chunks must be one or two positive integers (rows, columns), got {chunks!r}"
        )
    return int(c[0]), int(c[-1])


def _wanted(name: str, kwargs: Dict[str, Any]) -> bool:
    fields = kwargs.get("fields", "f,fd,grad")
    kinds = {k.strip() for k in fields.split(",")}
    kind = "f" if name == "f" else ("fd" if name.startswith("fd") else "grad")
    return kind in kinds
