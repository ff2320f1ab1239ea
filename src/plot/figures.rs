//! The figures: derivative curves with their errors, slope arrows and descent on a curve,
//! 2-D gradient fields (heatmap, contours, quiver, streamlines, descent paths), the step-size
//! sweep and the throughput benchmark. Each is laid out in points from its text (10-pt ticks
//! and labels, 12-pt titles), so it holds at any physical size and resolution, and drawn once
//! for PNG, SVG and PDF alike.

use super::axes::{Axes, Entry, Scale, TITLE};
use super::canvas::{Anchor, Canvas, Color, LineStyle, Marker, palette};
use super::quiver::{self, Arrow, ArrowColor, QuiverStyle};
use super::style::{ColorOptions, FigureOptions};
use super::{
    ColorMap, FONT, Lattice, Norm, colorbar, colorbar_width, contour_levels, contour_segments,
    heatmap,
};
use crate::error::Result;

/// A path drawn over a figure: an optimizer's iterates with the engine's gradient (solid,
/// with markers) and with the exact one (dashed), in data coordinates.
#[derive(Clone, Debug)]
pub struct PathSeries {
    /// Legend text.
    pub label: String,
    /// Iterates (x, y) in data units (on a curve: (x, f(x))).
    pub points: Vec<(f64, f64)>,
    /// The same descent with the exact gradient.
    pub exact: Vec<(f64, f64)>,
    /// Which colour (one per optimizer).
    pub color_key: usize,
    /// Which marker (one per start).
    pub marker_key: usize,
}

/// Sets the file metadata: the title and the run details.
fn meta(c: &mut Canvas, title: &str, details: &str) {
    c.meta.title = title.to_string();
    c.meta.description = details.to_string();
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
/// log axis; exact zeros cannot be drawn on it and are counted in the legend instead.
pub fn curve_figure(d: &CurveFigure, o: &FigureOptions) -> Result<Canvas> {
    let (title, subtitle) = (o.title_or(&d.title), o.subtitle(&d.subtitle).to_string());
    let err =
        |v: &[f64]| -> Vec<f64> { v.iter().zip(&d.truth).map(|(a, b)| (a - b).abs()).collect() };
    let (err_grad, err_fd) = (err(&d.grad), err(&d.fd));
    let positive: Vec<f64> = err_grad
        .iter()
        .chain(&err_fd)
        .copied()
        .filter(|e| *e > 0.0 && e.is_finite())
        .collect();
    let top_ys = Scale::fit(d.truth.iter().chain(&d.grad).chain(&d.fd).copied());
    let bottom_ys = if positive.is_empty() {
        Scale::log(1e-17, 1e-15)
    } else {
        Scale::fit_log(positive.iter().copied())
    };
    let ylabel = o.ylabel_or(&d.ylabel);
    let max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|e| e.is_finite())
            .fold(0.0, f64::max)
    };
    // The largest error, with what the log axis cannot show: exact points, and points where
    // the error is not finite (a value or the exact derivative is NaN or infinite there).
    let summary = |v: &[f64]| {
        let finite = v.iter().filter(|e| e.is_finite()).count();
        if finite == 0 {
            return "not finite anywhere".to_string();
        }
        let mut notes = Vec::new();
        match v.iter().filter(|&&e| e == 0.0).count() {
            0 => {}
            1 => notes.push("exact at 1 point".to_string()),
            n => notes.push(format!("exact at {n} points")),
        }
        if finite < v.len() {
            let n = v.len() - finite;
            notes.push(format!("not finite at {n} of {} points", v.len()));
        }
        let mut s = format!("max {:.2e}", max(v));
        if !notes.is_empty() {
            s += &format!(" ({})", notes.join("; "));
        }
        s
    };
    let [blue, orange, green, ..] = palette::SERIES;
    let error_legend = [
        Entry::line(
            format!("|error| of the {}: {}", d.grad_label, summary(&err_grad)),
            orange,
            LineStyle::Solid,
        ),
        Entry::line(
            format!("|error| of the {}: {}", d.fd_label, summary(&err_fd)),
            green,
            LineStyle::Solid,
        ),
    ];
    let top_legend = [
        Entry::line(d.truth_label.clone(), blue, LineStyle::Solid),
        Entry::line(d.grad_label.clone(), orange, LineStyle::Dashed),
        Entry::line(d.fd_label.clone(), green, LineStyle::Dotted),
    ];
    // (left, top room, its part for the top legend where it goes above the panel rather than
    // in it, room between the panels, bottom room) for a canvas `w` × `h`.
    let right_room = |c: &Canvas| c.px(10.0);
    let rooms = |c: &Canvas, w: f32, h: f32| {
        let left = Axes::left_room(c, &top_ys, h * 0.4, true).max(Axes::left_room(
            c,
            &bottom_ys,
            h * 0.3,
            true,
        ));
        let aw = w - left - right_room(c);
        let above = if Axes::legend_fits_inside(c, aw, &top_legend) {
            0.0
        } else {
            Axes::legend_above_layout(c, aw, &top_legend).2 + c.px(4.0)
        };
        let top_room = Axes::title_room(c, &title, &subtitle) + above;
        let legend_h = Axes::legend_above_layout(c, aw, &error_legend).2;
        let between = Axes::bottom_room(c, false) + legend_h + c.px(8.0);
        let bottom_room = Axes::bottom_room(c, true) + c.px(4.0);
        (left, top_room, above, between, bottom_room)
    };
    // 4:3, or taller where the text would leave the two panels together less than half as
    // tall as wide (a column-wide figure).
    let mut c = o.canvas(|w, probe| {
        let d = FigureOptions::default_height(w);
        let (left, top_room, _, between, bottom_room) = rooms(probe, w as f32, d);
        let aw = w as f32 - left - right_room(probe);
        d.max(top_room + between + bottom_room + 0.5 * aw)
    })?;
    meta(&mut c, &title, &d.subtitle);
    let (w, h) = (c.width(), c.height());
    let (left, top_room, above, between, bottom_room) = rooms(&c, w, h);
    let right = right_room(&c);
    let avail = h - top_room - between - bottom_room;
    let top = Axes {
        x0: left,
        y0: top_room,
        w: w - left - right,
        h: avail * 0.56,
        xs: Scale::linear(d.xs[0], d.xs[d.xs.len() - 1]),
        ys: top_ys,
    };
    top.ensure_room(&c)?;
    top.grid(&mut c);
    top.line(&mut c, &d.xs, &d.truth, blue, 2.4, LineStyle::Solid);
    top.line(&mut c, &d.xs, &d.grad, orange, 1.5, LineStyle::Dashed);
    top.line(&mut c, &d.xs, &d.fd, green, 1.7, LineStyle::Dotted);
    top.decorate(&mut c, "", &ylabel, "");
    // The title above the top legend where that legend is too wide for the panel.
    Axes {
        y0: top.y0 - above,
        ..top
    }
    .title_block(&mut c, &title, &subtitle);
    if above > 0.0 {
        top.legend_above(&mut c, &top_legend);
    } else {
        top.legend_auto(
            &mut c,
            &top_legend,
            &[(&d.xs, &d.truth), (&d.xs, &d.grad), (&d.xs, &d.fd)],
        );
    }
    let bottom = Axes {
        x0: left,
        y0: top.y0 + top.h + between,
        w: top.w,
        h: avail * 0.44,
        xs: top.xs,
        ys: bottom_ys,
    };
    bottom.ensure_room(&c)?;
    bottom.grid(&mut c);
    // Exact zeros break the line (a log axis has no 0) and are counted.
    let gaps = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|&e| if e > 0.0 { e } else { f64::NAN })
            .collect()
    };
    bottom.line(&mut c, &d.xs, &gaps(&err_fd), green, 1.2, LineStyle::Solid);
    bottom.line(
        &mut c,
        &d.xs,
        &gaps(&err_grad),
        orange,
        1.2,
        LineStyle::Solid,
    );
    bottom.decorate(&mut c, &o.xlabel_or("x"), "|error|", "");
    bottom.legend_above(&mut c, &error_legend);
    Ok(c)
}

