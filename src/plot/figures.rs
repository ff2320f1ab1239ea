//! The figures: derivative curves with their errors, slope arrows on a curve, and 2-D gradient
//! fields (heatmap, contours, quiver).

use super::axes::{Axes, Scale};
use super::canvas::{Anchor, Canvas, LineStyle, palette};
use super::quiver::{self, Arrow, ArrowColor, QuiverStyle};
use super::{ColorMap, Lattice, colorbar, contour_levels, contour_segments, heatmap};
use crate::error::Result;

/// Figure size in pixels; fonts and lines scale with the width.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FigureSize {
    /// Width in pixels.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1600))]
    pub width: u32,
    /// Height in pixels.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 1200))]
    pub height: u32,
}

impl FigureSize {
    /// Checks the size before any work (64 to 16384 pixels a side).
    ///
    /// ```
    /// use gradfield::plot::FigureSize;
    /// assert!(FigureSize::default().validate().is_ok());
    /// assert!(FigureSize { width: 0, height: 600 }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        Canvas::check_size(self.width, self.height)
    }
}

impl Default for FigureSize {
    /// Print quality: 1600 × 1200.
    fn default() -> FigureSize {
        FigureSize {
            width: 1600,
            height: 1200,
        }
    }
}

/// Title and a smaller subtitle line above the axes.
fn title_block(c: &mut Canvas, ax: &Axes, title: &str, subtitle: &str) {
    let cx = ax.x0 + ax.w / 2.0;
    if subtitle.is_empty() {
        c.text(
            title,
            cx,
            ax.y0 - c.px(12.0),
            c.px(14.0),
            palette::INK,
            Anchor::Center,
            false,
        );
    } else {
        c.text(
            title,
            cx,
            ax.y0 - c.px(28.0),
            c.px(14.0),
            palette::INK,
            Anchor::Center,
            false,
        );
        c.text(
            subtitle,
            cx,
            ax.y0 - c.px(11.0),
            c.px(10.0),
            palette::INK.alpha(170),
            Anchor::Center,
            false,
        );
    }
}

/// Floor for errors on a log axis: exact zeros are drawn here rather than dropped.
fn log_floor(values: &[f64]) -> f64 {
    let min = values
        .iter()
        .copied()
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold(f64::INFINITY, f64::min);
    if min.is_finite() { min / 4.0 } else { 1e-20 }
}

/// Data for a derivative-curve figure (the article's Demo 1, with errors).
#[derive(Clone, Debug)]
pub struct CurveFigure {
    /// Title.
    pub title: String,
    /// Grid coordinates.
    pub xs: Vec<f64>,
    /// The exact derivative (symbolic, float64).
    pub truth: Vec<f64>,
    /// Its legend entry.
    pub truth_label: String,
    /// The engine's analytic gradient.
    pub grad: Vec<f64>,
    /// Its legend entry.
    pub grad_label: String,
    /// The engine's finite difference.
    pub fd: Vec<f64>,
    /// Its legend entry.
    pub fd_label: String,
    /// y-axis label of the top panel.
    pub ylabel: String,
    /// A line under the title (adapter, precision).
    pub subtitle: String,
}

