//! A cheap truth with a proven error bound: the instruction list evaluated in double-double
//! arithmetic (about 106 bits), each value carrying an upper bound on its distance from the
//! exact real value. An ill-conditioned point ([`super`]) whose verdict this bound already
//! settles needs no multi-precision truth ([`super::truth`], tens of microseconds a point);
//! this costs well under one. Where it cannot say (a function without a double-double form
//! here, an argument out of range, a bound too wide), it returns `None` and the
//! multi-precision truth decides as before.
//!
//! The arithmetic is that of Joldes, Muller and Popescu, "Tight and rigorous error bounds for
//! basic building blocks of double-word arithmetic" (ACM TOMS 44(2), 2017): addition
//! (AccurateDWPlusDW, relative error ≤ 3u² + 13u³), multiplication (DWTimesDW3, ≤ 4u²) and
//! division (DWDivDW2, ≤ 15u² + 56u³), u = 2^-53. Every operation here is charged
//! [`REL`] = 2^-100 of its result, well above those. The elementary functions reduce their
//! argument with π/2 and ln 2 held to three doubles and sum Taylor series with double-double
//! coefficients (all computed once in multi-precision), whose truncation and rounding are
//! charged an absolute [`SERIES`] = 2^-94. Bounds are summed in float64 and scaled up by
//! [`UP`] at each step, which covers their own rounding. The tests hold every operation and
//! function to its bound against 256-bit values.
//!
//! (The `twofloat` crate offers double-double arithmetic but calls its functions
//! "preliminary" and states no error bound, which a truth needs.)

// Every `!(a < b)` here is meant to hold for a NaN as well: a NaN gives no bounded value.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::sync::OnceLock;

use astro_float::{BigFloat, Consts, RoundingMode};

use super::truth::nearest_f64;
use crate::expr::{Func, Node, Program};

/// Charged to every double-double operation, relative to its result.
const REL: f64 = 7.888_609_052_210_118e-31; // 2^-100

/// Charged to each series evaluation (sin, cos on |r| ≤ 0.8; exp on |r| ≤ 0.36),
/// absolute (sin, cos) or relative (exp) — their values are at most 1.5.
const SERIES: f64 = 5.048_709_793_414_476e-29; // 2^-94

/// Bounds are scaled by this after each step (covers the float64 rounding of the bound).
const UP: f64 = 1.0 + 3.552_713_678_800_501e-15; // 1 + 2^-48

/// A double-double number hi + lo, |lo| ≤ ulp(hi)/2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Dd {
    pub(crate) hi: f64,
    pub(crate) lo: f64,
}

fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Exact when |a| ≥ |b| (or a = 0).
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    pub(crate) const fn from_f64(v: f64) -> Dd {
        Dd { hi: v, lo: 0.0 }
    }

    /// An upper bound on |self|.
    fn mag(self) -> f64 {
        (self.hi.abs() + self.lo.abs()) * UP
    }

    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// AccurateDWPlusDW.
    fn add(self, o: Dd) -> Dd {
        let (sh, sl) = two_sum(self.hi, o.hi);
        let (th, tl) = two_sum(self.lo, o.lo);
        let c = sl + th;
        let (vh, vl) = fast_two_sum(sh, c);
        let w = tl + vl;
        let (hi, lo) = fast_two_sum(vh, w);
        Dd { hi, lo }
    }

    /// DWTimesDW3.
    fn mul(self, o: Dd) -> Dd {
        let (ch, cl1) = two_prod(self.hi, o.hi);
        let tl0 = self.lo * o.lo;
        let tl1 = self.hi.mul_add(o.lo, tl0);
        let cl2 = self.lo.mul_add(o.hi, tl1);
        let cl3 = cl1 + cl2;
        let (hi, lo) = fast_two_sum(ch, cl3);
        Dd { hi, lo }
    }

    /// DWTimesFP3: self × a double.
    fn mul_f64(self, y: f64) -> Dd {
        let (ch, cl1) = two_prod(self.hi, y);
        let cl3 = self.lo.mul_add(y, cl1);
        let (hi, lo) = fast_two_sum(ch, cl3);
        Dd { hi, lo }
    }

    /// DWDivDW2.
    fn div(self, o: Dd) -> Dd {
        let th = self.hi / o.hi;
        let r = o.mul_f64(th);
        let pi_h = self.hi - r.hi;
        let d_l = self.lo - r.lo;
        let d = pi_h + d_l;
        let tl = d / o.hi;
        let (hi, lo) = fast_two_sum(th, tl);
        Dd { hi, lo }
    }

    /// √self for self > 0: one Newton step from the float64 root.
    fn sqrt(self) -> Dd {
        let s = self.hi.sqrt();
        let (ph, pl) = two_prod(s, s);
        let r = ((self.hi - ph) - pl) + self.lo;
        let (hi, lo) = fast_two_sum(s, r / (2.0 * s));
        Dd { hi, lo }
    }

    fn scale(self, k: i32) -> Dd {
        let f = 2f64.powi(k);
        Dd {
            hi: self.hi * f,
            lo: self.lo * f,
        }
    }
}

