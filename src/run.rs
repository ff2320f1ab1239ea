//! One `field` run from request to report: an engine produces tiles; each tile is written to
//! the `.npy` files, compared with the float64 reference and dropped, so memory is bounded by
//! the tile size, not the grid. The report is what `--json` prints and `meta.json` holds.
//!
//! The check sees the engine's values as they are; what is written, returned and drawn has
//! its derived fields (finite differences, gradient) masked to NaN wherever f itself is not
//! finite (when f is among the fields), so that no figure draws a slope where the function
//! is undefined.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use crate::backend::{Backend, EngineUser, F64Fallback};
use crate::check::{CheckMode, Checker, FieldStats, Verdict};
use crate::engine::{DeviceInfo, DeviceKind, Engine, Real, Tile, TileView};
use crate::error::{Error, Result};
use crate::expr::Var;
use crate::grid::{Axis, Field, Precision};
use crate::output::{NpyWriter, OutputDir, write_text};
use crate::progress::Progress;
use crate::spec::FieldSpec;
use crate::tolerance::ErrorModel;

/// The grid as it appears in the report.
#[derive(Clone, Debug, Serialize)]
pub struct GridReport {
    /// x axis: min, max, n.
    pub x: AxisReport,
    /// y axis, on 2-D grids.
    pub y: Option<AxisReport>,
    /// Array shape: `[nx]` or `[ny, nx]`.
    pub shape: Vec<usize>,
}

/// One axis in the report.
#[derive(Clone, Debug, Serialize)]
pub struct AxisReport {
    /// First coordinate (of the full axis, for a window).
    pub min: f64,
    /// Last coordinate (of the full axis, for a window).
    pub max: f64,
    /// Number of points.
    pub n: usize,
    /// For a window of a larger axis: (index of its first point, points of the full axis).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<(usize, usize)>,
}

impl From<&Axis> for AxisReport {
    fn from(a: &Axis) -> AxisReport {
        AxisReport {
            min: a.min,
            max: a.max,
            n: a.n,
            window: (a.n != a.full_n).then_some((a.offset, a.full_n)),
        }
    }
}

/// Symbolic derivatives as text.
#[derive(Clone, Debug, Serialize)]
pub struct Derivatives {
    /// ∂f/∂x.
    pub x: String,
    /// ∂f/∂y, on 2-D grids.
    pub y: Option<String>,
}

/// Wall-clock and kernel times in milliseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    /// Computing the fields (GPU timestamps where available). In a full check on the CPU,
    /// where each run of points is checked on the thread that computed it, the tiles' wall
    /// time less `check`'s share of it.
    pub kernel: f64,
    /// Whether `kernel` comes from GPU timestamps.
    pub kernel_from_timestamps: bool,
    /// Results into host memory (GPU): waiting for the GPU, mapping, unmapping.
    pub readback: f64,
    /// Allocating the engine's buffers before the first tile (GPU).
    pub setup: f64,
    /// Computing the float64 reference and comparing. In a full check on the CPU (fused
    /// with the engine): the threads' time in the check divided by the threads, and each
    /// tile's merge.
    pub check: f64,
    /// Writing files.
    pub write: f64,
    /// The rest of the host's work per tile: masking values where f is undefined, samples
    /// for figures, handing tiles on.
    pub host: f64,
    /// Everything, end to end.
    pub total: f64,
}

/// The outcome of the check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// `full` or `sample=N`.
    pub mode: CheckMode,
    /// Points compared with the reference (every point in `full` mode; the stride's points,
    /// each tile's extremes and its non-finite values in `sample` mode).
    pub points_checked: u64,
    /// Whether no checked quantity failed or went unchecked (ill-conditioned points are
    /// reported, not failed).
    pub passed: bool,
    /// The tolerance rule applied.
    pub tolerance: String,
    /// One line per failing quantity.
    pub failures: Vec<String>,
}