/// Top: the three derivatives on one axes (solid, dashed, dotted as in the article). Bottom:
/// |error| of the analytic gradient and of the finite difference against the exact one, on a
/// log axis; exact zeros are drawn at the panel's floor.
pub fn curve_figure(d: &CurveFigure, size: FigureSize) -> Result<Canvas> {
    let mut c = Canvas::new(size.width, size.height)?;
    let (w, h) = (c.width(), c.height());
    let left = c.px(78.0);
    let right = c.px(24.0);
    let top = Axes {
        x0: left,
        y0: c.px(62.0),
        w: w - left - right,
        h: h * 0.48,
        xs: Scale::linear(d.xs[0], d.xs[d.xs.len() - 1]),
        ys: Scale::fit(d.truth.iter().chain(&d.grad).chain(&d.fd).copied()),
    };
    top.grid(&mut c);
    let [blue, orange, green, ..] = palette::SERIES;
    top.line(&mut c, &d.xs, &d.truth, blue, 3.2, LineStyle::Solid);
    top.line(&mut c, &d.xs, &d.grad, orange, 1.8, LineStyle::Dashed);
    top.line(&mut c, &d.xs, &d.fd, green, 2.0, LineStyle::Dotted);
    top.decorate(&mut c, "", &d.ylabel, "");
    title_block(&mut c, &top, &d.title, &d.subtitle);
    top.legend_auto(
        &mut c,
        &[
            (d.truth_label.clone(), blue, LineStyle::Solid),
            (d.grad_label.clone(), orange, LineStyle::Dashed),
            (d.fd_label.clone(), green, LineStyle::Dotted),
        ],
        &[(&d.xs, &d.truth), (&d.xs, &d.grad), (&d.xs, &d.fd)],
    );
    let err_grad: Vec<f64> = d
        .grad
        .iter()
        .zip(&d.truth)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let err_fd: Vec<f64> =
        d.fd.iter()
            .zip(&d.truth)
            .map(|(a, b)| (a - b).abs())
            .collect();
    let all: Vec<f64> = err_grad.iter().chain(&err_fd).copied().collect();
    let floor = log_floor(&all);
    let clamp = |v: &Vec<f64>| -> Vec<f64> {
        v.iter()
            .map(|&e| if e.is_finite() { e.max(floor) } else { e })
            .collect()
    };
    let bottom_y = top.y0 + top.h + c.px(70.0);
    let bottom = Axes {
        x0: left,
        y0: bottom_y,
        w: top.w,
        h: h - bottom_y - c.px(64.0),
        xs: top.xs,
        ys: Scale::fit_log(all.iter().map(|&e| e.max(floor))),
    };
    bottom.grid(&mut c);
    bottom.line(&mut c, &d.xs, &clamp(&err_fd), green, 1.4, LineStyle::Solid);
    bottom.line(
        &mut c,
        &d.xs,
        &clamp(&err_grad),
        orange,
        1.4,
        LineStyle::Solid,
    );
    bottom.decorate(&mut c, "x", "|error|", "");
    let max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|e| e.is_finite())
            .fold(0.0, f64::max)
    };
    bottom.legend_above(
        &mut c,
        &[
            (
                format!(
                    "|error| of the {}: max {:.2e}",
                    d.grad_label,
                    max(&err_grad)
                ),
                orange,
                LineStyle::Solid,
            ),
            (
                format!("of the {}: max {:.2e}", d.fd_label, max(&err_fd)),
                green,
                LineStyle::Solid,
            ),
        ],
    );
    Ok(c)
}