/// A double-double value and an upper bound on its distance from the exact value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Val {
    pub(crate) v: Dd,
    pub(crate) e: f64,
}

/// Constants made once in multi-precision.
struct Tables {
    /// 1/n! for n = 0..=30.
    inv_fact: [Dd; 31],
    /// π/2 and ln 2 as three doubles each (the rest below 2^-150 of them).
    half_pi: [f64; 3],
    ln2: [f64; 3],
}

/// The constants, or `None` if multi-precision could not make them (then no double-double
/// truth is given and the multi-precision one decides, as before).
fn tables() -> Option<&'static Tables> {
    static T: OnceLock<Option<Tables>> = OnceLock::new();
    T.get_or_init(make_tables).as_ref()
}

fn make_tables() -> Option<Tables> {
    const P: usize = 320;
    let rm = RoundingMode::ToEven;
    let mut cc = Consts::new().ok()?;
    // The nearest double of each piece.
    let mut split = |v: BigFloat| -> Option<[f64; 3]> {
        let mut out = [0.0; 3];
        let mut rest = v;
        for o in out.iter_mut() {
            *o = nearest_f64(&rest, &mut cc)?;
            rest = rest.sub(&BigFloat::from_f64(*o, P), P, rm);
        }
        Some(out)
    };
    let mut inv_fact = [Dd::from_f64(0.0); 31];
    let mut f = BigFloat::from_f64(1.0, P);
    for (n, slot) in inv_fact.iter_mut().enumerate() {
        if n > 0 {
            f = f.mul(&BigFloat::from_f64(n as f64, P), P, rm);
        }
        let [hi, lo, _] = split(BigFloat::from_f64(1.0, P).div(&f, P, rm))?;
        *slot = Dd { hi, lo };
    }
    let mut cc2 = Consts::new().ok()?;
    let pi = cc2.pi(P, rm);
    let half_pi = split(pi.div(&BigFloat::from_f64(2.0, P), P, rm))?;
    let ln2 = split(cc2.ln_2(P, rm))?;
    Some(Tables {
        inv_fact,
        half_pi,
        ln2,
    })
}

impl Val {
    pub(crate) fn exact(v: f64) -> Val {
        Val {
            v: Dd::from_f64(v),
            e: 0.0,
        }
    }

    /// The value rounded to a double, and a bound on its distance from the exact value.
    pub(crate) fn to_f64(self) -> Option<(f64, f64)> {
        let b = (self.e + self.v.lo.abs()) * UP;
        (self.v.hi.is_finite() && b.is_finite()).then_some((self.v.hi, b))
    }

