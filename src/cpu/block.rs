//! The block interpreter: runs a [`Program`] over a block of points of one grid row, one
//! instruction at a time over the whole block (so each inner loop is a tight, vectorisable
//! loop), optionally carrying a running error bound per value (see [`crate::tolerance`]).
//!
//! On 2-D grids each node is classified by what it depends on. Nodes of y alone are computed
//! once per block (a block never crosses a row); nodes of x alone can come from a per-column
//! cache filled once for the whole grid. This is loop-invariant hoisting: the values are the
//! same bits as if every point computed them.

use crate::engine::Real;
use crate::expr::{Expr, Func, Node, Program, powi_chain};
use crate::tolerance::ErrorModel;

/// Points per block: enough to amortise the dispatch on each instruction and the fixed cost
/// of each run of the check (a few hundred nanoseconds per plan and per quantity), few enough
/// that a block's registers stay in cache. Measured on the 2-core development VM (interleaved
/// runs, medians; engine and check stages of `gradfield field --device cpu`): from 256 to 1024
/// points the engine got 3–30 % faster and the check up to 20 % (1-D sin, 2-D loss and
/// Rosenbrock, f32 and f64); 128 was slower in every case, 2048 no better than 1024.
pub(crate) const BLOCK: usize = 1024;

/// What a node's value depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dep {
    Const,
    X,
    Y,
    XY,
}

impl Dep {
    fn join(self, other: Dep) -> Dep {
        match (self, other) {
            (Dep::Const, d) | (d, Dep::Const) => d,
            (a, b) if a == b => a,
            _ => Dep::XY,
        }
    }
}

/// A compiled program with the dependency class of each node.
pub(crate) struct Plan {
    /// Tells this plan's scalars apart from another's in a shared [`Scratch`].
    id: u64,
    pub(crate) prog: Program,
    dep: Vec<Dep>,
    /// For `sin(u)` with a `cos(u)` later in the program (or the other way round): the later
    /// node, computed together with it, and whether the first is the sin.
    partner: Vec<Option<(usize, bool)>>,
    /// Nodes computed by an earlier partner.
    done_early: Vec<bool>,
    /// For each sin or cos node, the node of the other function of the same operand.
    pair: Vec<Option<usize>>,
    /// The nodes output 0 (f) depends on.
    for_f: Vec<bool>,
}

/// An output `sign·v + t` left undone ([`Plan::add_scalar`]): a block `v` with bounds `e`,
/// `sign` ±1, a scalar `t` with bound `te`. Point `i`'s value and running bound are
/// [`AddScalar::at`]'s, bit for bit those [`Plan::eval`] would have computed.
#[derive(Clone, Copy)]
pub(crate) struct AddScalar<'s> {
    pub(crate) v: &'s [f64],
    pub(crate) e: &'s [f64],
    pub(crate) sign: f64,
    pub(crate) t: f64,
    pub(crate) te: f64,
}

impl AddScalar<'_> {
    /// Point `i`'s value and bound, with `basic` the model's rounding of an addition
    /// (`m.basic(1.0)`): the arithmetic of [`arith_scalar`] for one point.
    #[inline(always)]
    pub(crate) fn at(self, i: usize, basic: f64) -> (f64, f64) {
        self.of(self.v[i], self.e[i], basic)
    }

    /// The value and bound of the point whose block value is `v` and bound `e`.
    #[inline(always)]
    pub(crate) fn of(self, v: f64, e: f64, basic: f64) -> (f64, f64) {
        let r = self.sign * v + self.t;
        (r, e + self.te + basic * r.abs())
    }
}

/// Values (and bounds) of the x-only nodes of one plan for every column, at one x shift.
pub(crate) struct ColumnCache<T> {
    vals: Vec<Vec<T>>,
    errs: Vec<Vec<f64>>,
}

impl<T> ColumnCache<T> {
    /// Node `n`'s values and bounds at every column (an x-only node; the bounds are empty
    /// where the cache was filled without a model).
    pub(crate) fn node(&self, n: usize) -> (&[T], &[f64]) {
        (&self.vals[n], &self.errs[n])
    }
}

/// One block's inputs.
pub(crate) struct Input<'a, T> {
    /// x coordinates of the block's points (already shifted for a stencil term).
    pub(crate) xs: &'a [T],
    /// The row's y coordinate (0 on 1-D grids).
    pub(crate) y: T,
    /// The column cache and the block's first column, on 2-D grids.
    pub(crate) cache: Option<(&'a ColumnCache<T>, usize)>,
}

/// Registers for one thread.
pub(crate) struct Scratch<T> {
    vals: Vec<T>,
    errs: Vec<f64>,
    sval: Vec<T>,
    serr: Vec<f64>,
    /// Whose scalars `sval` and `serr` hold: (plan id, y's bits, model). The blocks of one
    /// row (and a row's stencil points) reuse them instead of recomputing them per block.
    scalars_of: Option<(u64, u64, Option<ErrorModel>)>,
    buf_a: Vec<T>,
    buf_b: Vec<T>,
    buf_ea: Vec<f64>,
    buf_eb: Vec<f64>,
}

impl<T: Real> Scratch<T> {
    pub(crate) fn new(nodes: usize, bounds: bool) -> Scratch<T> {
        let e = if bounds { nodes * BLOCK } else { 0 };
        Scratch {
            vals: vec![T::default(); nodes * BLOCK],
            errs: vec![0.0; e],
            sval: vec![T::default(); nodes],
            serr: vec![0.0; nodes],
            scalars_of: None,
            buf_a: vec![T::default(); BLOCK],
            buf_b: vec![T::default(); BLOCK],
            buf_ea: vec![0.0; BLOCK],
            buf_eb: vec![0.0; BLOCK],
        }
    }
}

/// Where an operand's values are for the current block.
#[derive(Clone, Copy)]
enum Loc {
    Scalar,
    Cached,
    /// The node is x itself: read the input coordinates.
    Input,
    Register,
}

impl Plan {
    pub(crate) fn new(exprs: &[&Expr]) -> Plan {
        let prog = Program::compile(exprs);
        let mut dep: Vec<Dep> = Vec::with_capacity(prog.nodes.len());
        for n in &prog.nodes {
            let d = match *n {
                Node::Const(_) => Dep::Const,
                Node::X => Dep::X,
                Node::Y => Dep::Y,
                Node::Neg(a) | Node::PowI(a, _) | Node::Call1(_, a) => dep[a as usize],
                Node::Add(a, b)
                | Node::Sub(a, b)
                | Node::Mul(a, b)
                | Node::Div(a, b)
                | Node::Pow(a, b)
                | Node::Call2(_, a, b) => dep[a as usize].join(dep[b as usize]),
            };
            dep.push(d);
        }
        let mut partner = vec![None; prog.nodes.len()];
        let mut done_early = vec![false; prog.nodes.len()];
        for (n, node) in prog.nodes.iter().enumerate() {
            let (other, is_sin) = match *node {
                Node::Call1(Func::Sin, a) => (Node::Call1(Func::Cos, a), true),
                Node::Call1(Func::Cos, a) => (Node::Call1(Func::Sin, a), false),
                _ => continue,
            };
            if done_early[n] {
                continue;
            }
            if let Some(m) = prog.nodes.iter().position(|k| *k == other)
                && m > n
            {
                partner[n] = Some((m, is_sin));
                done_early[m] = true;
            }
        }
        let mut pair = vec![None; prog.nodes.len()];
        for (n, p) in partner.iter().enumerate() {
            if let Some((m, _)) = *p {
                pair[n] = Some(m);
                pair[m] = Some(n);
            }
        }
        let for_f = if prog.outputs.is_empty() {
            vec![false; prog.nodes.len()]
        } else {
            prog.needed_by(0)
        };
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Plan {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            prog,
            dep,
            partner,
            done_early,
            pair,
            for_f,
        }
    }

    pub(crate) fn nodes(&self) -> usize {
        self.prog.nodes.len()
    }

    /// How many nodes depend on x alone (the size of a column cache per column).
    pub(crate) fn x_only(&self) -> usize {
        self.dep.iter().filter(|&&d| d == Dep::X).count()
    }

