//! `gradfield demo`: the article's two demos and three exercises, computed on the GPU (or
//! the CPU when there is none), every point checked, drawn, and summarised in `report.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::backend::{Backend, F64Fallback};
use crate::draw::{CURVE_SAMPLES, FIELD_SAMPLES, FieldPlot, curve, field, provenance, slopes};
use crate::error::Result;
use crate::grid::{Axis, Grid, Precision, Scheme};
use crate::interrupt;
use crate::output::OutputDir;
use crate::plot::canvas::Format;
use crate::plot::{Background, ColorOptions, FigureOptions};
use crate::progress::Progress;
use crate::run::{Report, RunOptions, run_field_with};
use crate::spec::FieldSpec;
use crate::sweep::{SweepOptions, run_sweep, sweep_figure, sweep_markdown};

/// What the demo writes, one entry per figure.
#[derive(Clone, Debug)]
pub struct DemoFigure {
    /// File name under the output folder.
    pub file: String,
    /// What it reproduces.
    pub what: String,
    /// Max-error lines for the report.
    pub errors: Vec<String>,
}

/// Options of the demo.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Figure size and text (titles and labels are the demo's own).
    pub figure: FigureOptions,
    /// Colours of the heatmap and slope arrows.
    pub color: ColorOptions,
    /// File format of the figures.
    pub format: Format,
}

impl Default for DemoOptions {
    fn default() -> DemoOptions {
        DemoOptions {
            out: default_out().to_path_buf(),
            figure: FigureOptions::default(),
            color: ColorOptions::default(),
            format: Format::Png,
        }
    }
}

/// One run of the demo: f64 falls back to the CPU where the GPU lacks it (and says so).
fn run(backend: &Backend, spec: &FieldSpec, samples: usize) -> Result<Report> {
    let opts = RunOptions {
        sample_per_axis: Some(samples),
        ..RunOptions::default()
    };
    run_field_with(backend, spec, &opts, F64Fallback::Cpu)
}

fn line_errors(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["f", "grad_x", "grad_y", "fd_x", "fd_x_roundoff", "fd_y"] {
        if let Some(e) = report.errors.get(key) {
            let what = match key {
                "f" => "f vs f64",
                "grad_x" => "analytic ∂f/∂x vs f64",
                "grad_y" => "analytic ∂f/∂y vs f64",
                "fd_x" => "finite difference vs exact derivative",
                "fd_x_roundoff" => "finite difference vs the same stencil in f64 (round-off)",
                _ => "finite difference along y vs exact",
            };
            out.push(format!(
                "{what}: max |error| {:.3e} (max relative {:.3e}){}",
                e.max_abs,
                e.max_rel,
                if e.checked {
                    format!(
                        ", within tolerance: {}",
                        if e.passed() { "yes" } else { "NO" }
                    )
                } else {
                    String::new()
                }
            ));
        }
    }
    out
}

fn sin_spec(precision: Precision) -> Result<FieldSpec> {
    let grid = Grid::line(Axis::x(-std::f64::consts::PI, std::f64::consts::PI, 400)?);
    Ok(FieldSpec::new("sin(x)", grid)?
        .with_h(1e-4)?
        .with_precision(precision))
}

/// Whether a name is one the demo writes (a folder holding only these may be replaced).
pub fn is_demo_output(name: &str) -> bool {
    name == "report.md" || crate::run::is_run_output(name)
}

