//! The CPU engine on the two cases of `bench/numpy_peer.py` (f, central difference with
//! h = 1e-3 and the analytic derivative, float64), so the throughput compares directly with
//! NumPy's Mpts/s. `bench/cpu_vs_numpy.sh` runs both side by side.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gradfield::cpu::CpuEngine;
use gradfield::grid::{Axis, Grid, Precision};
use gradfield::spec::FieldSpec;

fn engine(src: &str, grid: Grid, precision: Precision) -> FieldSpec {
    FieldSpec::new(src, grid)
        .and_then(|s| s.with_h(1e-3))
        .map(|s| s.with_precision(precision))
        .expect("valid benchmark spec")
}

fn cases(c: &mut Criterion) {
    let line = Grid::line(Axis::x(-std::f64::consts::PI, std::f64::consts::PI, 1 << 22).unwrap());
    let axis = Axis::x(-3.0, 3.0, 2048).unwrap();
    let plane = Grid::plane(axis, Axis { ..axis }).unwrap();
    let mut g = c.benchmark_group("cpu");
    g.sample_size(10);
    for (name, src, grid) in [
        ("sin_1d_2^22", "sin(x)", line),
        ("loss_2d_2048", "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2", plane),
    ] {
        g.throughput(Throughput::Elements(grid.len() as u64));
        let spec64 = engine(src, grid, Precision::F64);
        // Steady state: the output tile is reused, as when streaming tiles to disk.
        let e64 = CpuEngine::<f64>::new(&spec64, None).unwrap();
        let mut t64 = e64.eval(0, grid.len());
        g.bench_function(format!("{name}_f64"), |b| {
            b.iter(|| e64.eval_into(&mut t64))
        });
        let spec32 = engine(src, grid, Precision::F32);
        let e32 = CpuEngine::<f32>::new(&spec32, None).unwrap();
        let mut t32 = e32.eval(0, grid.len());
        g.bench_function(format!("{name}_f32"), |b| {
            b.iter(|| e32.eval_into(&mut t32))
        });
        // Fresh output arrays each time, as NumPy allocates its results.
        g.bench_function(format!("{name}_f64_fresh"), |b| {
            b.iter(|| e64.eval(0, grid.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, cases);
criterion_main!(benches);