    fn loc(&self, m: usize, cached: bool) -> Loc {
        match self.dep[m] {
            Dep::Const | Dep::Y => Loc::Scalar,
            Dep::X if cached => Loc::Cached,
            Dep::X if matches!(self.prog.nodes[m], Node::X) => Loc::Input,
            _ => Loc::Register,
        }
    }

    /// Evaluates every node over the block; with `model`, also the running error bounds.
    pub(crate) fn eval<T: Real>(
        &self,
        inp: &Input<'_, T>,
        model: Option<&ErrorModel>,
        s: &mut Scratch<T>,
    ) {
        self.eval_but(inp, model, s, None)
    }

    /// Output `k` as a sum or difference of one block and one scalar (a y-only or constant
    /// value), `±v + t` — `f = g(x) + h(y)` on a 2-D grid, `sin(x) + 1` — where it is: its node,
    /// which [`Plan::eval_but`] may leave undone for the caller to compute point by point
    /// from [`Plan::add_scalar`]'s parts (the stencils of the reference do, instead of a pass
    /// through memory). `cached` says whether the blocks have a column cache.
    pub(crate) fn add_scalar_output(&self, k: usize, cached: bool) -> Option<usize> {
        let m = self.prog.outputs[k] as usize;
        let scalar = |n: usize| matches!(self.loc(n, cached), Loc::Scalar);
        match self.prog.nodes[m] {
            Node::Add(a, b) | Node::Sub(a, b)
                if matches!(self.loc(m, cached), Loc::Register)
                    && scalar(a as usize) != scalar(b as usize)
                    // No other node or output reads it (it is never computed).
                    && !self.prog.nodes.iter().any(|n| {
                        let (a, b) = n.operands();
                        !n.is_leaf() && (a == m || b == m)
                    })
                    && self.prog.outputs.iter().filter(|&&o| o as usize == m).count() == 1 =>
            {
                Some(m)
            }
            _ => None,
        }
    }

    /// The block operand of output `k` where it is an [`Plan::add_scalar_output`] node whose
    /// block is read from the column cache (blocks with one): its node, whose values and
    /// bounds over the grid's columns [`ColumnCache::node`] gives.
    pub(crate) fn add_scalar_cached_block(&self, k: usize) -> Option<usize> {
        let m = self.add_scalar_output(k, true)?;
        let (a, b) = self.prog.nodes[m].operands();
        let v = if matches!(self.loc(a, true), Loc::Scalar) {
            b
        } else {
            a
        };
        matches!(self.loc(v, true), Loc::Cached).then_some(v)
    }

    /// [`Plan::eval`] of every node but `skip` (an [`Plan::add_scalar_output`] node).
    pub(crate) fn eval_but<T: Real>(
        &self,
        inp: &Input<'_, T>,
        model: Option<&ErrorModel>,
        s: &mut Scratch<T>,
        skip: Option<usize>,
    ) {
        let len = inp.xs.len();
        let cached = inp.cache.is_some();
        // Scalars (constants and y-only nodes) are the same for every block of a row.
        let scalars_of = Some((self.id, inp.y.to_f64().to_bits(), model.copied()));
        let scalars_known = s.scalars_of == scalars_of;
        s.scalars_of = scalars_of;
        for (n, node) in self.prog.nodes.iter().enumerate() {
            if skip == Some(n) {
                continue;
            }
            match self.loc(n, cached) {
                Loc::Cached | Loc::Input => {}
                Loc::Scalar if scalars_known => {}
                Loc::Scalar => {
                    let (value, err) = match *node {
                        Node::Const(c) => (
                            T::from_f64(c),
                            model.map_or(0.0, |m| (m.precision.round(c) - c).abs()),
                        ),
                        Node::Y => (inp.y, 0.0),
                        _ => {
                            let (a, b) = node.operands();
                            let (va, vb) = (s.sval[a], s.sval[b]);
                            let (ea, eb) = (s.serr[a], s.serr[b]);
                            let mut out = [T::default()];
                            apply(node, &[va], &[vb], &mut out, model.is_some());
                            let mut e = [0.0];
                            if let Some(m) = model {
                                bound(node, &[va], &[ea], &[vb], &[eb], &out, &mut e, m);
                            }
                            (out[0], e[0])
                        }
                    };
                    s.sval[n] = value;
                    s.serr[n] = err;
                }
                Loc::Register => {
                    let (head, tail) = s.vals.split_at_mut(n * BLOCK);
                    let (a, b) = node.operands();
                    // Arithmetic with one scalar operand (a y-only value on a 2-D run): the
                    // scalar is not broadcast.
                    let scalar = |m: usize| matches!(self.loc(m, cached), Loc::Scalar);
                    if matches!(
                        node,
                        Node::Add(..) | Node::Sub(..) | Node::Mul(..) | Node::Div(..)
                    ) && scalar(a) != scalar(b)
                    {
                        let scalar_left = scalar(a);
                        let (sm, vm) = if scalar_left { (a, b) } else { (b, a) };
                        let v = self.fetch(vm, cached, inp, head, &s.sval, &mut s.buf_a, len);
                        let sv = (s.sval[sm], s.serr[sm]);
                        let out = &mut tail[..len];
                        match model {
                            Some(_) => {
                                let (ehead, etail) = s.errs.split_at_mut(n * BLOCK);
                                let e = self.fetch_err(
                                    vm,
                                    cached,
                                    inp,
                                    ehead,
                                    &s.serr,
                                    &mut s.buf_ea,
                                    len,
                                );
                                let oe = Some(&mut etail[..len]);
                                arith_scalar(node, v, e, sv, scalar_left, out, oe, model);
                            }
                            None => arith_scalar(node, v, &[], sv, scalar_left, out, None, None),
                        }
                        continue;
                    }
                    let va = self.fetch(a, cached, inp, head, &s.sval, &mut s.buf_a, len);
                    let vb = self.fetch(b, cached, inp, head, &s.sval, &mut s.buf_b, len);
                    // A cos whose sin came first already has its values (computed together).
                    if !self.done_early[n] {
                        match self.partner[n] {
                            Some((m, first_is_sin)) => {
                                // sin(u) and cos(u) in one pass: this node now, the other
                                // into its later register.
                                let (now, later) = tail.split_at_mut((m - n) * BLOCK);
                                let (now, later) = (&mut now[..len], &mut later[..len]);
                                let (so, co) = if first_is_sin {
                                    (now, later)
                                } else {
                                    (later, now)
                                };
                                if model.is_some() {
                                    T::sincos_block_reference(va, so, co);
                                } else {
                                    T::sincos_block(va, so, co);
                                }
                            }
                            None => apply(node, va, vb, &mut tail[..len], model.is_some()),
                        }
                    }
                    if let Some(m) = model {
                        let out = &tail[..len];
                        let (ehead, etail) = s.errs.split_at_mut(n * BLOCK);
                        let ea = self.fetch_err(a, cached, inp, ehead, &s.serr, &mut s.buf_ea, len);
                        let eb = self.fetch_err(b, cached, inp, ehead, &s.serr, &mut s.buf_eb, len);
                        bound(node, va, ea, vb, eb, out, &mut etail[..len], m);
                    }
                }
            }
        }
    }

