//! Figures against small golden images (tests/golden/), with a tolerance for anti-aliasing
//! noise. On a mismatch the expected, actual and difference images are written to
//! target/golden-failures/ to be looked at. `GRADFIELD_BLESS=1 cargo test --test figures`
//! rewrites the goldens after a deliberate change (look at them before committing).
//! Also: the vector outputs (SVG parsed as XML with its text; PDF rendered by poppler and
//! compared with the PNG of the same figure), PNG resolution and metadata, and arrows kept
//! inside the axes at any scale.

use std::path::{Path, PathBuf};

use gradfield::plot::canvas::{Canvas, Color, Format};
use gradfield::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use gradfield::plot::{
    Background, ColorMap, ColorOptions, ColorScale, CurveFigure, ErrorCurve, FieldFigure,
    FigureOptions, Lattice, PathSeries, SlopesFigure, SweepPlot, ThroughputPlot, ThroughputPoint,
    bench_figure, curve_figure, field_figure, field_figure_with_axes, slopes_figure, sweep_figure,
};
use tiny_skia::Pixmap;

/// 480 × 360 pixels at 100 dpi (4.8 × 3.6 in).
fn small() -> FigureOptions {
    FigureOptions {
        dpi: Some(100.0),
        ..FigureOptions::pixels_wh(480, 360)
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares with the golden image: at most 0.5 % of pixels may differ by more than 48 in
/// any channel (glyph and edge anti-aliasing may move slightly between library versions).
fn compare(name: &str, actual: &Pixmap) {
    let path = golden_dir().join(format!("{name}.png"));
    if std::env::var_os("GRADFIELD_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        actual.save_png(&path).unwrap();
        return;
    }
    let expected = Pixmap::load_png(&path).unwrap_or_else(|e| {
        panic!(
            "golden {} missing ({e}); bless with GRADFIELD_BLESS=1",
            path.display()
        )
    });
    assert_eq!(
        (expected.width(), expected.height()),
        (actual.width(), actual.height())
    );
    let mut diff = Pixmap::new(actual.width(), actual.height()).unwrap();
    let mut bad = 0usize;
    for (k, (e, a)) in expected
        .data()
        .chunks(4)
        .zip(actual.data().chunks(4))
        .enumerate()
    {
        let d = e
            .iter()
            .zip(a)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0);
        if d > 48 {
            bad += 1;
        }
        let v = 255 - d.saturating_mul(4);
        diff.data_mut()[k * 4..k * 4 + 4].copy_from_slice(&[255, v, v, 255]);
    }
    let total = (actual.width() * actual.height()) as usize;
    if bad * 200 > total {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/golden-failures");
        std::fs::create_dir_all(&out).unwrap();
        expected
            .save_png(out.join(format!("{name}-expected.png")))
            .unwrap();
        actual
            .save_png(out.join(format!("{name}-actual.png")))
            .unwrap();
        diff.save_png(out.join(format!("{name}-diff.png"))).unwrap();
        panic!(
            "{name}: {bad} of {total} pixels differ; see {}/{name}-{{expected,actual,diff}}.png",
            out.display()
        );
    }
}

fn lattice(n: usize, f: impl Fn(f64, f64) -> f64) -> Lattice {
    let xs: Vec<f64> = (0..n)
        .map(|i| -2.0 + 4.0 * i as f64 / (n - 1) as f64)
        .collect();
    Lattice::from_fn(xs.clone(), xs, f)
}

#[test]
fn curve_figure_matches_its_golden() {
    let xs: Vec<f64> = (0..200).map(|i| -3.0 + 6.0 * i as f64 / 199.0).collect();
    let truth: Vec<f64> = xs.iter().map(|x| x.cos()).collect();
    let grad: Vec<f64> = truth.iter().map(|v| v + 3e-8 * v.signum()).collect();
    let fd: Vec<f64> = xs.iter().map(|x| x.cos() * (1.0 - 1e-4 / 6.0)).collect();
    let fig = CurveFigure {
        title: "f′(x) for f(x) = sin(x), three ways".into(),
        subtitle: "synthetic data".into(),
        xs,
        truth,
        truth_label: "exact: cos(x) (f64)".into(),
        grad,
        grad_label: "analytic".into(),
        fd,
        fd_label: "central, h = 0.01".into(),
        ylabel: "derivative".into(),
    };
    compare("curve", &curve_figure(&fig, &small()).unwrap().pixmap);
}

#[test]
fn the_curve_figure_counts_what_its_log_axis_cannot_show() {
    // sqrt(x) on [−1, 1]: no value left of 0. The legend said "max 0.00e0" where no error
    // was finite at all, and nothing of the points it could not draw.
    let xs: Vec<f64> = (0..64).map(|i| -1.0 + 2.0 * i as f64 / 63.0).collect();
    let truth: Vec<f64> = xs.iter().map(|x| 0.5 / x.sqrt()).collect();
    let fig = |grad: Vec<f64>, fd: Vec<f64>| CurveFigure {
        title: "sqrt".into(),
        subtitle: String::new(),
        xs: xs.clone(),
        truth: truth.clone(),
        truth_label: "exact".into(),
        grad,
        grad_label: "analytic".into(),
        fd,
        fd_label: "central".into(),
        ylabel: "derivative".into(),
    };
    let exact_once: Vec<f64> = truth
        .iter()
        .enumerate()
        .map(|(i, t)| if i == 40 { *t } else { t * (1.0 + 1e-7) })
        .collect();
    let texts = svg_texts(&curve_figure(&fig(exact_once, truth.clone()), &small()).unwrap());
    let all = texts.join(" ");
    assert!(
        all.contains("exact at 1 point; not finite at 32 of 64 points"),
        "{all}"
    );
    assert!(
        all.contains("exact at 32 points; not finite at 32 of 64"),
        "{all}"
    );
    let nan = vec![f64::NAN; 64];
    let all = svg_texts(&curve_figure(&fig(nan.clone(), nan), &small()).unwrap()).join(" ");
    assert!(all.contains("analytic: not finite anywhere"), "{all}");
    assert!(!all.contains("max 0.00e0"), "{all}");
}

#[test]
fn slopes_figure_matches_its_golden() {
    let xs: Vec<f64> = (0..301).map(|i| -3.0 + 6.0 * i as f64 / 300.0).collect();
    let f: Vec<f64> = xs
        .iter()
        .map(|x| 0.3 * (3.0 * x).sin() + 0.5 * x * x)
        .collect();
    let g: Vec<f64> = xs.iter().map(|x| 0.9 * (3.0 * x).cos() + x).collect();
    let c = slopes_figure(
        &SlopesFigure {
            title: "loss with slope arrows".into(),
            subtitle: String::new(),
            xs,
            f,
            grad: g,
            arrows: 21,
            flabel: "L(x)".into(),
            paths: Vec::new(),
        },
        &small(),
        &ColorOptions::default(),
    )
    .unwrap();
    compare("slopes", &c.pixmap);
}

fn bowl_figure(background: Background) -> FieldFigure {
    FieldFigure {
        background,
        contours: 8,
        arrows: 12,
        quiver: QuiverStyle {
            scale: None,
            pivot: Pivot::Mid,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.0,
        },
        ..FieldFigure::new(
            "∇f for f(x, y) = x² + 0.5·y²",
            lattice(65, |x, y| x * x + 0.5 * y * y),
            lattice(65, |x, _| 2.0 * x),
            lattice(65, |_, y| y),
        )
    }
}

/// Himmelblau's function on [−5, 5]²: four minima, a maximum and saddles over a wide range.
fn himmelblau_figure(n: usize) -> FieldFigure {
    let xs: Vec<f64> = (0..n)
        .map(|i| -5.0 + 10.0 * i as f64 / (n - 1) as f64)
        .collect();
    let lat = |f: &dyn Fn(f64, f64) -> f64| Lattice::from_fn(xs.clone(), xs.clone(), f);
    FieldFigure::new(
        "Himmelblau",
        lat(&|x, y| (x * x + y - 11.0).powi(2) + (x + y * y - 7.0).powi(2)),
        lat(&|x, y| 4.0 * x * (x * x + y - 11.0) + 2.0 * (x + y * y - 7.0)),
        lat(&|x, y| 2.0 * (x * x + y - 11.0) + 4.0 * y * (x + y * y - 7.0)),
    )
}

#[test]
fn field_figures_match_their_goldens() {
    compare(
        "field_f",
        &field_figure(&bowl_figure(Background::F), &small())
            .unwrap()
            .pixmap,
    );
    compare(
        "field_none",
        &field_figure(&bowl_figure(Background::None), &small())
            .unwrap()
            .pixmap,
    );
}

#[test]
fn the_bowls_arrows_point_outward_and_descent_flips_them() {
    // Structural: on the bowl, the arrow at the point (1, 0) points right (its ink lies right
    // of its pivot); with --descent it points left. Sampled from pixels, so a blank, mirrored
    // or misplaced figure fails.
    for (descent, right) in [(false, true), (true, false)] {
        let mut fig = bowl_figure(Background::None);
        fig.descent = descent;
        fig.contours = 0;
        fig.arrows = 4;
        // Tail pivot: all of an arrow's ink lies on the side it points to.
        fig.quiver.pivot = Pivot::Tail;
        let (c, ax) = field_figure_with_axes(&fig, &FigureOptions::pixels_wh(800, 800)).unwrap();
        // With 4 arrows per axis the pivots sit at x = −1.5, −0.5, 0.5, 1.5 (cell centres).
        let (px, py) = (ax.px(1.5), ax.py(0.5));
        let r = (ax.w / 9.0) as i32;
        let mut balance = 0i64;
        for dx in -r..=r {
            for dy in -r / 3..=r / 3 {
                let (x, y) = ((px as i32 + dx) as u32, (py as i32 + dy) as u32);
                let p = c.get(x, y);
                // Arrow ink: anything clearly off-white.
                if (p.r as u32 + p.g as u32 + p.b as u32) < 600 {
                    balance += dx.signum() as i64;
                }
            }
        }
        assert!(
            balance.abs() > 20,
            "there is an arrow at (1.5, 0.5): balance {balance}"
        );
        assert_eq!(
            balance > 0,
            right,
            "descent {descent}: ink balance {balance}"
        );
    }
}

#[test]
fn the_new_options_match_their_goldens() {
    // A log colour scale in cividis (minima and saddles of Himmelblau apart), normalised
    // arrows coloured by magnitude with their own colour bar, no subtitle.
    let mut fig = himmelblau_figure(129);
    fig.color = ColorOptions {
        cmap: Some(ColorMap::Cividis),
        color_scale: ColorScale::Log,
        ..ColorOptions::default()
    };
    fig.quiver.normalize = true;
    fig.arrows = 14;
    compare(
        "field_log_normalized",
        &field_figure(&fig, &small()).unwrap().pixmap,
    );
    // Streamlines of −∇f over |∇f| with descent paths (engine and exact gradient).
    let mut fig = himmelblau_figure(129);
    fig.background = Background::Magnitude;
    fig.arrows = 0;
    fig.contours = 0;
    fig.streamlines = 8;
    fig.descent = true;
    let path = |x0: f64, y0: f64, k: usize| PathSeries {
        label: format!("path {k}"),
        points: (0..20)
            .map(|i| (x0 + 0.1 * i as f64, y0 - 0.05 * i as f64))
            .collect(),
        exact: (0..20)
            .map(|i| (x0 + 0.1 * i as f64, y0 - 0.06 * i as f64))
            .collect(),
        color_key: k,
        marker_key: k,
    };
    fig.paths = vec![path(-4.0, 4.0, 0), path(1.0, -1.0, 1)];
    let o = FigureOptions {
        title: Some("Streamlines and descent".into()),
        no_subtitle: true,
        ..small()
    };
    compare(
        "field_streamlines_paths",
        &field_figure(&fig, &o).unwrap().pixmap,
    );
    // The sweep: markers per scheme, dashes per precision.
    compare(
        "sweep",
        &sweep_figure(&sweep_plot(), &small()).unwrap().pixmap,
    );
}

fn sweep_plot() -> SweepPlot {
    let hs: Vec<f64> = (0..21)
        .map(|k| 10f64.powf(-12.0 + 0.6 * k as f64))
        .collect();
    let curve = |scheme: &str, precision: &str, p: i32, eps: f64| {
        let err: Vec<f64> = hs.iter().map(|h| h.powi(p) + eps / h).collect();
        ErrorCurve {
            scheme: scheme.into(),
            precision: precision.into(),
            order: p,
            h: hs.clone(),
            max_abs_err: err.clone(),
            best: (1e-4, 1e-8),
            theory: err,
            theory_best: (1e-4, 1e-8),
        }
    };
    SweepPlot {
        expression: "sin(x)".into(),
        points: 4096,
        curves: vec![
            curve("forward", "f32", 1, 1e-7),
            curve("central", "f32", 2, 1e-7),
            curve("forward", "f64", 1, 1e-16),
            curve("central", "f64", 2, 1e-16),
        ],
    }
}

/// The caption fits in the figure: nothing is drawn in its last rows or right columns, at
/// sizes where the plot fills its room and where it is centred in a wider one, with one
/// colour bar or two. (A centred plot once wrapped its caption narrower than the layout had
/// reserved, and the last line fell off the bottom.)
#[test]
fn the_caption_fits_inside_the_figure() {
    let sizes = [
        small(),
        FigureOptions {
            size: Some("3.3in".parse().unwrap()),
            dpi: Some(150.0),
            ..FigureOptions::default()
        },
        FigureOptions {
            size: Some("6x3in".parse().unwrap()),
            dpi: Some(100.0),
            ..FigureOptions::default()
        },
    ];
    for (k, o) in sizes.iter().enumerate() {
        for normalize in [false, true] {
            let mut fig = bowl_figure(Background::F);
            fig.quiver.normalize = normalize;
            // Every note the caption can hold: masked points, arrows, streamlines, contours.
            fig.f.v[0] = f64::NAN;
            fig.streamlines = 3;
            let c = field_figure(&fig, o).unwrap();
            assert_eq!(ink_at_edges(&c), [0; 4], "size {k}, normalize {normalize}");
        }
    }
}

/// Pixels with ink (darker than light grey) in the outer 3 pixels of each side: top, right,
/// bottom, left. Anything there was cut by the canvas's edge or nearly.
fn ink_at_edges(c: &Canvas) -> [usize; 4] {
    let (w, h) = (c.pixmap.width(), c.pixmap.height());
    let ink = |x: u32, y: u32| {
        let p = c.get(x, y);
        p.r.min(p.g).min(p.b) < 200
    };
    [
        (0..w).filter(|&x| (0..3).any(|y| ink(x, y))).count(),
        (0..h).filter(|&y| (w - 3..w).any(|x| ink(x, y))).count(),
        (0..w).filter(|&x| (h - 3..h).any(|y| ink(x, y))).count(),
        (0..h).filter(|&y| (0..3).any(|x| ink(x, y))).count(),
    ]
}

/// The derivative-curve figure at a column's width, with long legend entries (a GPU's name,
/// "exact at N points"): taller than 4:3, its legends above the panels and broken into lines
/// rather than run off the edges (the top one once hid the y labels past the left edge).
#[test]
fn the_curve_figure_fits_a_column() {
    let xs: Vec<f64> = (0..401).map(|i| -3.0 + 6.0 * i as f64 / 400.0).collect();
    let truth: Vec<f64> = xs.iter().map(|x| 1.0 - x.tanh().powi(2)).collect();
    let grad: Vec<f64> = truth
        .iter()
        .enumerate()
        .map(|(i, v)| if i % 3 == 0 { *v } else { v + 1e-7 })
        .collect();
    let fd: Vec<f64> = truth.iter().map(|v| v + 4e-5).collect();
    let engine = "llvmpipe (LLVM 15.0.6, 256 bits) f32";
    let fig = CurveFigure {
        title: "f′(x) for f(x) = tanh(x), three ways".into(),
        subtitle: "llvmpipe (LLVM 15.0.6, 256 bits), Vulkan · f32 accurate · central differences, \
                   h = 0.001 · 401 points"
            .into(),
        xs,
        truth,
        truth_label: "exact: 1 − tanh(x)² (f64)".into(),
        grad,
        grad_label: format!("analytic gradient ({engine})"),
        fd,
        fd_label: format!("central difference, h = 0.001 ({engine})"),
        ylabel: "derivative".into(),
    };
    let o = FigureOptions {
        size: Some("3.3in".parse().unwrap()),
        dpi: Some(300.0),
        ..FigureOptions::default()
    };
    let c = curve_figure(&fig, &o).unwrap();
    assert_eq!(ink_at_edges(&c), [0; 4]);
    assert!(c.pixmap.height() > c.pixmap.width() * 3 / 4);
}

/// The benchmark figure of four cases is drawn at a page's width and at a column's (where it
/// grows taller rather than refusing), with nothing cut at the edges.
#[test]
fn the_bench_figure_fits_a_page_and_a_column() {
    let mut rows = Vec::new();
    for (i, case) in ["sin1d", "loss2d", "rosenbrock", "rastrigin"]
        .iter()
        .enumerate()
    {
        for (j, engine) in ["gpu kernel", "gpu end-to-end", "cpu f64", "cpu f32"]
            .iter()
            .enumerate()
        {
            for k in 6..=11 {
                rows.push(ThroughputPoint {
                    case: case.to_string(),
                    engine: engine.to_string(),
                    points: 1 << (2 * k),
                    mpts_per_s: (1 + i + j) as f64 * (k as f64 - 4.0) * 7.0,
                });
            }
        }
    }
    let plot = ThroughputPlot {
        adapter: Some("a GPU with a long name (Vulkan, driver 1.2.3)".into()),
        cpu_threads: 16,
        copy_gb_per_s: Some(3000.0),
        rows,
    };
    for (size, dpi) in [("6.4in", 250.0), ("3.3in", 300.0)] {
        let o = FigureOptions {
            size: Some(size.parse().unwrap()),
            dpi: Some(dpi),
            ..FigureOptions::default()
        };
        let c = bench_figure(&plot, &o).unwrap_or_else(|e| panic!("{size}: {e}"));
        assert_eq!(ink_at_edges(&c), [0; 4], "{size}");
        // At least 4:3, taller where the panels need it.
        assert!(c.pixmap.height() * 4 >= c.pixmap.width() * 3, "{size}");
    }
}

#[test]
fn a_cpu_only_bench_figure_says_what_it_draws() {
    // Without a GPU the title promised "GPU against CPU"; the checked runs were not drawn
    // but stretched the axes. Now a run checked in full is drawn dotted beside its engine;
    // a sampled one stays in the table (and no longer stretches the axes).
    let point = |engine: &str, points: usize, mpts_per_s: f64| ThroughputPoint {
        case: "sin1d".into(),
        engine: engine.into(),
        points,
        mpts_per_s,
    };
    let plot = ThroughputPlot {
        adapter: None,
        cpu_threads: 2,
        copy_gb_per_s: None,
        rows: vec![
            point("cpu f64", 4096, 100.0),
            point("cpu f64", 16384, 150.0),
            point("cpu f64 + check full", 4096, 20.0),
            point("cpu f64 + check sample=32", 4096, 0.01),
        ],
    };
    let texts = svg_texts(&bench_figure(&plot, &small()).unwrap());
    let all = texts.join(" | ");
    assert!(all.contains("over a grid on the CPU"), "{all}");
    assert!(!all.contains("GPU against CPU"), "{all}");
    assert!(
        all.contains("other check modes: the table, --json"),
        "{all}"
    );
    assert!(all.contains("dotted: checked in full"), "{all}");
    // The y axis spans the drawn rows (10¹…10³), not the undrawn 0.01.
    assert!(texts.iter().any(|t| t == "10¹"), "{all}");
    assert!(!texts.iter().any(|t| t == "10⁻²"), "{all}");
}

/// Every arrow pixel lies inside the axes, whatever the arrow scale (arrows are clipped).
#[test]
fn no_arrow_pixel_falls_outside_the_axes() {
    let red = Color::rgb(255, 0, 0);
    for scale in [0.001, 0.05, 1.0, 20.0, 1e4] {
        let mut fig = bowl_figure(Background::None);
        fig.contours = 0;
        fig.quiver.scale = Some(scale);
        fig.quiver.color = ArrowColor::Plain(red, red);
        // Descent flips some arrows towards every edge.
        for descent in [false, true] {
            fig.descent = descent;
            let (c, ax) = field_figure_with_axes(&fig, &small()).unwrap();
            let mut outside = 0;
            for y in 0..c.pixmap.height() {
                for x in 0..c.pixmap.width() {
                    let p = c.get(x, y);
                    let reddish = p.r > 150 && p.g < 100 && p.b < 100;
                    let (fx, fy) = (x as f32, y as f32);
                    let inside = fx >= ax.x0 - 1.0
                        && fx <= ax.x0 + ax.w + 1.0
                        && fy >= ax.y0 - 1.0
                        && fy <= ax.y0 + ax.h + 1.0;
                    // The key arrow, in the arrows' colour, sits in the caption's right half
                    // (below the tick labels, where an overflowing arrow would show first).
                    let key = fy > ax.y0 + ax.h + 25.0 && fx > ax.x0 + ax.w / 2.0;
                    if reddish && !inside && !key {
                        outside += 1;
                    }
                }
            }
            assert_eq!(outside, 0, "scale {scale}, descent {descent}");
        }
    }
}

#[test]
fn pngs_carry_their_resolution_and_metadata() {
    let o = FigureOptions {
        size: Some("3.3x2.5in".parse().unwrap()),
        dpi: Some(300.0),
        no_subtitle: true,
        ..FigureOptions::default()
    };
    let mut fig = bowl_figure(Background::F);
    fig.subtitle = "device X · f32 · 4225 points".into();
    let c = field_figure(&fig, &o).unwrap();
    assert_eq!((c.pixmap.width(), c.pixmap.height()), (990, 750));
    let bytes = c.png_bytes().unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    let dims = info.pixel_dims.expect("a pHYs chunk");
    assert_eq!(dims.unit, png::Unit::Meter);
    assert_eq!(dims.xppu, (300.0f64 / 0.0254).round() as u32);
    let texts: Vec<(String, String)> = info
        .utf8_text
        .iter()
        .map(|t| (t.keyword.clone(), t.get_text().unwrap()))
        .collect();
    // The run details left the picture (--no-subtitle) but stay in the file.
    assert!(texts.contains(&("Description".into(), "device X · f32 · 4225 points".into())));
    assert!(
        texts
            .iter()
            .any(|(k, v)| k == "Title" && v.contains("x² + 0.5·y²"))
    );
}

fn figure_for_vectors() -> Canvas {
    let mut fig = bowl_figure(Background::F);
    fig.subtitle = "synthetic · 4225 points".into();
    field_figure(&fig, &small()).unwrap()
}

#[test]
fn svg_is_xml_with_text_as_text_and_the_font_embedded() {
    let c = figure_for_vectors();
    let svg = c.svg().unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("4.8000in"));
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect();
    for want in ["∇f for f(x, y) = x² + 0.5·y²", "x", "y", "f(x, y)", "−2"] {
        assert!(
            texts.iter().any(|t| t == want),
            "no <text> {want:?} in {texts:?}"
        );
    }
    let style = doc
        .descendants()
        .find(|n| n.has_tag_name("style"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(style.contains("@font-face") && style.contains("data:font/ttf;base64,"));
    // The subset font is small (the whole of DejaVu Sans is 740 kB).
    assert!(style.len() < 60_000, "font data {} bytes", style.len());
    // The heatmap is one embedded image, not a rectangle per cell.
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("image"))
            .count(),
        2
    );
    assert!(doc.descendants().any(|n| n.has_tag_name("desc")));
}

