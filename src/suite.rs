//! The `check` suite: every library function on its usual domain (1-D functions on lines,
//! 2-D ones on planes), every scheme, in each requested precision and math mode, run on the
//! GPU (or the CPU) and compared point by point with the float64 reference.
//!
//! ```no_run
//! use gradfield::backend::{Backend, BackendRequest};
//! use gradfield::suite::{SuiteOptions, run_suite};
//! use gradfield::progress::Progress;
//! let gpu = Backend::open(&BackendRequest::gpu())?;
//! let rows = run_suite(&SuiteOptions::default(), &gpu, &Progress::hidden())?;
//! assert!(rows.iter().all(|r| r.passed));
//! # Ok::<(), gradfield::Error>(())
//! ```

use serde::Serialize;

use crate::backend::{Backend, F64Fallback};
use crate::error::Result;
use crate::grid::{Axis, Grid, MathMode, Precision, Scheme};
use crate::library::LIBRARY;
use crate::progress::Progress;
use crate::run::{Report, RunOptions, run_field};
use crate::spec::{DEFAULT_H, FieldSpec};

/// Besides the library, the suite checks where accuracy is hard: large arguments of sin,
/// cos and tan (the Payne–Hanek reduction), a power over a wide range, and formulas that
/// cancel (which the stable rewrites fix, or the check reports as ill-conditioned).
pub const ACCURACY_CASES: &[(&str, f64, f64)] = &[
    ("sin(x)", -1e30, 1e30),
    ("cos(x)", 1e5, 1e9),
    ("tan(x)", 1e6, 1e20),
    ("x^2.5", 1e6, 1e15),
    ("(exp(x) - 1)/x", -1e-3, 1e-3),
    ("sqrt(x^2 + 1) - x", 1e3, 1e8),
    ("log(1 + x)/x", -1e-4, 1e-4),
    ("1 - cos(x)", -1e-3, 1e-3),
];

/// What the suite runs.
#[derive(Clone, Debug)]
pub struct SuiteOptions {
    /// Expressions to check (library names or formulas); all library functions when empty.
    pub functions: Vec<String>,
    /// A grid for all of them instead of each function's domain (needed for formulas).
    pub grid: Option<Grid>,
    /// Schemes.
    pub schemes: Vec<Scheme>,
    /// (precision, math mode) pairs.
    pub modes: Vec<(Precision, MathMode)>,
    /// Finite-difference step.
    pub h: f64,
    /// Points along each axis of a 1-D grid.
    pub n_1d: usize,
    /// Points along each axis of a 2-D grid.
    pub n_2d: usize,
}

impl Default for SuiteOptions {
    fn default() -> SuiteOptions {
        SuiteOptions {
            functions: Vec::new(),
            grid: None,
            schemes: Scheme::ALL.to_vec(),
            modes: vec![
                (Precision::F32, MathMode::Accurate),
                (Precision::F32, MathMode::Native),
                (Precision::F64, MathMode::Accurate),
            ],
            h: DEFAULT_H,
            n_1d: 4097,
            n_2d: 129,
        }
    }
}

/// One quantity of one run.
#[derive(Clone, Debug, Serialize)]
pub struct SuiteRow {
    /// Function (library name or formula).
    pub function: String,
    /// `f32 accurate`, `f32 native`, `f64`.
    pub mode: String,
    /// Finite-difference scheme.
    pub scheme: String,
    /// `f`, `grad_x`, `fd_x_roundoff`, …
    pub quantity: String,
    /// Largest absolute error.
    pub max_abs: f64,
    /// Where: `[i]` or `[j, i]`.
    pub at: Vec<usize>,
    /// Tolerance at the worst point (error/tolerance is largest there).
    pub tolerance: f64,
    /// Largest error/tolerance ratio (≤ 1 passes).
    pub worst_ratio: f64,
    /// The verdict: pass, ill-conditioned, fail, not checked, reference.
    pub verdict: crate::check::Verdict,
    /// Points at which the tolerance could not vouch for the value (after the truth given
    /// to some of them).
    pub ill_conditioned: u64,
    /// Whether no point failed.
    pub passed: bool,
}

/// The (precision, math) pairs to check for the given precisions and f32 math libraries:
/// each f32 library, and f64 once (it has one library).
///
/// ```
/// use gradfield::grid::{MathMode, Precision};
/// let m = gradfield::suite::modes(&[Precision::F32, Precision::F64], &[MathMode::Accurate, MathMode::Native]);
/// assert_eq!(m.len(), 3);
/// ```
pub fn modes(precisions: &[Precision], maths: &[MathMode]) -> Vec<(Precision, MathMode)> {
    let mut modes = Vec::new();
    for &p in precisions {
        match p {
            Precision::F32 => modes.extend(maths.iter().map(|&m| (p, m))),
            Precision::F64 => modes.push((p, MathMode::Accurate)),
        }
    }
    modes
}

fn mode_name(p: Precision, m: MathMode) -> String {
    match p {
        Precision::F32 => format!("f32 {m}"),
        Precision::F64 => "f64".into(),
    }
}

/// Runs the suite; rows for every checked quantity (the total finite-difference errors,
/// which have no tolerance, are left out).
pub fn run_suite(
    opts: &SuiteOptions,
    backend: &Backend,
    progress: &Progress,
) -> Result<Vec<SuiteRow>> {
    run_suite_with_notes(opts, backend, progress).map(|(rows, _)| rows)
}

