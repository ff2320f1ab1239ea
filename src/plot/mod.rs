//! Figures, drawn on the host without Python: anti-aliased paths (tiny-skia), real text
//! (ab_glyph + embedded DejaVu Sans), nice-number ticks, log axes, heatmaps with colour bars
//! (colorous), contours (marching squares) and quivers with matplotlib's sound semantics.
//!
//! ```
//! use gradfield::plot::{canvas::Canvas, axes::{Axes, Scale}};
//! let mut c = Canvas::new(800, 600)?;
//! let ax = Axes { x0: 80.0, y0: 40.0, w: 680.0, h: 480.0, xs: Scale::linear(0.0, 1.0), ys: Scale::linear(0.0, 1.0) };
//! ax.grid(&mut c);
//! ax.decorate(&mut c, "x", "y", "title");
//! # Ok::<(), gradfield::Error>(())
//! ```

pub mod axes;
pub mod canvas;
mod figures;
pub mod quiver;
pub mod stream;
pub mod style;
mod vector;

pub use figures::{
    Background, CurveFigure, ErrorCurve, FieldFigure, PathSeries, SlopesFigure, SweepPlot,
    ThroughputPlot, ThroughputPoint, bench_figure, curve_figure, field_figure,
    field_figure_with_axes, slopes_figure, sweep_figure,
};
pub use style::{ColorOptions, FigureOptions};

use canvas::{Anchor, Canvas, Color, palette};

use axes::{Axes, Scale};

/// Typesets expression text for figures: small integer powers as superscripts, `*` as a
/// middle dot, and true minus signs.
///
/// ```
/// assert_eq!(gradfield::plot::pretty("1 - tanh(x)^2"), "1 − tanh(x)²");
/// assert_eq!(gradfield::plot::pretty("0.3*sin(3*x) + 0.5*x^2"), "0.3·sin(3·x) + 0.5·x²");
/// assert_eq!(gradfield::plot::pretty("x^(-2) + 2^x"), "x^(−2) + 2^x");
/// ```
pub fn pretty(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '^' {
            let digits: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let after = chars.get(i + 1 + digits.len());
            if !digits.is_empty() && after != Some(&'.') && digits.len() <= 2 {
                out.push_str(&axes::superscript(digits.parse().unwrap_or(0)));
                i += 1 + digits.len();
                continue;
            }
        }
        match c {
            '*' => out.push('·'),
            '-' => out.push('−'),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// A colour map from [0, 1] to colours: perceptually uniform sequential maps for magnitudes
/// and diverging maps (light in the middle) for signed values; all are colour-blind safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMap {
    /// Perceptually uniform, blue to yellow (matplotlib's default).
    Viridis,
    /// Black to light yellow through purple and red.
    Magma,
    /// Black to light yellow through purple and orange.
    Inferno,
    /// Blue to yellow through magenta.
    Plasma,
    /// Blue to yellow, designed for colour-vision deficiencies.
    Cividis,
    /// Diverging blue–white–red: blue for negative, red for positive.
    Diverging,
    /// Diverging purple–white–orange.
    PuOr,
    /// Diverging brown–white–green.
    BrBG,
    /// White to black.
    Greys,
}

impl ColorMap {
    /// The names `--cmap` takes.
    pub const NAMES: &'static str =
        "viridis, magma, inferno, plasma, cividis, rdbu, puor, brbg, greys";

    /// The colour at `t` in [0, 1] (clamped).
    pub fn at(self, t: f64) -> Color {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Color::from_colorous(match self {
            ColorMap::Viridis => colorous::VIRIDIS.eval_continuous(t),
            ColorMap::Magma => colorous::MAGMA.eval_continuous(t),
            ColorMap::Inferno => colorous::INFERNO.eval_continuous(t),
            ColorMap::Plasma => colorous::PLASMA.eval_continuous(t),
            ColorMap::Cividis => colorous::CIVIDIS.eval_continuous(t),
            // Blue for negative, red for positive.
            ColorMap::Diverging => colorous::RED_BLUE.eval_continuous(1.0 - t),
            ColorMap::PuOr => colorous::PURPLE_ORANGE.eval_continuous(1.0 - t),
            ColorMap::BrBG => colorous::BROWN_GREEN.eval_continuous(t),
            ColorMap::Greys => colorous::GREYS.eval_continuous(t),
        })
    }

    /// Whether the map is diverging (for signed values centred on 0).
    pub fn diverging(self) -> bool {
        matches!(self, ColorMap::Diverging | ColorMap::PuOr | ColorMap::BrBG)
    }
}

impl std::str::FromStr for ColorMap {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<ColorMap> {
        Ok(match s.to_lowercase().as_str() {
            "viridis" => ColorMap::Viridis,
            "magma" => ColorMap::Magma,
            "inferno" => ColorMap::Inferno,
            "plasma" => ColorMap::Plasma,
            "cividis" => ColorMap::Cividis,
            "rdbu" | "diverging" => ColorMap::Diverging,
            "puor" => ColorMap::PuOr,
            "brbg" => ColorMap::BrBG,
            "greys" | "grays" => ColorMap::Greys,
            _ => {
                return Err(crate::Error::input(format!(
                    "unknown colour map `{s}`; use one of {}",
                    ColorMap::NAMES
                )));
            }
        })
    }
}

/// How values map onto a colour map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorScale {
    /// Evenly.
    #[default]
    Linear,
    /// By decades (positive values; others are masked).
    Log,
    /// Linear near 0, by decades beyond (signed values spanning many decades).
    Symlog,
}

