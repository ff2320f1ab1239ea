//! From a run to a PNG: builds the figures of [`crate::plot`] from the values a run kept
//! ([`crate::run::Samples`]), with titles that say what was computed where.

use std::path::Path;

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

/// Points a curve figure keeps.
pub const CURVE_SAMPLES: usize = 20_000;

/// Options of a field figure.
#[derive(Clone, Copy, Debug)]
pub struct FieldPlot {
    /// Background.
    pub background: Background,
    /// Contour levels of f (0: none).
    pub contours: usize,
    /// Arrows per axis.
    pub arrows: usize,
    /// Data units of arrow per unit of gradient (default: longest ≈ one cell).
    pub arrow_scale: Option<f64>,
    /// Arrow pivot.
    pub pivot: Pivot,
    /// Unit arrows, colour carrying the magnitude.
    pub normalize: bool,
    /// Draw −∇f.
    pub descent: bool,
    /// Size.
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
    let device = match &report.adapter.backend {
        Some(b) => {
            let backend = match b.as_str() {
                "vulkan" => "Vulkan",
                "gl" => "OpenGL",
                "metal" => "Metal",
                "dx12" => "DirectX 12",
                other => other,
            };
            format!("{}, {backend}", report.adapter.name)
        }
        None => format!("CPU, {}", report.adapter.name),
    };
    let math = if report.device == "gpu" && report.precision == "f32" {
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
pub fn field_png(report: &Report, spec: &FieldSpec, plot: &FieldPlot, path: &Path) -> Result<()> {
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
    field_figure(&fig, plot.size)?.save_png(path)
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
pub fn curve_png(report: &Report, spec: &FieldSpec, size: FigureSize, path: &Path) -> Result<()> {
    let s = samples(report)?;
    let truth = need(s, "ref_grad_x", "run with the check on (drop --no-check)")?;
    let hint = "compute fd and grad (leave --fields out)";
    let grad = need(s, "grad_x", hint)?;
    let fd = need(s, "fd_x", hint)?;
    let engine = format!(
        "{} {}",
        if report.device == "gpu" { "GPU" } else { "CPU" },
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
    curve_figure(&fig, size)?.save_png(path)
}

/// The slope-arrow figure of a 1-D run (the article's Demo 2): f with `k` tangent arrows.
pub fn slopes_png(
    report: &Report,
    spec: &FieldSpec,
    k: usize,
    size: FigureSize,
    path: &Path,
) -> Result<()> {
    let s = samples(report)?;
    let hint = "compute f and grad (leave --fields out)";
    let f = need(s, "f", hint)?;
    let grad = need(s, "grad_x", hint)?;
    let title = format!("f(x) = {} with slope arrows", short(&spec.expr.to_string()));
    slopes_figure(&s.xs, f, grad, k, &title, "f(x)", size)?.save_png(path)
}
