//! From a run to a figure: builds the figures of [`crate::plot`] from the values a run kept
//! ([`crate::run::Samples`]), with titles that say what was computed where, and gradient
//! descent over the computed field.

use crate::plot::canvas::Canvas;

use crate::check::CheckMode;
use crate::descent::{DescentOptions, DescentRun, Optimizer, parse_starts, run_all};
use crate::engine::DeviceKind;
use crate::error::{Error, Result};
use crate::expr::Var;
use crate::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use crate::plot::{
    Background, ColorMap, ColorOptions, CurveFigure, FieldFigure, FigureOptions, PathSeries,
    SlopesFigure, curve_figure, field_figure, pretty, slopes_figure,
};
use crate::run::{Report, Samples};
use crate::spec::FieldSpec;

/// Points per axis a field figure keeps (about the heatmap's resolution in pixels).
pub const FIELD_SAMPLES: usize = 1024;

/// The most arrows per side of a field figure (more would be a texture, not arrows).
pub const MAX_ARROWS: usize = 200;

/// The most contour levels of a field figure.
pub const MAX_CONTOURS: usize = 100;

/// Points a curve figure keeps.
pub const CURVE_SAMPLES: usize = 20_000;

/// Points per axis a run keeps for `spec`'s figure: [`FIELD_SAMPLES`] on a plane,
/// [`CURVE_SAMPLES`] on a line.
pub fn samples_for(spec: &FieldSpec) -> usize {
    if spec.grid.is_2d() {
        FIELD_SAMPLES
    } else {
        CURVE_SAMPLES
    }
}

/// Checks a request for a curve figure before computing: a function of x alone, and at least
/// two slope arrows when asked for.
pub fn check_curve(spec: &FieldSpec, slopes: Option<usize>) -> Result<()> {
    if spec.grid.is_2d() {
        return Err(Error::input(
            "curve draws functions of x alone; use `field --png` for functions of x and y",
        ));
    }
    if slopes.is_some_and(|k| k < 2) {
        return Err(Error::input("--slopes needs at least 2 arrows"));
    }
    Ok(())
}

/// Points per axis of a [`preview`] run.
pub const PREVIEW_POINTS: usize = 9;

/// The same request on [`PREVIEW_POINTS`] points per axis of the same domain, computed on the
/// CPU (a few milliseconds), with its report: the figure drawn from it is laid out as the
/// real one will be (same title, labels, options, caption; about the same colour range), so a
/// figure too small for its text can be refused before the real run rather than after it.
/// `None` where that small run cannot be made; the real run then decides.
///
/// ```
/// use gradfield::{check::CheckMode, grid::{Axis, Grid}, spec::FieldSpec};
/// use gradfield::draw::{FieldPlot, preview};
/// let grid = Grid::plane(Axis::x(-2.0, 2.0, 4096)?, Axis::y(-1.0, 3.0, 4096)?)?;
/// let spec = FieldSpec::new("rosenbrock", grid)?;
/// let (small, report) = preview(&spec, CheckMode::Full).unwrap();
/// assert_eq!(small.grid.len(), 81);
/// let mut plot = FieldPlot::default();
/// assert!(gradfield::draw::field(&report, &small, &plot, &[]).is_ok());
/// plot.figure.size = Some("1x1in".parse()?); // no room for a plot beside its text
/// assert!(gradfield::draw::field(&report, &small, &plot, &[]).is_err());
/// # Ok::<(), gradfield::Error>(())
/// ```
pub fn preview(spec: &FieldSpec, check: CheckMode) -> Option<(FieldSpec, Report)> {
    let mut small = spec.clone();
    small.grid = preview_grid(&spec.grid)?;
    let opts = crate::run::RunOptions {
        check,
        sample_per_axis: Some(PREVIEW_POINTS),
        ..crate::run::RunOptions::default()
    };
    let report = crate::session::Session::cpu().run(&small, &opts).ok()?;
    Some((small, report))
}

