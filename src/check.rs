//! Point-by-point comparison of an engine's fields with the float64 reference at the same
//! coordinates:
//!
//! | key | compared with | tolerance |
//! |---|---|---|
//! | `f` | f64 f(x) | running error bound of f |
//! | `grad_x`, `grad_y` | f64 symbolic derivative | running error bound of the derivative |
//! | `fd_x`, `fd_y` | f64 symbolic derivative | none: total error (truncation + round-off) |
//! | `fd_x_roundoff`, `fd_y_roundoff` | the same stencil in f64, same h | running bound of the stencil |
//!
//! Tiles are compared as they arrive, so a grid larger than memory is checked in a stream.

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::{Real, Tile, TileView};
use crate::grid::{Field, Grid, Precision};
use crate::tolerance::ErrorModel;

/// What one key compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    /// The engine's field against the reference's same field, with a tolerance.
    Same(Field),
    /// An engine finite difference against the reference's analytic derivative (reported).
    FdTotal(Field, Field),
}

/// Statistics of one compared quantity.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FieldStats {
    /// Largest |engine − reference| over points where both are finite.
    pub max_abs: f64,
    /// Largest |engine − reference| / |reference| over points with a non-zero reference.
    pub max_rel: f64,
    /// Where `max_abs` occurs: `[i]` or `[j, i]`.
    pub at: Vec<usize>,
    /// The coordinates there: `[x]` or `[x, y]`.
    pub coord: Vec<f64>,
    /// Non-finite engine values.
    pub nonfinite: u64,
    /// Points compared.
    pub compared: u64,
    /// Whether this quantity has a pass/fail tolerance.
    pub checked: bool,
    /// Points outside their tolerance (including non-finite values where the reference is
    /// finite).
    pub failures: u64,
    /// The largest error / tolerance ratio, and where.
    pub worst_ratio: f64,
    /// Index of the worst ratio.
    pub worst_at: Vec<usize>,
    /// Error and tolerance at the worst ratio.
    pub worst_err: f64,
    /// Tolerance at the worst ratio.
    pub worst_tol: f64,
    #[serde(skip)]
    max_abs_k: usize,
    #[serde(skip)]
    worst_k: usize,
}

impl FieldStats {
    fn merge(mut self, o: FieldStats) -> FieldStats {
        if o.max_abs > self.max_abs {
            self.max_abs = o.max_abs;
            self.max_abs_k = o.max_abs_k;
        }
        self.max_rel = self.max_rel.max(o.max_rel);
        self.nonfinite += o.nonfinite;
        self.compared += o.compared;
        self.failures += o.failures;
        if o.worst_ratio > self.worst_ratio {
            self.worst_ratio = o.worst_ratio;
            self.worst_k = o.worst_k;
            self.worst_err = o.worst_err;
            self.worst_tol = o.worst_tol;
        }
        self
    }

    /// Whether every point passed (always true for unchecked quantities).
    pub fn passed(&self) -> bool {
        self.failures == 0
    }
}

/// Accumulates comparisons tile by tile.
///
/// ```
/// use gradfield::check::Checker;
/// use gradfield::cpu::CpuEngine;
/// use gradfield::grid::{Axis, Grid, Precision};
/// use gradfield::spec::FieldSpec;
/// use gradfield::tolerance::ErrorModel;
/// let grid = Grid::line(Axis::x(-3.0, 3.0, 1000)?);
/// let spec = FieldSpec::new("tanh(x)", grid)?;
/// let tile = CpuEngine::<f32>::new(&spec, None)?.eval(0, grid.len());
/// let model = ErrorModel::cpu(Precision::F32);
/// let reference = CpuEngine::<f64>::new(&spec, Some(model))?.eval(0, grid.len());
/// let mut checker = Checker::new(&spec.field_list(), grid, Precision::F32, model);
/// checker.add(&tile.view(), &reference);
/// assert!(checker.passed());
/// assert!(checker.stats("f").unwrap().max_abs < 1e-7);
/// # Ok::<(), gradfield::Error>(())
/// ```
pub struct Checker {
    grid: Grid,
    precision: Precision,
    model: ErrorModel,
    keys: Vec<(String, Compare)>,
    stats: Vec<FieldStats>,
}