/// The article's Demo 2, better drawn: f(x) with `k` slope arrows, each a tangent step
/// (Δx, f'(x)·Δx) coloured by the slope's sign and size, so the arrows show which way and how
/// steeply f rises; flip them for gradient descent.
#[allow(clippy::too_many_arguments)]
pub fn slopes_figure(
    xs: &[f64],
    f: &[f64],
    grad: &[f64],
    k: usize,
    title: &str,
    flabel: &str,
    size: FigureSize,
) -> Result<Canvas> {
    let mut c = Canvas::new(size.width, size.height)?;
    let (w, h) = (c.width(), c.height());
    let n = xs.len();
    let k = k.clamp(2, n);
    let step = 0.55 * (xs[n - 1] - xs[0]) / (k - 1) as f64;
    // Arrows start at k evenly spaced points whose tips stay inside the axes.
    let last = xs
        .iter()
        .rposition(|&x| x <= xs[n - 1] - step)
        .unwrap_or(n - 1)
        .max(k - 1);
    let picks: Vec<usize> = (0..k).map(|j| (j * last + (k - 1) / 2) / (k - 1)).collect();
    // Make room for the arrow tips.
    let tips = picks.iter().map(|&i| f[i] + grad[i] * step);
    let ys = Scale::fit(f.iter().copied().chain(tips));
    let left = c.px(78.0);
    let ax = Axes {
        x0: left,
        y0: c.px(62.0),
        w: w - left - c.px(110.0),
        h: h - c.px(62.0) - c.px(70.0),
        xs: Scale::linear(xs[0], xs[n - 1]),
        ys,
    };
    ax.grid(&mut c);
    // The curve light, so that the arrows along it stand out.
    ax.line(
        &mut c,
        xs,
        f,
        palette::INK.alpha(110),
        1.6,
        LineStyle::Solid,
    );
    let smax = picks
        .iter()
        .map(|&i| grad[i].abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let arrows: Vec<Arrow> = picks
        .iter()
        .map(|&i| Arrow {
            x: xs[i],
            y: f[i],
            u: step,
            v: grad[i] * step,
        })
        .collect();
    let width = c.px(1.9);
    for (a, &i) in arrows.iter().zip(&picks) {
        if !(a.v.is_finite() && a.y.is_finite()) {
            continue;
        }
        let t = if smax > 0.0 {
            0.5 + 0.5 * grad[i] / smax
        } else {
            0.5
        };
        let color = ColorMap::Diverging.at(t);
        let (px, py) = (ax.px(a.x), ax.py(a.y));
        let dx = (a.u * ax.sx()) as f32;
        let dy = -(a.v * ax.sy()) as f32;
        let poly = quiver::arrow_polygon(px, py, dx, dy, width);
        c.polygon_outline(&poly, width * 0.45, palette::INK.alpha(200));
        c.polygon(&poly, color);
        c.dot(px, py, width * 0.9, palette::INK);
    }
    ax.decorate(&mut c, "x", flabel, "");
    title_block(&mut c, &ax, title, "");
    colorbar(
        &mut c,
        &ax,
        ColorMap::Diverging,
        Scale::linear(-smax, smax),
        "slope f′(x)",
    );
    c.text(
        &format!("{k} arrows: tangent steps (Δx, f′(x)·Δx), Δx = {step:.3}; flip them for descent"),
        ax.x0,
        ax.y0 + ax.h + c.px(44.0),
        c.px(10.0),
        palette::INK.alpha(190),
        Anchor::Left,
        false,
    );
    Ok(c)
}

/// What fills the background of a field figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// The function's values.
    F,
    /// The gradient's magnitude |∇f|.
    Magnitude,
    /// Nothing (arrows coloured by magnitude).
    None,
}

impl std::str::FromStr for Background {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Background> {
        match s {
            "f" => Ok(Background::F),
            "magnitude" | "grad" => Ok(Background::Magnitude),
            "none" => Ok(Background::None),
            _ => Err(crate::Error::input(format!(
                "unknown background `{s}`; use f, magnitude or none"
            ))),
        }
    }
}

/// Data and options for a 2-D gradient-field figure.
#[derive(Clone, Debug)]
pub struct FieldFigure {
    /// Title.
    pub title: String,
    /// Line under the title.
    pub subtitle: String,
    /// f on a lattice (for the background and contours).
    pub f: Lattice,
    /// ∂f/∂x on the same lattice.
    pub gx: Lattice,
    /// ∂f/∂y on the same lattice.
    pub gy: Lattice,
    /// Background.
    pub background: Background,
    /// Number of contour levels of f (0: none).
    pub contours: usize,
    /// Arrows per axis.
    pub arrows: usize,
    /// Arrow style.
    pub quiver: QuiverStyle,
    /// Draw −∇f (the way gradient descent goes).
    pub descent: bool,
}

/// Heatmap of f or |∇f|, contours of f, and a quiver of ∇f (or −∇f) subsampled to `arrows`
/// per axis; non-finite values are masked with a neutral grey and said so under the plot.
pub fn field_figure(d: &FieldFigure, size: FigureSize) -> Result<Canvas> {
    field_figure_with_axes(d, size).map(|(c, _)| c)
}

