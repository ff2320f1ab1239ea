//! What every figure shares: its physical size and resolution, text (titles, labels, size),
//! and colour (map, scale, range). Also the command line's options for them.
//!
//! Sizes are physical: `--size 3.3x2.5in --dpi 300` is a 990 × 750-pixel PNG that LaTeX
//! places 3.3 inches wide, with 10-pt text as matplotlib's defaults (ticks, labels, legend;
//! titles 12 pt). `--style slides` (or `--font-scale`) enlarges text and lines together.
//!
//! ```
//! use gradfield::plot::style::{FigureOptions, PhysicalSize};
//! let o = FigureOptions { size: Some("3.3x2.5in".parse()?), dpi: Some(300.0), ..FigureOptions::default() };
//! assert_eq!(o.pixels()?, (990, Some(750)));
//! assert_eq!(FigureOptions::default().pixels()?, (1600, None)); // 6.4 in at 250 dpi
//! // Pixels alone keep the default physical width: 800 px wide is 6.4 in at 125 dpi.
//! assert_eq!(FigureOptions::pixels_wh(800, 600).dpi(), 125.0);
//! assert_eq!("16x12cm".parse::<PhysicalSize>()?.inches(), (16.0 / 2.54, Some(12.0 / 2.54)));
//! let why = |s: &str| s.parse::<PhysicalSize>().unwrap_err().to_string();
//! assert!(why("6 by 4").contains("cannot read the size"));
//! assert!(why("0x4in").contains("positive, finite width and height"));
//! # Ok::<(), gradfield::Error>(())
//! ```

use super::canvas::{Canvas, SIDE_PX};
use super::{ColorMap, ColorScale};
use crate::error::{Error, Result, num};

/// A physical size: a width and, optionally, a height (else the figure chooses it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhysicalSize {
    /// Width in inches.
    pub width_in: f64,
    /// Height in inches.
    pub height_in: Option<f64>,
}

impl PhysicalSize {
    /// (width, height) in inches.
    pub fn inches(&self) -> (f64, Option<f64>) {
        (self.width_in, self.height_in)
    }
}

impl std::str::FromStr for PhysicalSize {
    type Err = Error;
    /// `6x4in`, `3.3in` (height chosen by the figure), `16x12cm`, `160x120mm`, `400x300pt`;
    /// inches when no unit is given.
    fn from_str(s: &str) -> Result<PhysicalSize> {
        let t = s.trim().to_lowercase();
        let (body, per_inch) = [("in", 1.0), ("cm", 2.54), ("mm", 25.4), ("pt", 72.0)]
            .iter()
            .find_map(|&(u, k)| t.strip_suffix(u).map(|b| (b.to_string(), k)))
            .unwrap_or((t.clone(), 1.0));
        let bad = || {
            Error::input(format!(
                "cannot read the size `{s}`; write it as WxH with a unit, like 6x4in, 3.3in, \
                 16x12cm"
            ))
        };
        let mut parts = body.split('x').map(|p| p.trim().parse::<f64>());
        let w = parts.next().ok_or_else(bad)?.map_err(|_| bad())?;
        let h = match parts.next() {
            Some(p) => Some(p.map_err(|_| bad())?),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if !ok(w) || h.is_some_and(|h| !ok(h)) {
            return Err(Error::input(format!(
                "the size `{s}` must have a positive, finite width and height"
            )));
        }
        Ok(PhysicalSize {
            width_in: w / per_inch,
            height_in: h.map(|h| h / per_inch),
        })
    }
}

/// Text size presets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// 10-pt text (matplotlib's defaults), for a page or a 3.3-inch column.
    #[default]
    Paper,
    /// Text and lines 1.6 times larger, for a projector.
    Slides,
}

impl std::str::FromStr for Style {
    type Err = Error;
    fn from_str(s: &str) -> Result<Style> {
        match s {
            "paper" => Ok(Style::Paper),
            "slides" => Ok(Style::Slides),
            _ => Err(Error::input(format!(
                "unknown style `{s}`; use paper or slides"
            ))),
        }
    }
}

/// The default width: 6.4 inches (matplotlib's), at [`DEFAULT_DPI`].
pub const DEFAULT_WIDTH_IN: f64 = 6.4;
/// The default height when the figure does not choose one: 4.8 inches.
pub const DEFAULT_HEIGHT_IN: f64 = 4.8;
/// The default resolution: 250 dpi (1600 × 1200 pixels at the default size).
pub const DEFAULT_DPI: f32 = 250.0;