    /// Output 0 (f) and its bound at points `inp` near the points of the last [`Plan::eval`]
    /// into `base` (center coordinates `base_xs`; no column cache), reusing what was computed
    /// there: sin and cos of a shifted argument by the addition formulas from the base's sin
    /// and cos, exp by exp(u₀)·e^δ — a few multiplications instead of a function call where
    /// the shift δ is small. Lanes where the shift is large or the formula would cancel are
    /// computed directly. Bounds are the same running bounds as [`Plan::eval`]'s.
    ///
    /// Each value is within a few ulps of float64 of the direct one, most of it the base's
    /// own error, which the points beside one base share: the reference's stencils, whose
    /// weights sum to zero, use this in either precision (`check::reference`'s `near`).
    pub(crate) fn eval_near(
        &self,
        inp: &Input<'_, f64>,
        base_xs: &[f64],
        base: &Scratch<f64>,
        model: &ErrorModel,
        s: &mut Scratch<f64>,
    ) {
        let len = inp.xs.len();
        debug_assert!(inp.cache.is_none() && base_xs.len() == len);
        // Only f's scalars are copied below: the scratch no longer holds a whole plan's.
        s.scalars_of = None;
        for (n, node) in self.prog.nodes.iter().enumerate() {
            if !self.for_f[n] {
                continue;
            }
            match self.loc(n, false) {
                Loc::Cached | Loc::Input => {}
                Loc::Scalar => {
                    // y and the constants are the same near the base point.
                    s.sval[n] = base.sval[n];
                    s.serr[n] = base.serr[n];
                }
                Loc::Register => {
                    let (head, tail) = s.vals.split_at_mut(n * BLOCK);
                    let (a, b) = node.operands();
                    let va = self.fetch(a, false, inp, head, &s.sval, &mut s.buf_a, len);
                    let vb = self.fetch(b, false, inp, head, &s.sval, &mut s.buf_b, len);
                    let out = &mut tail[..len];
                    let reg = |m: usize| &base.vals[m * BLOCK..m * BLOCK + len];
                    let u0 = match self.loc(a, false) {
                        Loc::Input => base_xs,
                        Loc::Register => reg(a),
                        _ => &[][..],
                    };
                    match (*node, self.pair[n]) {
                        (Node::Call1(f @ (Func::Sin | Func::Cos), _), Some(other))
                            if !u0.is_empty() =>
                        {
                            let (sin0, cos0) = if f == Func::Sin {
                                (reg(n), reg(other))
                            } else {
                                (reg(other), reg(n))
                            };
                            near_sincos(f, u0, va, sin0, cos0, out);
                        }
                        (Node::Call1(Func::Exp, _), _) if !u0.is_empty() => {
                            near_exp(u0, va, reg(n), out);
                        }
                        _ => apply(node, va, vb, out, true),
                    }
                    let (ehead, etail) = s.errs.split_at_mut(n * BLOCK);
                    let ea = self.fetch_err(a, false, inp, ehead, &s.serr, &mut s.buf_ea, len);
                    let eb = self.fetch_err(b, false, inp, ehead, &s.serr, &mut s.buf_eb, len);
                    bound(node, va, ea, vb, eb, &tail[..len], &mut etail[..len], model);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fetch<'a, T: Real>(
        &self,
        m: usize,
        cached: bool,
        inp: &Input<'a, T>,
        head: &'a [T],
        sval: &[T],
        buf: &'a mut [T],
        len: usize,
    ) -> &'a [T] {
        match self.loc(m, cached) {
            Loc::Scalar => {
                splat(&mut buf[..len], sval[m]);
                &buf[..len]
            }
            Loc::Cached => {
                let (c, i0) = inp.cache.expect("cached location implies a cache");
                &c.vals[m][i0..i0 + len]
            }
            Loc::Input => inp.xs,
            Loc::Register => &head[m * BLOCK..m * BLOCK + len],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fetch_err<'a, T: Real>(
        &self,
        m: usize,
        cached: bool,
        inp: &Input<'a, T>,
        head: &'a [f64],
        serr: &[f64],
        buf: &'a mut [f64],
        len: usize,
    ) -> &'a [f64] {
        match self.loc(m, cached) {
            Loc::Scalar => {
                splat(&mut buf[..len], serr[m]);
                &buf[..len]
            }
            Loc::Cached => {
                let (c, i0) = inp.cache.expect("cached location implies a cache");
                &c.errs[m][i0..i0 + len]
            }
            // Coordinates are exact in the checked precision.
            Loc::Input => &ZEROS[..len],
            Loc::Register => &head[m * BLOCK..m * BLOCK + len],
        }
    }

    /// Output `k` of the last [`Plan::eval`] over `len` points, without a copy unless it is a
    /// scalar (then broadcast into a scratch buffer).
    pub(crate) fn output<'s, T: Real>(
        &self,
        k: usize,
        inp: &Input<'s, T>,
        s: &'s mut Scratch<T>,
    ) -> &'s [T] {
        let m = self.prog.outputs[k] as usize;
        let len = inp.xs.len();
        let cached = inp.cache.is_some();
        let (vals, sval) = (&s.vals[..], &s.sval[..]);
        self.fetch(m, cached, inp, vals, sval, &mut s.buf_a, len)
    }

    /// Output `k` of the last [`Plan::eval`] (with running bounds) and its bounds over `len`
    /// points, without a copy unless it is a scalar (then broadcast into scratch buffers).
    pub(crate) fn output_with_bounds<'s, T: Real>(
        &self,
        k: usize,
        inp: &Input<'s, T>,
        s: &'s mut Scratch<T>,
    ) -> (&'s [T], &'s [f64]) {
        let m = self.prog.outputs[k] as usize;
        let len = inp.xs.len();
        let cached = inp.cache.is_some();
        let Scratch {
            vals,
            errs,
            sval,
            serr,
            buf_a,
            buf_ea,
            ..
        } = s;
        let v = self.fetch(m, cached, inp, vals, sval, buf_a, len);
        let e = self.fetch_err(m, cached, inp, errs, serr, buf_ea, len);
        (v, e)
    }

    /// Output `k` of the last [`Plan::eval`] (with running bounds) and its bounds where they
    /// already are — a register, the column cache or the coordinates — or `None` for a
    /// scalar output (which has no block of its own).
    pub(crate) fn output_in_place<'s, T: Real>(
        &self,
        k: usize,
        inp: &Input<'s, T>,
        s: &'s Scratch<T>,
    ) -> Option<(&'s [T], &'s [f64])> {
        let m = self.prog.outputs[k] as usize;
        let (len, cached) = (inp.xs.len(), inp.cache.is_some());
        if matches!(self.loc(m, cached), Loc::Scalar) {
            return None;
        }
        // Not a scalar: the fetches read in place and leave their broadcast buffers alone.
        let v = self.fetch(m, cached, inp, &s.vals, &s.sval, &mut [], len);
        let e = self.fetch_err(m, cached, inp, &s.errs, &s.serr, &mut [], len);
        Some((v, e))
    }

    /// Whether output `k` is read from the column cache (it depends on x alone) on blocks
    /// with one.
    pub(crate) fn output_cached(&self, k: usize) -> bool {
        matches!(self.loc(self.prog.outputs[k] as usize, true), Loc::Cached)
    }

    /// Output `k` of the last [`Plan::eval`] and its bound where it is a scalar (a y-only or
    /// constant output, the same at every point of the block).
    pub(crate) fn scalar_output<T: Real>(
        &self,
        k: usize,
        inp: &Input<'_, T>,
        s: &Scratch<T>,
    ) -> Option<(T, f64)> {
        let m = self.prog.outputs[k] as usize;
        let scalar = matches!(self.loc(m, inp.cache.is_some()), Loc::Scalar);
        scalar.then(|| (s.sval[m], s.serr[m]))
    }

    /// The parts of output `k`, an [`Plan::add_scalar_output`] node that the last
    /// [`Plan::eval_but`] (with running bounds) left undone: its block operand and that
    /// operand's bounds in place, and the scalar's value and bound.
    pub(crate) fn add_scalar<'s>(
        &self,
        k: usize,
        inp: &Input<'s, f64>,
        s: &'s Scratch<f64>,
    ) -> AddScalar<'s> {
        let m = self.prog.outputs[k] as usize;
        let (len, cached) = (inp.xs.len(), inp.cache.is_some());
        let (a, b) = self.prog.nodes[m].operands();
        let scalar_left = matches!(self.loc(a, cached), Loc::Scalar);
        let (sm, vm) = if scalar_left { (a, b) } else { (b, a) };
        // The block operand is not a scalar: the fetches read in place.
        let v = self.fetch(vm, cached, inp, &s.vals, &s.sval, &mut [], len);
        let e = self.fetch_err(vm, cached, inp, &s.errs, &s.serr, &mut [], len);
        let sub = matches!(self.prog.nodes[m], Node::Sub(..));
        // s − v = (−v) + s and v − s = v + (−s), exactly.
        AddScalar {
            v,
            e,
            sign: if sub && scalar_left { -1.0 } else { 1.0 },
            t: if sub && !scalar_left {
                -s.sval[sm]
            } else {
                s.sval[sm]
            },
            te: s.serr[sm],
        }
    }

    /// Copies output `k` of the last [`Plan::eval`] into `dst` (and its bound into `dst_err`),
    /// both as long as the block.
    pub(crate) fn write_output<T: Real>(
        &self,
        k: usize,
        inp: &Input<'_, T>,
        s: &mut Scratch<T>,
        dst: &mut [T],
        dst_err: Option<&mut [f64]>,
    ) {
        if let Some((v, e)) = self.scalar_output(k, inp, s) {
            // A scalar (a y-only or constant output) broadcast straight into `dst`.
            splat(dst, v);
            if let Some(de) = dst_err {
                splat(de, e);
            }
            return;
        }
        match dst_err {
            Some(de) => {
                let (v, e) = self.output_with_bounds(k, inp, s);
                dst.copy_from_slice(v);
                de.copy_from_slice(e);
            }
            None => dst.copy_from_slice(self.output(k, inp, s)),
        }
    }

    /// Fills a column cache: the x-only nodes at every column coordinate in `xs`.
    pub(crate) fn column_cache<T: Real>(
        &self,
        xs: &[T],
        model: Option<&ErrorModel>,
    ) -> ColumnCache<T> {
        let nodes = self.nodes();
        let mut vals: Vec<Vec<T>> = (0..nodes)
            .map(|n| {
                if self.dep[n] == Dep::X {
                    vec![T::default(); xs.len()]
                } else {
                    Vec::new()
                }
            })
            .collect();
        let mut errs: Vec<Vec<f64>> = (0..nodes)
            .map(|n| {
                if self.dep[n] == Dep::X && model.is_some() {
                    vec![0.0; xs.len()]
                } else {
                    Vec::new()
                }
            })
            .collect();
        let mut s = Scratch::new(nodes, model.is_some());
        for (c, chunk) in xs.chunks(BLOCK).enumerate() {
            let inp = Input {
                xs: chunk,
                y: T::default(),
                cache: None,
            };
            self.eval(&inp, model, &mut s);
            let i0 = c * BLOCK;
            for n in 0..nodes {
                if self.dep[n] != Dep::X {
                    continue;
                }
                let dst = i0..i0 + chunk.len();
                let src = n * BLOCK..n * BLOCK + chunk.len();
                if matches!(self.prog.nodes[n], Node::X) {
                    vals[n][dst].copy_from_slice(chunk);
                } else {
                    vals[n][dst.clone()].copy_from_slice(&s.vals[src.clone()]);
                    if model.is_some() {
                        errs[n][dst].copy_from_slice(&s.errs[src]);
                    }
                }
            }
        }
        ColumnCache { vals, errs }
    }
}