/// `grid`'s domain on [`PREVIEW_POINTS`] points per axis (for a [`preview`]; `None` where
/// that is not a valid grid).
///
/// ```
/// use gradfield::grid::{Axis, Grid};
/// let g = Grid::plane(Axis::x(-1.0, 1.0, 1000)?, Axis::y(0.0, 2.0, 500)?)?;
/// let small = gradfield::draw::preview_grid(&g).unwrap();
/// assert_eq!((small.x.n, small.y.unwrap().n), (9, 9));
/// assert_eq!((small.x.min, small.x.max), (-1.0, 1.0));
/// # Ok::<(), gradfield::Error>(())
/// ```
pub fn preview_grid(grid: &crate::grid::Grid) -> Option<crate::grid::Grid> {
    let axis = |a: &crate::grid::Axis, var| {
        crate::grid::Axis::new(var, a.min, a.max, PREVIEW_POINTS.min(a.n)).ok()
    };
    let x = axis(&grid.x, Var::X)?;
    match &grid.y {
        Some(y) => crate::grid::Grid::plane(x, axis(y, Var::Y)?).ok(),
        None => Some(crate::grid::Grid::line(x)),
    }
}

/// Checks, before any work, that a `field` run will have what its figure needs: f and the
/// gradient for a 2-D field; the finite difference, the gradient and the check (whose
/// reference draws the exact derivative) for a 1-D one; and valid options.
pub fn check_field_figure(spec: &FieldSpec, check: CheckMode, plot: &FieldPlot) -> Result<()> {
    plot.figure.validate()?;
    plot.color.validate()?;
    if plot.arrows > MAX_ARROWS {
        return Err(Error::input(format!(
            "--arrows is per side, at most {MAX_ARROWS} (got {})",
            plot.arrows
        )));
    }
    if plot.contours > MAX_CONTOURS {
        return Err(Error::input(format!(
            "--contours is at most {MAX_CONTOURS} levels (got {})",
            plot.contours
        )));
    }
    if plot.streamlines > MAX_STREAMLINES {
        return Err(Error::input(format!(
            "--streamlines is a density, at most {MAX_STREAMLINES} (got {})",
            plot.streamlines
        )));
    }
    if plot
        .arrow_scale
        .is_some_and(|s| !(s.is_finite() && s > 0.0))
    {
        return Err(Error::input("--arrow-scale must be a positive number"));
    }
    let dims = if spec.grid.is_2d() { 2 } else { 1 };
    if let Some(d) = plot.path.options(dims)? {
        d.validate()?;
    }
    let f = spec.fields;
    if spec.grid.is_2d() {
        if !(f.f && f.grad) {
            return Err(Error::input(
                "the figure of a 2-D field needs f and grad; add them to --fields (or leave it out)",
            ));
        }
    } else {
        if !(f.fd && f.grad) {
            return Err(Error::input(
                "the figure of a 1-D field needs fd and grad; add them to --fields (or leave it out)",
            ));
        }
        if check == CheckMode::None {
            return Err(Error::input(
                "the figure of a 1-D field draws the exact derivative from the check; drop \
                 --check none / --no-check",
            ));
        }
    }
    Ok(())
}

/// The most streamlines across a figure.
pub const MAX_STREAMLINES: usize = 100;

/// Figure options only a plane's figure honours, by the names the library and Python give
/// them (the command line spells `arrow_scale` as `--arrow-scale`).
pub const PLANE_OPTIONS: &[&str] = &[
    "background",
    "contours",
    "arrows",
    "arrow_scale",
    "pivot",
    "normalize",
    "descent",
    "streamlines",
];

/// A figure's colour options (a line's figure has colours only with slope arrows or descent).
pub const COLOR_OPTIONS: &[&str] = &["cmap", "color_scale", "vmin", "vmax"];

/// The options of descent paths: the starts, then what only applies with them.
pub const DESCENT_OPTIONS: &[&str] = &["descent_from", "lr", "steps", "optimizer"];

/// What a figure draws, for [`refuse_unused`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureOf {
    /// f over a plane with its gradient ([`field`]).
    Plane,
    /// A line's derivative curves and nothing else ([`curve`]): `gradfield field`'s figure of
    /// a 1-D run.
    Curves,
    /// A line's derivative curves, or f with slope arrows and descent paths ([`slopes`]):
    /// `gradfield curve`'s figure, and Python's figure of a 1-D run.
    Line,
}

