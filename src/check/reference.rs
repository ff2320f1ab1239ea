//! The float64 reference, fused with the comparison: for a run of points (part of one grid
//! row) it evaluates f and its exact derivatives with running error bounds, and each finite
//! difference's stencil at the engine's own stencil coordinates, then compares the engine's
//! values for those points while both are in cache. No reference tile is ever stored; runs
//! go to all cores; each instruction is a vectorised loop over the run
//! ([`crate::cpu::block`]), except that where f at the stencil points is a block plus a
//! scalar (f = g(x) + h(y)) that last addition is done inside the stencil's loop
//! ([`stencil_terms`]), with the same bits.
//!
//! **Same coordinates.** The reference evaluates where the engine did: grid coordinates in
//! the engine's precision, and stencil points `x + T(o·h)` rounded as the engine's
//! arithmetic rounds them ([`Precision::add`]). So input rounding is never mistaken for
//! evaluation error, and no slope term is needed in the stencil's tolerance.
//!
//! **Independence.** Its functions are [`crate::engine::Real::func_block_reference`]: sin
//! and cos from [`crate::math::refmath`] (not the engine's `fastmath`, nor the GPU's WGSL),
//! everything else from Rust's standard library (which neither the GPU libraries nor the
//! CPU engine's sin/cos use). The block interpreter's arithmetic is shared with the CPU
//! engine; its tests check it against a tree walk of the expression.

use crate::cpu::block::{AddScalar, BLOCK, ColumnCache, Input, Plan, Scratch};
use crate::engine::Real;
use crate::grid::{Axis, Field, Grid, Precision};
use crate::spec::FieldSpec;
use crate::tolerance::ErrorModel;

/// Reference values and bounds of one run, by quantity.
pub(crate) struct RefRun {
    /// Points in the run.
    pub(crate) len: usize,
    /// f, ∂f/∂x, ∂f/∂y, fd_x (the stencil in f64), fd_y: values (by [`Field::index`]) —
    /// for f and the derivatives only where `owned` says so: otherwise they are read in place
    /// ([`Reference::field`]).
    values: [Vec<f64>; 5],
    /// Their running error bounds.
    bounds: [Vec<f64>; 5],
    /// Which of `values` and `bounds` hold the run's results.
    owned: [bool; 5],
    /// A derivative constant over the run (a scalar output, such as ∂f/∂y = y) that a lazy
    /// work ([`RefWork::lazy`]) left unbroadcast: its value and bound. Its slot in `values`
    /// and `bounds` is filled only by [`Reference::materialize`].
    pending: [Option<(f64, f64)>; 5],
    /// f left undone by the main plan, a block plus a scalar ([`Reference::added_f`]): its
    /// slot in `values` and `bounds` is filled only by [`Reference::materialize`].
    f_added: bool,
    /// fd_x and fd_y left undone where their stencils' terms are a block plus a scalar, in a
    /// lazy work ([`Reference::added_stencil`]): their slots in `values`, `bounds` and
    /// `scale` are filled only by [`Reference::materialize`].
    stencil_added: [bool; 2],
    /// The stencils' scales: Σ|w·f_k| / |den| (what a finite difference's round-off is
    /// relative to), for fd_x and fd_y.
    pub(crate) scale: [Vec<f64>; 2],
    /// The run's row coordinate and first column (a contiguous run), for the reads in place.
    y: f64,
    first: Option<usize>,
}

impl RefRun {
    fn new() -> RefRun {
        let z = || vec![0.0; BLOCK];
        RefRun {
            len: 0,
            values: [z(), z(), z(), z(), z()],
            bounds: [z(), z(), z(), z(), z()],
            owned: [true; 5],
            pending: [None; 5],
            f_added: false,
            stencil_added: [false; 2],
            scale: [z(), z()],
            y: 0.0,
            first: None,
        }
    }
}

/// Per-thread buffers of the reference.
pub(crate) struct RefWork {
    scratch: Scratch<f64>,
    /// One per stencil term (the center's unused) and axis: f at the term's points,
    /// evaluated directly or near the center ([`Plan::eval_near`]), and the shifted
    /// coordinates. An axis's own, so that a stencil left undone keeps its terms while the
    /// other axis's are evaluated.
    terms: [Vec<TermWork>; 2],
    xs: Vec<f64>,
    /// A stencil's running sum, its bound and its scale, before the division (stencils
    /// without a fused form).
    sum: [Vec<f64>; 3],
    /// The results of the last run.
    pub(crate) out: RefRun,
    /// Whether a scalar derivative is left unbroadcast ([`RefRun::pending`]) and f, where it
    /// is a block plus a scalar, left undone ([`RefRun::f_added`]): the checker compares the
    /// one as a constant ([`super::quick_const`]) and the other as it computes it
    /// ([`super::quick_added`]), and writes either out only where it must.
    pub(crate) lazy: bool,
    /// Runs a lean comparison cleared, of quantities the same in every row
    /// ([`Reference::same_in_every_row`]), by quantity and first column: the checker's memory
    /// of them, kept across runs, pieces and tiles.
    pub(crate) memo: Vec<RowMemo>,
    /// Whether a stencil's terms that are a block plus a scalar are left undone by the plan
    /// and computed where the stencil reads them ([`stencil_terms`]); off only in a test
    /// that holds the two ways to the same bits.
    pub(crate) defer: bool,
    /// Per-point thresholds of a banded comparison ([`super::banded_stencil`]), kept here
    /// so that no run clears a buffer for them.
    pub(crate) thresholds: Vec<f64>,
    /// Chunks of such runs that the banded comparison cleared against the stencil's
    /// combination of blocks ([`Diffs`]) without computing their quotients.
    pub(crate) banded_near: u64,
    /// Chunks of the runs a banded comparison decided.
    pub(crate) banded_chunks: u64,
    /// Runs of a finite difference that a banded comparison decided.
    pub(crate) banded: u64,
}

/// A run of a quantity whose reference is the same in every row that a lean comparison
/// cleared: the engine's values (bytes), and the failures and ill-conditioned points it
/// counted.
pub(crate) struct RowMemo {
    pub(crate) key: usize,
    pub(crate) first: usize,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fails: u64,
    pub(crate) ill: u64,
}

/// The buffers of one stencil term.
struct TermWork {
    scratch: Scratch<f64>,
    xk: Vec<f64>,
}

/// Which points of a row a run covers.
pub(crate) enum Cols<'a> {
    /// Columns `first .. first + len` (the column caches apply).
    Range { first: usize, len: usize },
    /// These columns (a sample).
    Pick(&'a [usize]),
}

impl Cols<'_> {
    fn len(&self) -> usize {
        match self {
            Cols::Range { len, .. } => *len,
            Cols::Pick(c) => c.len(),
        }
    }
}

/// The reference of one request: its plans, stencil and column caches.
pub(crate) struct Reference {
    grid: Grid,
    p: Precision,
    model: ErrorModel,
    /// f and every partial derivative.
    main: Plan,
    /// f alone, at stencil points.
    f_only: Plan,
    /// (offset multiple, T(o·h), weight), in the scheme's order.
    terms: Vec<(i32, f64, f64)>,
    /// T(den·h).
    den: f64,
    /// Whether finite differences are compared.
    fd: bool,
    /// Output index of ∂f/∂y in `main` (2-D grids).
    gy_out: usize,
    /// x-only nodes of `main` at the grid's columns (2-D grids).
    main_cache: Option<ColumnCache<f64>>,
    /// x-only nodes of `f_only` at each stencil column offset (0 for y stencils).
    f_caches: Vec<(i32, ColumnCache<f64>)>,
    /// Whether stencil points are evaluated beside the center ([`Plan::eval_near`]): on 1-D
    /// grids (no column caches), in either precision. The stencil points are read by the
    /// stencil alone, whose value this makes no less accurate: f at a point beside the
    /// center is the center's sin (cos, exp) plus a correction at most 1/16 of the result,
    /// so the center's own error (at most an ulp, the whole of a direct evaluation's) enters
    /// every term of the stencil alike and cancels in its sum (its weights sum to zero); what
    /// is left is each term's last rounding and the correction's (a sixteenth of an ulp, the
    /// shift's rounding included), within the direct evaluation's ulp a term. A float32
    /// check has 2^-29 of a tolerance to spare for it anyway; for float64 the test
    /// `float64_stencils_beside_the_center_are_as_close_to_the_truth` holds the stencils so
    /// computed against multi-precision truths, next to the direct ones.
    near: bool,
    /// The node of f that the stencils leave undone ([`Plan::add_scalar_output`]), for runs
    /// without and with a column cache: where f is a block plus a scalar, the stencil has
    /// two or four points, none of them the center (read from the run's results), and its
    /// points are evaluated directly (not [`Reference::near`]).
    deferred: [Option<usize>; 2],
    /// The same for f at the points themselves, in a lazy work ([`RefWork::lazy`]): where f
    /// is a block plus a scalar and no stencil reads it (none has the center among its
    /// points), the comparison computes it ([`Reference::added_f`]).
    pub(super) deferred_f: [Option<usize>; 2],
    /// Per axis, one per stencil term: the extremes of the term's block over each chunk of
    /// columns ([`Bands`]), where the stencil is left undone with a column cache and its
    /// blocks are read from it (else empty).
    bands: [Vec<Bands>; 2],
    /// Per axis, with the bands: the stencil's combination of its terms' blocks at every
    /// column ([`Diffs`]).
    diffs: [Option<Diffs>; 2],
}

/// What a truth evaluates: output k of the main program at (x, y), or a stencil of f over
/// (x, y, weight) points.
enum TruthOf {
    Output(usize, f64, f64),
    Stencil(Vec<(f64, f64, f64)>),
}

/// Column caches larger than this are not built (x-only nodes are then computed per point).
const MAX_CACHE_BYTES: usize = 256 << 20;

impl Reference {
    /// The reference for `spec`'s request, checked against `model`; `fd` says whether finite
    /// differences are compared.
    pub(crate) fn new(spec: &FieldSpec, model: ErrorModel, fd: bool) -> Reference {
        let mut r = Reference::pointwise(spec, model, fd);
        r.near = !spec.grid.is_2d();
        if r.near {
            r.deferred = [None; 2];
            r.deferred_f = [None; 2];
        }
        if spec.grid.is_2d() {
            r.build_caches();
        }
        r
    }

