//! `gradfield bench`: GPU against CPU on the work the article's users run (f, a central
//! difference and the analytic derivative over a grid) for a range of sizes: GPU kernel time
//! (timestamp queries), GPU end-to-end time (results mapped into host memory), CPU engine
//! time in f64 and f32; points per second and effective bandwidth (bytes written ÷ time)
//! beside the adapter's measured copy bandwidth. Medians of repeated runs after a warm-up.
//! Timings are measured here, never asserted in tests.

use std::time::Instant;

use serde::Serialize;

use crate::backend::{Backend, EngineUser, F64Fallback};
use crate::check::CheckMode;
use crate::engine::{DeviceKind, Engine, Real};
use crate::error::{Error, Result};
use crate::grid::{Axis, Grid, Precision};
use crate::progress::Progress;
use crate::run::{RunOptions, run_field};
use crate::spec::FieldSpec;
use crate::tolerance::ErrorModel;

/// One benchmark case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// sin on [−π, π] (peers.py's 1-D case).
    Sin1d,
    /// 0.3·sin(3x) + 0.5·x² + 0.5·y² on [−3, 3]² (peers.py's 2-D case).
    Loss2d,
    /// Rosenbrock on its domain.
    Rosenbrock,
    /// Rastrigin on its domain.
    Rastrigin,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 4] = [Case::Sin1d, Case::Loss2d, Case::Rosenbrock, Case::Rastrigin];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Case::Sin1d => "sin1d",
            Case::Loss2d => "loss2d",
            Case::Rosenbrock => "rosenbrock",
            Case::Rastrigin => "rastrigin",
        }
    }

    /// The request for about `points` points.
    pub fn spec(self, points: usize, precision: Precision) -> Result<FieldSpec> {
        let side = ((points as f64).sqrt().round() as usize).max(2);
        let (src, grid) = match self {
            Case::Sin1d => (
                "sin(x)",
                Grid::line(Axis::x(
                    -std::f64::consts::PI,
                    std::f64::consts::PI,
                    points.max(2),
                )?),
            ),
            Case::Loss2d => (
                "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2",
                Grid::plane(Axis::x(-3.0, 3.0, side)?, Axis::y(-3.0, 3.0, side)?)?,
            ),
            Case::Rosenbrock => (
                "rosenbrock",
                Grid::plane(Axis::x(-2.0, 2.0, side)?, Axis::y(-1.0, 3.0, side)?)?,
            ),
            Case::Rastrigin => (
                "rastrigin",
                Grid::plane(Axis::x(-5.12, 5.12, side)?, Axis::y(-5.12, 5.12, side)?)?,
            ),
        };
        Ok(FieldSpec::new(src, grid)?.with_precision(precision))
    }
}

impl std::str::FromStr for Case {
    type Err = Error;
    fn from_str(s: &str) -> Result<Case> {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                Error::input(format!(
                    "unknown case `{s}`; use sin1d, loss2d, rosenbrock or rastrigin"
                ))
            })
    }
}

/// One measurement.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// Case name.
    pub case: String,
    /// `gpu kernel`, `gpu end-to-end`, `cpu f64`, `cpu f32`.
    pub engine: String,
    /// Grid points.
    pub points: usize,
    /// Median time in milliseconds.
    pub ms: f64,
    /// Million points per second.
    pub mpts_per_s: f64,
    /// Bytes written ÷ time, GB/s.
    pub gb_per_s: f64,
}

/// The whole benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct Bench {
    /// The GPU, if one was used.
    pub adapter: Option<String>,
    /// The adapter's device-to-device copy bandwidth (read + write), GB/s.
    pub copy_gb_per_s: Option<f64>,
    /// CPU threads.
    pub cpu_threads: usize,
    /// Repetitions after the warm-up.
    pub reps: usize,
    /// The measurements.
    pub rows: Vec<BenchRow>,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Cases.
    pub cases: Vec<Case>,
    /// Sizes in points.
    pub sizes: Vec<usize>,
    /// Repetitions after one warm-up.
    pub reps: usize,
    /// Run the CPU engine (up to this many points).
    pub cpu_max: usize,
    /// Also time whole checked runs (engine, float64 reference and comparison) in these
    /// modes: rows `… + check full`, `… + check sample=N`, `… + check none`.
    pub checks: Vec<CheckMode>,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            cases: Case::ALL.to_vec(),
            sizes: (6..=11).map(|k| 1usize << (2 * k)).collect(),
            reps: 5,
            cpu_max: 1 << 24,
            checks: vec![
                CheckMode::Full,
                CheckMode::Sample {
                    every: crate::check::DEFAULT_SAMPLE_EVERY,
                },
            ],
        }
    }
}