/// Refuses, before any work, the figure options in `given` (named as in [`PLANE_OPTIONS`],
/// [`COLOR_OPTIONS`], [`DESCENT_OPTIONS`], or `slopes`) that a figure `of` this kind would
/// silently pass over: a plane's options on a line, colours on derivative curves, a step
/// size or optimizer without descent starts, slope arrows on a plane. Errors name the
/// options as `spell` writes them (`--arrow-scale` on the command line, `arrow_scale` in
/// Python).
///
/// ```
/// use gradfield::draw::{FigureOf, refuse_unused};
/// let python = |name: &str| name.to_string();
/// assert!(refuse_unused(&["arrows", "cmap"], FigureOf::Plane, &python).is_ok());
/// let e = refuse_unused(&["streamlines"], FigureOf::Line, &python).unwrap_err();
/// assert!(e.to_string().starts_with("streamlines is only for 2-D fields"));
/// let e = refuse_unused(&["lr", "steps"], FigureOf::Plane, &python).unwrap_err();
/// assert_eq!(e.to_string(), "lr, steps are only for descent paths; add descent_from");
/// assert!(refuse_unused(&["descent_from", "lr"], FigureOf::Line, &python).is_ok());
/// ```
pub fn refuse_unused(given: &[&str], of: FigureOf, spell: &dyn Fn(&str) -> String) -> Result<()> {
    let has = |name: &str| given.contains(&name);
    let refuse = |names: &[&str], why: String| refuse_options(given, names, &why, spell);
    match of {
        FigureOf::Plane => refuse(
            &["slopes"],
            "a 1-D field's figure (a plane's figure draws ∇f as arrows)".into(),
        )?,
        FigureOf::Curves => {
            let all: Vec<&str> =
                [PLANE_OPTIONS, COLOR_OPTIONS, DESCENT_OPTIONS, &["slopes"]].concat();
            refuse(
                &all,
                "2-D fields (a 1-D field is drawn as derivative curves; for descent or colours \
                 on a curve use `gradfield curve`)"
                    .into(),
            )?
        }
        FigureOf::Line => {
            refuse(
                PLANE_OPTIONS,
                format!(
                    "2-D fields (a 1-D field is drawn as derivative curves, or with {} as f \
                     with slope arrows)",
                    spell("slopes")
                ),
            )?;
            if !has("slopes") && !has("descent_from") {
                refuse(
                    COLOR_OPTIONS,
                    format!(
                        "figures of f with slope arrows ({}) or descent paths ({})",
                        spell("slopes"),
                        spell("descent_from")
                    ),
                )?;
            }
        }
    }
    if !has("descent_from") {
        refuse(
            &DESCENT_OPTIONS[1..],
            format!("descent paths; add {}", spell("descent_from")),
        )?;
    }
    Ok(())
}

/// Fails naming, as `spell` writes them, the options of `names` that are in `given`: "`a, b`
/// are only for `why`".
///
/// ```
/// let cli = |name: &str| format!("--{}", name.replace('_', "-"));
/// let e = gradfield::draw::refuse_options(&["font_scale"], &["font_scale"], "the figure", &cli);
/// assert_eq!(e.unwrap_err().to_string(), "--font-scale is only for the figure");
/// ```
pub fn refuse_options(
    given: &[&str],
    names: &[&str],
    why: &str,
    spell: &dyn Fn(&str) -> String,
) -> Result<()> {
    let bad: Vec<String> = names
        .iter()
        .filter(|n| given.contains(n))
        .map(|n| spell(n))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "{} {} only for {why}",
        bad.join(", "),
        if bad.len() == 1 { "is" } else { "are" }
    )))
}

/// Gradient-descent paths to draw (also the command line's options for them).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct DescentArgs {
    /// Draw gradient descent from these starts: `x0,y0;x1,y1` on a plane, `x0;x1` on a line.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "POINTS", allow_hyphen_values = true)
    )]
    pub descent_from: Option<String>,
    /// Learning rate η of the descent.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1e-3, value_name = "ETA"))]
    pub lr: f64,
    /// Descent iterations.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 500, value_name = "K"))]
    pub steps: usize,
    /// Optimizers (comma list of sgd, momentum, adam), each from every start.
    #[cfg_attr(feature = "cli", arg(long, default_value = "sgd", value_name = "LIST"))]
    pub optimizer: String,
}

