//! Axes: data-to-pixel scales (linear or log), nice-number ticks, frame, grid, labels, legend.

use super::FONT;
use super::canvas::{Anchor, Canvas, Color, LineStyle, Marker, palette};

/// Tick length, points.
pub const TICK: f32 = 3.5;
/// Gap between a tick and its label, points.
pub const PAD: f32 = 3.5;
/// Legend text size, points.
pub const LEGEND: f32 = 10.0;
/// The smallest a legend's text shrinks to fit, points.
const LEGEND_MIN: f32 = 6.0;
/// Length of a legend's line sample, points.
pub const SAMPLE: f32 = 20.0;
/// Gap between tick labels and the axis label, points.
pub const LABEL_PAD: f32 = 4.0;
/// Title size, points (matplotlib's `large`).
pub const TITLE: f32 = 12.0;
/// Subtitle and caption size, points.
pub const SUBTITLE: f32 = 8.0;

/// One axis's data range and kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Lowest value shown.
    pub min: f64,
    /// Highest value shown.
    pub max: f64,
    /// Logarithmic (base 10).
    pub log: bool,
    /// Symmetric-log: linear within ±`linthresh` of 0, logarithmic beyond (0: not symlog).
    pub linthresh: f64,
}

impl Scale {
    /// A linear scale over [min, max] (widened if empty).
    pub fn linear(min: f64, max: f64) -> Scale {
        let (min, max) = widen(min, max);
        Scale {
            min,
            max,
            log: false,
            linthresh: 0.0,
        }
    }

    /// A log scale over [min, max] (positive; widened to whole decades when narrow).
    pub fn log(min: f64, max: f64) -> Scale {
        let lo = if min > 0.0 && min.is_finite() {
            min
        } else {
            1e-300
        };
        let hi = if max > lo && max.is_finite() {
            max
        } else {
            lo * 10.0
        };
        Scale {
            min: lo,
            max: hi,
            log: true,
            linthresh: 0.0,
        }
    }

    /// A symmetric-log scale over [min, max]: linear within ±`linthresh`, by decades beyond.
    ///
    /// ```
    /// use gradfield::plot::axes::Scale;
    /// let s = Scale::symlog(-1000.0, 1000.0, 1.0);
    /// assert_eq!(s.frac(0.0), 0.5);
    /// assert!(s.frac(10.0) > 0.6 && s.frac(100.0) < 0.9);
    /// let labels: Vec<String> = s.ticks(8).into_iter().map(|t| t.1).collect();
    /// assert!(labels.contains(&"0".to_string()) && labels.contains(&"10³".to_string()));
    /// ```
    pub fn symlog(min: f64, max: f64, linthresh: f64) -> Scale {
        let (min, max) = widen(min, max);
        Scale {
            min,
            max,
            log: false,
            linthresh: linthresh.max(f64::MIN_POSITIVE),
        }
    }

    fn symlog_t(&self, v: f64) -> f64 {
        v.signum() * (v.abs() / self.linthresh).ln_1p()
    }

    /// A linear scale fitted to data with a margin, starting from nice tick values.
    pub fn fit(values: impl IntoIterator<Item = f64>) -> Scale {
        let (lo, hi) = finite_range(values);
        let pad = 0.05 * (hi - lo);
        Scale::linear(lo - pad, hi + pad)
    }

    /// A log scale fitted to the positive finite data, out to whole decades.
    pub fn fit_log(values: impl IntoIterator<Item = f64>) -> Scale {
        let (lo, hi) = finite_range(values.into_iter().filter(|v| *v > 0.0));
        let lo = 10f64.powf(lo.log10().floor());
        let hi = 10f64.powf(hi.log10().ceil());
        Scale::log(lo, if hi > lo { hi } else { lo * 10.0 })
    }

