//! Point-by-point comparison of an engine's fields with the float64 reference at the same
//! coordinates:
//!
//! | key | compared with | tolerance |
//! |---|---|---|
//! | `f` | f64 f(x) | running error bound of f |
//! | `grad_x`, `grad_y` | f64 symbolic derivative | running error bound of the derivative |
//! | `fd_x`, `fd_y` | f64 symbolic derivative | none: total error (truncation + round-off), reported |
//! | `fd_x_roundoff`, `fd_y_roundoff` | the same stencil in f64 at the same points | running bound of the stencil |
//!
//! Tiles are checked as they arrive, so a grid larger than memory is checked in a stream.
//! The reference is computed and compared in one pass per run of points, on all cores
//! ([`reference`]); nothing of it is stored.
//!
//! **Verdicts.** Each quantity gets one, with counts:
//! - `pass`: every compared point is within its tolerance, and every tolerance is at most
//!   [`ILL_CONDITIONED_ULPS`] ulps of the value's scale — so a pass says the value is right
//!   to that many ulps, not merely that it agrees with a formula that loses everything.
//! - `ill-conditioned`: no point fails, but at some points the tolerance is larger than that
//!   (the formula loses more digits than the precision has to spare, or the bound is
//!   infinite): the comparison cannot vouch for the value there.
//! - `fail`: some point is outside its tolerance (or non-finite where the reference is
//!   finite in the engine's precision).
//! - `not checked`: no point could be compared (every value non-finite, or no reference).
//! - `reference`: the engine computes exactly what the reference computes (the CPU engine in
//!   float64 for an expression without sin or cos), so comparing proves nothing.
//! - `reported`: measured, with no tolerance (the finite differences' total error).

pub(crate) mod reference;

use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::engine::{DeviceKind, Real, TileView};
use crate::error::{Error, Result};
use crate::expr::{Func, Node, Program};
use crate::grid::{Field, Grid, Precision};
use crate::spec::FieldSpec;
use crate::tolerance::{ErrorModel, ILL_CONDITIONED_ULPS, SAFETY};

use reference::{Cols, Local, RefWork, Reference, gather};

/// How much of a grid the check compares (`--check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckMode {
    /// Every point (the default).
    Full,
    /// Every `every`-th point of each tile, plus each tile's extremes of every field and its
    /// non-finite values.
    Sample {
        /// The stride.
        every: usize,
    },
    /// No comparison.
    None,
}

/// The stride of `--check sample` when none is given.
pub const DEFAULT_SAMPLE_EVERY: usize = 32;

impl CheckMode {
    /// `full`, `sample=N` or `none`.
    pub fn name(self) -> String {
        match self {
            CheckMode::Full => "full".into(),
            CheckMode::Sample { every } => format!("sample={every}"),
            CheckMode::None => "none".into(),
        }
    }
}

impl std::str::FromStr for CheckMode {
    type Err = Error;
    /// `full`, `sample` (every [`DEFAULT_SAMPLE_EVERY`]-th point), `sample=N`, or `none`.
    ///
    /// ```
    /// use gradfield::check::CheckMode;
    /// assert_eq!("sample=100".parse::<CheckMode>()?, CheckMode::Sample { every: 100 });
    /// assert!("sample=0".parse::<CheckMode>().is_err());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<CheckMode> {
        let bad = || {
            Error::input(format!(
                "unknown check mode `{s}`; use full, sample, sample=N (N ≥ 1) or none"
            ))
        };
        match s.trim() {
            "full" => Ok(CheckMode::Full),
            "none" => Ok(CheckMode::None),
            "sample" => Ok(CheckMode::Sample {
                every: DEFAULT_SAMPLE_EVERY,
            }),
            other => match other.strip_prefix("sample=") {
                Some(n) => match n.trim().parse::<usize>() {
                    Ok(every) if every >= 1 => Ok(CheckMode::Sample { every }),
                    _ => Err(bad()),
                },
                None => Err(bad()),
            },
        }
    }
}

impl Serialize for CheckMode {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// How one quantity is judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every compared point within a tolerance that vouches for the value.
    #[default]
    Pass,
    /// No failure, but some tolerance too large to vouch for the value.
    IllConditioned,
    /// Some point outside its tolerance.
    Fail,
    /// Nothing could be compared.
    NotChecked,
    /// The engine computes exactly what the reference does.
    Reference,
    /// Measured, with no tolerance.
    Reported,
}

