//! The vector outputs of a [`Canvas`]: SVG written from its items (text stays text, in
//! DejaVu Sans subset to the glyphs used by allsorts and embedded as a data URI, so the file
//! looks the same without the font installed; images such as heatmaps are one embedded PNG
//! each), and PDF converted from that SVG by svg2pdf (which subsets and embeds the font as
//! real text) into a one-page document whose Info carries the figure's metadata.
//!
//! Sizes: the SVG's width and height are in inches (pixels / dpi) over a view box in pixels,
//! so the physical size is the PNG's at its DPI.

use std::fmt::Write as _;
use std::sync::Arc;

use base64::Engine as _;

use super::canvas::{Anchor, Canvas, Color, Item, font, font_bytes, software};
use crate::error::{Error, Result};

/// The family name the SVG asks for (the embedded font's own name).
const FAMILY: &str = "DejaVu Sans";

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn rgb(c: Color) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r, c.g, c.b)
}

/// ` NAME="#rrggbb"` and, when not opaque, ` NAME-opacity="a"`.
fn paint(name: &str, c: Color) -> String {
    if c.a == 255 {
        format!(" {name}=\"{}\"", rgb(c))
    } else {
        format!(
            " {name}=\"{}\" {name}-opacity=\"{:.3}\"",
            rgb(c),
            c.a as f32 / 255.0
        )
    }
}

/// Path data in pixels: `M x y L …` per run of finite points, `Z` closing closed ones.
fn path_data(pts: &[(f32, f32)], closed: bool) -> String {
    let mut d = String::with_capacity(pts.len() * 14);
    let mut pen_down = false;
    for &(x, y) in pts {
        if !(x.is_finite() && y.is_finite()) {
            if pen_down && closed {
                d.push('Z');
            }
            pen_down = false;
            continue;
        }
        let _ = write!(d, "{}{:.2} {:.2}", if pen_down { 'L' } else { 'M' }, x, y);
        pen_down = true;
    }
    if pen_down && closed {
        d.push('Z');
    }
    d
}

/// The embedded font, subset to the glyphs of `text` (with .notdef), as a TrueType file with
/// a Unicode cmap (which browsers need).
fn font_subset(text: &str) -> Result<Vec<u8>> {
    use ab_glyph::Font as _;
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile, subset};
    let mut ids: Vec<u16> = text.chars().map(|c| font().glyph_id(c).0).collect();
    ids.push(0);
    ids.sort_unstable();
    ids.dedup();
    let err = |e: String| Error::internal(format!("subsetting the embedded font failed: {e}"));
    let data = ReadScope::new(font_bytes())
        .read::<FontData<'_>>()
        .map_err(|e| err(e.to_string()))?;
    let provider = data.table_provider(0).map_err(|e| err(e.to_string()))?;
    subset(
        &provider,
        &ids,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .map_err(|e| err(e.to_string()))
}

/// An RGBA image as PNG bytes.
fn png_of(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| Error::internal(format!("PNG encoding failed: {e}"));
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(rgba).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}