/// Size, resolution and text of a figure (also the command line's options for them).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FigureOptions {
    /// Physical size WxH with a unit (in, cm, mm, pt), e.g. 6x4in or 3.3x2.5in; a width alone
    /// (3.3in) lets the figure choose its height (field figures follow the domain's aspect).
    /// Default 6.4in wide.
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "WxH", conflicts_with_all = ["width", "height"])
    )]
    pub size: Option<PhysicalSize>,
    /// Width in pixels (instead of --size; the physical width is this over --dpi).
    #[cfg_attr(feature = "cli", arg(long, value_name = "PX"))]
    pub width: Option<u32>,
    /// Height in pixels.
    #[cfg_attr(feature = "cli", arg(long, value_name = "PX"))]
    pub height: Option<u32>,
    /// Pixels per inch: the PNG's resolution (written into it) and the scale of text.
    /// Default 250, or, with --width alone, what makes the figure 6.4 in wide (so pixels set
    /// the resolution and the figure looks the same).
    #[cfg_attr(feature = "cli", arg(long))]
    pub dpi: Option<f32>,
    /// Replace the title.
    #[cfg_attr(feature = "cli", arg(long, value_name = "TEXT"))]
    pub title: Option<String>,
    /// Replace the x-axis label.
    #[cfg_attr(feature = "cli", arg(long, value_name = "TEXT"))]
    pub xlabel: Option<String>,
    /// Replace the y-axis label.
    #[cfg_attr(feature = "cli", arg(long, value_name = "TEXT"))]
    pub ylabel: Option<String>,
    /// Text size preset: paper (10-pt text) or slides (1.6 times larger, lines too).
    #[cfg_attr(feature = "cli", arg(long, default_value = "paper"))]
    pub style: Style,
    /// Multiply text and line sizes by this (overrides --style).
    #[cfg_attr(feature = "cli", arg(long, value_name = "K"))]
    pub font_scale: Option<f32>,
    /// Leave the run details (device, precision, step, points) out of the picture; they stay
    /// in the file's metadata (PNG text, SVG `<desc>`, PDF Info) and in meta.json.
    #[cfg_attr(feature = "cli", arg(long))]
    pub no_subtitle: bool,
}

impl Default for FigureOptions {
    fn default() -> FigureOptions {
        FigureOptions {
            size: None,
            width: None,
            height: None,
            dpi: None,
            title: None,
            xlabel: None,
            ylabel: None,
            style: Style::Paper,
            font_scale: None,
            no_subtitle: false,
        }
    }
}

impl FigureOptions {
    /// A figure of `width` × `height` pixels at the default resolution.
    pub fn pixels_wh(width: u32, height: u32) -> FigureOptions {
        FigureOptions {
            width: Some(width),
            height: Some(height),
            ..FigureOptions::default()
        }
    }

    /// The resolution: `--dpi`, else the width in pixels over 6.4 in, else 250.
    pub fn dpi(&self) -> f32 {
        match (self.dpi, self.size, self.width) {
            (Some(d), _, _) => d,
            (None, None, Some(w)) => w as f32 / DEFAULT_WIDTH_IN as f32,
            _ => DEFAULT_DPI,
        }
    }

    /// Checks the options before any work.
    pub fn validate(&self) -> Result<()> {
        for side in [self.width, self.height].into_iter().flatten() {
            if !SIDE_PX.contains(&side) {
                return Err(Error::input(format!(
                    "figure size of {side} pixels is out of range (64 to 16384 a side)"
                )));
            }
        }
        let dpi = self.dpi();
        if !(dpi.is_finite() && (10.0..=2400.0).contains(&dpi)) {
            return Err(Error::input(format!(
                "--dpi must be between 10 and 2400 (got {})",
                num(dpi as f64)
            )));
        }
        if let Some(k) = self.font_scale
            && !(k.is_finite() && (0.25..=8.0).contains(&k))
        {
            return Err(Error::input(format!(
                "--font-scale must be between 0.25 and 8 (got {})",
                num(k as f64)
            )));
        }
        let (w, h) = self.pixels()?;
        Canvas::check_size(w, h.unwrap_or(w))
    }

    /// Text and line scale: the explicit factor, or the style's.
    pub fn font_scale(&self) -> f32 {
        self.font_scale.unwrap_or(match self.style {
            Style::Paper => 1.0,
            Style::Slides => 1.6,
        })
    }