/// Fills `out` with `v` (a scalar operand broadcast over a block), with the widest vector
/// stores the processor has (chosen at run time).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn splat<T: Copy>(out: &mut [T], v: T) {
    for o in out.iter_mut() {
        *o = v;
    }
}

/// The error of an exact input, for a whole block.
static ZEROS: [f64; BLOCK] = [0.0; BLOCK];

/// Whether `e` is the bounds of an exact operand ([`ZEROS`], what a coordinate's are): known
/// to be zero everywhere without looking.
#[inline(always)]
fn is_exact(e: &[f64]) -> bool {
    std::ptr::eq(e.as_ptr(), ZEROS.as_ptr())
}

/// Shifts above this take the direct path (the series below are exact to f64 there).
const NEAR_SHIFT: f64 = 1.0 / 16.0;

/// sin(δ) and cos(δ) − 1 for |δ| ≤ [`NEAR_SHIFT`], by their Taylor series (the first
/// omitted terms, δ¹³/13! and δ¹⁴/14!, are below 2^-84).
#[inline(always)]
fn small_sincos(d: f64) -> (f64, f64) {
    let z = d * d;
    let s = d
        * (1.0
            + z * (-1.0 / 6.0
                + z * (1.0 / 120.0
                    + z * (-1.0 / 5040.0 + z * (1.0 / 362_880.0 + z * (-1.0 / 39_916_800.0))))));
    let cm1 = z
        * (-0.5
            + z * (1.0 / 24.0
                + z * (-1.0 / 720.0
                    + z * (1.0 / 40_320.0 + z * (-1.0 / 3_628_800.0 + z / 479_001_600.0)))));
    (s, cm1)
}

/// Lanes of the addition-formula loops ([`near_sincos`], [`near_exp`]): one 512-bit register.
const NEAR_LANES: usize = 8;

/// `f(d)` for a chunk of shifts `d`, where `f` (an inlined function, not a closure: a
/// closure is not compiled for the caller's targets) is a pure function of `d`'s bits: the cached
/// `(dc, fc)` for every lane when every shift has the cached one's bits (the same bits `f`
/// would give), else `f` lane by lane, the chunk's last lane then cached. The shifts of a
/// stencil point from its center are few: u = x ± h rounded to the engine's precision
/// differs from x by h rounded to x's ulp, the same across a binade of x, so most chunks
/// take the cached pair and skip the series.
#[inline(always)]
fn cached_shift<const K: usize>(
    d: &[f64; NEAR_LANES],
    cache: &mut (u64, [f64; K]),
    f: impl Fn(f64) -> [f64; K],
) -> [[f64; NEAR_LANES]; K] {
    let same = d.iter().fold(true, |all, x| all & (x.to_bits() == cache.0));
    let mut out = [[0.0; NEAR_LANES]; K];
    if same {
        for (o, &c) in out.iter_mut().zip(&cache.1) {
            *o = [c; NEAR_LANES];
        }
    } else {
        for (l, &dl) in d.iter().enumerate() {
            for (o, v) in out.iter_mut().zip(f(dl)) {
                o[l] = v;
            }
        }
        *cache = (d[NEAR_LANES - 1].to_bits(), out.map(|o| o[NEAR_LANES - 1]));
    }
    out
}

/// [`small_sincos`] as an array, for [`cached_shift`].
#[inline(always)]
fn small_sincos_of(d: f64) -> [f64; 2] {
    let (s, cm1) = small_sincos(d);
    [s, cm1]
}

/// e^δ − 1 for |δ| ≤ [`NEAR_SHIFT`] by its series to δ¹⁰/10! (the first omitted term is below
/// 2^-65 of it), as an array for [`cached_shift`].
#[inline(always)]
fn small_expm1_of(d: f64) -> [f64; 1] {
    [d * (1.0
        + d * (0.5
            + d * (1.0 / 6.0
                + d * (1.0 / 24.0
                    + d * (1.0 / 120.0
                        + d * (1.0 / 720.0
                            + d * (1.0 / 5040.0
                                + d * (1.0 / 40_320.0
                                    + d * (1.0 / 362_880.0 + d / 3_628_800.0)))))))))]
}