    /// The same reference for a few scattered points ([`Cols::Pick`]): no column caches,
    /// which would go unused, and every stencil point evaluated directly (no addition-formula
    /// shortcut, whose own few ulps of float64 its bounds do not carry).
    pub(crate) fn pointwise(spec: &FieldSpec, model: ErrorModel, fd: bool) -> Reference {
        let mut outs = vec![&spec.expr, &spec.grad_x];
        if spec.grid.is_2d() {
            outs.push(&spec.grad_y);
        }
        let (terms, den) = spec.stencil();
        let f_only = Plan::new(&[&spec.expr]);
        let fused = matches!(terms.len(), 2 | 4) && terms.iter().all(|t| t.0 != 0);
        let deferred = [false, true]
            .map(|cached| fused.then(|| f_only.add_scalar_output(0, cached)).flatten());
        let center_read = fd && terms.iter().any(|t| t.0 == 0);
        let main = Plan::new(&outs);
        let deferred_f = [false, true].map(|cached| {
            (!center_read)
                .then(|| main.add_scalar_output(0, cached))
                .flatten()
        });
        Reference {
            grid: spec.grid,
            p: spec.precision,
            model,
            main,
            f_only,
            terms,
            den,
            fd,
            gy_out: 2,
            main_cache: None,
            f_caches: Vec::new(),
            near: false,
            bands: [Vec::new(), Vec::new()],
            diffs: [None, None],
            deferred,
            deferred_f,
        }
    }

    fn build_caches(&mut self) {
        let nx = self.grid.x.n;
        let mut offsets = vec![0];
        if self.fd {
            offsets.extend(self.terms.iter().map(|t| t.0).filter(|&o| o != 0));
        }
        let per_column = 16 * (self.main.x_only() + offsets.len() * self.f_only.x_only());
        if per_column * nx > MAX_CACHE_BYTES {
            return;
        }
        let xs = coords(&self.grid.x, self.p, 0, nx);
        let m = Some(&self.model);
        self.main_cache = Some(self.main.column_cache(&xs, m));
        for o in offsets {
            let shifted: Vec<f64> = match self.terms.iter().find(|t| t.0 == o && o != 0) {
                Some(&(_, off, _)) => xs.iter().map(|&x| self.p.add(x, off)).collect(),
                None => xs.clone(),
            };
            self.f_caches
                .push((o, self.f_only.column_cache(&shifted, m)));
        }
        // The bands of the stencils left undone: along x each term's block at its own
        // column offset, along y every term's the unshifted one's.
        if self.deferred[1].is_some()
            && let Some(block) = self.f_only.add_scalar_cached_block(0)
        {
            for (axis, along_x) in [(0, true), (1, false)] {
                let blocks = self
                    .terms
                    .iter()
                    .map(|&(o, ..)| {
                        let cache = self.f_cache(if along_x { o } else { 0 })?;
                        let (v, e) = cache.node(block);
                        (v.len() == e.len()).then_some((v, e))
                    })
                    .collect::<Option<Vec<_>>>();
                let Some(blocks) = blocks else {
                    continue;
                };
                let bands = blocks.iter().map(|(v, e)| Bands::new(v, e)).collect();
                let v: Vec<&[f64]> = blocks.iter().map(|b| b.0).collect();
                let w: Vec<f64> = self.terms.iter().map(|t| t.2).collect();
                let diffs = Diffs::new(&v, &w, self.den);
                (self.bands[axis], self.diffs[axis]) = (bands, Some(diffs));
            }
        }
    }

    /// Buffers for one thread.
    pub(crate) fn work(&self) -> RefWork {
        let nodes = self.main.nodes().max(self.f_only.nodes());
        let terms = if self.fd { self.terms.len() } else { 0 };
        let terms_y = if self.grid.is_2d() { terms } else { 0 };
        RefWork {
            scratch: Scratch::new(nodes, true),
            terms: [terms, terms_y].map(|n| {
                (0..n)
                    .map(|_| TermWork {
                        scratch: Scratch::new(nodes, true),
                        xk: vec![0.0; BLOCK],
                    })
                    .collect()
            }),
            xs: vec![0.0; BLOCK],
            sum: [vec![0.0; BLOCK], vec![0.0; BLOCK], vec![0.0; BLOCK]],
            out: RefRun::new(),
            lazy: false,
            memo: Vec::new(),
            defer: true,
            thresholds: vec![0.0; BLOCK],
            banded_near: 0,
            banded_chunks: 0,
            banded: 0,
        }
    }

    fn f_cache(&self, o: i32) -> Option<&ColumnCache<f64>> {
        self.f_caches.iter().find(|(k, _)| *k == o).map(|(_, c)| c)
    }

    /// Evaluates the reference at the points `cols` of row `row` (at most [`BLOCK`]) into
    /// `w.out`: f and the derivatives always, the stencils when finite differences are
    /// compared.
    pub(crate) fn eval_run(&self, row: usize, cols: &Cols<'_>, w: &mut RefWork) {
        let len = cols.len();
        debug_assert!(len <= BLOCK);
        let p = self.p;
        let m = &self.model;
        let first = match cols {
            Cols::Range { first, .. } => {
                self.grid.x.fill_coords(*first, p, &mut w.xs[..len]);
                Some(*first)
            }
            Cols::Pick(c) => {
                for (x, &i) in w.xs.iter_mut().zip(c.iter()) {
                    *x = self.grid.x.coord(i, p);
                }
                None
            }
        };
        let y = self.grid.y.map_or(0.0, |ax| ax.coord(row, p));
        w.out.len = len;
        // The point itself: f and every derivative.
        let inp = self.main_input(&w.xs[..len], y, first);
        let defer_f = match w.lazy {
            true => self.deferred_f[inp.cache.is_some() as usize],
            false => None,
        };
        self.main.eval_but(&inp, Some(m), &mut w.scratch, defer_f);
        let outputs: &[(Field, usize)] = if self.grid.is_2d() {
            &[
                (Field::F, 0),
                (Field::GradX, 1),
                (Field::GradY, self.gy_out),
            ]
        } else {
            &[(Field::F, 0), (Field::GradX, 1)]
        };
        // Read in place where they are (a register, the column cache); a scalar output is
        // broadcast.
        w.out.y = y;
        w.out.first = first;
        w.out.owned = [true; 5];
        w.out.pending = [None; 5];
        w.out.f_added = defer_f.is_some();
        w.out.stencil_added = [false; 2];
        for &(field, k) in outputs {
            let i = field.index();
            if field == Field::F && w.out.f_added {
                w.out.owned[i] = false;
                continue;
            }
            w.out.owned[i] = self.main.output_in_place(k, &inp, &w.scratch).is_none();
            // A scalar derivative, left unbroadcast (f is never a pending scalar: the stencils
            // read it).
            if w.out.owned[i]
                && w.lazy
                && field != Field::F
                && let Some(c) = self.main.scalar_output(k, &inp, &w.scratch)
            {
                w.out.pending[i] = Some(c);
                continue;
            }
            if w.out.owned[i] {
                let (vals, errs) = (&mut w.out.values, &mut w.out.bounds);
                self.main.write_output(
                    k,
                    &inp,
                    &mut w.scratch,
                    &mut vals[i][..len],
                    Some(&mut errs[i][..len]),
                );
            }
        }
        if !self.fd {
            return;
        }
        let axes: &[(Field, usize)] = if self.grid.is_2d() {
            &[(Field::FdX, 0), (Field::FdY, 1)]
        } else {
            &[(Field::FdX, 0)]
        };
        let basic = m.basic(1.0);
        for &(field, axis) in axes {
            let along_x = field == Field::FdX;
            // f a block plus a scalar at every stencil point: left undone by the plan, and
            // computed where the stencil reads it ([`stencil_terms`]).
            let defer = match self.terms.first() {
                Some(&(o, ..)) if w.defer => {
                    self.deferred[self.term_cache(along_x, o, first).is_some() as usize]
                }
                _ => None,
            };
            // f and its bound at each stencil point, as the engine rounded its coordinate:
            // first evaluated, each term into its own buffers ...
            for (tw, &(o, off, _)) in w.terms[axis].iter_mut().zip(&self.terms) {
                if o == 0 {
                    continue;
                }
                let TermWork { scratch, xk } = tw;
                if along_x && self.term_cache(along_x, o, first).is_none() {
                    shifted(&w.xs[..len], off, p, &mut xk[..len]);
                }
                let inp = self.term_input(along_x, (o, off), first, y, &w.xs[..len], xk);
                if self.near {
                    // Beside the center just evaluated (1-D): its sin, cos and exp
                    // carry over by the addition formulas.
                    self.main
                        .eval_near(&inp, &w.xs[..len], &w.scratch, m, scratch);
                } else {
                    self.f_only.eval_but(&inp, Some(m), scratch, defer);
                }
            }
            if defer.is_some() {
                // Left undone in a lazy work (the checker's comparison computes it as it reads
                // it, [`Reference::added_stencil`]), else written out now.
                w.out.stencil_added[axis] = true;
                if !w.lazy {
                    self.materialize(w, field);
                }
                continue;
            }
            // ... then read in place (the center's from the run's own results).
            let (f_out, rest) = w.out.values.split_at_mut(1);
            let (fb_out, rest_b) = w.out.bounds.split_at_mut(1);
            let center = if w.out.owned[Field::F.index()] {
                (&f_out[0][..len], &fb_out[0][..len])
            } else {
                self.main_in_place(0, &w.xs[..len], y, first, &w.scratch)
                    .expect("an output not owned is in place")
            };
            let plan = if self.near { &self.main } else { &self.f_only };
            // At most four terms (the five-point stencil's), on the stack.
            let mut fk: [(&[f64], &[f64], f64); 4] = [(&[], &[], 0.0); 4];
            for ((tw, &(o, off, weight)), slot) in
                w.terms[axis].iter_mut().zip(&self.terms).zip(fk.iter_mut())
            {
                let (v, e) = if o == 0 {
                    center
                } else {
                    let inp = self.term_input(along_x, (o, off), first, y, &w.xs[..len], &tw.xk);
                    plan.output_with_bounds(0, &inp, &mut tw.scratch)
                };
                *slot = (v, e, weight);
            }
            let fk = &fk[..self.terms.len()];
            let fi = field.index() - 1;
            let out = [
                &mut rest[fi][..len],
                &mut rest_b[fi][..len],
                &mut w.out.scale[axis][..len],
            ];
            stencil(fk, self.den, basic, m.div(1.0), out, &mut w.sum);
        }
    }
}