    /// Position of `v` in [0, 1] along the axis.
    pub fn frac(&self, v: f64) -> f64 {
        if self.linthresh > 0.0 {
            let (a, b) = (self.symlog_t(self.min), self.symlog_t(self.max));
            return (self.symlog_t(v) - a) / (b - a);
        }
        if self.log {
            (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }

    /// Tick positions and their labels.
    pub fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        if self.linthresh > 0.0 {
            return symlog_ticks(self.min, self.max, self.linthresh, target);
        }
        if self.log {
            log_ticks(self.min, self.max, target)
        } else {
            // At least three ticks where the axis has room for so few that the nice step
            // would leave one or two.
            let mut t = nice_ticks(self.min, self.max, target);
            let mut k = target;
            while t.len() < 3 && k < target + 4 {
                k += 1;
                t = nice_ticks(self.min, self.max, k);
            }
            let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
            t.into_iter().map(|v| (v, tick_label(v, step))).collect()
        }
    }
}

fn widen(min: f64, max: f64) -> (f64, f64) {
    if !(min.is_finite() && max.is_finite()) {
        return (0.0, 1.0);
    }
    if max > min {
        (min, max)
    } else if min == 0.0 {
        // All zero (a vanishing |∇f| too): upwards, so no negative magnitude is shown.
        (0.0, 1.0)
    } else {
        let d = min.abs() * 0.1;
        (min - d, max + d)
    }
}

fn finite_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi { (0.0, 1.0) } else { (lo, hi) }
}

/// A 1-2-5 step near `range / target`.
pub fn nice_step(range: f64, target: usize) -> f64 {
    let raw = range / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let frac = raw / mag;
    let nice = if frac < 1.5 {
        1.0
    } else if frac < 3.0 {
        2.0
    } else if frac < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Tick values: multiples of a 1-2-5 step inside [min, max].
///
/// ```
/// let t = gradfield::plot::axes::nice_ticks(-3.0, 3.0, 6);
/// assert_eq!(t, vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
/// ```
pub fn nice_ticks(min: f64, max: f64, target: usize) -> Vec<f64> {
    let step = nice_step(max - min, target);
    let first = (min / step).ceil();
    let last = (max / step).floor();
    let mut out = Vec::new();
    let mut k = first;
    while k <= last + 1e-9 && out.len() < 100 {
        // Multiply (not accumulate) so that ticks are the nice numbers exactly.
        let v = k * step;
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    out
}

/// Decade ticks 10^k inside [min, max], every few decades so that about `target` show.
pub fn log_ticks(min: f64, max: f64, target: usize) -> Vec<(f64, String)> {
    let lo = min.log10().ceil() as i32;
    let hi = max.log10().floor() as i32;
    let every = ((hi - lo) as usize).div_ceil(target.max(1)).max(1) as i32;
    (lo..=hi)
        .filter(|k| (k - lo) % every == 0)
        .map(|k| (10f64.powi(k), format!("10{}", superscript(k))))
        .collect()
}

/// A subtitle in lines that fit the canvas at 8 pt, broken at its " · " separators.
fn subtitle_lines(c: &Canvas, subtitle: &str) -> Vec<String> {
    if subtitle.is_empty() {
        return Vec::new();
    }
    let fs = c.px(SUBTITLE);
    let room = c.width() - c.px(8.0);
    let mut lines: Vec<String> = Vec::new();
    for part in subtitle.split(" · ") {
        match lines.last_mut() {
            Some(l) if c.text_width(&format!("{l} · {part}"), fs) <= room => {
                l.push_str(" · ");
                l.push_str(part);
            }
            _ => lines.push(part.to_string()),
        }
    }
    lines
}

/// Symmetric-log ticks: 0 and ±10^k beyond the linear band, every few decades.
fn symlog_ticks(min: f64, max: f64, linthresh: f64, target: usize) -> Vec<(f64, String)> {
    let top = min.abs().max(max.abs());
    let lo = linthresh.log10().ceil() as i32;
    let hi = top.log10().floor() as i32;
    let sides = usize::from(min < 0.0) + usize::from(max > 0.0);
    let per_side = (target.saturating_sub(1) / sides.max(1)).max(1);
    let every = ((hi - lo + 1).max(1) as usize).div_ceil(per_side).max(1) as i32;
    let mut out = Vec::new();
    for k in (lo..=hi).rev().filter(|k| (hi - k) % every == 0) {
        let v = -(10f64.powi(k));
        if v >= min {
            out.push((v, format!("−10{}", superscript(k))));
        }
    }
    if min <= 0.0 && max >= 0.0 {
        out.push((0.0, "0".into()));
    }
    for k in (lo..=hi).filter(|k| (hi - k) % every == 0) {
        let v = 10f64.powi(k);
        if v <= max {
            out.push((v, format!("10{}", superscript(k))));
        }
    }
    out
}

/// Minor ticks of a log scale inside [min, max] whose decades are `decade_pt` points long:
/// 2…9 × 10^k where a decade has room for them (36 pt: the 9-to-10 gap is then 1.6 pt),
/// else one at each decade 10^k (marking the decades that the labelled ticks skip, as
/// matplotlib does), none below 3 pt a decade.
///
/// ```
/// use gradfield::plot::axes::minor_log_ticks;
/// assert_eq!(minor_log_ticks(1.0, 100.0, 100.0).len(), 16); // 2…9, 20…90
/// assert_eq!(minor_log_ticks(1e-13, 1e-2, 12.0).len(), 10); // 1e-12 … 1e-3
/// assert!(minor_log_ticks(1e-300, 1.0, 0.5).is_empty());
/// ```
pub fn minor_log_ticks(min: f64, max: f64, decade_pt: f32) -> Vec<f64> {
    let mut out = Vec::new();
    let (lo, hi) = (min.log10().floor() as i32, max.log10().ceil() as i32);
    if decade_pt < 3.0 || !(decade_pt.is_finite() && min > 0.0 && max > min) {
        return out;
    }
    let subs = if decade_pt >= 36.0 { 2..=9 } else { 1..=1 };
    for k in lo..=hi {
        for m in subs.clone() {
            let v = m as f64 * 10f64.powi(k);
            if v > min && v < max {
                out.push(v);
            }
        }
    }
    out
}

/// An integer as Unicode superscript digits (with a proper minus).
pub fn superscript(k: i32) -> String {
    k.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// A tick label with as many decimals as the step needs and a true minus sign.
///
/// ```
/// use gradfield::plot::axes::tick_label;
/// assert_eq!(tick_label(-2.0, 1.0), "−2");
/// assert_eq!(tick_label(0.25, 0.05), "0.25");
/// assert_eq!(tick_label(1.5, 0.5), "1.5");
/// assert_eq!(tick_label(0.0, 0.0), "0"); // no step: no decimals
/// assert_eq!(tick_label(0.0, 2e-31), "0"); // beside 2.0e−31, 4.0e−31, …
/// ```
pub fn tick_label(v: f64, step: f64) -> String {
    // Steps are 1, 2 or 5 times a power of ten: its exponent says how many decimals (none
    // for a step that is zero or not finite; at most 17, all an f64 has).
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 17.0) as usize
    } else {
        0
    };
    let s = if v.abs() >= 1e5 || (v != 0.0 && v.abs() < 1e-4) {
        format!("{v:.1e}")
    } else if v == 0.0 && decimals > 4 {
        // Beside ticks written as 2.0e−31, not 0.000000000000000000.
        "0".to_string()
    } else {
        format!("{v:.decimals$}")
    };
    s.replace('-', "−")
}

/// A legend entry: text, and the line (and marker) it stands for.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The text.
    pub text: String,
    /// Line colour.
    pub color: Color,
    /// Line style.
    pub style: LineStyle,
    /// Line width in points.
    pub width: f32,
    /// A marker (filled or hollow) drawn on the sample.
    pub marker: Option<(Marker, bool)>,
}