impl DescentArgs {
    /// The descent asked for, if any (checked).
    pub fn options(&self, dims: usize) -> Result<Option<DescentOptions>> {
        let Some(from) = &self.descent_from else {
            return Ok(None);
        };
        let optimizers = self
            .optimizer
            .split(',')
            .map(|o| o.parse())
            .collect::<Result<Vec<Optimizer>>>()?;
        let o = DescentOptions {
            starts: parse_starts(from, dims)?,
            optimizers,
            lr: self.lr,
            steps: self.steps,
        };
        o.validate()?;
        Ok(Some(o))
    }
}

/// Options of a field figure (also the command line's options for it).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FieldPlot {
    /// Background: f, magnitude (|∇f|) or none.
    #[cfg_attr(feature = "cli", arg(long, default_value = "f"))]
    pub background: Background,
    /// Contour levels of f (0 for none).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 12))]
    pub contours: usize,
    /// Arrows per axis, at evenly spaced grid points (fewer where the grid is coarse; 0 for
    /// none).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 20))]
    pub arrows: usize,
    /// Data units of arrow per unit of gradient (default: the longest arrow ≈ one cell).
    #[cfg_attr(feature = "cli", arg(long))]
    pub arrow_scale: Option<f64>,
    /// Arrow pivot: tail, mid or tip.
    #[cfg_attr(feature = "cli", arg(long, default_value = "mid"))]
    pub pivot: Pivot,
    /// Equal-length arrows showing direction only; colour (with its own colour bar) carries
    /// the magnitude.
    #[cfg_attr(feature = "cli", arg(long))]
    pub normalize: bool,
    /// Draw −∇f, the direction gradient descent takes.
    #[cfg_attr(feature = "cli", arg(long))]
    pub descent: bool,
    /// Streamlines of ∇f (−∇f with --descent), evenly spaced: about N lines across.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0, value_name = "N"))]
    pub streamlines: usize,
    /// Descent paths.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub path: DescentArgs,
    /// Colours.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub color: ColorOptions,
    /// Size and text.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub figure: FigureOptions,
}

impl Default for FieldPlot {
    fn default() -> FieldPlot {
        FieldPlot {
            background: Background::F,
            contours: 12,
            arrows: 20,
            arrow_scale: None,
            pivot: Pivot::Mid,
            normalize: false,
            descent: false,
            streamlines: 0,
            path: DescentArgs {
                lr: 1e-3,
                steps: 500,
                optimizer: "sgd".into(),
                ..DescentArgs::default()
            },
            color: ColorOptions::default(),
            figure: FigureOptions::default(),
        }
    }
}

/// One line saying where and how the values were computed.
pub fn provenance(report: &Report) -> String {
    let device = report.adapter.describe();
    let math = if report.device == DeviceKind::Gpu && report.precision == "f32" {
        format!(" {}", report.math)
    } else {
        String::new()
    };
    format!(
        "{device} · {}{math} · {} differences, h = {} · {} points",
        report.precision, report.scheme, report.h, report.points
    )
}

fn samples(report: &Report) -> Result<&Samples> {
    report
        .samples
        .as_ref()
        .ok_or_else(|| Error::input("this run kept no samples for a figure"))
}

fn need<'a>(s: &'a Samples, name: &str, hint: &str) -> Result<&'a [f64]> {
    s.get(name)
        .ok_or_else(|| Error::input(format!("the figure needs `{name}`; {hint}")))
}

