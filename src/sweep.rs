//! The step-size sweep (the article's Exercise 1, made quantitative): the largest error of
//! each finite-difference scheme against the float64 analytic derivative for every h on a
//! log grid, in each precision, beside the error model E(h) ≈ C1·h^p + C2·ε/h.
//!
//! On the GPU all (h, point) pairs run in one dispatch per precision and the maximum per h
//! is reduced there ([`crate::gpu::GpuContext::sweep_max_errors`]); a precision the GPU lacks
//! runs on the CPU engine, and each curve says where it ran.

use serde::Serialize;

use crate::backend::{Backend, EngineUser, F64Fallback, Place};
use crate::engine::{Engine, Real};
use crate::error::{Error, Result, num};
use crate::expr::{Program, Var};
use crate::grid::{Field, Fields, Grid, MathMode, Precision, Scheme};
use crate::progress::{Bar, Progress};
use crate::spec::FieldSpec;

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Smallest step.
    pub h_min: f64,
    /// Largest step.
    pub h_max: f64,
    /// Steps, log-spaced from `h_min` to `h_max`.
    pub steps: usize,
    /// Schemes.
    pub schemes: Vec<Scheme>,
    /// Precisions.
    pub precisions: Vec<Precision>,
    /// f32 math library.
    pub math: MathMode,
}

impl Default for SweepOptions {
    fn default() -> SweepOptions {
        SweepOptions {
            h_min: 1e-10,
            h_max: 1.0,
            steps: 41,
            schemes: vec![Scheme::Forward, Scheme::Central, Scheme::FivePoint],
            precisions: vec![Precision::F32, Precision::F64],
            math: MathMode::Accurate,
        }
    }
}

/// One scheme in one precision.
#[derive(Clone, Debug, Serialize)]
pub struct SweepCurve {
    /// Scheme name.
    pub scheme: String,
    /// `f32` or `f64`.
    pub precision: String,
    /// Truncation order p.
    pub order: i32,
    /// The steps.
    pub h: Vec<f64>,
    /// Largest |finite difference − exact derivative| over the grid, per step.
    pub max_abs_err: Vec<f64>,
    /// The step with the smallest finite error (the first of equals; NaN where none is
    /// finite).
    pub best_h: f64,
    /// That error: 0 where the difference is exact there (a constant f).
    pub best_err: f64,
    /// The error model's prediction at each step, C1·h^p + R/h (NaN where there is no model).
    pub theory: Vec<f64>,
    /// Where the model puts the optimum: (R / (p·C1))^(1/(p+1)); NaN without truncation
    /// (C1 = 0: round-off alone, which only falls as h grows).
    pub theory_best_h: f64,
    /// The model's error there.
    pub theory_best_err: f64,
    /// Where it was computed: `gpu: <adapter>` or `cpu` (with the reason when a GPU was open).
    pub device: String,
}

/// A whole sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// The expression.
    pub expression: String,
    /// Points in the grid.
    pub points: usize,
    /// One curve per scheme × precision.
    pub curves: Vec<SweepCurve>,
}

/// Log-spaced steps from `lo` to `hi`.
pub fn log_steps(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..n)
        .map(|k| 10f64.powf(a + (b - a) * k as f64 / (n - 1).max(1) as f64))
        .collect()
}

fn check_options(opts: &SweepOptions) -> Result<()> {
    let ok = |h: f64| h.is_finite() && h > 0.0;
    if !ok(opts.h_min) || !ok(opts.h_max) || opts.h_min >= opts.h_max {
        return Err(Error::input(format!(
            "the steps must satisfy 0 < --h-min < --h-max (got {} and {})",
            num(opts.h_min),
            num(opts.h_max)
        )));
    }
    if !(2..=1000).contains(&opts.steps) {
        return Err(Error::input("--steps must be between 2 and 1000"));
    }
    if opts.schemes.is_empty() || opts.precisions.is_empty() {
        return Err(Error::input("give at least one scheme and one precision"));
    }
    for &p in &opts.precisions {
        if p.round(opts.h_min) == 0.0 || !p.round(opts.h_max).is_finite() {
            return Err(Error::input(format!(
                "the steps {}…{} do not all fit in {p} (from {} to {}); every difference at \
                 such a step would be 0/0",
                num(opts.h_min),
                num(opts.h_max),
                num(p.min_positive()),
                num(p.max_value())
            )));
        }
    }
    Ok(())
}

