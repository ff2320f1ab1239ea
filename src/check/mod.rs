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
//! (the private `reference` module); nothing of it is stored. The CPU engine runs a full
//! check fused ([`crate::engine::Engine::run_checked`]): each run of points is checked on
//! the thread that computed it, while its values are in that core's cache.
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

pub(crate) mod dd;
pub(crate) mod reference;
pub(crate) mod truth;

use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::cpu::block::AddScalar;
use crate::engine::{DeviceKind, Real, TileView};
use crate::error::{Error, Result};
use crate::expr::{Func, Node, Program};
use crate::grid::{Field, Grid, Precision};
use crate::spec::FieldSpec;
use crate::tolerance::{ErrorModel, ILL_CONDITIONED_ULPS, SAFETY};

use reference::{
    AddedStencil, Bands, CHUNK, Cols, Diffs, Local, MAX_CHUNKS, RefWork, Reference, RowMemo,
    Undone, gather,
};

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
    /// value's scale (or is infinite), and which a truth did not vouch for.
    pub ill_conditioned: u64,
    /// Such points given a truth: in a float32 check the float64 reference with a bound on
    /// its own error where that bound decides, then double-double arithmetic with a bound on
    /// its own error (the private `dd` module) where that decides, else one computed in
    /// multi-precision (the private `truth` module).
    pub escalated: u64,
    /// Escalated points where the engine's value is right to [`ILL_CONDITIONED_ULPS`] ulps of
    /// the truth after all: they pass.
    pub resolved: u64,
    /// The largest |engine − truth| / |truth| over escalated points that stayed
    /// ill-conditioned: how wrong the engine's value really is there.
    #[serde(serialize_with = "finite_or_text")]
    pub ill_max_rel_to_truth: f64,
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
    /// Adds a run of `n` points that a lean comparison cleared (or one known to compare as
    /// such a run did), with its failures and ill-conditioned points: no maximum changes.
    fn add_cleared(&mut self, n: usize, fails: u64, ill: u64) {
        self.compared += n as u64;
        self.failures += fails;
        self.ill_conditioned += ill;
    }

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
        self.escalated += o.escalated;
        self.resolved += o.resolved;
        self.ill_max_rel_to_truth = self.ill_max_rel_to_truth.max(o.ill_max_rel_to_truth);
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
    /// Per-thread buffers, kept from tile to tile.
    pool: std::sync::Mutex<Vec<(RefWork, Vec<f64>)>>,
    /// Ill-conditioned points still to be given a truth this run.
    escalations_left: usize,
    /// Of the points given a truth, those decided without multi-precision.
    decided: Decided,
    /// Whether a double-double truth with a bound ([`dd`]) is tried before multi-precision.
    double_double: bool,
    /// For a float32 check: the reference with bounds on its *own* float64 error (the CPU
    /// float64 model), which decides most ill-conditioned points without multi-precision.
    own_error: Option<Reference>,
    /// Whether the pieces' works are lazy ([`RefWork::lazy`]): scalar derivatives compared as
    /// constants ([`quick_const`]), f that is a block plus a scalar compared as it is
    /// computed ([`quick_added`]), and runs of quantities the same in every row remembered
    /// ([`RowMemo`]); off only in tests, to compare the lazy check with the plain one.
    lazy: bool,
    /// `own_error`'s buffers, kept from tile to tile (a block's registers for every node of
    /// its plans: allocating them per tile cost a few percent of a sampled check). Only
    /// [`Checker::escalate`] uses them, serially, under `&mut self`.
    own_work: Option<RefWork>,
}

/// At most this many ill-conditioned points per run get a truth (a multi-precision one costs
/// tens of microseconds); the rest stay reported as ill-conditioned.
pub const MAX_ESCALATIONS: usize = 256;

/// How many ill-conditioned points a bound decided, by kind.
#[derive(Clone, Copy, Debug, Default)]
struct Decided {
    /// By the float64 reference's own bound (float32 checks).
    by_float64: usize,
    /// By a double-double truth's bound.
    by_double_double: usize,
}

/// An ill-conditioned point waiting for its truth: key, linear index, engine value, scale.
#[derive(Clone, Copy)]
struct Suspect {
    key: usize,
    k: usize,
    value: f64,
    scale: f64,
}

/// What every piece of a tile's check starts from ([`Checker::tile_start`]).
pub(crate) struct TileStart {
    /// The maxima known before the tile, and no counts.
    empty: Vec<FieldStats>,
    /// At most this many suspects go on to a truth.
    cap: usize,
}

/// What a piece of a tile's check found: statistics from the tile's start, the first
/// ill-conditioned points (at most the cap) and how many points it compared.
pub(crate) struct PieceSums {
    stats: Vec<FieldStats>,
    suspects: Vec<Suspect>,
    points: usize,
}

/// A piece of a tile's check on one thread ([`Checker::piece`]).
pub(crate) struct Piece<'c> {
    checker: &'c Checker,
    /// Buffers from the checker's pool, returned by [`Piece::finish`].
    work: Option<(RefWork, Vec<f64>)>,
    sums: PieceSums,
    cap: usize,
    /// Whether the runs' values are in this core's cache (else they are prefetched).
    in_cache: bool,
}

impl Piece<'_> {
    /// Checks one run of `tile`'s points (after the runs this piece checked before it).
    pub(crate) fn run<T: Real>(&mut self, tile: &TileView<'_, T>, run: &Run) {
        let (w, g) = self.work.as_mut().expect("a piece holds its buffers");
        let s = &mut self.sums;
        s.points += run.len();
        let c = self.checker;
        if !self.in_cache {
            c.prefetch_run(tile, run);
        }
        c.check_run(tile, run, w, &mut s.stats, g, &mut s.suspects, self.cap);
    }

    /// The piece's sums; its buffers go back to the pool.
    pub(crate) fn finish(mut self) -> PieceSums {
        let pool = &self.checker.pool;
        pool.lock().expect("not poisoned").extend(self.work.take());
        self.sums
    }
}