    /// A computed value, away from overflow and underflow (where the double-double bounds
    /// hold): a non-finite part, or a nonzero value below 2^-900, gives none. The bound gains
    /// 2^-1000, more than any of its own terms that may have underflowed.
    fn checked(v: Dd, e: f64) -> Option<Val> {
        let tiny = v.hi != 0.0 && v.hi.abs() < 2f64.powi(-900);
        (v.hi.is_finite() && v.lo.is_finite() && e.is_finite() && !tiny).then_some(Val {
            v,
            e: e + 2f64.powi(-1000),
        })
    }

    fn neg(self) -> Val {
        Val {
            v: self.v.neg(),
            e: self.e,
        }
    }

    fn add(self, o: Val) -> Option<Val> {
        let v = self.v.add(o.v);
        Val::checked(v, (self.e + o.e + REL * v.mag()) * UP)
    }

    fn sub(self, o: Val) -> Option<Val> {
        self.add(o.neg())
    }

    fn mul(self, o: Val) -> Option<Val> {
        let v = self.v.mul(o.v);
        if v.hi == 0.0 && self.v.hi != 0.0 && o.v.hi != 0.0 {
            return None; // underflow
        }
        let e = self.v.mag() * o.e + o.v.mag() * self.e + self.e * o.e + REL * v.mag();
        Val::checked(v, e * UP)
    }

    fn div(self, o: Val) -> Option<Val> {
        // |X/Y − x/y| ≤ (e_x + |x/y|·e_y) / (|y| − e_y).
        let low = o.v.hi.abs() - o.v.lo.abs() - o.e;
        if !(low > 0.0) {
            return None;
        }
        let v = self.v.div(o.v);
        if v.hi == 0.0 && self.v.hi != 0.0 {
            return None; // underflow
        }
        let q = v.mag() * (1.0 + 2.0 * REL);
        let e = ((self.e + q * o.e) / low) * UP + REL * v.mag();
        Val::checked(v, e * UP)
    }