impl Reference {
    /// The index of `field`'s output in the main plan (f and the derivatives).
    fn main_output(&self, field: Field) -> Option<usize> {
        match field {
            Field::F => Some(0),
            Field::GradX => Some(1),
            Field::GradY => Some(self.gy_out),
            Field::FdX | Field::FdY => None,
        }
    }

    /// The values and bounds of `field` from the last [`Reference::eval_run`] into `w`
    /// (a pending scalar must have been broadcast: [`Reference::materialize`]).
    pub(crate) fn field<'w>(&'w self, w: &'w RefWork, field: Field) -> (&'w [f64], &'w [f64]) {
        let (i, len) = (field.index(), w.out.len);
        assert!(
            w.out.pending[i].is_none()
                && !(field == Field::F && w.out.f_added)
                && !stencil_axis(field).is_some_and(|a| w.out.stencil_added[a]),
            "an output left undone is read before it is written"
        );
        if !w.out.owned[i]
            && let Some(k) = self.main_output(field)
            && let Some(v) = self.main_in_place(k, &w.xs[..len], w.out.y, w.out.first, &w.scratch)
        {
            return v;
        }
        (&w.out.values[i][..len], &w.out.bounds[i][..len])
    }

    /// Output `k` of the main plan's last evaluation over the run at `xs` (row coordinate
    /// `y`, first column `first` of a contiguous run) where it is, or `None` for a scalar.
    fn main_in_place<'w>(
        &'w self,
        k: usize,
        xs: &'w [f64],
        y: f64,
        first: Option<usize>,
        scratch: &'w Scratch<f64>,
    ) -> Option<(&'w [f64], &'w [f64])> {
        self.main
            .output_in_place(k, &self.main_input(xs, y, first), scratch)
    }

    /// The main plan's input for a run at `xs`, row coordinate `y`, first column `first` (a
    /// contiguous run, which the column cache serves).
    fn main_input<'w>(&'w self, xs: &'w [f64], y: f64, first: Option<usize>) -> Input<'w, f64> {
        Input {
            xs,
            y,
            cache: with(first, self.main_cache.as_ref()),
        }
    }

    /// The column cache of a stencil term at offset multiple `o` (along x, or along y: the
    /// unshifted columns), for a contiguous run.
    fn term_cache(
        &self,
        along_x: bool,
        o: i32,
        first: Option<usize>,
    ) -> Option<(&ColumnCache<f64>, usize)> {
        with(first, self.f_cache(if along_x { o } else { 0 }))
    }

    /// The inputs of the stencil term `(o, off)` of a run at `xs`, row coordinate `y`: along
    /// x the coordinates shifted into `xk` — unless the term's column cache gives x, when the
    /// coordinates serve only for the run's length — along y the shifted row coordinate.
    fn term_input<'a>(
        &'a self,
        along_x: bool,
        (o, off): (i32, f64),
        first: Option<usize>,
        y: f64,
        xs: &'a [f64],
        xk: &'a [f64],
    ) -> Input<'a, f64> {
        let cache = self.term_cache(along_x, o, first);
        let (xs, y) = match (along_x, cache.is_some()) {
            (true, false) => (&xk[..xs.len()], y),
            (true, true) => (xs, y),
            (false, _) => (xs, self.p.add(y, off)),
        };
        Input { xs, y, cache }
    }

    /// `field`'s value and bound where the last run left it a pending scalar
    /// ([`RefRun::pending`]).
    pub(crate) fn pending(&self, w: &RefWork, field: Field) -> Option<(f64, f64)> {
        w.out.pending[field.index()]
    }

    /// Whether `field`'s reference over the last run is read from the column cache, the same
    /// at a column in every row (∂f/∂x of f = g(x) + h(y)); `Some` with the run's first
    /// column where it is. Not where the run's copy of it was changed (masked where f is
    /// undefined: [`Reference::own`]), which is then not the cache's.
    pub(crate) fn same_in_every_row(&self, w: &RefWork, field: Field) -> Option<usize> {
        let first = w.out.first?;
        let k = self.main_output(field)?;
        let in_cache = self.main_cache.is_some() && self.main.output_cached(k);
        (in_cache && !w.out.owned[field.index()]).then_some(first)
    }

    /// f of the last run where the main plan left it undone, a block plus a scalar
    /// ([`RefRun::f_added`]): its parts, for a comparison that computes it as it reads it.
    pub(crate) fn added_f<'w>(&'w self, w: &'w RefWork) -> Option<AddScalar<'w>> {
        w.out.f_added.then(|| {
            let inp = self.main_input(&w.xs[..w.out.len], w.out.y, w.out.first);
            self.main.add_scalar(0, &inp, &w.scratch)
        })
    }

    /// Writes `field` into the run's buffers where the last run left it undone: a pending
    /// scalar broadcast, f computed from its parts ([`Reference::added_f`]), the same bits
    /// the plan would have written.
    pub(crate) fn materialize(&self, w: &mut RefWork, field: Field) {
        let (i, len) = (field.index(), w.out.len);
        if let Some((v, e)) = w.out.pending[i].take() {
            w.out.values[i][..len].fill(v);
            w.out.bounds[i][..len].fill(e);
        }
        if field == Field::F && w.out.f_added {
            let RefWork {
                xs, scratch, out, ..
            } = w;
            let f =
                self.main
                    .add_scalar(0, &self.main_input(&xs[..len], out.y, out.first), scratch);
            let basic = self.model.basic(1.0);
            let (v, e) = (&mut out.values[i][..len], &mut out.bounds[i][..len]);
            for (k, (v, e)) in v.iter_mut().zip(e.iter_mut()).enumerate() {
                (*v, *e) = f.at(k, basic);
            }
            out.owned[i] = true;
            out.f_added = false;
        }
        if let Some(axis) = stencil_axis(field)
            && w.out.stencil_added[axis]
        {
            let basic = self.model.basic(1.0);
            let (den, div) = (self.den, self.model.div(1.0));
            let out = &mut w.out;
            let out3 = [
                &mut out.values[i][..len],
                &mut out.bounds[i][..len],
                &mut out.scale[axis][..len],
            ];
            let (terms, xs, y, first) = (&w.terms[axis], &w.xs[..len], out.y, out.first);
            match self.terms.len() {
                2 => {
                    let t = self.added_terms::<2>(axis, terms, xs, y, first);
                    let t = t.map(|t| Added(t, basic));
                    stencil_terms(t, self.weights(), den, basic, div, out3)
                }
                4 => {
                    let t = self.added_terms::<4>(axis, terms, xs, y, first);
                    let t = t.map(|t| Added(t, basic));
                    stencil_terms(t, self.weights(), den, basic, div, out3)
                }
                _ => unreachable!("two or four terms"),
            }
            out.stencil_added[axis] = false;
        }
    }

    /// The terms of the stencil along `axis` over the last run (at `xs`, row coordinate `y`,
    /// first column `first`), each a block plus a scalar that its plan left undone.
    fn added_terms<'a, const N: usize>(
        &'a self,
        axis: usize,
        terms: &'a [TermWork],
        xs: &'a [f64],
        y: f64,
        first: Option<usize>,
    ) -> [AddScalar<'a>; N] {
        std::array::from_fn(|k| {
            let ((o, off, _), tw) = (self.terms[k], &terms[k]);
            let inp = self.term_input(axis == 0, (o, off), first, y, xs, &tw.xk);
            self.f_only.add_scalar(0, &inp, &tw.scratch)
        })
    }

    /// fd_x or fd_y of the last run where it was left undone ([`RefRun::stencil_added`]): its
    /// stencil's terms and constants, for a comparison that computes it as it reads it (the
    /// bits [`Reference::materialize`] would write).
    pub(crate) fn added_stencil<'w>(&'w self, w: &'w RefWork, field: Field) -> Option<Undone<'w>> {
        let axis = stencil_axis(field)?;
        if !w.out.stencil_added[axis] {
            return None;
        }
        Some(match self.terms.len() {
            2 => Undone::Two(self.stencil_of(axis, w)),
            4 => Undone::Four(self.stencil_of(axis, w)),
            _ => unreachable!("two or four terms"),
        })
    }

    /// [`Reference::added_stencil`] of `N` terms along `axis`.
    fn stencil_of<'w, const N: usize>(
        &'w self,
        axis: usize,
        w: &'w RefWork,
    ) -> AddedStencil<'w, N> {
        let (len, basic) = (w.out.len, self.model.basic(1.0));
        let terms = self.added_terms(axis, &w.terms[axis], &w.xs[..len], w.out.y, w.out.first);
        AddedStencil {
            terms: Terms::new(
                terms.map(|t| Added(t, basic).head(len)),
                self.weights(),
                basic,
            ),
            divide: Divide::new(self.den, self.model.div(1.0)),
        }
    }

    /// The stencil's `N` weights, in the scheme's order.
    fn weights<const N: usize>(&self) -> [f64; N] {
        std::array::from_fn(|k| self.terms[k].2)
    }

    /// The bands of fd_x's or fd_y's stencil terms ([`Bands`], one per term) and the first
    /// column of the last run, where the run left the stencil undone ([`Reference::added_stencil`])
    /// and its blocks are read from a column cache.
    pub(crate) fn bands<'w>(&'w self, w: &RefWork, field: Field) -> Option<(&'w [Bands], usize)> {
        let axis = stencil_axis(field)?;
        let first = w.out.first?;
        let bands = &self.bands[axis];
        (w.out.stencil_added[axis] && bands.len() == self.terms.len())
            .then_some((&bands[..], first))
    }

    /// The combination of fd_x's or fd_y's stencil terms' blocks ([`Diffs`]) where
    /// [`Reference::bands`] gives their bands.
    pub(crate) fn diffs(&self, field: Field) -> Option<&Diffs> {
        self.diffs[stencil_axis(field)?].as_ref()
    }

    /// Copies `field` from where [`Reference::field`] reads it into `w.out`'s own buffers,
    /// which may then be changed.
    pub(crate) fn own(&self, w: &mut RefWork, field: Field) {
        let (i, len) = (field.index(), w.out.len);
        self.materialize(w, field);
        if w.out.owned[i] {
            return;
        }
        // Read in place (as `field` does) straight into the run's own buffers.
        let RefWork {
            scratch, xs, out, ..
        } = w;
        if let Some(k) = self.main_output(field)
            && let Some((v, e)) = self.main_in_place(k, &xs[..len], out.y, out.first, scratch)
        {
            out.values[i][..len].copy_from_slice(v);
            out.bounds[i][..len].copy_from_slice(e);
        }
        out.owned[i] = true;
    }

    /// The values of `field` from the last run, to be changed in place (after
    /// [`Reference::own`]).
    pub(crate) fn values_mut<'w>(&self, w: &'w mut RefWork, field: Field) -> &'w mut [f64] {
        debug_assert!(w.out.owned[field.index()]);
        &mut w.out.values[field.index()][..w.out.len]
    }
}

