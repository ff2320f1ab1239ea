//! Figure rendering: a field of 100×100 arrows with contours over a 4096² heatmap, at the
//! default print size (1600×1200). The goal is well under a second on a laptop.

use criterion::{Criterion, criterion_group, criterion_main};
use gradfield::plot::quiver::{ArrowColor, Pivot, QuiverStyle};
use gradfield::plot::{Background, ColorMap, FieldFigure, FigureSize, Lattice, field_figure};

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
        title: "∇f for Himmelblau's function".into(),
        subtitle: "4096² points".into(),
        f: lattice(n, |x, y| {
            (x * x + y - 11.0).powi(2) + (x + y * y - 7.0).powi(2)
        }),
        gx: lattice(n, |x, y| {
            4.0 * x * (x * x + y - 11.0) + 2.0 * (x + y * y - 7.0)
        }),
        gy: lattice(n, |x, y| {
            2.0 * (x * x + y - 11.0) + 4.0 * y * (x + y * y - 7.0)
        }),
        background: Background::F,
        contours: 12,
        arrows: 100,
        quiver: QuiverStyle {
            scale: None,
            pivot: Pivot::Mid,
            normalize: false,
            color: ArrowColor::Magnitude(ColorMap::Inferno),
            width: 1.2,
        },
        descent: false,
    };
    let size = FigureSize {
        width: 1600,
        height: 1200,
    };
    let mut g = c.benchmark_group("figures");
    g.sample_size(10);
    g.bench_function(
        "field 4096² heatmap + contours + 100×100 arrows, 1600×1200",
        |b| b.iter(|| field_figure(&fig, size).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, figures);
criterion_main!(benches);