/// Whether suspect `s` passes the truth test of [`Checker::escalate`] for every truth `t`
/// within `bound` of `v`: |value − t| ≤ |value − v| + bound, and the scale max(|s.scale| or
/// |t|, |t|) is at least its value at |t| = |v| − bound.
fn proves_right(s: &Suspect, v: f64, bound: f64, precision: Precision) -> bool {
    let lowest = v.abs() - bound;
    let scale = if s.scale.abs() > 0.0 {
        s.scale.abs().max(lowest)
    } else {
        lowest
    };
    // The error bound rounded up (a relative 2^-50 covers the two roundings).
    let err = ((s.value - v).abs() + bound) * (1.0 + 2f64.powi(-50));
    let tol = ILL_CONDITIONED_ULPS * precision.epsilon() * scale;
    v.is_finite() && bound.is_finite() && s.value.is_finite() && err <= tol
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
        let own_error = (spec.precision == Precision::F32)
            .then(|| Reference::pointwise(spec, ErrorModel::cpu(Precision::F64), fd));
        Checker {
            reference: Reference::new(spec, model, fd),
            grid: spec.grid,
            precision: spec.precision,
            model,
            mode,
            keys,
            stats,
            points_checked: 0,
            pool: std::sync::Mutex::new(Vec::new()),
            escalations_left: MAX_ESCALATIONS,
            decided: Decided::default(),
            double_double: true,
            own_error,
            lazy: true,
            own_work: None,
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
        let start = self.tile_start();
        // A few pieces of runs per thread.
        let chunk = runs.len().div_ceil(4 * rayon::current_num_threads()).max(1);
        let pieces: Vec<PieceSums> = runs
            .par_chunks(chunk)
            .map(|part| {
                let mut piece = self.piece(&start, false);
                for run in part {
                    piece.run(tile, run);
                }
                piece.finish()
            })
            .collect();
        self.finish_tile(start, pieces);
    }

    /// Whether the check compares every point ([`CheckMode::Full`]): then an engine may check
    /// each run of points where it computed them ([`Checker::piece`]).
    pub(crate) fn is_full(&self) -> bool {
        self.mode == CheckMode::Full
    }

    /// What every piece of the next tile's check starts from: the maxima known so far (and
    /// no counts), so that a run that cannot beat them skips the full comparison
    /// ([`quick_sums`]); [`Checker::finish_tile`] then keeps the same maxima and points as if
    /// each piece had started from nothing.
    pub(crate) fn tile_start(&self) -> TileStart {
        let empty = self
            .stats
            .iter()
            .map(|s| FieldStats {
                checked: s.checked,
                max_abs: s.max_abs,
                max_abs_k: s.max_abs_k,
                max_rel: s.max_rel,
                worst_ratio: s.worst_ratio,
                worst_k: s.worst_k,
                worst_err: s.worst_err,
                worst_tol: s.worst_tol,
                ..FieldStats::default()
            })
            .collect();
        TileStart {
            empty,
            cap: self.escalations_left,
        }
    }

    /// A piece of a tile's check, for one thread: it checks runs of points in order
    /// ([`Piece::run`]), with buffers from the pool (kept across tiles), which
    /// [`Piece::finish`] returns. `in_cache`: each run's values were just written by this
    /// thread (a check fused with the engine), so they are not prefetched.
    ///
    /// The runs the buffers remember ([`RowMemo`]) are forgotten: which buffers a piece gets
    /// depends on the threads' timing, and a run carried from another piece's rows would
    /// leave the maximum where that piece found it, so that the same check reported
    /// different points from one run to the next. Each piece's sums so depend on its own
    /// points only, and their merge, in the order of the points, gives the earliest point of
    /// a maximum that several share.
    pub(crate) fn piece<'c>(&'c self, start: &TileStart, in_cache: bool) -> Piece<'c> {
        let mut work = self.pool.lock().expect("not poisoned").pop();
        let w = &mut work
            .get_or_insert_with(|| (self.reference.work(), vec![0.0; BLOCK_F64]))
            .0;
        w.lazy = self.lazy;
        w.memo.clear();
        Piece {
            checker: self,
            work,
            sums: PieceSums {
                stats: start.empty.clone(),
                suspects: Vec::new(),
                points: 0,
            },
            cap: start.cap,
            in_cache,
        }
    }

    /// Ends a tile's check: merges its pieces' sums, given in the order of their points, and
    /// gives their ill-conditioned points a truth ([`Checker::escalate`]).
    pub(crate) fn finish_tile(&mut self, start: TileStart, pieces: Vec<PieceSums>) {
        let TileStart { empty, cap } = start;
        let (mut partial, mut suspects) = (empty, Vec::new());
        for p in pieces {
            self.points_checked += p.points as u64;
            partial = partial
                .into_iter()
                .zip(&p.stats)
                .map(|(x, y)| x.merge(y))
                .collect();
            suspects.extend(p.suspects);
            suspects.truncate(cap);
        }
        self.escalations_left -= suspects.len().min(self.escalations_left);
        let (partial, decided) = self.escalate(partial, &suspects);
        self.decided.by_float64 += decided.by_float64;
        self.decided.by_double_double += decided.by_double_double;
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

    /// Gives ill-conditioned points a truth: a point whose engine value is right to
    /// [`ILL_CONDITIONED_ULPS`] ulps of the truth passes after all. In a float32 check the
    /// float64 reference with a bound on its own error decides most of them (any truth
    /// within that bound gives the same answer); then a double-double truth with its bound
    /// ([`dd`]) decides most of the rest, in float64 checks too; the others get a
    /// multi-precision truth (on all cores). Either bound only ever says "right": a point it
    /// cannot vouch for goes on to the multi-precision truth, which alone reports how far off
    /// it is, so the statistics are those of the multi-precision truth alone.
    /// Returns the statistics and how many points were decided without multi-precision.
    fn escalate(
        &mut self,
        mut stats: Vec<FieldStats>,
        suspects: &[Suspect],
    ) -> (Vec<FieldStats>, Decided) {
        if suspects.is_empty() {
            return (stats, Decided::default());
        }
        let eps = self.precision.epsilon();
        let mut rest = Vec::with_capacity(suspects.len());
        let mut decided = Decided::default();
        let mut w = self
            .own_error
            .as_ref()
            .map(|r| self.own_work.take().unwrap_or_else(|| r.work()));
        for s in suspects {
            let field = self.field_of(s.key);
            // The float64 reference's own bound (float32 checks), else a double-double truth
            // with its bound (which a multi-precision truth, rounded to a double, lies within
            // — give or take 2^-51 of it).
            let by_float64 = match (&self.own_error, w.as_mut()) {
                (Some(r), Some(w)) => self.resolved_by_float64(r, w, s, field),
                _ => false,
            };
            let resolved = by_float64
                || (self.double_double
                    && self
                        .reference
                        .bounded_truth_at(field, s.k)
                        .is_some_and(|(v, b)| {
                            proves_right(s, v, b + 2f64.powi(-51) * (v.abs() + b), self.precision)
                        }));
            if resolved {
                let st = &mut stats[s.key];
                st.escalated += 1;
                st.resolved += 1;
                st.ill_conditioned -= 1;
                if by_float64 {
                    decided.by_float64 += 1;
                } else {
                    decided.by_double_double += 1;
                }
            } else {
                rest.push(*s);
            }
        }
        self.own_work = w;
        let truths: Vec<Option<f64>> = rest
            .par_iter()
            .map(|s| truth::Truth::with(|t| self.reference.truth_at(t, self.field_of(s.key), s.k)))
            .collect();
        for (s, truth) in rest.iter().zip(truths) {
            let st = &mut stats[s.key];
            let Some(t) = truth else { continue };
            st.escalated += 1;
            let err = (s.value - t).abs();
            // Right to the stated ulps of the value's scale (|value| for f and gradients, the
            // stencil's terms for a finite difference), against the truth.
            let scale = if s.scale.abs() > 0.0 {
                s.scale.abs()
            } else {
                t.abs()
            };
            if err <= ILL_CONDITIONED_ULPS * eps * scale.max(t.abs()) {
                st.resolved += 1;
                st.ill_conditioned -= 1;
            } else {
                let rel = err / t.abs().max(f64::MIN_POSITIVE);
                st.ill_max_rel_to_truth = st.ill_max_rel_to_truth.max(rel);
            }
        }
        (stats, decided)
    }

    /// Whether the float64 reference `r` (bounds on its own error) proves that suspect `s`
    /// passes the truth test of [`Checker::escalate`] for every truth within [`SAFETY`]·bound
    /// of the reference value ([`proves_right`]; a multi-precision truth lies within that
    /// bound, so it would say the same).
    fn resolved_by_float64(
        &self,
        r: &Reference,
        w: &mut RefWork,
        s: &Suspect,
        field: Field,
    ) -> bool {
        let (row, col) = self.grid.index_of(s.k);
        r.eval_run(row, &Cols::Pick(&[col]), w);
        let (v, b) = r.field(w, field);
        proves_right(s, v[0], SAFETY * b[0], self.precision)
    }

    /// Asks for the engine's values of a contiguous run now, to arrive while the reference
    /// is computed (a run's few kilobytes per field are too short a stream for the hardware
    /// prefetchers to have them ready).
    fn prefetch_run<T: Real>(&self, tile: &TileView<'_, T>, run: &Run) {
        if let Run::Range {
            first_local, len, ..
        } = *run
        {
            for (_, cmp, _) in &self.keys {
                if let Compare::Same(f) = *cmp {
                    prefetch(&tile.values(f)[first_local..first_local + len]);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_run<T: Real>(
        &self,
        tile: &TileView<'_, T>,
        run: &Run,
        w: &mut RefWork,
        stats: &mut [FieldStats],
        g: &mut [f64],
        suspects: &mut Vec<Suspect>,
        cap: usize,
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
        // Where f is undefined its derivatives are too (the run masks what it writes the same
        // way): nothing there is compared, so an f undefined everywhere is "not checked".
        let r = &self.reference;
        // f is compared first where it is requested: a lean pass over it that clears the run
        // has seen every reference value of f finite, so only a run it does not clear is
        // looked at again (after f's comparison, before the derivatives').
        let f_first = matches!(self.keys.first(), Some((_, Compare::Same(Field::F), _)));
        if !f_first {
            mask_undefined(r, w, g);
        }
        let eps_ill = ILL_CONDITIONED_ULPS * self.precision.epsilon() / SAFETY;
        let limit = self.precision.max_value();
        let floor = self.model.floor();
        let lim = Limits {
            floor,
            eps_ill,
            limit,
        };
        let at = |i: usize| tile.start + local.at(i);
        for (key, s) in stats.iter_mut().enumerate() {
            let values = tile.values(self.field_of(key));
            // The engine's values of the run: in place for a contiguous run, gathered and
            // widened for a sample.
            let lean = match local {
                Local::Range { first, len } => self.compare_run(
                    key,
                    &values[first..first + len],
                    w,
                    s,
                    lim,
                    &at,
                    suspects,
                    cap,
                ),
                Local::Pick(_) => {
                    gather(values, &local, &mut g[..len]);
                    self.compare_run(key, &g[..len], w, s, lim, &at, suspects, cap)
                }
            };
            if key == 0 && f_first && !lean {
                mask_undefined(r, w, g);
            }
        }
    }

    /// The engine's field that quantity `key` compares.
    fn field_of(&self, key: usize) -> Field {
        match self.keys[key].1 {
            Compare::Same(f) | Compare::FdTotal(f, _) => f,
        }
    }

    /// Compares quantity `key` over the last run the reference evaluated into `w`: the
    /// engine's values `g` (`at` maps a run index to its linear grid index) into `s`, and
    /// its first ill-conditioned points into `suspects` (up to `cap`). Returns whether a lean
    /// pass decided the run ([`compare_block`]).
    #[allow(clippy::too_many_arguments)]
    fn compare_run<G: Real>(
        &self,
        key: usize,
        g: &[G],
        w: &mut RefWork,
        s: &mut FieldStats,
        lim: Limits,
        at: &dyn Fn(usize) -> usize,
        suspects: &mut Vec<Suspect>,
        cap: usize,
    ) -> bool {
        let (_, cmp, role) = &self.keys[key];
        let (field, truth) = match *cmp {
            Compare::Same(f) => (f, f),
            Compare::FdTotal(fd, grad) => (fd, grad),
        };
        let judged = *role == Role::Checked && matches!(cmp, Compare::Same(_));
        let r = &self.reference;
        let (fails_before, ill_before) = (s.failures, s.ill_conditioned);
        let more_suspects = |s: &FieldStats, suspects: &[Suspect]| {
            s.ill_conditioned > ill_before && suspects.len() < cap
        };
        // A derivative constant over the run (∂f/∂y = y), which the reference left
        // unbroadcast: the extremes of the engine's values decide its lean comparison
        // ([`quick_const`]); only a run they cannot decide is broadcast and compared point by
        // point. (A finite difference is never compared with a scalar under its own scale: its
        // round-off is compared with the stencil, which is never one.)
        let by_const = r
            .pending(w, truth)
            .is_some_and(|(cw, cb)| const_block(g, cw, cb, judged, lim, s));
        if by_const && !more_suspects(s, suspects) {
            return true;
        }
        // f left undone by the reference, a block plus a scalar ([`Reference::added_f`]): a
        // lean comparison computes it as it reads it, and gives what `compare_block` would
        // from f written out (the same bits); anything it does not decide, or a run whose
        // ill-conditioned points are wanted as suspects, is compared from f written out.
        if field == Field::F
            && judged
            && let Some(f) = r.added_f(w)
        {
            let known = Known {
                err: s.max_abs,
                rel: s.max_rel,
                ratio: s.worst_ratio,
            };
            if let Some(v) = quick_added(g, f, self.model.basic(1.0), lim, known)
                && (v.ill == 0 || suspects.len() >= cap)
            {
                s.add_cleared(g.len(), v.fails, v.ill);
                return true;
            }
        }
        // A finite difference left undone by the reference, its stencil's terms each a block
        // plus a scalar read from a column cache ([`Reference::bands`]): compared with
        // tolerances bounded chunk by chunk ([`banded_stencil`]); a run that does not decide
        // so is compared from the stencil written out.
        let mut th = std::mem::take(&mut w.thresholds);
        let banded = if judged
            && let Some((bands, first)) = r.bands(w, field)
            && let Some(st) = r.added_stencil(w, field)
        {
            let known = Known {
                err: s.max_abs,
                rel: s.max_rel,
                ratio: s.worst_ratio,
            };
            let diffs = r.diffs(field);
            match st {
                Undone::Two(st) => banded_stencil(g, st, bands, diffs, first, lim, known, &mut th),
                Undone::Four(st) => banded_stencil(g, st, bands, diffs, first, lim, known, &mut th),
            }
        } else {
            None
        };
        w.thresholds = th;
        if let Some((near, chunks)) = banded {
            w.banded += 1;
            w.banded_near += near;
            w.banded_chunks += chunks;
            s.add_cleared(g.len(), 0, 0);
            return true;
        }
        // A quantity whose reference is the same at a column in every row (read from the
        // column cache: ∂f/∂x of f = g(x) + h(y)), and whose engine values over this run are,
        // bit for bit, those of a run at the same columns that a lean comparison cleared:
        // every point compares exactly as that run's did, so that comparison's counts stand
        // (the maxima it left unchanged are known already), unless its ill-conditioned
        // points are wanted as suspects.
        let same_rows = match *cmp {
            Compare::Same(_) if judged && w.lazy => r.same_in_every_row(w, truth),
            _ => None,
        };
        if let Some(first) = same_rows
            && let Some(m) = w.memo.iter().find(|m| {
                m.key == key && m.first == first && m.bytes == bytemuck::cast_slice::<G, u8>(g)
            })
            && (m.ill == 0 || suspects.len() >= cap)
        {
            s.add_cleared(g.len(), m.fails, m.ill);
            return true;
        }
        r.materialize(w, truth);
        let (want, bound) = r.field(w, truth);
        // A finite difference's round-off scale is its stencil's; anything else's is the
        // value's own.
        let len = g.len();
        let own_scale: Option<&[f64]> = match field {
            Field::FdX if judged => Some(&w.out.scale[0][..len]),
            Field::FdY if judged => Some(&w.out.scale[1][..len]),
            _ => None,
        };
        let scale = own_scale.unwrap_or(want);
        let lean = by_const || compare_block(g, want, bound, own_scale, judged, lim, at, s);
        if more_suspects(s, suspects) {
            // Which points: the comparison's own per-point test.
            for i in 0..len {
                let gv = g[i].to_f64();
                let (.., both, _, fail, loose) = point(gv, want[i], bound[i], scale[i], lim);
                if both && !fail && loose && suspects.len() < cap {
                    suspects.push(Suspect {
                        key,
                        k: at(i),
                        value: gv,
                        scale: scale[i],
                    });
                }
            }
        }
        if let Some(first) = same_rows
            && lean
        {
            let (fails, ill) = (s.failures - fails_before, s.ill_conditioned - ill_before);
            remember(w, key, first, g, fails, ill);
        }
        lean
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
                out[o].extend_from_slice(self.reference.field(&w, *f).0);
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

/// Runs of one quantity remembered at most ([`RowMemo`]): enough for rows of 32 runs.
const MEMO_RUNS: usize = 32;

/// Remembers that a lean comparison cleared the run of quantity `key` from column `first`
/// whose engine values are `g`, counting `fails` and `ill` ([`RowMemo`]): in place of the
/// run it remembered at those columns, else in a free slot, else (a row of more than
/// [`MEMO_RUNS`] runs) not at all.
fn remember<G: Real>(w: &mut RefWork, key: usize, first: usize, g: &[G], fails: u64, ill: u64) {
    let bytes = bytemuck::cast_slice::<G, u8>(g);
    let slot = match w.memo.iter().position(|m| m.key == key && m.first == first) {
        Some(i) => i,
        None if w.memo.iter().filter(|m| m.key == key).count() < MEMO_RUNS => {
            w.memo.push(RowMemo {
                key,
                first,
                bytes: Vec::with_capacity(bytes.len()),
                fails: 0,
                ill: 0,
            });
            w.memo.len() - 1
        }
        None => return,
    };
    let m = &mut w.memo[slot];
    m.bytes.clear();
    m.bytes.extend_from_slice(bytes);
    (m.fails, m.ill) = (fails, ill);
}

/// Where the reference's f of the last run is undefined its derivatives are too: they are
/// set to NaN there (in the run's own buffers), so that nothing there is compared and an f
/// undefined everywhere is "not checked". `g` (the gather buffer, free between comparisons)
/// holds a copy of f meanwhile.
fn mask_undefined(r: &Reference, w: &mut RefWork, g: &mut [f64]) {
    r.materialize(w, Field::F);
    if all_finite(r.field(w, Field::F).0) {
        return;
    }
    let len = w.out.len;
    let f = &mut g[..len];
    f.copy_from_slice(r.field(w, Field::F).0);
    for d in [Field::FdX, Field::GradX, Field::FdY, Field::GradY] {
        r.own(w, d);
        for (v, fv) in r.values_mut(w, d).iter_mut().zip(f.iter()) {
            if !fv.is_finite() {
                *v = f64::NAN;
            }
        }
    }
}

/// Whether every value is finite (a fold without early exit, which vectorises; compiled for
/// AVX-512 and AVX2 too, chosen at run time).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
pub(crate) fn all_finite<T: Real>(v: &[T]) -> bool {
    v.iter().fold(true, |all, x| all & x.is_finite())
}

/// Asks for `v` to be brought into the cache (a hint: it changes no value).
fn prefetch<T>(v: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        let bytes = std::mem::size_of_val(v);
        let p = v.as_ptr().cast::<i8>();
        for off in (0..bytes).step_by(64) {
            // SAFETY: a prefetch never faults and changes no memory; the address is inside
            // `v`.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.add(off))
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = v;
}

/// The constants of a comparison.
#[derive(Clone, Copy)]
struct Limits {
    /// The smallest tolerance.
    floor: f64,
    /// A bound above `eps_ill`·scale is ill-conditioned.
    eps_ill: f64,
    /// The largest finite value of the engine's precision.
    limit: f64,
}

/// Compares a run's engine values `g` with the reference `want` (bounds `bound`, scales
/// `scale`, or `|want|` where `None`) into `s`; `at` maps a run index to its linear grid
/// index. A lean pass decides most runs; the full pass keeps where each lane's maxima are;
/// only the rare non-finite values take a second look. Returns whether a lean pass decided
/// the run (which then saw every value of `want` finite).
#[allow(clippy::too_many_arguments)]
fn compare_block<T: Real>(
    g: &[T],
    want: &[f64],
    bound: &[f64],
    scale: Option<&[f64]>,
    judged: bool,
    lim: Limits,
    at: &dyn Fn(usize) -> usize,
    s: &mut FieldStats,
) -> bool {
    let n = g.len();
    let (want, bound) = (&want[..n], &bound[..n]);
    let scale = scale.map(|s| &s[..n]);
    let known = Known {
        err: s.max_abs,
        rel: s.max_rel,
        ratio: s.worst_ratio,
    };
    // Most runs change no maximum and hold no non-finite value: a lean pass proves that and
    // counts; any other run takes the full pass (which gives the same counts).
    let quick = if judged {
        quick_sums(g, want, bound, scale, lim, known)
    } else {
        quick_report(g, want, known)
    };
    let lean = quick.is_some();
    let sums = quick.unwrap_or_else(|| {
        if judged {
            compare_sums(g, want, bound, scale.unwrap_or(want), lim)
        } else {
            report_sums(g, want)
        }
    });
    let Sums {
        max_err,
        max_err_at,
        max_rel,
        max_ratio,
        max_ratio_at,
        compared,
        nonfinite,
        fails,
        ill,
    } = sums;
    s.compared += compared;
    s.nonfinite += nonfinite;
    s.max_rel = s.max_rel.max(max_rel);
    if max_err > s.max_abs {
        s.max_abs = max_err;
        s.max_abs_k = at(max_err_at);
    }
    if !judged {
        return lean;
    }
    s.failures += fails;
    s.ill_conditioned += ill;
    if max_ratio > s.worst_ratio {
        let i = max_ratio_at;
        s.worst_ratio = max_ratio;
        s.worst_k = at(i);
        s.worst_err = (g[i].to_f64() - want[i]).abs();
        s.worst_tol = SAFETY * bound[i] + lim.floor;
    }
    if nonfinite > 0 {
        // A non-finite engine value fails where the reference is finite in the engine's
        // precision and its bound is finite.
        for i in 0..n {
            let (gv, wv) = (g[i].to_f64(), want[i]);
            let tol = SAFETY * bound[i] + lim.floor;
            if !gv.is_finite() && wv.is_finite() && wv.abs() <= lim.limit && tol.is_finite() {
                s.failures += 1;
                if f64::INFINITY > s.worst_ratio {
                    s.worst_ratio = f64::INFINITY;
                    s.worst_k = at(i);
                    s.worst_err = f64::INFINITY;
                    s.worst_tol = tol;
                }
            }
        }
    }
    lean
}

/// The maxima a quantity has reached so far: the lean passes ([`quick_sums`],
/// [`quick_report`]) send a run to the full comparison only where some point may beat them.
#[derive(Clone, Copy)]
struct Known {
    err: f64,
    rel: f64,
    ratio: f64,
}

/// A run's comparison in numbers (from a lean pass, maxima that do not beat the [`Known`]
/// ones are 0).
#[derive(Clone, Copy, Default)]
struct Sums {
    max_err: f64,
    /// The first point (run index) with `max_err`.
    max_err_at: usize,
    max_rel: f64,
    max_ratio: f64,
    /// The first point with `max_ratio`.
    max_ratio_at: usize,
    compared: u64,
    nonfinite: u64,
    fails: u64,
    ill: u64,
}

/// Lanes of the comparison's accumulators: two 512-bit registers of f64, so that two
/// independent chains hide the latency of the compare-and-blend updates.
const LANES: usize = 16;

/// The per-point arithmetic of [`compare_block`]: `(err, tol for the ratio, |reference|
/// for the relative error, both finite, engine finite, fails, loose tolerance)`. Ratios are
/// kept as (numerator, denominator) pairs and compared by cross-multiplication: no division
/// in the loop (a vector division costs as much as the rest together).
#[inline(always)]
fn point(
    gv: f64,
    wv: f64,
    b: f64,
    sc: f64,
    lim: Limits,
) -> (f64, f64, f64, bool, bool, bool, bool) {
    let (gf, wf) = (gv.is_finite(), wv.is_finite());
    let both = gf & wf;
    let err = if both { (gv - wv).abs() } else { 0.0 };
    let tol = SAFETY * b + lim.floor;
    let tol_finite = tol.is_finite();
    let fail = both & tol_finite & (err > tol);
    let loose = !tol_finite | (b > lim.eps_ill * sc.abs());
    // (err, tol) for the ratio, (err, |w|) for the relative error: (0, 1) where undefined.
    let ratio_den = if both & tol_finite {
        tol
    } else {
        f64::INFINITY
    };
    let rel_den = if both & (wv != 0.0) {
        wv.abs()
    } else {
        f64::INFINITY
    };
    (err, ratio_den, rel_den, both, gf, fail, loose)
}

/// The sums of a run's comparison, in [`LANES`] independent accumulators so that the loop
/// vectorises (compiled for AVX-512 and AVX2 too, chosen at run time).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn compare_sums<T: Real>(g: &[T], want: &[f64], bound: &[f64], scale: &[f64], lim: Limits) -> Sums {
    let n = g.len();
    // Per lane: largest error and where; largest err/tol as (err, tol) and where; largest
    // err/|w| as (err, |w|). A ratio e/t beats E/T when e·T > E·t (all non-negative). Strict
    // comparisons keep a lane's first point among equals.
    let mut max_err = [0.0f64; LANES];
    let mut err_at = [0usize; LANES];
    let (mut ratio_e, mut ratio_t) = ([0.0f64; LANES], [1.0f64; LANES]);
    let mut ratio_at = [0usize; LANES];
    let (mut rel_e, mut rel_t) = ([0.0f64; LANES], [1.0f64; LANES]);
    // Four counts per lane packed in one u64, 16 bits each (compared, non-finite, failed,
    // loose), emptied into `cnt` before any can overflow: one accumulator instead of four
    // keeps the loop's state in registers.
    let mut packed = [0u64; LANES];
    let mut cnt = [0u64; 4];
    let mut unpack = |packed: &mut [u64; LANES]| {
        for p in packed.iter_mut() {
            for (k, c) in cnt.iter_mut().enumerate() {
                *c += (*p >> (16 * k)) & 0xffff;
            }
            *p = 0;
        }
    };
    let whole = n / LANES * LANES;
    // One step of a lane (a macro, not a closure: a closure holding the accumulators by
    // reference kept them in memory, and masked stores then stalled the loads).
    macro_rules! step {
        ($l:expr, $i:expr, $gv:expr, $wv:expr, $b:expr, $sc:expr) => {{
            let (l, i) = ($l, $i);
            let (err, rd, wd, both, gf, fail, loose) = point($gv, $wv, $b, $sc, lim);
            let better = err > max_err[l];
            max_err[l] = if better { err } else { max_err[l] };
            err_at[l] = if better { i } else { err_at[l] };
            // err/rd with rd = ∞ is 0: it never beats a pair.
            let better = rd.is_finite() & (err * ratio_t[l] > ratio_e[l] * rd);
            ratio_e[l] = if better { err } else { ratio_e[l] };
            ratio_t[l] = if better { rd } else { ratio_t[l] };
            ratio_at[l] = if better { i } else { ratio_at[l] };
            let better = wd.is_finite() & (err * rel_t[l] > rel_e[l] * wd);
            rel_e[l] = if better { err } else { rel_e[l] };
            rel_t[l] = if better { wd } else { rel_t[l] };
            packed[l] += both as u64
                | (!gf as u64) << 16
                | (fail as u64) << 32
                | ((both & !fail & loose) as u64) << 48;
        }};
    }
    for (k, c) in (0..whole).step_by(LANES).enumerate() {
        let gc: [T; LANES] = lanes_at(g, c);
        let [wc, bc, sc]: [[f64; LANES]; 3] =
            [lanes_at(want, c), lanes_at(bound, c), lanes_at(scale, c)];
        for l in 0..LANES {
            step!(l, c + l, gc[l].to_f64(), wc[l], bc[l], sc[l]);
        }
        if k % 0xffff == 0xfffe {
            unpack(&mut packed);
        }
    }
    unpack(&mut packed);
    for i in whole..n {
        step!(0, i, g[i].to_f64(), want[i], bound[i], scale[i]);
    }
    unpack(&mut packed);
    let (max_err, max_err_at) = first_max(max_err, err_at);
    let max_rel = first_max_ratio(rel_e, rel_t, [0; LANES]).0;
    let (max_ratio, max_ratio_at) = first_max_ratio(ratio_e, ratio_t, ratio_at);
    Sums {
        max_err,
        max_err_at,
        max_rel,
        max_ratio,
        max_ratio_at,
        compared: cnt[0],
        nonfinite: cnt[1],
        fails: cnt[2],
        ill: cnt[3],
    }
}

/// The largest of the lanes' ratios `e/t` (at least 0) and the first point that has it, with
/// one division: lanes are compared by cross-multiplication, as in the loop.
fn first_max_ratio(e: [f64; LANES], t: [f64; LANES], at: [usize; LANES]) -> (f64, usize) {
    let mut best = (0.0, 1.0, usize::MAX);
    for l in 0..LANES {
        let (x, y) = (e[l] * best.1, best.0 * t[l]);
        if x > y || (x == y && at[l] < best.2 && e[l] > 0.0) {
            best = (e[l], t[l], at[l]);
        }
    }
    (
        best.0 / best.1,
        if best.2 == usize::MAX { 0 } else { best.2 },
    )
}

/// The largest of the lanes' maxima (at least 0) and the first point that has it.
fn first_max(v: [f64; LANES], at: [usize; LANES]) -> (f64, usize) {
    let mut best = (0.0, usize::MAX);
    for (v, at) in v.into_iter().zip(at) {
        if v > best.0 || (v == best.0 && at < best.1) {
            best = (v, at);
        }
    }
    (best.0, if best.1 == usize::MAX { 0 } else { best.1 })
}

/// The constants of a division-free test for whether a point may beat a known maximum ratio
/// `k` of `e/t` (t > 0): the rounded quotient exceeds `k` only if the exact one reaches the
/// midpoint between `k` and the next float, that is `e − t·k ≥ t·half`; rounding is
/// monotone, so `d = fma(−t, k, e) ≥ t·half` (rounded) is then true as well, and a run
/// where it never is cannot change the maximum. The test is the sign of `r = d − t·half`
/// (a subtraction's sign is exact): `r ≥ 0`, or for `k` = 0 (`half` = 0, `r` = `e`) `r > 0`.
/// Being a threshold on `r`, it holds for a run exactly when it holds for the run's largest
/// `r`, so a lean pass keeps only that maximum ([`BeatTest::beats`]). For `k` = ∞ nothing
/// beats. `None` where only the full pass can tell (`k` near the largest float).
#[derive(Clone, Copy)]
struct BeatTest {
    k: f64,
    /// Half an ulp of `k` (0 for `k` = 0).
    half: f64,
    /// `k` = 0: beating needs `r > 0`.
    strict: bool,
    /// `k` = ∞: nothing beats.
    never: bool,
}

impl BeatTest {
    fn new(k: f64) -> Option<BeatTest> {
        let test = |k: f64, half: f64| BeatTest {
            k,
            half,
            strict: k == 0.0,
            never: k == f64::INFINITY,
        };
        if k == 0.0 || k == f64::INFINITY {
            Some(test(k, 0.0))
        } else if k > 0.0 && k < f64::MAX / 4.0 {
            Some(test(k, (k.next_up() - k) * 0.5))
        } else {
            None
        }
    }

    /// The quantity whose sign decides ([`BeatTest::beats`]) for the point `e/t`.
    #[inline(always)]
    fn margin(self, e: f64, t: f64) -> f64 {
        (-t).mul_add(self.k, e) - t * self.half
    }

    /// Whether a point whose largest [`BeatTest::margin`] is `r` may beat `k` (NaN: it may).
    /// Without branches (`r ≥ 0` as `r > 0` or, unless strict, `r = 0`), so that the loops
    /// calling it per point vectorise.
    #[inline(always)]
    fn beats(self, r: f64) -> bool {
        !self.never & (r.is_nan() | (r > 0.0) | (!self.strict & (r == 0.0)))
    }

    /// Whether `e/t` may exceed `k`.
    #[inline(always)]
    fn may(self, e: f64, t: f64) -> bool {
        self.beats(self.margin(e, t))
    }
}

/// Per-lane accumulators of a lean pass: the largest bits of `e + t` (at or above ∞'s where
/// either is non-finite or negative), the largest error, the largest margins ([`BeatTest::margin`]) of the
/// ratio and the relative error, the failures and the loose tolerances. Maxima and counts
/// only, held in vector registers: a NaN margin is passed over by the maximum (its point is
/// non-finite, which the bits catch).
struct Lean {
    bits: [u64; LEAN_LANES],
    err: [f64; LEAN_LANES],
    ratio: [f64; LEAN_LANES],
    rel: [f64; LEAN_LANES],
    fails: [u64; LEAN_LANES],
    ill: [u64; LEAN_LANES],
}

/// Lanes of a lean pass: one 512-bit register of f64 per accumulator.
const LEAN_LANES: usize = 8;

/// `v[c .. c + N]` as an array (one bounds check a chunk, none a lane).
#[inline(always)]
fn lanes_at<T: Copy, const N: usize>(v: &[T], c: usize) -> [T; N] {
    v[c..c + N].try_into().expect("a whole chunk")
}

impl Lean {
    fn new() -> Lean {
        Lean {
            bits: [0; LEAN_LANES],
            err: [0.0; LEAN_LANES],
            ratio: [f64::NEG_INFINITY; LEAN_LANES],
            rel: [f64::NEG_INFINITY; LEAN_LANES],
            fails: [0; LEAN_LANES],
            ill: [0; LEAN_LANES],
        }
    }

    /// Whether the run may change the quantity's maxima or holds a non-finite value or
    /// tolerance (then the full pass decides), and whether it may set a new largest relative
    /// error.
    fn verdict(&self, known: Known, ratio: BeatTest, rel: BeatTest) -> (bool, bool) {
        let top = |v: &[f64; LEAN_LANES]| v.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x));
        let bits = self.bits.iter().max().copied().unwrap_or(0);
        let odd = bits >= f64::INFINITY.to_bits()
            || top(&self.err) > known.err
            || ratio.beats(top(&self.ratio));
        (odd, rel.beats(top(&self.rel)))
    }
}

/// The larger of `x` and `m`, `m` where `x` is NaN (one vector max instruction).
#[inline(always)]
fn keep_max(m: f64, x: f64) -> f64 {
    if x > m { x } else { m }
}

/// The lean pass of [`compare_block`] for a judged quantity: `Some` with the run's counts (and
/// maxima 0: none beats the [`Known`] ones, which is all `compare_block` keeps) when no
/// value or tolerance is non-finite and no point may beat a known maximum; `None` sends the run
/// to [`compare_sums`]. Its tests err towards `None` ([`BeatTest`]), so the result is the one
/// the full pass would give.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn quick_sums<T: Real>(
    g: &[T],
    want: &[f64],
    bound: &[f64],
    scale: Option<&[f64]>,
    lim: Limits,
    known: Known,
) -> Option<Sums> {
    // While no point has failed (the known largest err/tol is below 1), a failing point
    // beats it, so a run the lean pass clears has no failure and need not count them.
    let n = g.len();
    let (want, bound) = (&want[..n], &bound[..n]);
    let v = match (scale, known.ratio < 1.0) {
        (Some(s), true) => {
            lean_pass::<T, _, true, false>(g, InMemory(want, bound, &s[..n]), lim, known)
        }
        (Some(s), false) => {
            lean_pass::<T, _, true, true>(g, InMemory(want, bound, &s[..n]), lim, known)
        }
        (None, true) => lean_pass::<T, _, false, false>(g, InMemory(want, bound, want), lim, known),
        (None, false) => lean_pass::<T, _, false, true>(g, InMemory(want, bound, want), lim, known),
    };
    // Not `map` with a closure: a closure is not compiled for the caller's targets.
    Some(lean_sums(g, want, v?, known))
}

/// The lean pass of [`compare_block`] for f where the reference left it undone, a block plus
/// a scalar ([`reference::Reference::added_f`]): each point's value and bound computed as the
/// pass reads them, bit for bit those [`reference::Reference::materialize`] would store, so
/// the result is that of [`quick_sums`]. `None` also where a point may set a new largest relative
/// error (found from stored values). Compiled for AVX-512 and AVX2 too.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn quick_added<T: Real>(
    g: &[T],
    f: AddScalar<'_>,
    basic: f64,
    lim: Limits,
    known: Known,
) -> Option<Cleared> {
    let n = g.len();
    let (v, e) = (&f.v[..n], &f.e[..n]);
    let src = Added(AddScalar { v, e, ..f }, basic);
    let cleared = if known.ratio < 1.0 {
        lean_pass::<T, _, false, false>(g, src, lim, known)
    } else {
        lean_pass::<T, _, false, true>(g, src, lim, known)
    };
    match cleared {
        Some(c) if !c.odd_rel => Some(c),
        _ => None,
    }
}

/// The reference of a run for a lean pass ([`lean_pass`]): each point's value, bound and
/// scale (the value itself where the quantity has no scale of its own), in memory
/// ([`InMemory`]) or computed as the pass reads them ([`Added`]).
trait RefLanes {
    /// Points `c .. c + LEAN_LANES`: values, bounds, scales.
    fn lanes(&mut self, c: usize) -> [[f64; LEAN_LANES]; 3];
    /// Point `i` (a run's last few).
    fn at(&mut self, i: usize) -> (f64, f64, f64);
}

/// A reference in memory: values, bounds and scales, as long as the run.
struct InMemory<'a>(&'a [f64], &'a [f64], &'a [f64]);

impl RefLanes for InMemory<'_> {
    #[inline(always)]
    fn lanes(&mut self, c: usize) -> [[f64; LEAN_LANES]; 3] {
        [
            lanes_at(self.0, c),
            lanes_at(self.1, c),
            lanes_at(self.2, c),
        ]
    }
    #[inline(always)]
    fn at(&mut self, i: usize) -> (f64, f64, f64) {
        (self.0[i], self.1[i], self.2[i])
    }
}