/// What `field` reports (`--json`, `meta.json`).
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The expression as given.
    pub expression: String,
    /// The expression as parsed, printed back.
    pub parsed: String,
    /// Symbolic derivatives.
    pub derivatives: Derivatives,
    /// Cancelling forms rewritten into stable ones (in f and its derivatives), or `null`
    /// when rewriting was turned off.
    pub rewrites: Option<Vec<crate::expr::rewrite::Rewrite>>,
    /// The grid.
    pub grid: GridReport,
    /// Finite-difference step.
    pub h: f64,
    /// Finite-difference scheme.
    pub scheme: String,
    /// `f32` or `f64`.
    pub precision: String,
    /// f32 math library (`accurate` or `native`).
    pub math: String,
    /// GPU or CPU.
    pub device: DeviceKind,
    /// The device in detail.
    pub adapter: DeviceInfo,
    /// Number of grid points.
    pub points: usize,
    /// The arrays computed.
    pub fields: Vec<String>,
    /// Times in milliseconds.
    pub timings_ms: Timings,
    /// Error statistics by quantity (see [`crate::check`]).
    pub errors: BTreeMap<String, FieldStats>,
    /// Pass/fail of the check, when one ran.
    pub check: Option<CheckReport>,
    /// Files written.
    pub files: Vec<String>,
    /// Gradient-descent paths drawn over the figure, with their iterates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub descent: Option<Vec<crate::descent::DescentRun>>,
    /// Values kept for figures, when asked for.
    #[serde(skip)]
    pub samples: Option<Samples>,
}

/// Values kept for figures: the grid subsampled evenly to at most a given number of points per
/// axis (both ends included), for the engine's fields and, when the run checks, the reference's
/// f and exact derivatives (`ref_f`, `ref_grad_x`, `ref_grad_y`). Memory is bounded by the
/// sample, not the grid.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    /// Sampled column indices.
    pub cols: Vec<usize>,
    /// Sampled row indices (`[0]` on a 1-D grid).
    pub rows: Vec<usize>,
    /// x coordinates of the sampled columns (in the run's precision).
    pub xs: Vec<f64>,
    /// y coordinates of the sampled rows.
    pub ys: Vec<f64>,
    /// Values by name, row-major over (rows, cols).
    pub values: BTreeMap<String, Vec<f64>>,
}

/// Evenly spread indices 0 … n−1, at most `m` of them, both ends included.
fn spread(n: usize, m: usize) -> Vec<usize> {
    let m = m.clamp(2, n.max(2)).min(n);
    if m == n {
        return (0..n).collect();
    }
    (0..m)
        .map(|k| (k * (n - 1) + (m - 1) / 2) / (m - 1))
        .collect()
}

impl Samples {
    fn new(grid: &crate::grid::Grid, per_axis: usize, precision: Precision) -> Samples {
        let cols = spread(grid.x.n, per_axis);
        let rows = grid.y.map_or(vec![0], |y| spread(y.n, per_axis));
        Samples {
            xs: cols.iter().map(|&i| grid.x.coord(i, precision)).collect(),
            ys: grid.y.map_or(vec![0.0], |y| {
                rows.iter().map(|&j| y.coord(j, precision)).collect()
            }),
            cols,
            rows,
            values: BTreeMap::new(),
        }
    }

    /// Keeps the sampled points of an engine tile.
    fn add<T: Real>(&mut self, nx: usize, tile: &TileView<'_, T>) {
        let (start, end) = (tile.start, tile.start + tile.len);
        let count = self.cols.len() * self.rows.len();
        for f in Field::ALL {
            let vals = tile.values(f);
            if vals.is_empty() {
                continue;
            }
            let dst = self
                .values
                .entry(f.name().to_string())
                .or_insert_with(|| vec![f64::NAN; count]);
            for (ri, &row) in self.rows.iter().enumerate() {
                let row_start = row * nx;
                if row_start >= end || row_start + nx <= start {
                    continue;
                }
                for (ci, &col) in self.cols.iter().enumerate() {
                    let k = row_start + col;
                    if (start..end).contains(&k) {
                        dst[ri * self.cols.len() + ci] = vals[k - start].to_f64();
                    }
                }
            }
        }
    }