impl Checker {
    /// A checker for the engine's `fields` on `grid`, in `precision`, judged by `model`.
    pub fn new(fields: &[Field], grid: Grid, precision: Precision, model: ErrorModel) -> Checker {
        let mut keys = Vec::new();
        for &f in fields {
            match f {
                Field::F | Field::GradX | Field::GradY => {
                    keys.push((f.name().to_string(), Compare::Same(f)));
                }
                Field::FdX | Field::FdY => {
                    let grad = if f == Field::FdX {
                        Field::GradX
                    } else {
                        Field::GradY
                    };
                    keys.push((f.name().to_string(), Compare::FdTotal(f, grad)));
                    keys.push((format!("{}_roundoff", f.name()), Compare::Same(f)));
                }
            }
        }
        let stats = keys
            .iter()
            .map(|(_, c)| FieldStats {
                checked: matches!(c, Compare::Same(_)),
                ..FieldStats::default()
            })
            .collect();
        Checker {
            grid,
            precision,
            model,
            keys,
            stats,
        }
    }

    /// A checker that only reports the total finite-difference error of a float64 engine
    /// (whose other fields are the reference itself).
    pub fn fd_only(fields: &[Field], grid: Grid, model: ErrorModel) -> Checker {
        let c = Checker::new(fields, grid, Precision::F64, model);
        let (keys, stats) = c
            .keys
            .into_iter()
            .zip(c.stats)
            .filter(|((_, k), _)| matches!(k, Compare::FdTotal(..)))
            .unzip();
        Checker { keys, stats, ..c }
    }

    /// Compares one engine tile with the reference tile of the same range.
    pub fn add<T: Real>(&mut self, tile: &TileView<'_, T>, reference: &Tile<f64>) {
        assert_eq!((tile.start, tile.len), (reference.start, reference.len));
        let start = tile.start;
        let model = self.model;
        let limit = self.precision.max_value();
        for (key_i, (_, cmp)) in self.keys.iter().enumerate() {
            let (got, want, bound) = match *cmp {
                Compare::Same(f) => (
                    tile.values(f),
                    reference.values(f),
                    Some(reference.bounds(f)),
                ),
                Compare::FdTotal(fd, grad) => (tile.values(fd), reference.values(grad), None),
            };
            const CHUNK: usize = 1 << 14;
            let stats = got
                .par_chunks(CHUNK)
                .enumerate()
                .map(|(c, g)| {
                    let base = c * CHUNK;
                    let mut s = FieldStats::default();
                    for (i, &gv) in g.iter().enumerate() {
                        let k = base + i;
                        let (gv, wv) = (gv.to_f64(), want[k]);
                        let tol = bound.map(|b| model.tolerance(b[k]));
                        if !gv.is_finite() {
                            s.nonfinite += 1;
                            // Fine where the reference is not finite in this precision either,
                            // or where its error bound is unbounded.
                            let expected = !wv.is_finite()
                                || wv.abs() > limit
                                || tol.is_some_and(|t| !t.is_finite());
                            if tol.is_some() && !expected {
                                s.failures += 1;
                                if f64::INFINITY > s.worst_ratio {
                                    s.worst_ratio = f64::INFINITY;
                                    s.worst_k = start + k;
                                    s.worst_err = f64::INFINITY;
                                    s.worst_tol = tol.unwrap_or(0.0);
                                }
                            }
                            continue;
                        }
                        if !wv.is_finite() {
                            continue;
                        }
                        s.compared += 1;
                        let err = (gv - wv).abs();
                        if err > s.max_abs {
                            s.max_abs = err;
                            s.max_abs_k = start + k;
                        }
                        if wv != 0.0 {
                            s.max_rel = s.max_rel.max(err / wv.abs());
                        }
                        if let Some(t) = tol.filter(|t| t.is_finite()) {
                            let ratio = err / t;
                            if ratio > 1.0 {
                                s.failures += 1;
                            }
                            if ratio > s.worst_ratio {
                                s.worst_ratio = ratio;
                                s.worst_k = start + k;
                                s.worst_err = err;
                                s.worst_tol = t;
                            }
                        }
                    }
                    s
                })
                .reduce(FieldStats::default, FieldStats::merge);
            let acc = std::mem::take(&mut self.stats[key_i]);
            let checked = acc.checked;
            let mut merged = acc.merge(stats);
            merged.checked = checked;
            self.stats[key_i] = merged;
        }
        for s in &mut self.stats {
            s.at = self.grid.at(s.max_abs_k);
            s.coord = self.grid.point(s.max_abs_k, self.precision);
            s.worst_at = self.grid.at(s.worst_k);
        }
    }