impl Entry {
    /// A line entry (1.5-pt line).
    pub fn line(text: impl Into<String>, color: Color, style: LineStyle) -> Entry {
        Entry {
            text: text.into(),
            color,
            style,
            width: 1.5,
            marker: None,
        }
    }

    /// The same entry with a marker.
    pub fn with_marker(mut self, marker: Marker, filled: bool) -> Entry {
        self.marker = Some((marker, filled));
        self
    }

    /// Draws the sample: a line from (x, y) `len` pixels long, with the marker at its middle.
    fn sample(&self, c: &mut Canvas, x: f32, y: f32, len: f32) {
        c.polyline(
            &[(x, y), (x + len, y)],
            c.px(self.width),
            self.color,
            self.style,
        );
        if let Some((m, filled)) = self.marker {
            c.marker(x + len / 2.0, y, c.px(3.0), m, self.color, filled);
        }
    }
}

/// Where axes sit on the canvas (pixels) and what they show.
#[derive(Clone, Copy, Debug)]
pub struct Axes {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
    /// Horizontal scale.
    pub xs: Scale,
    /// Vertical scale.
    pub ys: Scale,
}

impl Axes {
    /// Fails when the layout left the axes too little room (text too large for the figure).
    pub fn ensure_room(&self, c: &Canvas) -> crate::Result<()> {
        if self.w < c.px(36.0) || self.h < c.px(24.0) || !(self.w.is_finite() && self.h.is_finite())
        {
            return Err(crate::Error::input(format!(
                "the figure ({:.1} × {:.1} in at {} dpi) is too small for its text: the plot \
                 would be {:.0} × {:.0} points; enlarge --size, or lower --font-scale",
                c.width() / c.dpi,
                c.height() / c.dpi,
                c.dpi,
                (self.w / c.scale).max(0.0),
                (self.h / c.scale).max(0.0)
            )));
        }
        Ok(())
    }