    /// Adds the reference's f and exact derivatives at the sampled points (`ref_f`,
    /// `ref_grad_x`, `ref_grad_y`).
    fn add_reference(&mut self, nx: usize, checker: &Checker) {
        let indices: Vec<usize> = self
            .rows
            .iter()
            .flat_map(|&r| self.cols.iter().map(move |&c| r * nx + c))
            .collect();
        let [f, gx, gy] = checker.reference_at(&indices);
        for (name, v) in [("ref_f", f), ("ref_grad_x", gx), ("ref_grad_y", gy)] {
            if !v.is_empty() {
                self.values.insert(name.to_string(), v);
            }
        }
    }

    /// A named quantity as a lattice for plotting.
    #[cfg(feature = "plot")]
    pub fn lattice(&self, name: &str) -> Option<crate::plot::Lattice> {
        self.values.get(name).map(|v| crate::plot::Lattice {
            xs: self.xs.clone(),
            ys: self.ys.clone(),
            v: v.clone(),
        })
    }

    /// A named quantity (row-major), if kept.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.values.get(name).map(|v| v.as_slice())
    }
}

/// Options of a run beyond the spec.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Write `.npy` files and `meta.json` into this folder, committed whole at the end (see
    /// [`crate::output`]): absent, or holding only what a run of gradfield writes.
    pub out_dir: Option<PathBuf>,
    /// How much to compare with the float64 reference.
    pub check: CheckMode,
    /// Points per tile (memory per tile ≈ points × fields × bytes); `None`: the engine's
    /// choice (the GPU's memory budget, or [`crate::cpu::CPU_TILE_POINTS`]).
    pub tile_points: Option<usize>,
    /// Keep an evenly spread sample of at most this many points per axis for figures.
    pub sample_per_axis: Option<usize>,
    /// Progress bars (none by default).
    pub progress: Progress,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            out_dir: None,
            check: CheckMode::Full,
            tile_points: None,
            sample_per_axis: None,
            progress: Progress::hidden(),
        }
    }
}

impl RunOptions {
    /// Checks the options before any work.
    pub fn validate(&self) -> Result<()> {
        if self.tile_points == Some(0) {
            return Err(Error::input("--tile-points must be at least 1"));
        }
        Ok(())
    }
}

/// Runs a request on `backend` (refusing f64 where its GPU lacks it): tiles → files and
/// check → report.
pub fn run_field(backend: &Backend, spec: &FieldSpec, opts: &RunOptions) -> Result<Report> {
    run_field_with(backend, spec, opts, F64Fallback::Refuse)
}

/// As [`run_field`], with the precision fallback given (f64 on the CPU where the GPU lacks
/// it, for commands that say so in their labels).
pub fn run_field_with(
    backend: &Backend,
    spec: &FieldSpec,
    opts: &RunOptions,
    fallback: F64Fallback,
) -> Result<Report> {
    let (report, out) = run_field_staged(backend, spec, opts, fallback)?;
    commit(out)?;
    Ok(report)
}

/// As [`run_field_with`], leaving the output folder staged: the caller adds what belongs to
/// the set (a figure) and commits it whole with [`OutputDir::commit`], or drops it to leave
/// the target as it was.
pub fn run_field_staged(
    backend: &Backend,
    spec: &FieldSpec,
    opts: &RunOptions,
    fallback: F64Fallback,
) -> Result<(Report, Option<OutputDir>)> {
    struct Field<'a> {
        spec: &'a FieldSpec,
        opts: &'a RunOptions,
    }
    impl EngineUser for Field<'_> {
        type Output = (Report, Option<OutputDir>);
        fn run<T: Real>(
            self,
            engine: &mut dyn Engine<T>,
            model: ErrorModel,
        ) -> Result<Self::Output> {
            run_staged(engine, self.spec, model, self.opts, &mut |_| Ok(()))
        }
    }
    backend.with_engine(spec, opts.tile_points, fallback, Field { spec, opts })
}

fn commit(out: Option<OutputDir>) -> Result<()> {
    match out {
        Some(d) => d.commit(),
        None => Ok(()),
    }
}

/// Whether a file name is one a run of gradfield writes into an output folder (the arrays,
/// `meta.json`, figures): a folder holding only these may be replaced by a new run.
pub fn is_run_output(name: &str) -> bool {
    let array = name.strip_suffix(".npy").is_some_and(|stem| {
        stem == "x" || stem == "y" || Field::ALL.iter().any(|f| f.name() == stem)
    });
    array || name == "meta.json" || [".png", ".svg", ".pdf"].iter().any(|e| name.ends_with(e))
}