/// A reference left undone, a block plus a scalar, and the model's rounding of an addition:
/// values and bounds computed as [`AddScalar::at`] computes them (the scale is the value).
struct Added<'a>(AddScalar<'a>, f64);

impl RefLanes for Added<'_> {
    #[inline(always)]
    fn lanes(&mut self, c: usize) -> [[f64; LEAN_LANES]; 3] {
        let (v, e): ([f64; LEAN_LANES], [f64; LEAN_LANES]) =
            (lanes_at(self.0.v, c), lanes_at(self.0.e, c));
        let (mut w, mut b) = ([0.0; LEAN_LANES], [0.0; LEAN_LANES]);
        for l in 0..LEAN_LANES {
            (w[l], b[l]) = self.0.of(v[l], e[l], self.1);
        }
        [w, b, w]
    }
    #[inline(always)]
    fn at(&mut self, i: usize) -> (f64, f64, f64) {
        let (w, b) = self.0.at(i, self.1);
        (w, b, w)
    }
}

/// The comparison of a judged finite difference that the reference left undone, its
/// stencil's terms each a block plus a scalar whose blocks are read from a column cache
/// ([`Reference::bands`]): `Some` where it proves that the run compares as a lean pass
/// ([`quick_sums`]) that clears it with no failure and no ill-conditioned point would — the
/// caller then counts its points and nothing else changes — with the number of chunks
/// cleared without their quotients (below), and `None` where it cannot (the run is then
/// compared from the stencil written out, the same answer either way).
///
/// A point's bound and scale, which the lean pass needs only through the point's tolerance
/// and its looseness, are not computed: chunks of [`CHUNK`] columns take bounds on them
/// instead ([`AddedStencil::chunk_bounds`], from extremes of the blocks computed once for
/// the grid). A chunk decides where the largest bound is not loose against the smallest
/// scale (so no point is ill-conditioned) and gives a threshold `θ` on the error: below
/// the smallest tolerance times min(the known worst ratio, 1) less 2^-50 of it — every
/// margin of the point's ratio is then negative, and it neither beats the worst ratio nor
/// fails (both tests are monotone in the tolerance) — and at most the known largest error.
///
/// Nor, where `θ` leaves room, is its quotient: the stencil's combination of its blocks at
/// each column (`diffs`, [`Diffs`], once for the grid) plus the row's part is within a known
/// `δ` of it, so a point whose engine value is within θ − 2δ of that combination, and
/// whose relative error against it is clearly below the known largest, is proven
/// ([`near_chunk`]). In float32 δ is about 2^-29 of θ and nearly every chunk clears so;
/// in float64 it is of θ's size and the chunks go on to the next step. There, each point's
/// quotient is computed as the reference computes it (the same bits), and so its error
/// and relative error, tested as the lean pass tests them ([`quotient_stretch`]). The
/// tolerance's per-point arithmetic, and in float32 the quotient's, are so done once a
/// chunk. Compiled for AVX-512 and AVX2 too.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[allow(clippy::too_many_arguments)]
fn banded_stencil<T: Real, const N: usize>(
    g: &[T],
    st: AddedStencil<'_, N>,
    bands: &[Bands],
    diffs: Option<&Diffs>,
    first: usize,
    lim: Limits,
    known: Known,
    th: &mut [f64],
) -> Option<(u64, u64)> {
    let n = g.len();
    let rel = BeatTest::new(known.rel)?;
    if n == 0 || bands.len() != N {
        return None;
    }
    // Thresholds, chunk by chunk.
    let k = if known.ratio < 1.0 { known.ratio } else { 1.0 };
    let j0 = first / CHUNK;
    let m = (first + n - 1) / CHUNK - j0 + 1;
    let mut qe_lo = [0.0; MAX_CHUNKS];
    let mut qe_hi = [0.0; MAX_CHUNKS];
    let mut qs_lo = [0.0; MAX_CHUNKS];
    st.chunk_bounds(bands, j0, m, &mut qe_lo, &mut qe_hi, &mut qs_lo);
    let mut theta = [0.0; MAX_CHUNKS];
    let mut decided = true;
    let (tiny, below_one) = (2f64.powi(-900), 1.0 - 2f64.powi(-49));
    for j in 0..m {
        let tol = SAFETY * qe_lo[j] + lim.floor;
        let kt = k * tol;
        // kt·(1 − 2^-49) rounded is at most kt·(1 − 2^-50); from 2^-900 up, err − kt is
        // then negative and stays so when rounded. With no known ratio yet (k = 0, a strict
        // test) only an exact value passes; otherwise below 2^-900 nothing is let through.
        let tau = match (kt >= tiny, k == 0.0) {
            (true, _) => kt * below_one,
            (false, true) => 0.0,
            (false, false) => -1.0,
        };
        theta[j] = if tau < known.err { tau } else { known.err };
        decided &= qe_hi[j] <= lim.eps_ill * qs_lo[j];
    }
    if !decided {
        return None;
    }
    // The points, chunk by chunk: first against the stencil's combination of its blocks
    // (`diffs`, no quotient computed) where the chunk's threshold leaves room for that
    // combination's distance from the quotient; then, where that does not clear every point
    // of the chunk, each point's own quotient. Both loops' only state is an or of flags (so
    // that they vectorise).
    let near = match diffs {
        Some(d) if d.a.len() >= first + n && d.s_hi.len() >= j0 + m => st.row().map(|r| (d, r)),
        _ => None,
    };
    let (down, dabs) = (1.0 - 2f64.powi(-40), st.den_abs());
    let qs = st.quotients(n);
    let g = &g[..n];
    // The points of chunk j: a..b of the run.
    let span = |j: usize| {
        let a = ((j0 + j) * CHUNK).max(first) - first;
        (a, ((j0 + j + 1) * CHUNK).min(first + n) - first)
    };
    let mut cleared = [false; MAX_CHUNKS];
    let mut cleared_near = 0;
    if let Some((d, (sign, tr, tau))) = near {
        // δ of each chunk: at least the distance of `sign·a + T/den` and of the quotient
        // from the exact one ([`reference::Diffs`]); the room θ − 2δ it leaves.
        let mut delta = [0.0; MAX_CHUNKS];
        let mut room = [0.0; MAX_CHUNKS];
        let s_hi = &d.s_hi[j0..j0 + m];
        for j in 0..m {
            delta[j] = Diffs::delta(s_hi[j], N, tau, dabs);
            room[j] = theta[j] - 2.0 * delta[j];
        }
        for j in 0..m {
            if room[j] > 0.0 {
                let (a, b) = span(j);
                let c = 2.0 * (1.0 + rel.k) * delta[j] + 2f64.powi(-800);
                let cols = &d.a[first + a..first + b];
                let t2 = room[j] * down;
                cleared[j] = near_chunk(&g[a..b], cols, sign, tr, t2, rel.k * down, c);
                cleared_near += cleared[j] as u64;
            }
        }
    }
    // The rest, each stretch of chunks not cleared so in one loop: each point's chunk's
    // threshold into `th` (a full chunk by one copy), then every point's quotient.
    let th = &mut th[..n];
    let mut j = 0;
    while j < m {
        if cleared[j] {
            j += 1;
            continue;
        }
        let j1 = (j..m).find(|&k| cleared[k]).unwrap_or(m);
        for (k, &t) in theta[..j1].iter().enumerate().skip(j) {
            let (a, b) = span(k);
            match th.get_mut(a..a + CHUNK) {
                Some(c) if b - a == CHUNK => c.copy_from_slice(&[t; CHUNK]),
                _ => th[a..b].fill(t),
            }
        }
        let (a, b) = (span(j).0, span(j1 - 1).1);
        let mut v = [&[][..]; N];
        for (vk, qk) in v.iter_mut().zip(qs.v) {
            *vk = &qk[a..b];
        }
        if !quotient_stretch(&g[a..b], &qs, v, rel, &th[a..b]) {
            return None;
        }
        j = j1;
    }
    Some((cleared_near, m as u64))
}