/// f(u) for f = sin or cos from sin(u₀), cos(u₀) at δ = u − u₀:
/// sin u = sin u₀ + (sin u₀·(cos δ − 1) + cos u₀·sin δ), cos u = cos u₀ + (cos u₀·(cos δ − 1) −
/// sin u₀·sin δ), the correction small next to the first term. Lanes with a large shift, or
/// where the correction is not small next to the result (near the zeros), go to refmath.
/// sin δ and cos δ − 1 are a series in δ, computed once for a chunk whose shifts are all the
/// last one's ([`cached_shift`]).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn near_sincos(f: Func, u0: &[f64], u: &[f64], sin0: &[f64], cos0: &[f64], out: &mut [f64]) {
    let n = out.len();
    let (u0, u, sin0, cos0) = (&u0[..n], &u[..n], &sin0[..n], &cos0[..n]);
    let is_sin = f == Func::Sin;
    let mut direct = false;
    let mut cache = (0f64.to_bits(), small_sincos_of(0.0));
    // One point: its result, and whether it is within an ulp or so (the correction at most
    // 1/16 of the result).
    #[inline(always)]
    fn point(is_sin: bool, s0: f64, c0: f64, d: f64, sd: f64, cm1: f64) -> (f64, bool) {
        let (first, other) = if is_sin { (s0, c0) } else { (c0, -s0) };
        let corr = first * cm1 + other * sd;
        let r = first + corr;
        (r, (d.abs() <= NEAR_SHIFT) & (16.0 * corr.abs() <= r.abs()))
    }
    let whole = n / NEAR_LANES * NEAR_LANES;
    for c in (0..whole).step_by(NEAR_LANES) {
        let lanes =
            |v: &[f64]| -> [f64; NEAR_LANES] { v[c..c + NEAR_LANES].try_into().expect("a chunk") };
        let (uc, u0c, s0, c0) = (lanes(u), lanes(u0), lanes(sin0), lanes(cos0));
        let mut d = [0.0; NEAR_LANES];
        for l in 0..NEAR_LANES {
            d[l] = uc[l] - u0c[l];
        }
        let [sd, cm1] = cached_shift(&d, &mut cache, small_sincos_of);
        let o: &mut [f64; NEAR_LANES] = (&mut out[c..c + NEAR_LANES]).try_into().expect("a chunk");
        for l in 0..NEAR_LANES {
            let (r, ok) = point(is_sin, s0[l], c0[l], d[l], sd[l], cm1[l]);
            o[l] = r;
            direct |= !ok;
        }
    }
    for i in whole..n {
        let d = u[i] - u0[i];
        let [sd, cm1] = small_sincos_of(d);
        let (r, ok) = point(is_sin, sin0[i], cos0[i], d, sd, cm1);
        out[i] = r;
        direct |= !ok;
    }
    if direct {
        for i in 0..n {
            let d = u[i] - u0[i];
            let first = if is_sin { sin0[i] } else { cos0[i] };
            let corr = out[i] - first;
            if !(d.abs() <= NEAR_SHIFT && 16.0 * corr.abs() <= out[i].abs()) {
                out[i] = if is_sin {
                    crate::math::refmath::sin(u[i])
                } else {
                    crate::math::refmath::cos(u[i])
                };
            }
        }
    }
}

/// exp(u) from e₀ = exp(u₀): e₀ + e₀·(e^δ − 1), e^δ − 1 by its series for |δ| ≤
/// [`NEAR_SHIFT`] (once for a chunk whose shifts are all the last one's, [`cached_shift`]);
/// other lanes (and non-finite ones) directly.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn near_exp(u0: &[f64], u: &[f64], e0: &[f64], out: &mut [f64]) {
    let n = out.len();
    let (u0, u, e0) = (&u0[..n], &u[..n], &e0[..n]);
    let mut direct = false;
    let mut cache = (0f64.to_bits(), small_expm1_of(0.0));
    // One point: its result, and whether it is kept.
    #[inline(always)]
    fn point(e0: f64, d: f64, em1: f64) -> (f64, bool) {
        let r = e0 + e0 * em1;
        (r, (d.abs() <= NEAR_SHIFT) & r.is_finite() & (r != 0.0))
    }
    let whole = n / NEAR_LANES * NEAR_LANES;
    for c in (0..whole).step_by(NEAR_LANES) {
        let lanes =
            |v: &[f64]| -> [f64; NEAR_LANES] { v[c..c + NEAR_LANES].try_into().expect("a chunk") };
        let (uc, u0c, ec) = (lanes(u), lanes(u0), lanes(e0));
        let mut d = [0.0; NEAR_LANES];
        for l in 0..NEAR_LANES {
            d[l] = uc[l] - u0c[l];
        }
        let [em1] = cached_shift(&d, &mut cache, small_expm1_of);
        let o: &mut [f64; NEAR_LANES] = (&mut out[c..c + NEAR_LANES]).try_into().expect("a chunk");
        for l in 0..NEAR_LANES {
            let (r, ok) = point(ec[l], d[l], em1[l]);
            o[l] = r;
            direct |= !ok;
        }
    }
    for i in whole..n {
        let d = u[i] - u0[i];
        let (r, ok) = point(e0[i], d, small_expm1_of(d)[0]);
        out[i] = r;
        direct |= !ok;
    }
    if direct {
        for i in 0..n {
            let d = u[i] - u0[i];
            if !(d.abs() <= NEAR_SHIFT && out[i].is_finite() && out[i] != 0.0) {
                out[i] = u[i].exp();
            }
        }
    }
}

/// One instruction over a block. Each arm is a plain loop the compiler vectorises. A
/// `reference` evaluation (one with error bounds) takes its functions from Rust's standard
/// library, so that it is independent of the algorithms the GPU libraries share with the
/// fast path. Compiled for AVX-512 and AVX2 too (chosen at run time): the same IEEE
/// operations, wider.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn apply<T: Real>(node: &Node, a: &[T], b: &[T], out: &mut [T], reference: bool) {
    match *node {
        Node::Neg(_) => out.iter_mut().zip(a).for_each(|(o, &x)| *o = -x),
        Node::Add(..) | Node::Sub(..) | Node::Mul(..) | Node::Div(..) => arith(node, a, b, out),
        Node::PowI(_, k) => out
            .iter_mut()
            .zip(a)
            .for_each(|(o, &x)| *o = powi_chain(x, k)),
        Node::Pow(..) => zip2(a, b, out, T::powf),
        Node::Call1(f, _) | Node::Call2(f, _, _) if reference => {
            T::func_block_reference(f, a, b, out)
        }
        Node::Call1(f, _) | Node::Call2(f, _, _) => T::func_block(f, a, b, out),
        Node::Const(_) | Node::X | Node::Y => unreachable!("leaves are not applied"),
    }
}

/// A block operand: a register (one value per point) or a scalar broadcast over the block
/// without being stored ([`Splat`]), so that y-only operands of 2-D runs cost no memory.
trait Lanes<T>: Copy {
    /// The operand at point `i`.
    fn at(self, i: usize) -> T;
    /// The first `n` points (so that the loops carry no bounds checks).
    fn head(self, n: usize) -> Self;
}

impl<T: Copy> Lanes<T> for &[T] {
    #[inline(always)]
    fn at(self, i: usize) -> T {
        self[i]
    }
    #[inline(always)]
    fn head(self, n: usize) -> Self {
        &self[..n]
    }
}

/// One value for every point of a block.
#[derive(Clone, Copy)]
struct Splat<T>(T);

impl<T: Copy> Lanes<T> for Splat<T> {
    #[inline(always)]
    fn at(self, _: usize) -> T {
        self.0
    }
    #[inline(always)]
    fn head(self, _: usize) -> Self {
        self
    }
}

/// An arithmetic instruction (+, −, ×, ÷) over a block.
#[inline(always)]
fn arith<T: Real>(node: &Node, a: impl Lanes<T>, b: impl Lanes<T>, out: &mut [T]) {
    let (a, b) = (a.head(out.len()), b.head(out.len()));
    macro_rules! each {
        ($op:tt) => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = a.at(i) $op b.at(i);
            }
        };
    }
    match *node {
        Node::Add(..) => each!(+),
        Node::Sub(..) => each!(-),
        Node::Mul(..) => each!(*),
        Node::Div(..) => each!(/),
        _ => unreachable!("not an arithmetic node"),
    }
}

