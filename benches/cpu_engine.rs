//! The CPU engine on the two cases of `bench/numpy_peer.py` (f, central difference with
//! h = 1e-3 and the analytic derivative, float64), so the throughput compares directly with
//! NumPy's Mpts/s (`bench/cpu_vs_numpy.py` runs both side by side); and the check of the
//! same work (float64 reference and comparison, `check_*`), whose throughput should be at
//! least the engine's.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gradfield::check::{CheckMode, Checker};
use gradfield::cpu::CpuEngine;
use gradfield::engine::DeviceKind;
use gradfield::grid::{Axis, Grid, MathMode, Precision};
use gradfield::spec::FieldSpec;
use gradfield::tolerance::ErrorModel;

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
        let e64 = CpuEngine::<f64>::new(&spec64).unwrap();
        let mut t64 = e64.eval(0, grid.len());
        g.bench_function(format!("{name}_f64"), |b| {
            b.iter(|| e64.eval_into(&mut t64))
        });
        let spec32 = engine(src, grid, Precision::F32);
        let e32 = CpuEngine::<f32>::new(&spec32).unwrap();
        let mut t32 = e32.eval(0, grid.len());
        g.bench_function(format!("{name}_f32"), |b| {
            b.iter(|| e32.eval_into(&mut t32))
        });
        // Fresh output arrays each time, as NumPy allocates its results.
        g.bench_function(format!("{name}_f64_fresh"), |b| {
            b.iter(|| e64.eval(0, grid.len()))
        });
        // The check of the same tiles: the CPU engine's (f32 and f64) and a GPU's f32
        // accurate values (the model differs; the work is the same).
        for (label, spec, kind, model) in [
            (
                "cpu_f32",
                &spec32,
                DeviceKind::Cpu,
                ErrorModel::cpu(Precision::F32),
            ),
            (
                "cpu_f64",
                &spec64,
                DeviceKind::Cpu,
                ErrorModel::cpu(Precision::F64),
            ),
            (
                "gpu_f32",
                &spec32,
                DeviceKind::Gpu,
                ErrorModel::gpu(Precision::F32, MathMode::Accurate),
            ),
        ] {
            for mode in [CheckMode::Full, CheckMode::Sample { every: 32 }] {
                let mode_name = mode.name().replace('=', "");
                g.bench_function(format!("{name}_check_{mode_name}_{label}"), |b| {
                    b.iter(|| {
                        let mut c = Checker::new(spec, model, kind, mode);
                        if spec.precision == Precision::F32 {
                            c.check(&t32.view());
                        } else {
                            c.check(&t64.view());
                        }
                        c.passed()
                    })
                });
            }
        }
    }
    g.finish();
}

/// The engine's and the reference's sin/cos kernels (different algorithms) on one block.
fn kernels(c: &mut Criterion) {
    let n = 256;
    let xs: Vec<f64> = (0..n).map(|i| -3.0 + 6.0 * i as f64 / n as f64).collect();
    let (mut s, mut co) = (vec![0.0; n], vec![0.0; n]);
    let mut g = c.benchmark_group("sincos_block_256");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("fastmath_sin", |b| {
        b.iter(|| gradfield::math::fastmath::sin_block(&xs, &mut s))
    });
    g.bench_function("refmath_sin", |b| {
        b.iter(|| gradfield::math::refmath::sin_block(&xs, &mut s))
    });
    g.bench_function("fastmath_sincos", |b| {
        b.iter(|| gradfield::math::fastmath::sincos_block(&xs, &mut s, &mut co))
    });
    g.bench_function("refmath_sincos", |b| {
        b.iter(|| gradfield::math::refmath::sincos_block(&xs, &mut s, &mut co))
    });
    g.finish();
}

criterion_group!(benches, cases, kernels);
criterion_main!(benches);
