//! The GPU against the float64 reference, point by point, on the adapters this machine has:
//! lavapipe (Vulkan, software; CI installs mesa-vulkan-drivers) and llvmpipe (GL). Without a
//! Vulkan adapter these tests fail and say how to get one, rather than pass silently.

mod common;

use gradfield::cpu::{Tile, TileView};
use gradfield::gpu::{GpuContext, GpuEngine, GpuOptions, codegen};
use gradfield::grid::{Axis, Field, Fields, Grid, MathMode, Precision, Scheme};
use gradfield::progress::Progress;
use gradfield::run::{Engine, RunOptions};
use gradfield::spec::FieldSpec;
use gradfield::suite::{SuiteOptions, run_suite};
use proptest::prelude::*;
use std::sync::OnceLock;

fn vulkan() -> &'static GpuContext {
    static CTX: OnceLock<GpuContext> = OnceLock::new();
    CTX.get_or_init(|| {
        // SAFETY of intent: tests run in one process; the variable only silences a loader warning.
        GpuContext::new(&GpuOptions {
            backend: Some("vulkan".into()),
            adapter: None,
        })
        .expect("a Vulkan adapter (on Linux without a GPU: apt-get install mesa-vulkan-drivers)")
    })
}

#[test]
fn every_library_function_and_scheme_passes_on_vulkan() {
    let rows = run_suite(
        &SuiteOptions {
            gpu: GpuOptions {
                backend: Some("vulkan".into()),
                adapter: None,
            },
            n_1d: 2049,
            n_2d: 97,
            ..SuiteOptions::default()
        },
        &Progress::hidden(),
    )
    .unwrap();
    // 14 functions × 4 schemes × 3 modes; quantities per run depend on 1-D/2-D.
    assert!(rows.len() > 14 * 4 * 3 * 3, "{} rows", rows.len());
    let failures: Vec<_> = rows.iter().filter(|r| !r.passed).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // Accurate f32 is far tighter than the spec allows native math to be.
    let worst = |mode: &str, q: &str| {
        rows.iter()
            .filter(|r| r.mode == mode && r.quantity == q && r.function == "sin")
            .map(|r| r.max_abs)
            .fold(0.0, f64::max)
    };
    assert!(
        worst("f32 accurate", "f") <= 1.2e-7,
        "{}",
        worst("f32 accurate", "f")
    );
    assert!(worst("f64", "f") <= 4.0 * f64::EPSILON);
}

#[test]
fn the_gl_backend_stays_alive() {
    let rows = run_suite(
        &SuiteOptions {
            functions: vec!["loss".into(), "rosenbrock".into(), "ackley".into()],
            schemes: vec![Scheme::Central, Scheme::FivePoint],
            modes: vec![
                (Precision::F32, MathMode::Accurate),
                (Precision::F32, MathMode::Native),
                (Precision::F64, MathMode::Accurate),
            ],
            gpu: GpuOptions {
                backend: Some("gl".into()),
                adapter: None,
            },
            n_1d: 1025,
            n_2d: 65,
            ..SuiteOptions::default()
        },
        &Progress::hidden(),
    )
    .unwrap();
    assert!(rows.iter().all(|r| r.passed), "{rows:#?}");
    // GL has no f64: those runs are skipped, not failed.
    assert!(rows.iter().all(|r| r.mode != "f64"));
    assert!(rows.iter().any(|r| r.mode == "f32 native"));
}

/// All fields of a request, computed with a given tile size.
fn compute(spec: &FieldSpec, tile: usize) -> Vec<Tile<f32>> {
    let mut engine = GpuEngine::<f32>::new(vulkan(), spec, Some(tile), 64 << 20).unwrap();
    let mut tiles = Vec::new();
    engine
        .run(Some(tile), &mut |t: &TileView<'_, f32>| {
            tiles.push(t.to_tile());
            Ok(())
        })
        .unwrap();
    tiles
}