impl std::str::FromStr for ColorScale {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<ColorScale> {
        match s {
            "linear" => Ok(ColorScale::Linear),
            "log" => Ok(ColorScale::Log),
            "symlog" => Ok(ColorScale::Symlog),
            _ => Err(crate::Error::input(format!(
                "unknown colour scale `{s}`; use linear, log or symlog"
            ))),
        }
    }
}

/// A value-to-colour mapping: a scale over [min, max] (a [`Scale`], whose ticks the colour bar
/// shows) and a colour map.
#[derive(Clone, Copy, Debug)]
pub struct Norm {
    /// The scale (linear, log or symlog) and its range.
    pub scale: Scale,
    /// The colours.
    pub map: ColorMap,
}

impl Norm {
    /// A mapping for values in [lo, hi] (finite) with the given scale; `vmin`/`vmax` override
    /// the range. A diverging map over signed values is centred on 0. Log needs a positive
    /// range: from the smallest positive value when `lo` is not.
    ///
    /// ```
    /// use gradfield::plot::{ColorMap, ColorScale, Norm};
    /// let n = Norm::new(0.0, 1000.0, ColorScale::Log, ColorMap::Viridis, None, None, 1e-2)?;
    /// assert!((n.frac(1.0) - 0.4).abs() < 1e-12); // 10⁰ is 2 of 5 decades above 10⁻²
    /// let d = Norm::new(-3.0, 1.0, ColorScale::Linear, ColorMap::Diverging, None, None, 0.0)?;
    /// assert_eq!(d.frac(0.0), 0.5);
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        lo: f64,
        hi: f64,
        kind: ColorScale,
        map: ColorMap,
        vmin: Option<f64>,
        vmax: Option<f64>,
        smallest_positive: f64,
    ) -> crate::Result<Norm> {
        let (mut lo, mut hi) = (vmin.unwrap_or(lo), vmax.unwrap_or(hi));
        if !(lo.is_finite() && hi.is_finite()) || lo > hi {
            return Err(crate::Error::input(format!(
                "the colour range {}…{} is empty or not finite (check --vmin/--vmax)",
                crate::error::num(lo),
                crate::error::num(hi)
            )));
        }
        // A diverging map centres 0 (all-zero values, such as the slopes of a constant f,
        // get −1…1 with 0 in the middle).
        if map.diverging() && vmin.is_none() && vmax.is_none() && lo <= 0.0 && hi >= 0.0 {
            let m = lo.abs().max(hi.abs());
            let m = if m > 0.0 { m } else { 1.0 };
            (lo, hi) = (-m, m);
        }
        let scale = match kind {
            ColorScale::Linear => Scale::linear(lo, hi),
            ColorScale::Log => {
                if hi <= 0.0 {
                    return Err(crate::Error::input(
                        "--color-scale log needs positive values; try symlog",
                    ));
                }
                // At most eight decades unless asked: below that, colours say nothing.
                let lo = match vmin {
                    Some(v) if v > 0.0 => v,
                    _ => if lo > 0.0 { lo } else { smallest_positive }.max(hi * 1e-8),
                };
                Scale::log(lo, hi)
            }
            ColorScale::Symlog => {
                let m = lo.abs().max(hi.abs());
                // Linear within a thousandth of the largest magnitude.
                Scale::symlog(lo, hi, (m * 1e-3).max(f64::MIN_POSITIVE))
            }
        };
        Ok(Norm { scale, map })
    }

    /// Position of `v` along the colour map (clamped to [0, 1]; NaN where undefined).
    pub fn frac(&self, v: f64) -> f64 {
        if self.scale.log && v <= 0.0 {
            return f64::NAN;
        }
        self.scale.frac(v).clamp(0.0, 1.0)
    }

    /// The colour of `v` (the mask colour where it is not finite or not on a log scale).
    pub fn color(&self, v: f64) -> Color {
        let t = if v.is_finite() {
            self.frac(v)
        } else {
            f64::NAN
        };
        if t.is_finite() {
            self.map.at(t)
        } else {
            palette::MASK
        }
    }
}

