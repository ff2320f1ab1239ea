//! A truth the formula cannot fool: the same instruction list evaluated in multi-precision
//! floating point (astro-float), at 128 bits and again at 192 (then 384, 1024) until two
//! precisions agree to 2^-64 of the value. Where the float64 reference has lost more digits
//! than the checked precision can spare (the ill-conditioned points of [`super`]), this
//! says what the value really is, so the check can tell an engine that is right despite the
//! formula from one that is not.
//!
//! The truth is the expression with its constants as the float64 values the engines start
//! from (0.3 means the double nearest 0.3), at the engine's own coordinates.

use astro_float::{BigFloat, Consts, Radix, RoundingMode};

use crate::expr::{Func, Node, Program};

/// The precisions tried, in bits.
const PRECISIONS: [usize; 4] = [128, 192, 384, 1024];

/// Two precisions agree when they differ by less than this relative to the value.
const AGREE: f64 = 5.421_010_862_427_522e-20; // 2^-64

const RM: RoundingMode = RoundingMode::ToEven;

/// A multi-precision evaluator with its constants cache.
pub(crate) struct Truth {
    cc: Consts,
}

thread_local! {
    /// This thread's evaluator: its constants cache (π and the like at each precision used)
    /// lives as long as the thread, not one batch of points.
    static TRUTH: std::cell::RefCell<Option<Truth>> = const { std::cell::RefCell::new(None) };
}

impl Truth {
    pub(crate) fn new() -> Option<Truth> {
        Consts::new().ok().map(|cc| Truth { cc })
    }

    /// Runs `f` with this thread's evaluator (made on first use); `None` when none can be
    /// made.
    pub(crate) fn with<R>(f: impl FnOnce(&mut Truth) -> Option<R>) -> Option<R> {
        TRUTH.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Truth::new();
            }
            slot.as_mut().and_then(f)
        })
    }

    /// Output `k` of `prog` at (x, y), rounded to f64: `None` when no two precisions agree
    /// (or the value is not finite).
    pub(crate) fn output(&mut self, prog: &Program, k: usize, x: f64, y: f64) -> Option<f64> {
        let need = prog.needed_by(k);
        self.converge(|t, p| {
            let vals = t.eval(prog, &need, x, y, p);
            vals[prog.outputs[k] as usize].clone()
        })
    }

    /// A stencil Σ wₖ·f(xₖ, yₖ) / den in multi-precision, rounded to f64 (the weights and
    /// the denominator exactly as given): the finite difference the engine computed, without
    /// its rounding.
    pub(crate) fn stencil(
        &mut self,
        prog: &Program,
        points: &[(f64, f64, f64)],
        den: f64,
    ) -> Option<f64> {
        let need = prog.needed_by(0);
        self.converge(|t, p| {
            let mut acc = BigFloat::from_f64(0.0, p);
            for &(x, y, w) in points {
                let f = t.eval(prog, &need, x, y, p)[prog.outputs[0] as usize].clone();
                acc = acc.add(&f.mul(&BigFloat::from_f64(w, p), p, RM), p, RM);
            }
            acc.div(&BigFloat::from_f64(den, p), p, RM)
        })
    }

    /// Evaluates at increasing precision until two agree.
    fn converge(&mut self, mut at: impl FnMut(&mut Truth, usize) -> BigFloat) -> Option<f64> {
        let mut last: Option<f64> = None;
        for p in PRECISIONS {
            let value = at(self, p);
            let v = nearest_f64(&value, &mut self.cc)?;
            if let Some(prev) = last
                && (v == prev || (v - prev).abs() <= AGREE * v.abs().max(prev.abs()))
            {
                return Some(v);
            }
            last = Some(v);
        }
        None
    }

    /// The nodes of `prog` that `need` marks ([`Program::needed_by`]), at (x, y) with `p`
    /// bits; the others hold NaN.
    fn eval(&mut self, prog: &Program, need: &[bool], x: f64, y: f64, p: usize) -> Vec<BigFloat> {
        let mut v: Vec<BigFloat> = Vec::with_capacity(prog.nodes.len());
        for (node, &needed) in prog.nodes.iter().zip(need) {
            if !needed {
                v.push(BigFloat::nan(None));
                continue;
            }
            let get = |i: u32| &v[i as usize];
            let r = match *node {
                Node::Const(c) => BigFloat::from_f64(c, p),
                Node::X => BigFloat::from_f64(x, p),
                Node::Y => BigFloat::from_f64(y, p),
                Node::Neg(a) => get(a).neg(),
                Node::Add(a, b) => get(a).add(get(b), p, RM),
                Node::Sub(a, b) => get(a).sub(get(b), p, RM),
                Node::Mul(a, b) => get(a).mul(get(b), p, RM),
                Node::Div(a, b) => get(a).div(get(b), p, RM),
                Node::PowI(a, k) => {
                    let m = get(a).powi(k.unsigned_abs() as usize, p, RM);
                    if k < 0 {
                        BigFloat::from_f64(1.0, p).div(&m, p, RM)
                    } else {
                        m
                    }
                }
                Node::Pow(a, b) => get(a).pow(get(b), p, RM, &mut self.cc),
                Node::Call1(f, a) => self.call1(f, get(a), p),
                Node::Call2(f, a, b) => self.call2(f, get(a), get(b), p),
            };
            v.push(r);
        }
        v
    }

    fn call1(&mut self, f: Func, a: &BigFloat, p: usize) -> BigFloat {
        let cc = &mut self.cc;
        let one = BigFloat::from_f64(1.0, p);
        let zero = BigFloat::from_f64(0.0, p);
        let positive = a.is_positive() && !a.is_zero();
        match f {
            Func::Sin => a.sin(p, RM, cc),
            Func::Cos => a.cos(p, RM, cc),
            Func::Tan => a.tan(p, RM, cc),
            Func::Asin => a.asin(p, RM, cc),
            Func::Acos => a.acos(p, RM, cc),
            Func::Atan => a.atan(p, RM, cc),
            Func::Sinh => a.sinh(p, RM, cc),
            Func::Cosh => a.cosh(p, RM, cc),
            Func::Tanh => a.tanh(p, RM, cc),
            Func::Exp => a.exp(p, RM, cc),
            Func::Log => a.ln(p, RM, cc),
            Func::Expm1 => a.exp(p, RM, cc).sub(&one, p, RM),
            Func::Log1p => one.add(a, p, RM).ln(p, RM, cc),
            Func::Sqrt => a.sqrt(p, RM),
            Func::Abs => a.abs(),
            Func::Sigmoid => one.div(&one.add(&a.neg().exp(p, RM, cc), p, RM), p, RM),
            Func::Softplus => one.add(&a.exp(p, RM, cc), p, RM).ln(p, RM, cc),
            Func::Relu => {
                if positive {
                    a.clone()
                } else {
                    zero
                }
            }
            Func::Step => {
                if positive || a.is_zero() {
                    one
                } else {
                    zero
                }
            }
            Func::Atan2 | Func::Min | Func::Max | Func::Hypot => BigFloat::nan(None),
        }
    }

    fn call2(&mut self, f: Func, a: &BigFloat, b: &BigFloat, p: usize) -> BigFloat {
        match f {
            Func::Min | Func::Max => {
                let a_less = a.cmp(b).is_some_and(|c| c < 0);
                let pick_a = (f == Func::Min) == a_less || a.cmp(b) == Some(0);
                if pick_a { a.clone() } else { b.clone() }
            }
            Func::Hypot => a.mul(a, p, RM).add(&b.mul(b, p, RM), p, RM).sqrt(p, RM),
            Func::Atan2 => {
                // atan2(a, b): the angle of the point (b, a); on the negative x axis the cut
                // takes +π whatever the sign of a zero a (the language has one zero).
                let cc = &mut self.cc;
                let pi = cc.pi(p, RM);
                if b.is_zero() {
                    let half = pi.div(&BigFloat::from_f64(2.0, p), p, RM);
                    return if a.is_negative() && !a.is_zero() {
                        half.neg()
                    } else if a.is_zero() {
                        BigFloat::from_f64(0.0, p)
                    } else {
                        half
                    };
                }
                let t = a.div(b, p, RM).atan(p, RM, cc);
                if b.is_positive() {
                    t.add(&BigFloat::from_f64(0.0, p), p, RM)
                } else if a.is_negative() && !a.is_zero() {
                    t.sub(&pi, p, RM)
                } else {
                    t.add(&pi, p, RM)
                }
            }
            _ => BigFloat::nan(None),
        }
    }
}

