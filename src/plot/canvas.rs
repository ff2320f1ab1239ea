//! A pixel canvas: anti-aliased paths (tiny-skia), text (ab_glyph with DejaVu Sans, embedded),
//! and PNG output written atomically.

use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use tiny_skia::{
    FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash, Transform,
};

use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// An RGBA colour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Color {
    /// Red, 0–255.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Opacity, 0–255.
    pub a: u8,
}

impl Color {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 255 }
    }

    /// The same colour with another opacity.
    pub const fn alpha(self, a: u8) -> Color {
        Color { a, ..self }
    }

    /// From a colorous colour.
    pub fn from_colorous(c: colorous::Color) -> Color {
        Color::rgb(c.r, c.g, c.b)
    }

    fn paint(self) -> Paint<'static> {
        let mut p = Paint::default();
        p.set_color_rgba8(self.r, self.g, self.b, self.a);
        p.anti_alias = true;
        p
    }
}

/// Colours used across figures.
pub mod palette {
    use super::Color;
    /// Text, frames, ticks.
    pub const INK: Color = Color::rgb(34, 34, 34);
    /// Light grid lines.
    pub const GRID: Color = Color::rgb(226, 226, 226);
    /// Figure background.
    pub const PAPER: Color = Color::rgb(255, 255, 255);
    /// Cells whose value is not finite.
    pub const MASK: Color = Color::rgb(190, 190, 190);
    /// Line series, colour-blind safe (Okabe–Ito).
    pub const SERIES: [Color; 7] = [
        Color::rgb(0, 114, 178),
        Color::rgb(213, 94, 0),
        Color::rgb(0, 158, 115),
        Color::rgb(204, 121, 167),
        Color::rgb(230, 159, 0),
        Color::rgb(86, 180, 233),
        Color::rgb(0, 0, 0),
    ];
}

/// Solid, dashed or dotted lines, as in the article's plots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LineStyle {
    /// ─────
    Solid,
    /// – – –
    Dashed,
    /// · · ·
    Dotted,
}

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(dejavu::sans::regular()).expect("the embedded DejaVu Sans parses")
    })
}

/// Horizontal anchoring of text at a point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    /// The point is the text's left end.
    Left,
    /// The point is the text's middle.
    Center,
    /// The point is the text's right end.
    Right,
}

/// A figure being drawn: pixels plus a scale factor for sizes (1.0 at 800 px wide).
pub struct Canvas {
    /// The pixels.
    pub pixmap: Pixmap,
    /// Multiplies every line width and font size, so layouts hold at any resolution.
    pub scale: f32,
}

impl Canvas {
    /// Checks a size in pixels: 64 to 16384 a side.
    pub fn check_size(width: u32, height: u32) -> Result<()> {
        if !(64..=16384).contains(&width) || !(64..=16384).contains(&height) {
            return Err(Error::input(format!(
                "figure size {width}×{height} is out of range (64 to 16384 pixels a side)"
            )));
        }
        Ok(())
    }