impl Reference {
    /// The truth ([`super::truth`]) of `field` at linear index `k`: f and the exact
    /// derivatives from the same instruction list, a finite difference as the same stencil at
    /// the engine's own stencil coordinates — all without rounding.
    pub(crate) fn truth_at(
        &self,
        truth: &mut super::truth::Truth,
        field: Field,
        k: usize,
    ) -> Option<f64> {
        let prog = &self.main.prog;
        match self.truth_of(field, k) {
            TruthOf::Output(out, x, y) => truth.output(prog, out, x, y),
            TruthOf::Stencil(points) => truth.stencil(prog, &points, self.den),
        }
    }

    /// The same truth in double-double arithmetic ([`super::dd`]): a double and a bound on
    /// its distance from the exact value, or `None` where that arithmetic cannot bound it.
    pub(crate) fn bounded_truth_at(&self, field: Field, k: usize) -> Option<(f64, f64)> {
        let prog = &self.main.prog;
        match self.truth_of(field, k) {
            TruthOf::Output(out, x, y) => super::dd::output(prog, out, x, y),
            TruthOf::Stencil(points) => super::dd::stencil(prog, &points, self.den),
        }
    }

    /// What the truth of `field` at linear index `k` evaluates.
    fn truth_of(&self, field: Field, k: usize) -> TruthOf {
        let point = self.grid.point(k, self.p);
        let (x, y) = (point[0], point.get(1).copied().unwrap_or(0.0));
        match self.main_output(field) {
            Some(out) => TruthOf::Output(out, x, y),
            None => TruthOf::Stencil(
                self.terms
                    .iter()
                    .map(|&(o, off, w)| match (o, field) {
                        (0, _) => (x, y, w),
                        (_, Field::FdX) => (self.p.add(x, off), y, w),
                        _ => (x, self.p.add(y, off), w),
                    })
                    .collect(),
            ),
        }
    }

    /// One field of the reference over the whole grid (on all cores).
    pub(crate) fn field_everywhere(&self, field: Field) -> Vec<f64> {
        use rayon::prelude::*;
        let nx = self.grid.x.n;
        let rows = self.grid.y.map_or(1, |y| y.n);
        let chunks: Vec<(usize, usize)> = (0..rows)
            .flat_map(|r| (0..nx).step_by(BLOCK).map(move |c| (r, c)))
            .collect();
        let parts: Vec<Vec<f64>> = chunks
            .par_iter()
            .map_init(
                || self.work(),
                |w, &(row, first)| {
                    let len = BLOCK.min(nx - first);
                    self.eval_run(row, &Cols::Range { first, len }, w);
                    self.field(w, field).0.to_vec()
                },
            )
            .collect();
        parts.concat()
    }
}

/// A column cache and the run's first column, for a contiguous run (`first`) that has one.
fn with(first: Option<usize>, c: Option<&ColumnCache<f64>>) -> Option<(&ColumnCache<f64>, usize)> {
    first.and_then(|f| c.map(|c| (c, f)))
}

/// `out = x + off` as the engine's precision rounds it.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn shifted(xs: &[f64], off: f64, p: Precision, out: &mut [f64]) {
    match p {
        Precision::F32 => {
            let off = off as f32;
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = (x as f32 + off) as f64;
            }
        }
        Precision::F64 => {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = x + off;
            }
        }
    }
}

/// The axis of a finite difference (0 for fd_x, 1 for fd_y).
fn stencil_axis(field: Field) -> Option<usize> {
    match field {
        Field::FdX => Some(0),
        Field::FdY => Some(1),
        _ => None,
    }
}

/// A stencil left undone ([`Reference::added_stencil`]), by its number of points.
pub(crate) enum Undone<'a> {
    Two(AddedStencil<'a, 2>),
    Four(AddedStencil<'a, 4>),
}

/// A stencil whose terms are each a block plus a scalar, left undone: its terms, weights
/// and division, from which a comparison computes each point's quotient as
/// [`stencil_terms`] would ([`Quotients`]; the same bits where the division is safe) and
/// bounds on its bound and scale chunk by chunk ([`AddedStencil::chunk_bounds`]); what
/// that does not decide is compared from the stencil written out
/// ([`Reference::materialize`]).
#[derive(Clone, Copy)]
pub(crate) struct AddedStencil<'a, const N: usize> {
    terms: Terms<Added<'a>, N>,
    divide: Divide,
}

impl<'a, const N: usize> AddedStencil<'a, N> {
    /// The parts of its quotients ([`Quotients`]), over the first `n` points.
    pub(crate) fn quotients(self, n: usize) -> Quotients<'a, N> {
        let Terms { f, w, .. } = self.terms;
        let mut q = Quotients {
            v: [&[][..]; N],
            sign: [0.0; N],
            t: [0.0; N],
            w,
            den: self.divide.den,
            r: self.divide.r,
        };
        for (k, fk) in f.iter().enumerate() {
            q.v[k] = &fk.0.v[..n];
            q.sign[k] = fk.0.sign;
            q.t[k] = fk.0.t;
        }
        q
    }

    /// The row's part of the comparison against [`Diffs`]: where every term has the same
    /// sign, `(sign, T/den, τ)` with `T` = Σ_k w_k·t_k over the terms' scalars `t_k` as
    /// floating point sums it, and τ = Σ_k |w_k|·|t_k| rounded.
    pub(crate) fn row(self) -> Option<(f64, f64, f64)> {
        let Terms { f, w, wabs, .. } = self.terms;
        let sign = f[0].0.sign;
        if f.iter().any(|t| t.0.sign != sign) {
            return None;
        }
        let (mut t, mut tau) = (0.0, 0.0);
        for k in 0..N {
            t += w[k] * f[k].0.t;
            tau += wabs[k] * f[k].0.t.abs();
        }
        Some((sign, t / self.divide.den, tau))
    }

    /// The divisor's magnitude.
    pub(crate) fn den_abs(self) -> f64 {
        self.divide.den.abs()
    }

    /// Bounds, for every point of each chunk `j0 .. j0 + m` of the run, on what the stencil
    /// written out ([`stencil_terms`]) holds there, from the chunk's extremes of each term's block
    /// (`bands`, one per term): into `qe_lo[j]` and `qe_hi[j]` a lower and an upper bound of
    /// the bound `qe`, into `qs_lo[j]` a lower bound of the scale `qs`. `qe_hi[j]` is ∞
    /// where the chunk is not bounded so: a value or bound not finite, or a sum outside the
    /// range in which every quotient is correctly rounded ([`division_is_safe`]).
    ///
    /// Each bound is the point's own arithmetic, operation for operation, on extremes of its
    /// operands: every operation is monotone in the magnitudes it takes (rounding is
    /// monotone), so the result lies between the results at the extremes. |F| = |±v + t|
    /// ranges over |·| of the rounded ends (0 where they straddle zero); the magnitude of a
    /// sum is at most the rounded sum of its terms' largest magnitudes, and at least 0 (its
    /// terms in `qe`'s lower bound are dropped); the quotient's at most the largest sum's,
    /// divided. A chunk whose every term is at least 2^-900 in magnitude has sums that are 0
    /// or at least 2^-952 (multiples of the smallest term's ulp), so that, with the largest
    /// sum at most 2^900, every quotient is in [`markstein`]'s safe range.
    #[inline(always)]
    pub(crate) fn chunk_bounds(
        self,
        bands: &[Bands],
        j0: usize,
        m: usize,
        qe_lo: &mut [f64],
        qe_hi: &mut [f64],
        qs_lo: &mut [f64],
    ) {
        let Terms { f, wabs, basic, .. } = self.terms;
        let Divide {
            den, below, div, ..
        } = self.divide;
        let dabs = den.abs();
        let den_safe = (2f64.powi(-60)..=2f64.powi(60)).contains(&dabs);
        let (tiny, huge) = (2f64.powi(-900), 2f64.powi(900));
        let (qe_lo, qe_hi, qs_lo) = (&mut qe_lo[..m], &mut qe_hi[..m], &mut qs_lo[..m]);
        // Each term's extremes over the chunks, as slices of exactly `m` (no bounds checks in
        // the loop, which then vectorises across chunks).
        let mut ext = [[&[][..]; 4]; N];
        for k in 0..N {
            let b = &bands[k];
            let r = j0..j0 + m;
            ext[k] = [
                &b.lo[r.clone()],
                &b.hi[r.clone()],
                &b.elo[r.clone()],
                &b.ehi[r],
            ];
        }
        for j in 0..m {
            let (mut acc_hi, mut acce_lo, mut acce_hi, mut scale_lo) = (0.0, 0.0, 0.0, 0.0);
            let mut smallest = f64::INFINITY;
            for k in 0..N {
                let t = f[k].0;
                let [lo, hi, elo, ehi] = ext[k];
                let (lo, hi) = if t.sign > 0.0 {
                    (lo[j], hi[j])
                } else {
                    (-hi[j], -lo[j])
                };
                let (f_lo, f_hi) = (lo + t.t, hi + t.t);
                let a_lo = if f_lo > 0.0 {
                    f_lo
                } else if f_hi < 0.0 {
                    -f_hi
                } else {
                    0.0
                };
                let a_hi = if f_lo.abs() > f_hi.abs() {
                    f_lo.abs()
                } else {
                    f_hi.abs()
                };
                // [`AddScalar::of`]'s bound, at the extremes.
                let e_lo = elo[j] + t.te + basic * a_lo;
                let e_hi = ehi[j] + t.te + basic * a_hi;
                // [`Terms::sums`], at the extremes (|w·F| is |w|·|F| rounded).
                let (p_lo, p_hi) = (wabs[k] * a_lo, wabs[k] * a_hi);
                smallest = if p_lo < smallest { p_lo } else { smallest };
                if k == 0 {
                    acc_hi = p_hi;
                    acce_lo = wabs[0] * e_lo;
                    acce_hi = wabs[0] * e_hi;
                    scale_lo = p_lo;
                } else {
                    acc_hi += p_hi;
                    // (basic·|acc| at its least, 0, added.)
                    acce_lo += wabs[k] * e_lo;
                    acce_hi += wabs[k] * e_hi + basic * acc_hi;
                    scale_lo += p_lo;
                }
            }
            // [`Divide::point`], at the extremes.
            let q_hi = acc_hi / dabs;
            let lo_e = acce_lo * below;
            let hi_e = acce_hi * below + div * q_hi;
            let safe = den_safe & (acc_hi <= huge) & (smallest >= tiny) & (hi_e <= f64::MAX);
            qe_lo[j] = lo_e;
            qe_hi[j] = if safe { hi_e } else { f64::INFINITY };
            qs_lo[j] = scale_lo * below;
        }
    }
}

