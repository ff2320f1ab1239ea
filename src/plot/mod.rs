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

pub use figures::{
    Background, CurveFigure, ErrorCurve, FieldFigure, FigureSize, SweepPlot, ThroughputPlot,
    ThroughputPoint, bench_figure, curve_figure, field_figure, field_figure_with_axes,
    slopes_figure, sweep_figure,
};

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

/// A colour map from [0, 1] to colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMap {
    /// Perceptually uniform, for magnitudes.
    Viridis,
    /// Dark-to-bright, for arrows over a light background.
    Inferno,
    /// Diverging blue–white–red, for signed values centred on 0.
    Diverging,
}

impl ColorMap {
    /// The colour at `t` in [0, 1] (clamped).
    pub fn at(self, t: f64) -> Color {
        let t = if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Color::from_colorous(match self {
            ColorMap::Viridis => colorous::VIRIDIS.eval_continuous(t),
            ColorMap::Inferno => colorous::INFERNO.eval_continuous(0.05 + 0.8 * t),
            // Blue for negative, red for positive.
            ColorMap::Diverging => colorous::RED_BLUE.eval_continuous(1.0 - t),
        })
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

/// Fills the axes with the lattice's values through a colour map; non-finite cells get the
/// mask colour.
pub fn heatmap(c: &mut Canvas, ax: &Axes, lat: &Lattice, map: ColorMap, lo: f64, hi: f64) {
    let (x0, y0) = (ax.x0.ceil() as u32, ax.y0.ceil() as u32);
    let (x1, y1) = ((ax.x0 + ax.w).floor() as u32, (ax.y0 + ax.h).floor() as u32);
    let span = if hi > lo { hi - lo } else { 1.0 };
    for py in y0..y1 {
        let y = ax.ys.max - (py as f64 + 0.5 - ax.y0 as f64) / ax.sy();
        for px in x0..x1 {
            let x = ax.xs.min + (px as f64 + 0.5 - ax.x0 as f64) / ax.sx();
            let v = lat.sample(x, y);
            let color = if v.is_finite() {
                map.at((v - lo) / span)
            } else {
                palette::MASK
            };
            c.set(px, py, color);
        }
    }
}

/// A vertical colour bar to the right of the axes, with ticks and a label.
pub fn colorbar(c: &mut Canvas, ax: &Axes, map: ColorMap, scale: Scale, label: &str) {
    let w = c.px(14.0);
    let x = ax.x0 + ax.w + c.px(18.0);
    let (top, h) = (ax.y0, ax.h);
    for k in 0..h.ceil() as i32 {
        let t = 1.0 - k as f64 / h as f64;
        let v = if scale.log {
            10f64.powf(scale.min.log10() + t * (scale.max.log10() - scale.min.log10()))
        } else {
            scale.min + t * (scale.max - scale.min)
        };
        let frac = scale.frac(v);
        c.fill_rect(x, top + k as f32, w, 1.0, map.at(frac));
    }
    c.polygon_outline(
        &[(x, top), (x + w, top), (x + w, top + h), (x, top + h)],
        c.px(0.8),
        palette::INK,
    );
    let fs = c.px(10.0);
    let bar = Axes {
        x0: x,
        y0: top,
        w,
        h,
        xs: Scale::linear(0.0, 1.0),
        ys: scale,
    };
    let mut widest: f32 = 0.0;
    for (v, text) in scale.ticks(6) {
        let y = bar.py(v);
        c.polyline(
            &[(x + w, y), (x + w + c.px(4.0), y)],
            c.px(0.8),
            palette::INK,
            canvas::LineStyle::Solid,
        );
        c.text(
            &text,
            x + w + c.px(6.0),
            y + fs * 0.35,
            fs,
            palette::INK,
            Anchor::Left,
            false,
        );
        widest = widest.max(c.text_width(&text, fs));
    }
    let lx = x + w + c.px(12.0) + widest + c.px(12.0);
    c.text(
        label,
        lx,
        top + h / 2.0,
        c.px(11.5),
        palette::INK,
        Anchor::Center,
        true,
    );
}

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
        heatmap(&mut c, &ax, &lat, ColorMap::Viridis, -1.0, 0.5);
        assert_eq!(c.get(190, 100), palette::MASK);
        assert_ne!(c.get(20, 100), palette::MASK);
    }
}