/// Gradient descent over a run's field: with the engine's gradient (the kept samples,
/// interpolated between them) and with the exact one (the symbolic derivative in float64).
pub fn descent_runs(
    report: &Report,
    spec: &FieldSpec,
    opts: &DescentOptions,
) -> Result<Vec<DescentRun>> {
    let s = samples(report)?;
    let hint = "compute grad (leave --fields out)";
    let (x0, x1) = (spec.grid.x.min, spec.grid.x.max);
    if let Some(yax) = spec.grid.y {
        need(s, "grad_x", hint)?;
        need(s, "grad_y", hint)?;
        let (gx, gy) = (
            s.lattice("grad_x").expect("checked above"),
            s.lattice("grad_y").expect("checked above"),
        );
        let grid = |p: &[f64]| Some(vec![gx.sample(p[0], p[1]), gy.sample(p[0], p[1])]);
        let exact = |p: &[f64]| {
            Some(vec![
                spec.grad_x.eval(p[0], p[1]),
                spec.grad_y.eval(p[0], p[1]),
            ])
        };
        let inside = |p: &[f64]| p[0] >= x0 && p[0] <= x1 && p[1] >= yax.min && p[1] <= yax.max;
        for st in &opts.starts {
            if !inside(st) {
                return Err(Error::input(format!(
                    "the descent start ({}, {}) is outside the grid",
                    st[0], st[1]
                )));
            }
        }
        Ok(run_all(opts, &grid, &exact, &inside))
    } else {
        let g = need(s, "grad_x", hint)?;
        let xs = &s.xs;
        let grid = |p: &[f64]| Some(vec![interp(xs, g, p[0])]);
        let exact = |p: &[f64]| Some(vec![spec.grad_x.eval(p[0], 0.0)]);
        let inside = |p: &[f64]| p[0] >= x0 && p[0] <= x1;
        for st in &opts.starts {
            if !inside(st) {
                return Err(Error::input(format!(
                    "the descent start {} is outside the grid",
                    st[0]
                )));
            }
        }
        Ok(run_all(opts, &grid, &exact, &inside))
    }
}

/// Linear interpolation of (xs, vs) at x (xs increasing).
fn interp(xs: &[f64], vs: &[f64], x: f64) -> f64 {
    let k = xs.partition_point(|&v| v < x).clamp(1, xs.len() - 1);
    let (a, b) = (xs[k - 1], xs[k]);
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    vs[k - 1] * (1.0 - t) + vs[k] * t
}