    /// Pixel x of data x.
    pub fn px(&self, x: f64) -> f32 {
        self.x0 + (self.xs.frac(x) as f32) * self.w
    }

    /// Pixel y of data y (up is up).
    pub fn py(&self, y: f64) -> f32 {
        self.y0 + self.h - (self.ys.frac(y) as f32) * self.h
    }

    /// Pixels per data unit along x (linear scales).
    pub fn sx(&self) -> f64 {
        self.w as f64 / (self.xs.max - self.xs.min)
    }

    /// Pixels per data unit along y (linear scales).
    pub fn sy(&self) -> f64 {
        self.h as f64 / (self.ys.max - self.ys.min)
    }

    /// About how many ticks fit along x (one per 55 points).
    fn x_target(&self, c: &Canvas) -> usize {
        ((self.w / c.px(55.0)) as usize).clamp(2, 10)
    }

    /// About how many ticks fit along y (one per 30 points).
    fn y_target(&self, c: &Canvas) -> usize {
        ((self.h / c.px(30.0)) as usize).clamp(2, 8)
    }

    /// Light grid lines at the major ticks.
    pub fn grid(&self, c: &mut Canvas) {
        let lw = c.px(0.6);
        for (v, _) in self.xs.ticks(self.x_target(c)) {
            let x = self.px(v);
            c.polyline(
                &[(x, self.y0), (x, self.y0 + self.h)],
                lw,
                palette::GRID,
                LineStyle::Solid,
            );
        }
        for (v, _) in self.ys.ticks(self.y_target(c)) {
            let y = self.py(v);
            c.polyline(
                &[(self.x0, y), (self.x0 + self.w, y)],
                lw,
                palette::GRID,
                LineStyle::Solid,
            );
        }
    }

    /// Points per decade of a log scale drawn `length_px` long.
    fn decade_pt(c: &Canvas, s: &Scale, length_px: f32) -> f32 {
        length_px / c.px(1.0) / (s.max.log10() - s.min.log10()) as f32
    }

    /// Minor ticks ([`minor_log_ticks`]) along a log y scale, outward from `x` (a frame
    /// edge).
    pub fn minor_log_ticks_y(&self, c: &mut Canvas, x: f32, len: f32) {
        let lw = c.px(0.6);
        let decade = Axes::decade_pt(c, &self.ys, self.h);
        let segs: Vec<[(f32, f32); 2]> = minor_log_ticks(self.ys.min, self.ys.max, decade)
            .into_iter()
            .map(|v| {
                let y = self.py(v);
                [(x, y), (x + len, y)]
            })
            .collect();
        c.segments(&segs, lw, palette::INK);
    }

    /// Pixels that the y tick labels, the y label and a margin take left of the axes, for
    /// axes of about `h` pixels with this y scale.
    pub fn left_room(c: &Canvas, ys: &Scale, h: f32, ylabel: bool) -> f32 {
        let probe = Axes {
            x0: 0.0,
            y0: 0.0,
            w: 100.0,
            h,
            xs: Scale::linear(0.0, 1.0),
            ys: *ys,
        };
        let fs = c.px(FONT);
        let widest = ys
            .ticks(probe.y_target(c))
            .iter()
            .map(|(_, t)| c.text_width(t, fs))
            .fold(0.0, f32::max);
        c.px(TICK + PAD)
            + widest
            + if ylabel {
                c.px(LABEL_PAD) + fs * 1.05
            } else {
                0.0
            }
            + c.px(5.0)
    }

    /// Pixels that the x tick labels and the x label take below the axes.
    pub fn bottom_room(c: &Canvas, xlabel: bool) -> f32 {
        let fs = c.px(FONT);
        c.px(TICK + PAD)
            + fs * 1.0
            + if xlabel {
                c.px(LABEL_PAD) + fs * 1.05
            } else {
                0.0
            }
    }