/// Whether every point `i` of a chunk, its engine value `g[i]` and the stencil's
/// combination of blocks `a[i]` ([`reference::Diffs`]), is clear of the thresholds of
/// [`banded_stencil`] with room for `δ` (the combination's and the quotient's distances from
/// the exact quotient): `err` = |g − d| rounded, `d = sign·a + T/den` (`tr`), within `t2` ≤
/// (θ − 2δ)(1 − 2^-40), and below `kr·|d| − c`, `kr` = k(1 − 2^-40) and `c` ≥
/// 2(1 + k)δ + 2^-800 for the known relative error `k`. Then the error against the
/// quotient, rounded, is at most θ (a few roundings of (1 + 2^-53) against 2^-40), and
/// below k(1 − 2^-50) times its magnitude, with the product above 2^-802: the relative
/// error's margin is negative and normal, so it does not beat `k`.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn near_chunk<T: Real>(g: &[T], a: &[f64], sign: f64, tr: f64, t2: f64, kr: f64, c: f64) -> bool {
    let mut flags = 0u64;
    for (gi, &ai) in g.iter().zip(a) {
        let d = sign * ai + tr;
        let err = (gi.to_f64() - d).abs();
        let r = kr.mul_add(d.abs(), -c);
        // (NaN fails both.)
        flags |= (!(err <= t2) | !(err < r)) as u64;
    }
    flags == 0
}

/// Whether every point of a stretch of chunks, its engine value `g[i]` and its terms'
/// blocks `v`, is within its threshold `th[i]` of its quotient (computed as the reference
/// computes it) and no relative-error margin beats (the lean pass's test).
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn quotient_stretch<T: Real, const N: usize>(
    g: &[T],
    qs: &reference::Quotients<'_, N>,
    v: [&[f64]; N],
    rel: BeatTest,
    th: &[f64],
) -> bool {
    let n = g.len();
    let th = &th[..n];
    // (Each block as long as the run, so that the loop has no bounds checks; a loop, not
    // `map` with a closure, which is not compiled for the caller's targets.)
    let mut v = v;
    for vk in v.iter_mut() {
        *vk = &vk[..n];
    }
    let mut flags = 0u64;
    for (i, gi) in g.iter().enumerate() {
        let mut vi = [0.0; N];
        for k in 0..N {
            vi[k] = v[k][i];
        }
        let q = qs.of(vi);
        let err = (gi.to_f64() - q).abs();
        let wa = q.abs();
        let beats = rel.beats(rel.margin(err, wa));
        // (An error not within its threshold, NaN included.)
        let bad = !(err <= th[i]) | ((wa > 0.0) & beats);
        flags |= bad as u64;
    }
    flags == 0
}

/// What a lean pass that cleared its run found: its failures and ill-conditioned points,
/// and whether some point may set a new largest relative error.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Cleared {
    fails: u64,
    ill: u64,
    odd_rel: bool,
}

/// The loop of [`quick_sums`]: with `OWN_SCALE` the tolerance's scale is `scale`, else
/// `|want|`; with `FAILS`, failures are counted (else the known ratio is below 1 and any
/// failure sends the run to the full pass).
#[inline(always)]
fn lean_pass<T: Real, R: RefLanes, const OWN_SCALE: bool, const FAILS: bool>(
    g: &[T],
    mut r: R,
    lim: Limits,
    known: Known,
) -> Option<Cleared> {
    let n = g.len();
    let (ratio, rel) = (BeatTest::new(known.ratio)?, BeatTest::new(known.rel)?);
    let mut a = Lean::new();
    // The arithmetic of `point` for finite values (anything else goes to the full pass), in
    // maxima and counts, which the compiler vectorises by itself. Calling `point` itself,
    // with its selects for the non-finite cases, made an earlier form of this loop a quarter
    // slower (perf, loss 2048² f32: 15 % of the run against 18.5 %); the test
    // `the_lean_pass_agrees_with_the_full_one` holds the two to the same answers.
    // One step of a lane (a macro, not a closure: see `compare_sums`).
    macro_rules! step {
        ($l:expr, $gv:expr, $wv:expr, $b:expr, $sc:expr) => {{
            let (l, gv, wv, b, sc) = ($l, $gv, $wv, $b, $sc);
            let err = (gv - wv).abs();
            let tol = SAFETY * b + lim.floor;
            let wa = wv.abs();
            // err + tol is not negative unless a bound is (or it is a NaN with its sign
            // set): either way its bits sit at or above ∞'s, and the run goes to the full
            // pass.
            a.bits[l] = a.bits[l].max((err + tol).to_bits());
            a.err[l] = keep_max(a.err[l], err);
            a.ratio[l] = keep_max(a.ratio[l], ratio.margin(err, tol));
            let rel_margin = if wa > 0.0 {
                rel.margin(err, wa)
            } else {
                f64::NEG_INFINITY
            };
            a.rel[l] = keep_max(a.rel[l], rel_margin);
            let sa = if OWN_SCALE { sc.abs() } else { wa };
            let loose = b > lim.eps_ill * sa;
            if FAILS {
                let fail = err > tol;
                a.fails[l] += fail as u64;
                a.ill[l] += (!fail & loose) as u64;
            } else {
                a.ill[l] += loose as u64;
            }
        }};
    }
    let whole = n / LEAN_LANES * LEAN_LANES;
    for c in (0..whole).step_by(LEAN_LANES) {
        let gc: [T; LEAN_LANES] = lanes_at(g, c);
        let [wc, bc, sc] = r.lanes(c);
        for l in 0..LEAN_LANES {
            step!(l, gc[l].to_f64(), wc[l], bc[l], sc[l]);
        }
    }
    for (i, gv) in g.iter().enumerate().skip(whole) {
        let (wv, b, sc) = r.at(i);
        step!(0, gv.to_f64(), wv, b, sc);
    }
    let (odd, odd_rel) = a.verdict(known, ratio, rel);
    let (fails, ill) = (a.fails.iter().sum(), a.ill.iter().sum());
    // Not `then` with a closure: a closure is not compiled for the caller's targets.
    if odd {
        None
    } else {
        Some(Cleared {
            fails,
            ill,
            odd_rel,
        })
    }
}