    /// Statistics by key, in a stable order.
    pub fn results(&self) -> Vec<(&str, &FieldStats)> {
        self.keys
            .iter()
            .map(|(k, _)| k.as_str())
            .zip(self.stats.iter())
            .collect()
    }

    /// Statistics of one key (`f`, `grad_x`, `fd_x`, `fd_x_roundoff`, …).
    pub fn stats(&self, key: &str) -> Option<&FieldStats> {
        self.keys
            .iter()
            .position(|(k, _)| k == key)
            .map(|i| &self.stats[i])
    }

    /// Whether every checked quantity passed.
    pub fn passed(&self) -> bool {
        self.stats.iter().all(FieldStats::passed)
    }

    /// The error model in use.
    pub fn model(&self) -> &ErrorModel {
        &self.model
    }

    /// One line per failing quantity: which, where, by how much, against which tolerance.
    pub fn failure_lines(&self) -> Vec<String> {
        self.results()
            .into_iter()
            .filter(|(_, s)| !s.passed())
            .map(|(k, s)| {
                format!(
                    "{k}: {} of {} points outside tolerance; worst at {:?}: error {:.3e} > tolerance {:.3e} ({}×)",
                    s.failures,
                    s.compared + s.nonfinite,
                    s.worst_at,
                    s.worst_err,
                    s.worst_tol,
                    if s.worst_ratio < 1e4 {
                        format!("{:.1}", s.worst_ratio)
                    } else {
                        format!("{:.1e}", s.worst_ratio)
                    }
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::CpuEngine;
    use crate::grid::Axis;
    use crate::spec::FieldSpec;

    #[test]
    fn a_wrong_value_fails_and_says_where() {
        let grid = Grid::line(Axis::x(0.0, 2.0, 500).unwrap());
        let spec = FieldSpec::new("exp(x)", grid).unwrap();
        let mut tile = CpuEngine::<f32>::new(&spec, None).unwrap().eval(0, 500);
        let model = ErrorModel::cpu(Precision::F32);
        let reference = CpuEngine::<f64>::new(&spec, Some(model))
            .unwrap()
            .eval(0, 500);
        let mut good = Checker::new(&spec.field_list(), grid, Precision::F32, model);
        good.add(&tile.view(), &reference);
        assert!(good.passed(), "{:?}", good.failure_lines());
        // One value off by 1e-5 (a few dozen ulps of e^1.6 ≈ 5) must fail, at that index.
        tile.values[Field::F.index()][400] += 1e-5;
        tile.values[Field::GradX.index()][3] = f32::NAN;
        let mut bad = Checker::new(&spec.field_list(), grid, Precision::F32, model);
        bad.add(&tile.view(), &reference);
        assert!(!bad.passed());
        let f = bad.stats("f").unwrap();
        assert_eq!(
            (f.failures, f.worst_at.clone(), f.at.clone()),
            (1, vec![400], vec![400])
        );
        let g = bad.stats("grad_x").unwrap();
        assert_eq!((g.failures, g.nonfinite), (1, 1));
        let lines = bad.failure_lines();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("f: 1 of 500 points outside tolerance; worst at [400]"));
        // The total finite-difference error is reported but never fails.
        assert!(!bad.stats("fd_x").unwrap().checked);
        assert!(bad.stats("fd_x").unwrap().max_abs > 0.0);
    }
}
