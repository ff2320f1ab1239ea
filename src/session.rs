//! The library's front door: open a [`Session`] on a device once, then ask it for fields
//! (every array back in memory, checked), or stream large grids to files, sweeps, the check
//! suite and benchmarks. The command line is one caller of this; Rust programs and the
//! Python package are others.
//!
//! ```
//! use gradfield::{grid::{Axis, Field, Grid}, session::Session, spec::FieldSpec};
//! let session = Session::cpu(); // or Session::gpu()? for the best GPU adapter
//! let spec = FieldSpec::new("sin(x)", Grid::line(Axis::x(-3.0, 3.0, 1001)?))?;
//! let out = session.field(&spec)?;
//! assert!(out.report.check.as_ref().unwrap().passed);
//! assert!((out.values(Field::GradX).unwrap().get(500).unwrap() - 1.0).abs() < 1e-6);
//! # Ok::<(), gradfield::Error>(())
//! ```

use crate::backend::{Backend, BackendRequest, EngineUser, F64Fallback};
use crate::bench::{Bench, BenchOptions, run_bench};
use crate::engine::{Engine, Real, Values};
use crate::error::Result;
use crate::grid::{Field, Grid};
use crate::output::OutputDir;
use crate::progress::Progress;
use crate::run::{Report, RunOptions, run_field, run_field_staged, run_with_tiles};
use crate::spec::FieldSpec;
use crate::suite::{SuiteOptions, SuiteRow, run_suite_with_notes};
use crate::sweep::{Sweep, SweepOptions, run_sweep};
use crate::tolerance::ErrorModel;

/// A device opened once, and what to show while working.
pub struct Session {
    backend: Backend,
    progress: Progress,
}

/// A computed field: the run's report (errors, check, timings) and every array in memory.
#[derive(Clone, Debug)]
pub struct FieldResult {
    /// What `--json` prints and `meta.json` holds.
    pub report: Report,
    /// x coordinates, in the run's precision.
    pub x: Values,
    /// y coordinates, on 2-D grids.
    pub y: Option<Values>,
    /// The fields by [`Field::index`]; `None` where not computed. 2-D arrays are row-major
    /// with shape `(ny, nx)`.
    pub fields: [Option<Values>; 5],
}

impl FieldResult {
    /// One field's values, if computed.
    pub fn values(&self, f: Field) -> Option<&Values> {
        self.fields[f.index()].as_ref()
    }
}

impl Session {
    /// Opens what `request` asks for.
    pub fn new(request: &BackendRequest) -> Result<Session> {
        Ok(Session::on(Backend::open(request)?))
    }

    /// The best GPU adapter (an error if there is none).
    pub fn gpu() -> Result<Session> {
        Session::new(&BackendRequest::gpu())
    }

    /// The CPU engine.
    pub fn cpu() -> Session {
        Session::on(Backend::cpu())
    }

    /// A session on an open backend.
    pub fn on(backend: Backend) -> Session {
        Session {
            backend,
            progress: Progress::hidden(),
        }
    }

    /// Shows progress bars as `progress` says (none by default).
    pub fn with_progress(mut self, progress: Progress) -> Session {
        self.progress = progress;
        self
    }

    /// The device.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Computes and checks `spec`'s fields and returns every array in memory (for grids that
    /// fit; stream larger ones with [`Session::run`] and `out_dir`).
    pub fn field(&self, spec: &FieldSpec) -> Result<FieldResult> {
        let opts = RunOptions {
            progress: self.progress,
            ..RunOptions::default()
        };
        self.field_with(spec, &opts)
    }