/// Runs the demo on `backend`; returns the figures written and the report's path. The folder
/// is written whole or not at all (see [`crate::output`]).
pub fn run_demo(
    opts: &DemoOptions,
    backend: &Backend,
    progress: &Progress,
) -> Result<(Vec<DemoFigure>, PathBuf)> {
    let out = OutputDir::begin(&opts.out, &is_demo_output)?;
    let bar = progress.bar(7, "figures");
    let mut figs = Vec::new();
    let ext = opts.format.ext();
    let file_of = |stem: &str| format!("{stem}.{ext}");
    let path = |stem: &str| out.path(&file_of(stem));
    let fo = &opts.figure;
    let mut provenance_lines = Vec::new();

    // Demo 1: sin'(x) three ways, 400 points, h = 1e-4, as the article (float64), then float32.
    let mut best_h_note = String::new();
    for (precision, file) in [
        (Precision::F64, "demo1_sin_f64"),
        (Precision::F32, "demo1_sin_f32"),
    ] {
        interrupt::check()?;
        bar.message(format!("Demo 1 ({precision})"));
        let spec = sin_spec(precision)?;
        let report = run(backend, &spec, CURVE_SAMPLES)?;
        curve(&report, &spec, fo)?.save(&path(file))?;
        provenance_lines.push(provenance(&report));
        let what = match precision {
            Precision::F64 => "Demo 1: sin′(x) by autograd-style analytic gradient, central finite difference (h = 1e-4) and cos(x), in float64 as the article ran it".to_string(),
            Precision::F32 => "Demo 1 in float32: at h = 1e-4 the central difference is visibly off (round-off ε/h), while the analytic gradient stays at float32 accuracy".to_string(),
        };
        figs.push(DemoFigure {
            file: file_of(file),
            what,
            errors: line_errors(&report),
        });
        bar.inc(1);
    }

    // Demo 2: the toy loss with 41 slope arrows.
    interrupt::check()?;
    bar.message("Demo 2");
    let grid = Grid::line(Axis::x(-3.0, 3.0, 401)?);
    let spec = FieldSpec::new("loss", grid)?;
    let report = run(backend, &spec, CURVE_SAMPLES)?;
    slopes(&report, &spec, 41, fo, &opts.color, &[])?.save(&path("demo2_slopes"))?;
    figs.push(DemoFigure {
        file: file_of("demo2_slopes"),
        what: "Demo 2: the loss 0.3·sin(3x) + 0.5·x² with 41 slope arrows (tangent steps, coloured by slope)".into(),
        errors: line_errors(&report),
    });
    bar.inc(1);

    // Exercise 1: the step-size sweep, 1e-8 … 1e-2 as the article asks, and the full range.
    for (file, lo, hi, what) in [
        (
            "exercise1_sweep_article",
            1e-8,
            1e-2,
            "Exercise 1: max |error| of the finite differences of sin over h = 1e-8 … 1e-2 (the article's range)",
        ),
        (
            "exercise1_sweep_full",
            1e-14,
            1.0,
            "Exercise 1, full range h = 1e-14 … 1: the V of truncation (∝ hᵖ) against round-off (∝ ε/h), with theory and the optimal h",
        ),
    ] {
        interrupt::check()?;
        bar.message("Exercise 1");
        let grid = Grid::line(Axis::x(-std::f64::consts::PI, std::f64::consts::PI, 4096)?);
        let sweep_opts = SweepOptions {
            h_min: lo,
            h_max: hi,
            steps: 41,
            schemes: vec![Scheme::Forward, Scheme::Central, Scheme::FivePoint],
            precisions: vec![Precision::F32, Precision::F64],
            ..SweepOptions::default()
        };
        let sweep = run_sweep("sin(x)", grid, &sweep_opts, backend, &Progress::hidden())?;
        sweep_figure(&sweep, fo)?.save(&path(file))?;
        figs.push(DemoFigure {
            file: file_of(file),
            what: what.into(),
            errors: sweep_markdown(&sweep).lines().map(str::to_string).collect(),
        });
        if lo < 1e-10 {
            best_h_note = sweep
                .curves
                .iter()
                .filter(|c| c.scheme == "central")
                .map(|c| {
                    format!(
                        "central {}: best h = {:.1e} (error {:.1e}; theory {:.1e})",
                        c.precision, c.best_h, c.best_err, c.theory_best_h
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        bar.inc(1);
    }

    // Exercise 2: tanh against 1 − tanh², with an error table in both precisions.
    interrupt::check()?;
    bar.message("Exercise 2");
    let grid = Grid::line(Axis::x(-3.0, 3.0, 400)?);
    let mut table = vec![
        "| precision | analytic vs 1 − tanh² (max abs) | central difference h = 1e-3 vs 1 − tanh² (max abs) | round-off part |".to_string(),
        "|---|---|---|---|".to_string(),
    ];
    let mut tanh_errors = Vec::new();
    for precision in [Precision::F32, Precision::F64] {
        let spec = FieldSpec::new("tanh(x)", grid)?.with_precision(precision);
        let report = run(backend, &spec, CURVE_SAMPLES)?;
        let e = |k: &str| report.errors.get(k).map_or(f64::NAN, |e| e.max_abs);
        table.push(format!(
            "| {precision} | {:.3e} | {:.3e} | {:.3e} |",
            e("grad_x"),
            e("fd_x"),
            e("fd_x_roundoff")
        ));
        if precision == Precision::F32 {
            curve(&report, &spec, fo)?.save(&path("exercise2_tanh"))?;
            tanh_errors = line_errors(&report);
        }
    }
    tanh_errors.push(String::new());
    tanh_errors.extend(table);
    figs.push(DemoFigure {
        file: file_of("exercise2_tanh"),
        what:
            "Exercise 2: tanh′(x) by analytic gradient and finite difference against 1 − tanh²(x)"
                .into(),
        errors: tanh_errors,
    });
    bar.inc(1);

    // Exercise 3: the quiver of x² + 0.5·y².
    interrupt::check()?;
    bar.message("Exercise 3");
    let grid = Grid::plane(Axis::x(-2.0, 2.0, 513)?, Axis::y(-2.0, 2.0, 513)?)?;
    let spec = FieldSpec::new("bowl", grid)?;
    let report = run(backend, &spec, FIELD_SAMPLES)?;
    let plot = FieldPlot {
        background: Background::F,
        contours: 10,
        arrows: 17,
        color: opts.color,
        figure: fo.clone(),
        ..FieldPlot::default()
    };
    field(&report, &spec, &plot, &[])?.save(&path("exercise3_quiver"))?;
    figs.push(DemoFigure {
        file: file_of("exercise3_quiver"),
        what: "Exercise 3: ∇f of x² + 0.5·y² as a quiver over f, arrows in data units".into(),
        errors: line_errors(&report),
    });
    bar.inc(1);
    bar.finish();

    interrupt::check()?;
    let mut md = String::new();
    let _ = writeln!(md, "# gradfield demo: the article's figures, measured\n");
    match backend {
        Backend::Gpu(ctx) => {
            let _ = writeln!(md, "Adapter: **{}**", ctx.describe());
        }
        Backend::Cpu { fallback } => {
            let why = fallback.as_deref().unwrap_or("--device cpu was asked for");
            let _ = writeln!(
                md,
                "Adapter: **none** — computed on the CPU engine ({})",
                why.lines().next().unwrap_or("")
            );
        }
    }
    if let Some(p) = provenance_lines.first() {
        let _ = writeln!(
            md,
            "\nFirst run: {p}. Every point of every figure was compared with a float64 evaluation at the same coordinates; tolerances are running error bounds (src/tolerance.rs).\n"
        );
    }
    if !best_h_note.is_empty() {
        let _ = writeln!(
            md,
            "Best step for central differences of sin: {best_h_note}.\n"
        );
    }
    for f in &figs {
        let _ = writeln!(
            md,
            "## {}\n\n![{}]({})\n\n{}\n",
            f.file, f.what, f.file, f.what
        );
        for e in &f.errors {
            if e.starts_with('|') || e.is_empty() {
                let _ = writeln!(md, "{e}");
            } else {
                let _ = writeln!(md, "- {e}");
            }
        }
        let _ = writeln!(md);
    }
    crate::output::write_text(&out.path("report.md"), &md)?;
    let report_path = out.target().join("report.md");
    out.commit()?;
    Ok((figs, report_path))
}

/// The demo's default output folder.
pub fn default_out() -> &'static Path {
    Path::new("figures")
}