/// Data for a curve with slope arrows and descent iterates (the article's Demo 2).
#[derive(Clone, Debug)]
pub struct SlopesFigure {
    /// Title.
    pub title: String,
    /// Run details.
    pub subtitle: String,
    /// Coordinates.
    pub xs: Vec<f64>,
    /// f.
    pub f: Vec<f64>,
    /// f′ (the engine's analytic gradient).
    pub grad: Vec<f64>,
    /// Number of slope arrows (0: none).
    pub arrows: usize,
    /// y label.
    pub flabel: String,
    /// Descent iterates on the curve.
    pub paths: Vec<PathSeries>,
}

/// The article's Demo 2, better drawn: f(x) with slope arrows, each a tangent step
/// (Δx, f′(x)·Δx) coloured by the slope's sign and size, so the arrows show which way and how
/// steeply f rises (flip them for gradient descent); and descent iterates, if any, as
/// markers on the curve joined in order.
pub fn slopes_figure(d: &SlopesFigure, o: &FigureOptions, color: &ColorOptions) -> Result<Canvas> {
    let mut c = o.canvas(|w, _| FigureOptions::default_height(w))?;
    let (title, subtitle) = (o.title_or(&d.title), o.subtitle(&d.subtitle).to_string());
    meta(&mut c, &title, &d.subtitle);
    let (w, h) = (c.width(), c.height());
    let (xs, f, grad) = (&d.xs, &d.f, &d.grad);
    let n = xs.len();
    let k = if d.arrows == 0 {
        0
    } else {
        d.arrows.clamp(2, n)
    };
    let step = if k > 1 {
        0.55 * (xs[n - 1] - xs[0]) / (k - 1) as f64
    } else {
        0.0
    };
    // Arrows start at k evenly spaced points whose tips stay inside the axes.
    let last = xs
        .iter()
        .rposition(|&x| x <= xs[n - 1] - step)
        .unwrap_or(n - 1)
        .max(k.saturating_sub(1));
    let picks: Vec<usize> = if k > 1 {
        (0..k).map(|j| (j * last + (k - 1) / 2) / (k - 1)).collect()
    } else {
        Vec::new()
    };
    let tips = picks.iter().map(|&i| f[i] + grad[i] * step);
    let path_ys = d.paths.iter().flat_map(|p| p.points.iter().map(|q| q.1));
    let ys = Scale::fit(f.iter().copied().chain(tips).chain(path_ys));
    let smax = picks
        .iter()
        .map(|&i| grad[i].abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let norm = Norm::new(
        -smax,
        smax,
        color.color_scale,
        color.cmap.unwrap_or(ColorMap::Diverging),
        color.vmin,
        color.vmax,
        smax * 1e-3,
    )?;
    let left = Axes::left_room(&c, &ys, h * 0.7, true);
    let right = if k > 0 {
        colorbar_width(&c, &norm) + c.px(6.0)
    } else {
        c.px(10.0)
    };
    let top_room = Axes::title_room(&c, &title, &subtitle);
    let caption = if k > 0 {
        format!("{k} arrows: tangent steps (Δx, f′(x)·Δx), Δx = {step:.3}; flip them for descent")
    } else {
        String::new()
    };
    let captions = [caption];
    let caption_box = FooterBox::under(&c, w, left, right);
    let bottom_room = Axes::bottom_room(&c, true)
        + if k > 0 {
            footer_height(&c, &captions, caption_box, None)
        } else {
            c.px(4.0)
        };
    let ax = Axes {
        x0: left,
        y0: top_room,
        w: w - left - right,
        h: h - top_room - bottom_room,
        xs: Scale::linear(xs[0], xs[n - 1]),
        ys,
    };
    ax.ensure_room(&c)?;
    ax.grid(&mut c);
    // The curve light, so that the arrows along it stand out.
    ax.line(
        &mut c,
        xs,
        f,
        palette::INK.alpha(110),
        1.4,
        LineStyle::Solid,
    );
    let width = c.px(1.2);
    c.clip(Some([ax.x0, ax.y0, ax.w, ax.h]));
    for &i in &picks {
        let (x, y, v) = (xs[i], f[i], grad[i] * step);
        if !(v.is_finite() && y.is_finite()) {
            continue;
        }
        let (px, py) = (ax.px(x), ax.py(y));
        let dx = (step * ax.sx()) as f32;
        let dy = -(v * ax.sy()) as f32;
        let poly = quiver::arrow_polygon(px, py, dx, dy, width);
        c.polygon_with_edge(
            &poly,
            norm.color(grad[i]),
            width * 0.45,
            palette::INK.alpha(200),
        );
        c.dot(px, py, width * 0.9, palette::INK);
    }
    c.clip(None);
    let entries = draw_paths(&mut c, &ax, &d.paths);
    ax.decorate(&mut c, &o.xlabel_or("x"), &o.ylabel_or(&d.flabel), "");
    ax.title_block(&mut c, &title, &subtitle);
    if k > 0 {
        colorbar(&mut c, &ax, ax.x0 + ax.w, &norm, "slope f′(x)");
    }
    if !entries.is_empty() {
        let series: Vec<(Vec<f64>, Vec<f64>)> = d
            .paths
            .iter()
            .map(|p| p.points.iter().copied().unzip())
            .collect();
        let mut all: Vec<(&[f64], &[f64])> = series
            .iter()
            .map(|(a, b)| (a.as_slice(), b.as_slice()))
            .collect();
        all.push((xs, f));
        ax.legend_auto(&mut c, &entries, &all);
    }
    footer(&mut c, &ax, 0.0, &captions, None, caption_box);
    Ok(c)
}

/// Path colours: dark or saturated, each with a white halo, so that they read over any map.
const PATH_COLORS: [Color; 6] = [
    palette::SERIES[1],
    palette::SERIES[0],
    palette::SERIES[3],
    palette::SERIES[6],
    palette::SERIES[4],
    palette::SERIES[5],
];
const PATH_MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];

