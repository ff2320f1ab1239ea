//! From a run to a PNG: builds the figures of [`crate::plot`] from the values a run kept
//! ([`crate::run::Samples`]), with titles that say what was computed where.

use crate::plot::canvas::Canvas;

use crate::check::CheckMode;
use crate::engine::DeviceKind;
use crate::error::{Error, Result};
use crate::expr::Var;
use crate::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use crate::plot::{
    Background, ColorMap, CurveFigure, FieldFigure, FigureSize, curve_figure, field_figure, pretty,
    slopes_figure,
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

/// Checks, before any work, that a `field` run will have what its figure needs: f and the
/// gradient for a 2-D field; the finite difference, the gradient and the check (whose
/// reference draws the exact derivative) for a 1-D one; and a valid size.
pub fn check_field_figure(spec: &FieldSpec, check: CheckMode, plot: &FieldPlot) -> Result<()> {
    plot.size.validate()?;
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
    if plot
        .arrow_scale
        .is_some_and(|s| !(s.is_finite() && s > 0.0))
    {
        return Err(Error::input("--arrow-scale must be a positive number"));
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

/// Options of a field figure (also the command line's options for it).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FieldPlot {
    /// Background: f, magnitude (|∇f|) or none.
    #[cfg_attr(feature = "cli", arg(long, default_value = "f"))]
    pub background: Background,
    /// Contour levels of f (0 for none).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 12))]
    pub contours: usize,
    /// Arrows per axis.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 20))]
    pub arrows: usize,
    /// Data units of arrow per unit of gradient (default: the longest arrow ≈ one cell).
    #[cfg_attr(feature = "cli", arg(long))]
    pub arrow_scale: Option<f64>,
    /// Arrow pivot: tail, mid or tip.
    #[cfg_attr(feature = "cli", arg(long, default_value = "mid"))]
    pub pivot: Pivot,
    /// Unit-length arrows; colour carries the magnitude.
    #[cfg_attr(feature = "cli", arg(long))]
    pub normalize: bool,
    /// Draw −∇f, the direction gradient descent takes.
    #[cfg_attr(feature = "cli", arg(long))]
    pub descent: bool,
    /// Figure size.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub size: FigureSize,
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
            size: FigureSize::default(),
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

/// The 2-D gradient-field figure of a run (which must have kept f and ∇f).
pub fn field(report: &Report, spec: &FieldSpec, plot: &FieldPlot) -> Result<Canvas> {
    let s = samples(report)?;
    let hint = "compute f and grad (leave --fields out)";
    need(s, "f", hint)?;
    need(s, "grad_x", hint)?;
    need(s, "grad_y", hint)?;
    let lat = |n: &str| s.lattice(n).expect("checked above");
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
        contours: plot.contours,
        arrows: plot.arrows,
        quiver: QuiverStyle {
            scale: plot.arrow_scale,
            pivot: plot.pivot,
            normalize: plot.normalize,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.5,
        },
        descent: plot.descent,
    };
    field_figure(&fig, plot.size)
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
pub fn curve(report: &Report, spec: &FieldSpec, size: FigureSize) -> Result<Canvas> {
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
    curve_figure(&fig, size)
}

/// The slope-arrow figure of a 1-D run (the article's Demo 2): f with `k` tangent arrows.
pub fn slopes(report: &Report, spec: &FieldSpec, k: usize, size: FigureSize) -> Result<Canvas> {
    let s = samples(report)?;
    let hint = "compute f and grad (leave --fields out)";
    let f = need(s, "f", hint)?;
    let grad = need(s, "grad_x", hint)?;
    let title = format!("f(x) = {} with slope arrows", short(&spec.expr.to_string()));
    slopes_figure(&s.xs, f, grad, k, &title, "f(x)", size)
}