/// The most points a sweep takes: it keeps the exact derivative of every point in memory
/// (16 bytes a point, on the host and the GPU).
pub const MAX_SWEEP_POINTS: usize = 1 << 24;

/// The error model for one scheme and precision on this grid: (C1·M_{p+1}, R) such that
/// E(h) ≈ C1·M·h^p + R/h, where M is the largest |f^(p+1)| and R the round-off numerator
/// (Σ|w|/den)·ε·max(|f| + |x·f′|/2): each f carries about an ulp, and rounding the stencil
/// coordinate x + h moves it by half an ulp of x.
fn model(spec: &FieldSpec, scheme: Scheme, precision: Precision) -> Option<(f64, f64)> {
    let p = scheme.order();
    let mut d = spec.expr.clone();
    for _ in 0..=p {
        d = d.derivative(Var::X);
        if d.depth() > 4 * crate::expr::MAX_DEPTH {
            return None;
        }
    }
    let prog = Program::compile(&[&spec.expr, &spec.grad_x, &d]);
    let grid = spec.grid;
    let (mut m, mut r) = (0.0f64, 0.0f64);
    let stride = (grid.len() / 4096).max(1);
    for k in (0..grid.len()).step_by(stride) {
        let pt = grid.point(k, precision);
        let (x, y) = (pt[0], pt.get(1).copied().unwrap_or(0.0));
        let v = prog.eval_f64(x, y);
        if v.iter().all(|a| a.is_finite()) {
            m = m.max(v[2].abs());
            r = r.max(v[0].abs() + 0.5 * (x * v[1]).abs());
        }
    }
    let c1 = scheme.truncation_constant() * m;
    let roundoff = scheme.roundoff_constant() * precision.epsilon() * r;
    Some((c1, roundoff))
}

fn curve_from(
    scheme: Scheme,
    precision: Precision,
    hs: &[f64],
    errs: Vec<f64>,
    spec: &FieldSpec,
    device: &str,
) -> SweepCurve {
    // The first smallest finite error (0 where the difference is exact: a constant f), or
    // (NaN, NaN) where no error is finite.
    let (best_h, best_err) = hs.iter().zip(&errs).filter(|(_, e)| e.is_finite()).fold(
        (f64::NAN, f64::NAN),
        |acc, (&h, &e)| {
            if acc.1.is_nan() || e < acc.1 {
                (h, e)
            } else {
                acc
            }
        },
    );
    let p = scheme.order();
    // Without truncation (a derivative of order p + 1 that vanishes: f linear for a central
    // difference) the model is round-off alone, ε/h, and has no optimum.
    let (theory, tbh, tbe) = match model(spec, scheme, precision) {
        Some((c1, r)) if c1 >= 0.0 && r > 0.0 => {
            let e = |h: f64| c1 * h.powi(p) + r / h;
            let (hstar, estar) = if c1 > 0.0 {
                let hstar = (r / (p as f64 * c1)).powf(1.0 / (p + 1) as f64);
                (hstar, e(hstar))
            } else {
                (f64::NAN, f64::NAN)
            };
            (hs.iter().map(|&h| e(h)).collect(), hstar, estar)
        }
        _ => (vec![f64::NAN; hs.len()], f64::NAN, f64::NAN),
    };
    SweepCurve {
        scheme: scheme.name().into(),
        precision: precision.name().into(),
        order: p,
        h: hs.to_vec(),
        max_abs_err: errs,
        best_h,
        best_err,
        theory,
        theory_best_h: tbh,
        theory_best_err: tbe,
        device: device.into(),
    }
}

/// Checks the options before any work: steps, schemes, precisions.
pub fn validate(opts: &SweepOptions) -> Result<()> {
    check_options(opts)
}