/// As [`field_figure`], also returning the axes (to locate data points in pixels).
pub fn field_figure_with_axes(d: &FieldFigure, size: FigureSize) -> Result<(Canvas, Axes)> {
    let mut c = Canvas::new(size.width, size.height)?;
    let (w, h) = (c.width(), c.height());
    let (nx, ny) = (d.f.xs.len(), d.f.ys.len());
    let (x0, x1, y0, y1) = (d.f.xs[0], d.f.xs[nx - 1], d.f.ys[0], d.f.ys[ny - 1]);
    // Equal data units on both axes when the domain's aspect fits the figure, so that arrows
    // and contours keep their true angles.
    let room_w = w - c.px(80.0) - c.px(150.0);
    let room_h = h - c.px(86.0) - c.px(78.0);
    let aspect = (y1 - y0) / (x1 - x0);
    let (aw, ah) = if (room_h as f64) / (room_w as f64) > aspect {
        (room_w, (room_w as f64 * aspect) as f32)
    } else {
        ((room_h as f64 / aspect) as f32, room_h)
    };
    let (aw, ah) = if (0.33..=3.0).contains(&aspect) {
        (aw, ah)
    } else {
        (room_w, room_h)
    };
    let ax = Axes {
        x0: c.px(80.0) + (room_w - aw) / 2.0,
        y0: c.px(86.0) + (room_h - ah) / 2.0,
        w: aw,
        h: ah,
        xs: Scale::linear(x0, x1),
        ys: Scale::linear(y0, y1),
    };
    // |∇f| only when it is the background.
    let magnitude = (d.background == Background::Magnitude).then(|| Lattice {
        xs: d.f.xs.clone(),
        ys: d.f.ys.clone(),
        v: d.gx
            .v
            .iter()
            .zip(&d.gy.v)
            .map(|(a, b)| a.hypot(*b))
            .collect(),
    });
    let (bg, label) = match (&magnitude, d.background) {
        (Some(m), _) => (Some(m), "|∇f|"),
        (None, Background::F) => (Some(&d.f), "f(x, y)"),
        (None, _) => (None, ""),
    };
    if let Some(lat) = bg {
        let (lo, hi) = lat.range();
        let map = if lo < 0.0 && hi > 0.0 {
            ColorMap::Diverging
        } else {
            ColorMap::Viridis
        };
        let (lo, hi) = if map == ColorMap::Diverging {
            let m = lo.abs().max(hi.abs());
            (-m, m)
        } else {
            (lo, hi)
        };
        heatmap(&mut c, &ax, lat, map, lo, hi);
        colorbar(&mut c, &ax, map, Scale::linear(lo, hi), label);
    } else {
        ax.grid(&mut c);
    }
    if d.contours > 0 {
        let color = if bg.is_some() {
            palette::PAPER.alpha(170)
        } else {
            palette::INK.alpha(120)
        };
        // At most about one lattice point per pixel: finer lattices change no line.
        let lat = d.f.thinned((ax.w.max(ax.h) as usize).max(64));
        for level in contour_levels(&lat, d.contours) {
            for s in contour_segments(&lat, level) {
                let pts = [
                    (ax.px(s[0].0), ax.py(s[0].1)),
                    (ax.px(s[1].0), ax.py(s[1].1)),
                ];
                c.polyline(&pts, c.px(0.9), color, LineStyle::Solid);
            }
        }
    }
    // Arrows on an evenly spaced subset of the lattice.
    let na = d.arrows.clamp(2, nx.min(ny).max(2));
    let pick =
        |n: usize, k: usize| (0..k).map(move |j| (j * (n - 1) * 2 + (k - 1)) / (2 * (k - 1)));
    let sign = if d.descent { -1.0 } else { 1.0 };
    let mut arrows = Vec::with_capacity(na * na);
    // Inset the arrow lattice half a cell so that arrows stay inside the axes.
    let ia: Vec<usize> = pick(nx, na + 1).collect();
    let ja: Vec<usize> = pick(ny, na + 1).collect();
    for jj in 0..na {
        for ii in 0..na {
            let i = (ia[ii] + ia[ii + 1]) / 2;
            let j = (ja[jj] + ja[jj + 1]) / 2;
            arrows.push(Arrow {
                x: d.f.xs[i],
                y: d.f.ys[j],
                u: sign * d.gx.at(i, j),
                v: sign * d.gy.at(i, j),
            });
        }
    }
    let cell = ((x1 - x0) / na as f64).min((y1 - y0) / na as f64);
    let mut style = d.quiver;
    if bg.is_some() && matches!(style.color, ArrowColor::Magnitude(_)) {
        // Over a coloured background, magnitude colours would vanish: dark arrows with a
        // light edge read on any map.
        style.color = ArrowColor::Plain(palette::INK, palette::PAPER);
    }
    let (scale, mmax) = quiver::draw(&mut c, &ax, &arrows, cell, &style);
    ax.decorate(&mut c, "x", "y", "");
    title_block(&mut c, &ax, &d.title, &d.subtitle);
    let vec_label = if d.descent { "|−∇f|" } else { "|∇f|" };
    quiver::key(&mut c, &ax, scale, mmax, vec_label, &style);
    if let (None, ArrowColor::Magnitude(map)) = (bg, style.color) {
        colorbar(
            &mut c,
            &ax,
            map,
            Scale::linear(0.0, mmax.max(f64::MIN_POSITIVE)),
            vec_label,
        );
    }
    let mut notes = Vec::new();
    if d.f.has_nonfinite() || d.gx.has_nonfinite() || d.gy.has_nonfinite() {
        notes.push("grey: not finite (masked)".to_string());
    }
    notes.push(format!(
        "arrows: {}{} in data units, longest ≈ one cell{}",
        if d.descent { "−∇f" } else { "∇f" },
        if style.normalize { " normalised" } else { "" },
        if d.contours > 0 {
            "; lines: contours of f"
        } else {
            ""
        }
    ));
    c.text(
        &notes.join("   ·   "),
        ax.x0,
        ax.y0 + ax.h + c.px(48.0),
        c.px(10.0),
        palette::INK.alpha(190),
        Anchor::Left,
        false,
    );
    Ok((c, ax))
}

