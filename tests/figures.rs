//! Figures against small golden images (tests/golden/), with a tolerance for anti-aliasing
//! noise. On a mismatch the expected, actual and difference images are written to
//! target/golden-failures/ to be looked at. `GRADFIELD_BLESS=1 cargo test --test figures`
//! rewrites the goldens after a deliberate change (look at them before committing).

use std::path::{Path, PathBuf};

use gradfield::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use gradfield::plot::{
    Background, ColorMap, CurveFigure, FieldFigure, FigureSize, Lattice, curve_figure,
    field_figure, field_figure_with_axes, slopes_figure,
};
use tiny_skia::Pixmap;

const SMALL: FigureSize = FigureSize {
    width: 480,
    height: 360,
};

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
    compare("curve", &curve_figure(&fig, SMALL).unwrap().pixmap);
}

#[test]
fn slopes_figure_matches_its_golden() {
    let xs: Vec<f64> = (0..301).map(|i| -3.0 + 6.0 * i as f64 / 300.0).collect();
    let f: Vec<f64> = xs
        .iter()
        .map(|x| 0.3 * (3.0 * x).sin() + 0.5 * x * x)
        .collect();
    let g: Vec<f64> = xs.iter().map(|x| 0.9 * (3.0 * x).cos() + x).collect();
    let c = slopes_figure(&xs, &f, &g, 21, "loss with slope arrows", "L(x)", SMALL).unwrap();
    compare("slopes", &c.pixmap);
}

fn bowl_figure(background: Background) -> FieldFigure {
    FieldFigure {
        title: "∇f for f(x, y) = x² + 0.5·y²".into(),
        subtitle: String::new(),
        f: lattice(65, |x, y| x * x + 0.5 * y * y),
        gx: lattice(65, |x, _| 2.0 * x),
        gy: lattice(65, |_, y| y),
        background,
        contours: 8,
        arrows: 12,
        quiver: QuiverStyle {
            scale: None,
            pivot: Pivot::Mid,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.5,
        },
        descent: false,
    }
}

#[test]
fn field_figures_match_their_goldens() {
    compare(
        "field_f",
        &field_figure(&bowl_figure(Background::F), SMALL)
            .unwrap()
            .pixmap,
    );
    compare(
        "field_none",
        &field_figure(&bowl_figure(Background::None), SMALL)
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
        let (c, ax) = field_figure_with_axes(
            &fig,
            FigureSize {
                width: 800,
                height: 800,
            },
        )
        .unwrap();
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