    /// Pixels a title (12 pt) and subtitle (8 pt, wrapped to the canvas) take above the axes.
    pub fn title_room(c: &Canvas, title: &str, subtitle: &str) -> f32 {
        let mut r = c.px(6.0);
        if !title.is_empty() {
            r += c.px(TITLE + 4.0);
        }
        r + c.px(SUBTITLE + 3.0) * subtitle_lines(c, subtitle).len() as f32
    }

    /// A title and a smaller subtitle centred above the axes (each may be empty); the title
    /// shrinks to fit the canvas, the subtitle wraps at its " · " separators.
    pub fn title_block(&self, c: &mut Canvas, title: &str, subtitle: &str) {
        let room = c.width() - c.px(8.0);
        let fit = |c: &Canvas, text: &str, size: f32| -> f32 {
            let w = c.text_width(text, size);
            if w > room {
                (size * room / w).max(c.px(5.0))
            } else {
                size
            }
        };
        // Centred on the axes, but kept on the canvas.
        let centre = |c: &Canvas, text: &str, size: f32| -> f32 {
            let half = c.text_width(text, size) / 2.0;
            (self.x0 + self.w / 2.0)
                .min(c.width() - half - c.px(4.0))
                .max(half + c.px(4.0))
        };
        let mut y = self.y0 - c.px(6.0);
        // Every line of the subtitle at one size: that of the line that has to shrink most.
        let lines = subtitle_lines(c, subtitle);
        let fs = lines
            .iter()
            .map(|l| fit(c, l, c.px(SUBTITLE)))
            .fold(c.px(SUBTITLE), f32::min);
        for line in lines.iter().rev() {
            let x = centre(c, line, fs);
            c.text(
                line,
                x,
                y,
                fs,
                palette::INK.alpha(170),
                Anchor::Center,
                false,
            );
            y -= c.px(SUBTITLE + 3.0);
        }
        if !title.is_empty() {
            let fs = fit(c, title, c.px(TITLE));
            let x = centre(c, title, fs);
            c.text(title, x, y, fs, palette::INK, Anchor::Center, false);
        }
    }