/// Runs the sweep on `backend`: each precision where [`Backend::place`] puts it (f64 on the
/// CPU when the GPU lacks it).
pub fn run_sweep(
    source: &str,
    grid: Grid,
    opts: &SweepOptions,
    backend: &Backend,
    progress: &Progress,
) -> Result<Sweep> {
    check_options(opts)?;
    if grid.len() > MAX_SWEEP_POINTS {
        return Err(Error::input(format!(
            "a sweep takes at most {MAX_SWEEP_POINTS} points (2^24; it keeps the exact \
             derivative of each in memory), not {}; the error curves settle long before that",
            grid.len()
        )));
    }
    let hs = log_steps(opts.h_min, opts.h_max, opts.steps);
    let mut curves = Vec::new();
    let bar = progress.bar(
        (opts.precisions.len() * opts.schemes.len() * hs.len()) as u64,
        "steps",
    );
    for &precision in &opts.precisions {
        crate::interrupt::check()?;
        let spec = FieldSpec::new(source, grid)?
            .with_precision(precision)
            .with_math(opts.math);
        bar.message(format!("sweep {}", precision.name()));
        let place = backend.place(precision, F64Fallback::Cpu)?;
        let per_scheme = match place {
            Place::Gpu(ctx) => {
                let errs =
                    ctx.sweep_max_errors(&spec, &opts.schemes, &hs, &reference_words(&spec)?)?;
                bar.inc((opts.schemes.len() * hs.len()) as u64);
                errs
            }
            Place::Cpu { .. } => sweep_cpu(&spec, &opts.schemes, &hs, &bar)?,
        };
        let device = place.label();
        for (scheme, errs) in opts.schemes.iter().zip(per_scheme) {
            curves.push(curve_from(*scheme, precision, &hs, errs, &spec, &device));
        }
    }
    bar.finish();
    Ok(Sweep {
        expression: source.trim().to_string(),
        points: grid.len(),
        curves,
    })
}

/// The exact derivative along x at every point, as (hi, lo) in the sweep's precision.
fn reference_words(spec: &FieldSpec) -> Result<Vec<f64>> {
    let model = crate::tolerance::ErrorModel::gpu(spec.precision, spec.math);
    let exact =
        crate::check::reference::Reference::new(spec, model, false).field_everywhere(Field::GradX);
    let p = spec.precision;
    Ok(exact
        .iter()
        .flat_map(|&g| {
            let hi = p.round(g);
            [hi, p.round(g - hi)]
        })
        .collect())
}

/// Collects an engine's `fd_x`, widened to f64.
struct CollectFd;

impl EngineUser for CollectFd {
    type Output = Vec<f64>;
    fn run<T: Real>(
        self,
        engine: &mut dyn Engine<T>,
        _: crate::tolerance::ErrorModel,
    ) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        engine.run(None, &mut |t| {
            out.extend(t.values(Field::FdX).iter().map(|v| v.to_f64()));
            Ok(())
        })?;
        Ok(out)
    }
}

/// The CPU twin of `shaders/sweep.wgsl`: the CPU engine's finite differences per step,
/// advancing `bar` by one per step.
pub fn sweep_cpu(
    spec: &FieldSpec,
    schemes: &[Scheme],
    hs: &[f64],
    bar: &Bar,
) -> Result<Vec<Vec<f64>>> {
    let words = reference_words(spec)?;
    let n = spec.grid.len();
    let mut out = Vec::new();
    for &scheme in schemes {
        let mut errs = Vec::with_capacity(hs.len());
        for &h in hs {
            crate::interrupt::check()?;
            let s = spec
                .clone()
                .with_h(h)?
                .with_scheme(scheme)
                .with_fields(Fields {
                    f: false,
                    fd: true,
                    grad: false,
                })?;
            let fd = Backend::cpu().with_engine(&s, Some(n), F64Fallback::Refuse, CollectFd)?;
            let e = fd
                .iter()
                .enumerate()
                .map(|(i, &v)| ((v - words[2 * i]) - words[2 * i + 1]).abs())
                .filter(|e| e.is_finite())
                .fold(0.0, f64::max);
            errs.push(e);
            bar.inc(1);
        }
        out.push(errs);
    }
    Ok(out)
}