impl Verdict {
    /// The word in tables.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::IllConditioned => "ill-conditioned",
            Verdict::Fail => "FAIL",
            Verdict::NotChecked => "NOT CHECKED",
            Verdict::Reference => "reference",
            Verdict::Reported => "(reported)",
        }
    }
}

/// What a key's comparison is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Checked,
    Reported,
    Reference,
}

/// What one key compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    /// The engine's field against the reference's same field, with a tolerance.
    Same(Field),
    /// An engine finite difference against the reference's analytic derivative (reported).
    FdTotal(Field, Field),
}

/// A float64 in JSON: a number when finite, else `"inf"`, `"-inf"` or `"nan"` (JSON has no
/// infinities; `null` would lose which it was).
fn finite_or_text<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else if v.is_nan() {
        s.serialize_str("nan")
    } else if *v > 0.0 {
        s.serialize_str("inf")
    } else {
        s.serialize_str("-inf")
    }
}

/// Statistics of one compared quantity.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FieldStats {
    /// The verdict (see the module docs).
    pub verdict: Verdict,
    /// Largest |engine − reference| over points where both are finite.
    #[serde(serialize_with = "finite_or_text")]
    pub max_abs: f64,
    /// Largest |engine − reference| / |reference| over points with a non-zero reference.
    #[serde(serialize_with = "finite_or_text")]
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
    /// Points within tolerance whose tolerance exceeds [`ILL_CONDITIONED_ULPS`] ulps of the
    /// value's scale (or is infinite).
    pub ill_conditioned: u64,
    /// The largest error / tolerance ratio.
    #[serde(serialize_with = "finite_or_text")]
    pub worst_ratio: f64,
    /// Index of the worst ratio.
    pub worst_at: Vec<usize>,
    /// Error at the worst ratio.
    #[serde(serialize_with = "finite_or_text")]
    pub worst_err: f64,
    /// Tolerance at the worst ratio.
    #[serde(serialize_with = "finite_or_text")]
    pub worst_tol: f64,
    #[serde(skip)]
    max_abs_k: usize,
    #[serde(skip)]
    worst_k: usize,
}

impl FieldStats {
    fn merge(mut self, o: &FieldStats) -> FieldStats {
        if o.max_abs > self.max_abs {
            self.max_abs = o.max_abs;
            self.max_abs_k = o.max_abs_k;
        }
        self.max_rel = self.max_rel.max(o.max_rel);
        self.nonfinite += o.nonfinite;
        self.compared += o.compared;
        self.failures += o.failures;
        self.ill_conditioned += o.ill_conditioned;
        if o.worst_ratio > self.worst_ratio {
            self.worst_ratio = o.worst_ratio;
            self.worst_k = o.worst_k;
            self.worst_err = o.worst_err;
            self.worst_tol = o.worst_tol;
        }
        self
    }

    /// Whether this quantity is not a failure: no point outside its tolerance, and something
    /// compared when it is checked. Ill-conditioned points do not fail a run; they are
    /// reported.
    pub fn passed(&self) -> bool {
        !matches!(self.verdict, Verdict::Fail | Verdict::NotChecked)
    }
}

/// Accumulates comparisons tile by tile.
///
/// ```
/// use gradfield::check::{CheckMode, Checker, Verdict};
/// use gradfield::cpu::CpuEngine;
/// use gradfield::engine::DeviceKind;
/// use gradfield::grid::{Axis, Grid, Precision};
/// use gradfield::spec::FieldSpec;
/// use gradfield::tolerance::ErrorModel;
/// let grid = Grid::line(Axis::x(-3.0, 3.0, 1000)?);
/// let spec = FieldSpec::new("tanh(x)", grid)?;
/// let tile = CpuEngine::<f32>::new(&spec)?.eval(0, grid.len());
/// let model = ErrorModel::cpu(Precision::F32);
/// let mut checker = Checker::new(&spec, model, DeviceKind::Cpu, CheckMode::Full);
/// checker.check(&tile.view());
/// assert!(checker.passed());
/// assert_eq!(checker.stats("f").unwrap().verdict, Verdict::Pass);
/// assert!(checker.stats("f").unwrap().max_abs < 1e-7);
/// # Ok::<(), gradfield::Error>(())
/// ```
pub struct Checker {
    reference: Reference,
    grid: Grid,
    precision: Precision,
    model: ErrorModel,
    mode: CheckMode,
    keys: Vec<(String, Compare, Role)>,
    stats: Vec<FieldStats>,
    points_checked: u64,
}