/// Legend entries of descent paths.
fn path_entries(paths: &[PathSeries]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = paths
        .iter()
        .map(|p| {
            Entry::line(
                p.label.clone(),
                PATH_COLORS[p.color_key % PATH_COLORS.len()],
                LineStyle::Solid,
            )
            .with_marker(PATH_MARKERS[p.marker_key % PATH_MARKERS.len()], true)
        })
        .collect();
    if !paths.is_empty() {
        entries.push(Entry::line(
            "dashed: with the exact gradient",
            palette::INK.alpha(200),
            LineStyle::Dashed,
        ));
    }
    entries
}

/// Draws descent paths (engine's gradient: solid with markers, start hollow, end filled;
/// exact gradient: dashed) and returns their legend entries.
fn draw_paths(c: &mut Canvas, ax: &Axes, paths: &[PathSeries]) -> Vec<Entry> {
    c.clip(Some([ax.x0, ax.y0, ax.w, ax.h]));
    for p in paths {
        let color = PATH_COLORS[p.color_key % PATH_COLORS.len()];
        let marker = PATH_MARKERS[p.marker_key % PATH_MARKERS.len()];
        let px = |q: &(f64, f64)| (ax.px(q.0), ax.py(q.1));
        let exact: Vec<(f32, f32)> = p.exact.iter().map(px).collect();
        let pts: Vec<(f32, f32)> = p.points.iter().map(px).collect();
        // A light halo, so that paths read over any background.
        c.polyline(&pts, c.px(3.4), palette::PAPER.alpha(190), LineStyle::Solid);
        c.polyline(&exact, c.px(1.0), color.alpha(220), LineStyle::Dashed);
        c.polyline(&pts, c.px(1.6), color, LineStyle::Solid);
        // Markers thinned to about 25 along the path.
        let every = pts.len().div_ceil(25).max(1);
        for q in pts.iter().step_by(every) {
            c.marker(q.0, q.1, c.px(2.2), marker, color, true);
        }
        if let (Some(a), Some(b)) = (pts.first(), pts.last()) {
            c.marker(a.0, a.1, c.px(4.0), Marker::Circle, color, false);
            c.marker(b.0, b.1, c.px(4.5), marker, palette::INK, true);
            c.marker(b.0, b.1, c.px(3.2), marker, color, true);
        }
    }
    c.clip(None);
    path_entries(paths)
}

/// Draws a key right-aligned at (x, baseline y).
type KeyDrawer<'a> = dyn FnMut(&mut Canvas, f32, f32) + 'a;

/// Where a caption goes: its lines start at `x` and wrap at `width`; a key is right-aligned
/// at `key_right` on the first line.
#[derive(Clone, Copy)]
struct FooterBox {
    x: f32,
    key_right: f32,
    width: f32,
}

impl FooterBox {
    /// Under a figure whose axes' room runs from `left` to `w - right`: the caption from
    /// there to the figure's right margin (under the colour bars too: a narrow plot beside
    /// them would otherwise wrap it a few words to a line), a key ending where that room does.
    fn under(c: &Canvas, w: f32, left: f32, right: f32) -> FooterBox {
        FooterBox {
            x: left,
            key_right: w - right,
            width: w - left - c.px(8.0),
        }
    }
}

/// The caption's lines, and whether a key `key_w` wide needs a line of its own (when the first
/// line would not fit beside it).
fn footer_lines(
    c: &Canvas,
    notes: &[String],
    bx: FooterBox,
    key_w: Option<f32>,
) -> (Vec<String>, bool) {
    let fs = c.px(super::axes::SUBTITLE + 0.5);
    let lines = wrap(c, notes, fs, bx.width);
    let own = key_w.is_some_and(|k| {
        lines
            .first()
            .is_some_and(|l| c.text_width(l, fs) > bx.key_right - bx.x - k - c.px(12.0))
    });
    (lines, own)
}