/// The running error bound of an arithmetic instruction (see [`bound`]).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn arith_bound<T: Real>(
    node: &Node,
    a: impl Lanes<T>,
    ea: impl Lanes<f64>,
    b: impl Lanes<T>,
    eb: impl Lanes<f64>,
    r: &[T],
    out: &mut [f64],
    m: &ErrorModel,
) {
    let n = out.len();
    let (a, ea, b, eb, r) = (a.head(n), ea.head(n), b.head(n), eb.head(n), &r[..n]);
    // m.basic(v) = basic·|v|, m.div(v) = div·|v|: one coefficient each for the whole block.
    let basic = m.basic(1.0);
    let div = m.div(1.0);
    match *node {
        Node::Add(..) | Node::Sub(..) => {
            for i in 0..n {
                out[i] = ea.at(i) + eb.at(i) + basic * r[i].to_f64().abs();
            }
        }
        Node::Mul(..) => {
            for i in 0..n {
                let (x, y, ea, eb) = (a.at(i).to_f64(), b.at(i).to_f64(), ea.at(i), eb.at(i));
                out[i] = y.abs() * ea + x.abs() * eb + ea * eb + basic * r[i].to_f64().abs();
            }
        }
        Node::Div(..) => {
            for i in 0..n {
                let (y, v, ea, eb) = (b.at(i).to_f64(), r[i].to_f64(), ea.at(i), eb.at(i));
                let room = y.abs() - eb;
                let prop = (ea + v.abs() * eb) / room + div * v.abs();
                out[i] = if room > 0.0 { prop } else { f64::INFINITY };
            }
        }
        _ => unreachable!("not an arithmetic node"),
    }
}

/// An arithmetic instruction with one scalar operand (`scalar_left`: the left one) and its
/// bound (with `model`): the scalar is not broadcast into memory. Compiled for AVX-512 and
/// AVX2 too (chosen at run time).
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn arith_scalar<T: Real>(
    node: &Node,
    v: &[T],
    e: &[f64],
    s: (T, f64),
    scalar_left: bool,
    out: &mut [T],
    out_err: Option<&mut [f64]>,
    model: Option<&ErrorModel>,
) {
    let n = out.len();
    let (v, sv) = (&v[..n], Splat(s.0));
    if scalar_left {
        arith(node, sv, v, out);
    } else {
        arith(node, v, sv, out);
    }
    if let (Some(oe), Some(m)) = (out_err, model) {
        let (e, se) = (&e[..n], Splat(s.1));
        if scalar_left {
            arith_bound(node, sv, se, v, e, out, oe, m);
        } else {
            arith_bound(node, v, e, sv, se, out, oe, m);
        }
    }
}

#[inline(always)]
fn zip2<T: Copy>(a: &[T], b: &[T], out: &mut [T], op: impl Fn(T, T) -> T) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        *o = op(x, y);
    }
}

/// The running error bound of one instruction over a block: the operands' bounds carried
/// through the operation's derivative, plus the operation's own rounding as the model
/// allows. The match is outside the loops, so each arm is a plain loop the compiler
/// vectorises (the reference computes a bound for every value it checks).
#[allow(clippy::too_many_arguments)]
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn bound<T: Real>(
    node: &Node,
    a: &[T],
    ea: &[f64],
    b: &[T],
    eb: &[f64],
    r: &[T],
    out: &mut [f64],
    m: &ErrorModel,
) {
    let n = out.len();
    let (a, ea, b, eb, r) = (&a[..n], &ea[..n], &b[..n], &eb[..n], &r[..n]);
    // m.basic(v) = basic·|v|, m.div(v) = div·|v|: one coefficient each for the whole block.
    let basic = m.basic(1.0);
    let div = m.div(1.0);
    match *node {
        Node::Neg(_) => out.copy_from_slice(ea),
        Node::Add(..) | Node::Sub(..) | Node::Mul(..) | Node::Div(..) => {
            arith_bound(node, a, ea, b, eb, r, out, m)
        }
        Node::PowI(_, k) => {
            let steps = 2.0 * (32 - k.unsigned_abs().leading_zeros()) as f64;
            let own_div = if k < 0 { div } else { 0.0 };
            for i in 0..n {
                let (x, v) = (a[i].to_f64(), r[i].to_f64());
                let slope = (k as f64 * powi_chain(x, k - 1)).abs();
                out[i] = slope * ea[i] + (steps * basic + own_div) * v.abs();
            }
        }
        Node::Pow(..) => {
            for i in 0..n {
                let (x, y, v) = (a[i].to_f64(), b[i].to_f64(), r[i].to_f64());
                let slope_a = (y * v / x).abs();
                let slope_b = (v * x.abs().ln()).abs();
                let prop = if ea[i] == 0.0 { 0.0 } else { slope_a * ea[i] }
                    + if eb[i] == 0.0 { 0.0 } else { slope_b * eb[i] };
                out[i] = prop + m.pow(x, y, v);
            }
        }
        Node::Call1(f, _) => func_bound(f, a, ea, r, out, m),
        Node::Call2(Func::Hypot, _, _) => {
            for i in 0..n {
                let (x, y, v) = (a[i].to_f64(), b[i].to_f64(), r[i].to_f64());
                // |∂hypot/∂a| = |a|/hypot ≤ 1, likewise for b.
                let prop = if v > 0.0 {
                    (x.abs() * ea[i] + y.abs() * eb[i]) / v
                } else {
                    ea[i] + eb[i]
                };
                out[i] = prop + m.func(Func::Hypot, x, y, v);
            }
        }
        Node::Call2(Func::Atan2, _, _) => {
            for i in 0..n {
                let (x, y, v) = (a[i].to_f64(), b[i].to_f64(), r[i].to_f64());
                let d = x * x + y * y;
                out[i] = (y.abs() * ea[i] + x.abs() * eb[i]) / d + m.func(Func::Atan2, x, y, v);
            }
        }
        // min and max pass on the larger operand error.
        Node::Call2(..) => {
            for i in 0..n {
                out[i] = ea[i].max(eb[i]);
            }
        }
        Node::Const(_) | Node::X | Node::Y => out.fill(0.0),
    }
}

/// Bounds for a one-argument function over a block: |f'| near the argument times its error,
/// plus the function's own allowance. Bounded functions cap the total at their range.
#[inline(always)]
fn func_bound<T: Real>(f: Func, a: &[T], ea: &[f64], r: &[T], out: &mut [f64], m: &ErrorModel) {
    let n = out.len();
    // The function's own allowance: k_r·|r| + k_a·|a| where linear (every library but the
    // native one), else per point. An exact argument carries nothing: the bound is then the
    // allowance alone.
    let linear = m.func_linear(f);
    let (k_r, k_a, a_max, k_0) = linear.unwrap_or((0.0, 0.0, 0.0, 0.0));
    // An exact argument everywhere (the common case: a coordinate, or a function of exact
    // values) carries no error: the bound is the function's own allowance alone.
    if linear.is_some() && (is_exact(ea) || ea[..n].iter().fold(true, |all, &e| all & (e == 0.0))) {
        for i in 0..n {
            out[i] = k_r * r[i].to_f64().abs() + k_a * a[i].to_f64().abs().min(a_max) + k_0;
        }
        if f == Func::Step {
            out.fill(0.0);
        }
        return;
    }
    macro_rules! each {
        (|$x:ident, $e:ident, $v:ident| $total:expr) => {
            if linear.is_some() {
                for i in 0..n {
                    let ($x, $e, $v) = (a[i].to_f64(), ea[i], r[i].to_f64());
                    let own = k_r * $v.abs() + k_a * $x.abs().min(a_max) + k_0;
                    out[i] = if $e == 0.0 { own } else { $total(own) };
                }
            } else {
                for i in 0..n {
                    let ($x, $e, $v) = (a[i].to_f64(), ea[i], r[i].to_f64());
                    let own = m.func(f, $x, 0.0, $v);
                    out[i] = if $e == 0.0 { own } else { $total(own) };
                }
            }
        };
    }
    // |cos a| from sin a = r (no second function call): √(1 − r²), plus 1.5e-8 for r's own
    // rounding near ±1 (|r| − 2^-53 under the root moves it by at most that).
    const ROOT_SLACK: f64 = 1.5e-8;
    match f {
        Func::Sin | Func::Cos => each!(|_x, e, v| |own: f64| {
            let slope = ((1.0 - v * v).max(0.0).sqrt() + ROOT_SLACK + e).min(1.0);
            (slope * e + own).min(2.0)
        }),
        Func::Abs
        | Func::Relu
        | Func::Softplus
        | Func::Atan2
        | Func::Min
        | Func::Max
        | Func::Hypot => {
            each!(|_x, e, _v| |own: f64| e + own)
        }
        Func::Tan => each!(|_x, e, v| |own: f64| (1.0 + v * v) * e + own),
        Func::Asin | Func::Acos => each!(|x, e, _v| |own: f64| {
            let t = (x.abs() + e).min(1.0);
            e / (1.0 - t * t).sqrt() + own
        }),
        Func::Atan => each!(|x, e, _v| |own: f64| e / (1.0 + x * x) + own),
        // Exponentials grow: the second-order term via the value at a + ea (e^ea − 1 ≤
        // ea + ea² for ea ≤ 1).
        Func::Exp | Func::Cosh => each!(|_x, e, v| |own: f64| v.abs() * grow(e) + own),
        // e^a = expm1(a) + 1.
        Func::Expm1 => each!(|_x, e, v| |own: f64| (v + 1.0).abs() * grow(e) + own),
        Func::Log1p => each!(|x, e, _v| |own: f64| {
            let room = (1.0 + x).abs() - e;
            if room > 0.0 {
                e / room + own
            } else {
                f64::INFINITY
            }
        }),
        Func::Sinh => each!(|_x, e, v| |own: f64| (v * v + 1.0).sqrt() * grow(e) + own),
        Func::Tanh => each!(|_x, e, v| |own: f64| ((1.0 - v * v) * e + own).min(2.0)),
        Func::Log => each!(|x, e, _v| |own: f64| {
            let room = x.abs() - e;
            if room > 0.0 {
                e / room + own
            } else {
                f64::INFINITY
            }
        }),
        Func::Sqrt => each!(|_x, e, v| |own: f64| {
            // √ of an argument within e of 0 is within √e of 0.
            if v > 0.0 {
                e / (2.0 * v) + own
            } else {
                e.sqrt() + own
            }
        }),
        Func::Sigmoid => each!(|_x, e, _v| |own: f64| (0.25 * e + own).min(1.0)),
        Func::Step => each!(|x, e, _v| |_own: f64| {
            // A jump of 1 where the argument's error could cross 0.
            if x.abs() <= e { 1.0 } else { 0.0 }
        }),
    }
}

