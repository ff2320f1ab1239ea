//! A canvas: every figure is drawn once, into pixels (anti-aliased paths with tiny-skia, text
//! with ab_glyph and the embedded DejaVu Sans) and, at the same time, into a list of vector
//! items, so that one drawing gives PNG (with its DPI), SVG and PDF (text as text), written
//! atomically.

use std::path::Path;
use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use tiny_skia::{
    FillRule, LineCap, LineJoin, Mask, Paint, PathBuilder, Pixmap, Rect, Stroke, StrokeDash,
    Transform,
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

impl LineStyle {
    /// The dash pattern for a line of this width (`None`: solid).
    pub fn dashes(self, width: f32) -> Option<[f32; 2]> {
        match self {
            LineStyle::Solid => None,
            LineStyle::Dashed => Some([4.0 * width, 2.5 * width]),
            LineStyle::Dotted => Some([0.01, 2.2 * width]),
        }
    }
}

/// Marker shapes, so that series stay apart in greyscale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// ●
    Circle,
    /// ■
    Square,
    /// ▲
    Triangle,
    /// ◆
    Diamond,
}

/// The embedded font (DejaVu Sans).
pub(crate) fn font_bytes() -> &'static [u8] {
    dejavu::sans::regular()
}

pub(crate) fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(dejavu::sans::regular()).expect("the embedded DejaVu Sans parses")
    })
}

/// ab_glyph's scale for text whose em is `size` pixels. (`PxScale` is the height from the
/// font's descent to its ascent, 1.164 em in DejaVu Sans: used as the font size, it drew
/// text 14 % smaller than the size asked for, and than the same text in the SVG and PDF.)
fn em_scale(size: f32) -> PxScale {
    let f = font();
    PxScale::from(size * f.height_unscaled() / f.units_per_em().unwrap_or(2048.0))
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

/// Text, and what a figure file carries about its run besides the picture (PNG text chunks,
/// SVG `<title>`/`<desc>`, PDF Info).
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    /// The figure's title.
    pub title: String,
    /// The run's details (device, precision, step, points): the subtitle, which stays here
    /// when `--no-subtitle` removes it from the picture.
    pub description: String,
}

/// One thing drawn, kept for the vector outputs (SVG, PDF) as the pixels are drawn.
#[derive(Clone, Debug)]
pub(crate) enum Item {
    /// A path in pixels (non-finite points break it), filled and/or stroked.
    Path {
        pts: Vec<(f32, f32)>,
        closed: bool,
        fill: Option<Color>,
        stroke: Option<(f32, Color, LineStyle)>,
        clip: Option<usize>,
    },
    /// A filled circle.
    Circle {
        x: f32,
        y: f32,
        r: f32,
        fill: Color,
        clip: Option<usize>,
    },
    /// Text with its baseline at `y`, anchored at `x` (rotated 90° counter-clockwise about
    /// that point when `rotated`).
    Text {
        text: String,
        x: f32,
        y: f32,
        size: f32,
        color: Color,
        anchor: Anchor,
        rotated: bool,
    },
    /// An RGBA image (straight alpha) stretched over a rectangle.
    Image {
        rect: [f32; 4],
        width: u32,
        height: u32,
        rgba: Vec<u8>,
    },
}

/// A figure being drawn: pixels (drawn at once, for PNG) and the same drawing as a list of
/// vector items (for SVG and PDF), with a scale from points to pixels.
pub struct Canvas {
    /// The pixels.
    pub pixmap: Pixmap,
    /// Pixels per design unit: a design unit is a point (1/72 in) times the font scale, so
    /// `c.px(10.0)` is 10-pt text whatever the resolution.
    pub scale: f32,
    /// Pixels per inch (PNG pHYs; the physical size of SVG and PDF).
    pub dpi: f32,
    /// Title and run details for the file's metadata.
    pub meta: Metadata,
    pub(crate) items: Vec<Item>,
    pub(crate) clips: Vec<[f32; 4]>,
    clip: Option<usize>,
    mask: Option<Mask>,
}

/// The smallest and largest side of a figure, in pixels.
pub const SIDE_PX: std::ops::RangeInclusive<u32> = 64..=16384;