/// Runs a request on any engine: tiles → files and check → report.
pub fn run_with<T: Real>(
    engine: &mut dyn Engine<T>,
    spec: &FieldSpec,
    model: ErrorModel,
    opts: &RunOptions,
) -> Result<Report> {
    run_with_tiles(engine, spec, model, opts, &mut |_| Ok(()))
}

/// As [`run_with`], handing every tile also to `consumer` (after it is written and checked,
/// with derived fields masked where f is not finite), for callers that keep the values.
pub fn run_with_tiles<T: Real>(
    engine: &mut dyn Engine<T>,
    spec: &FieldSpec,
    model: ErrorModel,
    opts: &RunOptions,
    consumer: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
) -> Result<Report> {
    let (report, out) = run_staged(engine, spec, model, opts, consumer)?;
    commit(out)?;
    Ok(report)
}

/// As [`run_with_tiles`], leaving the output folder staged (see [`run_field_staged`]).
/// Everything is validated before the first tile: the spec in its precision, the options,
/// the output folder (whose lock is taken here).
pub fn run_staged<T: Real>(
    engine: &mut dyn Engine<T>,
    spec: &FieldSpec,
    model: ErrorModel,
    opts: &RunOptions,
    consumer: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
) -> Result<(Report, Option<OutputDir>)> {
    let started = Instant::now();
    spec.validate()?;
    opts.validate()?;
    let fields = spec.field_list();
    let grid = spec.grid;
    let device = engine.device();
    let mut checker =
        (opts.check != CheckMode::None).then(|| Checker::new(spec, model, device.kind, opts.check));
    let mut files = Vec::new();
    let mut writers: Vec<(Field, NpyWriter)> = Vec::new();
    let mut write_ms = 0.0;
    let out = match &opts.out_dir {
        Some(dir) => Some(OutputDir::begin(dir, &is_run_output)?),
        None => None,
    };
    if let Some(out) = &out {
        let t0 = Instant::now();
        write_coords(out, "x", &grid.x, T::PRECISION, &mut files)?;
        if let Some(y) = &grid.y {
            write_coords(out, "y", y, T::PRECISION, &mut files)?;
        }
        for &f in &fields {
            let name = format!("{}.npy", f.name());
            writers.push((
                f,
                NpyWriter::create(&out.path(&name), T::PRECISION, &grid.shape())?,
            ));
            files.push(out.target().join(name).display().to_string());
        }
        write_ms += t0.elapsed().as_secs_f64() * 1e3;
    }
    let mut host_ms = 0.0;
    let mut samples = opts
        .sample_per_axis
        .map(|m| Samples::new(&grid, m, T::PRECISION));
    let bar = opts.progress.bar(grid.len() as u64, "points");
    let mut masked = Tile::<T>::default();
    // The check runs before the sink sees a tile (in the CPU engine, where each run of points
    // was computed).
    let (times, check_ms) =
        engine.run_checked(opts.tile_points, checker.as_mut(), &mut |tile| {
            crate::interrupt::check()?;
            let t0 = Instant::now();
            let tile = if mask_undefined(tile, &mut masked) {
                masked.view()
            } else {
                *tile
            };
            host_ms += t0.elapsed().as_secs_f64() * 1e3;
            let t0 = Instant::now();
            for (f, w) in writers.iter_mut() {
                w.write(tile.values(*f))?;
            }
            write_ms += t0.elapsed().as_secs_f64() * 1e3;
            let t0 = Instant::now();
            if let Some(s) = samples.as_mut() {
                s.add(grid.x.n, &tile);
            }
            consumer(&tile)?;
            bar.inc(tile.len as u64);
            host_ms += t0.elapsed().as_secs_f64() * 1e3;
            Ok(())
        })?;
    bar.finish();
    let t0 = Instant::now();
    for (_, w) in writers {
        w.finish()?;
    }
    write_ms += t0.elapsed().as_secs_f64() * 1e3;
    let errors: BTreeMap<String, FieldStats> = checker
        .as_ref()
        .map(|c| {
            c.results()
                .into_iter()
                .map(|(k, s)| (k.to_string(), s.clone()))
                .collect()
        })
        .unwrap_or_default();
    if let (Some(s), Some(c)) = (samples.as_mut(), checker.as_ref())
        && !grid.is_2d()
    {
        // Curves draw the exact derivative beside the engine's: the reference at the sample.
        s.add_reference(grid.x.n, c);
    }
    let check = checker.as_ref().map(|c| CheckReport {
        mode: c.mode(),
        points_checked: c.points_checked(),
        passed: c.passed(),
        tolerance: format!(
            "|value - reference| <= {} x running error bound ({:?} model, {}); pass also \
             needs that tolerance within {} ulps of the value's scale",
            crate::tolerance::SAFETY,
            c.model().library,
            c.model().precision,
            crate::tolerance::ILL_CONDITIONED_ULPS
        ),
        failures: c.failure_lines(),
    });
    let mut report = Report {
        expression: spec.source.clone(),
        parsed: spec.expr.to_string(),
        derivatives: Derivatives {
            x: spec.derivative_text(Var::X),
            y: grid.is_2d().then(|| spec.derivative_text(Var::Y)),
        },
        rewrites: spec.rewrite.then(|| spec.rewrites.clone()),
        grid: GridReport {
            x: (&grid.x).into(),
            y: grid.y.as_ref().map(AxisReport::from),
            shape: grid.shape(),
        },
        h: spec.h,
        scheme: spec.scheme.name().into(),
        precision: T::PRECISION.name().into(),
        math: spec.math.name().into(),
        device: device.kind,
        adapter: device,
        points: grid.len(),
        fields: fields.iter().map(|f| f.name().to_string()).collect(),
        timings_ms: Timings {
            kernel: times.kernel,
            kernel_from_timestamps: times.kernel_from_timestamps,
            readback: times.readback,
            setup: times.setup,
            check: check_ms,
            write: write_ms,
            host: host_ms,
            total: 0.0,
        },
        errors,
        check,
        files: files.clone(),
        descent: None,
        samples: None,
    };
    if let Some(out) = &out {
        report
            .files
            .push(out.target().join("meta.json").display().to_string());
        report.timings_ms.total = started.elapsed().as_secs_f64() * 1e3;
        let text = serde_json::to_string_pretty(&report).expect("a report serialises");
        write_text(&out.path("meta.json"), &(text + "\n"))?;
    }
    report.timings_ms.total = started.elapsed().as_secs_f64() * 1e3;
    report.samples = samples;
    Ok((report, out))
}