fn concat(tiles: &[Tile<f32>], f: Field) -> Vec<u32> {
    tiles
        .iter()
        .flat_map(|t| t.values(f).iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn tiled_results_are_bit_identical_to_untiled() {
    let grid = Grid::plane(
        Axis::new("x", -5.0, 5.0, 301).unwrap(),
        Axis::new("y", -5.0, 5.0, 203).unwrap(),
    )
    .unwrap();
    let spec = FieldSpec::new("himmelblau + sin(x*y)", grid).unwrap();
    let whole = compute(&spec, 1 << 20);
    assert_eq!(whole.len(), 1);
    // 997 points per tile: tiles start mid-row and cross segment boundaries.
    let tiled = compute(&spec, 997);
    assert_eq!(tiled.len(), grid.len().div_ceil(997));
    for f in spec.field_list() {
        assert_eq!(concat(&whole, f), concat(&tiled, f), "{f:?}");
    }
}

#[test]
fn an_output_larger_than_one_storage_binding_streams_through_tiles() {
    // 2^25 points × 3 fields × 4 bytes = 384 MiB of output; lavapipe binds at most 128 MiB.
    let ctx = vulkan();
    let n = 1 << 25;
    assert!(3 * 4 * n as u64 > ctx.limits.max_storage_buffer_binding_size);
    let grid = Grid::line(Axis::new("x", -100.0, 100.0, n).unwrap());
    let spec = FieldSpec::new("sin(x)", grid).unwrap();
    let report = gradfield::gpu::run_gpu(
        Some(ctx),
        &GpuOptions::default(),
        &spec,
        &RunOptions::default(),
        &Progress::hidden(),
    )
    .unwrap();
    assert_eq!(report.points, n);
    let check = report.check.unwrap();
    assert!(check.passed, "{:?}", check.failures);
    assert_eq!(report.errors["f"].compared, n as u64);
}

#[test]
fn f64_kernels_call_no_builtin_transcendental() {
    for f in &gradfield::library::LIBRARY {
        let grid = match f.y {
            Some(_) => Grid::plane(
                Axis::new("x", -1.0, 1.0, 5).unwrap(),
                Axis::new("y", -1.0, 1.0, 5).unwrap(),
            )
            .unwrap(),
            None => Grid::line(Axis::new("x", -1.0, 1.0, 5).unwrap()),
        };
        for scheme in Scheme::ALL {
            let spec = FieldSpec::new(f.name, grid)
                .unwrap()
                .with_scheme(scheme)
                .with_precision(Precision::F64);
            for int64 in [false, true] {
                let src = codegen::grid_source_for(&spec, codegen::Target { int64 }).unwrap();
                assert!(!codegen::uses_builtin_transcendental(&src), "{}", f.name);
            }
        }
    }
}

#[test]
fn f64_is_refused_clearly_where_the_adapter_lacks_it() {
    let gl = GpuContext::new(&GpuOptions {
        backend: Some("gl".into()),
        adapter: None,
    })
    .expect("the GL adapter (llvmpipe)");
    assert!(!gl.f64);
    let grid = Grid::line(Axis::new("x", 0.0, 1.0, 10).unwrap());
    let spec = FieldSpec::new("sin(x)", grid)
        .unwrap()
        .with_precision(Precision::F64);
    let err = GpuEngine::<f64>::new(&gl, &spec, None, 1 << 26)
        .err()
        .unwrap();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("no f64"), "{err}");
}

#[test]
fn finite_differences_use_the_rounded_stencil_coordinate() {
    // Found by the property test below: the compiler turned (−x) + (x + h) into h, a result
    // no rounding of x + h gives, so the f64 round-off check failed. The kernel now
    // materialises x + h.
    let grid = Grid::line(Axis::new("x", -2.0, 2.0, 1001).unwrap());
    for (src, p) in [
        ("-(x)", Precision::F64),
        ("x", Precision::F64),
        ("-(x)", Precision::F32),
    ] {
        for scheme in Scheme::ALL {
            let spec = FieldSpec::new(src, grid)
                .unwrap()
                .with_scheme(scheme)
                .with_h(1e-2)
                .unwrap()
                .with_precision(p);
            let report = gradfield::gpu::run_gpu(
                Some(vulkan()),
                &GpuOptions::default(),
                &spec,
                &RunOptions::default(),
                &Progress::hidden(),
            )
            .unwrap();
            let check = report.check.unwrap();
            assert!(check.passed, "{src} {p} {scheme}: {:?}", check.failures);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_expressions_match_the_reference_on_the_gpu(
        src in common::smooth(),
        scheme in prop::sample::select(Scheme::ALL.to_vec()),
        f64_mode in any::<bool>(),
    ) {
        let e = gradfield::expr::Expr::parse(&src).unwrap();
        let x = Axis::new("x", -2.0, 2.0, 41).unwrap();
        let grid = if e.uses(gradfield::expr::Var::Y) {
            Grid::plane(x, Axis::new("y", -1.5, 1.5, 29).unwrap()).unwrap()
        } else {
            Grid::line(Axis::new("x", -2.0, 2.0, 1001).unwrap())
        };
        let precision = if f64_mode { Precision::F64 } else { Precision::F32 };
        let spec = FieldSpec::new(&src, grid).unwrap()
            .with_scheme(scheme)
            .with_h(1e-2).unwrap()
            .with_precision(precision)
            .with_fields(Fields::ALL).unwrap();
        let report = gradfield::gpu::run_gpu(
            Some(vulkan()), &GpuOptions::default(), &spec, &RunOptions::default(), &Progress::hidden(),
        ).unwrap();
        let check = report.check.unwrap();
        prop_assert!(check.passed, "{src} ({precision}, {scheme}): {:?}", check.failures);
    }
}