/// What a stencil left undone computes its quotients from: each term's block `v` (as
/// many points as the run), sign and scalar (the term `sign·v + t`, [`AddScalar::of`]),
/// its weight, and the divisor with its reciprocal ([`markstein`]). Plain arrays, so that
/// the loops over a run's points vectorise.
#[derive(Clone, Copy)]
pub(crate) struct Quotients<'a, const N: usize> {
    pub(super) v: [&'a [f64]; N],
    sign: [f64; N],
    t: [f64; N],
    w: [f64; N],
    den: f64,
    r: f64,
}

impl<const N: usize> Quotients<'_, N> {
    /// Point `i`'s quotient from its terms' block values `v` (at `i`), the bits
    /// [`stencil_terms`] writes where the division is safe: the terms summed in the
    /// scheme's order ([`Terms::sums`]), then divided ([`Divide::point`]).
    #[inline(always)]
    pub(crate) fn of(&self, v: [f64; N]) -> f64 {
        let mut acc = 0.0;
        for (k, &vk) in v.iter().enumerate() {
            let term = self.w[k] * (self.sign[k] * vk + self.t[k]);
            acc = if k == 0 { term } else { acc + term };
        }
        markstein(acc, self.den, self.r)
    }
}

/// A stencil's combination of its terms' blocks at every column (the blocks of a column
/// cache, [`Reference::bands`]), from which a comparison bounds each point's quotient
/// without computing it (`banded_stencil` in the check): `a[c]` = (Σ_k w_k·v_k\[c\]) / den
/// as floating point computes it (the terms in the scheme's order), and per chunk of
/// [`CHUNK`] columns `s_hi`, at least Σ_k |w_k|·|v_k\[c\]| over its columns (NaN where a value
/// is not finite).
///
/// A point of a row whose terms are `sign·v_k + t_k` has the exact quotient
/// `D = sign·A/den + T/den` (A = Σ w_k v_k, T = Σ w_k t_k, exactly). `sign·a[c] + T/den`
/// rounded (a and T/den each 2N roundings deep, one addition more) is within
/// γ_{2N+1}·(S + τ)/|den| of it, with S = Σ |w_k||v_k| and τ = Σ |w_k||t_k|; the
/// reference's quotient ([`Quotients::of`]: each term added and weighted, N − 1 additions,
/// the division) within γ_{N+2}·(S + τ)/|den|, or one ulp more were the division only
/// faithful. Together that is less than `(4N + 8)·2^-53·(s_hi + τ)/|den|`, which a
/// comparison takes as its `δ` (with an absolute 2^-900 for underflow, and the division
/// in its safe range).
pub(crate) struct Diffs {
    pub(crate) a: Vec<f64>,
    pub(crate) s_hi: Vec<f64>,
}

impl Diffs {
    /// The combination of the blocks `v` (one per term, every column) with weights `w`.
    pub(crate) fn new(v: &[&[f64]], w: &[f64], den: f64) -> Diffs {
        let n = v.first().map_or(0, |b| b.len());
        let (mut a, mut s) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for c in 0..n {
            let (mut p, mut m) = (0.0, 0.0);
            for (vk, wk) in v.iter().zip(w) {
                p += wk * vk[c];
                m += wk.abs() * vk[c].abs();
            }
            a.push(p / den);
            s.push(m);
        }
        let up = 1.0 + 2f64.powi(-40);
        let s_hi = s
            .chunks(CHUNK)
            .map(|ch| match ch.iter().all(|x| x.is_finite()) {
                true => ch.iter().fold(0.0f64, |m, &x| m.max(x)) * up,
                false => f64::NAN,
            })
            .collect();
        Diffs { a, s_hi }
    }

    /// The `δ` of chunk `j` (see [`Diffs`]) for a stencil of `n` terms whose row has
    /// τ = `tau` (as [`AddedStencil::row`] gives it) and divisor magnitude `den_abs`:
    /// above `(4n + 8)·2^-53·(S + τ)/|den|` for every column of the chunk, each rounding of
    /// its own arithmetic covered by a factor 1 + 2^-40. NaN where the chunk has a value
    /// that is not finite.
    #[inline(always)]
    pub(crate) fn delta(s_hi: f64, n: usize, tau: f64, den_abs: f64) -> f64 {
        let up = 1.0 + 2f64.powi(-40);
        let kf = (4 * n + 8) as f64 * 2f64.powi(-53);
        kf * (s_hi + tau * up) * (up / den_abs) * up + 2f64.powi(-900)
    }
}

/// Columns per chunk of [`Bands`].
pub(crate) const CHUNK: usize = 32;

/// The most chunks a run of at most [`BLOCK`] points meets.
pub(crate) const MAX_CHUNKS: usize = BLOCK / CHUNK + 1;

/// A column-cache block's smallest and largest value and bound over each chunk of [`CHUNK`]
/// columns, counted from the grid's first: computed once for the grid, they bound what a
/// stencil of any row computes at any point of a chunk ([`AddedStencil::chunk_bounds`]). A
/// chunk with a value or bound that is not finite has NaN for all four (no chunk bound
/// holds there).
pub(crate) struct Bands {
    lo: Vec<f64>,
    hi: Vec<f64>,
    elo: Vec<f64>,
    ehi: Vec<f64>,
}

impl Bands {
    /// The bands of the block with values `v` and bounds `e` at every column.
    pub(crate) fn new(v: &[f64], e: &[f64]) -> Bands {
        let n = v.len().div_ceil(CHUNK);
        let mut b = Bands {
            lo: Vec::with_capacity(n),
            hi: Vec::with_capacity(n),
            elo: Vec::with_capacity(n),
            ehi: Vec::with_capacity(n),
        };
        for (vc, ec) in v.chunks(CHUNK).zip(e.chunks(CHUNK)) {
            let finite = vc.iter().chain(ec).all(|x| x.is_finite());
            let fold = |xs: &[f64], pick: fn(f64, f64) -> f64| match finite {
                true => xs.iter().copied().reduce(pick).unwrap_or(f64::NAN),
                false => f64::NAN,
            };
            b.lo.push(fold(vc, f64::min));
            b.hi.push(fold(vc, f64::max));
            b.elo.push(fold(ec, f64::min));
            b.ehi.push(fold(ec, f64::max));
        }
        b
    }
}

/// Keeps the extremes of a stencil's sums for [`division_is_safe`]: `bits << 1` (sign
/// dropped), less one into `lo`, into `hi`.
#[inline(always)]
fn track_sum(acc: f64, lo: &mut u64, hi: &mut u64) {
    let b = acc.to_bits() << 1;
    *lo = (*lo).min(b.wrapping_sub(1));
    *hi = (*hi).max(b);
}

/// A stencil's division by `den`: `r` = 1/den, `below` = 1/|den| rounded down, `div` the
/// model's rounding of a division.
#[derive(Clone, Copy)]
struct Divide {
    den: f64,
    r: f64,
    below: f64,
    div: f64,
}

impl Divide {
    /// The division by `den`, with `div` the model's rounding of a division.
    #[inline(always)]
    fn new(den: f64, div: f64) -> Divide {
        Divide {
            den,
            r: 1.0 / den,
            below: reciprocal_below(den.abs()),
            div,
        }
    }

    /// The quotient, its bound and its scale from a point's sums, where the division is safe
    /// ([`divide_sums`]).
    #[inline(always)]
    fn point(self, acc: f64, acce: f64, scale: f64) -> [f64; 3] {
        let v = markstein(acc, self.den, self.r);
        [
            v,
            acce * self.below + self.div * v.abs(),
            scale * self.below,
        ]
    }
}

/// A stencil's value, bound and scale over a run: `q = Σ w·f_k / den` in the scheme's order,
/// its bound (each term's bound, each addition's rounding in the checked precision, then the
/// division's) and `Σ|w·f_k| / |den|`, into `out`. Two- and four-point stencils (every scheme)
/// take one fused pass ([`stencil_terms`]); any other takes a pass per term
/// ([`stencil_term`], [`stencil_divide`]) through `sum`, the same arithmetic.
fn stencil(
    fk: &[(&[f64], &[f64], f64)],
    den: f64,
    basic: f64,
    div: f64,
    out: [&mut [f64]; 3],
    sum: &mut [Vec<f64>; 3],
) {
    let n = out[0].len();
    match fk {
        [a, b] => stencil_terms([a, b].map(Stored::of), [a.2, b.2], den, basic, div, out),
        [a, b, c, d] => stencil_terms(
            [a, b, c, d].map(Stored::of),
            [a.2, b.2, c.2, d.2],
            den,
            basic,
            div,
            out,
        ),
        _ => {
            let [acc, acce, scale] = sum;
            let (acc, acce, scale) = (&mut acc[..n], &mut acce[..n], &mut scale[..n]);
            for (t, &(f, e, weight)) in fk.iter().enumerate() {
                stencil_term(acc, acce, scale, f, e, weight, weight.abs(), basic, t == 0);
            }
            stencil_divide([acc, acce, scale], out, den, div);
        }
    }
}