/// Whether a program calls sin or cos (the only functions whose engine and reference
/// implementations differ on the CPU in float64).
fn uses_sin_or_cos(prog: &Program) -> bool {
    prog.nodes
        .iter()
        .any(|n| matches!(n, Node::Call1(Func::Sin | Func::Cos, _)))
}

impl Checker {
    /// A checker for `spec`'s fields computed by an engine of `kind` whose values `model`
    /// describes.
    pub fn new(spec: &FieldSpec, model: ErrorModel, kind: DeviceKind, mode: CheckMode) -> Checker {
        let fields = spec.field_list();
        // The CPU engine in float64 computes what the reference computes, instruction for
        // instruction, except for sin and cos (a different algorithm in each).
        let self_compare = kind == DeviceKind::Cpu
            && spec.precision == Precision::F64
            && !uses_sin_or_cos(&Program::compile(&[&spec.expr, &spec.grad_x, &spec.grad_y]));
        let same_role = if self_compare {
            Role::Reference
        } else {
            Role::Checked
        };
        let mut keys = Vec::new();
        for &f in &fields {
            match f {
                Field::F | Field::GradX | Field::GradY => {
                    keys.push((f.name().to_string(), Compare::Same(f), same_role));
                }
                Field::FdX | Field::FdY => {
                    let grad = if f == Field::FdX {
                        Field::GradX
                    } else {
                        Field::GradY
                    };
                    keys.push((
                        f.name().to_string(),
                        Compare::FdTotal(f, grad),
                        Role::Reported,
                    ));
                    keys.push((
                        format!("{}_roundoff", f.name()),
                        Compare::Same(f),
                        same_role,
                    ));
                }
            }
        }
        let stats = keys
            .iter()
            .map(|(_, _, role)| FieldStats {
                checked: *role == Role::Checked,
                ..FieldStats::default()
            })
            .collect();
        let fd = fields.contains(&Field::FdX);
        Checker {
            reference: Reference::new(spec, model, fd),
            grid: spec.grid,
            precision: spec.precision,
            model,
            mode,
            keys,
            stats,
            points_checked: 0,
        }
    }

    /// The mode.
    pub fn mode(&self) -> CheckMode {
        self.mode
    }

    /// Points whose reference was computed and compared so far.
    pub fn points_checked(&self) -> u64 {
        self.points_checked
    }

    /// Compares one engine tile with the reference (computed here, on all cores).
    pub fn check<T: Real>(&mut self, tile: &TileView<'_, T>) {
        if self.mode == CheckMode::None || tile.len == 0 {
            return;
        }
        let runs = match self.mode {
            CheckMode::Sample { every } => sample_runs(&self.grid, tile, every),
            _ => full_runs(&self.grid, tile.start, tile.len),
        };
        let count: usize = runs.iter().map(|r| r.len()).sum();
        self.points_checked += count as u64;
        let empty: Vec<FieldStats> = self
            .stats
            .iter()
            .map(|s| FieldStats {
                checked: s.checked,
                ..FieldStats::default()
            })
            .collect();
        let partial = runs
            .par_iter()
            .with_min_len(4)
            .fold(
                || (self.reference.work(), empty.clone(), vec![0.0; BLOCK_F64]),
                |(mut w, mut stats, mut g), run| {
                    self.check_run(tile, run, &mut w, &mut stats, &mut g);
                    (w, stats, g)
                },
            )
            .map(|(_, stats, _)| stats)
            .reduce(
                || empty.clone(),
                |a, b| a.into_iter().zip(&b).map(|(x, y)| x.merge(y)).collect(),
            );
        for (acc, p) in self.stats.iter_mut().zip(&partial) {
            let checked = acc.checked;
            *acc = std::mem::take(acc).merge(p);
            acc.checked = checked;
        }
        for (s, (_, _, role)) in self.stats.iter_mut().zip(&self.keys) {
            s.at = self.grid.at(s.max_abs_k);
            s.coord = self.grid.point(s.max_abs_k, self.precision);
            s.worst_at = self.grid.at(s.worst_k);
            s.verdict = match role {
                Role::Reported => Verdict::Reported,
                Role::Reference => Verdict::Reference,
                Role::Checked if s.failures > 0 => Verdict::Fail,
                Role::Checked if s.compared == 0 => Verdict::NotChecked,
                Role::Checked if s.ill_conditioned > 0 => Verdict::IllConditioned,
                Role::Checked => Verdict::Pass,
            };
        }
    }