/// Draws a ring (a hollow circle) of the given colour.
fn ring(c: &mut Canvas, x: f32, y: f32, r: f32, color: super::canvas::Color) {
    let pts: Vec<(f32, f32)> = (0..=40)
        .map(|k| {
            let a = k as f32 / 40.0 * std::f32::consts::TAU;
            (x + r * a.cos(), y + r * a.sin())
        })
        .collect();
    c.polyline(&pts, c.px(1.6), color, LineStyle::Solid);
}

/// One curve of a step-size sweep: a scheme in one precision.
#[derive(Clone, Debug)]
pub struct ErrorCurve {
    /// Scheme name (`forward`, `backward`, `central`, `five-point`).
    pub scheme: String,
    /// `f32` or `f64`.
    pub precision: String,
    /// Truncation order p.
    pub order: i32,
    /// The steps.
    pub h: Vec<f64>,
    /// The measured largest error at each step.
    pub max_abs_err: Vec<f64>,
    /// The measured optimum (h, error).
    pub best: (f64, f64),
    /// The error model at each step.
    pub theory: Vec<f64>,
    /// The model's optimum (h, error).
    pub theory_best: (f64, f64),
}

/// What the sweep figure draws.
#[derive(Clone, Debug)]
pub struct SweepPlot {
    /// The function, as text.
    pub expression: String,
    /// Grid points the errors were measured over.
    pub points: usize,
    /// The curves.
    pub curves: Vec<ErrorCurve>,
}