/// A size on the command line: a number or `2^k`, from 4 to [`crate::grid::MAX_POINTS`].
///
/// ```
/// assert_eq!(gradfield::bench::parse_size("2^20")?, 1 << 20);
/// assert_eq!(gradfield::bench::parse_size("5000")?, 5000);
/// assert!(gradfield::bench::parse_size("3^4").is_err());
/// # Ok::<(), gradfield::Error>(())
/// ```
pub fn parse_size(s: &str) -> Result<usize> {
    let s = s.trim();
    let bad = || Error::input(format!("`{s}` is not a size (a number or 2^k)"));
    let n = match s.split_once('^') {
        Some(("2", k)) => 1usize
            .checked_shl(k.trim().parse::<u32>().map_err(|_| bad())?)
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
        None => s.parse().map_err(|_| bad())?,
    };
    if n < 4 || n as u64 > crate::grid::MAX_POINTS {
        return Err(Error::input(format!(
            "size {n} is out of range (4 to 2^32 − 1)"
        )));
    }
    Ok(n)
}

/// A comma list of sizes (see [`parse_size`]).
pub fn parse_sizes(s: &str) -> Result<Vec<usize>> {
    s.split(',').map(parse_size).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn row(case: Case, engine: &str, points: usize, bytes: usize, ms: f64) -> BenchRow {
    BenchRow {
        case: case.name().into(),
        engine: engine.into(),
        points,
        ms,
        mpts_per_s: points as f64 / (ms * 1e3),
        gb_per_s: bytes as f64 / (ms * 1e6),
    }
}

/// Times an engine: `reps` runs after a warm-up, tiles handed to a sink that drops them
/// (results in host memory, nothing else).
#[derive(Clone, Copy)]
struct Timed {
    reps: usize,
}

/// Kernel and wall times of each timed run, in milliseconds.
struct Times {
    kernel: Vec<f64>,
    wall: Vec<f64>,
}

impl EngineUser for Timed {
    type Output = Times;
    fn run<T: Real>(self, engine: &mut dyn Engine<T>, _: ErrorModel) -> Result<Times> {
        let mut t = Times {
            kernel: Vec::new(),
            wall: Vec::new(),
        };
        for rep in 0..=self.reps {
            crate::interrupt::check()?;
            let t0 = Instant::now();
            let times = engine.run(None, &mut |_| Ok(()))?;
            let wall = t0.elapsed().as_secs_f64() * 1e3;
            if rep > 0 {
                t.kernel.push(times.kernel);
                t.wall.push(wall);
            }
        }
        Ok(t)
    }
}

/// The median wall time of whole runs with the check in `mode` (engine, reference and
/// comparison; results in host memory, no files), after a warm-up.
fn checked_ms(backend: &Backend, spec: &FieldSpec, mode: CheckMode, reps: usize) -> Result<f64> {
    let opts = RunOptions {
        check: mode,
        ..RunOptions::default()
    };
    let mut times = Vec::new();
    for rep in 0..=reps {
        crate::interrupt::check()?;
        let t0 = Instant::now();
        let report = run_field(backend, spec, &opts)?;
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        if report.check.as_ref().is_some_and(|c| !c.passed) {
            return Err(Error::device(format!(
                "the benchmark's own check failed ({}): {:?}",
                spec.source,
                report.check.map(|c| c.failures)
            )));
        }
        if rep > 0 {
            times.push(ms);
        }
    }
    Ok(median(times))
}

/// Checks the options before any work.
pub fn validate(opts: &BenchOptions) -> Result<()> {
    if opts.reps == 0 || opts.sizes.is_empty() || opts.cases.is_empty() {
        return Err(Error::input(
            "give at least one case, one size and one repetition",
        ));
    }
    if opts.reps > 1000 {
        return Err(Error::input("--reps must be at most 1000"));
    }
    Ok(())
}

/// Runs the benchmark on `backend` (its GPU, if it is one) and on the CPU engine.
pub fn run_bench(opts: &BenchOptions, backend: &Backend, progress: &Progress) -> Result<Bench> {
    validate(opts)?;
    let copy = match backend.gpu() {
        Some(ctx) => ctx.copy_bandwidth()?,
        None => None,
    };
    let total = opts.cases.len() * opts.sizes.len();
    let bar = progress.bar(total as u64, "runs");
    let mut rows = Vec::new();
    let timed = Timed { reps: opts.reps };
    for &case in &opts.cases {
        for &n in &opts.sizes {
            bar.message(format!("{} {n}", case.name()));
            if backend.kind() == DeviceKind::Gpu {
                let spec = case.spec(n, Precision::F32)?;
                let bytes = spec.grid.len() * spec.field_list().len() * 4;
                let t = backend.with_engine(&spec, None, F64Fallback::Refuse, timed)?;
                let points = spec.grid.len();
                rows.push(row(case, "gpu kernel", points, bytes, median(t.kernel)));
                rows.push(row(case, "gpu end-to-end", points, bytes, median(t.wall)));
                for &mode in &opts.checks {
                    let ms = checked_ms(backend, &spec, mode, opts.reps)?;
                    let label = format!("gpu + check {}", mode.name());
                    rows.push(row(case, &label, points, bytes, ms));
                }
            }
            if n <= opts.cpu_max {
                let cpu = Backend::cpu();
                for precision in [Precision::F64, Precision::F32] {
                    let spec = case.spec(n, precision)?;
                    let t = cpu.with_engine(&spec, None, F64Fallback::Refuse, timed)?;
                    let bytes = spec.grid.len() * spec.field_list().len() * precision.bytes();
                    let points = spec.grid.len();
                    rows.push(row(
                        case,
                        &format!("cpu {precision}"),
                        points,
                        bytes,
                        median(t.wall),
                    ));
                    for &mode in &opts.checks {
                        let ms = checked_ms(&cpu, &spec, mode, opts.reps)?;
                        let label = format!("cpu {precision} + check {}", mode.name());
                        rows.push(row(case, &label, points, bytes, ms));
                    }
                }
            }
            bar.inc(1);
        }
    }
    bar.finish();
    Ok(Bench {
        adapter: backend.gpu().map(|c| c.describe()),
        copy_gb_per_s: copy,
        cpu_threads: rayon::current_num_threads(),
        reps: opts.reps,
        rows,
    })
}

/// The table printed on stderr.
pub fn table(b: &Bench) -> String {
    let mut s = String::new();
    if let Some(a) = &b.adapter {
        s += &format!("adapter: {a}\n");
    }
    if let Some(c) = b.copy_gb_per_s {
        s += &format!("device copy bandwidth (read + write): {c:.1} GB/s\n");
    }
    s += &format!(
        "CPU: {} threads; medians of {} runs after a warm-up\n",
        b.cpu_threads, b.reps
    );
    s += &format!(
        "{:<11} {:<26} {:>11} {:>11} {:>11} {:>9}\n",
        "case", "engine", "points", "ms", "Mpts/s", "GB/s"
    );
    for r in &b.rows {
        s += &format!(
            "{:<11} {:<26} {:>11} {:>11.3} {:>11.1} {:>9.2}\n",
            r.case, r.engine, r.points, r.ms, r.mpts_per_s, r.gb_per_s
        );
    }
    s
}

/// The benchmark as the figure draws it.
#[cfg(feature = "plot")]
pub fn bench_plot(b: &Bench) -> crate::plot::ThroughputPlot {
    crate::plot::ThroughputPlot {
        adapter: b.adapter.clone(),
        cpu_threads: b.cpu_threads,
        copy_gb_per_s: b.copy_gb_per_s,
        rows: b
            .rows
            .iter()
            .map(|r| crate::plot::ThroughputPoint {
                case: r.case.clone(),
                engine: r.engine.clone(),
                points: r.points,
                mpts_per_s: r.mpts_per_s,
            })
            .collect(),
    }
}

/// The figure: throughput against points, log-log, one panel per case.
#[cfg(feature = "plot")]
pub fn bench_figure(
    b: &Bench,
    o: &crate::plot::FigureOptions,
) -> Result<crate::plot::canvas::Canvas> {
    crate::plot::bench_figure(&bench_plot(b), o)
}