/// Values on a regular 2-D lattice (row-major, `ny` rows of `nx`), with their coordinates.
#[derive(Clone, Debug)]
pub struct Lattice {
    /// x coordinates of the columns.
    pub xs: Vec<f64>,
    /// y coordinates of the rows.
    pub ys: Vec<f64>,
    /// Values, row-major.
    pub v: Vec<f64>,
}

impl Lattice {
    /// `f` sampled at every (x, y) of the given coordinates, rows are y.
    ///
    /// ```
    /// use gradfield::plot::Lattice;
    /// let lat = Lattice::from_fn(vec![0.0, 1.0, 2.0], vec![10.0, 20.0], |x, y| x + y);
    /// assert_eq!(lat.at(2, 1), 22.0);
    /// ```
    pub fn from_fn(xs: Vec<f64>, ys: Vec<f64>, f: impl Fn(f64, f64) -> f64) -> Lattice {
        let v = ys
            .iter()
            .flat_map(|&y| xs.iter().map(move |&x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        Lattice { xs, ys, v }
    }

    /// Every k-th column and row (and the last), k the smallest stride that leaves at most
    /// `max` points per axis; the lattice itself when it is small enough. The values are
    /// samples, not averages: a contour through them is still exact where it crosses.
    ///
    /// ```
    /// use gradfield::plot::Lattice;
    /// let xs: Vec<f64> = (0..1000).map(|i| i as f64).collect();
    /// let lat = Lattice::from_fn(xs.clone(), xs, |x, y| x + y);
    /// let thin = lat.thinned(100);
    /// assert!(thin.xs.len() <= 100 && thin.ys.len() <= 100);
    /// assert_eq!(thin.xs.last(), Some(&999.0));
    /// assert_eq!(thin.at(1, 2), thin.xs[1] + thin.ys[2]);
    /// ```
    pub fn thinned(&self, max: usize) -> std::borrow::Cow<'_, Lattice> {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let max = max.max(2);
        if nx <= max && ny <= max {
            return std::borrow::Cow::Borrowed(self);
        }
        // Stride k = ⌈(n − 1)/(max − 1)⌉ leaves ⌊(n − 1)/k⌋ + 1 ≤ max indices, and the last
        // is among them unless that count is below max, so appending it stays within max.
        let pick = |n: usize| -> Vec<usize> {
            let k = (n - 1).div_ceil(max - 1).max(1);
            let mut idx: Vec<usize> = (0..n).step_by(k).collect();
            if idx.last() != Some(&(n - 1)) {
                idx.push(n - 1);
            }
            idx
        };
        let (ii, jj) = (pick(nx), pick(ny));
        let v = jj
            .iter()
            .flat_map(|&j| ii.iter().map(move |&i| (i, j)))
            .map(|(i, j)| self.at(i, j))
            .collect();
        std::borrow::Cow::Owned(Lattice {
            xs: ii.iter().map(|&i| self.xs[i]).collect(),
            ys: jj.iter().map(|&j| self.ys[j]).collect(),
            v,
        })
    }

    /// Value at (column i, row j).
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.v[j * self.xs.len() + i]
    }