/// The sums of a run the lean pass cleared (`v`): all `g.len()` points compared, the
/// counts, and a new largest relative error where some point may set one.
#[inline(always)]
fn lean_sums<T: Real>(g: &[T], want: &[f64], v: Cleared, known: Known) -> Sums {
    let max_rel = match BeatTest::new(known.rel) {
        Some(rel) if v.odd_rel => new_max_rel(g, want, rel),
        _ => 0.0,
    };
    Sums {
        compared: g.len() as u64,
        fails: v.fails,
        ill: v.ill,
        max_rel,
        ..Sums::default()
    }
}

/// The largest relative error `|g − w| / |w|` of a run where some point may beat the known
/// one (`rel`), or 0 where none does: quotients kept only at the points [`BeatTest`] lets
/// through (the largest relative error has no place to keep, so no full pass is needed).
///
/// In lanes, every lane dividing (a division only where a point may beat kept the loop
/// scalar: a quarter of the lean comparisons' time on a checked sin run, where a run sets a
/// new largest relative error every few dozen runs); the largest quotient is the same
/// whichever order the maxima are taken in. Inlined into the lean passes, so compiled for
/// their targets.
#[inline(always)]
fn new_max_rel<T: Real>(g: &[T], want: &[f64], rel: BeatTest) -> f64 {
    let n = g.len();
    let want = &want[..n];
    let mut best = [0.0f64; LEAN_LANES];
    // Candidates only: (err/|w|) where |w| > 0 and the point may beat k. Elsewhere the
    // quotient (perhaps ∞ or NaN) is computed and not kept.
    macro_rules! step {
        ($l:expr, $gv:expr, $wv:expr) => {{
            let (l, gv, wv): (usize, f64, f64) = ($l, $gv, $wv);
            let (err, wa) = ((gv - wv).abs(), wv.abs());
            let q = err / wa;
            let keep = (wa > 0.0) & rel.may(err, wa) & (q > best[l]);
            best[l] = if keep { q } else { best[l] };
        }};
    }
    let whole = n / LEAN_LANES * LEAN_LANES;
    for c in (0..whole).step_by(LEAN_LANES) {
        let gc: [T; LEAN_LANES] = lanes_at(g, c);
        let wc: [f64; LEAN_LANES] = lanes_at(want, c);
        for l in 0..LEAN_LANES {
            step!(l, gc[l].to_f64(), wc[l]);
        }
    }
    for i in whole..n {
        step!(0, g[i].to_f64(), want[i]);
    }
    let best = best.iter().fold(0.0f64, |m, &q| m.max(q));
    if best > rel.k { best } else { 0.0 }
}

/// The lean pass of [`compare_block`] for a reported quantity, as [`quick_sums`] is for a
/// judged one.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn quick_report<T: Real>(g: &[T], want: &[f64], known: Known) -> Option<Sums> {
    let n = g.len();
    let want = &want[..n];
    let rel = BeatTest::new(known.rel)?;
    let ke = known.err;
    let (mut odd, mut odd_rel) = (false, false);
    for i in 0..n {
        let (gv, wv) = (g[i].to_f64(), want[i]);
        let err = (gv - wv).abs();
        let wa = wv.abs();
        odd |= !err.is_finite() | (err > ke);
        odd_rel |= (wa > 0.0) & rel.may(err, wa);
    }
    if odd {
        None
    } else {
        let v = Cleared {
            fails: 0,
            ill: 0,
            odd_rel,
        };
        Some(lean_sums(g, want, v, known))
    }
}

/// [`compare_block`] for a reference constant over the run (value `w`, bound `b`, scale
/// `|w|`) where [`quick_const`] decides it: the counts and the largest relative error into
/// `s` (no maximum changes, as from a lean pass). Returns whether it decided the run (else `s`
/// is untouched and the run goes point by point).
fn const_block<T: Real>(
    g: &[T],
    w: f64,
    b: f64,
    judged: bool,
    lim: Limits,
    s: &mut FieldStats,
) -> bool {
    let known = Known {
        err: s.max_abs,
        rel: s.max_rel,
        ratio: s.worst_ratio,
    };
    let Some(sums) = quick_const(g, w, b, judged, lim, known) else {
        return false;
    };
    s.compared += sums.compared;
    s.max_rel = s.max_rel.max(sums.max_rel);
    if judged {
        s.failures += sums.fails;
        s.ill_conditioned += sums.ill;
    }
    true
}

/// The lean pass ([`quick_sums`] for a judged quantity, [`quick_report`] for a reported one)
/// against a reference constant over the run, from the engine values' extremes: every
/// per-point quantity the lean passes keep a maximum of — the error `|g − w|` rounded, the
/// margins of its ratio to the tolerance and to `|w|`, the quotient `err/|w|` — is a
/// monotone function of the error, which is largest at the smallest or the largest value,
/// so the maxima are those of the extremes, bit for bit. The tolerance and its looseness are
/// the same at every point. `None` (the run goes point by point) where a value is not finite,
/// where the tolerance is not finite or negative, where a lean pass would not decide, and
/// where some point fails (counting failures needs every point).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn quick_const<T: Real>(
    g: &[T],
    w: f64,
    b: f64,
    judged: bool,
    lim: Limits,
    known: Known,
) -> Option<Sums> {
    let (lo, hi, bad) = chunk_extremes(g);
    if bad || g.is_empty() {
        return None;
    }
    let err = (lo - w).abs().max((hi - w).abs());
    let wa = w.abs();
    let rel = BeatTest::new(known.rel)?;
    // Whether the largest error may set a new largest relative error (as a lean pass's
    // margins tell it).
    let odd_rel = wa > 0.0 && rel.may(err, wa);
    let mut ill = 0;
    if judged {
        let ratio = BeatTest::new(known.ratio)?;
        let tol = SAFETY * b + lim.floor;
        let odd = tol.is_nan()
            || tol < 0.0
            || (err + tol).to_bits() >= f64::INFINITY.to_bits()
            || err > known.err
            || ratio.beats(ratio.margin(err, tol))
            || err > tol;
        if odd {
            return None;
        }
        // No point fails (the largest error is within the tolerance).
        if b > lim.eps_ill * wa {
            ill = g.len() as u64;
        }
    } else if !err.is_finite() || err > known.err {
        return None;
    }
    // `new_max_rel` at the largest error (the point with the largest quotient; `k` ≥ 0).
    let q = err / wa;
    let max_rel = if odd_rel && q > rel.k { q } else { 0.0 };
    Some(Sums {
        compared: g.len() as u64,
        fails: 0,
        ill,
        max_rel,
        ..Sums::default()
    })
}

/// The sums of a reported (unjudged) comparison: errors only, no tolerance.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn report_sums<T: Real>(g: &[T], want: &[f64]) -> Sums {
    let n = g.len();
    let mut max_err = [0.0f64; LANES];
    let mut err_at = [0usize; LANES];
    let (mut rel_e, mut rel_t) = ([0.0f64; LANES], [1.0f64; LANES]);
    let mut cnt = [[0u64; LANES]; 2];
    let whole = n / LANES * LANES;
    macro_rules! step {
        ($l:expr, $i:expr, $gv:expr, $wv:expr) => {{
            let (l, i, gv, wv) = ($l, $i, $gv, $wv);
            let (gf, wf) = (gv.is_finite(), wv.is_finite());
            let both = gf & wf;
            let err = if both { (gv - wv).abs() } else { 0.0 };
            let better = err > max_err[l];
            max_err[l] = if better { err } else { max_err[l] };
            err_at[l] = if better { i } else { err_at[l] };
            let wd = if both & (wv != 0.0) {
                wv.abs()
            } else {
                f64::INFINITY
            };
            let better = wd.is_finite() & (err * rel_t[l] > rel_e[l] * wd);
            rel_e[l] = if better { err } else { rel_e[l] };
            rel_t[l] = if better { wd } else { rel_t[l] };
            cnt[0][l] += both as u64;
            cnt[1][l] += !gf as u64;
        }};
    }
    for c in (0..whole).step_by(LANES) {
        let gc: [T; LANES] = lanes_at(g, c);
        let wc: [f64; LANES] = lanes_at(want, c);
        for l in 0..LANES {
            step!(l, c + l, gc[l].to_f64(), wc[l]);
        }
    }
    for i in whole..n {
        step!(0, i, g[i].to_f64(), want[i]);
    }
    let (max_err, max_err_at) = first_max(max_err, err_at);
    let max_rel = first_max_ratio(rel_e, rel_t, [0; LANES]).0;
    Sums {
        max_err,
        max_err_at,
        max_rel,
        compared: cnt[0].iter().sum(),
        nonfinite: cnt[1].iter().sum(),
        ..Sums::default()
    }
}

/// Points per run (the block interpreter's block).
const BLOCK_F64: usize = crate::cpu::block::BLOCK;

/// A run of points of one row: contiguous, or picked (a sample).
pub(crate) enum Run {
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

/// Each field's extremes: the index of its smallest and of its largest finite value (the
/// first, where several are equal), and whether any value is not finite. One parallel pass
/// over chunks of every field finds each chunk's extremes lane-wise (it vectorises); then
/// each extreme is looked for in the one (small) chunk that holds it. A sampled check runs
/// this for every tile, so serial steps count: one pass per field and a scan of a 16 K chunk
/// for each extreme were part of why, on the H200's 16-core host, a sampled check of 2^28
/// points took 339 ms against 367 for the full one (189 against 376 after this and the
/// merge in [`sample_runs`], with smaller tiles).
fn extremes<T: Real>(values: &[&[T]]) -> Vec<Extremes> {
    const CHUNK: usize = 1 << 12;
    let len = values.iter().map(|v| v.len()).max().unwrap_or(0);
    let chunk = |v: &[T], c: usize| {
        let lo = (c * CHUNK).min(v.len());
        (lo, ((c + 1) * CHUNK).min(v.len()))
    };
    let parts: Vec<Vec<(f64, f64, bool)>> = (0..len.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            values
                .iter()
                .map(|v| {
                    let (lo, hi) = chunk(v, c);
                    chunk_extremes(&v[lo..hi])
                })
                .collect()
        })
        .collect();
    values
        .iter()
        .enumerate()
        .map(|(f, v)| {
            // The first chunk with the smallest (largest) value holds its first index.
            let (mut lo, mut hi, mut nonfinite) = (None, None, false);
            for (c, part) in parts.iter().enumerate() {
                let (l, h, bad) = part[f];
                if l.is_finite() && lo.is_none_or(|(m, _)| l < m) {
                    lo = Some((l, c));
                }
                if h.is_finite() && hi.is_none_or(|(m, _)| h > m) {
                    hi = Some((h, c));
                }
                nonfinite |= bad;
            }
            let find = |(m, c): (f64, usize)| {
                let (a, b) = chunk(v, c);
                v[a..b]
                    .iter()
                    .position(|x| x.to_f64() == m)
                    .map(|i| (m, a + i))
            };
            Extremes {
                lo: lo.and_then(find),
                hi: hi.and_then(find),
                nonfinite,
            }
        })
        .collect()
}

/// A field's smallest and largest finite values with their first indices, and whether any
/// value is not finite.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Extremes {
    lo: Option<(f64, usize)>,
    hi: Option<(f64, usize)>,
    nonfinite: bool,
}

/// The smallest and largest finite values of a chunk (±infinity where it has none), and
/// whether any is not finite.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn chunk_extremes<T: Real>(v: &[T]) -> (f64, f64, bool) {
    // Compared in `T` (sixteen lanes of f32 per register in a float32 run), widened at the
    // end: widening keeps the order, so the extremes are the same.
    let (inf, ninf) = (T::from_f64(f64::INFINITY), T::from_f64(f64::NEG_INFINITY));
    let (mut lo, mut hi) = ([inf; LANES], [ninf; LANES]);
    let mut bad = [false; LANES];
    let whole = v.len() / LANES * LANES;
    for c in (0..whole).step_by(LANES) {
        let chunk: [T; LANES] = lanes_at(v, c);
        for l in 0..LANES {
            let x = chunk[l];
            let f = x.is_finite();
            bad[l] |= !f;
            lo[l] = if f & (x < lo[l]) { x } else { lo[l] };
            hi[l] = if f & (x > hi[l]) { x } else { hi[l] };
        }
    }
    for &x in &v[whole..] {
        let f = x.is_finite();
        bad[0] |= !f;
        lo[0] = if f & (x < lo[0]) { x } else { lo[0] };
        hi[0] = if f & (x > hi[0]) { x } else { hi[0] };
    }
    (
        lo.iter().map(|x| x.to_f64()).fold(f64::INFINITY, f64::min),
        hi.iter()
            .map(|x| x.to_f64())
            .fold(f64::NEG_INFINITY, f64::max),
        bad.iter().any(|&b| b),
    )
}

