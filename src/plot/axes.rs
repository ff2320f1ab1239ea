//! Axes: data-to-pixel scales (linear or log), nice-number ticks, frame, grid, labels, legend.

use super::canvas::{Anchor, Canvas, Color, LineStyle, palette};

/// One axis's data range and kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// Lowest value shown.
    pub min: f64,
    /// Highest value shown.
    pub max: f64,
    /// Logarithmic (base 10).
    pub log: bool,
}

impl Scale {
    /// A linear scale over [min, max] (widened if empty).
    pub fn linear(min: f64, max: f64) -> Scale {
        let (min, max) = widen(min, max);
        Scale {
            min,
            max,
            log: false,
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
        }
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
        if self.log {
            (v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10())
        } else {
            (v - self.min) / (self.max - self.min)
        }
    }

    /// Tick positions and their labels.
    pub fn ticks(&self, target: usize) -> Vec<(f64, String)> {
        if self.log {
            log_ticks(self.min, self.max, target)
        } else {
            let t = nice_ticks(self.min, self.max, target);
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
    } else {
        let d = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
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
/// ```
pub fn tick_label(v: f64, step: f64) -> String {
    // Steps are 1, 2 or 5 times a power of ten: its exponent says how many decimals.
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let s = if v.abs() >= 1e5 || (v != 0.0 && v.abs() < 1e-4) {
        format!("{v:.1e}")
    } else {
        format!("{v:.decimals$}")
    };
    s.replace('-', "−")
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

    /// About how many ticks fit along x (one per 70 design units).
    fn x_target(&self, c: &Canvas) -> usize {
        ((self.w / c.px(70.0)) as usize).clamp(2, 10)
    }

    /// About how many ticks fit along y (one per 34 design units).
    fn y_target(&self, c: &Canvas) -> usize {
        ((self.h / c.px(34.0)) as usize).clamp(2, 8)
    }

    /// Light grid lines at the ticks.
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

    /// Frame, ticks, tick labels, axis labels and title.
    pub fn decorate(&self, c: &mut Canvas, xlabel: &str, ylabel: &str, title: &str) {
        let lw = c.px(1.0);
        let tick = c.px(5.0);
        let fs = c.px(11.0);
        let (x0, y0, x1, y1) = (self.x0, self.y0, self.x0 + self.w, self.y0 + self.h);
        c.polygon_outline(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], lw, palette::INK);
        for (v, label) in self.xs.ticks(self.x_target(c)) {
            let x = self.px(v);
            c.polyline(
                &[(x, y1), (x, y1 + tick)],
                lw,
                palette::INK,
                LineStyle::Solid,
            );
            c.text(
                &label,
                x,
                y1 + tick + fs * 1.05,
                fs,
                palette::INK,
                Anchor::Center,
                false,
            );
        }
        let mut widest: f32 = 0.0;
        for (v, label) in self.ys.ticks(self.y_target(c)) {
            let y = self.py(v);
            c.polyline(
                &[(x0 - tick, y), (x0, y)],
                lw,
                palette::INK,
                LineStyle::Solid,
            );
            c.text(
                &label,
                x0 - tick - c.px(3.0),
                y + fs * 0.35,
                fs,
                palette::INK,
                Anchor::Right,
                false,
            );
            widest = widest.max(c.text_width(&label, fs));
        }
        let ls = c.px(12.5);
        if !xlabel.is_empty() {
            c.text(
                xlabel,
                x0 + self.w / 2.0,
                y1 + tick + fs * 1.2 + ls * 1.3,
                ls,
                palette::INK,
                Anchor::Center,
                false,
            );
        }
        if !ylabel.is_empty() {
            let x = x0 - tick - c.px(8.0) - widest - ls * 0.35;
            c.text(
                ylabel,
                x,
                y0 + self.h / 2.0,
                ls,
                palette::INK,
                Anchor::Center,
                true,
            );
        }
        if !title.is_empty() {
            c.text(
                title,
                x0 + self.w / 2.0,
                y0 - c.px(10.0),
                c.px(14.0),
                palette::INK,
                Anchor::Center,
                false,
            );
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

    fn legend_box(
        &self,
        c: &Canvas,
        entries: &[(String, Color, LineStyle)],
        corner: u8,
    ) -> (f32, f32, f32, f32) {
        let fs = c.px(10.5);
        let pad = c.px(7.0);
        let w = entries
            .iter()
            .map(|(t, _, _)| c.text_width(t, fs))
            .fold(0.0, f32::max)
            + c.px(26.0)
            + 3.0 * pad;
        let h = fs * 1.45 * entries.len() as f32 + pad;
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
    pub fn legend_auto(
        &self,
        c: &mut Canvas,
        entries: &[(String, Color, LineStyle)],
        series: &[(&[f64], &[f64])],
    ) {
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

    /// A one-row legend just above the axes (for panels the data fill).
    pub fn legend_above(&self, c: &mut Canvas, entries: &[(String, Color, LineStyle)]) {
        let fs = c.px(10.5);
        let sample = c.px(22.0);
        let y = self.y0 - c.px(9.0);
        let mut x = self.x0;
        for (text, color, style) in entries {
            c.polyline(
                &[(x, y - fs * 0.35), (x + sample, y - fs * 0.35)],
                c.px(2.0),
                *color,
                *style,
            );
            c.text(
                text,
                x + sample + c.px(6.0),
                y,
                fs,
                palette::INK,
                Anchor::Left,
                false,
            );
            x += sample + c.px(6.0) + c.text_width(text, fs) + c.px(22.0);
        }
    }

    /// Height of a [`Axes::legend_below`] of `n` entries in `cols` columns.
    pub fn legend_below_height(c: &Canvas, n: usize, cols: usize) -> f32 {
        c.px(10.5) * 1.5 * n.div_ceil(cols.max(1)) as f32
    }

    /// A legend outside the axes, filled column by column into `cols` columns of equal width
    /// under the x-axis label, its first row centred on `y`: it can cover no data.
    pub fn legend_below(
        &self,
        c: &mut Canvas,
        entries: &[(String, Color, LineStyle)],
        cols: usize,
        y: f32,
    ) {
        let cols = cols.max(1);
        let fs = c.px(10.5);
        let sample = c.px(26.0);
        let col_w = self.w / cols as f32;
        let rows = entries.len().div_ceil(cols).max(1);
        // Column by column, so that related entries (listed together) stay together.
        for (i, (text, color, style)) in entries.iter().enumerate() {
            let x = self.x0 + col_w * (i / rows) as f32;
            let ty = y + fs * 1.5 * (i % rows) as f32;
            c.polyline(&[(x, ty), (x + sample, ty)], c.px(2.0), *color, *style);
            let tx = x + sample + c.px(7.0);
            c.text(
                text,
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
    pub fn legend(&self, c: &mut Canvas, entries: &[(String, Color, LineStyle)], corner: u8) {
        if entries.is_empty() {
            return;
        }
        let fs = c.px(10.5);
        let sample = c.px(26.0);
        let pad = c.px(7.0);
        let row = fs * 1.45;
        let (x, y, w, h) = self.legend_box(c, entries, corner);
        c.fill_rect(x, y, w, h, palette::PAPER.alpha(235));
        c.polygon_outline(
            &[(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            c.px(0.6),
            palette::GRID.alpha(255),
        );
        for (i, (text, color, style)) in entries.iter().enumerate() {
            let ty = y + pad + row * (i as f32 + 0.5);
            c.polyline(
                &[(x + pad, ty), (x + pad + sample, ty)],
                c.px(2.0),
                *color,
                *style,
            );
            c.text(
                text,
                x + 2.0 * pad + sample,
                ty + fs * 0.35,
                fs,
                palette::INK,
                Anchor::Left,
                false,
            );
        }
    }
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
