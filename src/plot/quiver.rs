//! Quiver plots with matplotlib's semantics where they are sound: arrows in data units
//! (`angles='xy', scale_units='xy'`), so an arrow points along the gradient as the axes show
//! it; pivot at tail, middle or tip; shaft width, head width 3 and head length 5 shaft widths;
//! colour by magnitude; a key arrow with its value. The default scale makes the longest arrow
//! about one cell of the arrow lattice (matplotlib's autoscale often makes them too short or
//! crowded). Zero vectors are dots.

use super::ColorMap;
use super::axes::{Axes, nice_step};
use super::canvas::{Anchor, Canvas, Color, palette};

/// Where an arrow sits on its point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pivot {
    /// The arrow starts at the point.
    Tail,
    /// The arrow's middle is at the point.
    Mid,
    /// The arrow ends at the point.
    Tip,
}

impl std::str::FromStr for Pivot {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Pivot> {
        match s {
            "tail" => Ok(Pivot::Tail),
            "mid" | "middle" => Ok(Pivot::Mid),
            "tip" => Ok(Pivot::Tip),
            _ => Err(crate::Error::input(format!(
                "unknown pivot `{s}`; use tail, mid or tip"
            ))),
        }
    }
}

/// How arrows look.
#[derive(Clone, Copy, Debug)]
pub struct QuiverStyle {
    /// Data units of arrow per unit of vector; `None` autoscales (longest ≈ one cell).
    pub scale: Option<f64>,
    /// Where arrows sit.
    pub pivot: Pivot,
    /// Draw every arrow the same length; colour alone carries the magnitude.
    pub normalize: bool,
    /// Colour map for magnitudes, or one colour for all.
    pub color: ArrowColor,
    /// Shaft width in design units.
    pub width: f32,
}

/// Arrow colouring.
#[derive(Clone, Copy, Debug)]
pub enum ArrowColor {
    /// By magnitude through a colour map.
    Magnitude(ColorMap),
    /// One colour, with an outline of another for contrast.
    Plain(Color, Color),
}

impl Default for QuiverStyle {
    fn default() -> QuiverStyle {
        QuiverStyle {
            scale: None,
            pivot: Pivot::Tail,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.6,
        }
    }
}

/// One arrow: position and vector, in data units.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    /// x of the point.
    pub x: f64,
    /// y of the point.
    pub y: f64,
    /// Vector x component.
    pub u: f64,
    /// Vector y component.
    pub v: f64,
}

/// The arrow polygon in pixels for a screen vector (dx, dy) starting at (x, y).
pub fn arrow_polygon(x: f32, y: f32, dx: f32, dy: f32, width: f32) -> Vec<(f32, f32)> {
    let len = (dx * dx + dy * dy).sqrt();
    let (hw, hl, hal) = (3.0 * width, 5.0 * width, 4.5 * width);
    // Short arrows shrink as a whole, as matplotlib's do below `minshaft`.
    let k = (len / hl).min(1.0);
    let (w, hw, hl, hal) = (width * k, hw * k, hl * k, hal * k);
    let local = [
        (0.0, -w / 2.0),
        (len - hal, -w / 2.0),
        (len - hl, -hw / 2.0),
        (len, 0.0),
        (len - hl, hw / 2.0),
        (len - hal, w / 2.0),
        (0.0, w / 2.0),
    ];
    let (c, s) = if len > 0.0 {
        (dx / len, dy / len)
    } else {
        (1.0, 0.0)
    };
    local
        .iter()
        .map(|&(u, v)| (x + u * c - v * s, y + u * s + v * c))
        .collect()
}

/// The largest magnitude among finite vectors.
pub fn max_magnitude(arrows: &[Arrow]) -> f64 {
    arrows
        .iter()
        .map(|a| a.u.hypot(a.v))
        .filter(|m| m.is_finite())
        .fold(0.0, f64::max)
}