/// The sweep figure: log-log max |error| against h, one curve per scheme (colour) and
/// precision (f32 solid, f64 dashed) with its measured points; the error model as thin dotted
/// lines with its optimum as a ring; the measured optimum as a large dot; the round-off and
/// truncation regions labelled.
pub fn sweep_figure(s: &SweepPlot, size: FigureSize) -> Result<Canvas> {
    let mut c = Canvas::new(size.width, size.height)?;
    let (w, h) = (c.width(), c.height());
    let hs: Vec<f64> = s.curves.iter().flat_map(|k| k.h.iter().copied()).collect();
    let errs: Vec<f64> = s
        .curves
        .iter()
        .flat_map(|k| k.max_abs_err.iter().copied())
        .filter(|e| *e > 0.0)
        .collect();
    let lo = errs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = errs.iter().copied().fold(0.0, f64::max);
    let left = c.px(80.0);
    // The legend goes under the axes: error curves fill every corner of a sweep.
    let legend_h = Axes::legend_below_height(&c, s.curves.len(), 2);
    let ax = Axes {
        x0: left,
        y0: c.px(66.0),
        w: w - left - c.px(28.0),
        h: h - c.px(66.0) - c.px(66.0) - legend_h,
        xs: Scale::fit_log(hs.iter().copied()),
        ys: Scale::fit_log([lo / 3.0, hi * 3.0]),
    };
    ax.grid(&mut c);
    let color_of = |scheme: &str| match scheme {
        "forward" => palette::SERIES[0],
        "backward" => palette::SERIES[3],
        "central" => palette::SERIES[1],
        _ => palette::SERIES[2],
    };
    let mut legend = Vec::new();
    for k in &s.curves {
        let color = color_of(&k.scheme);
        let style = if k.precision == "f32" {
            LineStyle::Solid
        } else {
            LineStyle::Dashed
        };
        // The model, clipped to the plotted range.
        let theory: Vec<f64> = k
            .theory
            .iter()
            .map(|&t| {
                if t >= ax.ys.min && t <= ax.ys.max {
                    t
                } else {
                    f64::NAN
                }
            })
            .collect();
        ax.line(
            &mut c,
            &k.h,
            &theory,
            color.alpha(150),
            1.0,
            LineStyle::Dotted,
        );
        ax.line(&mut c, &k.h, &k.max_abs_err, color, 2.0, style);
        for (&x, &e) in k.h.iter().zip(&k.max_abs_err) {
            if e > 0.0 && e.is_finite() {
                c.dot(ax.px(x), ax.py(e), c.px(2.2), color);
            }
        }
        let (best_h, best_err) = k.best;
        let (theory_best_h, theory_best_err) = k.theory_best;
        if best_err.is_finite() && best_err > 0.0 {
            c.dot(ax.px(best_h), ax.py(best_err), c.px(5.0), palette::INK);
            c.dot(ax.px(best_h), ax.py(best_err), c.px(3.6), color);
        }
        if theory_best_err.is_finite() && theory_best_h >= ax.xs.min && theory_best_h <= ax.xs.max {
            let r = c.px(6.5);
            ring(
                &mut c,
                ax.px(theory_best_h),
                ax.py(theory_best_err.max(ax.ys.min)),
                r,
                color,
            );
        }
        legend.push((
            format!(
                "{} {} (p = {}): best h {:.1e}, model {:.1e}",
                k.scheme, k.precision, k.order, best_h, theory_best_h
            ),
            color,
            style,
        ));
    }
    ax.decorate(&mut c, "step h", "max |finite difference − exact|", "");
    title_block(
        &mut c,
        &ax,
        &format!(
            "Finite-difference error of f(x) = {} against the step",
            super::pretty(&s.expression)
        ),
        &format!(
            "{} points · dots: measured max over the grid · dotted: E(h) ≈ C₁hᵖ + C₂ε/h · ring: model optimum · large dot: measured optimum",
            s.points
        ),
    );
    let legend_y = ax.y0 + ax.h + c.px(62.0);
    ax.legend_below(&mut c, &legend, 2, legend_y);
    // Region labels along the bottom of the axes.
    let fs = c.px(11.0);
    let y = ax.y0 + ax.h - c.px(10.0);
    c.text(
        "← round-off dominates (∝ ε/h)",
        ax.x0 + c.px(10.0),
        y,
        fs,
        palette::INK.alpha(200),
        Anchor::Left,
        false,
    );
    c.text(
        "truncation dominates (∝ hᵖ) →",
        ax.x0 + ax.w - c.px(10.0),
        y,
        fs,
        palette::INK.alpha(200),
        Anchor::Right,
        false,
    );
    Ok(c)
}