/// As [`run_suite`], with notes on what was skipped and why (f64 on an adapter without it).
pub fn run_suite_with_notes(
    opts: &SuiteOptions,
    backend: &Backend,
    progress: &Progress,
) -> Result<(Vec<SuiteRow>, Vec<String>)> {
    let mut notes = Vec::new();
    // Each function with its own grid when given one (the accuracy cases).
    let cases: Vec<(String, Option<Grid>)> = if opts.functions.is_empty() {
        let mut all: Vec<(String, Option<Grid>)> =
            LIBRARY.iter().map(|f| (f.name.to_string(), None)).collect();
        for &(src, a, b) in ACCURACY_CASES {
            all.push((src.to_string(), Some(Grid::line(Axis::x(a, b, opts.n_1d)?))));
        }
        all
    } else {
        opts.functions.iter().map(|f| (f.clone(), None)).collect()
    };
    let mut specs = Vec::new();
    for (name, own_grid) in &cases {
        let grid = match (opts.grid.or(*own_grid), crate::library::lookup(name)) {
            (Some(g), _) => g,
            (None, Some(f)) => match f.y {
                Some((c, d)) => {
                    Grid::plane(Axis::x(f.x.0, f.x.1, opts.n_2d)?, Axis::y(c, d, opts.n_2d)?)?
                }
                None => Grid::line(Axis::x(f.x.0, f.x.1, opts.n_1d)?),
            },
            (None, None) => {
                return Err(crate::Error::input(format!(
                    "`{name}` is not a library function; give a grid (--x, --nx, …) to check it"
                )));
            }
        };
        for &(precision, math) in &opts.modes {
            // The suite checks the device it was given: a precision that device cannot run is
            // skipped (with a note), never moved to another device.
            if let Err(e) = backend.place(precision, F64Fallback::Refuse) {
                let note = format!("{precision} skipped: {e}");
                if !notes.contains(&note) {
                    notes.push(note);
                }
                continue;
            }
            for (k, &scheme) in opts.schemes.iter().enumerate() {
                let spec = FieldSpec::new(name, grid)?
                    .with_h(opts.h)?
                    .with_scheme(scheme)
                    .with_precision(precision)
                    .with_math(math);
                if spec.validate().is_ok() {
                    specs.push(spec);
                    continue;
                }
                // No finite difference can be formed at this scale (x + h rounds to x): f and
                // the gradient are checked, once.
                let spec = spec.with_fields(crate::grid::Fields {
                    f: true,
                    fd: false,
                    grad: true,
                })?;
                spec.validate()?;
                let note = format!(
                    "{name} in {precision}: f and gradient only (h = {} vanishes beside x there)",
                    opts.h
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                if k == 0 {
                    specs.push(spec);
                }
            }
        }
    }
    let bar = progress.bar(specs.len() as u64, "runs");
    let run_opts = RunOptions::default();
    let mut rows = Vec::new();
    for spec in &specs {
        crate::interrupt::check()?;
        bar.message(format!("{} {}", spec.source, spec.scheme));
        let report: Report = run_field(backend, spec, &run_opts)?;
        for (quantity, e) in &report.errors {
            if !e.checked && e.verdict != crate::check::Verdict::Reference {
                continue;
            }
            rows.push(SuiteRow {
                function: spec.source.clone(),
                mode: mode_name(spec.precision, spec.math),
                scheme: spec.scheme.name().into(),
                quantity: quantity.clone(),
                max_abs: e.max_abs,
                at: e.at.clone(),
                tolerance: e.worst_tol,
                worst_ratio: e.worst_ratio,
                verdict: e.verdict,
                ill_conditioned: e.ill_conditioned,
                passed: e.passed(),
            });
        }
        bar.inc(1);
    }
    bar.finish();
    Ok((rows, notes))
}

/// The suite as a table: function, mode, scheme, quantity, max error, where, tolerance, pass.
pub fn table(rows: &[SuiteRow]) -> String {
    let mut s = format!(
        "{:<17} {:<13} {:<10} {:<14} {:>10} {:>12} {:>10} {:>9}  {}\n",
        "function",
        "mode",
        "scheme",
        "quantity",
        "max |err|",
        "at",
        "tolerance",
        "err/tol",
        "verdict"
    );
    for r in rows {
        s += &format!(
            "{:<17} {:<13} {:<10} {:<14} {:>10.2e} {:>12} {:>10.2e} {:>9.3}  {}\n",
            r.function,
            r.mode,
            r.scheme,
            r.quantity,
            r.max_abs,
            format!("{:?}", r.at),
            r.tolerance,
            r.worst_ratio,
            match r.verdict {
                crate::check::Verdict::IllConditioned =>
                    format!("ill-conditioned ({})", r.ill_conditioned),
                v => v.word().to_string(),
            }
        );
    }
    let failed = rows.iter().filter(|r| !r.passed).count();
    let ill = rows
        .iter()
        .filter(|r| r.verdict == crate::check::Verdict::IllConditioned)
        .count();
    s += &format!(
        "{} quantities checked, {} failed, {} ill-conditioned somewhere\n",
        rows.len(),
        failed,
        ill
    );
    s
}