    /// Frame, ticks (minor ones on log scales), tick labels, axis labels and title.
    pub fn decorate(&self, c: &mut Canvas, xlabel: &str, ylabel: &str, title: &str) {
        let lw = c.px(0.8);
        let tick = c.px(TICK);
        let fs = c.px(FONT);
        let (x0, y0, x1, y1) = (self.x0, self.y0, self.x0 + self.w, self.y0 + self.h);
        c.polygon_outline(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], lw, palette::INK);
        let mut ticks: Vec<[(f32, f32); 2]> = Vec::new();
        for (v, label) in self.xs.ticks(self.x_target(c)) {
            let x = self.px(v);
            ticks.push([(x, y1), (x, y1 + tick)]);
            c.text(
                &label,
                x,
                y1 + tick + c.px(PAD) + fs * 0.76,
                fs,
                palette::INK,
                Anchor::Center,
                false,
            );
        }
        let mut widest: f32 = 0.0;
        for (v, label) in self.ys.ticks(self.y_target(c)) {
            let y = self.py(v);
            ticks.push([(x0 - tick, y), (x0, y)]);
            c.text(
                &label,
                x0 - tick - c.px(PAD),
                y + fs * 0.36,
                fs,
                palette::INK,
                Anchor::Right,
                false,
            );
            widest = widest.max(c.text_width(&label, fs));
        }
        c.segments(&ticks, lw, palette::INK);
        let minor = tick * 0.55;
        if self.xs.log {
            let decade = Axes::decade_pt(c, &self.xs, self.w);
            let segs: Vec<[(f32, f32); 2]> = minor_log_ticks(self.xs.min, self.xs.max, decade)
                .into_iter()
                .map(|v| [(self.px(v), y1), (self.px(v), y1 + minor)])
                .collect();
            c.segments(&segs, c.px(0.6), palette::INK);
        }
        if self.ys.log {
            self.minor_log_ticks_y(c, x0, -minor);
        }
        if !xlabel.is_empty() {
            c.text(
                xlabel,
                x0 + self.w / 2.0,
                y1 + tick + c.px(PAD) + fs + c.px(LABEL_PAD) + fs * 0.76,
                fs,
                palette::INK,
                Anchor::Center,
                false,
            );
        }
        if !ylabel.is_empty() {
            // Smaller where it would run well past the axes' ends (short axes, a long label).
            let room = self.h + c.px(2.0 * FONT);
            let lw = c.text_width(ylabel, fs);
            let fs = if lw > room {
                (fs * room / lw).max(c.px(6.0))
            } else {
                fs
            };
            // Rotated text grows leftwards from its baseline: the baseline sits a descender
            // right of where the glyphs end.
            let x = x0 - tick - c.px(PAD) - widest - c.px(LABEL_PAD) - fs * 0.22;
            c.text(
                ylabel,
                x,
                y0 + self.h / 2.0,
                fs,
                palette::INK,
                Anchor::Center,
                true,
            );
        }
        if !title.is_empty() {
            self.title_block(c, title, "");
        }
    }

    /// Draws a data series as a line, clipped to the axes; `width` in design units.
    pub fn line(
        &self,
        c: &mut Canvas,
        xs: &[f64],
        ys: &[f64],
        color: Color,
        width: f32,
        style: LineStyle,
    ) {
        let width = c.px(width);
        let pts: Vec<(f32, f32)> = xs
            .iter()
            .zip(ys)
            .map(|(&x, &y)| {
                let visible = y.is_finite() && (!self.ys.log || y > 0.0);
                if visible {
                    let py = self.py(y).clamp(self.y0 - 1.0, self.y0 + self.h + 1.0);
                    (self.px(x), py)
                } else {
                    (f32::NAN, f32::NAN)
                }
            })
            .collect();
        c.polyline(&pts, width, color, style);
    }

    /// The legend's text size: 10 pt, smaller (down to 6 pt) where the widest entry would not
    /// fit in its column of the axes' width.
    pub fn legend_font(&self, c: &Canvas, entries: &[Entry], cols: usize) -> f32 {
        Axes::legend_font_in(c, self.w, entries, cols)
    }

    /// [`Axes::legend_font`] for axes `w` pixels wide (before the axes are placed).
    fn legend_font_in(c: &Canvas, w: f32, entries: &[Entry], cols: usize) -> f32 {
        let fs = c.px(LEGEND);
        let widest = entries
            .iter()
            .map(|e| c.text_width(&e.text, fs))
            .fold(0.0, f32::max);
        let room = Axes::legend_text_room(c, w / cols.max(1) as f32);
        if widest > room && widest > 0.0 {
            (fs * room / widest).max(c.px(LEGEND_MIN))
        } else {
            fs
        }
    }

    /// The width a legend column `w` pixels wide leaves its text: less the sample, the box's
    /// padding and its margin from the axes.
    fn legend_text_room(c: &Canvas, w: f32) -> f32 {
        w - c.px(SAMPLE) - c.px(20.0)
    }

    fn legend_box(&self, c: &Canvas, entries: &[Entry], corner: u8) -> (f32, f32, f32, f32) {
        let (fs, lines) = self.legend_box_lines(c, entries);
        let pad = c.px(5.0);
        let w = lines
            .iter()
            .flatten()
            .map(|l| c.text_width(l, fs))
            .fold(0.0, f32::max)
            + c.px(SAMPLE)
            + 3.0 * pad;
        let h = fs * 1.45 * lines.iter().map(Vec::len).sum::<usize>() as f32 + pad;
        let x = if corner.is_multiple_of(2) {
            self.x0 + pad
        } else {
            self.x0 + self.w - w - pad
        };
        let y = if corner < 2 {
            self.y0 + pad
        } else {
            self.y0 + self.h - h - pad
        };
        (x, y, w, h)
    }

    /// A legend in the corner that covers the fewest points of the given series.
    pub fn legend_auto(&self, c: &mut Canvas, entries: &[Entry], series: &[(&[f64], &[f64])]) {
        let mut best = (usize::MAX, 1u8);
        for corner in [1u8, 0, 3, 2] {
            let (x, y, w, h) = self.legend_box(c, entries, corner);
            let mut covered = 0;
            let inside = |px: f32, py: f32| px >= x && px <= x + w && py >= y && py <= y + h;
            for (xs, ys) in series {
                // Points along each drawn segment, not only the data points, so that a
                // legend is not placed over a line between two markers.
                let pts: Vec<(f32, f32)> = xs
                    .iter()
                    .zip(ys.iter())
                    .filter(|(_, b)| b.is_finite() && (!self.ys.log || **b > 0.0))
                    .map(|(&a, &b)| (self.px(a), self.py(b)))
                    .collect();
                for (k, &(px, py)) in pts.iter().enumerate() {
                    if inside(px, py) {
                        covered += 1;
                    }
                    if let Some(&(qx, qy)) = pts.get(k + 1) {
                        for t in 1..8 {
                            let t = t as f32 / 8.0;
                            if inside(px + t * (qx - px), py + t * (qy - py)) {
                                covered += 1;
                            }
                        }
                    }
                }
            }
            if covered < best.0 {
                best = (covered, corner);
            }
        }
        self.legend(c, entries, best.1);
    }

    /// How a legend above axes `w` pixels wide is set: (in one row, text size, height). One
    /// row while its text keeps at least 9 pt, else one entry per row, its text no smaller
    /// than 8 pt and broken into lines where it would not fit.
    pub fn legend_above_layout(c: &Canvas, w: f32, entries: &[Entry]) -> (bool, f32, f32) {
        let sample = c.px(SAMPLE);
        let full = c.px(LEGEND);
        let total: f32 = entries
            .iter()
            .map(|e| sample + c.px(6.0) + c.text_width(&e.text, full) + c.px(16.0))
            .sum();
        let one_row = if total > w { full * w / total } else { full };
        if one_row >= c.px(9.0) {
            return (true, one_row, one_row * 1.5);
        }
        let fs = Axes::legend_font_in(c, w, entries, 1).max(c.px(8.0));
        let lines: usize = entries
            .iter()
            .map(|e| Axes::legend_text_lines(c, &e.text, fs, w).len())
            .sum();
        (false, fs, fs * 1.5 * lines as f32)
    }

    /// Whether a box legend of `entries` fits inside axes `w` pixels wide with each entry on
    /// one line (its text shrunk to no less than 6 pt).
    pub fn legend_fits_inside(c: &Canvas, w: f32, entries: &[Entry]) -> bool {
        let room = Axes::legend_text_room(c, w);
        entries
            .iter()
            .all(|e| c.text_width(&e.text, c.px(LEGEND_MIN)) <= room)
    }

    /// An entry's text broken between words into lines that fit beside its sample in a
    /// legend `w` pixels wide.
    fn legend_text_lines(c: &Canvas, text: &str, fs: f32, w: f32) -> Vec<String> {
        wrap_words(c, text, fs, w - c.px(SAMPLE) - c.px(6.0))
    }

    /// The box legend's text size and each entry's lines: one line each at the size that fits
    /// the axes (down to 6 pt), else at no less than 8 pt, broken between words.
    fn legend_box_lines(&self, c: &Canvas, entries: &[Entry]) -> (f32, Vec<Vec<String>>) {
        let fs = self.legend_font(c, entries, 1);
        let room = Axes::legend_text_room(c, self.w);
        if Axes::legend_fits_inside(c, self.w, entries) {
            return (fs, entries.iter().map(|e| vec![e.text.clone()]).collect());
        }
        let fs = fs.max(c.px(8.0));
        (
            fs,
            entries
                .iter()
                .map(|e| wrap_words(c, &e.text, fs, room))
                .collect(),
        )
    }

    /// A legend just above the axes (for panels the data fill): one row, or one entry per row
    /// where a row would need text below 9 pt, each broken into lines where it would need
    /// text below 8 pt (see [`Axes::legend_above_layout`]).
    pub fn legend_above(&self, c: &mut Canvas, entries: &[Entry]) {
        let sample = c.px(SAMPLE);
        let (one_row, fs, _) = Axes::legend_above_layout(c, self.w, entries);
        let y_last = self.y0 - c.px(5.0);
        if !one_row {
            let lines: Vec<Vec<String>> = entries
                .iter()
                .map(|e| Axes::legend_text_lines(c, &e.text, fs, self.w))
                .collect();
            let mut left = lines.iter().map(Vec::len).sum::<usize>();
            for (e, text) in entries.iter().zip(&lines) {
                for (k, line) in text.iter().enumerate() {
                    left -= 1;
                    let y = y_last - fs * 1.5 * left as f32;
                    if k == 0 {
                        e.sample(c, self.x0, y - fs * 0.35, sample);
                    }
                    c.text(
                        line,
                        self.x0 + sample + c.px(6.0),
                        y,
                        fs,
                        palette::INK,
                        Anchor::Left,
                        false,
                    );
                }
            }
            return;
        }
        let mut x = self.x0;
        for e in entries {
            e.sample(c, x, y_last - fs * 0.35, sample);
            c.text(
                &e.text,
                x + sample + c.px(6.0),
                y_last,
                fs,
                palette::INK,
                Anchor::Left,
                false,
            );
            x += sample + c.px(6.0) + c.text_width(&e.text, fs) + c.px(16.0);
        }
    }

    /// How a legend under axes `w` pixels wide is set: (columns, text size, height). Up to
    /// `max_cols` columns while the text keeps at least 9 pt, else fewer.
    pub fn legend_below_layout(
        c: &Canvas,
        w: f32,
        entries: &[Entry],
        max_cols: usize,
    ) -> (usize, f32, f32) {
        let mut cols = max_cols.max(1);
        while cols > 1 && Axes::legend_font_in(c, w, entries, cols) < c.px(9.0) {
            cols -= 1;
        }
        let fs = Axes::legend_font_in(c, w, entries, cols);
        let rows = entries.len().div_ceil(cols).max(1);
        (cols, fs, fs * 1.5 * rows as f32)
    }

    /// A legend outside the axes, filled column by column into `cols` columns of equal width
    /// under the x-axis label, its first row centred on `y`: it can cover no data.
    pub fn legend_below(&self, c: &mut Canvas, entries: &[Entry], cols: usize, y: f32) {
        let cols = cols.max(1);
        let fs = self.legend_font(c, entries, cols);
        let sample = c.px(SAMPLE);
        let col_w = self.w / cols as f32;
        let rows = entries.len().div_ceil(cols).max(1);
        // Column by column, so that related entries (listed together) stay together.
        for (i, e) in entries.iter().enumerate() {
            let x = self.x0 + col_w * (i / rows) as f32;
            let ty = y + fs * 1.5 * (i % rows) as f32;
            e.sample(c, x, ty, sample);
            let tx = x + sample + c.px(7.0);
            c.text(
                &e.text,
                tx,
                ty + fs * 0.35,
                fs,
                palette::INK,
                Anchor::Left,
                false,
            );
        }
    }

    /// A legend box in the given corner (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right).
    pub fn legend(&self, c: &mut Canvas, entries: &[Entry], corner: u8) {
        if entries.is_empty() {
            return;
        }
        let (fs, lines) = self.legend_box_lines(c, entries);
        let sample = c.px(SAMPLE);
        let pad = c.px(5.0);
        let row = fs * 1.45;
        let (x, y, w, h) = self.legend_box(c, entries, corner);
        c.fill_rect(x, y, w, h, palette::PAPER.alpha(235));
        c.polygon_outline(
            &[(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            c.px(0.6),
            palette::GRID.alpha(255),
        );
        let mut i = 0;
        for (e, text) in entries.iter().zip(&lines) {
            for (k, line) in text.iter().enumerate() {
                let ty = y + pad + row * (i as f32 + 0.5);
                if k == 0 {
                    e.sample(c, x + pad, ty, sample);
                }
                c.text(
                    line,
                    x + 2.0 * pad + sample,
                    ty + fs * 0.35,
                    fs,
                    palette::INK,
                    Anchor::Left,
                    false,
                );
                i += 1;
            }
        }
    }
}

/// `text` broken between words into lines no wider than `room` at size `fs` (a word longer
/// than a line stands alone).
pub(crate) fn wrap_words(c: &Canvas, text: &str, fs: f32, room: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && c.text_width(&format!("{line} {word}"), fs) > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_numbers() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(
            nice_ticks(-5.12, 5.12, 8),
            (-5..=5).map(f64::from).collect::<Vec<_>>()
        );
        assert_eq!(nice_ticks(-5.12, 5.12, 4), vec![-4.0, -2.0, 0.0, 2.0, 4.0]);
        assert_eq!(
            nice_ticks(-std::f64::consts::PI, std::f64::consts::PI, 6),
            vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
        );
        assert_eq!(
            nice_ticks(0.0, 2509.0, 6),
            vec![0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0]
        );
        let labels: Vec<String> = Scale::linear(0.0, 1.0)
            .ticks(5)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(labels, vec!["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let log: Vec<String> = Scale::log(1e-10, 1.0)
            .ticks(6)
            .into_iter()
            .map(|t| t.1)
            .collect();
        // Ten decades, room for six ticks: every other decade is labelled.
        assert_eq!(log, vec!["10⁻¹⁰", "10⁻⁸", "10⁻⁶", "10⁻⁴", "10⁻²", "10⁰"]);
        let log: Vec<String> = Scale::log(1e-3, 10.0)
            .ticks(8)
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(log, vec!["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"]);
        assert_eq!(superscript(-12), "⁻¹²");
    }
}