/// Caption lines under the x label, with an item (the quiver key: its width and a drawing
/// closure) right-aligned on the first line, or on a line of its own above them when the
/// first line would not leave it room.
fn footer(
    c: &mut Canvas,
    ax: &Axes,
    below: f32,
    notes: &[String],
    key: Option<(f32, &mut KeyDrawer<'_>)>,
    bx: FooterBox,
) {
    let fs = c.px(super::axes::SUBTITLE + 0.5);
    let (lines, own) = footer_lines(c, notes, bx, key.as_ref().map(|k| k.0));
    let y0 = ax.y0 + ax.h + Axes::bottom_room(c, true) + below + fs * 1.2;
    let first = if own { 1 } else { 0 };
    // Under the axes' left edge where the lines still fit (a plot centred in a wider room),
    // else as far right as they fit; never left of the box.
    let longest = lines
        .iter()
        .map(|l| c.text_width(l, fs))
        .fold(0.0, f32::max);
    let mut x = ax.x0.min(bx.x + bx.width - longest);
    if let (Some((kw, _)), false, Some(l)) = (&key, own, lines.first()) {
        x = x.min(bx.key_right - kw - c.px(12.0) - c.text_width(l, fs));
    }
    let x = x.max(bx.x);
    for (i, line) in lines.iter().enumerate() {
        c.text(
            line,
            x,
            y0 + (i + first) as f32 * fs * 1.35,
            fs,
            palette::INK.alpha(190),
            Anchor::Left,
            false,
        );
    }
    // Right-aligned at the box's right, but never starting left of the caption.
    if let Some((kw, draw)) = key {
        draw(c, bx.key_right.max(bx.x + kw), y0);
    }
}

/// Height in pixels of a [`footer`] with these notes (for layout).
fn footer_height(c: &Canvas, notes: &[String], bx: FooterBox, key_w: Option<f32>) -> f32 {
    let fs = c.px(super::axes::SUBTITLE + 0.5);
    let (lines, own) = footer_lines(c, notes, bx, key_w);
    let n = (lines.len() + usize::from(own)).max(usize::from(key_w.is_some()));
    fs * (0.6 + 1.35 * n as f32)
}

/// Notes joined with " · " into lines no wider than `width`; a note longer than a line is
/// broken between words.
fn wrap(c: &Canvas, notes: &[String], fs: f32, width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for n in notes.iter().filter(|n| !n.is_empty()) {
        match lines.last_mut() {
            Some(l) if c.text_width(&format!("{l}   ·   {n}"), fs) <= width => {
                l.push_str("   ·   ");
                l.push_str(n);
            }
            _ => lines.extend(super::axes::wrap_words(c, n, fs, width)),
        }
    }
    lines
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
    /// How the background is coloured.
    pub color: ColorOptions,
    /// Number of contour levels of f (0: none).
    pub contours: usize,
    /// Arrows per axis, at evenly spaced lattice points (fewer on a coarse lattice; 0: none).
    pub arrows: usize,
    /// Arrow style.
    pub quiver: QuiverStyle,
    /// Draw −∇f (the way gradient descent goes).
    pub descent: bool,
    /// Streamline density: about this many lines across the plot (0: none).
    pub streamlines: usize,
    /// Descent paths.
    pub paths: Vec<PathSeries>,
}

impl FieldFigure {
    /// A figure of f and its gradient with the default options: f as the background with 12
    /// contours and 20 × 20 arrows.
    pub fn new(title: &str, f: Lattice, gx: Lattice, gy: Lattice) -> FieldFigure {
        FieldFigure {
            title: title.into(),
            subtitle: String::new(),
            f,
            gx,
            gy,
            background: Background::F,
            color: ColorOptions::default(),
            contours: 12,
            arrows: 20,
            quiver: QuiverStyle::default(),
            descent: false,
            streamlines: 0,
            paths: Vec::new(),
        }
    }
}

/// Heatmap of f or |∇f|, contours of f, a quiver of ∇f (or −∇f) subsampled to `arrows` per
/// axis, streamlines and descent paths; non-finite values are masked in grey and said so
/// under the plot.
pub fn field_figure(d: &FieldFigure, o: &FigureOptions) -> Result<Canvas> {
    field_figure_with_axes(d, o).map(|(c, _)| c)
}

/// As [`field_figure`], also returning the axes (to locate data points in pixels).
pub fn field_figure_with_axes(d: &FieldFigure, o: &FigureOptions) -> Result<(Canvas, Axes)> {
    let (nx, ny) = (d.f.xs.len(), d.f.ys.len());
    let (x0, x1, y0, y1) = (d.f.xs[0], d.f.xs[nx - 1], d.f.ys[0], d.f.ys[ny - 1]);
    let title = o.title_or(&d.title);
    let subtitle = o.subtitle(&d.subtitle).to_string();
    let vec_label = if d.descent { "|−∇f|" } else { "|∇f|" };
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
    let (bg, bg_label) = match (&magnitude, d.background) {
        (Some(m), _) => (Some(m), "|∇f|"),
        (None, Background::F) => (Some(&d.f), "f(x, y)"),
        (None, _) => (None, ""),
    };
    let bg_norm = match bg {
        Some(lat) => {
            let (lo, hi) = lat.range();
            let map = d.color.cmap.unwrap_or(if lo < 0.0 && hi > 0.0 {
                ColorMap::Diverging
            } else {
                ColorMap::Viridis
            });
            let smallest = lat
                .v
                .iter()
                .copied()
                .filter(|v| *v > 0.0 && v.is_finite())
                .fold(f64::INFINITY, f64::min);
            Some(Norm::new(
                lo,
                hi,
                d.color.color_scale,
                map,
                d.color.vmin,
                d.color.vmax,
                smallest,
            )?)
        }
        None => None,
    };
    // Arrow colours: by magnitude where nothing is under them or they are normalised (the
    // length no longer tells), else dark or light for contrast with the background; a plain
    // colour stays as asked.
    let mut style = d.quiver;
    style.color = match style.color {
        ArrowColor::Magnitude(_) if bg.is_some() && !style.normalize => ArrowColor::Contrast,
        ArrowColor::Contrast if bg.is_none() => ArrowColor::Plain(palette::INK, palette::PAPER),
        other => other,
    };
    let normalize_colors = matches!(style.color, ArrowColor::Magnitude(_));
    // Whether ∇f is anywhere finite and not zero (else every arrow is a dot and no line
    // flows): found at the first such point, not by a pass over the lattice.
    let flows =
        d.gx.v
            .iter()
            .zip(&d.gy.v)
            .any(|(a, b)| a.is_finite() && b.is_finite() && (*a != 0.0 || *b != 0.0));
    // No colour bar for magnitudes that are all zero: every arrow is then a dot.
    let arrow_norm = (normalize_colors && d.arrows > 0 && flows).then(|| {
        let mmax =
            d.gx.v
                .iter()
                .zip(&d.gy.v)
                .map(|(a, b)| a.hypot(*b))
                .filter(|m| m.is_finite())
                .fold(0.0, f64::max);
        let map = match style.color {
            ArrowColor::Magnitude(m) => m,
            _ => ColorMap::Inferno,
        };
        // The arrows use the darker 80 % of the map (see ArrowColor::Magnitude).
        Norm {
            scale: Scale::linear(0.0, mmax.max(f64::MIN_POSITIVE) / 0.8),
            map,
        }
    });
    let notes = field_notes(d, &style, flows);
    // A key under the arrows: their scale, or that every one is a dot; none for normalised
    // arrows, whose note says all there is (direction only, colour by magnitude).
    let keyed = d.arrows > 0 && !(style.normalize && flows);
    // Descent paths get a legend under the axes (inside, it would hide them).
    let entries = path_entries(&d.paths);
    let legend_room = |c: &Canvas, aw: f32| {
        if entries.is_empty() {
            0.0
        } else {
            c.px(6.0) + Axes::legend_below_layout(c, aw, &entries, 2).2
        }
    };
    // Layout in points: the axes' height follows the domain's aspect when the options leave
    // the height free (equal units on both axes for aspects between 1:3 and 3:1).
    let aspect = (y1 - y0) / (x1 - x0);
    let equal = (1.0 / 3.0..=3.0).contains(&aspect);
    let rooms = |c: &Canvas, w: f32, ah: f32| {
        let left = Axes::left_room(c, &Scale::linear(y0, y1), ah, true);
        let mut right = c.px(8.0);
        if let Some(n) = &bg_norm {
            right += colorbar_width(c, n);
        }
        if let Some(n) = &arrow_norm {
            right += colorbar_width(c, n);
        }
        let top = Axes::title_room(c, &title, &subtitle);
        let aw = w - left - right;
        // The key's width is not known before the arrows' scale: about 90 points.
        let key_w = keyed.then(|| c.px(90.0));
        let bottom = Axes::bottom_room(c, true)
            + legend_room(c, aw)
            + footer_height(c, &notes, FooterBox::under(c, w, left, right), key_w);
        (left, right, top, bottom)
    };
    let mut c = o.canvas(|w, probe| {
        let (l, r, t, b) = rooms(probe, w as f32, 0.6 * w as f32);
        let aw = w as f32 - l - r;
        let ah = if equal { aw * aspect as f32 } else { aw * 0.75 };
        t + ah + b
    })?;
    meta(&mut c, &title, &d.subtitle);
    let (w, h) = (c.width(), c.height());
    let (left, right, top, bottom) = rooms(&c, w, h * 0.6);
    let (room_w, room_h) = (w - left - right, h - top - bottom);
    let (aw, ah) = if !equal {
        (room_w, room_h)
    } else if (room_h as f64) / (room_w as f64) > aspect {
        (room_w, (room_w as f64 * aspect) as f32)
    } else {
        ((room_h as f64 / aspect) as f32, room_h)
    };
    let ax = Axes {
        x0: left + (room_w - aw) / 2.0,
        y0: top + (room_h - ah) / 2.0,
        w: aw,
        h: ah,
        xs: Scale::linear(x0, x1),
        ys: Scale::linear(y0, y1),
    };
    ax.ensure_room(&c)?;
    if let (Some(lat), Some(n)) = (bg, &bg_norm) {
        heatmap(&mut c, &ax, lat, n);
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
            let segs: Vec<[(f32, f32); 2]> = contour_segments(&lat, level)
                .iter()
                .map(|s| {
                    [
                        (ax.px(s[0].0), ax.py(s[0].1)),
                        (ax.px(s[1].0), ax.py(s[1].1)),
                    ]
                })
                .collect();
            c.segments(&segs, c.px(0.7), color);
        }
    }
    let sign = if d.descent { -1.0 } else { 1.0 };
    if d.streamlines > 0 {
        let lines = super::stream::streamlines(&ax, &d.gx, &d.gy, sign, d.streamlines);
        c.clip(Some([ax.x0, ax.y0, ax.w, ax.h]));
        for l in &lines {
            c.polyline(l, c.px(2.0), palette::PAPER.alpha(110), LineStyle::Solid);
        }
        for l in &lines {
            c.polyline(l, c.px(0.8), palette::INK.alpha(215), LineStyle::Solid);
            // An arrowhead near the middle, along the direction of travel.
            if let Some((at, (ux, uy))) = super::stream::head(l) {
                let hl = c.px(4.0);
                let tip = (at.0 + ux * hl * 0.5, at.1 + uy * hl * 0.5);
                let base = (tip.0 - ux * hl, tip.1 - uy * hl);
                let half = hl * 0.45;
                c.polygon(
                    &[
                        tip,
                        (base.0 - uy * half, base.1 + ux * half),
                        (base.0 + uy * half, base.1 - ux * half),
                    ],
                    palette::INK.alpha(230),
                );
            }
        }
        c.clip(None);
    }
    // Arrows at lattice points (computed values, not interpolated ones), evenly spaced.
    let mut drawn = None;
    if d.arrows > 0 {
        let (ia, sx) = arrow_points(nx, d.arrows);
        let (ja, sy) = arrow_points(ny, d.arrows);
        let mut arrows = Vec::with_capacity(ia.len() * ja.len());
        for &j in &ja {
            for &i in &ia {
                arrows.push(Arrow {
                    x: d.f.xs[i],
                    y: d.f.ys[j],
                    u: sign * d.gx.at(i, j),
                    v: sign * d.gy.at(i, j),
                });
            }
        }
        // The spacing of the arrows in data units, the smaller of the two.
        let step =
            |v: &[f64], s: usize| (v[v.len() - 1] - v[0]) * s as f64 / (v.len() - 1).max(1) as f64;
        let cell = step(&d.f.xs, sx).min(step(&d.f.ys, sy));
        let under = |x: f64, y: f64| -> Option<Color> {
            let (lat, n) = (bg?, bg_norm.as_ref()?);
            Some(n.color(lat.sample(x, y)))
        };
        drawn = Some(quiver::draw(&mut c, &ax, &arrows, cell, &style, &under));
    }
    draw_paths(&mut c, &ax, &d.paths);
    ax.decorate(&mut c, &o.xlabel_or("x"), &o.ylabel_or("y"), "");
    if !entries.is_empty() {
        let (cols, fs, _) = Axes::legend_below_layout(&c, ax.w, &entries, 2);
        let y = ax.y0 + ax.h + Axes::bottom_room(&c, true) + c.px(6.0) + fs * 0.6;
        ax.legend_below(&mut c, &entries, cols, y);
    }
    let below = legend_room(&c, ax.w);
    ax.title_block(&mut c, &title, &subtitle);
    let mut bar_x = ax.x0 + ax.w;
    if let (Some(n), true) = (&bg_norm, bg.is_some()) {
        bar_x += colorbar(&mut c, &ax, bar_x, n, bg_label);
    }
    if let Some(n) = &arrow_norm {
        colorbar(&mut c, &ax, bar_x, n, &format!("{vec_label} (arrows)"));
    }
    let bx = FooterBox::under(&c, w, left, right);
    match drawn.filter(|_| keyed) {
        Some(dr) => {
            let kw = quiver::key_width(&c, &ax, &dr, vec_label, &style);
            let mut draw_key = |c: &mut Canvas, x: f32, y: f32| {
                quiver::key(c, &ax, x, y, &dr, vec_label, &style);
            };
            footer(&mut c, &ax, below, &notes, Some((kw, &mut draw_key)), bx);
        }
        None => footer(&mut c, &ax, below, &notes, None, bx),
    }
    Ok((c, ax))
}

