//! Figure rendering: a field of 100×100 arrows with contours over a 4096² heatmap, at the
//! default print size (1600×1200), drawn and encoded as PNG, SVG and PDF. The goal is well
//! under a second for PNG on a laptop.

use criterion::{Criterion, criterion_group, criterion_main};
use gradfield::plot::canvas::Format;
use gradfield::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use gradfield::plot::{Background, ColorMap, FieldFigure, FigureOptions, Lattice, field_figure};

fn lattice(n: usize, f: impl Fn(f64, f64) -> f64) -> Lattice {
    let xs: Vec<f64> = (0..n)
        .map(|i| -5.0 + 10.0 * i as f64 / (n - 1) as f64)
        .collect();
    Lattice::from_fn(xs.clone(), xs, f)
}

fn figures(c: &mut Criterion) {
    // Himmelblau's function and its gradient on 4096 × 4096 points.
    let n = 4096;
    let fig = FieldFigure {
        subtitle: "4096² points".into(),
        background: Background::F,
        contours: 12,
        arrows: 100,
        quiver: QuiverStyle {
            scale: None,
            pivot: Pivot::Mid,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.0,
        },
        ..FieldFigure::new(
            "∇f for Himmelblau's function",
            lattice(n, |x, y| {
                (x * x + y - 11.0).powi(2) + (x + y * y - 7.0).powi(2)
            }),
            lattice(n, |x, y| {
                4.0 * x * (x * x + y - 11.0) + 2.0 * (x + y * y - 7.0)
            }),
            lattice(n, |x, y| {
                2.0 * (x * x + y - 11.0) + 4.0 * y * (x + y * y - 7.0)
            }),
        )
    };
    let size = FigureOptions::pixels_wh(1600, 1200);
    let mut g = c.benchmark_group("figures");
    g.sample_size(10);
    g.bench_function(
        "field 4096² heatmap + contours + 100×100 arrows, 1600×1200, drawn",
        |b| b.iter(|| field_figure(&fig, &size).unwrap()),
    );
    // The whole figure to a file's bytes, in each format.
    for format in [Format::Png, Format::Svg, Format::Pdf] {
        g.bench_function(
            format!(
                "field 4096², 100×100 arrows, 1600×1200, to {}",
                format.ext()
            ),
            |b| b.iter(|| field_figure(&fig, &size).unwrap().encode(format).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, figures);
criterion_main!(benches);