    /// Range of the finite values.
    pub fn range(&self) -> (f64, f64) {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for &v in &self.v {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if lo > hi { (0.0, 1.0) } else { (lo, hi) }
    }

    /// Whether any value is not finite.
    pub fn has_nonfinite(&self) -> bool {
        self.v.iter().any(|v| !v.is_finite())
    }

    /// Bilinear interpolation at data (x, y); non-finite if a corner is.
    pub fn sample(&self, x: f64, y: f64) -> f64 {
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let fi = (x - self.xs[0]) / (self.xs[nx - 1] - self.xs[0]) * (nx - 1) as f64;
        let fj = (y - self.ys[0]) / (self.ys[ny - 1] - self.ys[0]) * (ny - 1) as f64;
        let i = (fi.floor().max(0.0) as usize).min(nx - 2);
        let j = (fj.floor().max(0.0) as usize).min(ny - 2);
        let (tx, ty) = (
            (fi - i as f64).clamp(0.0, 1.0),
            (fj - j as f64).clamp(0.0, 1.0),
        );
        let (a, b, c, d) = (
            self.at(i, j),
            self.at(i + 1, j),
            self.at(i, j + 1),
            self.at(i + 1, j + 1),
        );
        (a * (1.0 - tx) + b * tx) * (1.0 - ty) + (c * (1.0 - tx) + d * tx) * ty
    }
}

/// Fills the axes with the lattice's values through a colour mapping, as one image at the
/// canvas's resolution (one embedded image in SVG and PDF); non-finite cells get the mask
/// colour.
pub fn heatmap(c: &mut Canvas, ax: &Axes, lat: &Lattice, norm: &Norm) {
    let (x0, y0) = (ax.x0.round() as i64, ax.y0.round() as i64);
    let (x1, y1) = ((ax.x0 + ax.w).round() as i64, (ax.y0 + ax.h).round() as i64);
    let (w, h) = ((x1 - x0).max(1) as usize, (y1 - y0).max(1) as usize);
    let mut rgba = vec![0u8; w * h * 4];
    use rayon::prelude::*;
    rgba.par_chunks_mut(w * 4).enumerate().for_each(|(j, row)| {
        let py = y0 as f64 + j as f64 + 0.5;
        let y = ax.ys.max - (py - ax.y0 as f64) / ax.sy();
        for i in 0..w {
            let px = x0 as f64 + i as f64 + 0.5;
            let x = ax.xs.min + (px - ax.x0 as f64) / ax.sx();
            let col = norm.color(lat.sample(x, y));
            row[i * 4..i * 4 + 4].copy_from_slice(&[col.r, col.g, col.b, 255]);
        }
    });
    c.image(
        [x0 as f32, y0 as f32, w as f32, h as f32],
        w as u32,
        h as u32,
        rgba,
    );
}

/// Width in pixels of a [`colorbar`] with these tick labels and a label (for layout).
pub fn colorbar_width(c: &Canvas, norm: &Norm) -> f32 {
    let fs = c.px(FONT);
    let widest = norm
        .scale
        .ticks(6)
        .iter()
        .map(|(_, t)| c.text_width(t, fs))
        .fold(0.0, f32::max);
    c.px(10.0) + c.px(12.0) + c.px(3.5 + 3.0) + widest + c.px(6.0) + fs
}

/// A vertical colour bar at `x` beside the axes, with ticks and a label; returns its width.
pub fn colorbar(c: &mut Canvas, ax: &Axes, x: f32, norm: &Norm, label: &str) -> f32 {
    let x = x + c.px(10.0);
    let w = c.px(12.0);
    let (top, h) = (ax.y0, ax.h);
    let n = (h.round() as usize).max(2);
    let mut rgba = Vec::with_capacity(n * 4);
    for k in 0..n {
        let col = norm.map.at(1.0 - (k as f64 + 0.5) / n as f64);
        rgba.extend_from_slice(&[col.r, col.g, col.b, 255]);
    }
    c.image([x, top, w, h], 1, n as u32, rgba);
    c.polygon_outline(
        &[(x, top), (x + w, top), (x + w, top + h), (x, top + h)],
        c.px(0.8),
        palette::INK,
    );
    let fs = c.px(FONT);
    let bar = Axes {
        x0: x,
        y0: top,
        w,
        h,
        xs: Scale::linear(0.0, 1.0),
        ys: norm.scale,
    };
    let mut widest: f32 = 0.0;
    let ticks: Vec<(f64, String)> = norm.scale.ticks(((h / c.px(28.0)) as usize).clamp(2, 8));
    for (v, text) in &ticks {
        let y = bar.py(*v);
        c.polyline(
            &[(x + w, y), (x + w + c.px(3.5), y)],
            c.px(0.8),
            palette::INK,
            canvas::LineStyle::Solid,
        );
        c.text(
            text,
            x + w + c.px(3.5 + 3.0),
            y + fs * 0.35,
            fs,
            palette::INK,
            Anchor::Left,
            false,
        );
        widest = widest.max(c.text_width(text, fs));
    }
    if norm.scale.log {
        bar.minor_log_ticks_y(c, x + w, c.px(2.0));
    }
    let lx = x + w + c.px(3.5 + 3.0) + widest + c.px(6.0) + fs * 0.75;
    c.text(
        label,
        lx,
        top + h / 2.0,
        fs,
        palette::INK,
        Anchor::Center,
        true,
    );
    lx + fs * 0.4 - (x - c.px(10.0))
}

/// The base text size in points (matplotlib's default).
pub const FONT: f32 = 10.0;

/// Contour segments of `lat` at `level` (marching squares; saddles split by the centre).
pub fn contour_segments(lat: &Lattice, level: f64) -> Vec<[(f64, f64); 2]> {
    let (nx, ny) = (lat.xs.len(), lat.ys.len());
    let mut out = Vec::new();
    for j in 0..ny - 1 {
        for i in 0..nx - 1 {
            let v = [
                lat.at(i, j),
                lat.at(i + 1, j),
                lat.at(i + 1, j + 1),
                lat.at(i, j + 1),
            ];
            let below = v.map(|x| x < level);
            if below.iter().all(|&b| b == below[0]) || v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let p = [
                (lat.xs[i], lat.ys[j]),
                (lat.xs[i + 1], lat.ys[j]),
                (lat.xs[i + 1], lat.ys[j + 1]),
                (lat.xs[i], lat.ys[j + 1]),
            ];
            // Crossing points on the four edges (0: bottom, 1: right, 2: top, 3: left).
            let mut cross = [(0.0, 0.0); 4];
            let mut count = 0;
            for e in 0..4 {
                let (a, b) = (e, (e + 1) % 4);
                if below[a] != below[b] {
                    let t = (level - v[a]) / (v[b] - v[a]);
                    cross[count] = (
                        p[a].0 + t * (p[b].0 - p[a].0),
                        p[a].1 + t * (p[b].1 - p[a].1),
                    );
                    count += 1;
                }
            }
            match count {
                2 => out.push([cross[0], cross[1]]),
                4 => {
                    // Saddle: pair the edges according to the value at the centre.
                    let centre = v.iter().sum::<f64>() / 4.0;
                    if (centre < level) == below[0] {
                        out.push([cross[0], cross[1]]);
                        out.push([cross[2], cross[3]]);
                    } else {
                        out.push([cross[0], cross[3]]);
                        out.push([cross[1], cross[2]]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Contour levels of a lattice: nice numbers across its range, or log-spaced when the values
/// are non-negative and most of them are small beside the largest (Rosenbrock's valley would
/// otherwise hold every line).
pub fn contour_levels(lat: &Lattice, count: usize) -> Vec<f64> {
    let (lo, hi) = lat.range();
    if count == 0 || hi <= lo {
        return Vec::new();
    }
    let mut finite: Vec<f64> = lat.v.iter().copied().filter(|v| v.is_finite()).collect();
    let median = if finite.is_empty() {
        lo
    } else {
        let mid = finite.len() / 2;
        *finite.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    if lo >= 0.0 && median < 0.1 * hi {
        let a = (hi * 1e-4).max(lo).max(f64::MIN_POSITIVE).log10();
        let b = hi.log10();
        return (1..=count)
            .map(|k| 10f64.powf(a + (b - a) * k as f64 / (count + 1) as f64))
            .collect();
    }
    let step = axes::nice_step(hi - lo, count + 1);
    axes::nice_ticks(lo, hi, (((hi - lo) / step) as usize).max(1))
        .into_iter()
        .filter(|&v| v > lo && v < hi)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lattice(f: impl Fn(f64, f64) -> f64, n: usize) -> Lattice {
        let xs: Vec<f64> = (0..n)
            .map(|i| -1.0 + 2.0 * i as f64 / (n - 1) as f64)
            .collect();
        Lattice::from_fn(xs.clone(), xs, f)
    }

    #[test]
    fn contours_of_a_circle_lie_on_the_circle() {
        let lat = lattice(|x, y| x * x + y * y, 81);
        let segs = contour_segments(&lat, 0.25);
        assert!(segs.len() > 40);
        for s in segs {
            for (x, y) in s {
                assert!(((x * x + y * y).sqrt() - 0.5).abs() < 2e-3);
            }
        }
    }

    #[test]
    fn contour_levels_are_linear_unless_the_values_are_skewed() {
        let bowl = lattice(|x, y| x * x + 0.5 * y * y, 41);
        let levels = contour_levels(&bowl, 5);
        let steps: Vec<f64> = levels.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            steps.iter().all(|s| (s - steps[0]).abs() < 1e-12),
            "{levels:?}"
        );
        // Most values small beside the largest: exp(3r²) has median ≈ e² and maximum e⁶.
        let valley = lattice(|x, y| (3.0 * (x * x + y * y)).exp(), 41);
        let levels = contour_levels(&valley, 5);
        assert!(levels[1] / levels[0] > 2.0, "log-spaced: {levels:?}");
    }

    #[test]
    fn masked_cells_get_the_mask_colour() {
        let lat = lattice(|x, _| if x > 0.5 { f64::NAN } else { x }, 21);
        let mut c = Canvas::new(200, 200).unwrap();
        let ax = Axes {
            x0: 0.0,
            y0: 0.0,
            w: 200.0,
            h: 200.0,
            xs: Scale::linear(-1.0, 1.0),
            ys: Scale::linear(-1.0, 1.0),
        };
        let norm = Norm::new(
            -1.0,
            0.5,
            ColorScale::Linear,
            ColorMap::Viridis,
            None,
            None,
            0.0,
        )
        .unwrap();
        heatmap(&mut c, &ax, &lat, &norm);
        assert_eq!(c.get(190, 100), palette::MASK);
        assert_ne!(c.get(20, 100), palette::MASK);
        // On a log scale, values ≤ 0 are masked too.
        let log = Norm::new(
            -1.0,
            0.5,
            ColorScale::Log,
            ColorMap::Viridis,
            None,
            None,
            1e-3,
        )
        .unwrap();
        assert_eq!(log.color(-0.5), palette::MASK);
        assert_ne!(log.color(0.25), palette::MASK);
    }
}