    fn powi(self, k: i32) -> Option<Val> {
        let mut acc = Val::exact(1.0);
        let mut base = self;
        let mut n = k.unsigned_abs();
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul(base)?;
            }
            n >>= 1;
            if n > 0 {
                base = base.mul(base)?;
            }
        }
        if k < 0 {
            Val::exact(1.0).div(acc)
        } else {
            Some(acc)
        }
    }

    fn sqrt(self) -> Option<Val> {
        if self.v.hi == 0.0 && self.e == 0.0 {
            return Some(Val::exact(0.0));
        }
        if !(self.v.hi > 0.0) {
            return None;
        }
        let v = self.v.sqrt();
        // |√X − √x| ≤ e_x / √x, √x ≥ the root less its error.
        let root_low = v.hi.abs() * (1.0 - 2.0 * REL) - v.lo.abs();
        let e = self.e / root_low * UP + REL * v.mag();
        Val::checked(v, e * UP)
    }

    /// self − k·(c₀ + c₁ + c₂), for a constant held to three doubles; the bound adds the
    /// roundings and |k| times the constant's remainder (below 2^-150 of it).
    fn reduce(self, k: f64, c: &[f64; 3]) -> Option<Val> {
        let mut r = self;
        for &ci in c {
            let (ph, pl) = two_prod(k, ci);
            r = r.sub(Val {
                v: Dd { hi: ph, lo: pl },
                e: 0.0,
            })?;
        }
        let tail = k.abs() * c[0].abs() * 2f64.powi(-150);
        Val::checked(r.v, (r.e + tail) * UP)
    }

    /// sin and cos together (on |argument| ≤ 2^20).
    fn sincos(self) -> Option<(Val, Val)> {
        let t = tables()?;
        if !(self.v.hi.abs() <= 1_048_576.0) {
            return None;
        }
        let k = (self.v.hi * std::f64::consts::FRAC_2_PI).round();
        let r = self.reduce(k, &t.half_pi)?;
        if !(r.v.hi.abs() <= 0.8) {
            return None;
        }
        // Horner in r²: sin r = r·Σ (−r²)^i/(2i+1)!, cos r = Σ (−r²)^i/(2i)!, i ≤ 14 (the
        // first omitted terms are below 2^-110 on |r| ≤ 0.8).
        let z = r.v.mul(r.v).neg();
        let mut s = t.inv_fact[29];
        let mut c = t.inv_fact[30];
        for i in (0..14).rev() {
            s = s.mul(z).add(t.inv_fact[2 * i + 1]);
            c = c.mul(z).add(t.inv_fact[2 * i + 2]);
        }
        let s = s.mul(r.v);
        let c = c.mul(z).add(Dd::from_f64(1.0));
        // sin and cos are 1-Lipschitz: the argument's error passes through as it is.
        let e = (r.e + SERIES) * UP;
        let (s, c) = (Val { v: s, e }, Val { v: c, e });
        Some(match (k as i64).rem_euclid(4) {
            0 => (s, c),
            1 => (c, s.neg()),
            2 => (s.neg(), c.neg()),
            _ => (c.neg(), s),
        })
    }

    fn exp(self) -> Option<Val> {
        let t = tables()?;
        // Results whose low part stays normal, and an argument known to 2^-20 (so e^δ − 1 ≤
        // δ(1 + 2^-19)).
        if !(self.v.hi.abs() <= 600.0 && self.e <= 2f64.powi(-20)) {
            return None;
        }
        let k = (self.v.hi / std::f64::consts::LN_2).round();
        let r = self.reduce(k, &t.ln2)?;
        if !(r.v.hi.abs() <= 0.36) {
            return None;
        }
        // Σ rⁿ/n!, n ≤ 26 (the rest below 2^-120 on |r| ≤ 0.36).
        let mut p = t.inv_fact[26];
        for n in (0..26).rev() {
            p = p.mul(r.v).add(t.inv_fact[n]);
        }
        let v = p.scale(k as i32);
        let rel = (r.e * (1.0 + 2f64.powi(-19)) + SERIES) * UP;
        Val::checked(v, v.mag() * rel * UP)
    }

    fn ln(self) -> Option<Val> {
        let low = self.v.hi - self.v.lo.abs() - self.e;
        if !(low > 0.0) || !self.v.hi.is_finite() {
            return None;
        }
        // One Newton step from the float64 logarithm: y = y₀ + c with c = x·e^-y₀ − 1; then
        // ln x = y₀ + ln(1 + c*) (c* the exact c), and |c − ln(1 + c)| ≤ c² for |c| ≤ 2^-20.
        let y0 = self.v.hi.ln();
        let x = Val { v: self.v, e: 0.0 };
        let c = x.mul(Val::exact(-y0).exp()?)?.sub(Val::exact(1.0))?;
        if !(c.v.hi.abs() <= 2f64.powi(-20)) {
            return None;
        }
        let y = Val::exact(y0).add(c)?;
        let c2 = c.v.mag() + c.e;
        // |ln X − ln x| ≤ e_x / (x − e_x).
        let e = y.e + c2 * c2 + self.e / low * UP;
        Val::checked(y.v, e * UP)
    }

    fn step(self) -> Option<Val> {
        let low = self.v.hi.abs() - self.v.lo.abs() - self.e;
        if self.e == 0.0 && self.v.hi == 0.0 {
            return Some(Val::exact(1.0));
        }
        (low > 0.0).then(|| Val::exact(if self.v.hi > 0.0 { 1.0 } else { 0.0 }))
    }

    fn pick(self, o: Val, max: bool) -> Val {
        // min and max move by no more than the larger error of their arguments.
        let a_first = if max {
            self.v.hi > o.v.hi || (self.v.hi == o.v.hi && self.v.lo >= o.v.lo)
        } else {
            self.v.hi < o.v.hi || (self.v.hi == o.v.hi && self.v.lo <= o.v.lo)
        };
        Val {
            v: if a_first { self.v } else { o.v },
            e: self.e.max(o.e),
        }
    }

    fn call1(self, f: Func) -> Option<Val> {
        let one = Val::exact(1.0);
        match f {
            Func::Sin => self.sincos().map(|(s, _)| s),
            Func::Cos => self.sincos().map(|(_, c)| c),
            Func::Tan => {
                let (s, c) = self.sincos()?;
                s.div(c)
            }
            Func::Exp => self.exp(),
            Func::Log => self.ln(),
            Func::Expm1 => self.exp()?.sub(one),
            Func::Log1p => one.add(self)?.ln(),
            Func::Sinh | Func::Cosh => {
                let (a, b) = (self.exp()?, self.neg().exp()?);
                let s = if f == Func::Sinh {
                    a.sub(b)?
                } else {
                    a.add(b)?
                };
                s.mul(Val::exact(0.5))
            }
            Func::Tanh => {
                // (e^2x − 1)/(e^2x + 1), large arguments from the other side.
                let e2 = self.mul(Val::exact(2.0))?.exp()?;
                e2.sub(one)?.div(e2.add(one)?)
            }
            Func::Sigmoid => one.div(one.add(self.neg().exp()?)?),
            Func::Softplus => one.add(self.exp()?)?.ln(),
            Func::Sqrt => self.sqrt(),
            Func::Abs => Some(if self.v.hi < 0.0 { self.neg() } else { self }),
            Func::Relu => Some(self.pick(Val::exact(0.0), true)),
            Func::Step => self.step(),
            Func::Asin | Func::Acos | Func::Atan | Func::Atan2 | Func::Min | Func::Max => None,
            Func::Hypot => None,
        }
    }

    fn call2(self, f: Func, o: Val) -> Option<Val> {
        match f {
            Func::Min => Some(self.pick(o, false)),
            Func::Max => Some(self.pick(o, true)),
            Func::Hypot => self.mul(self)?.add(o.mul(o)?)?.sqrt(),
            _ => None,
        }
    }
}