/// Every term of an `N`-point stencil and [`stencil_divide`] in one pass over the run, the
/// sums in registers: the same operations in the same order as [`stencil_term`] term by
/// term, so the same bits. Its terms are in memory ([`Stored`]) or left undone by their plan,
/// `±v + t` ([`Plan::add_scalar`], [`Added`]): each point's value and bound then computed
/// where the stencil reads them, as the plan would have (the same bits), instead of a pass
/// that stores them and a pass that loads them back. Compiled for AVX-512 and AVX2 too
/// (chosen at run time); its body is inlined (written as a multiversioned function with a
/// closure, the fused pass made 2-D checks 1.6× slower).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn stencil_terms<S: TermAt, const N: usize>(
    f: [S; N],
    w: [f64; N],
    den: f64,
    basic: f64,
    div: f64,
    out: [&mut [f64]; 3],
) {
    let n = out[0].len();
    divide_sums(n, Terms::new(f.map(|t| t.head(n)), w, basic), den, div, out);
}

/// A point's stencil sums `(acc, acce, scale)`, for [`divide_sums`]. A trait with an
/// inlined method, not a closure: a closure is compiled for the baseline, not the caller's
/// AVX-512, and the five-point stencil's was called once a point (a third of its check).
trait PointSums: Copy {
    fn at(self, i: usize) -> (f64, f64, f64);
}

/// One stencil term's value and bound at point `i`.
trait TermAt: Copy {
    fn at(self, i: usize) -> (f64, f64);
    /// The first `n` points (so that the loops carry no bounds checks).
    fn head(self, n: usize) -> Self;
}

/// A term evaluated into memory: its values and bounds.
#[derive(Clone, Copy)]
struct Stored<'a>(&'a [f64], &'a [f64]);

impl<'a> Stored<'a> {
    /// The term `(values, bounds, weight)`'s values and bounds.
    fn of(t: &(&'a [f64], &'a [f64], f64)) -> Self {
        Stored(t.0, t.1)
    }
}

impl TermAt for Stored<'_> {
    #[inline(always)]
    fn at(self, i: usize) -> (f64, f64) {
        (self.0[i], self.1[i])
    }
    #[inline(always)]
    fn head(self, n: usize) -> Self {
        Stored(&self.0[..n], &self.1[..n])
    }
}

/// A term left undone by its plan, and the model's rounding of an addition.
#[derive(Clone, Copy)]
struct Added<'a>(AddScalar<'a>, f64);

impl TermAt for Added<'_> {
    #[inline(always)]
    fn at(self, i: usize) -> (f64, f64) {
        self.0.at(i, self.1)
    }
    #[inline(always)]
    fn head(self, n: usize) -> Self {
        let t = self.0;
        let (v, e) = (&t.v[..n], &t.e[..n]);
        Added(AddScalar { v, e, ..t }, self.1)
    }
}

/// The sums of an `N`-point stencil, term by term in the scheme's order.
#[derive(Clone, Copy)]
struct Terms<S: TermAt, const N: usize> {
    f: [S; N],
    w: [f64; N],
    wabs: [f64; N],
    basic: f64,
}

impl<S: TermAt, const N: usize> Terms<S, N> {
    /// The terms `f` with weights `w`, and the model's rounding of an addition.
    fn new(f: [S; N], w: [f64; N], basic: f64) -> Self {
        Terms {
            f,
            w,
            wabs: w.map(f64::abs),
            basic,
        }
    }

    /// The sums of a point whose terms' values and bounds are `fe`.
    #[inline(always)]
    fn sums(self, fe: [(f64, f64); N]) -> (f64, f64, f64) {
        let Terms { w, wabs, basic, .. } = self;
        let (f0, e0) = fe[0];
        let mut acc = w[0] * f0;
        let mut acce = wabs[0] * e0;
        let mut scale = (w[0] * f0).abs();
        for k in 1..N {
            let (fk, ek) = fe[k];
            acc += w[k] * fk;
            acce += wabs[k] * ek + basic * acc.abs();
            scale += (w[k] * fk).abs();
        }
        (acc, acce, scale)
    }
}

impl<S: TermAt, const N: usize> PointSums for Terms<S, N> {
    #[inline(always)]
    fn at(self, i: usize) -> (f64, f64, f64) {
        let mut fe = [(0.0, 0.0); N];
        for (k, t) in self.f.iter().enumerate() {
            fe[k] = t.at(i);
        }
        self.sums(fe)
    }
}

/// Sums already summed ([`stencil_term`]).
#[derive(Clone, Copy)]
struct Summed<'a>([&'a [f64]; 3]);

impl PointSums for Summed<'_> {
    #[inline(always)]
    fn at(self, i: usize) -> (f64, f64, f64) {
        (self.0[0][i], self.0[1][i], self.0[2][i])
    }
}

/// `q = acc/den`, its bound `qe = acce/|den| + div·|q|` and its scale `qs = scale/|den|` of a
/// run whose point `i` has the sums `sums.at(i)`, into `out`. The quotient is correctly rounded
/// ([`markstein`], or where a value is outside its safe range ([`division_is_safe`]) plain
/// division). The bound's and the scale's quotients are products with 1/|den| rounded down
/// ([`reciprocal_below`]): never above the correctly rounded quotient (rounding is monotone),
/// at most two ulps below it, so a tolerance is the same or tighter and the scale the test
/// of looseness divides by is never larger (the stricter side) — one multiplication each
/// instead of a corrected one and its range test.
#[inline(always)]
fn divide_sums(n: usize, sums: impl PointSums, den: f64, div: f64, out: [&mut [f64]; 3]) {
    let [q, qe, qs] = out;
    let (q, qe, qs) = (&mut q[..n], &mut qe[..n], &mut qs[..n]);
    let dabs = den.abs();
    let d = Divide::new(den, div);
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for i in 0..n {
        let (acc, acce, scale) = sums.at(i);
        track_sum(acc, &mut lo, &mut hi);
        [q[i], qe[i], qs[i]] = d.point(acc, acce, scale);
    }
    if !division_is_safe(dabs, lo, hi) {
        // (Outside the safe range of divisors, 1/|den| may itself be out of range: every
        // quotient by division then.)
        for i in 0..n {
            let (acc, acce, scale) = sums.at(i);
            q[i] = acc / den;
            qe[i] = acce / dabs + div * q[i].abs();
            qs[i] = scale / dabs;
        }
    }
}

/// `1/d` rounded down (for `d` > 0): `r·d ≤ 1` exactly, so `a·r ≤ a/d` for any `a ≥ 0` and,
/// rounding being monotone, the product rounded is at most the quotient rounded.
fn reciprocal_below(d: f64) -> f64 {
    let r = 1.0 / d;
    if r.mul_add(d, -1.0) > 0.0 {
        r.next_down()
    } else {
        r
    }
}

/// `a/d` from `r` = 1/d rounded: the product corrected once by fused multiply-adds
/// (Markstein: with q₀ = a·r rounded, a − d·q₀ is exact and q₀ + (a − d·q₀)·r rounds to a/d),
/// which holds away from overflow and underflow ([`division_is_safe`]).
#[inline(always)]
fn markstein(a: f64, d: f64, r: f64) -> f64 {
    let q0 = a * r;
    (-q0).mul_add(d, a).mul_add(r, q0)
}

/// Whether [`markstein`] divides correctly for a divisor of magnitude `dabs` and dividends
/// whose `bits << 1` (sign dropped) reach `hi` at most and, less one (zero wrapping to the
/// top), `lo` at least: values within [2^-960, 2^960], or zero, with a divisor within
/// [2^-60, 2^60], keep every step normal; infinities and NaNs sit above the largest safe
/// value. (Integer minima and maxima on the bits: no mask registers in the loops.)
fn division_is_safe(dabs: f64, lo: u64, hi: u64) -> bool {
    const LO: u64 = (1023 - 960) << 53;
    const HI: u64 = (1023 + 960) << 53;
    let safe_den = (2f64.powi(-60)..=2f64.powi(60)).contains(&dabs);
    safe_den && lo >= LO - 1 && hi < HI
}

/// One term of a stencil sum: `acc (+)= w·f_k`, its bound `acce` (the term's bound, and the
/// addition's rounding in the checked precision) and the scale Σ|w·f_k|.
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn stencil_term(
    acc: &mut [f64],
    acce: &mut [f64],
    scale: &mut [f64],
    fk: &[f64],
    fke: &[f64],
    weight: f64,
    wabs: f64,
    basic: f64,
    first: bool,
) {
    let n = acc.len();
    let (acce, scale, fk, fke) = (&mut acce[..n], &mut scale[..n], &fk[..n], &fke[..n]);
    if first {
        for i in 0..n {
            acc[i] = weight * fk[i];
            acce[i] = wabs * fke[i];
            scale[i] = (weight * fk[i]).abs();
        }
    } else {
        for i in 0..n {
            acc[i] += weight * fk[i];
            acce[i] += wabs * fke[i] + basic * acc[i].abs();
            scale[i] += (weight * fk[i]).abs();
        }
    }
}

/// The stencil's division by `den`, with its rounding `div`·|q|: `q = acc/den` correctly
/// rounded (a zero quotient may lose its sign, which no comparison sees), its bound
/// `acce/|den| + div·|q|` and the scale `scale/|den|` at most the correctly rounded quotients
/// and at most two ulps below them ([`divide_sums`]). Three divisions a point were a large
/// part of a 2-D check's time, so the quotient is [`markstein`]'s and the others products; a
/// run with a quotient outside its safe range ([`division_is_safe`]) or not finite is divided
/// plainly.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn stencil_divide(sum: [&[f64]; 3], out: [&mut [f64]; 3], den: f64, div: f64) {
    let [acc, acce, scale] = sum;
    let n = acc.len();
    let (acce, scale) = (&acce[..n], &scale[..n]);
    divide_sums(n, Summed([&acc[..n], acce, scale]), den, div, out);
}

/// Coordinates `first .. first + n` of an axis in precision `p`.
fn coords(axis: &Axis, p: Precision, first: usize, n: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    axis.fill_coords(first, p, &mut v);
    v
}