/// The `<text>` elements of a canvas's SVG.
fn svg_texts(c: &Canvas) -> Vec<String> {
    let svg = c.svg().unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

#[test]
fn flat_fields_draw_and_say_what_is_there() {
    // A constant f (∇f = 0 everywhere) panicked while labelling the quiver's key (a tick
    // label for a step of 0), and its caption promised contours and streamlines it could not
    // have; a vanishing |∇f| got a colour bar from −1 to 1.
    for (value, background, normalize) in [
        (1.0, Background::F, false),
        (0.0, Background::F, true),
        (1.0, Background::Magnitude, true),
    ] {
        let mut fig = FieldFigure {
            background,
            contours: 8,
            arrows: 12,
            streamlines: 4,
            ..FieldFigure::new(
                "flat",
                lattice(33, |_, _| value),
                lattice(33, |_, _| 0.0),
                lattice(33, |_, _| 0.0),
            )
        };
        fig.quiver.normalize = normalize;
        let c = field_figure(&fig, &small()).unwrap();
        let all = svg_texts(&c);
        let texts = all.join(" | ");
        assert!(texts.contains("|∇f| = 0 at every arrow (dots)"), "{texts}");
        for absent in ["contours of f", "streamlines", "direction of", "scaled so"] {
            assert!(!texts.contains(absent), "{absent:?} in {texts}");
        }
        if background == Background::Magnitude {
            // The colour bar's labels come after the title (the axes' ticks before it).
            let bar = &all[all.iter().position(|t| t == "flat").unwrap()..];
            assert!(bar.iter().any(|t| t == "1.0"), "{texts}");
            assert!(
                !bar.iter().any(|t| t.contains('−')),
                "a negative magnitude: {texts}"
            );
        }
    }
}

/// Renders a PDF with poppler at `dpi` into RGB pixels (None where pdftoppm is missing).
fn render_pdf(pdf: &[u8], dpi: f32) -> Option<(u32, u32, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = dir.path().join("r");
    let ok = std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-png", "-singlefile"])
        .arg(&path)
        .arg(&out)
        .status()
        .ok()?
        .success();
    assert!(ok, "pdftoppm failed on our PDF");
    let p = Pixmap::load_png(out.with_extension("png")).unwrap();
    Some((p.width(), p.height(), p.data().to_vec()))
}

#[test]
fn pdf_renders_like_the_png() {
    let c = figure_for_vectors();
    let pdf = c.pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some((w, h, data)) = render_pdf(&pdf, c.dpi) else {
        // CI installs poppler-utils; without it this test says so and fails.
        panic!("pdftoppm (poppler-utils) is needed to render the PDF");
    };
    // The same physical size: the same pixels at the PNG's dpi (within rounding).
    let (pw, ph) = (c.pixmap.width(), c.pixmap.height());
    assert!(
        w.abs_diff(pw) <= 1 && h.abs_diff(ph) <= 1,
        "{w}×{h} vs {pw}×{ph}"
    );
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in 0..h.min(ph) {
        for x in 0..w.min(pw) {
            let a = &data[((y * w + x) * 4) as usize..][..3];
            let b = c.get(x, y);
            sum +=
                a[0].abs_diff(b.r) as u64 + a[1].abs_diff(b.g) as u64 + a[2].abs_diff(b.b) as u64;
            n += 3;
        }
    }
    let mean = sum as f64 / n as f64;
    // Text and edges are anti-aliased differently by poppler: a few levels on average (2.6
    // here). Text drawn 14 % smaller in the PNG than in the PDF (as ab_glyph's scale, taken
    // for the em, once drew it) made it 4.5.
    assert!(mean < 3.5, "mean pixel difference {mean:.2} of 255");
    eprintln!("PDF vs PNG: mean difference {mean:.2} of 255 per channel");
}

#[test]
fn formats_follow_the_extension() {
    let c = figure_for_vectors();
    let dir = tempfile::tempdir().unwrap();
    for (name, magic) in [
        ("a.png", &b"\x89PNG"[..]),
        ("a.svg", &b"<?xml"[..]),
        ("a.PDF", &b"%PDF-"[..]),
    ] {
        let p = dir.path().join(name);
        c.save(&p).unwrap();
        assert!(std::fs::read(&p).unwrap().starts_with(magic), "{name}");
    }
    let e = c.save(&dir.path().join("a.jpg")).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(Format::from_path("x.svg".as_ref()).unwrap(), Format::Svg);
}