/// The nodes `need` marks at (x, y); `None` where any of them has no bounded value.
fn eval(prog: &Program, need: &[bool], x: f64, y: f64) -> Option<Vec<Val>> {
    let mut v: Vec<Val> = Vec::with_capacity(prog.nodes.len());
    for (node, &needed) in prog.nodes.iter().zip(need) {
        if !needed {
            v.push(Val::exact(f64::NAN));
            continue;
        }
        let get = |i: u32| v[i as usize];
        let r = match *node {
            Node::Const(c) => Val::exact(c),
            Node::X => Val::exact(x),
            Node::Y => Val::exact(y),
            Node::Neg(a) => get(a).neg(),
            Node::Add(a, b) => get(a).add(get(b))?,
            Node::Sub(a, b) => get(a).sub(get(b))?,
            Node::Mul(a, b) => get(a).mul(get(b))?,
            Node::Div(a, b) => get(a).div(get(b))?,
            Node::PowI(a, k) => get(a).powi(k)?,
            Node::Pow(a, b) => {
                let base = get(a);
                if !(base.v.hi > 0.0) {
                    return None;
                }
                base.ln()?.mul(get(b))?.exp()?
            }
            Node::Call1(f, a) => get(a).call1(f)?,
            Node::Call2(f, a, b) => get(a).call2(f, get(b))?,
        };
        v.push(Val::checked(r.v, r.e)?);
    }
    Some(v)
}

/// Output `k` of `prog` at (x, y): a double and a bound on its distance from the exact
/// value, or `None` where this arithmetic cannot bound it.
pub(crate) fn output(prog: &Program, k: usize, x: f64, y: f64) -> Option<(f64, f64)> {
    let vals = eval(prog, &prog.needed_by(k), x, y)?;
    vals[prog.outputs[k] as usize].to_f64()
}