/// The canvas as an SVG document.
pub(crate) fn svg(c: &Canvas) -> Result<String> {
    let (w, h) = (c.width(), c.height());
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut s = String::new();
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"{:.4}in\" \
         height=\"{:.4}in\" viewBox=\"0 0 {w} {h}\" font-family=\"{FAMILY}\">\n",
        w / c.dpi,
        h / c.dpi
    );
    let _ = writeln!(s, "<title>{}</title>", escape(&c.meta.title));
    if !c.meta.description.is_empty() {
        let _ = writeln!(s, "<desc>{}</desc>", escape(&c.meta.description));
    }
    let _ = writeln!(
        s,
        "<metadata><gradfield xmlns=\"https://github.com/gradfield\" software=\"{}\" \
         dpi=\"{}\">{}</gradfield></metadata>",
        escape(&software()),
        c.dpi,
        escape(&c.meta.description)
    );
    let text: String = c
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    s.push_str("<defs>\n");
    if !text.is_empty() {
        let _ = writeln!(
            s,
            "<style>@font-face {{ font-family: \"{FAMILY}\"; src: \
             url(\"data:font/ttf;base64,{}\") format(\"truetype\"); }}</style>",
            b64.encode(font_subset(&text)?)
        );
    }
    for (k, r) in c.clips.iter().enumerate() {
        let _ = writeln!(
            s,
            "<clipPath id=\"clip{k}\"><rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" \
             height=\"{:.2}\"/></clipPath>",
            r[0], r[1], r[2], r[3]
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    let mut open: Option<usize> = None;
    for item in &c.items {
        let clip = match item {
            Item::Path { clip, .. } | Item::Circle { clip, .. } => *clip,
            _ => None,
        };
        if clip != open {
            if open.is_some() {
                s.push_str("</g>\n");
            }
            if let Some(k) = clip {
                let _ = writeln!(s, "<g clip-path=\"url(#clip{k})\">");
            }
            open = clip;
        }
        match item {
            Item::Path {
                pts,
                closed,
                fill,
                stroke,
                ..
            } => {
                let d = path_data(pts, *closed);
                if d.is_empty() {
                    continue;
                }
                let mut attrs = match fill {
                    Some(f) => paint("fill", *f),
                    None => " fill=\"none\"".to_string(),
                };
                if let Some((width, color, style)) = stroke {
                    attrs.push_str(&paint("stroke", *color));
                    let _ = write!(
                        attrs,
                        " stroke-width=\"{width:.3}\" stroke-linecap=\"round\" \
                         stroke-linejoin=\"round\""
                    );
                    if let Some([on, off]) = style.dashes(*width) {
                        let _ = write!(attrs, " stroke-dasharray=\"{on:.3} {off:.3}\"");
                    }
                }
                let _ = writeln!(s, "<path d=\"{d}\"{attrs}/>");
            }
            Item::Circle { x, y, r, fill, .. } => {
                let _ = writeln!(
                    s,
                    "<circle cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{r:.2}\"{}/>",
                    paint("fill", *fill)
                );
            }
            Item::Text {
                text,
                x,
                y,
                size,
                color,
                anchor,
                rotated,
            } => {
                let anchor = match anchor {
                    Anchor::Left => "start",
                    Anchor::Center => "middle",
                    Anchor::Right => "end",
                };
                let rotate = if *rotated {
                    format!(" transform=\"rotate(-90 {x:.2} {y:.2})\"")
                } else {
                    String::new()
                };
                let _ = writeln!(
                    s,
                    "<text x=\"{x:.2}\" y=\"{y:.2}\" font-size=\"{size:.2}\"{} \
                     text-anchor=\"{anchor}\"{rotate}>{}</text>",
                    paint("fill", *color),
                    escape(text)
                );
            }
            Item::Image {
                rect,
                width,
                height,
                rgba,
            } => {
                let _ = writeln!(
                    s,
                    "<image x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" \
                     preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" \
                     xlink:href=\"data:image/png;base64,{}\"/>",
                    rect[0],
                    rect[1],
                    rect[2],
                    rect[3],
                    b64.encode(png_of(*width, *height, rgba)?)
                );
            }
        }
    }
    if open.is_some() {
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    Ok(s)
}

/// The canvas as a one-page PDF of its physical size.
pub(crate) fn pdf(c: &Canvas) -> Result<Vec<u8>> {
    use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
    use svg2pdf::usvg;
    let err = |e: String| Error::internal(format!("PDF conversion failed: {e}"));
    let svg = svg(c)?;
    let mut opt = usvg::Options {
        font_family: FAMILY.into(),
        ..usvg::Options::default()
    };
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(font_bytes().to_vec());
    opt.fontdb = Arc::new(db);
    let tree = usvg::Tree::from_str(&svg, &opt).map_err(|e| err(e.to_string()))?;
    let (chunk, svg_ref) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
        .map_err(|e| err(e.to_string()))?;
    // Our objects first, then the chunk's renumbered after them.
    let (catalog, pages, page, content, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let mut next = 6;
    let mut map = std::collections::HashMap::new();
    let chunk = chunk.renumber(|old| {
        *map.entry(old).or_insert_with(|| {
            let r = Ref::new(next);
            next += 1;
            r
        })
    });
    let svg_ref = map[&svg_ref];
    // The page in points: pixels / dpi inches.
    let (wpt, hpt) = (c.width() / c.dpi * 72.0, c.height() / c.dpi * 72.0);
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let name = Name(b"figure");
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, wpt, hpt));
    p.parent(pages);
    p.contents(content);
    p.resources().x_objects().pair(name, svg_ref);
    p.finish();
    let mut body = Content::new();
    // svg2pdf's object is one unit square; stretch it over the page.
    body.transform([wpt, 0.0, 0.0, hpt, 0.0, 0.0])
        .x_object(name);
    pdf.stream(content, &body.finish());
    let mut doc = pdf.document_info(info);
    doc.title(TextStr(&c.meta.title));
    if !c.meta.description.is_empty() {
        doc.subject(TextStr(&c.meta.description));
    }
    let creator = software();
    doc.creator(TextStr(&creator));
    doc.producer(TextStr("svg2pdf, pdf-writer"));
    doc.finish();
    pdf.extend(&chunk);
    pdf.set_file_id((c.meta.title.clone().into_bytes(), creator.into_bytes()));
    Ok(pdf.finish())
}