    /// A white canvas; sizes scale with the width (1.0 at 800 px).
    pub fn new(width: u32, height: u32) -> Result<Canvas> {
        Canvas::check_size(width, height)?;
        let mut pixmap = Pixmap::new(width, height).expect("a non-empty size");
        pixmap.fill(tiny_skia::Color::WHITE);
        Ok(Canvas {
            pixmap,
            scale: width as f32 / 800.0,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> f32 {
        self.pixmap.width() as f32
    }

    /// Height in pixels.
    pub fn height(&self) -> f32 {
        self.pixmap.height() as f32
    }

    /// A size in design units (points at 800 px wide) as pixels.
    pub fn px(&self, design: f32) -> f32 {
        design * self.scale
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        if let Some(r) = Rect::from_xywh(x, y, w.max(0.01), h.max(0.01)) {
            self.pixmap
                .fill_rect(r, &color.paint(), Transform::identity(), None);
        }
    }

    /// Strokes a polyline (points in pixels); breaks at non-finite points.
    pub fn polyline(&mut self, pts: &[(f32, f32)], width: f32, color: Color, style: LineStyle) {
        let mut pb = PathBuilder::new();
        let mut pen_down = false;
        for &(x, y) in pts {
            if !(x.is_finite() && y.is_finite()) {
                pen_down = false;
                continue;
            }
            if pen_down {
                pb.line_to(x, y);
            } else {
                pb.move_to(x, y);
                pen_down = true;
            }
        }
        let Some(path) = pb.finish() else { return };
        let mut stroke = Stroke {
            width,
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        stroke.dash = match style {
            LineStyle::Solid => None,
            LineStyle::Dashed => StrokeDash::new(vec![4.0 * width, 2.5 * width], 0.0),
            LineStyle::Dotted => StrokeDash::new(vec![0.01, 2.2 * width], 0.0),
        };
        self.pixmap
            .stroke_path(&path, &color.paint(), &stroke, Transform::identity(), None);
    }

    /// Fills a closed polygon.
    pub fn polygon(&mut self, pts: &[(f32, f32)], color: Color) {
        let mut pb = PathBuilder::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i == 0 {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        pb.close();
        if let Some(path) = pb.finish() {
            self.fill(&path, color);
        }
    }

    fn fill(&mut self, path: &tiny_skia::Path, color: Color) {
        let paint = color.paint();
        let identity = Transform::identity();
        self.pixmap
            .fill_path(path, &paint, FillRule::Winding, identity, None);
    }

    /// Strokes a closed polygon's outline.
    pub fn polygon_outline(&mut self, pts: &[(f32, f32)], width: f32, color: Color) {
        let mut closed = pts.to_vec();
        if let Some(&first) = pts.first() {
            closed.push(first);
        }
        self.polyline(&closed, width, color, LineStyle::Solid);
    }

    /// A filled circle.
    pub fn dot(&mut self, x: f32, y: f32, radius: f32, color: Color) {
        if let Some(path) = PathBuilder::from_circle(x, y, radius) {
            self.fill(&path, color);
        }
    }

    /// Blends one pixel with `color` at coverage `cov` (0–1).
    pub fn blend(&mut self, x: i32, y: i32, color: Color, cov: f32) {
        let (w, h) = (self.pixmap.width() as i32, self.pixmap.height() as i32);
        if x < 0 || y < 0 || x >= w || y >= h || cov <= 0.0 {
            return;
        }
        let a = (color.a as f32 / 255.0) * cov.min(1.0);
        let idx = (y * w + x) as usize;
        let data = self.pixmap.data_mut();
        let px = &mut data[idx * 4..idx * 4 + 4];
        // Premultiplied "over".
        for (k, c) in [color.r, color.g, color.b].into_iter().enumerate() {
            px[k] = (c as f32 * a + px[k] as f32 * (1.0 - a)).round() as u8;
        }
        px[3] = (255.0 * a + px[3] as f32 * (1.0 - a)).round() as u8;
    }

    /// Sets one pixel to an opaque colour (for images).
    pub fn set(&mut self, x: u32, y: u32, color: Color) {
        let w = self.pixmap.width();
        if x >= w || y >= self.pixmap.height() {
            return;
        }
        let idx = ((y * w + x) * 4) as usize;
        self.pixmap.data_mut()[idx..idx + 4].copy_from_slice(&[color.r, color.g, color.b, 255]);
    }

    /// The colour of one pixel.
    pub fn get(&self, x: u32, y: u32) -> Color {
        let idx = ((y * self.pixmap.width() + x) * 4) as usize;
        let d = &self.pixmap.data()[idx..idx + 4];
        Color {
            r: d[0],
            g: d[1],
            b: d[2],
            a: d[3],
        }
    }

    /// Width of `text` at font size `size` (pixels).
    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        let f = font().as_scaled(PxScale::from(size));
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                w += f.kern(p, id);
            }
            w += f.h_advance(id);
            prev = Some(id);
        }
        w
    }

    // Position, size, colour, anchor and rotation are each needed per call; a struct of text
    // options would only rename them.
    #[allow(clippy::too_many_arguments)]
    /// Draws `text` with its baseline at `y`, anchored at `x`; `rotated` turns it 90°
    /// counter-clockwise (for y-axis labels), `x`, `y` then being the anchor on its baseline.
    pub fn text(
        &mut self,
        text: &str,
        x: f32,
        y: f32,
        size: f32,
        color: Color,
        anchor: Anchor,
        rotated: bool,
    ) {
        let f = font().as_scaled(PxScale::from(size));
        let width = self.text_width(text, size);
        let start = match anchor {
            Anchor::Left => 0.0,
            Anchor::Center => -width / 2.0,
            Anchor::Right => -width,
        };
        let mut caret = start;
        let mut prev = None;
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                caret += f.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(size), point(caret, 0.0));
            caret += f.h_advance(id);
            prev = Some(id);
            let Some(outlined) = font().outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cov| {
                // Glyph-local (u, v) relative to the baseline origin.
                let u = b.min.x + gx as f32;
                let v = b.min.y + gy as f32;
                let (px, py) = if rotated {
                    (x + v, y - u)
                } else {
                    (x + u, y + v)
                };
                self.blend(px.round() as i32, py.round() as i32, color, cov);
            });
        }
    }

    /// Encodes the canvas as PNG and writes it atomically.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        self.stage_png(path)?.commit()
    }

    /// Encodes the canvas as PNG into a temporary file beside `path`, to be committed with
    /// [`AtomicFile::commit`] together with the rest of a set (or dropped, leaving nothing).
    pub fn stage_png(&self, path: &Path) -> Result<AtomicFile> {
        let bytes = self
            .pixmap
            .encode_png()
            .map_err(|e| Error::internal(format!("PNG encoding failed: {e}")))?;
        let mut f = AtomicFile::create(path)?;
        f.write(&bytes)?;
        f.finish()?;
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_renders_glyphs_including_math_symbols() {
        let mut c = Canvas::new(400, 100).unwrap();
        c.text(
            "∇f  ∂f/∂x  ε  10⁻⁸ × −1",
            10.0,
            60.0,
            28.0,
            palette::INK,
            Anchor::Left,
            false,
        );
        let dark = (0..400)
            .flat_map(|x| (0..100).map(move |y| (x, y)))
            .filter(|&(x, y)| c.get(x, y).r < 128)
            .count();
        assert!(
            dark > 400,
            "glyph coverage is non-empty: {dark} dark pixels"
        );
        // Every character has a glyph in the embedded font (no .notdef boxes).
        for ch in "∇∂ε⁻⁸×−²³".chars() {
            assert_ne!(font().glyph_id(ch).0, 0, "{ch}");
        }
    }

    #[test]
    fn rotated_text_is_taller_than_wide() {
        let mut c = Canvas::new(200, 200).unwrap();
        c.text(
            "derivative",
            100.0,
            180.0,
            24.0,
            palette::INK,
            Anchor::Left,
            true,
        );
        let dark: Vec<(u32, u32)> = (0..200)
            .flat_map(|x| (0..200).map(move |y| (x, y)))
            .filter(|&(x, y)| c.get(x, y).r < 128)
            .collect();
        let (xs, ys): (Vec<u32>, Vec<u32>) = dark.iter().copied().unzip();
        let w = xs.iter().max().unwrap() - xs.iter().min().unwrap();
        let h = ys.iter().max().unwrap() - ys.iter().min().unwrap();
        assert!(h > 3 * w, "{w}×{h}");
    }
}