/// Copies `tile` into `masked` with its derived fields set to NaN where f is not finite, if
/// f was computed and is somewhere not finite; returns whether it did.
fn mask_undefined<T: Real>(tile: &TileView<'_, T>, masked: &mut Tile<T>) -> bool {
    let f = tile.values(Field::F);
    if all_finite(f) {
        return false;
    }
    masked.start = tile.start;
    masked.len = tile.len;
    for (dst, src) in masked.values.iter_mut().zip(tile.values) {
        dst.clear();
        dst.extend_from_slice(src);
    }
    let nan = T::from_f64(f64::NAN);
    for (i, v) in f.iter().enumerate() {
        if !v.is_finite() {
            for d in masked.values.iter_mut().skip(1) {
                if let Some(x) = d.get_mut(i) {
                    *x = nan;
                }
            }
        }
    }
    true
}

/// Whether every value is finite: the check's vectorised test, chunks in parallel (a GPU
/// tile holds millions of values).
fn all_finite<T: Real>(values: &[T]) -> bool {
    use rayon::prelude::*;
    values.par_chunks(1 << 16).all(crate::check::all_finite)
}

fn write_coords(
    out: &OutputDir,
    name: &str,
    axis: &Axis,
    precision: Precision,
    files: &mut Vec<String>,
) -> Result<()> {
    let file = format!("{name}.npy");
    let mut w = NpyWriter::create(&out.path(&file), precision, &[axis.n])?;
    w.write_f64(&axis.coords(precision))?;
    w.finish()?;
    files.push(out.target().join(file).display().to_string());
    Ok(())
}