/// e^e − 1 for an argument error e (≥ e; ≤ e + e² below 1).
#[inline(always)]
fn grow(e: f64) -> f64 {
    if e < 1.0 { e + e * e } else { e.exp_m1() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{MathMode, Precision};

    /// Values and bounds of `src` over `xs` (with bounds, the reference's std functions).
    fn run(src: &str, xs: &[f64], y: f64) -> (Vec<f64>, Vec<f64>) {
        run_with(src, xs, y, true)
    }

    fn run_with(src: &str, xs: &[f64], y: f64, bounds: bool) -> (Vec<f64>, Vec<f64>) {
        let e = Expr::parse(src).unwrap();
        let plan = Plan::new(&[&e]);
        let mut s = Scratch::new(plan.nodes(), true);
        let m = ErrorModel::gpu(Precision::F32, MathMode::Accurate);
        let inp = Input { xs, y, cache: None };
        plan.eval(&inp, bounds.then_some(&m), &mut s);
        let mut v = vec![0.0; xs.len()];
        let mut b = vec![0.0; xs.len()];
        plan.write_output(0, &inp, &mut s, &mut v, bounds.then_some(&mut b));
        (v, b)
    }

    /// The addition formulas of [`near_sincos`] and [`near_exp`] lane by lane, their series
    /// evaluated at every point (what the cached shifts must reproduce), with the same two
    /// steps: the formula everywhere, then, where any lane failed its test, every lane whose
    /// result fails it again computed directly.
    fn near_lane_by_lane(f: Func, u0: &[f64], u: &[f64]) -> Vec<f64> {
        use crate::math::refmath;
        let first = |a: f64| match f {
            Func::Exp => a.exp(),
            Func::Sin => refmath::sin(a),
            _ => refmath::cos(a),
        };
        let direct = |b: f64| match f {
            Func::Exp => b.exp(),
            Func::Sin => refmath::sin(b),
            _ => refmath::cos(b),
        };
        let near: Vec<(f64, bool)> = u0
            .iter()
            .zip(u)
            .map(|(&a, &b)| {
                let d = b - a;
                let (r, ok) = if f == Func::Exp {
                    let e0 = a.exp();
                    let r = e0 + e0 * small_expm1_of(d)[0];
                    (r, r.is_finite() && r != 0.0)
                } else {
                    let (s0, c0) = (refmath::sin(a), refmath::cos(a));
                    let (sd, cm1) = small_sincos(d);
                    let (first, other) = if f == Func::Sin { (s0, c0) } else { (c0, -s0) };
                    let corr = first * cm1 + other * sd;
                    let r = first + corr;
                    (r, 16.0 * corr.abs() <= r.abs())
                };
                (r, d.abs() <= NEAR_SHIFT && ok)
            })
            .collect();
        let any_direct = near.iter().any(|&(_, ok)| !ok);
        near.iter()
            .zip(u0.iter().zip(u))
            .map(|(&(r, _), (&a, &b))| {
                let again = match f {
                    Func::Exp => r.is_finite() && r != 0.0,
                    _ => 16.0 * (r - first(a)).abs() <= r.abs(),
                };
                if any_direct && !((b - a).abs() <= NEAR_SHIFT && again) {
                    direct(b)
                } else {
                    r
                }
            })
            .collect()
    }

    /// Chunks whose shifts repeat the last one's take its series from a cache: the same bits
    /// as the series at every point, for shifts that repeat (x ± h rounded to f32, across
    /// binades and zero), shifts that change at every point, large shifts, runs that are not
    /// whole chunks, and non-finite coordinates.
    #[test]
    fn cached_shifts_give_the_bits_of_the_series_at_every_point() {
        use crate::math::refmath;
        let mut next = crate::check::xorshift(11);
        let mut unit = move || (next() >> 11) as f64 / (1u64 << 53) as f64;
        let mut cases: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        for (n, lo, hi) in [
            (1024, -4.0, 4.0),
            (1021, -1e-3, 1e-3),
            (13, 0.5, 0.6),
            (5, 1.0, 2.0),
        ] {
            let u0: Vec<f64> = (0..n)
                .map(|i| (lo + (hi - lo) * i as f64 / n as f64) as f32 as f64)
                .collect();
            for h in [1e-3f32, -1e-3, 1e-2, 0.5] {
                let u = u0.iter().map(|&x| (x as f32 + h) as f64).collect();
                cases.push((u0.clone(), u));
            }
            // Shifts that differ at every point, some beyond the series' range.
            let u = u0.iter().map(|&x| x + 0.1 * (unit() - 0.5)).collect();
            cases.push((u0.clone(), u));
        }
        let mut odd: Vec<f64> = (0..64).map(|i| i as f64 / 32.0).collect();
        odd[9] = f64::NAN;
        odd[20] = f64::INFINITY;
        odd[40] = -0.0;
        cases.push((odd.clone(), odd.iter().map(|&x| x + 1e-3).collect()));
        let mut repeats = 0;
        for (u0, u) in &cases {
            let d: Vec<f64> = u.iter().zip(u0).map(|(b, a)| b - a).collect();
            repeats += d
                .windows(2)
                .filter(|p| p[0].to_bits() == p[1].to_bits())
                .count();
            let n = u0.len();
            let sin0: Vec<f64> = u0.iter().map(|&a| refmath::sin(a)).collect();
            let cos0: Vec<f64> = u0.iter().map(|&a| refmath::cos(a)).collect();
            let exp0: Vec<f64> = u0.iter().map(|&a| a.exp()).collect();
            for f in [Func::Sin, Func::Cos, Func::Exp] {
                let mut out = vec![0.0; n];
                if f == Func::Exp {
                    near_exp(u0, u, &exp0, &mut out);
                } else {
                    near_sincos(f, u0, u, &sin0, &cos0, &mut out);
                }
                let want = near_lane_by_lane(f, u0, u);
                for i in 0..n {
                    assert_eq!(
                        out[i].to_bits(),
                        want[i].to_bits(),
                        "{f:?} at {i} of {n}: u0 {} u {}",
                        u0[i],
                        u[i]
                    );
                }
            }
        }
        // Most shifts of x ± h repeat the one before: the cache is what these runs exercise.
        assert!(repeats > 4000, "{repeats} shifts repeat the one before");

        // The cache itself, chunk after chunk: every lane the bits of the series at its own
        // shift, whether a chunk repeats the last one's shift, differs from it by an ulp in
        // one lane, or changes within the chunk.
        let (a, b) = (1e-3f64, 1e-3f64.next_up());
        let chunks: [[f64; NEAR_LANES]; 6] = [
            [a; NEAR_LANES],
            [a, a, a, a, a, a, a, b],
            [a; NEAR_LANES],
            [b, b, b, b, b, b, b, a],
            [b; NEAR_LANES],
            [-0.0; NEAR_LANES],
        ];
        let (mut c2, mut c1) = (
            (0f64.to_bits(), small_sincos_of(0.0)),
            (0f64.to_bits(), small_expm1_of(0.0)),
        );
        for d in chunks.iter().chain(chunks.iter().rev()) {
            let [sd, cm1] = cached_shift(d, &mut c2, small_sincos_of);
            let [em1] = cached_shift(d, &mut c1, small_expm1_of);
            for l in 0..NEAR_LANES {
                let ([s, c], [e]) = (small_sincos_of(d[l]), small_expm1_of(d[l]));
                assert_eq!(
                    [sd[l], cm1[l], em1[l]].map(f64::to_bits),
                    [s, c, e].map(f64::to_bits),
                    "{d:?} lane {l}"
                );
            }
        }
    }

    /// A scalar output (y-only or constant) is written as its broadcast, bounds too, and a
    /// block output as itself.
    #[test]
    fn written_outputs_are_the_outputs_in_scratch() {
        let srcs = ["sin(x) + y", "3*y*y", "2.5", "x*y"];
        let exprs: Vec<Expr> = srcs.iter().map(|s| Expr::parse(s).unwrap()).collect();
        let plan = Plan::new(&exprs.iter().collect::<Vec<_>>());
        let xs: Vec<f64> = (0..300).map(|i| -1.0 + 0.01 * i as f64).collect();
        let y = 0.7;
        let m = ErrorModel::cpu(Precision::F32);
        let inp = Input {
            xs: &xs,
            y,
            cache: None,
        };
        let mut s = Scratch::new(plan.nodes(), true);
        plan.eval(&inp, Some(&m), &mut s);
        for (k, src) in srcs.iter().enumerate() {
            let (mut v, mut e) = (vec![f64::NAN; xs.len()], vec![f64::NAN; xs.len()]);
            plan.write_output(k, &inp, &mut s, &mut v, Some(&mut e));
            let (want_v, want_e) = plan.output_with_bounds(k, &inp, &mut s);
            assert_eq!((&v[..], &e[..]), (want_v, want_e), "{src}");
            let mut v2 = vec![f64::NAN; xs.len()];
            plan.write_output(k, &inp, &mut s, &mut v2, None);
            assert_eq!(v2, v, "{src}");
        }
        // The scalars are what they are: 3·0.7² and 2.5 at every point.
        let mut v = vec![0.0; xs.len()];
        plan.write_output(1, &inp, &mut s, &mut v, None);
        assert!(v.iter().all(|&a| a == 3.0 * y * y));
        plan.write_output(2, &inp, &mut s, &mut v, None);
        assert!(v.iter().all(|&a| a == 2.5));
    }

    #[test]
    fn block_values_match_the_tree_walk() {
        let xs: Vec<f64> = (0..BLOCK).map(|i| -3.0 + 0.023 * i as f64).collect();
        // Scalar operands (y, constants) on either side of each arithmetic operation.
        let src = "0.3*sin(3*x) + 0.5*x^2 + y*atan2(x, y) - max(x, y) + (y - x)/(x + 4) \
                   - x/y + y/(x + 4) + (x - y)*(2 - x) + x*y + (x + y)/2 + 1/(x + 5)";
        let (v, _) = run_with(src, &xs, 0.7, false);
        let e = Expr::parse(src).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            assert_eq!(v[i], e.eval(x, 0.7), "x = {x}");
        }
    }

    #[test]
    fn a_scalar_operand_gives_what_its_broadcast_gives() {
        let n = 200;
        let v: Vec<f64> = (0..n).map(|i| -2.0 + 0.021 * i as f64).collect();
        let e: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 1e-9).collect();
        let m = ErrorModel::gpu(Precision::F32, MathMode::Accurate);
        for node in [
            Node::Add(0, 1),
            Node::Sub(0, 1),
            Node::Mul(0, 1),
            Node::Div(0, 1),
        ] {
            for (s, se) in [(0.7, 3e-8), (-1.3, 0.0), (0.0, 1e-9)] {
                for scalar_left in [false, true] {
                    let (sv, sev) = (vec![s; n], vec![se; n]);
                    let (a, ea, b, eb) = if scalar_left {
                        (&sv, &sev, &v, &e)
                    } else {
                        (&v, &e, &sv, &sev)
                    };
                    let (mut want, mut want_e) = (vec![0.0; n], vec![0.0; n]);
                    apply(&node, a, b, &mut want, true);
                    bound(&node, a, ea, b, eb, &want, &mut want_e, &m);
                    let (mut got, mut got_e) = (vec![0.0; n], vec![0.0; n]);
                    let oe = Some(&mut got_e[..]);
                    arith_scalar(&node, &v, &e, (s, se), scalar_left, &mut got, oe, Some(&m));
                    for i in 0..n {
                        let same =
                            |x: f64, y: f64| x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan();
                        assert!(
                            same(got[i], want[i]),
                            "{node:?} {s} left {scalar_left} at {i}"
                        );
                        assert!(
                            same(got_e[i], want_e[i]),
                            "{node:?} {s} left {scalar_left} at {i}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn bounds_grow_with_cancellation() {
        // (1 + x) - 1 near x = 0 loses everything the f32 sum 1 + x rounded away.
        let (v, b) = run("(1 + x) - 1", &[1e-9, 0.5], 0.0);
        assert_eq!(v, vec![(1.0 + 1e-9) - 1.0, 0.5]);
        assert!(
            b[0] > 1e-9 * 10.0,
            "absolute bound ~ulp(1)/2, not ~ulp(1e-9): {}",
            b[0]
        );
        assert!(b[1] < 1e-6);
        // The f32 constant 0.1 carries its own rounding.
        let (_, b) = run("0.1", &[0.0], 0.0);
        assert_eq!(b[0], ((0.1f32 as f64) - 0.1).abs());
        // step can flip where its argument's error straddles zero.
        let (_, b) = run("step(x - 0.1)", &[0.1, 0.5], 0.0);
        assert_eq!(b, vec![1.0, 0.0]);
    }

    #[test]
    fn column_cache_gives_the_same_values_as_direct_evaluation() {
        let e = Expr::parse("sin(3*x)*cos(y) + x^2").unwrap();
        let plan = Plan::new(&[&e]);
        assert_eq!(plan.x_only(), 4); // x, 3*x, sin(3*x), x^2 (the constant 3 is not)
        let xs: Vec<f64> = (0..700).map(|i| i as f64 * 0.01).collect();
        let cache = plan.column_cache::<f64>(&xs, None);
        let mut s = Scratch::new(plan.nodes(), false);
        for i0 in [0usize, 256, 512] {
            let len = 100;
            let direct = Input {
                xs: &xs[i0..i0 + len],
                y: 0.3,
                cache: None,
            };
            let hoisted = Input {
                xs: &xs[i0..i0 + len],
                y: 0.3,
                cache: Some((&cache, i0)),
            };
            let (mut a, mut b) = (vec![0.0; len], vec![0.0; len]);
            plan.eval(&direct, None, &mut s);
            plan.write_output(0, &direct, &mut s, &mut a, None);
            plan.eval(&hoisted, None, &mut s);
            plan.write_output(0, &hoisted, &mut s, &mut b, None);
            assert_eq!(a, b);
        }
    }
}
