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
    /// By magnitude through a colour map (its darker 80 %, so that no arrow fades into a white
    /// background).
    Magnitude(ColorMap),
    /// One colour, with an outline of another for contrast.
    Plain(Color, Color),
    /// Dark or light, whichever contrasts with the background under each arrow, with an
    /// outline of the other.
    Contrast,
}

impl Default for QuiverStyle {
    fn default() -> QuiverStyle {
        QuiverStyle {
            scale: None,
            pivot: Pivot::Tail,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.0,
        }
    }
}

/// Relative luminance (0 black, 1 white) of an sRGB colour.
pub fn luminance(c: Color) -> f64 {
    let lin = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// The arrow colour and its outline for a background colour: ink on light, paper on dark.
pub fn contrasting(under: Color) -> (Color, Color) {
    if luminance(under) > 0.25 {
        (palette::INK, palette::PAPER.alpha(200))
    } else {
        (palette::PAPER, palette::INK.alpha(200))
    }
}

/// What [`draw`] did: the scale it used and the largest magnitude.
#[derive(Clone, Copy, Debug)]
pub struct Drawn {
    /// Data units of arrow per unit of vector.
    pub scale: f64,
    /// The largest finite magnitude.
    pub mmax: f64,
    /// Whether the scale was chosen automatically (longest ≈ one cell).
    pub auto: bool,
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

/// Draws the arrows, clipped to the axes; `cell` is the lattice spacing in data units (for
/// autoscaling and for normalised arrows); `under` gives the background colour at a point
/// (for [`ArrowColor::Contrast`]).
pub fn draw(
    c: &mut Canvas,
    ax: &Axes,
    arrows: &[Arrow],
    cell: f64,
    style: &QuiverStyle,
    under: &dyn Fn(f64, f64) -> Option<Color>,
) -> Drawn {
    let mmax = max_magnitude(arrows);
    let auto = style.scale.is_none();
    let scale = style
        .scale
        .unwrap_or(if mmax > 0.0 { 0.9 * cell / mmax } else { 1.0 });
    let width = c.px(style.width);
    let (sx, sy) = (ax.sx() as f32, ax.sy() as f32);
    c.clip(Some([ax.x0, ax.y0, ax.w, ax.h]));
    for a in arrows {
        let m = a.u.hypot(a.v);
        if !m.is_finite() {
            continue;
        }
        let (color, edge) = match style.color {
            ArrowColor::Magnitude(map) => {
                (map.at(if mmax > 0.0 { 0.8 * m / mmax } else { 0.0 }), None)
            }
            ArrowColor::Plain(col, edge) => (col, Some(edge)),
            ArrowColor::Contrast => {
                let (col, edge) = contrasting(under(a.x, a.y).unwrap_or(palette::PAPER));
                (col, Some(edge))
            }
        };
        let (px, py) = (ax.px(a.x), ax.py(a.y));
        if m == 0.0 {
            c.dot(px, py, width * 0.9, color);
            continue;
        }
        // Normalised: every arrow 0.9 cell long, pointing along the vector.
        let (u, v, k) = if style.normalize {
            (a.u / m, a.v / m, 0.9 * cell)
        } else {
            (a.u, a.v, scale)
        };
        // Data units to pixels; screen y points down.
        let dx = (u * k) as f32 * sx;
        let dy = -(v * k) as f32 * sy;
        let (ox, oy) = match style.pivot {
            Pivot::Tail => (px, py),
            Pivot::Mid => (px - dx / 2.0, py - dy / 2.0),
            Pivot::Tip => (px - dx, py - dy),
        };
        let poly = arrow_polygon(ox, oy, dx, dy, width);
        match edge {
            Some(e) => c.polygon_with_edge(&poly, color, width * 0.45, e),
            None => c.polygon(&poly, color),
        }
    }
    c.clip(None);
    Drawn { scale, mmax, auto }
}

/// Width in pixels of the key [`key`] draws.
pub fn key_width(c: &Canvas, ax: &Axes, drawn: &Drawn, label: &str, style: &QuiverStyle) -> f32 {
    let fs = c.px(super::axes::SUBTITLE + 1.0);
    if style.normalize || !has_arrows(drawn) {
        return c.text_width(&key_text(drawn, ax, label, style), fs);
    }
    let len = (key_value(drawn, ax) * drawn.scale) as f32 * ax.sx() as f32;
    len + c.px(6.0) + c.text_width(&key_text(drawn, ax, label, style), fs)
}

/// A nice magnitude for the key: near the largest, and drawn no longer than a quarter of the
/// axes' width (a hand-set scale can make arrows long).
fn key_value(drawn: &Drawn, ax: &Axes) -> f64 {
    let room = 0.25 * ax.w as f64 / (drawn.scale * ax.sx());
    let top = drawn.mmax.min(room);
    let s = nice_step(top, 1);
    if s > top { s / 2.0 } else { s }
}

/// Whether some vector is not zero (else every arrow is a dot, and the key says so).
fn has_arrows(drawn: &Drawn) -> bool {
    drawn.mmax > 0.0 && drawn.mmax.is_finite()
}

fn key_text(drawn: &Drawn, ax: &Axes, label: &str, style: &QuiverStyle) -> String {
    if !has_arrows(drawn) {
        format!("{label} = 0 at every arrow (dots)")
    } else if style.normalize {
        "arrows: direction only".to_string()
    } else {
        let v = key_value(drawn, ax);
        format!("{label} = {}", super::axes::tick_label(v, v / 10.0))
    }
}

/// The key, right-aligned at `x1` on the baseline `y`: an arrow of a nice magnitude near the
/// largest, drawn at the same scale and labelled with its value, or, for normalised arrows,
/// the words "direction only".
pub fn key(
    c: &mut Canvas,
    ax: &Axes,
    x1: f32,
    y: f32,
    drawn: &Drawn,
    label: &str,
    style: &QuiverStyle,
) {
    let fs = c.px(super::axes::SUBTITLE + 1.0);
    let text = key_text(drawn, ax, label, style);
    if style.normalize || !has_arrows(drawn) {
        c.text(&text, x1, y, fs, palette::INK, Anchor::Right, false);
        return;
    }
    let value = key_value(drawn, ax);
    let len = (value * drawn.scale) as f32 * ax.sx() as f32;
    let x0 = x1 - len;
    let (color, edge) = match style.color {
        ArrowColor::Magnitude(map) => (map.at(0.8 * value / drawn.mmax), None),
        ArrowColor::Plain(col, edge) => (col, Some(edge)),
        ArrowColor::Contrast => (palette::INK, Some(palette::PAPER)),
    };
    let width = c.px(style.width);
    let poly = arrow_polygon(x0, y - fs * 0.35, len, 0.0, width);
    match edge {
        Some(e) => c.polygon_with_edge(&poly, color, width * 0.45, e),
        None => c.polygon(&poly, color),
    }
    c.text(
        &text,
        x0 - c.px(6.0),
        y,
        fs,
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
                &|_, _| None,
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