/// The columns of [`sweep_table`] and [`sweep_markdown`].
const TABLE_HEAD: [&str; 7] = [
    "scheme",
    "precision",
    "p",
    "best h",
    "best err",
    "theory best h",
    "theory err",
];

/// The cells of each curve's row: scheme, precision, order, best h and error, the model's;
/// "-" where there is no value (no finite error, or a model without an optimum).
fn table_rows(s: &Sweep) -> Vec<[String; 7]> {
    let num = |v: f64| {
        if v.is_nan() {
            "-".to_string()
        } else {
            format!("{v:.2e}")
        }
    };
    s.curves
        .iter()
        .map(|c| {
            [
                c.scheme.clone(),
                c.precision.clone(),
                c.order.to_string(),
                num(c.best_h),
                num(c.best_err),
                num(c.theory_best_h),
                num(c.theory_best_err),
            ]
        })
        .collect()
}

/// A plain-text table: scheme, precision, best h and error, the model's.
pub fn sweep_table(s: &Sweep) -> String {
    let line = |r: &[String; 7]| {
        format!(
            "{:<11} {:<9} {:>3} {:>10} {:>10} {:>14} {:>14}\n",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6]
        )
    };
    let head = TABLE_HEAD.map(str::to_string);
    let mut out = line(&head);
    for r in table_rows(s) {
        out += &line(&r);
    }
    out
}

/// The same table in Markdown (the demo's report.md).
///
/// ```
/// use gradfield::grid::{Axis, Grid, Precision, Scheme};
/// use gradfield::session::Session;
/// use gradfield::sweep::{SweepOptions, sweep_markdown};
/// let opts = SweepOptions {
///     steps: 5,
///     schemes: vec![Scheme::Central],
///     precisions: vec![Precision::F64],
///     ..SweepOptions::default()
/// };
/// let grid = Grid::line(Axis::x(-1.0, 1.0, 64)?);
/// let md = sweep_markdown(&Session::cpu().sweep("x^3", grid, &opts)?);
/// let rows: Vec<&str> = md.lines().collect();
/// assert_eq!(rows[0], "| scheme | precision | p | best h | best err | theory best h | theory err |");
/// assert!(rows[2].starts_with("| central | f64 | 2 | "));
/// # Ok::<(), gradfield::Error>(())
/// ```
pub fn sweep_markdown(s: &Sweep) -> String {
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    let head = TABLE_HEAD.map(str::to_string);
    let mut out = line(&head);
    out += &format!(
        "|{}\n",
        ["---|", "---|", "--:|", "--:|", "--:|", "--:|", "--:|"].concat()
    );
    for r in table_rows(s) {
        out += &line(&r);
    }
    out
}

/// The sweep as the figure draws it.
#[cfg(feature = "plot")]
pub fn sweep_plot(s: &Sweep) -> crate::plot::SweepPlot {
    crate::plot::SweepPlot {
        expression: s.expression.clone(),
        points: s.points,
        curves: s
            .curves
            .iter()
            .map(|c| crate::plot::ErrorCurve {
                scheme: c.scheme.clone(),
                precision: c.precision.clone(),
                order: c.order,
                h: c.h.clone(),
                max_abs_err: c.max_abs_err.clone(),
                best: (c.best_h, c.best_err),
                theory: c.theory.clone(),
                theory_best: (c.theory_best_h, c.theory_best_err),
            })
            .collect(),
    }
}

/// The sweep figure: log-log error against h, one curve per scheme × precision with its
/// measured points, the model as thin dotted lines, the optimum marked, and the truncation
/// and round-off regions labelled.
#[cfg(feature = "plot")]
pub fn sweep_figure(
    s: &Sweep,
    o: &crate::plot::FigureOptions,
) -> Result<crate::plot::canvas::Canvas> {
    crate::plot::sweep_figure(&sweep_plot(s), o)
}