/// The stencil Σ wₖ·f(xₖ, yₖ) / den (weights and denominator exactly as given), as
/// [`output`].
pub(crate) fn stencil(prog: &Program, points: &[(f64, f64, f64)], den: f64) -> Option<(f64, f64)> {
    let need = prog.needed_by(0);
    let mut acc = Val::exact(0.0);
    for &(x, y, w) in points {
        let f = eval(prog, &need, x, y)?[prog.outputs[0] as usize];
        acc = acc.add(f.mul(Val::exact(w))?)?;
    }
    acc.div(Val::exact(den))?.to_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::xorshift;
    use crate::expr::Expr;

    const P: usize = 256;
    const RM: RoundingMode = RoundingMode::ToEven;

    fn big(v: Dd) -> BigFloat {
        BigFloat::from_f64(v.hi, P).add(&BigFloat::from_f64(v.lo, P), P, RM)
    }

    /// |dd − truth| as a double, rounded up (its decimal form parses to within half an ulp).
    fn distance(v: Dd, truth: &BigFloat, cc: &mut Consts) -> f64 {
        let d = big(v).sub(truth, P, RM).abs();
        nearest_f64(&d, cc).unwrap() * (1.0 + f64::EPSILON)
    }

    fn arg(rng: &mut impl FnMut() -> u64, lo: f64, hi: f64) -> f64 {
        // xorshift gives 48 bits.
        let u = rng() as f64 / (1u64 << 48) as f64;
        lo + (hi - lo) * u
    }

    #[test]
    fn every_operation_stays_within_its_bound() {
        let mut cc = Consts::new().unwrap();
        let mut rng = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut worst: f64 = 0.0;
        for i in 0..3000 {
            let (a, b) = (arg(&mut rng, -9.0, 9.0), arg(&mut rng, -9.0, 9.0));
            // Inputs with a low part, and (every other time) errors of their own: the exact
            // inputs are then the values moved to an end of their bounds.
            let (ea, eb) = if i % 2 == 0 {
                (0.0, 0.0)
            } else {
                (1e-24, 3e-23)
            };
            let x = Val {
                v: Dd::from_f64(a).add(Dd::from_f64(a * 1e-17)),
                e: ea,
            };
            let y = Val {
                v: Dd::from_f64(b),
                e: eb,
            };
            let mut side = || if rng() & 1 == 0 { 1.0 } else { -1.0 };
            let bx = big(x.v).add(&BigFloat::from_f64(side() * ea, P), P, RM);
            let by = big(y.v).add(&BigFloat::from_f64(side() * eb, P), P, RM);
            let one = BigFloat::from_f64(1.0, P);
            let cases: Vec<(&str, Option<Val>, BigFloat)> = vec![
                ("add", x.add(y), bx.add(&by, P, RM)),
                ("sub", x.sub(y), bx.sub(&by, P, RM)),
                ("mul", x.mul(y), bx.mul(&by, P, RM)),
                ("div", x.div(y), bx.div(&by, P, RM)),
                ("powi", x.powi(5), bx.powi(5, P, RM)),
                ("powi-3", x.powi(-3), one.div(&bx.powi(3, P, RM), P, RM)),
                ("sqrt", x.sqrt(), bx.sqrt(P, RM)),
                ("sin", x.call1(Func::Sin), bx.sin(P, RM, &mut cc)),
                ("cos", x.call1(Func::Cos), bx.cos(P, RM, &mut cc)),
                ("tan", x.call1(Func::Tan), bx.tan(P, RM, &mut cc)),
                ("exp", x.call1(Func::Exp), bx.exp(P, RM, &mut cc)),
                ("log", x.call1(Func::Log), bx.ln(P, RM, &mut cc)),
                ("tanh", x.call1(Func::Tanh), bx.tanh(P, RM, &mut cc)),
                ("sinh", x.call1(Func::Sinh), bx.sinh(P, RM, &mut cc)),
                (
                    "expm1",
                    x.call1(Func::Expm1),
                    bx.exp(P, RM, &mut cc).sub(&one, P, RM),
                ),
            ];
            for (name, got, truth) in cases {
                let Some(got) = got else {
                    // Only where the operation is undefined.
                    assert!(
                        matches!(name, "sqrt" | "log") && a <= 0.0,
                        "{name}({a}, {b}) gave no value"
                    );
                    continue;
                };
                let d = distance(got.v, &truth, &mut cc);
                assert!(
                    d <= got.e,
                    "{name}({a:e}, {b:e}): {d:e} > bound {:e}",
                    got.e
                );
                // And the bound is tight enough to be worth having.
                worst = worst.max(got.e / got.v.hi.abs().max(1.0));
            }
        }
        assert!(worst < 1e-20, "{worst:e}");
    }

    #[test]
    fn underflow_gives_no_value() {
        let tiny = Val::exact(1e-200);
        assert!(tiny.mul(tiny).is_none());
        assert!(tiny.div(Val::exact(1e200)).is_none());
        assert!(tiny.powi(5).is_none());
        // An exact zero stays a value, with a bound that covers any underflowed term.
        let z = Val::exact(3.0).sub(Val::exact(3.0)).unwrap();
        assert_eq!(z.v.hi, 0.0);
        assert!(z.e > 0.0 && z.e < 1e-300);
    }

    #[test]
    fn reduction_of_large_arguments_is_bounded() {
        let mut cc = Consts::new().unwrap();
        // Near multiples of π/2 the reduced argument cancels: the absolute bound must hold.
        for x in [
            355.0,
            103_993.0 / 2.0,
            1e6,
            std::f64::consts::PI,
            std::f64::consts::FRAC_PI_2 * 12345.0,
        ] {
            let (s, c) = Val::exact(x).sincos().unwrap();
            let bx = BigFloat::from_f64(x, P);
            let ts = bx.sin(P, RM, &mut cc);
            let tc = bx.cos(P, RM, &mut cc);
            assert!(distance(s.v, &ts, &mut cc) <= s.e, "sin {x}");
            assert!(distance(c.v, &tc, &mut cc) <= c.e, "cos {x}");
            assert!(s.e < 1e-25 && c.e < 1e-25);
        }
    }

    #[test]
    fn programs_and_stencils_match_the_multi_precision_truth() {
        let mut t = super::super::truth::Truth::new().unwrap();
        let mut rng = xorshift(7);
        for src in [
            "0.3*sin(3*x)+0.5*x^2+0.5*y^2",
            "(exp(x)-1)/x + y",
            "sqrt(x^2+y^2+1) - log(1 + x^2)",
            "tanh(x*y) + sigmoid(x) - softplus(y)",
            "x^y",
        ] {
            let f = Expr::parse(src).unwrap();
            let gx = f.derivative(crate::expr::Var::X);
            let prog = Program::compile(&[&f, &gx]);
            for _ in 0..40 {
                let (x, y) = (arg(&mut rng, 0.1, 3.0), arg(&mut rng, -2.0, 2.0));
                for k in 0..2 {
                    let (v, b) = output(&prog, k, x, y).expect(src);
                    let truth = t.output(&prog, k, x, y).unwrap();
                    // The truth is rounded to a double: half an ulp more.
                    assert!(
                        (v - truth).abs() <= b + f64::EPSILON * truth.abs(),
                        "{src} output {k} at ({x}, {y}): {v} vs {truth}, bound {b:e}"
                    );
                    // Half an ulp (the low part) and a little.
                    assert!(b <= 1.2e-16 * truth.abs() + 1e-25, "{src}: {b:e}");
                }
                let pts = [(x - 1e-3, y, -1.0), (x + 1e-3, y, 1.0)];
                let (v, b) = stencil(&prog, &pts, 2e-3).expect(src);
                let truth = t.stencil(&prog, &pts, 2e-3).unwrap();
                assert!((v - truth).abs() <= b + f64::EPSILON * truth.abs(), "{src}");
            }
        }
    }
}