fn path_label(r: &DescentRun) -> String {
    let coords = |p: &[f64]| {
        p.iter()
            .map(|v| pretty(&format!("{}", (v * 1e3).round() / 1e3)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let end = r.iterates.last().map_or(String::new(), |p| coords(p));
    format!(
        "{} from ({}) → ({end}){}",
        r.optimizer.name(),
        coords(&r.start),
        if r.stopped == "steps" {
            String::new()
        } else {
            format!(", {}", r.stopped)
        }
    )
}

/// Colour by optimizer, marker by start.
fn path_keys(runs: &[DescentRun], r: &DescentRun) -> (usize, usize) {
    let mut optimizers = Vec::new();
    let mut starts: Vec<&Vec<f64>> = Vec::new();
    for q in runs {
        if !optimizers.contains(&q.optimizer) {
            optimizers.push(q.optimizer);
        }
        if !starts.contains(&&q.start) {
            starts.push(&q.start);
        }
    }
    (
        optimizers
            .iter()
            .position(|o| *o == r.optimizer)
            .unwrap_or(0),
        starts.iter().position(|s| **s == r.start).unwrap_or(0),
    )
}

/// The 2-D gradient-field figure of a run (which must have kept f and ∇f), with descent
/// paths `runs` drawn over it.
pub fn field(
    report: &Report,
    spec: &FieldSpec,
    plot: &FieldPlot,
    runs: &[DescentRun],
) -> Result<Canvas> {
    let s = samples(report)?;
    let hint = "compute f and grad (leave --fields out)";
    need(s, "f", hint)?;
    need(s, "grad_x", hint)?;
    need(s, "grad_y", hint)?;
    let lat = |n: &str| s.lattice(n).expect("checked above");
    let pair = |p: &Vec<f64>| (p[0], p[1]);
    let fig = FieldFigure {
        title: format!(
            "{}∇f for f(x, y) = {}",
            if plot.descent { "−" } else { "" },
            short(&spec.expr.to_string())
        ),
        subtitle: provenance(report),
        f: lat("f"),
        gx: lat("grad_x"),
        gy: lat("grad_y"),
        background: plot.background,
        color: plot.color,
        contours: plot.contours,
        arrows: plot.arrows,
        quiver: QuiverStyle {
            scale: plot.arrow_scale,
            pivot: plot.pivot,
            normalize: plot.normalize,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.0,
        },
        descent: plot.descent,
        streamlines: plot.streamlines,
        paths: runs
            .iter()
            .map(|r| PathSeries {
                label: path_label(r),
                points: r.iterates.iter().map(pair).collect(),
                exact: r.iterates_exact.iter().map(pair).collect(),
                color_key: path_keys(runs, r).0,
                marker_key: path_keys(runs, r).1,
            })
            .collect(),
    };
    field_figure(&fig, &plot.figure)
}

/// Expression text for a title: typeset, and shortened when long.
fn short(s: &str) -> String {
    let p = pretty(s);
    if p.chars().count() <= 60 {
        p
    } else {
        format!("{}…", p.chars().take(58).collect::<String>())
    }
}

/// The derivative-curve figure of a 1-D run: exact derivative, the engine's analytic
/// gradient and finite difference, and their errors. The run must have checked (the exact
/// derivative is the reference's).
pub fn curve(report: &Report, spec: &FieldSpec, o: &FigureOptions) -> Result<Canvas> {
    let s = samples(report)?;
    let truth = need(s, "ref_grad_x", "run with the check on (drop --no-check)")?;
    let hint = "compute fd and grad (leave --fields out)";
    let grad = need(s, "grad_x", hint)?;
    let fd = need(s, "fd_x", hint)?;
    let engine = format!(
        "{} {}",
        if report.device == DeviceKind::Gpu {
            "GPU"
        } else {
            "CPU"
        },
        report.precision
    );
    let fig = CurveFigure {
        title: format!(
            "f′(x) for f(x) = {}, three ways",
            short(&spec.expr.to_string())
        ),
        subtitle: provenance(report),
        xs: s.xs.clone(),
        truth: truth.to_vec(),
        truth_label: format!("exact: {} (f64)", short(&spec.derivative_text(Var::X))),
        grad: grad.to_vec(),
        grad_label: format!("analytic gradient ({engine})"),
        fd: fd.to_vec(),
        fd_label: format!("{} difference, h = {} ({engine})", spec.scheme, spec.h),
        ylabel: "derivative".into(),
    };
    curve_figure(&fig, o)
}

/// The curve f(x) of a 1-D run with `k` slope arrows (the article's Demo 2; 0 for none) and
/// descent iterates `runs` on it.
pub fn slopes(
    report: &Report,
    spec: &FieldSpec,
    k: usize,
    o: &FigureOptions,
    color: &ColorOptions,
    runs: &[DescentRun],
) -> Result<Canvas> {
    let s = samples(report)?;
    let hint = "compute f and grad (leave --fields out)";
    let f = need(s, "f", hint)?;
    let grad = need(s, "grad_x", hint)?;
    let title = if runs.is_empty() {
        format!("f(x) = {} with slope arrows", short(&spec.expr.to_string()))
    } else {
        format!(
            "Gradient descent on f(x) = {}",
            short(&spec.expr.to_string())
        )
    };
    let fig = SlopesFigure {
        title,
        subtitle: provenance(report),
        xs: s.xs.clone(),
        f: f.to_vec(),
        grad: grad.to_vec(),
        arrows: k,
        flabel: "f(x)".into(),
        paths: runs
            .iter()
            .map(|r| PathSeries {
                label: path_label(r),
                points: r
                    .iterates
                    .iter()
                    .map(|p| (p[0], interp(&s.xs, f, p[0])))
                    .collect(),
                exact: r
                    .iterates_exact
                    .iter()
                    .map(|p| (p[0], spec.expr.eval(p[0], 0.0)))
                    .collect(),
                color_key: path_keys(runs, r).0,
                marker_key: path_keys(runs, r).1,
            })
            .collect(),
    };
    slopes_figure(&fig, o, color)
}