/// Lattice indices of about `want` arrows along an axis of `n` points, one every `s` points
/// (returned with `s`), centred with at least half a stride free at each end (an arrow on
/// the edge would be cut in half): a whole stride, so that on a coarse lattice the arrows
/// stay evenly spaced (32 points and 20 arrows asked for give 15, every second point;
/// picking 20 of 32 put them in uneven pairs). The stride is `n / want` rounded down where
/// `want` arrows then leave between one and three strides free in all, else rounded up
/// (fewer arrows, about two thirds of `want` at the least).
fn arrow_points(n: usize, want: usize) -> (Vec<usize>, usize) {
    if n < 2 {
        return (vec![0; n], 1);
    }
    let want = want.max(2);
    let down = (n / want).max(1);
    let free = (n - 1).saturating_sub((want - 1) * down);
    let s = if (down..=3 * down).contains(&free) {
        down
    } else {
        n.div_ceil(want)
    };
    let count = want.min((n - 1) / s).max(1);
    let offset = ((n - 1) - (count - 1) * s) / 2;
    ((0..count).map(|k| offset + k * s).collect(), s)
}

/// The caption of a field figure: what is masked, what the arrows, lines and paths are, and
/// the true scale of the arrows; nothing of arrows, streamlines or contours that a zero
/// gradient (`flows` false: |∇f| is 0 wherever finite) or a constant f leaves out.
fn field_notes(d: &FieldFigure, style: &QuiverStyle, flows: bool) -> Vec<String> {
    let mut notes = Vec::new();
    if d.f.has_nonfinite() || d.gx.has_nonfinite() || d.gy.has_nonfinite() {
        notes.push("grey: not finite (masked)".to_string());
    }
    let v = if d.descent { "−∇f" } else { "∇f" };
    // Two different finite values of f, found where they first occur.
    let mut finite = d.f.v.iter().filter(|z| z.is_finite());
    let f_varies = finite.next().is_some_and(|z0| finite.any(|z| z != z0));
    if d.arrows > 0 && flows {
        notes.push(if style.normalize {
            format!("arrows: direction of {v}, equal length; colour: its magnitude")
        } else if let Some(s) = style.scale {
            format!(
                "arrows: {v} in data units × {} (the scale given)",
                short_num(s)
            )
        } else {
            format!("arrows: {v} in data units, scaled so the longest ≈ one cell")
        });
    }
    if d.streamlines > 0 && flows {
        notes.push(format!("lines with heads: streamlines of {v}"));
    }
    if d.contours > 0 && f_varies {
        notes.push("thin lines: contours of f".into());
    }
    notes
}