/// A point count as a power of two when it is one (`2²⁰`), else in digits.
fn pretty_count(n: usize) -> String {
    if n.is_power_of_two() && n >= 1024 {
        const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
        let digits = n.trailing_zeros().to_string();
        let exp: String = digits.bytes().map(|d| SUP[(d - b'0') as usize]).collect();
        format!("2{exp}")
    } else {
        n.to_string()
    }
}

/// One throughput measurement: a case, an engine, a size.
#[derive(Clone, Debug)]
pub struct ThroughputPoint {
    /// The case (one panel each).
    pub case: String,
    /// The engine: `gpu kernel`, `gpu end-to-end`, `cpu f64`, `cpu f32` are drawn.
    pub engine: String,
    /// Grid points.
    pub points: usize,
    /// Million points per second.
    pub mpts_per_s: f64,
}

/// What the benchmark figure draws.
#[derive(Clone, Debug)]
pub struct ThroughputPlot {
    /// The GPU, if one was measured.
    pub adapter: Option<String>,
    /// CPU threads.
    pub cpu_threads: usize,
    /// The GPU's copy bandwidth, GB/s.
    pub copy_gb_per_s: Option<f64>,
    /// The measurements.
    pub rows: Vec<ThroughputPoint>,
}

/// The benchmark figure: one log-log panel per case of throughput (million points per second)
/// against grid points, GPU kernel and end-to-end, CPU f64 and f32; the first size at which
/// the GPU end to end overtakes the CPU in f64 is marked.
pub fn bench_figure(b: &ThroughputPlot, size: FigureSize) -> Result<Canvas> {
    let mut c = Canvas::new(size.width, size.height)?;
    let (w, h) = (c.width(), c.height());
    let mut cases: Vec<String> = Vec::new();
    for r in &b.rows {
        if !cases.contains(&r.case) {
            cases.push(r.case.clone());
        }
    }
    let cols = if cases.len() > 1 { 2 } else { 1 };
    let rows = cases.len().div_ceil(cols);
    let (top, bottom, left, right) = (c.px(84.0), c.px(40.0), c.px(72.0), c.px(20.0));
    let (gx, gy) = (c.px(70.0), c.px(78.0));
    let pw = (w - left - right - gx * (cols as f32 - 1.0)) / cols as f32;
    let ph = (h - top - bottom - gy * (rows as f32 - 1.0)) / rows as f32;
    let engines = [
        ("gpu kernel", palette::SERIES[0], LineStyle::Solid),
        ("gpu end-to-end", palette::SERIES[0], LineStyle::Dashed),
        ("cpu f64", palette::SERIES[1], LineStyle::Solid),
        ("cpu f32", palette::SERIES[1], LineStyle::Dashed),
    ];
    let all_x: Vec<f64> = b.rows.iter().map(|r| r.points as f64).collect();
    let all_y: Vec<f64> = b.rows.iter().map(|r| r.mpts_per_s).collect();
    for (k, case) in cases.iter().enumerate() {
        let (col, row) = (k % cols, k / cols);
        let ax = Axes {
            x0: left + col as f32 * (pw + gx),
            y0: top + row as f32 * (ph + gy),
            w: pw,
            h: ph,
            xs: Scale::fit_log(all_x.iter().copied()),
            ys: Scale::fit_log(all_y.iter().copied()),
        };
        ax.grid(&mut c);
        let mut legend = Vec::new();
        let mut series_data: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        for (engine, color, style) in engines {
            let pts: Vec<&ThroughputPoint> = b
                .rows
                .iter()
                .filter(|r| &r.case == case && r.engine == engine)
                .collect();
            if pts.is_empty() {
                continue;
            }
            let xs: Vec<f64> = pts.iter().map(|r| r.points as f64).collect();
            let ys: Vec<f64> = pts.iter().map(|r| r.mpts_per_s).collect();
            ax.line(&mut c, &xs, &ys, color, 2.0, style);
            for (&x, &y) in xs.iter().zip(&ys) {
                c.dot(ax.px(x), ax.py(y), c.px(2.6), color);
            }
            legend.push((engine.to_string(), color, style));
            series_data.push((xs, ys));
        }
        // Crossover: the first size where the GPU end to end beats the CPU in f64.
        let at = |engine: &str, n: usize| {
            b.rows
                .iter()
                .find(|r| &r.case == case && r.engine == engine && r.points == n)
                .map(|r| r.mpts_per_s)
        };
        let mut sizes: Vec<usize> = b
            .rows
            .iter()
            .filter(|r| &r.case == case)
            .map(|r| r.points)
            .collect();
        sizes.sort_unstable();
        sizes.dedup();
        let gpu_ahead = |n: &&usize| match (at("gpu end-to-end", **n), at("cpu f64", **n)) {
            (Some(g), Some(cpu)) => g > cpu,
            _ => false,
        };
        let compared = sizes
            .iter()
            .any(|&n| at("gpu end-to-end", n).is_some() && at("cpu f64", n).is_some());
        let note_y = ax.y0 + c.px(16.0);
        if let Some(&n) = sizes.iter().find(gpu_ahead) {
            let x = ax.px(n as f64);
            c.polyline(
                &[(x, ax.y0), (x, ax.y0 + ax.h)],
                c.px(1.2),
                palette::INK.alpha(150),
                LineStyle::Dotted,
            );
            let label = format!("GPU ahead from {} points", pretty_count(n));
            c.text(
                &label,
                x + c.px(5.0),
                note_y,
                c.px(10.0),
                palette::INK,
                Anchor::Left,
                false,
            );
        }
        let panel_title = if compared && !sizes.iter().any(|n| gpu_ahead(&n)) {
            format!("{case} · no crossover: the CPU is ahead at every size")
        } else {
            case.clone()
        };
        ax.decorate(&mut c, "grid points", "million points / s", "");
        c.text(
            &panel_title,
            ax.x0 + ax.w / 2.0,
            ax.y0 - c.px(10.0),
            c.px(12.5),
            palette::INK,
            Anchor::Center,
            false,
        );
        let refs: Vec<(&[f64], &[f64])> = series_data
            .iter()
            .map(|(x, y)| (x.as_slice(), y.as_slice()))
            .collect();
        ax.legend_auto(&mut c, &legend, &refs);
    }
    let title = "Throughput: f, central difference and ∇f over a grid, GPU against CPU";
    let sub = format!(
        "{} · CPU: {} threads{}",
        b.adapter.clone().unwrap_or_else(|| "no GPU".into()),
        b.cpu_threads,
        b.copy_gb_per_s
            .map(|g| format!(" · device copy bandwidth {g:.1} GB/s"))
            .unwrap_or_default()
    );
    c.text(
        title,
        w / 2.0,
        c.px(30.0),
        c.px(14.0),
        palette::INK,
        Anchor::Center,
        false,
    );
    c.text(
        &sub,
        w / 2.0,
        c.px(50.0),
        c.px(10.0),
        palette::INK.alpha(170),
        Anchor::Center,
        false,
    );
    Ok(c)
}