/// Widens engine values into `out` (a run's worth), by contiguous range or by picks.
pub(crate) fn gather<T: Real>(src: &[T], local: &Local<'_>, out: &mut [f64]) {
    match local {
        Local::Range { first, len } => {
            for (o, v) in out.iter_mut().zip(&src[*first..first + len]) {
                *o = v.to_f64();
            }
        }
        Local::Pick(idx) => {
            for (o, &k) in out.iter_mut().zip(idx.iter()) {
                *o = src[k].to_f64();
            }
        }
    }
}

/// Where a run's points are in the engine's tile.
pub(crate) enum Local<'a> {
    /// Tile indices `first .. first + len`.
    Range { first: usize, len: usize },
    /// These tile indices.
    Pick(&'a [usize]),
}

impl Local<'_> {
    /// The tile index of the run's point `i`.
    pub(crate) fn at(&self, i: usize) -> usize {
        match self {
            Local::Range { first, .. } => first + i,
            Local::Pick(idx) => idx[i],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain division: [`stencil_divide`]'s quotient is its, bit for bit, and its bound and
    /// scale at most its.
    fn divided(sum: [&[f64]; 3], den: f64, div: f64) -> [Vec<f64>; 3] {
        let q: Vec<f64> = sum[0].iter().map(|a| a / den).collect();
        let qe = sum[1]
            .iter()
            .zip(&q)
            .map(|(e, q)| e / den.abs() + div * q.abs())
            .collect();
        let qs = sum[2].iter().map(|s| s / den.abs()).collect();
        [q, qe, qs]
    }

    #[test]
    fn the_stencil_quotient_is_correctly_rounded_and_its_bound_never_above() {
        let mut next = crate::check::xorshift(0x2545_f491_4f6c_dd1d);
        let specials = [
            0.0,
            -0.0,
            f64::MIN_POSITIVE / 8.0,
            1e-300,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        let dens = [
            2e-3,
            (1e-3f32 as f64) * 2.0,
            -0.02,
            3.0,
            1e-30,
            12e-3 + 1e-17,
        ];
        let div = f64::EPSILON / 2.0;
        let norm = |v: f64| if v == 0.0 { 0.0 } else { v };
        let mut lower = 0;
        for round in 0..4000 {
            let den = dens[round % dens.len()];
            let n = 1 + (next() % 256) as usize;
            let mut arrays = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            for a in arrays.iter_mut() {
                for v in a.iter_mut() {
                    // Normal values of every scale, and now and then a special one.
                    // (one in sixteen near or below the smallest normal number)
                    let e = if next().is_multiple_of(16) {
                        next() % 64
                    } else {
                        1023 - 300 + next() % 600
                    };
                    *v = f64::from_bits(((next() << 16) ^ next()) & ((1 << 52) - 1) | (e << 52));
                    if next().is_multiple_of(2) {
                        *v = -*v;
                    }
                    if next().is_multiple_of(512) {
                        *v = specials[(next() % 8) as usize];
                    }
                }
            }
            // Bounds and scales are not negative.
            for a in arrays.iter_mut().skip(1) {
                a.iter_mut().for_each(|v| *v = v.abs());
            }
            let sum = [&arrays[0][..], &arrays[1][..], &arrays[2][..]];
            let want = divided(sum, den, div);
            let mut got = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            let [a, b, c] = &mut got;
            stencil_divide(sum, [&mut a[..], &mut b[..], &mut c[..]], den, div);
            // The quotient exactly; the bound and the scale the same or at most two ulps
            // below (never above, which would loosen a tolerance).
            for k in 0..3 {
                for i in 0..n {
                    let (g, w) = (norm(got[k][i]), norm(want[k][i]));
                    let same = g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan());
                    let below = k > 0
                        && w.is_finite()
                        && g <= w
                        && w.to_bits() - g.abs().to_bits() <= 2
                        && g >= 0.0;
                    assert!(
                        same || below,
                        "round {round}, array {k}, point {i}: {g:e} against {w:e}"
                    );
                    if !same {
                        lower += 1;
                    }
                }
            }
        }
        // The products do round below the quotients now and then (else this test would not
        // see them).
        assert!(
            lower > 100,
            "{lower} values below the correctly rounded quotient"
        );
    }

    #[test]
    fn stencil_terms_left_undone_give_the_bits_of_terms_evaluated() {
        use crate::grid::{Axis, Scheme};
        let plane = |x: (f64, f64), y: (f64, f64)| {
            Grid::plane(
                Axis::x(x.0, x.1, 700).unwrap(),
                Axis::y(y.0, y.1, 23).unwrap(),
            )
            .unwrap()
        };
        let line = Grid::line(Axis::x(-3.0, 3.0, 3001).unwrap());
        let p32 = Precision::F32;
        let p64 = Precision::F64;
        // (function, grid, scheme, precision, whether its terms are left undone)
        let cases = [
            (
                "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2",
                plane((-3.0, 3.0), (-3.0, 3.0)),
                Scheme::Central,
                p32,
                true,
            ),
            (
                "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2",
                plane((-3.0, 3.0), (-3.0, 3.0)),
                Scheme::Central,
                p64,
                true,
            ),
            (
                "exp(y) - sin(3*x)",
                plane((-3.0, 3.0), (-2.0, 2.0)),
                Scheme::FivePoint,
                p32,
                true,
            ),
            (
                "cos(3*x) - y^3",
                plane((-3.0, 3.0), (-2.0, 2.0)),
                Scheme::Central,
                p64,
                true,
            ),
            // x itself as the block; a scalar undefined on half the rows.
            (
                "x + log(y)",
                plane((-3.0, 3.0), (-1.0, 3.0)),
                Scheme::Central,
                p32,
                true,
            ),
            // Overflow to ∞ (and ∞ − ∞ in the stencils) at the corners.
            (
                "exp(20*x) - exp(20*y)",
                plane((-40.0, 40.0), (-40.0, 40.0)),
                Scheme::Central,
                p64,
                true,
            ),
            (
                "x*y + y^2",
                plane((-1e-3, 1e-3), (-3.0, 3.0)),
                Scheme::FivePoint,
                p64,
                true,
            ),
            // Not a block plus a scalar, a stencil with its center, a 1-D reference (its
            // terms beside the center, in either precision): evaluated either way.
            (
                "sin(x*y)",
                plane((-3.0, 3.0), (-3.0, 3.0)),
                Scheme::Central,
                p64,
                false,
            ),
            (
                "0.5*x^2 + 0.5*y^2",
                plane((-3.0, 3.0), (-3.0, 3.0)),
                Scheme::Forward,
                p32,
                false,
            ),
            ("1 - x^2", line, Scheme::Central, p32, false),
            ("1 - x^2", line, Scheme::Central, p64, false),
        ];
        for (src, grid, scheme, p, undone) in cases {
            let spec = FieldSpec::new(src, grid)
                .unwrap()
                .with_scheme(scheme)
                .with_precision(p);
            let r = Reference::new(&spec, ErrorModel::cpu(p), true);
            let defers = r.deferred[grid.is_2d() as usize].is_some();
            assert_eq!(defers, undone, "{src} {scheme:?} {p:?}");
            let (mut a, mut b) = (r.work(), r.work());
            b.defer = false;
            let rows = grid.y.map_or(1, |ax| ax.n);
            for row in 0..rows {
                for first in (0..grid.x.n).step_by(BLOCK) {
                    let cols = Cols::Range {
                        first,
                        len: BLOCK.min(grid.x.n - first),
                    };
                    r.eval_run(row, &cols, &mut a);
                    r.eval_run(row, &cols, &mut b);
                    let fds: &[(Field, usize)] = if grid.is_2d() {
                        &[(Field::FdX, 0), (Field::FdY, 1)]
                    } else {
                        &[(Field::FdX, 0)]
                    };
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let len = a.out.len;
                    for &(fd, axis) in fds {
                        let (va, ea) = r.field(&a, fd);
                        let (vb, eb) = r.field(&b, fd);
                        assert_eq!(bits(va), bits(vb), "{src}: {fd:?} at row {row}");
                        assert_eq!(bits(ea), bits(eb), "{src}: {fd:?} bound at row {row}");
                        let (sa, sb) = (&a.out.scale[axis][..len], &b.out.scale[axis][..len]);
                        assert_eq!(bits(sa), bits(sb), "{src}: {fd:?} scale at row {row}");
                    }
                }
            }
        }
    }

    /// On 1-D float64 grids the stencil points are evaluated beside the center (the
    /// addition formulas, [`Plan::eval_near`]); the stencils so computed are compared, at
    /// every 29th point, with their multi-precision truth, next to the stencils of points
    /// evaluated directly: in units of the tolerance an engine's value gets there, the
    /// largest error of the stencils beside the center is within 1/32 of the direct ones'
    /// (measured: 0.008 at most, smaller in five of the eight cases) and below 1/4.
    /// Functions through sin, cos and exp (the formulas'), nested, with cancellation and
    /// large arguments; central and five-point stencils.
    #[test]
    fn float64_stencils_beside_the_center_are_as_close_to_the_truth() {
        use crate::grid::{Axis, Scheme};
        let cases = [
            ("sin(x)", (-3.2, 3.2), Scheme::Central),
            ("sin(x)", (-3.2, 3.2), Scheme::FivePoint),
            ("cos(3*x)", (-2.0, 2.0), Scheme::Central),
            ("exp(x)*sin(x)", (-5.0, 5.0), Scheme::Central),
            ("sin(sin(x)) + 0.1*x", (-4.0, 4.0), Scheme::FivePoint),
            ("exp(-x^2) - 0.5", (-3.0, 3.0), Scheme::Central),
            ("0.3*sin(3*x) + 0.5*x^2", (-3.0, 3.0), Scheme::Central),
            ("cos(x)", (1e5, 1e5 + 10.0), Scheme::Central),
        ];
        let mut truth = crate::check::truth::Truth::new().unwrap();
        let mut beside = 0;
        for (src, (a, b), scheme) in cases {
            let grid = Grid::line(Axis::x(a, b, 20_011).unwrap());
            let spec = FieldSpec::new(src, grid)
                .unwrap()
                .with_scheme(scheme)
                .with_precision(Precision::F64);
            let model = ErrorModel::cpu(Precision::F64);
            let near = Reference::new(&spec, model, true);
            let direct = Reference::pointwise(&spec, model, true);
            assert!(near.near && !direct.near);
            let (mut wn, mut wd) = (near.work(), direct.work());
            let (mut worst_near, mut worst_direct) = (0.0f64, 0.0f64);
            for first in (0..grid.x.n).step_by(BLOCK) {
                let cols = Cols::Range {
                    first,
                    len: BLOCK.min(grid.x.n - first),
                };
                near.eval_run(0, &cols, &mut wn);
                direct.eval_run(0, &cols, &mut wd);
                let (qn, en) = near.field(&wn, Field::FdX);
                let (qd, _) = direct.field(&wd, Field::FdX);
                for i in (0..qn.len()).step_by(29) {
                    let k = first + i;
                    let t = near.truth_at(&mut truth, Field::FdX, k).unwrap();
                    let tol = model.tolerance(en[i]);
                    worst_near = worst_near.max((qn[i] - t).abs() / tol);
                    worst_direct = worst_direct.max((qd[i] - t).abs() / tol);
                    beside += (qn[i] != qd[i]) as usize;
                }
            }
            assert!(
                worst_near <= worst_direct + 1.0 / 32.0 && worst_near < 0.25,
                "{src} {scheme:?}: {worst_near} of a tolerance against {worst_direct}"
            );
        }
        // The two ways differ (else the test would show nothing).
        assert!(beside > 1000, "{beside}");
    }

    /// [`AddedStencil::chunk_bounds`] brackets, at every point of every chunk it bounds,
    /// the bound and scale the stencil written out holds there, and [`Quotients::of`] gives
    /// its quotient bit for bit: f32 and f64, central and five-point, the scalar added or
    /// subtracted, f crossing zero, values overflowing to ∞, runs that start mid-chunk.
    #[test]
    fn chunk_bounds_hold_the_bounds_and_scales_of_the_stencil_written_out() {
        use crate::grid::{Axis, Scheme};
        let plane = |y: (f64, f64)| {
            Grid::plane(
                Axis::x(-2.0, 2.0, 1100).unwrap(),
                Axis::y(y.0, y.1, 9).unwrap(),
            )
            .unwrap()
        };
        let loss = "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2";
        let (c, five) = (Scheme::Central, Scheme::FivePoint);
        let (p32, p64) = (Precision::F32, Precision::F64);
        let cases = [
            (loss, (-3.0, 3.0), c, p32),
            (loss, (-3.0, 3.0), five, p64),
            ("y^2 - sin(3*x)", (-2.0, 2.0), c, p64),
            ("exp(y) - cos(2*x)", (-2.0, 2.0), five, p32),
            ("x + (y^3/3 - 0.49*y)", (0.69, 0.71), c, p32),
            ("exp(30*x) - exp(30*y)", (-30.0, 30.0), c, p64),
        ];
        let (mut decided, mut undecided) = (0, 0);
        let (mut near, mut worst_off) = (0, 0.0f64);
        for (src, y, scheme, p) in cases {
            let grid = plane(y);
            let spec = FieldSpec::new(src, grid)
                .unwrap()
                .with_scheme(scheme)
                .with_precision(p);
            let r = Reference::new(&spec, ErrorModel::cpu(p), true);
            let mut w = r.work();
            w.lazy = true;
            for row in 0..9 {
                // Runs from columns 0, 13 and 1037 (mid-chunk).
                for (first, len) in [(0, 1024), (13, 1000), (1037, 63)] {
                    r.eval_run(row, &Cols::Range { first, len }, &mut w);
                    for (fd, axis) in [(Field::FdX, 0), (Field::FdY, 1)] {
                        let (bands, at) = r.bands(&w, fd).expect("banded");
                        assert_eq!(at, first);
                        let (j0, m) =
                            (first / CHUNK, (first + len - 1) / CHUNK - first / CHUNK + 1);
                        let mut b = [[0.0; MAX_CHUNKS]; 3];
                        let [lo, hi, qs_lo] = &mut b;
                        let mut q = vec![0.0; len];
                        let row_of = match r.added_stencil(&w, fd).unwrap() {
                            Undone::Two(st) => {
                                st.chunk_bounds(bands, j0, m, lo, hi, qs_lo);
                                let qs = st.quotients(len);
                                for (i, q) in q.iter_mut().enumerate() {
                                    *q = qs.of(qs.v.map(|v| v[i]));
                                }
                                st.row().map(|r| (r, st.den_abs(), 2))
                            }
                            Undone::Four(st) => {
                                st.chunk_bounds(bands, j0, m, lo, hi, qs_lo);
                                let qs = st.quotients(len);
                                for (i, q) in q.iter_mut().enumerate() {
                                    *q = qs.of(qs.v.map(|v| v[i]));
                                }
                                st.row().map(|r| (r, st.den_abs(), 4))
                            }
                        };
                        // The blocks' combination is within its δ of every quotient.
                        let diffs = r.diffs(fd).expect("diffs with the bands");
                        let ((sign, tr, tau), dabs, n) = row_of.expect("terms of one sign");
                        for (i, &qi) in q.iter().enumerate() {
                            let c = first + i;
                            let delta = Diffs::delta(diffs.s_hi[c / CHUNK], n, tau, dabs);
                            if !delta.is_finite() || !qi.is_finite() {
                                continue;
                            }
                            let d = sign * diffs.a[c] + tr;
                            let off = (qi - d).abs() / delta;
                            assert!(off <= 1.0, "{src} {fd:?} row {row} column {c}: {off} of δ");
                            worst_off = worst_off.max(off);
                            near += 1;
                        }
                        r.materialize(&mut w, fd);
                        let (v, e) = r.field(&w, fd);
                        let scale = &w.out.scale[axis][..len];
                        for i in 0..len {
                            let j = (first + i) / CHUNK - j0;
                            if hi[j] == f64::INFINITY {
                                undecided += 1;
                                continue;
                            }
                            decided += 1;
                            let at = format!("{src} {fd:?} row {row} column {}", first + i);
                            assert_eq!(q[i].to_bits(), v[i].to_bits(), "{at}: quotient");
                            assert!(lo[j] <= e[i] && e[i] <= hi[j], "{at}: bound {}", e[i]);
                            assert!(qs_lo[j] <= scale[i], "{at}: scale {}", scale[i]);
                        }
                    }
                }
            }
        }
        assert!(
            decided > 100_000 && undecided > 1000,
            "{decided} {undecided}"
        );
        // δ is a bound, not far above what is seen.
        assert!(
            near > 100_000 && worst_off > 1.0 / 64.0,
            "{near} {worst_off}"
        );
    }

    #[test]
    fn the_reciprocal_below_is_never_above() {
        let mut next = crate::check::xorshift(0x1234_5678_9abc_def1);
        let mut exact = 0;
        for round in 0..100_000 {
            let d = if round < 64 {
                2f64.powi(round - 32)
            } else {
                f64::from_bits(((next() << 12) >> 12) | ((1023 - 60 + next() % 120) << 52))
            };
            let r = reciprocal_below(d);
            // r·d ≤ 1 exactly, and the next float up is above 1/d.
            assert!(r.mul_add(d, -1.0) <= 0.0, "{d:e}: {r:e}");
            assert!(r.next_up().mul_add(d, -1.0) > 0.0, "{d:e}: {r:e}");
            if r.mul_add(d, -1.0) == 0.0 {
                exact += 1;
            }
        }
        assert!(exact >= 64, "powers of two have exact reciprocals: {exact}");
    }

    #[test]
    fn the_fused_stencil_is_the_term_by_term_one() {
        let mut next = crate::check::xorshift(0x9e37_79b9_7f4a_7c15);
        let specials = [0.0, -0.0, 1e-310, 1e300, f64::INFINITY, f64::NAN];
        let basic = f64::EPSILON / 2.0;
        let div = f64::EPSILON;
        let (mut fused, mut plain) = (0, 0);
        for round in 0..3000 {
            let scheme = crate::grid::Scheme::ALL[round % 4];
            let (terms, den) = scheme.stencil();
            let den = den * [1e-3, 2e-3 + 1e-17, 1e-30, 0.5][round / 4 % 4];
            let n = 1 + (next() % 256) as usize;
            // f near 1 (the terms cancel), of every scale, or special; bounds not negative.
            let base: Vec<f64> = (0..n)
                .map(|_| {
                    let e = 1023 - 200 + next() % 400;
                    f64::from_bits((next() << 20) & ((1 << 52) - 1) | (e << 52))
                })
                .collect();
            let mut fs: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
            for _ in terms {
                let f = base
                    .iter()
                    .map(|&b| match next() % 2048 {
                        0 => specials[(next() % 6) as usize],
                        1..=1023 => b * (1.0 + (next() % 9) as f64 * f64::EPSILON),
                        _ => b * (next() % 1000) as f64 / 999.0,
                    })
                    .collect();
                let e = (0..n).map(|_| (next() % 100) as f64 * 1e-17).collect();
                fs.push((f, e));
            }
            let fk: Vec<(&[f64], &[f64], f64)> = fs
                .iter()
                .zip(terms)
                .map(|((f, e), &(_, w))| (&f[..], &e[..], w))
                .collect();
            let mut got = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            let mut sum = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            let [a, b, c] = &mut got;
            stencil(
                &fk,
                den,
                basic,
                div,
                [&mut a[..], &mut b[..], &mut c[..]],
                &mut sum,
            );
            // Term by term, then divided.
            let mut want = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
            let [acc, acce, scale] = &mut sum;
            for (t, &(f, e, w)) in fk.iter().enumerate() {
                stencil_term(acc, acce, scale, f, e, w, w.abs(), basic, t == 0);
            }
            let [a, b, c] = &mut want;
            stencil_divide(
                [&acc[..], &acce[..], &scale[..]],
                [&mut a[..], &mut b[..], &mut c[..]],
                den,
                div,
            );
            for k in 0..3 {
                for i in 0..n {
                    let (g, w) = (got[k][i], want[k][i]);
                    assert!(
                        g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                        "round {round}, array {k}, point {i}: {g:e} against {w:e}"
                    );
                }
            }
            // Both of the fused pass's divisions are exercised.
            let safe = acc
                .iter()
                .all(|v| *v == 0.0 || (v.abs() >= 2f64.powi(-960) && v.abs() < 2f64.powi(960)));
            if safe && den.abs() >= 2f64.powi(-60) {
                fused += 1;
            } else {
                plain += 1;
            }
        }
        assert!(fused > 500 && plain > 500, "fused {fused}, plain {plain}");
    }
}