/// The nearest f64 to `v` (through a decimal, which parses correctly rounded); `None` for
/// a value that is not finite or rounds out of range.
pub(crate) fn nearest_f64(v: &BigFloat, cc: &mut Consts) -> Option<f64> {
    if v.is_nan() || v.is_inf() {
        return None;
    }
    if v.is_zero() {
        return Some(0.0);
    }
    let text = v.format(Radix::Dec, RM, cc).ok()?;
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Expr, Var};

    fn truth(src: &str, k: usize, x: f64) -> f64 {
        let f = Expr::parse(src).unwrap();
        let d = f.derivative(Var::X);
        let prog = Program::compile(&[&f, &d]);
        Truth::new().unwrap().output(&prog, k, x, 0.0).unwrap()
    }

    #[test]
    fn the_truth_is_not_fooled_by_cancellation() {
        // Values from mpmath at 40 digits: (e^x − 1)/x at 1e-6 and its derivative (float64
        // evaluations of these formulas are off in the 10th and 5th digits).
        assert_eq!(truth("(exp(x)-1)/x", 0, 1e-6), 1.000_000_500_000_166_6);
        assert_eq!(truth("(exp(x)-1)/x", 1, 1e-6), 0.500_000_333_333_458_3);
        // √(x²+1) − x at 1e8 is 5e-9 (float64 gives 0).
        let v = truth("sqrt(x^2+1)-x", 0, 1e8);
        assert!((v - 5e-9).abs() < 1e-24, "{v}");
        // sin of a huge argument (known value).
        assert_eq!(truth("sin(x)", 0, 1e22), -0.852_200_849_767_188_8);
    }

    #[test]
    fn atan2_min_max_and_kinks() {
        let a = truth("atan2(x, -1)", 0, 1.0);
        assert!((a - 0.75 * std::f64::consts::PI).abs() <= 4e-16, "{a}");
        assert_eq!(truth("max(x, 2)", 0, 3.0), 3.0);
        assert_eq!(truth("min(x, 2)", 0, 3.0), 2.0);
        assert_eq!(truth("relu(x)", 0, -1.0), 0.0);
    }
}