/// Draws the arrows; `cell` is the lattice spacing in data units (for autoscaling). Returns
/// the scale used (data units per unit of vector) and the largest magnitude.
pub fn draw(
    c: &mut Canvas,
    ax: &Axes,
    arrows: &[Arrow],
    cell: f64,
    style: &QuiverStyle,
) -> (f64, f64) {
    let mmax = max_magnitude(arrows);
    let scale = style
        .scale
        .unwrap_or(if mmax > 0.0 { 0.9 * cell / mmax } else { 1.0 });
    let width = c.px(style.width);
    let (sx, sy) = (ax.sx() as f32, ax.sy() as f32);
    for a in arrows {
        let m = a.u.hypot(a.v);
        if !m.is_finite() {
            continue;
        }
        let color = match style.color {
            ArrowColor::Magnitude(map) => map.at(if mmax > 0.0 { m / mmax } else { 0.0 }),
            ArrowColor::Plain(col, _) => col,
        };
        let (px, py) = (ax.px(a.x), ax.py(a.y));
        if m == 0.0 {
            c.dot(px, py, width * 0.9, color);
            continue;
        }
        let (u, v) = if style.normalize {
            (a.u / m * mmax, a.v / m * mmax)
        } else {
            (a.u, a.v)
        };
        // Data units to pixels; screen y points down.
        let dx = (u * scale) as f32 * sx;
        let dy = -(v * scale) as f32 * sy;
        let (ox, oy) = match style.pivot {
            Pivot::Tail => (px, py),
            Pivot::Mid => (px - dx / 2.0, py - dy / 2.0),
            Pivot::Tip => (px - dx, py - dy),
        };
        let poly = arrow_polygon(ox, oy, dx, dy, width);
        if let ArrowColor::Plain(_, edge) = style.color {
            c.polygon_outline(&poly, width * 0.45, edge);
        }
        c.polygon(&poly, color);
    }
    (scale, mmax)
}

/// A key arrow below the axes' right corner: a nice magnitude near the largest, drawn at the
/// same scale, labelled with its value.
pub fn key(c: &mut Canvas, ax: &Axes, scale: f64, mmax: f64, label: &str, style: &QuiverStyle) {
    if mmax <= 0.0 || !mmax.is_finite() {
        return;
    }
    let value = {
        let s = nice_step(mmax, 1);
        if s > mmax { s / 2.0 } else { s }
    };
    let len = (value * scale) as f32 * ax.sx() as f32;
    let y = ax.y0 + ax.h + c.px(44.0);
    let x1 = ax.x0 + ax.w;
    let x0 = x1 - len;
    let color = match style.color {
        ArrowColor::Magnitude(map) => map.at(value / mmax),
        ArrowColor::Plain(col, _) => col,
    };
    let poly = arrow_polygon(x0, y - c.px(3.5), len, 0.0, c.px(style.width));
    if let ArrowColor::Plain(_, edge) = style.color {
        c.polygon_outline(&poly, c.px(style.width) * 0.45, edge);
    }
    c.polygon(&poly, color);
    let text = format!("{label} = {}", super::axes::tick_label(value, value / 10.0));
    c.text(
        &text,
        x0 - c.px(8.0),
        y,
        c.px(10.5),
        palette::INK,
        Anchor::Right,
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::axes::Scale;

    fn darkest_centroid(c: &Canvas, x0: u32, x1: u32, y0: u32, y1: u32) -> (f32, f32) {
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let p = c.get(x, y);
                if (p.r as u32 + p.g as u32 + p.b as u32) < 300 {
                    sx += x as f32;
                    sy += y as f32;
                    n += 1.0;
                }
            }
        }
        (sx / n, sy / n)
    }

    #[test]
    fn an_arrow_points_the_way_of_its_vector() {
        // One arrow at the centre of a square axes, pointing up-right: its ink lies up and to
        // the right of the point (screen y grows downwards).
        for (u, v, right, up) in [
            (1.0, 1.0, true, true),
            (-1.0, 0.5, false, true),
            (0.5, -1.0, true, false),
        ] {
            let mut c = Canvas::new(400, 400).unwrap();
            let ax = Axes {
                x0: 0.0,
                y0: 0.0,
                w: 400.0,
                h: 400.0,
                xs: Scale::linear(-1.0, 1.0),
                ys: Scale::linear(-1.0, 1.0),
            };
            let style = QuiverStyle {
                color: ArrowColor::Plain(palette::INK, palette::INK),
                ..QuiverStyle::default()
            };
            draw(
                &mut c,
                &ax,
                &[Arrow {
                    x: 0.0,
                    y: 0.0,
                    u,
                    v,
                }],
                1.0,
                &style,
            );
            let (cx, cy) = darkest_centroid(&c, 0, 400, 0, 400);
            assert_eq!(cx > 200.0, right, "({u}, {v}): centroid x {cx}");
            assert_eq!(cy < 200.0, up, "({u}, {v}): centroid y {cy}");
        }
    }

    #[test]
    fn data_units_follow_the_axes_aspect() {
        // angles='xy': on axes twice as wide in data per pixel along x, a (1, 1) vector is
        // drawn at 63.4° from the horizontal, not 45°.
        let ax = Axes {
            x0: 0.0,
            y0: 0.0,
            w: 400.0,
            h: 400.0,
            xs: Scale::linear(-2.0, 2.0),
            ys: Scale::linear(-1.0, 1.0),
        };
        let (dx, dy) = (1.0 * ax.sx(), 1.0 * ax.sy());
        assert!(((dy / dx).atan().to_degrees() - 63.43).abs() < 0.1);
    }
}