    fn check_run<T: Real>(
        &self,
        tile: &TileView<'_, T>,
        run: &Run,
        w: &mut RefWork,
        stats: &mut [FieldStats],
        g: &mut [f64],
    ) {
        let (cols, local) = match run {
            Run::Range {
                row,
                first_col,
                first_local,
                len,
            } => (
                (
                    *row,
                    Cols::Range {
                        first: *first_col,
                        len: *len,
                    },
                ),
                Local::Range {
                    first: *first_local,
                    len: *len,
                },
            ),
            Run::Pick { row, cols, locals } => ((*row, Cols::Pick(cols)), Local::Pick(locals)),
        };
        self.reference.eval_run(cols.0, &cols.1, w);
        let len = w.out.len;
        let eps_ill = ILL_CONDITIONED_ULPS * self.precision.epsilon() / SAFETY;
        let limit = self.precision.max_value();
        let floor = self.model.floor();
        for ((_, cmp, role), s) in self.keys.iter().zip(stats.iter_mut()) {
            let (field, truth) = match *cmp {
                Compare::Same(f) => (f, f),
                Compare::FdTotal(fd, grad) => (fd, grad),
            };
            gather(tile.values(field), &local, &mut g[..len]);
            let want = &w.out.values[truth.index()][..len];
            let judged = *role == Role::Checked && matches!(cmp, Compare::Same(_));
            let bound = &w.out.bounds[truth.index()][..len];
            let scale: &[f64] = match field {
                Field::FdX => &w.out.scale[0][..len],
                Field::FdY => &w.out.scale[1][..len],
                _ => want,
            };
            for i in 0..len {
                let (gv, wv) = (g[i], want[i]);
                let k = tile.start + local.at(i);
                let tol = SAFETY * bound[i] + floor;
                if !gv.is_finite() {
                    s.nonfinite += 1;
                    // Fine where the reference is not finite in this precision either, or
                    // where its error bound is unbounded.
                    let expected = !wv.is_finite() || wv.abs() > limit || !tol.is_finite();
                    if judged && !expected {
                        s.failures += 1;
                        if f64::INFINITY > s.worst_ratio {
                            s.worst_ratio = f64::INFINITY;
                            s.worst_k = k;
                            s.worst_err = f64::INFINITY;
                            s.worst_tol = tol;
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
                    s.max_abs_k = k;
                }
                if wv != 0.0 {
                    s.max_rel = s.max_rel.max(err / wv.abs());
                }
                if !judged {
                    continue;
                }
                if !tol.is_finite() {
                    s.ill_conditioned += 1;
                    continue;
                }
                let ratio = err / tol;
                if ratio > 1.0 {
                    s.failures += 1;
                } else if bound[i] > eps_ill * scale[i].abs() {
                    s.ill_conditioned += 1;
                }
                if ratio > s.worst_ratio {
                    s.worst_ratio = ratio;
                    s.worst_k = k;
                    s.worst_err = err;
                    s.worst_tol = tol;
                }
            }
        }
    }

    /// The reference's f and exact derivatives (∂f/∂x, ∂f/∂y; empty on 1-D grids) at the
    /// given linear indices, for figures.
    pub fn reference_at(&self, indices: &[usize]) -> [Vec<f64>; 3] {
        let mut out: [Vec<f64>; 3] = Default::default();
        let mut w = self.reference.work();
        let nx = self.grid.x.n;
        let two_d = self.grid.is_2d();
        let mut start = 0;
        while start < indices.len() {
            let row = if two_d { indices[start] / nx } else { 0 };
            let mut end = start;
            let mut cols = Vec::new();
            while end < indices.len()
                && (!two_d || indices[end] / nx == row)
                && cols.len() < BLOCK_F64
            {
                cols.push(if two_d {
                    indices[end] % nx
                } else {
                    indices[end]
                });
                end += 1;
            }
            self.reference.eval_run(row, &Cols::Pick(&cols), &mut w);
            let fields: &[Field] = if two_d {
                &[Field::F, Field::GradX, Field::GradY]
            } else {
                &[Field::F, Field::GradX]
            };
            for (o, f) in fields.iter().enumerate() {
                out[o].extend_from_slice(&w.out.values[f.index()][..cols.len()]);
            }
            start = end;
        }
        out
    }

    /// Statistics by key, in a stable order.
    pub fn results(&self) -> Vec<(&str, &FieldStats)> {
        self.keys
            .iter()
            .map(|(k, _, _)| k.as_str())
            .zip(self.stats.iter())
            .collect()
    }

    /// Statistics of one key (`f`, `grad_x`, `fd_x`, `fd_x_roundoff`, …).
    pub fn stats(&self, key: &str) -> Option<&FieldStats> {
        self.keys
            .iter()
            .position(|(k, _, _)| k == key)
            .map(|i| &self.stats[i])
    }

    /// Whether no checked quantity failed or went unchecked.
    pub fn passed(&self) -> bool {
        self.stats.iter().all(FieldStats::passed)
    }

    /// The error model in use.
    pub fn model(&self) -> &ErrorModel {
        &self.model
    }

    /// One line per failing or unchecked quantity: which, where, by how much, against which
    /// tolerance.
    pub fn failure_lines(&self) -> Vec<String> {
        self.results()
            .into_iter()
            .filter(|(_, s)| !s.passed())
            .map(|(k, s)| match s.verdict {
                Verdict::NotChecked => format!(
                    "{k}: no point could be compared ({} non-finite engine values)",
                    s.nonfinite
                ),
                _ => format!(
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
                ),
            })
            .collect()
    }
}

/// Points per run (the block interpreter's block).
const BLOCK_F64: usize = crate::cpu::block::BLOCK;

/// A run of points of one row: contiguous, or picked (a sample).
enum Run {
    Range {
        row: usize,
        first_col: usize,
        first_local: usize,
        len: usize,
    },
    Pick {
        row: usize,
        cols: Vec<usize>,
        locals: Vec<usize>,
    },
}

impl Run {
    fn len(&self) -> usize {
        match self {
            Run::Range { len, .. } => *len,
            Run::Pick { cols, .. } => cols.len(),
        }
    }
}

/// A tile as contiguous runs within rows, at most a block each.
fn full_runs(grid: &Grid, start: usize, len: usize) -> Vec<Run> {
    let nx = grid.x.n;
    let two_d = grid.is_2d();
    let mut out = Vec::with_capacity(len / BLOCK_F64 + 2);
    let end = start + len;
    let mut k = start;
    while k < end {
        let (row, col) = if two_d { (k / nx, k % nx) } else { (0, k) };
        let room = if two_d { nx - col } else { end - k };
        let n = room.min(end - k).min(BLOCK_F64);
        out.push(Run::Range {
            row,
            first_col: col,
            first_local: k - start,
            len: n,
        });
        k += n;
    }
    out
}

/// The sampled points of a tile: every `every`-th linear index, each field's smallest and
/// largest finite value, and every non-finite value; as picked runs within rows.
fn sample_runs<T: Real>(grid: &Grid, tile: &TileView<'_, T>, every: usize) -> Vec<Run> {
    let mut locals: Vec<usize> = (tile.start.next_multiple_of(every)..tile.start + tile.len)
        .step_by(every)
        .map(|k| k - tile.start)
        .collect();
    for v in tile.values {
        if v.is_empty() {
            continue;
        }
        let (mut lo, mut hi) = (None::<(usize, f64)>, None::<(usize, f64)>);
        for (i, x) in v.iter().enumerate() {
            let x = x.to_f64();
            if !x.is_finite() {
                locals.push(i);
                continue;
            }
            if lo.is_none_or(|(_, m)| x < m) {
                lo = Some((i, x));
            }
            if hi.is_none_or(|(_, m)| x > m) {
                hi = Some((i, x));
            }
        }
        locals.extend(lo.map(|(i, _)| i));
        locals.extend(hi.map(|(i, _)| i));
    }
    locals.sort_unstable();
    locals.dedup();
    let nx = grid.x.n;
    let two_d = grid.is_2d();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < locals.len() {
        let k = tile.start + locals[i];
        let row = if two_d { k / nx } else { 0 };
        let (mut cols, mut picked) = (Vec::new(), Vec::new());
        while i < locals.len() && cols.len() < BLOCK_F64 {
            let k = tile.start + locals[i];
            if two_d && k / nx != row {
                break;
            }
            cols.push(if two_d { k % nx } else { k });
            picked.push(locals[i]);
            i += 1;
        }
        runs.push(Run::Pick {
            row,
            cols,
            locals: picked,
        });
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::CpuEngine;
    use crate::grid::Axis;

    fn checked(spec: &FieldSpec, tile: &crate::engine::Tile<f32>, mode: CheckMode) -> Checker {
        let model = ErrorModel::cpu(Precision::F32);
        let mut c = Checker::new(spec, model, DeviceKind::Cpu, mode);
        c.check(&tile.view());
        c
    }

    #[test]
    fn a_wrong_value_fails_and_says_where() {
        let grid = Grid::line(Axis::x(0.0, 2.0, 500).unwrap());
        let spec = FieldSpec::new("exp(x)", grid).unwrap();
        let mut tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, 500);
        let good = checked(&spec, &tile, CheckMode::Full);
        assert!(good.passed(), "{:?}", good.failure_lines());
        assert_eq!(good.stats("f").unwrap().verdict, Verdict::Pass);
        // One value off by 1e-5 (a few dozen ulps of e^1.6 ≈ 5) must fail, at that index.
        tile.values[Field::F.index()][400] += 1e-5;
        tile.values[Field::GradX.index()][3] = f32::NAN;
        let bad = checked(&spec, &tile, CheckMode::Full);
        assert!(!bad.passed());
        let f = bad.stats("f").unwrap();
        assert_eq!(
            (f.failures, f.worst_at.clone(), f.at.clone()),
            (1, vec![400], vec![400])
        );
        assert_eq!(f.verdict, Verdict::Fail);
        let g = bad.stats("grad_x").unwrap();
        assert_eq!((g.failures, g.nonfinite), (1, 1));
        let lines = bad.failure_lines();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("f: 1 of 500 points outside tolerance; worst at [400]"));
        // The total finite-difference error is reported but never fails.
        assert_eq!(bad.stats("fd_x").unwrap().verdict, Verdict::Reported);
        assert!(bad.stats("fd_x").unwrap().max_abs > 0.0);
    }

    #[test]
    fn a_sample_still_catches_a_single_bad_extreme() {
        let grid = Grid::line(Axis::x(0.0, 2.0, 100_000).unwrap());
        let spec = FieldSpec::new("exp(x)", grid).unwrap();
        let mut tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, grid.len());
        // Not on the stride, but the largest value of f: in every sample.
        tile.values[Field::F.index()][77_777] = 100.0;
        let c = checked(&spec, &tile, CheckMode::Sample { every: 1000 });
        assert!(!c.passed());
        assert_eq!(c.stats("f").unwrap().worst_at, vec![77_777]);
        assert!(c.points_checked() < 200, "{}", c.points_checked());
    }

    #[test]
    fn all_non_finite_is_not_a_pass() {
        let grid = Grid::line(Axis::x(0.0, 2.0, 50).unwrap());
        let spec = FieldSpec::new("x + 0/0", grid).unwrap();
        let tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, 50);
        let c = checked(&spec, &tile, CheckMode::Full);
        assert_eq!(c.stats("f").unwrap().verdict, Verdict::NotChecked);
        assert!(!c.passed());
        assert!(c.failure_lines()[0].contains("no point could be compared"));
    }

    #[test]
    fn check_modes_parse() {
        assert_eq!("full".parse::<CheckMode>().unwrap(), CheckMode::Full);
        assert_eq!(
            "sample".parse::<CheckMode>().unwrap(),
            CheckMode::Sample {
                every: DEFAULT_SAMPLE_EVERY
            }
        );
        assert!("most".parse::<CheckMode>().is_err());
    }
}