    /// As [`Session::field`] with options (check, files, tile size, samples).
    pub fn field_with(&self, spec: &FieldSpec, opts: &RunOptions) -> Result<FieldResult> {
        check_memory(spec)?;
        struct Collect<'a> {
            spec: &'a FieldSpec,
            opts: &'a RunOptions,
        }
        impl EngineUser for Collect<'_> {
            type Output = (Report, [Option<Values>; 5]);
            fn run<T: Real>(
                self,
                engine: &mut dyn Engine<T>,
                model: ErrorModel,
            ) -> Result<Self::Output> {
                let n = self.spec.grid.len();
                let mut arrays: [Vec<T>; 5] = Default::default();
                let wanted = self.spec.field_list();
                for f in &wanted {
                    arrays[f.index()] = crate::cpu::zeroed(n);
                }
                let report = run_with_tiles(engine, self.spec, model, self.opts, &mut |t| {
                    for f in &wanted {
                        arrays[f.index()][t.start..t.start + t.len].copy_from_slice(t.values(*f));
                    }
                    Ok(())
                })?;
                let mut k = 0;
                let fields = arrays.map(|v| {
                    let f = Field::ALL[k];
                    k += 1;
                    wanted.contains(&f).then(|| T::into_values(v))
                });
                Ok((report, fields))
            }
        }
        let (report, fields) = self.backend.with_engine(
            spec,
            opts.tile_points,
            F64Fallback::Refuse,
            Collect { spec, opts },
        )?;
        let coords = |axis: &crate::grid::Axis| {
            let c = axis.coords(spec.precision);
            Values::from_f64(c, spec.precision)
        };
        Ok(FieldResult {
            report,
            x: coords(&spec.grid.x),
            y: spec.grid.y.as_ref().map(coords),
            fields,
        })
    }

    /// Computes and checks `spec`, streaming tiles into files (`opts.out_dir`) and a sample
    /// for figures; memory stays bounded by the tile size.
    pub fn run(&self, spec: &FieldSpec, opts: &RunOptions) -> Result<Report> {
        run_field(&self.backend, spec, opts)
    }

    /// As [`Session::run`], leaving `opts.out_dir` staged and uncommitted, so that a caller
    /// can add files that belong to the set (a figure) and commit it whole with
    /// [`OutputDir::commit`]; dropped, it leaves the target as it was.
    pub fn run_staged(
        &self,
        spec: &FieldSpec,
        opts: &RunOptions,
    ) -> Result<(Report, Option<OutputDir>)> {
        run_field_staged(&self.backend, spec, opts, F64Fallback::Refuse)
    }

    /// The step-size sweep of `source` over `grid`.
    pub fn sweep(&self, source: &str, grid: Grid, opts: &SweepOptions) -> Result<Sweep> {
        run_sweep(source, grid, opts, &self.backend, &self.progress)
    }

    /// The check suite on this device, with notes on what it skipped.
    pub fn check_suite(&self, opts: &SuiteOptions) -> Result<(Vec<SuiteRow>, Vec<String>)> {
        run_suite_with_notes(opts, &self.backend, &self.progress)
    }

    /// The benchmark on this device and the CPU.
    pub fn bench(&self, opts: &BenchOptions) -> Result<Bench> {
        run_bench(opts, &self.backend, &self.progress)
    }
}

/// Refuses, before any work, a grid whose arrays would not fit in the memory this machine has
/// available (Linux; elsewhere the allocation decides).
fn check_memory(spec: &FieldSpec) -> Result<()> {
    let n = spec.grid.len() as u64;
    let axes = spec.grid.x.n as u64 + spec.grid.y.map_or(0, |y| y.n as u64);
    let need = (n * spec.field_list().len() as u64 + axes) * spec.precision.bytes() as u64;
    match available_memory() {
        Some(have) if need > have => Err(crate::Error::input(format!(
            "the arrays of this grid need {:.1} GiB and {:.1} GiB is available; stream it to \
             files instead (RunOptions::out_dir, or `gradfield field --out-dir`)",
            need as f64 / (1u64 << 30) as f64,
            have as f64 / (1u64 << 30) as f64
        ))),
        _ => Ok(()),
    }
}

/// MemAvailable from /proc/meminfo, in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