fn short_num(v: f64) -> String {
    if (1e-3..1e4).contains(&v.abs()) {
        format!("{}", (v * 1e4).round() / 1e4)
    } else {
        format!("{v:.2e}")
    }
}

/// A sweep curve's legend text after its name: the measured best step and the model's,
/// or what stands in for them (an exact difference, a model without truncation).
fn sweep_entry(k: &ErrorCurve) -> String {
    let exact_everywhere = k.max_abs_err.iter().all(|e| *e == 0.0 || !e.is_finite());
    let (h, e) = k.best;
    let measured = if e == 0.0 && exact_everywhere {
        "exact at every step".to_string()
    } else if e == 0.0 {
        format!("exact at h = {h:.1e}")
    } else if e.is_finite() {
        format!("best h {h:.1e}")
    } else {
        "no finite error".to_string()
    };
    let model = if k.theory_best.0.is_finite() {
        format!(", model {:.1e}", k.theory_best.0)
    } else if k.theory.iter().any(|t| t.is_finite()) {
        ", model: round-off only".to_string()
    } else {
        String::new()
    };
    measured + &model
}

/// Draws a ring (a hollow circle) of the given colour.
fn ring(c: &mut Canvas, x: f32, y: f32, r: f32, color: Color) {
    let pts: Vec<(f32, f32)> = (0..=40)
        .map(|k| {
            let a = k as f32 / 40.0 * std::f32::consts::TAU;
            (x + r * a.cos(), y + r * a.sin())
        })
        .collect();
    c.polyline(&pts, c.px(1.2), color, LineStyle::Solid);
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

/// Colour and marker of a scheme (markers keep schemes apart in greyscale).
fn scheme_look(scheme: &str) -> (Color, Marker) {
    match scheme {
        "forward" => (palette::SERIES[0], Marker::Circle),
        "backward" => (palette::SERIES[3], Marker::Diamond),
        "central" => (palette::SERIES[1], Marker::Square),
        _ => (palette::SERIES[2], Marker::Triangle),
    }
}

/// The sweep figure: log-log max |error| against h, one curve per scheme (colour and marker
/// shape) and precision (f32 solid with filled markers, f64 dashed with hollow ones); the
/// error model as thin dotted lines with its optimum as a ring; the measured optimum as a
/// large marker; the round-off and truncation regions labelled; minor ticks on both axes.
pub fn sweep_figure(s: &SweepPlot, o: &FigureOptions) -> Result<Canvas> {
    let title = o.title_or(&format!(
        "Finite-difference error of f(x) = {} against the step",
        super::pretty(&s.expression)
    ));
    let details = format!(
        "{} points · markers: measured max over the grid · dotted: E(h) ≈ C₁hᵖ + C₂ε/h · ring: \
         model optimum · large marker: measured optimum",
        s.points
    );
    let subtitle = o.subtitle(&details).to_string();
    let hs: Vec<f64> = s.curves.iter().flat_map(|k| k.h.iter().copied()).collect();
    // The positive finite values of every curve's series: the measured errors, or the models
    // where no error is positive (every difference exact).
    let positive = |series: fn(&ErrorCurve) -> &Vec<f64>| -> Vec<f64> {
        s.curves
            .iter()
            .flat_map(|k| series(k).iter().copied())
            .filter(|e| *e > 0.0 && e.is_finite())
            .collect()
    };
    let mut errs = positive(|k| &k.max_abs_err);
    if errs.is_empty() {
        errs = positive(|k| &k.theory);
    }
    let lo = errs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = errs.iter().copied().fold(0.0, f64::max);
    let ys = if errs.is_empty() {
        Scale::fit_log([1e-17, 1.0])
    } else {
        Scale::fit_log([lo / 3.0, hi * 3.0])
    };
    // The legend goes under the axes: error curves fill every corner of a sweep. Two
    // columns while their text keeps 9 pt, else one.
    let legend: Vec<Entry> = s
        .curves
        .iter()
        .map(|k| {
            let (color, marker) = scheme_look(&k.scheme);
            let f32_curve = k.precision == "f32";
            Entry::line(
                format!(
                    "{} {} (p = {}): {}",
                    k.scheme,
                    k.precision,
                    k.order,
                    sweep_entry(k)
                ),
                color,
                if f32_curve {
                    LineStyle::Solid
                } else {
                    LineStyle::Dashed
                },
            )
            .with_marker(marker, f32_curve)
        })
        .collect();
    // (left, top, bottom, axes width, legend columns) for a canvas `w` × `h`.
    let rooms = |c: &Canvas, w: f32, h: f32| {
        let left = Axes::left_room(c, &ys, h * 0.6, true);
        let top = Axes::title_room(c, &title, &subtitle);
        let aw = w - left - c.px(12.0);
        let (cols, _, legend_h) = Axes::legend_below_layout(c, aw, &legend, 2);
        let bottom = Axes::bottom_room(c, true) + c.px(8.0) + legend_h;
        (left, top, bottom, aw, cols)
    };
    // 4:3, or taller where the title, the legend and the labels would leave the axes less
    // than 0.45 of their width (a column-wide figure).
    let mut c = o.canvas(|w, probe| {
        let d = FigureOptions::default_height(w);
        let (_, top, bottom, aw, _) = rooms(probe, w as f32, d);
        d.max(top + 0.45 * aw + bottom)
    })?;
    meta(&mut c, &title, &details);
    let (w, h) = (c.width(), c.height());
    let (left, top, bottom, aw, legend_cols) = rooms(&c, w, h);
    let ax = Axes {
        x0: left,
        y0: top,
        w: aw,
        h: h - top - bottom,
        xs: Scale::fit_log(hs.iter().copied()),
        ys,
    };
    ax.ensure_room(&c)?;
    ax.grid(&mut c);
    // f64 first, so that the f32 curves (usually on top of each other at large h) stay
    // visible over them; markers alternate by half a step between precisions.
    let mut order: Vec<&ErrorCurve> = s.curves.iter().collect();
    order.sort_by_key(|k| k.precision != "f64");
    for k in order {
        let (color, marker) = scheme_look(&k.scheme);
        let f32_curve = k.precision == "f32";
        let style = if f32_curve {
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
            0.8,
            LineStyle::Dotted,
        );
        ax.line(&mut c, &k.h, &k.max_abs_err, color, 1.4, style);
        for (i, (&x, &e)) in k.h.iter().zip(&k.max_abs_err).enumerate() {
            if e > 0.0 && e.is_finite() && i % 2 == usize::from(!f32_curve) {
                c.marker(ax.px(x), ax.py(e), c.px(2.6), marker, color, f32_curve);
            }
        }
        let (best_h, best_err) = k.best;
        let (theory_best_h, theory_best_err) = k.theory_best;
        if best_err.is_finite() && best_err > 0.0 {
            c.marker(
                ax.px(best_h),
                ax.py(best_err),
                c.px(5.0),
                marker,
                palette::INK,
                true,
            );
            c.marker(
                ax.px(best_h),
                ax.py(best_err),
                c.px(3.6),
                marker,
                color,
                true,
            );
        }
        if theory_best_err.is_finite() && theory_best_h >= ax.xs.min && theory_best_h <= ax.xs.max {
            let r = c.px(6.0);
            ring(
                &mut c,
                ax.px(theory_best_h),
                ax.py(theory_best_err.max(ax.ys.min)),
                r,
                color,
            );
        }
    }
    ax.decorate(
        &mut c,
        &o.xlabel_or("step h"),
        &o.ylabel_or("max |finite difference − exact|"),
        "",
    );
    ax.title_block(&mut c, &title, &subtitle);
    let legend_y = ax.y0 + ax.h + Axes::bottom_room(&c, true) + c.px(8.0);
    ax.legend_below(&mut c, &legend, legend_cols, legend_y);
    // Region labels along the bottom of the axes, smaller where both would not fit.
    let (left_label, right_label) = (
        "← round-off dominates (∝ ε/h)",
        "truncation dominates (∝ hᵖ) →",
    );
    let mut fs = c.px(super::axes::SUBTITLE + 1.0);
    let both = c.text_width(left_label, fs) + c.text_width(right_label, fs);
    let room = ax.w - c.px(24.0);
    if both > room {
        fs *= room / both;
    }
    let y = ax.y0 + ax.h - c.px(6.0);
    c.text(
        left_label,
        ax.x0 + c.px(6.0),
        y,
        fs,
        palette::INK.alpha(200),
        Anchor::Left,
        false,
    );
    c.text(
        right_label,
        ax.x0 + ax.w - c.px(6.0),
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

/// The engines of a benchmark figure: name, colour, dash, marker, filled.
const BENCH_ENGINES: [(&str, Color, LineStyle, Marker, bool); 4] = [
    (
        "gpu kernel",
        palette::SERIES[0],
        LineStyle::Solid,
        Marker::Circle,
        true,
    ),
    (
        "gpu end-to-end",
        palette::SERIES[0],
        LineStyle::Dashed,
        Marker::Square,
        false,
    ),
    (
        "cpu f64",
        palette::SERIES[1],
        LineStyle::Solid,
        Marker::Triangle,
        true,
    ),
    (
        "cpu f32",
        palette::SERIES[1],
        LineStyle::Dashed,
        Marker::Diamond,
        false,
    ),
];

/// The rows of a whole run checked in full (engine, reference, comparison) that stand beside
/// an engine's own, drawn dotted in its colour: the GPU end to end and each CPU precision.
fn checked_engine(engine: &str) -> Option<&'static str> {
    match engine {
        "gpu end-to-end" => Some("gpu + check full"),
        "cpu f64" => Some("cpu f64 + check full"),
        "cpu f32" => Some("cpu f32 + check full"),
        _ => None,
    }
}

/// The legend of a benchmark figure: the engines it has rows of, and one entry for the
/// dotted checked runs where there are any.
fn bench_legend(b: &ThroughputPlot) -> Vec<Entry> {
    let has = |engine: &str| b.rows.iter().any(|r| r.engine == engine);
    let mut legend: Vec<Entry> = BENCH_ENGINES
        .iter()
        .filter(|e| has(e.0))
        .map(|&(engine, color, style, marker, filled)| {
            Entry::line(engine, color, style).with_marker(marker, filled)
        })
        .collect();
    if BENCH_ENGINES
        .iter()
        .any(|e| checked_engine(e.0).is_some_and(has))
    {
        legend.push(Entry::line(
            "dotted: checked in full",
            palette::INK,
            LineStyle::Dotted,
        ));
    }
    legend
}

/// The benchmark figure: one log-log panel per case of throughput (million points per second)
/// against grid points, GPU kernel and end-to-end, CPU f64 and f32 (colour, dash and marker
/// each), and dotted beside each the whole run checked in full (`… + check full` rows; other
/// check modes stay in the table); the first size at which the GPU end to end overtakes the
/// CPU in f64 is marked.
pub fn bench_figure(b: &ThroughputPlot, o: &FigureOptions) -> Result<Canvas> {
    let mut cases: Vec<String> = Vec::new();
    for r in &b.rows {
        if !cases.contains(&r.case) {
            cases.push(r.case.clone());
        }
    }
    let cols = if cases.len() > 1 { 2 } else { 1 };
    let rows = cases.len().div_ceil(cols).max(1);
    let title = o.title_or(if b.adapter.is_some() {
        "Throughput: f, central difference and ∇f over a grid, GPU against CPU"
    } else {
        "Throughput: f, central difference and ∇f over a grid on the CPU"
    });
    // The rows drawn: the engines' own and their runs checked in full; the others (a
    // sampled check) are in the table and the JSON, which the subtitle says.
    let drawn: Vec<&ThroughputPoint> = b
        .rows
        .iter()
        .filter(|r| {
            BENCH_ENGINES
                .iter()
                .any(|e| e.0 == r.engine || checked_engine(e.0) == Some(r.engine.as_str()))
        })
        .collect();
    let undrawn = drawn.len() < b.rows.len();
    let details = format!(
        "{} · CPU: {} threads{}{}",
        b.adapter.clone().unwrap_or_else(|| "no GPU".into()),
        b.cpu_threads,
        b.copy_gb_per_s
            .map(|g| format!(" · device copy bandwidth {g:.1} GB/s"))
            .unwrap_or_default(),
        if undrawn {
            " · other check modes: the table, --json"
        } else {
            ""
        }
    );
    let subtitle = o.subtitle(&details).to_string();
    let all_x: Vec<f64> = drawn.iter().map(|r| r.points as f64).collect();
    let all_y: Vec<f64> = drawn.iter().map(|r| r.mpts_per_s).collect();
    let xs = Scale::fit_log(all_x.iter().copied());
    let ys = Scale::fit_log(all_y.iter().copied());
    // One legend for every panel, under them (inside, it would cover some panel's data).
    let legend = bench_legend(b);
    // The layout of a canvas `w` × `h`: rooms, gaps, panel width, legend columns and size.
    struct Layout {
        top: f32,
        left: f32,
        right: f32,
        bottom: f32,
        gx: f32,
        gy: f32,
        pw: f32,
        legend_cols: usize,
        legend_fs: f32,
    }
    let layout = |c: &Canvas, w: f32, h: f32| {
        let top = Axes::title_room(c, &title, &subtitle) + c.px(TITLE + 2.0);
        let left = Axes::left_room(c, &ys, h * 0.3, true);
        let right = c.px(10.0);
        let (legend_cols, legend_fs, legend_h) =
            Axes::legend_below_layout(c, w - left - right, &legend, 4);
        let bottom = Axes::bottom_room(c, true) + c.px(8.0) + legend_h;
        let (gx, gy) = (left, Axes::bottom_room(c, true) + c.px(TITLE + 10.0));
        let pw = (w - left - right - gx * (cols as f32 - 1.0)) / cols as f32;
        Layout {
            top,
            left,
            right,
            bottom,
            gx,
            gy,
            pw,
            legend_cols,
            legend_fs,
        }
    };
    // 4:3 per two rows of panels, or taller where the panels would be less than 0.5 as tall
    // as wide (a column-wide figure).
    let mut c = o.canvas(|w, probe| {
        let d = FigureOptions::default_height(w) * if rows > 2 { rows as f32 / 2.0 } else { 1.0 };
        let l = layout(probe, w as f32, d);
        let rows = rows as f32;
        d.max(l.top + l.bottom + rows * 0.5 * l.pw + (rows - 1.0) * l.gy)
    })?;
    meta(&mut c, &title, &details);
    let (w, h) = (c.width(), c.height());
    let l = layout(&c, w, h);
    let ph = (h - l.top - l.bottom - l.gy * (rows as f32 - 1.0)) / rows as f32;
    for (k, case) in cases.iter().enumerate() {
        let (col, row) = (k % cols, k / cols);
        let ax = Axes {
            x0: l.left + col as f32 * (l.pw + l.gx),
            y0: l.top + row as f32 * (ph + l.gy),
            w: l.pw,
            h: ph,
            xs,
            ys,
        };
        ax.ensure_room(&c)?;
        ax.grid(&mut c);
        for (engine, color, style, marker, filled) in BENCH_ENGINES {
            // The engine, then its runs checked in full: dotted, thinner, small hollow marks.
            let looks = [(Some(engine), style, 1.4, 2.8, filled)].into_iter().chain(
                checked_engine(engine).map(|e| (Some(e), LineStyle::Dotted, 1.1, 2.0, false)),
            );
            for (name, style, width, size, filled) in looks {
                let pts: Vec<&ThroughputPoint> = b
                    .rows
                    .iter()
                    .filter(|r| &r.case == case && Some(r.engine.as_str()) == name)
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let xs: Vec<f64> = pts.iter().map(|r| r.points as f64).collect();
                let ys: Vec<f64> = pts.iter().map(|r| r.mpts_per_s).collect();
                ax.line(&mut c, &xs, &ys, color, width, style);
                for (&x, &y) in xs.iter().zip(&ys) {
                    c.marker(ax.px(x), ax.py(y), c.px(size), marker, color, filled);
                }
            }
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
        if let Some(&n) = sizes.iter().find(gpu_ahead) {
            let x = ax.px(n as f64);
            c.polyline(
                &[(x, ax.y0), (x, ax.y0 + ax.h)],
                c.px(1.0),
                palette::INK.alpha(150),
                LineStyle::Dotted,
            );
            c.text(
                &format!("GPU ahead from {} points", pretty_count(n)),
                x + c.px(4.0),
                ax.y0 + c.px(12.0),
                c.px(super::axes::SUBTITLE + 1.0),
                palette::INK,
                Anchor::Left,
                false,
            );
        }
        let panel_title = if compared && !sizes.iter().any(|n| gpu_ahead(&n)) {
            format!("{case} · the CPU is ahead at every size")
        } else {
            case.clone()
        };
        ax.decorate(
            &mut c,
            &o.xlabel_or("grid points"),
            &o.ylabel_or("million points / s"),
            "",
        );
        // The panel's title, smaller where it would be wider than the panel; the case alone
        // where the verdict would leave it under 8 pt.
        let fit = |t: &str| {
            let fs = c.px(FONT + 1.0);
            fs * (ax.w / c.text_width(t, fs)).min(1.0)
        };
        let mut fs = fit(&panel_title);
        let panel_title = if fs < c.px(8.0) {
            fs = fit(case);
            case.clone()
        } else {
            panel_title
        };
        c.text(
            &panel_title,
            ax.x0 + ax.w / 2.0,
            ax.y0 - c.px(6.0),
            fs,
            palette::INK,
            Anchor::Center,
            false,
        );
    }
    let under = Axes {
        x0: l.left,
        y0: l.top,
        w: w - l.left - l.right,
        h: rows as f32 * ph + (rows as f32 - 1.0) * l.gy,
        xs,
        ys,
    };
    let legend_y = under.y0 + under.h + Axes::bottom_room(&c, true) + c.px(8.0) + l.legend_fs * 0.6;
    under.legend_below(&mut c, &legend, l.legend_cols, legend_y);
    let whole = Axes {
        x0: l.left,
        y0: l.top - c.px(TITLE + 2.0),
        w: w - l.left - l.right,
        h: 1.0,
        xs,
        ys,
    };
    whole.title_block(&mut c, &title, &subtitle);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::arrow_points;

    #[test]
    fn arrows_are_evenly_spaced_and_centred_on_any_lattice() {
        for n in 2..300 {
            for want in [2, 3, 12, 17, 20, 41] {
                let (idx, s) = arrow_points(n, want);
                assert!(!idx.is_empty() && idx.len() <= want, "{n} {want}: {idx:?}");
                assert!(
                    idx.windows(2).all(|w| w[1] - w[0] == s),
                    "{n} {want}: {idx:?}"
                );
                let (first, last) = (idx[0], n - 1 - idx[idx.len() - 1]);
                assert!(first.abs_diff(last) <= 1, "{n} {want}: not centred {idx:?}");
                assert!(last < n, "{n} {want}");
                // Spread over the axis: one to three strides free at both ends together
                // (none is cut by the edge), as evenly as integers allow.
                if n > 3 {
                    assert!((s..=3 * s).contains(&(first + last)), "{n} {want}: {idx:?}");
                }
                // About two thirds of `want` at the least where the lattice has room.
                if n >= 2 * want {
                    assert!(3 * (idx.len() + 1) >= 2 * want, "{n} {want}: {}", idx.len());
                }
            }
        }
        assert_eq!(
            arrow_points(32, 20),
            ((0..15).map(|k| 1 + 2 * k).collect(), 2)
        );
        assert_eq!(arrow_points(1024, 20).0.len(), 20);
    }
}