impl Report {
    /// The human-readable summary printed on stderr.
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "f(x{}) = {}",
            if self.grid.y.is_some() { ", y" } else { "" },
            self.parsed
        );
        if let Some(r) = self.rewrites.as_ref().filter(|r| !r.is_empty()) {
            let rules: Vec<&str> = r.iter().map(|r| r.rule).collect();
            let _ = writeln!(
                s,
                "  (rewritten for accuracy: {}; --no-rewrite keeps the formula)",
                rules.join("; ")
            );
        }
        let _ = writeln!(s, "  ∂f/∂x = {}", self.derivatives.x);
        if let Some(y) = &self.derivatives.y {
            let _ = writeln!(s, "  ∂f/∂y = {y}");
        }
        let shape: Vec<String> = self.grid.shape.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(
            s,
            "  grid {} ({} points), {} differences with h = {}, {} ({} math) on {} {}",
            shape.join(" × "),
            self.points,
            self.scheme,
            self.h,
            self.precision,
            self.math,
            self.adapter.kind,
            self.adapter.name
        );
        if !self.errors.is_empty() {
            let _ = writeln!(
                s,
                "  {:<15} {:>11} {:>11} {:>14} {:>9} {:>11}  check",
                "quantity", "max |err|", "max rel", "at", "nonfinite", "worst/tol"
            );
            for (k, e) in &self.errors {
                let at = format!("{:?}", e.at);
                let verdict = match e.verdict {
                    Verdict::Fail => format!("FAIL ({} points)", e.failures),
                    Verdict::IllConditioned => {
                        let truth = if e.escalated > 0 {
                            format!(
                                "; {} checked against a truth, {} right after all, the rest off by up to {:.1e} relative",
                                e.escalated, e.resolved, e.ill_max_rel_to_truth
                            )
                        } else {
                            String::new()
                        };
                        format!(
                            "ill-conditioned ({} of {} points{truth})",
                            e.ill_conditioned, e.compared
                        )
                    }
                    v => v.word().to_string(),
                };
                let ratio = if e.checked {
                    format!("{:.3}", e.worst_ratio)
                } else {
                    "-".into()
                };
                let _ = writeln!(
                    s,
                    "  {k:<15} {:>11.3e} {:>11.3e} {at:>14} {:>9} {ratio:>11}  {verdict}",
                    e.max_abs, e.max_rel, e.nonfinite
                );
            }
        }
        let t = &self.timings_ms;
        let _ = writeln!(
            s,
            "  time: kernel {:.3} ms{}, readback {:.3} ms, setup {:.1} ms, check {:.1} ms, write {:.1} ms, \
             other host work {:.1} ms, total {:.1} ms",
            t.kernel,
            if t.kernel_from_timestamps {
                " (GPU timestamps)"
            } else {
                ""
            },
            t.readback,
            t.setup,
            t.check,
            t.write,
            t.host,
            t.total
        );
        if let Some(c) = &self.check {
            if let CheckMode::Sample { .. } = c.mode {
                let _ = writeln!(
                    s,
                    "  check on a sample ({}): {} of {} points compared",
                    c.mode.name(),
                    c.points_checked,
                    self.points
                );
            }
            let independent = self
                .errors
                .values()
                .any(|e| !matches!(e.verdict, Verdict::Reference | Verdict::Reported));
            if c.passed && !independent {
                let _ = writeln!(
                    s,
                    "  check: nothing independent to compare (the CPU engine in f64 performs the \
                     reference's own operations); see `gradfield check` for the engine's tests"
                );
            } else if c.passed {
                let _ = writeln!(s, "  check passed: {}", c.tolerance);
            } else {
                let _ = writeln!(s, "  CHECK FAILED ({})", c.tolerance);
                for line in &c.failures {
                    let _ = writeln!(s, "    {line}");
                }
            }
        }
        if !self.files.is_empty() {
            let _ = writeln!(
                s,
                "  wrote {} files: {}",
                self.files.len(),
                self.files.join(", ")
            );
        }
        s
    }
}