impl Canvas {
    /// Checks a size in pixels: 64 to 16384 a side.
    pub fn check_size(width: u32, height: u32) -> Result<()> {
        if !SIDE_PX.contains(&width) || !SIDE_PX.contains(&height) {
            return Err(Error::input(format!(
                "figure size {width}×{height} is out of range (64 to 16384 pixels a side)"
            )));
        }
        Ok(())
    }

    /// A white canvas of `width` × `height` pixels at 100 dpi with text at its natural size.
    pub fn new(width: u32, height: u32) -> Result<Canvas> {
        Canvas::with_dpi(width, height, 100.0, 1.0)
    }

    /// A white canvas at `dpi` pixels per inch; text and lines are multiplied by
    /// `font_scale` (1 for print, more for slides).
    pub fn with_dpi(width: u32, height: u32, dpi: f32, font_scale: f32) -> Result<Canvas> {
        Canvas::check_size(width, height)?;
        let mut pixmap = Pixmap::new(width, height).expect("a non-empty size");
        pixmap.fill(tiny_skia::Color::WHITE);
        Ok(Canvas {
            pixmap,
            scale: dpi / 72.0 * font_scale,
            dpi,
            meta: Metadata::default(),
            items: Vec::new(),
            clips: Vec::new(),
            clip: None,
            mask: None,
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

    /// A size in design units (points, times the font scale) as pixels.
    pub fn px(&self, design: f32) -> f32 {
        design * self.scale
    }

    /// Clips what follows (paths and dots, not text) to a rectangle in pixels, or stops
    /// clipping.
    pub fn clip(&mut self, rect: Option<[f32; 4]>) {
        match rect {
            None => {
                self.clip = None;
                self.mask = None;
            }
            Some(r) => {
                self.clips.push(r);
                self.clip = Some(self.clips.len() - 1);
                let mut mask =
                    Mask::new(self.pixmap.width(), self.pixmap.height()).expect("a non-empty size");
                if let Some(rect) = Rect::from_xywh(r[0], r[1], r[2].max(0.01), r[3].max(0.01)) {
                    let path = PathBuilder::from_rect(rect);
                    mask.fill_path(&path, FillRule::Winding, true, Transform::identity());
                }
                self.mask = Some(mask);
            }
        }
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Color) {
        let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
        self.polygon(&pts, color);
    }

    /// Strokes a polyline (points in pixels); breaks at non-finite points.
    pub fn polyline(&mut self, pts: &[(f32, f32)], width: f32, color: Color, style: LineStyle) {
        self.path(pts, false, None, Some((width, color, style)));
    }

    /// Strokes many separate segments as one path (contour lines).
    pub fn segments(&mut self, segs: &[[(f32, f32); 2]], width: f32, color: Color) {
        let mut pts = Vec::with_capacity(segs.len() * 3);
        for s in segs {
            pts.extend_from_slice(s);
            pts.push((f32::NAN, f32::NAN));
        }
        self.polyline(&pts, width, color, LineStyle::Solid);
    }

    /// Fills a closed polygon.
    pub fn polygon(&mut self, pts: &[(f32, f32)], color: Color) {
        self.path(pts, true, Some(color), None);
    }

    /// Strokes a closed polygon's outline.
    pub fn polygon_outline(&mut self, pts: &[(f32, f32)], width: f32, color: Color) {
        self.path(pts, true, None, Some((width, color, LineStyle::Solid)));
    }

    /// Fills a closed polygon and strokes its outline in another colour (one item).
    pub fn polygon_with_edge(
        &mut self,
        pts: &[(f32, f32)],
        fill: Color,
        edge_width: f32,
        edge: Color,
    ) {
        self.path(
            pts,
            true,
            Some(fill),
            Some((edge_width, edge, LineStyle::Solid)),
        );
    }

    fn path(
        &mut self,
        pts: &[(f32, f32)],
        closed: bool,
        fill: Option<Color>,
        stroke: Option<(f32, Color, LineStyle)>,
    ) {
        let mut pb = PathBuilder::new();
        let mut pen_down = false;
        for &(x, y) in pts {
            if !(x.is_finite() && y.is_finite()) {
                if pen_down && closed {
                    pb.close();
                }
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
        if pen_down && closed {
            pb.close();
        }
        let Some(path) = pb.finish() else { return };
        let mask = self.mask.as_ref();
        if let Some(color) = fill {
            self.pixmap.fill_path(
                &path,
                &color.paint(),
                FillRule::Winding,
                Transform::identity(),
                mask,
            );
        }
        if let Some((width, color, style)) = stroke {
            let mut stroke = Stroke {
                width,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            stroke.dash = style
                .dashes(width)
                .and_then(|d| StrokeDash::new(d.to_vec(), 0.0));
            self.pixmap
                .stroke_path(&path, &color.paint(), &stroke, Transform::identity(), mask);
        }
        self.items.push(Item::Path {
            pts: pts.to_vec(),
            closed,
            fill,
            stroke,
            clip: self.clip,
        });
    }

    /// A filled circle.
    pub fn dot(&mut self, x: f32, y: f32, radius: f32, color: Color) {
        if let Some(path) = PathBuilder::from_circle(x, y, radius) {
            self.pixmap.fill_path(
                &path,
                &color.paint(),
                FillRule::Winding,
                Transform::identity(),
                self.mask.as_ref(),
            );
            self.items.push(Item::Circle {
                x,
                y,
                r: radius,
                fill: color,
                clip: self.clip,
            });
        }
    }

    /// A marker of radius `r` centred at (x, y): filled, or hollow (white inside) with an
    /// outline of `color`.
    pub fn marker(&mut self, x: f32, y: f32, r: f32, m: Marker, color: Color, filled: bool) {
        let pts: Vec<(f32, f32)> = match m {
            Marker::Circle => (0..24)
                .map(|k| {
                    let a = k as f32 / 24.0 * std::f32::consts::TAU;
                    (x + r * a.cos(), y + r * a.sin())
                })
                .collect(),
            Marker::Square => {
                let h = r * 0.85;
                vec![
                    (x - h, y - h),
                    (x + h, y - h),
                    (x + h, y + h),
                    (x - h, y + h),
                ]
            }
            Marker::Triangle => {
                let h = r * 1.15;
                vec![
                    (x, y - h),
                    (x + h * 0.866, y + h * 0.5),
                    (x - h * 0.866, y + h * 0.5),
                ]
            }
            Marker::Diamond => {
                let h = r * 1.15;
                vec![(x, y - h), (x + h * 0.8, y), (x, y + h), (x - h * 0.8, y)]
            }
        };
        let lw = (r * 0.35).max(0.5);
        if filled {
            self.polygon(&pts, color);
        } else {
            self.polygon_with_edge(&pts, palette::PAPER, lw, color);
        }
    }

    /// Draws an RGBA image (straight alpha, `width` × `height`, rows top to bottom) stretched
    /// over the rectangle `[x, y, w, h]` in pixels (nearest sample, so an image made at the
    /// rectangle's own resolution is copied exactly); vector outputs embed it as one image.
    pub fn image(&mut self, rect: [f32; 4], width: u32, height: u32, rgba: Vec<u8>) {
        let [x, y, w, h] = rect;
        let (x0, y0) = (x.round().max(0.0) as u32, y.round().max(0.0) as u32);
        let x1 = ((x + w).round() as u32).min(self.pixmap.width());
        let y1 = ((y + h).round() as u32).min(self.pixmap.height());
        if width > 0 && height > 0 && rgba.len() == (width * height * 4) as usize {
            for py in y0..y1 {
                let j = (((py as f32 + 0.5 - y) / h * height as f32) as u32).min(height - 1);
                for px in x0..x1 {
                    let i = (((px as f32 + 0.5 - x) / w * width as f32) as u32).min(width - 1);
                    let k = ((j * width + i) * 4) as usize;
                    let c = Color {
                        r: rgba[k],
                        g: rgba[k + 1],
                        b: rgba[k + 2],
                        a: rgba[k + 3],
                    };
                    self.blend(px as i32, py as i32, c, 1.0);
                }
            }
        }
        self.items.push(Item::Image {
            rect,
            width,
            height,
            rgba,
        });
    }

    /// Blends one pixel with `color` at coverage `cov` (0–1); raster only.
    fn blend(&mut self, x: i32, y: i32, color: Color, cov: f32) {
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
        let f = font().as_scaled(em_scale(size));
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
        if text.is_empty() {
            return;
        }
        let f = font().as_scaled(em_scale(size));
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
            let glyph = id.with_scale_and_position(em_scale(size), point(caret, 0.0));
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
        self.items.push(Item::Text {
            text: text.to_string(),
            x,
            y,
            size,
            color,
            anchor,
            rotated,
        });
    }

    /// Encodes the pixels as PNG with the resolution (pHYs) and the metadata (iTXt: Title,
    /// Description, Software).
    pub fn png_bytes(&self) -> Result<Vec<u8>> {
        let (w, h) = (self.pixmap.width(), self.pixmap.height());
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for p in self.pixmap.pixels() {
            let c = p.demultiply();
            data.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
        }
        let err = |e: png::EncodingError| Error::internal(format!("PNG encoding failed: {e}"));
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            let per_metre = (self.dpi as f64 / 0.0254).round() as u32;
            enc.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
            for (key, text) in [
                ("Title", &self.meta.title),
                ("Description", &self.meta.description),
            ] {
                if !text.is_empty() {
                    enc.add_itxt_chunk(key.into(), text.clone()).map_err(err)?;
                }
            }
            enc.add_itxt_chunk("Software".into(), software())
                .map_err(err)?;
            let mut writer = enc.write_header().map_err(err)?;
            writer.write_image_data(&data).map_err(err)?;
            writer.finish().map_err(err)?;
        }
        Ok(out)
    }

    /// The figure as SVG (text as text, the font subset and embedded).
    pub fn svg(&self) -> Result<String> {
        super::vector::svg(self)
    }

    /// The figure as PDF (text as text, the font subset and embedded).
    pub fn pdf(&self) -> Result<Vec<u8>> {
        super::vector::pdf(self)
    }

    /// The file's bytes in `format`.
    pub fn encode(&self, format: Format) -> Result<Vec<u8>> {
        match format {
            Format::Png => self.png_bytes(),
            Format::Svg => self.svg().map(String::into_bytes),
            Format::Pdf => self.pdf(),
        }
    }

    /// Writes the figure atomically, in the format its extension names (`.png`, `.svg`,
    /// `.pdf`).
    pub fn save(&self, path: &Path) -> Result<()> {
        self.stage(path)?.commit()
    }

    /// As [`Canvas::save`] for PNG whatever the name (kept for callers that mean PNG).
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let mut f = AtomicFile::create(path)?;
        f.write(&self.png_bytes()?)?;
        f.commit()
    }

    /// Encodes the figure into a temporary file beside `path`, to be committed with
    /// [`AtomicFile::commit`] together with the rest of a set (or dropped, leaving nothing).
    pub fn stage(&self, path: &Path) -> Result<AtomicFile> {
        let bytes = self.encode(Format::from_path(path)?)?;
        let mut f = AtomicFile::create(path)?;
        f.write(&bytes)?;
        f.finish()?;
        Ok(f)
    }
}

/// `gradfield <version>`.
pub(crate) fn software() -> String {
    format!("gradfield {}", env!("CARGO_PKG_VERSION"))
}

/// A figure file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Pixels, with their DPI.
    Png,
    /// Vector, text as text.
    Svg,
    /// Vector, text as text.
    Pdf,
}

impl Format {
    /// The extensions figures may have.
    pub const EXTENSIONS: [&'static str; 3] = ["png", "svg", "pdf"];

    /// The format a file name's extension names.
    ///
    /// ```
    /// use gradfield::plot::canvas::Format;
    /// assert_eq!(Format::from_path("a/fig.PDF".as_ref())?, Format::Pdf);
    /// assert!(Format::from_path("fig.jpg".as_ref()).is_err());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase);
        match ext.as_deref() {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            Some("pdf") => Ok(Format::Pdf),
            _ => Err(Error::input(format!(
                "{}: a figure's name must end in .png, .svg or .pdf",
                path.display()
            ))),
        }
    }

    /// The extension, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Format> {
        Format::from_path(Path::new(&format!("x.{s}")))
            .map_err(|_| Error::input(format!("unknown format `{s}`; use png, svg or pdf")))
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
