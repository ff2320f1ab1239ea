"""gradfield over Dask: a grid in blocks on a local cluster of two worker processes equals the
single-process run bit for bit, its check aggregates the blocks', and its Zarr store reads back
with xarray."""

import numpy as np
import pytest

import gradfield
import gradfield.dask as gd

distributed = pytest.importorskip("distributed")
xr = pytest.importorskip("xarray")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def test_a_dask_run_equals_the_single_run_bit_for_bit(client, tmp_path):
    kw = dict(x=(-2, 2), nx=2048, y=(-1, 3), ny=2048)
    whole = gradfield.field("rosenbrock", device="cpu", **kw)
    g = gd.field("rosenbrock", chunks=(512, 512), device="cpu", **kw)
    assert g.arrays["f"].chunks == ((512,) * 4, (512,) * 4)
    arrays, check = g.compute()
    for name in ("f", "fd_x", "grad_x", "fd_y", "grad_y"):
        a, b = arrays[name], getattr(whole, name)
        assert a.dtype == b.dtype == np.float32
        assert np.array_equal(a.view(np.uint32), b.view(np.uint32)), name
    assert np.array_equal(g.x, whole.x) and np.array_equal(g.y, whole.y)
    # The blocks' checks: every point compared once, the same worst errors as the whole run.
    assert check["passed"] and check["blocks"] == 16
    assert check["points_checked"] == 2048 * 2048 == whole.check.points_checked
    for k, e in whole.check.fields.items():
        assert check["fields"][k]["max_abs"] == e["max_abs"], k
        assert check["fields"][k]["compared"] == e["compared"], k
    # Zarr, with coordinates, read back by xarray.
    store = tmp_path / "r.zarr"
    g.to_zarr(str(store), mode="w")
    ds = xr.open_zarr(str(store))
    assert ds["grad_y"].dims == ("y", "x")
    assert np.array_equal(ds["grad_x"].values.view(np.uint32), whole.grad_x.view(np.uint32))
    assert np.array_equal(ds["x"].values, whole.x)
    assert ds.attrs["derivative_y"] == "200*(y - x^2)"


def test_a_1d_dask_run_and_uneven_chunks(client):
    whole = gradfield.field("sin(x)", x=(-3, 3), nx=10_001, precision="f64", device="cpu")
    g = gd.field("sin(x)", x=(-3, 3), nx=10_001, precision="f64", chunks=(1, 3000), device="cpu")
    arrays, check = g.compute()
    assert check["passed"]
    for name in ("f", "fd_x", "grad_x"):
        assert np.array_equal(arrays[name].view(np.uint64), getattr(whole, name).view(np.uint64))


def test_a_bad_request_fails_before_any_block_and_no_check_is_no_pass(client):
    for kw, err, want in [
        (dict(chunks=(0, 0)), ValueError, "chunks must be one or two positive integers"),
        (dict(chunks=(16.5, 16)), ValueError, "chunks must be"),
        (dict(fields="nope"), ValueError, "unknown field kind"),
        (dict(precision="f16"), ValueError, "unknown precision"),
        (dict(bogus=1), TypeError, "bogus"),
    ]:
        with pytest.raises(err, match=want):
            gd.field("rosenbrock", nx=64, ny=64, device="cpu", **kw)
    # One number is a square block; an unchecked run does not claim to have passed.
    g = gd.field("rosenbrock", nx=64, ny=64, chunks=32, device="cpu", check="none")
    assert g.arrays["f"].chunks == ((32, 32), (32, 32))
    c = g.check()
    assert c["passed"] is None and c["mode"] == "none" and c["points_checked"] == 0
    c = gd.field("rosenbrock", nx=64, ny=64, chunks=32, device="cpu", check="sample").check()
    assert c["passed"] is True and c["mode"] == "sample=32" and 0 < c["points_checked"] < 64 * 64