/// The sampled points of a tile: every `every`-th linear index, each field's smallest and
/// largest finite value, and every non-finite value; as picked runs within rows.
fn sample_runs<T: Real>(grid: &Grid, tile: &TileView<'_, T>, every: usize) -> Vec<Run> {
    // The stride's points are in order already; the few others (extremes, non-finite values)
    // are sorted on their own and merged in, instead of sorting every index (a serial step
    // per tile, ~1.6 % of a sampled run's CPU time on two cores; more of it on 16).
    let stride = (tile.start.next_multiple_of(every)..tile.start + tile.len)
        .step_by(every)
        .map(|k| k - tile.start);
    let fields: Vec<&[T]> = tile
        .values
        .iter()
        .copied()
        .filter(|v| !v.is_empty())
        .collect();
    let mut extra = Vec::new();
    for (v, e) in fields.iter().zip(extremes(&fields)) {
        extra.extend(e.lo.map(|(_, i)| i));
        extra.extend(e.hi.map(|(_, i)| i));
        if e.nonfinite {
            extra.extend((0..v.len()).filter(|&i| !v[i].to_f64().is_finite()));
        }
    }
    extra.sort_unstable();
    let locals = merge_sorted(stride, &extra);
    let nx = grid.x.n;
    let two_d = grid.is_2d();
    let mut runs = Vec::with_capacity(locals.len().div_ceil(BLOCK_F64));
    let mut i = 0;
    while i < locals.len() {
        let k = tile.start + locals[i];
        // One division per run: the run ends with its row (or its block).
        let (row, row_start) = if two_d { (k / nx, k / nx * nx) } else { (0, 0) };
        let row_end = if two_d { row_start + nx } else { usize::MAX };
        let (mut cols, mut picked) = (Vec::new(), Vec::new());
        while i < locals.len() && cols.len() < BLOCK_F64 {
            let k = tile.start + locals[i];
            if k >= row_end {
                break;
            }
            cols.push(k - row_start);
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

/// The union of two ascending sequences, ascending, each value once.
fn merge_sorted(a: impl Iterator<Item = usize>, b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.size_hint().0 + b.len());
    let mut b = b.iter().copied().peekable();
    let push = |out: &mut Vec<usize>, v: usize| {
        if out.last() != Some(&v) {
            out.push(v);
        }
    };
    for v in a {
        while let Some(w) = b.next_if(|&w| w < v) {
            push(&mut out, w);
        }
        push(&mut out, v);
    }
    for w in b {
        push(&mut out, w);
    }
    out
}

/// A reproducible stream of pseudo-random numbers for tests (xorshift64 from `seed`, made
/// odd; its high bits: the low ones follow each other too closely).
#[cfg(test)]
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x >> 16
    }
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

    /// Where the reference's f is undefined (log left of 0, -∞ at 0) no derivative is
    /// compared, in whole runs and in samples, whether f's own comparison cleared the run in
    /// its lean pass or not.
    #[test]
    fn derivatives_are_not_compared_where_the_reference_f_is_undefined() {
        let grid = Grid::line(Axis::x(-1.0, 1.0, 201).unwrap());
        let spec = FieldSpec::new("log(x)+sin(x)", grid).unwrap();
        let tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, 201);
        let defined = (0..201)
            .filter(|&i| grid.point(i, Precision::F32)[0] > 0.0)
            .count() as u64;
        assert_eq!(defined, 100);
        for mode in [CheckMode::Full, CheckMode::Sample { every: 1 }] {
            let c = checked(&spec, &tile, mode);
            assert!(c.passed(), "{:?}", c.failure_lines());
            for key in ["f", "fd_x", "fd_x_roundoff", "grad_x"] {
                assert_eq!(c.stats(key).unwrap().compared, defined, "{key}, {mode:?}");
            }
        }
    }

    /// The constants of a float32 comparison in the lean-pass tests.
    fn f32_limits() -> Limits {
        Limits {
            floor: f32::MIN_POSITIVE as f64,
            eps_ill: 1e-5,
            limit: f32::MAX as f64,
        }
    }

    /// A known maximum chosen from a run's own `v` by `k`: `v` itself (exact ties), a little
    /// below or above, half, or none.
    fn known_near(v: f64, k: u64) -> f64 {
        match k % 5 {
            0 => v,
            1 => v.next_down().max(0.0),
            2 => v.next_up(),
            3 => v * 0.5,
            _ => 0.0,
        }
    }

    /// A run from a seed: values with exact ties, zeros, tiny and huge magnitudes, and (when
    /// `odd`) non-finite values and tolerances.
    fn adversarial_run(seed: u64, odd: bool) -> (Vec<f32>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut next = xorshift(seed);
        let n = 1 + (next() % 256) as usize;
        let (mut g, mut want, mut bound, mut scale) = (vec![], vec![], vec![], vec![]);
        for _ in 0..n {
            let w = match next() % 8 {
                0 => 0.0,
                1 => 1.0,
                2 => 1e-40,
                3 => -3.5e30,
                _ => (next() % 2001) as f64 / 1000.0 - 1.0,
            };
            // The engine's value: the reference rounded, nudged by a few ulps, or off (of the
            // opposite sign too, so that an error is rounded and its last bit may be set: an
            // error of nearby values is exact, its last bits zero).
            let gv = match next() % 7 {
                0 => w as f32,
                1 => f32::from_bits((w as f32).to_bits().wrapping_add((next() % 5) as u32)),
                2 => (w + 1e-3) as f32,
                3 => (w * -0.7) as f32,
                _ => (w * (1.0 + 1e-7 * ((next() % 7) as f64 - 3.0))) as f32,
            };
            let b = match next() % 5 {
                0 => 0.0,
                1 => 1e-8,
                _ => (next() % 100) as f64 * 1e-9,
            };
            g.push(gv);
            want.push(w);
            bound.push(b);
            scale.push(if next().is_multiple_of(3) { 2.0 * w } else { w });
        }
        if odd {
            let i = (next() as usize) % n;
            match next() % 5 {
                0 => g[i] = f32::NAN,
                1 => g[i] = f32::INFINITY,
                2 => want[i] = f64::NAN,
                3 => bound[i] = f64::NAN,
                _ => bound[i] = f64::INFINITY,
            }
        }
        (g, want, bound, scale)
    }

    #[test]
    fn the_lean_pass_agrees_with_the_full_one() {
        let lim = f32_limits();
        let (mut lean, mut full, mut lean_failing) = (0, 0, 0);
        let (mut report_lean, mut report_full, mut report_new_rel) = (0, 0, 0);
        for seed in 1..6000u64 {
            let (mut g, want, mut bound, scale) =
                adversarial_run(seed * 0x9E37_79B9, seed % 7 == 0);
            // A third of the runs pass: the reference rounded to f32, within its bounds.
            if seed % 3 == 0 {
                for ((v, w), b) in g.iter_mut().zip(&want).zip(bound.iter_mut()) {
                    *v = *w as f32;
                    *b = b.max((*v as f64 - w).abs());
                }
            }
            let first = compare_sums(&g, &want, &bound, &scale, lim);
            let first_rel = report_sums(&g, &want).max_rel;
            // Known maxima, each chosen apart ([`known_near`]).
            let pick = known_near;
            let known = Known {
                err: pick(first.max_err, seed),
                rel: pick(first.max_rel, seed / 5),
                ratio: pick(first.max_ratio, seed / 25),
            };
            let report_known = Known {
                rel: pick(first_rel, seed / 5),
                ..known
            };
            // With the stencil's own scales, and with the values' own (|want|).
            for own in [true, false] {
                let sc = if own { &scale[..] } else { &want[..] };
                let f = compare_sums(&g, &want, &bound, sc, lim);
                match quick_sums(&g, &want, &bound, own.then_some(sc), lim, known) {
                    Some(q) => {
                        lean += 1;
                        // What compare_block keeps: maxima only where they beat the known ones.
                        assert!(f.max_err <= known.err, "seed {seed}");
                        assert!(f.max_ratio <= known.ratio, "seed {seed}");
                        assert_eq!(
                            (q.compared, q.nonfinite, q.fails, q.ill),
                            (f.compared, f.nonfinite, f.fails, f.ill),
                            "seed {seed}, own scale {own}"
                        );
                        let kept = |r: f64| known.rel.max(r).to_bits();
                        assert_eq!(kept(q.max_rel), kept(f.max_rel), "seed {seed}");
                        lean_failing += (f.fails > 0) as usize;
                    }
                    None => full += 1,
                }
            }
            let want_report = report_sums(&g, &want);
            // Lean exactly where every error is finite and none beats the known largest.
            let all_finite = g
                .iter()
                .zip(&want)
                .all(|(&v, w)| (v as f64 - w).is_finite());
            let clears = all_finite && want_report.max_err <= known.err;
            match quick_report(&g, &want, report_known) {
                Some(q) => {
                    report_lean += 1;
                    assert!(clears, "seed {seed}");
                    let kept = |r: f64| report_known.rel.max(r).to_bits();
                    assert_eq!(q.compared, want_report.compared, "seed {seed}");
                    assert_eq!(kept(q.max_rel), kept(want_report.max_rel), "seed {seed}");
                    report_new_rel += (q.max_rel > 0.0) as usize;
                }
                None => {
                    report_full += 1;
                    assert!(!clears, "seed {seed}");
                }
            }
        }
        assert!(
            report_lean > 1000 && report_full > 1000 && report_new_rel > 100,
            "report: lean {report_lean}, full {report_full}, new rel {report_new_rel}"
        );
        // Both paths are exercised: exact ties and maxima above the run's stay lean.
        // (and lean runs with failures counted, the known ratio being 1 or more).
        assert!(
            lean > 1000 && full > 4000 && lean_failing > 100 && lean - lean_failing > 500,
            "lean {lean}, full {full}, lean with failures {lean_failing}"
        );
    }

    /// Against a reference constant over the run, a run the extremes decide
    /// ([`const_block`]) leaves the statistics exactly as the point-by-point comparison of
    /// the broadcast constant does ([`compare_block`]), judged and reported, from statistics
    /// known before it that are the run's own (ties), a little below or above, half, or none;
    /// a run they do not decide is left untouched.
    #[test]
    fn a_constant_reference_decides_as_the_point_by_point_comparison() {
        let lim = f32_limits();
        let json = |s: &FieldStats| serde_json::to_string(s).unwrap();
        let (mut decided, mut fallback, mut ill, mut new_rel) = (0, 0, 0, 0);
        for seed in 1..8000u64 {
            let mut next = xorshift(seed * 0x2545_F491);
            let n = 1 + (next() % 300) as usize;
            let w = match next() % 6 {
                0 => 0.0,
                1 => -0.0,
                2 => 1.5,
                3 => -3.5e30,
                4 => 1e-40,
                _ => (next() % 2001) as f64 / 1000.0 - 1.0,
            };
            let b = match next() % 5 {
                0 => 0.0,
                1 => 1e-8,
                2 => 0.3 * w.abs(),
                3 if seed % 11 == 0 => f64::NAN,
                3 => 0.01 * w.abs(),
                _ => (next() % 100) as f64 * 1e-9,
            };
            // Runs far off (failing, or setting new maxima) in a third of the seeds.
            let wild = seed % 3 == 0;
            let g: Vec<f32> = (0..n)
                .map(|_| match next() % 8 {
                    0 => w as f32,
                    1 if wild => -(w as f32),
                    2 => f32::from_bits((w as f32).to_bits().wrapping_add((next() % 5) as u32)),
                    3 if wild => (w + 1e-3) as f32,
                    4 if seed % 13 == 0 => f32::NAN,
                    5 if seed % 17 == 0 => f32::INFINITY,
                    _ => (w * (1.0 + 1e-7 * ((next() % 7) as f64 - 3.0))) as f32,
                })
                .collect();
            let (want, bound) = (vec![w; n], vec![b; n]);
            let at = |i: usize| 1000 + i;
            for judged in [true, false] {
                // The run's own statistics, for the known ones.
                let mut own = FieldStats::default();
                compare_block(&g, &want, &bound, None, judged, lim, &at, &mut own);
                let pick = known_near;
                let before = FieldStats {
                    max_abs: pick(own.max_abs, seed),
                    max_abs_k: 7,
                    max_rel: pick(own.max_rel, seed / 5),
                    worst_ratio: pick(own.worst_ratio, seed / 25),
                    worst_k: 9,
                    compared: 11,
                    ill_conditioned: 3,
                    ..FieldStats::default()
                };
                let mut by_points = before.clone();
                compare_block(&g, &want, &bound, None, judged, lim, &at, &mut by_points);
                let mut by_const = before.clone();
                if const_block(&g, w, b, judged, lim, &mut by_const) {
                    decided += 1;
                    assert_eq!(
                        json(&by_const),
                        json(&by_points),
                        "seed {seed}, judged {judged}"
                    );
                    ill += (by_const.ill_conditioned > before.ill_conditioned) as usize;
                    new_rel += (by_const.max_rel > before.max_rel) as usize;
                } else {
                    fallback += 1;
                    assert_eq!(json(&by_const), json(&before), "seed {seed}");
                }
            }
        }
        assert!(
            decided > 2000 && fallback > 2000 && ill > 50 && new_rel > 100,
            "decided {decided}, fallback {fallback}, ill {ill}, new largest relative error {new_rel}"
        );
    }

    /// Derivatives constant over each row (∂f/∂y of y alone), compared as constants, give
    /// the statistics of the broadcast comparison: full and sampled, with undefined rows
    /// (masked), ill-conditioned rows (truths given) and a wrong value (found, with its
    /// index).
    #[test]
    fn constant_derivatives_compared_as_constants_give_the_same_statistics() {
        let plane = rows_of_1500;
        let cases = [
            (
                "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2",
                plane(-3.0, 3.0),
                CheckMode::Full,
                None,
            ),
            ("x + log(y)", plane(-1.0, 3.0), CheckMode::Full, None),
            (
                "x + y^3/3 - 0.49*y",
                plane(0.69, 0.71),
                CheckMode::Full,
                None,
            ),
            ("x*y + y^2", plane(-3.0, 3.0), CheckMode::Full, None),
            (
                "0.5*x^2 + exp(y)",
                plane(-3.0, 3.0),
                CheckMode::Sample { every: 7 },
                None,
            ),
            (
                "0.5*x^2 + 0.5*y^2",
                plane(-3.0, 3.0),
                CheckMode::Full,
                Some(31_337),
            ),
        ];
        let mut ill = 0;
        for (src, grid, mode, wrong) in cases {
            let spec = FieldSpec::new(src, grid).unwrap();
            let wrong_gy: Vec<_> = wrong.map(|k| (Field::GradY, k)).into_iter().collect();
            let lazy = lazy_and_eager_agree(&spec, mode, &wrong_gy);
            let gy = lazy.stats("grad_y").unwrap();
            ill += gy.ill_conditioned + gy.escalated;
            if let Some(k) = wrong {
                assert_eq!((gy.failures, gy.worst_k), (1, k), "{src}");
            } else {
                assert!(gy.compared > 0 && gy.failures == 0, "{src}");
            }
        }
        assert!(ill > 0, "no ill-conditioned constant derivative");
    }

    /// 61 rows over y in [y0, y1], of 1500 points over x in [−2, 2].
    fn rows_of_1500(y0: f64, y1: f64) -> Grid {
        Grid::plane(
            Axis::x(-2.0, 2.0, 1500).unwrap(),
            Axis::y(y0, y1, 61).unwrap(),
        )
        .unwrap()
    }

    /// Checks `spec`'s grid (its precision's engine, tiles of 20 000 points) with a lazy
    /// checker (constant derivatives compared as constants, f left undone where it is a block
    /// plus a scalar, runs of quantities the same in every row remembered) and an eager one,
    /// the engine's values at `wrong` (fields, points) made 1e-3 wrong; asserts both give the
    /// same statistics and failure lines, and returns the lazy one.
    fn lazy_and_eager_agree(
        spec: &FieldSpec,
        mode: CheckMode,
        wrong: &[(Field, usize)],
    ) -> Checker {
        let model = ErrorModel::cpu(spec.precision);
        let mut lazy = Checker::new(spec, model, DeviceKind::Cpu, mode);
        let mut eager = Checker::new(spec, model, DeviceKind::Cpu, mode);
        eager.lazy = false;
        fn feed<T: Real>(spec: &FieldSpec, wrong: &[(Field, usize)], mut c: [&mut Checker; 2]) {
            let engine = CpuEngine::<T>::new(spec).unwrap();
            let n = spec.grid.len();
            for start in (0..n).step_by(20_000) {
                let mut tile = engine.eval(start, 20_000.min(n - start));
                for &(f, k) in wrong
                    .iter()
                    .filter(|(_, k)| (start..start + tile.len).contains(k))
                {
                    let v = &mut tile.values[f.index()][k - start];
                    *v = T::from_f64(v.to_f64() + 1e-3);
                }
                for c in c.iter_mut() {
                    c.check(&tile.view());
                }
            }
        }
        match spec.precision {
            Precision::F32 => feed::<f32>(spec, wrong, [&mut lazy, &mut eager]),
            Precision::F64 => feed::<f64>(spec, wrong, [&mut lazy, &mut eager]),
        }
        let json = |c: &Checker| serde_json::to_string(&c.results()).unwrap();
        assert_eq!(json(&lazy), json(&eager), "{}", spec.source);
        assert_eq!(
            lazy.failure_lines(),
            eager.failure_lines(),
            "{}",
            spec.source
        );
        lazy
    }

    /// A piece's sums do not depend on which buffers it got from the pool: a run that the
    /// buffers remember from another piece's rows (∂f/∂x, the same in every row) is compared
    /// again, so that the maxima shared by every row are reported at the earliest, as a
    /// check that remembers nothing reports them. The later rows' piece runs first, and the
    /// earlier rows' piece then takes its buffers.
    #[test]
    fn a_piece_does_not_carry_runs_remembered_by_another() {
        let spec = FieldSpec::new("exp(x) + 0.5*y^2", rows_of_1500(-3.0, 3.0))
            .unwrap()
            .with_precision(Precision::F32);
        let tile = CpuEngine::<f32>::new(&spec)
            .unwrap()
            .eval(0, spec.grid.len());
        let view = tile.view();
        let runs = full_runs(&spec.grid, 0, tile.len);
        let (early, late) = runs.split_at(runs.len() / 2);
        let model = ErrorModel::cpu(Precision::F32);
        let check = |lazy: bool| {
            let mut c = Checker::new(&spec, model, DeviceKind::Cpu, CheckMode::Full);
            c.lazy = lazy;
            let start = c.tile_start();
            let piece = |part: &[Run]| {
                let mut p = c.piece(&start, false);
                for run in part {
                    p.run(&view, run);
                }
                p.finish()
            };
            let (b, a) = (piece(late), piece(early));
            c.finish_tile(start, vec![a, b]);
            c
        };
        let (lazy, eager) = (check(true), check(false));
        let json = |c: &Checker| serde_json::to_string(&c.results()).unwrap();
        assert_eq!(json(&lazy), json(&eager));
        // ∂f/∂x's largest error is in every row: the first row holds it.
        let grad_x = lazy.stats("grad_x").unwrap();
        assert_eq!(grad_x.at[0], 0, "{:?}", grad_x.at);
    }

    /// f left undone by the reference where it is a block plus a scalar, and compared as the
    /// lean pass computes it, gives the statistics of f written out: f32 and f64, central and
    /// five-point, full and sampled, with undefined rows (masked), ill-conditioned points
    /// (suspects collected from f written out) and a wrong value (found, with its index);
    /// and a stencil that reads its center (forward differences) keeps f written out.
    #[test]
    fn f_left_undone_gives_the_statistics_of_f_written_out() {
        use crate::grid::Scheme;
        let plane = rows_of_1500;
        let loss = "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2";
        let (full, sampled) = (CheckMode::Full, CheckMode::Sample { every: 7 });
        let (c, five, fwd) = (Scheme::Central, Scheme::FivePoint, Scheme::Forward);
        let (p32, p64) = (Precision::F32, Precision::F64);
        // (function, y range, mode, scheme, precision, wrong f at, f left undone)
        let cases = [
            (loss, (-3.0, 3.0), full, c, p32, None, true),
            (loss, (-3.0, 3.0), full, c, p32, Some(40_123), true),
            (loss, (-3.0, 3.0), full, five, p64, Some(77_777), true),
            (loss, (-3.0, 3.0), sampled, c, p32, None, true),
            ("x + log(y)", (-1.0, 3.0), full, c, p32, None, true),
            // f = x + (y³/3 − 0.49y) cancels near x = 0.32 on every row.
            ("x + y^3/3 - 0.49*y", (0.69, 0.71), full, c, p32, None, true),
            (loss, (-3.0, 3.0), full, fwd, p32, Some(40_123), false),
        ];
        let mut ill = 0;
        for (src, y, mode, scheme, p, wrong, undone) in cases {
            let spec = FieldSpec::new(src, plane(y.0, y.1))
                .unwrap()
                .with_scheme(scheme)
                .with_precision(p);
            let wrong_f: Vec<_> = wrong.map(|k| (Field::F, k)).into_iter().collect();
            let lazy = lazy_and_eager_agree(&spec, mode, &wrong_f);
            let cached = mode == full;
            let defers = lazy.reference.deferred_f[cached as usize].is_some();
            assert_eq!(defers, undone, "{src} {scheme:?}");
            let f = lazy.stats("f").unwrap();
            ill += f.ill_conditioned;
            if let Some(k) = wrong {
                assert_eq!((f.failures, f.worst_k), (1, k), "{src} {scheme:?} {p:?}");
            } else {
                assert!(f.compared > 0 && f.failures == 0, "{src}");
            }
        }
        assert!(ill > 0, "no ill-conditioned f");
    }

    /// Finite differences whose stencils' terms are a block plus a scalar from a column
    /// cache, compared with tolerances bounded chunk by chunk ([`banded_stencil`]), give the
    /// statistics of the stencils written out and compared point by point: f32 and f64,
    /// central and five-point, the scalar added or subtracted, f crossing zero on every row
    /// (ill-conditioned points, whose runs go point by point), values overflowing to ∞,
    /// tiles that start mid-row (runs that start mid-chunk), wrong values in fd_x and in
    /// fd_y (found, with their index); and the banded comparison decides most runs.
    #[test]
    fn banded_stencils_give_the_statistics_of_stencils_written_out() {
        use crate::grid::Scheme;
        let plane = rows_of_1500;
        let loss = "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2";
        let (c, five) = (Scheme::Central, Scheme::FivePoint);
        let (p32, p64) = (Precision::F32, Precision::F64);
        // (function, y range, scheme, precision, a wrong value, most runs banded)
        let cases = [
            (loss, (-3.0, 3.0), c, p32, None, true),
            (loss, (-3.0, 3.0), c, p64, None, true),
            (
                loss,
                (-3.0, 3.0),
                five,
                p32,
                Some((Field::FdX, 40_123)),
                true,
            ),
            (loss, (-3.0, 3.0), c, p32, Some((Field::FdY, 77_777)), true),
            (
                loss,
                (-3.0, 3.0),
                five,
                p64,
                Some((Field::FdY, 12_345)),
                true,
            ),
            ("y^2 - sin(3*x)", (1.2, 2.0), c, p32, None, true),
            ("exp(y) - cos(2*x)", (0.3, 2.0), five, p64, None, true),
            // f = x + (y³/3 − 0.49y) crosses zero near x = 0.32 on every row.
            ("x + (y^3/3 - 0.49*y)", (0.69, 0.71), c, p32, None, false),
            ("exp(30*x) - exp(30*y)", (-30.0, 30.0), c, p32, None, false),
        ];
        for (src, y, scheme, p, wrong, mostly) in cases {
            let spec = FieldSpec::new(src, plane(y.0, y.1))
                .unwrap()
                .with_scheme(scheme)
                .with_precision(p);
            let wrong_v: Vec<_> = wrong.into_iter().collect();
            let lazy = lazy_and_eager_agree(&spec, CheckMode::Full, &wrong_v);
            let banded: u64 = lazy
                .pool
                .lock()
                .unwrap()
                .iter()
                .map(|(w, _)| w.banded)
                .sum();
            let (near, chunks) = lazy
                .pool
                .lock()
                .unwrap()
                .iter()
                .fold((0, 0), |(n, c), (w, _)| {
                    (n + w.banded_near, c + w.banded_chunks)
                });
            let runs = 2 * 61 * 1500_u64.div_ceil(BLOCK_F64 as u64);
            assert!(banded > 0, "{src}: no run banded");
            if mostly {
                assert!(banded * 2 > runs, "{src}: {banded} of {runs} runs banded");
                // In float32 most chunks clear against the blocks' combination; in float64
                // the tolerance leaves no room for its distance from the quotient.
                if p == p32 {
                    assert!(
                        near * 10 > chunks * 9,
                        "{src}: {near} of {chunks} chunks near"
                    );
                } else {
                    assert!(near * 100 < chunks, "{src}: {near} of {chunks} chunks near");
                }
            }
            if let Some((f, k)) = wrong {
                let key = if f == Field::FdX {
                    "fd_x_roundoff"
                } else {
                    "fd_y_roundoff"
                };
                // 1e-3 off: the worst point, and beyond its tolerance in float64.
                let st = lazy.stats(key).unwrap();
                assert_eq!(st.worst_k, k, "{src} {key}");
                assert_eq!(st.failures, (p == p64) as u64, "{src} {key} {p:?}");
            }
        }
    }

    /// A quantity the same in every row (∂f/∂x of f = g(x) + h(y), read from the column
    /// cache) whose runs repeat bit for bit is compared once per run of columns and the
    /// counts carried to the repeats, with the statistics of comparing every run: f32 and
    /// f64, rows of one and of three runs, ill-conditioned columns (suspects collected until
    /// the cap, then counted), a wrong value in one row and a wrong value at the same column
    /// of every row (each failure counted).
    #[test]
    fn runs_the_same_in_every_row_give_the_statistics_of_every_run_compared() {
        let plane = |nx: usize, ny: usize| {
            Grid::plane(
                Axis::x(-2.0, 2.0, nx).unwrap(),
                Axis::y(-3.0, 3.0, ny).unwrap(),
            )
            .unwrap()
        };
        let loss = "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2";
        // ∂f/∂x = 2x − 3 cancels near x = 1.5, in every row.
        let cancels = "x^2 - 3*x + y^2";
        let every_row = |nx: usize, ny: usize, col: usize| -> Vec<(Field, usize)> {
            (0..ny).map(|j| (Field::GradX, j * nx + col)).collect()
        };
        let (p32, p64) = (Precision::F32, Precision::F64);
        // (function, grid, precision, wrong values, the failures they make)
        let cases = [
            (loss, plane(1000, 90), p32, vec![], 0u64),
            (loss, plane(3000, 40), p64, vec![], 0),
            (cancels, plane(1001, 300), p32, vec![], 0),
            (cancels, plane(1001, 90), p64, vec![], 0),
            (loss, plane(1000, 90), p32, vec![(Field::GradX, 45_678)], 1),
            (loss, plane(3000, 40), p32, every_row(3000, 40, 2222), 40),
        ];
        let mut ill = 0;
        for (src, grid, p, wrong, fails) in cases {
            let spec = FieldSpec::new(src, grid).unwrap().with_precision(p);
            let lazy = lazy_and_eager_agree(&spec, CheckMode::Full, &wrong);
            let gx = lazy.stats("grad_x").unwrap();
            assert_eq!(gx.compared, grid.len() as u64, "{src}");
            assert_eq!(gx.failures, fails, "{src} {p:?}");
            if let Some(&(_, k)) = wrong.first() {
                assert_eq!(gx.worst_k, k, "{src} {p:?}");
            }
            ill += gx.ill_conditioned;
        }
        assert!(ill > 0, "no ill-conditioned ∂f/∂x");
    }

    /// A run remembered for a quantity the same in every row is not carried to a row where
    /// f is undefined (there its derivatives are not compared): the reference's exp(30y)
    /// overflows on the top rows, where ∂f/∂x = 30·exp(30x) is what it is on every row.
    #[test]
    fn a_remembered_run_is_not_carried_to_a_row_where_f_is_undefined() {
        let grid = Grid::plane(
            Axis::x(-2.0, 2.0, 1000).unwrap(),
            Axis::y(-30.0, 30.0, 61).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("exp(30*x) - exp(30*y)", grid)
            .unwrap()
            .with_precision(Precision::F32);
        let lazy = lazy_and_eager_agree(&spec, CheckMode::Full, &[]);
        let gx = lazy.stats("grad_x").unwrap();
        // 54 of 61 rows defined (y ≤ 23: e^709.8 is float64's largest).
        assert_eq!(gx.compared, 54_000);
    }

    /// The lanes of `new_max_rel` give the point-by-point maximum, for known maxima from
    /// none to above the run's, run lengths off the lane count included.
    #[test]
    fn the_largest_relative_error_in_lanes_is_the_pointwise_one() {
        for seed in 1..400u64 {
            let (g, want, ..) = adversarial_run(seed * 0x51_7CC1, false);
            let len = g.len().saturating_sub(seed as usize % 11);
            let (g, want) = (&g[..len], &want[..len]);
            let mut all: Vec<f64> = g
                .iter()
                .zip(want)
                .filter(|(_, w)| w.abs() > 0.0)
                .map(|(v, w)| (v.to_f64() - w).abs() / w.abs())
                .collect();
            all.sort_by(f64::total_cmp);
            let top = all.last().copied().unwrap_or(0.0);
            let mid = all.get(all.len() / 2).copied().unwrap_or(0.0);
            for k in [
                0.0,
                mid,
                top.next_down().max(0.0),
                top,
                top * 2.0,
                f64::INFINITY,
            ] {
                let rel = BeatTest::new(k).unwrap();
                let mut want_best = 0.0f64;
                for (v, &w) in g.iter().zip(want) {
                    let (err, wa) = ((v.to_f64() - w).abs(), w.abs());
                    if wa > 0.0 && rel.may(err, wa) {
                        want_best = want_best.max(err / wa);
                    }
                }
                let want_best = if want_best > k { want_best } else { 0.0 };
                assert_eq!(
                    new_max_rel(g, want, rel).to_bits(),
                    want_best.to_bits(),
                    "seed {seed}, k {k}"
                );
            }
        }
    }

    #[test]
    fn the_sums_keep_the_first_point_of_each_maximum() {
        // 53 points: three whole chunks of lanes and a tail. The largest error appears twice
        // (in different lanes; the first wins), the largest error/tolerance once, in the tail.
        let n = 53;
        let want = vec![1.0f64; n];
        let bound = vec![1e-3f64; n];
        let mut g = vec![1.0f32; n];
        g[7] = 1.5;
        g[40] = 1.5;
        g[20] = 1.25;
        g[51] = 1.0 + 2e-3;
        let lim = Limits {
            floor: 0.0,
            eps_ill: 1e-30,
            limit: f32::MAX as f64,
        };
        let s = compare_sums(&g, &want, &bound, &want, lim);
        assert_eq!((s.max_err, s.max_err_at), (0.5, 7));
        assert_eq!(s.max_ratio_at, 7);
        assert_eq!(s.fails, 3);
        let r = report_sums(&g, &want);
        assert_eq!((r.max_err, r.max_err_at), (0.5, 7));
        // With the large errors inside tolerance, the worst ratio is the tail's point.
        let bound: Vec<f64> = (0..n).map(|i| if i == 51 { 1e-4 } else { 1.0 }).collect();
        let s = compare_sums(&g, &want, &bound, &want, lim);
        assert_eq!((s.max_ratio_at, s.fails), (51, 1));
        let ratio = 2e-3f32 as f64 / (SAFETY * 1e-4);
        assert!((s.max_ratio / ratio - 1.0).abs() < 1e-3, "{}", s.max_ratio);
        // Maxima no larger than those known are not worked out (the lean pass clears the run
        // and counts it); larger ones send it to the full pass, which finds them.
        let known = Known {
            err: 0.5,
            rel: 1.0,
            ratio: 1e9,
        };
        let s = quick_sums(&g, &want, &bound, None, lim, known).expect("nothing beats");
        assert_eq!(
            (s.max_err, s.max_rel, s.max_ratio, s.fails),
            (0.0, 0.0, 0.0, 1)
        );
        let known = Known {
            err: 0.49,
            rel: 0.49,
            ratio: 4.99,
        };
        assert!(quick_sums(&g, &want, &bound, None, lim, known).is_none());
        let s = compare_sums(&g, &want, &bound, &want, lim);
        assert_eq!((s.max_err, s.max_err_at, s.max_rel), (0.5, 7, 0.5));
        assert_eq!(s.max_ratio_at, 51);
        // Equal maxima at 16 (lane 0), 19 and 35 (both lane 3): the smallest index.
        let mut g = vec![1.0f32; n];
        for i in [35, 19, 16] {
            g[i] = 2.0;
        }
        assert_eq!(report_sums(&g, &want).max_err_at, 16);
    }

    #[test]
    fn extremes_are_the_first_smallest_and_largest_finite_values() {
        // Scalar truth: the first index holding the smallest (largest) finite value.
        fn naive(v: &[f32]) -> Extremes {
            let mut e = Extremes::default();
            for (i, &x) in v.iter().enumerate() {
                let x = x as f64;
                if !x.is_finite() {
                    e.nonfinite = true;
                    continue;
                }
                if e.lo.is_none_or(|(m, _)| x < m) {
                    e.lo = Some((x, i));
                }
                if e.hi.is_none_or(|(m, _)| x > m) {
                    e.hi = Some((x, i));
                }
            }
            e
        }
        let mut rnd = xorshift(11);
        for case in 0..60 {
            // Lengths across lanes, chunks (2^12) and their tails; few distinct values so
            // that ties are common; zeros of both signs, infinities, NaN.
            let len = match case % 4 {
                0 => (rnd() % 40) as usize,
                1 => (rnd() % 5000) as usize,
                _ => 16_384 + (rnd() % 30_000) as usize,
            };
            let pool = [0.0f32, -0.0, 1.0, -1.0, 2.5, -2.5, f32::INFINITY, f32::NAN];
            let kinds = 1 + (rnd() % 8) as usize;
            let a: Vec<f32> = (0..len)
                .map(|_| pool[(rnd() % kinds as u64) as usize])
                .collect();
            let b: Vec<f32> = (0..len).map(|_| (rnd() % 1000) as f32 - 500.0).collect();
            let got = extremes(&[&a[..], &b[..]]);
            assert_eq!(
                got[0],
                naive(&a),
                "case {case}: {len} values of {kinds} kinds"
            );
            assert_eq!(got[1], naive(&b), "case {case}");
        }
    }

    #[test]
    fn merging_sorted_sequences_is_a_sorted_union() {
        let mut rnd = xorshift(7);
        for _ in 0..500 {
            let n = (rnd() % 40) as usize;
            let every = 1 + (rnd() % 5) as usize;
            let a: Vec<usize> = (0..n).step_by(every).collect();
            let mut b: Vec<usize> = (0..rnd() % 6).map(|_| (rnd() % 50) as usize).collect();
            b.sort_unstable();
            let mut want: Vec<usize> = a.iter().chain(&b).copied().collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(merge_sorted(a.into_iter(), &b), want);
        }
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
    fn one_value_ten_ulps_beyond_its_tolerance_is_caught_with_its_index() {
        // A 2-D f32 run in tiles, as an engine delivers it; one value of one tile (not the
        // first), in the second run of its row (rows are longer than a block), is moved 10
        // ulps beyond its tolerance.
        let grid = Grid::plane(
            Axis::x(-2.0, 2.0, 1500).unwrap(),
            Axis::y(-1.0, 3.0, 40).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("rosenbrock + sin(x*y)", grid).unwrap();
        let model = ErrorModel::gpu(Precision::F32, crate::grid::MathMode::Accurate);
        let engine = CpuEngine::<f32>::new(&spec).unwrap();
        let target = 31_337; // in the fourth tile of 10 000 points: row 20, column 1337
        let r = Reference::new(&spec, model, true);
        let mut w = r.work();
        let (row, col) = (target / 1500, target % 1500);
        assert!(col > crate::cpu::block::BLOCK);
        r.eval_run(row, &Cols::Pick(&[col]), &mut w);
        let (want, bound) = {
            let (v, b) = r.field(&w, Field::GradY);
            (v[0], b[0])
        };
        let tol = SAFETY * bound + model.floor();
        let mut c = Checker::new(&spec, model, DeviceKind::Gpu, CheckMode::Full);
        for start in (0..grid.len()).step_by(10_000) {
            let len = 10_000.min(grid.len() - start);
            let mut tile = engine.eval(start, len);
            if (start..start + len).contains(&target) {
                // Away from zero (∂f/∂y is negative there): the tolerance's edge, then 10
                // ulps further.
                let away = want.signum();
                let v = (want + away * tol) as f32;
                let ulp = (f32::from_bits(v.to_bits() + 1) - v).abs();
                tile.values[Field::GradY.index()][target - start] = v + away as f32 * 10.0 * ulp;
            }
            c.check(&tile.view());
        }
        let g = c.stats("grad_y").unwrap();
        assert_eq!(g.verdict, Verdict::Fail);
        assert_eq!((g.failures, g.worst_at.clone()), (1, vec![row, col]));
        // The error exceeds the tolerance by the 10 ulps (within the rounding of want + tol).
        assert!(g.worst_ratio > 1.0, "{}", g.worst_ratio);
        let excess = g.worst_err - g.worst_tol;
        let ulp = (f32::from_bits((want as f32).to_bits() + 1) - want as f32).abs() as f64;
        assert!(
            excess > 8.0 * ulp && excess < 12.0 * ulp,
            "{excess} vs ulp {ulp}"
        );
        assert!(c.failure_lines()[0].starts_with("grad_y: 1 of 60000 points outside tolerance"));
        // Every other quantity still passes (or is only reported).
        assert!(
            c.results()
                .iter()
                .all(|(k, s)| *k == "grad_y" || s.passed())
        );
    }

    /// Equal errors in different pieces of a tile's check (a row far longer than the runs a
    /// piece takes, on any number of threads): the first point is the one reported, as
    /// for equal errors within a run.
    #[test]
    fn equal_errors_in_different_pieces_report_the_first_point() {
        let nx = 40_000;
        let grid = Grid::plane(
            Axis::x(-1.0, 1.0, nx).unwrap(),
            Axis::y(0.5, 1.5, 2).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("y", grid).unwrap();
        let mut tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, grid.len());
        let f = &mut tile.values[Field::F.index()];
        // Row 1 (y = 1.5): the same wrong value at columns 100 and 39 000.
        let (first, last) = (nx + 100, nx + 39_000);
        assert_eq!(f[first], 1.5);
        f[first] = 1.5 + 1e-3;
        f[last] = 1.5 + 1e-3;
        let c = checked(&spec, &tile, CheckMode::Full);
        let s = c.stats("f").unwrap();
        assert_eq!(s.failures, 2);
        assert_eq!((s.max_abs_k, s.worst_k), (first, first));
        assert_eq!(s.worst_at, vec![1, 100]);
    }

    #[test]
    fn the_f32_cpu_engine_is_within_tight_tolerances() {
        // Every point of the CPU f32 engine within its tolerance, and the tolerances tight:
        // 99% of them below 2e-4 for f and gradients (f reaches 14, |∇f| 9: about 2e-5
        // relative), and 1e-2 for the stencils (a stencil bug, another h or scheme, is off by
        // h·f'' ≈ 0.1).
        let grid = Grid::plane(
            Axis::x(-5.0, 5.0, 101).unwrap(),
            Axis::y(-5.0, 5.0, 91).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("ackley", grid)
            .unwrap()
            .with_h(1e-2)
            .unwrap();
        let tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, grid.len());
        let model = ErrorModel::cpu(Precision::F32);
        let c = checked(&spec, &tile, CheckMode::Full);
        assert!(c.passed(), "{:?}", c.failure_lines());
        let r = Reference::new(&spec, model, true);
        let mut w = r.work();
        for f in [Field::F, Field::GradX, Field::GradY, Field::FdX, Field::FdY] {
            let mut tols = Vec::new();
            for row in 0..91 {
                let cols: Vec<usize> = (0..101).collect();
                r.eval_run(row, &Cols::Pick(&cols), &mut w);
                tols.extend(r.field(&w, f).1.iter().map(|b| SAFETY * b));
            }
            tols.sort_by(f64::total_cmp);
            let p99 = tols[tols.len() * 99 / 100];
            let limit = if matches!(f, Field::FdX | Field::FdY) {
                1e-2
            } else {
                2e-4
            };
            assert!(
                p99 < limit,
                "{f:?}: 99% of tolerances up to {p99} is too loose"
            );
        }
    }

    /// Moves every other ill-conditioned value of f in `tile` (a whole grid) off its truth by
    /// twice what the truth test allows, within its tolerance (those must stay
    /// ill-conditioned); checks the tile with a checker as made and with one `slow` changes;
    /// asserts that every count, the largest relative error to the truth and every verdict
    /// agree. Returns both checkers and how many points were escalated.
    fn escalations_agree<T: Real>(
        spec: &FieldSpec,
        tile: &mut crate::engine::Tile<T>,
        slow: impl FnOnce(&mut Checker),
    ) -> (Checker, Checker, u64) {
        let model = ErrorModel::cpu(spec.precision);
        let r = Reference::new(spec, model, true);
        let mut w = r.work();
        let (eps, nx, mut moved) = (spec.precision.epsilon(), spec.grid.x.n, 0);
        for k in (0..spec.grid.len()).step_by(2) {
            r.eval_run(k / nx, &Cols::Pick(&[k % nx]), &mut w);
            let (v, b) = r.field(&w, Field::F);
            let (want, tol) = (v[0], SAFETY * b[0] + model.floor());
            let allowed = ILL_CONDITIONED_ULPS * eps * want.abs();
            if tol > 3.0 * allowed {
                tile.values[Field::F.index()][k] = T::from_f64(want + 2.0 * allowed);
                moved += 1;
            }
        }
        assert!(moved > 50, "{moved}");
        let mut fast = Checker::new(spec, model, DeviceKind::Cpu, CheckMode::Full);
        fast.check(&tile.view());
        let mut slower = Checker::new(spec, model, DeviceKind::Cpu, CheckMode::Full);
        slow(&mut slower);
        slower.check(&tile.view());
        let mut escalated = 0;
        for ((k, f), (_, s)) in fast.results().into_iter().zip(slower.results()) {
            let key = |x: &FieldStats| {
                (
                    x.escalated,
                    x.resolved,
                    x.ill_conditioned,
                    x.ill_max_rel_to_truth.to_bits(),
                    x.verdict,
                )
            };
            assert_eq!(key(f), key(s), "{k}");
            escalated += f.escalated;
        }
        // Some points stayed ill-conditioned.
        let f = fast.stats("f").unwrap();
        assert!(f.escalated > f.resolved && f.ill_max_rel_to_truth > 0.0);
        (fast, slower, escalated)
    }

    #[test]
    fn float64_bounds_decide_as_the_multi_precision_truth_does() {
        // Ill-conditioned points of a float32 check, each given a truth two ways: with the
        // float64 reference's own bound first, and in multi-precision only. (x + y)² − x² −
        // 2xy cancels everywhere, so most points are ill-conditioned.
        let grid = Grid::plane(
            Axis::x(-3.0, 3.0, 400).unwrap(),
            Axis::y(-3.0, 3.0, 300).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("(x + y)^2 - x^2 - 2*x*y + 0.3*sin(3*x)", grid)
            .unwrap()
            .with_fields(crate::grid::Fields {
                f: true,
                fd: true,
                grad: false,
            })
            .unwrap();
        let mut tile = CpuEngine::<f32>::new(&spec).unwrap().eval(0, grid.len());
        let (fast, slow, escalated) = escalations_agree(&spec, &mut tile, |c| {
            c.own_error = None;
            c.double_double = false;
        });
        // The bound decided most of them.
        assert!(
            escalated > 50
                && fast.decided.by_float64 as u64 > escalated / 2
                && slow.decided.by_float64 + slow.decided.by_double_double == 0,
            "{:?} of {escalated}",
            fast.decided
        );
    }

    #[test]
    fn double_double_bounds_decide_as_the_multi_precision_truth_does() {
        // A float64 check (no float64 bound can settle its ill-conditioned points), each
        // given a truth two ways: double-double with its bound first, and in multi-precision
        // only.
        let grid = Grid::plane(
            Axis::x(-3.0, 3.0, 300).unwrap(),
            Axis::y(-2.0, 2.0, 200).unwrap(),
        )
        .unwrap();
        let spec = FieldSpec::new("(x + y)^2 - x^2 - 2*x*y + 0.3*sin(3*x) + exp(y)/7", grid)
            .unwrap()
            .with_precision(Precision::F64);
        let mut tile = CpuEngine::<f64>::new(&spec).unwrap().eval(0, grid.len());
        let (fast, slow, escalated) =
            escalations_agree(&spec, &mut tile, |c| c.double_double = false);
        assert!(
            escalated > 50
                && fast.decided.by_double_double as u64 > escalated / 2
                && fast.decided.by_float64 == 0
                && slow.decided.by_double_double == 0,
            "{:?} of {escalated}",
            fast.decided
        );
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