    /// (width, height) in pixels; the height is `None` where the figure may choose it.
    pub fn pixels(&self) -> Result<(u32, Option<u32>)> {
        let px = |inches: f64| (inches * self.dpi() as f64).round();
        let (w, h) = match (self.size, self.width, self.height) {
            (Some(s), _, _) => (px(s.width_in), s.height_in.map(px)),
            (None, Some(w), h) => (w as f64, h.map(|h| h as f64)),
            (None, None, Some(h)) => (px(DEFAULT_WIDTH_IN), Some(h as f64)),
            (None, None, None) => (px(DEFAULT_WIDTH_IN), None),
        };
        let side = |v: f64| -> Result<u32> {
            if v.is_finite() && v >= 1.0 && v <= u32::MAX as f64 {
                Ok(v as u32)
            } else {
                Err(Error::input(format!(
                    "figure size of {} pixels is out of range (64 to 16384 a side)",
                    num(v)
                )))
            }
        };
        let w = side(w)?;
        let h = h.map(side).transpose()?;
        Canvas::check_size(w, h.unwrap_or(w))?;
        Ok((w, h))
    }

    /// A canvas of the options' size; `height_for` chooses the height in pixels from the
    /// width (and a probe canvas for text metrics) where the options leave it free.
    pub fn canvas(&self, height_for: impl FnOnce(u32, &Canvas) -> f32) -> Result<Canvas> {
        let (w, h) = self.pixels()?;
        let h = match h {
            Some(h) => h,
            None => {
                let probe = Canvas::with_dpi(w, 64, self.dpi(), self.font_scale())?;
                let max = *super::canvas::SIDE_PX.end() as f32;
                height_for(w, &probe).round().clamp(64.0, max) as u32
            }
        };
        Canvas::with_dpi(w, h, self.dpi(), self.font_scale())
    }

    /// The default height for a figure of width `w` pixels: the 4:3 of 6.4 × 4.8 in.
    pub fn default_height(w: u32) -> f32 {
        w as f32 * (DEFAULT_HEIGHT_IN / DEFAULT_WIDTH_IN) as f32
    }

    /// The title to draw: the user's, or `default`.
    pub fn title_or(&self, default: &str) -> String {
        self.title.clone().unwrap_or_else(|| default.to_string())
    }

    /// The x label to draw.
    pub fn xlabel_or(&self, default: &str) -> String {
        self.xlabel.clone().unwrap_or_else(|| default.to_string())
    }

    /// The y label to draw.
    pub fn ylabel_or(&self, default: &str) -> String {
        self.ylabel.clone().unwrap_or_else(|| default.to_string())
    }

    /// The subtitle to draw (empty with `--no-subtitle`).
    pub fn subtitle<'a>(&self, details: &'a str) -> &'a str {
        if self.no_subtitle { "" } else { details }
    }
}

/// How a figure colours values (also the command line's options for it).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct ColorOptions {
    /// Colour map: viridis, magma, inferno, plasma, cividis (sequential), rdbu, puor, brbg
    /// (diverging, centred on 0), greys. Default: rdbu for signed values, viridis otherwise.
    #[cfg_attr(feature = "cli", arg(long, value_name = "NAME"))]
    pub cmap: Option<ColorMap>,
    /// How values map onto colours: linear, log (positive values; for minima and saddles in
    /// a wide range) or symlog (signed values over many decades).
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value = "linear", value_name = "SCALE")
    )]
    pub color_scale: ColorScale,
    /// Lowest value of the colour range (lower values take the end colour).
    #[cfg_attr(
        feature = "cli",
        arg(long, allow_hyphen_values = true, value_name = "V")
    )]
    pub vmin: Option<f64>,
    /// Highest value of the colour range.
    #[cfg_attr(
        feature = "cli",
        arg(long, allow_hyphen_values = true, value_name = "V")
    )]
    pub vmax: Option<f64>,
}

impl ColorOptions {
    /// Checks the options before any work.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("--vmin", self.vmin), ("--vmax", self.vmax)] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(Error::input(format!("{name} must be a finite number")));
            }
        }
        if let (Some(a), Some(b)) = (self.vmin, self.vmax)
            && a >= b
        {
            return Err(Error::input(format!(
                "--vmin ({}) must be below --vmax ({})",
                num(a),
                num(b)
            )));
        }
        if self.color_scale == ColorScale::Log && self.vmax.is_some_and(|v| v <= 0.0) {
            return Err(Error::input("--color-scale log needs a positive --vmax"));
        }
        Ok(())
    }
}
