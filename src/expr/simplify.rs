//! Simplification as smart constructors: every node the differentiator builds goes through
//! these, so derivatives come out simplified without a separate rewriting pass.
//!
//! The rules keep values: constant folding happens only when the result is finite (so that
//! printing stays parseable), and `0*u → 0` is the one rule that can change a value (when u
//! is infinite or NaN), accepted because derivatives of constants would otherwise drag
//! `0*…` terms everywhere.

use super::{Expr, Func};

pub(crate) fn num(c: f64) -> Expr {
    Expr::Num(c)
}

fn as_num(e: &Expr) -> Option<f64> {
    match e {
        Expr::Num(c) => Some(*c),
        _ => None,
    }
}

fn is(e: &Expr, c: f64) -> bool {
    as_num(e) == Some(c)
}

/// A float64 as an exact decimal `m × 10^e`, from its shortest round-trip representation.
fn decimal(c: f64) -> Option<(i128, i32)> {
    let s = format!("{c:e}");
    let (mant, exp) = s.split_once('e')?;
    let mut e: i32 = exp.parse().ok()?;
    let digits = match mant.split_once('.') {
        Some((int, frac)) => {
            e -= frac.len() as i32;
            format!("{int}{frac}")
        }
        None => mant.to_string(),
    };
    Some((digits.parse().ok()?, e))
}

fn from_decimal(m: i128, e: i32) -> f64 {
    format!("{m}e{e}").parse().unwrap_or(f64::NAN)
}

/// `p op q` folded in exact decimal arithmetic when both are short decimals, so that the
/// constants a user wrote combine as written (0.3*3 = 0.9, not 0.8999999999999999); the
/// result is the float64 nearest the exact decimal. Otherwise plain float64 arithmetic.
fn fold_decimal(p: f64, q: f64, op: char) -> f64 {
    let float = match op {
        '+' => p + q,
        '-' => p - q,
        _ => p * q,
    };
    // Short means at most 9 significant digits: 0.3 is meant as 3/10, but
    // 0.3333333333333333 is already a float64 result, best combined as one.
    let short = |c: f64| decimal(c).filter(|(m, _)| m.abs() < 1_000_000_000);
    let (Some((mp, ep)), Some((mq, eq))) = (short(p), short(q)) else {
        return float;
    };
    let exact = match op {
        '*' => mp.checked_mul(mq).map(|m| (m, ep + eq)),
        _ => {
            // Align exponents; give up (float result) if that overflows.
            let e = ep.min(eq);
            let scale =
                |m: i128, by: i32| 10i128.checked_pow(by as u32).and_then(|s| m.checked_mul(s));
            match (scale(mp, ep - e), scale(mq, eq - e)) {
                (Some(a), Some(b)) => (if op == '+' {
                    a.checked_add(b)
                } else {
                    a.checked_sub(b)
                })
                .map(|m| (m, e)),
                _ => None,
            }
        }
    };
    match exact {
        Some((m, e)) => from_decimal(m, e),
        None => float,
    }
}

/// Folds `c` if it is finite; otherwise keeps `keep`.
fn fold(c: f64, keep: impl FnOnce() -> Expr) -> Expr {
    if c.is_finite() { num(c) } else { keep() }
}

pub(crate) fn neg(a: Expr) -> Expr {
    match a {
        Expr::Num(c) => num(-c),
        Expr::Neg(inner) => *inner,
        // -(p - q) = q - p exactly: IEEE subtraction is symmetric under sign change.
        Expr::Sub(p, q) => Expr::Sub(q, p),
        // The sign goes to the leftmost factor, so `-(y/z)` reads `-y/z` (still exact).
        Expr::Mul(a, b) => Expr::Mul(Box::new(neg(*a)), b),
        Expr::Div(a, b) => Expr::Div(Box::new(neg(*a)), b),
        other => Expr::Neg(Box::new(other)),
    }
}

/// Whether a term prints with a leading minus: a negative number, a negation, or a product
/// whose coefficient is negative.
fn negative(e: &Expr) -> bool {
    match e {
        Expr::Num(c) => *c < 0.0,
        Expr::Neg(_) => true,
        Expr::Mul(l, _) => negative(l),
        _ => false,
    }
}

pub(crate) fn add(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Num(p), Expr::Num(q)) => fold(fold_decimal(p, q, '+'), || {
            Expr::Add(Box::new(num(p)), Box::new(num(q)))
        }),
        (a, b) if is(&a, 0.0) => b,
        (a, b) if is(&b, 0.0) => a,
        (a, b) if negative(&b) => sub(a, neg(b)),
        // A negative constant or term first reads better last: -1 + y → y - 1.
        (a, b) if negative(&a) && !negative(&b) => sub(b, neg(a)),
        (a, b) => Expr::Add(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn sub(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Num(p), Expr::Num(q)) => fold(fold_decimal(p, q, '-'), || {
            Expr::Sub(Box::new(num(p)), Box::new(num(q)))
        }),
        (a, b) if is(&b, 0.0) => a,
        (a, b) if is(&a, 0.0) => neg(b),
        (a, b) if negative(&b) => add(a, neg(b)),
        (a, b) => Expr::Sub(Box::new(a), Box::new(b)),
    }
}

/// Splits a product into its numeric coefficient and the rest (a left-deep chain whose
/// coefficient, if any, sits at the leftmost leaf).
fn split_coefficient(e: Expr) -> (f64, Option<Expr>) {
    match e {
        Expr::Num(c) => (c, None),
        Expr::Neg(inner) => {
            let (c, rest) = split_coefficient(*inner);
            (-c, rest)
        }
        Expr::Mul(l, r) => {
            let (c, rest) = split_coefficient(*l);
            match rest {
                Some(rest) => (c, Some(Expr::Mul(Box::new(rest), r))),
                None => (c, Some(*r)),
            }
        }
        other => (1.0, Some(other)),
    }
}

/// Puts the coefficient at the leftmost leaf: `c*a*b`, not `c*(a*b)`.
fn prepend(c: f64, rest: Expr) -> Expr {
    match rest {
        Expr::Mul(l, r) => Expr::Mul(Box::new(prepend(c, *l)), r),
        other => Expr::Mul(Box::new(num(c)), Box::new(other)),
    }
}

/// Products are kept as one numeric coefficient times a left-deep chain of the other
/// factors: `2*(y - x^2)*(-2*x)*100` becomes `-400*(y - x^2)*x`.
pub(crate) fn mul(a: Expr, b: Expr) -> Expr {
    if is(&a, 0.0) || is(&b, 0.0) {
        return num(0.0);
    }
    let (ca, ra) = split_coefficient(a);
    let (cb, rb) = split_coefficient(b);
    let c = fold_decimal(ca, cb, '*');
    // Chain the factors left-deep: a*(b*c) becomes a*b*c.
    fn chain(x: Expr, y: Expr) -> Expr {
        match y {
            Expr::Mul(l, r) => Expr::Mul(Box::new(chain(x, *l)), r),
            other => Expr::Mul(Box::new(x), Box::new(other)),
        }
    }
    let rest = match (ra, rb) {
        (None, None) => {
            return if c.is_finite() {
                num(c)
            } else {
                Expr::Mul(Box::new(num(ca)), Box::new(num(cb)))
            };
        }
        (Some(x), None) | (None, Some(x)) => x,
        (Some(x), Some(y)) => chain(x, y),
    };
    if !c.is_finite() {
        // Keep the two coefficients apart rather than fold them to infinity.
        return Expr::Mul(Box::new(num(ca)), Box::new(prepend(cb, rest)));
    }
    if c == 0.0 {
        num(0.0)
    } else if c == 1.0 {
        rest
    } else if c == -1.0 {
        neg(rest)
    } else {
        prepend(c, rest)
    }
}

pub(crate) fn div(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Num(p), Expr::Num(q)) => {
            fold(p / q, || Expr::Div(Box::new(num(p)), Box::new(num(q))))
        }
        (a, b) if is(&a, 0.0) && !is(&b, 0.0) => num(0.0),
        (a, b) if is(&b, 1.0) => a,
        (a, b) if is(&b, -1.0) => neg(a),
        // c·u / d → (c/d)·u when c/d is a short exact decimal: 6*x^5/6 → x^5.
        (a, Expr::Num(d)) if as_num(&a).is_none() => {
            let (c, rest) = split_coefficient(a.clone());
            let q = c / d;
            let short = decimal(q).is_some_and(|(m, _)| m.abs() < 1_000_000_000);
            match rest {
                Some(rest) if short && q * d == c => mul(num(q), rest),
                _ => Expr::Div(Box::new(a), Box::new(num(d))),
            }
        }
        (Expr::Neg(p), b) => neg(div(*p, b)),
        (a, Expr::Neg(q)) => neg(div(a, *q)),
        (a, b) => Expr::Div(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn pow(a: Expr, b: Expr) -> Expr {
    match (a, b) {
        (Expr::Num(p), Expr::Num(q)) => {
            let folded = match super::program::small_integer(&num(q)) {
                Some(n) => super::program::powi_chain(p, n),
                None => p.powf(q),
            };
            fold(folded, || Expr::Pow(Box::new(num(p)), Box::new(num(q))))
        }
        (_, b) if is(&b, 0.0) => num(1.0),
        (a, b) if is(&b, 1.0) => a,
        (a, _) if is(&a, 1.0) => num(1.0),
        (a, b) => Expr::Pow(Box::new(a), Box::new(b)),
    }
}

pub(crate) fn call(f: Func, args: Vec<Expr>) -> Expr {
    if let [Expr::Num(a)] = args.as_slice() {
        let v = f.eval_f64(*a, 0.0);
        if v.is_finite() {
            return num(v);
        }
    }
    if let [Expr::Num(a), Expr::Num(b)] = args.as_slice() {
        let v = f.eval_f64(*a, *b);
        if v.is_finite() {
            return num(v);
        }
    }
    Expr::Call(f, args)
}

/// Rebuilds `e` bottom-up through the smart constructors.
pub(crate) fn simplify(e: &Expr) -> Expr {
    match e {
        Expr::Num(c) => num(*c),
        Expr::Var(v) => Expr::Var(*v),
        Expr::Neg(a) => neg(simplify(a)),
        Expr::Add(a, b) => add(simplify(a), simplify(b)),
        Expr::Sub(a, b) => sub(simplify(a), simplify(b)),
        Expr::Mul(a, b) => mul(simplify(a), simplify(b)),
        Expr::Div(a, b) => div(simplify(a), simplify(b)),
        Expr::Pow(a, b) => pow(simplify(a), simplify(b)),
        Expr::Call(f, args) => call(*f, args.iter().map(simplify).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Var;

    fn s(src: &str) -> String {
        Expr::parse(src).unwrap().simplify().to_string()
    }

    #[test]
    fn identities() {
        assert_eq!(s("x + 0"), "x");
        assert_eq!(s("0 + x"), "x");
        assert_eq!(s("x - 0"), "x");
        assert_eq!(s("0 - x"), "-x");
        assert_eq!(s("1*x*1"), "x");
        assert_eq!(s("0*sin(x)"), "0");
        assert_eq!(s("x/1"), "x");
        assert_eq!(s("0/x"), "0");
        assert_eq!(s("x^1"), "x");
        assert_eq!(s("x^0"), "1");
        assert_eq!(s("1^x"), "1");
        assert_eq!(s("--x"), "x");
        assert_eq!(s("-(x - y)"), "y - x");
        assert_eq!(s("x + -y"), "x - y");
        assert_eq!(s("x - -y"), "x + y");
        assert_eq!(s("x*2"), "2*x");
        assert_eq!(s("2*(3*x)"), "6*x");
        assert_eq!(s("-1*x"), "-x");
        assert_eq!(s("(-x)*y"), "-x*y");
        assert_eq!(s("2*(y - x^2)*(-2*x)*100"), "-400*(y - x^2)*x");
        assert_eq!(s("x*(2*y)"), "2*x*y");
        assert_eq!(s("-(x*y)"), "-x*y");
        assert_eq!(s("-(2*x)"), "-2*x");
        assert_eq!(s("x*(-y)"), "-x*y");
    }

    #[test]
    fn constant_folding_stops_at_non_finite() {
        assert_eq!(s("2*3 + sin(0)"), "6");
        assert_eq!(s("1/0"), "1/0");
        assert_eq!(s("log(0)"), "log(0)");
        assert_eq!(s("2^10"), "1024");
        // Short decimals combine exactly.
        assert_eq!(s("0.3*3"), "0.9");
        assert_eq!(s("0.1 + 0.2"), "0.3");
        assert_eq!(s("1.05*4"), "4.2");
        assert_eq!(s("0.3*(3*x)"), "0.9*x");
        // Others fold in float64.
        assert_eq!(s("1/3*3"), "1");
        assert_eq!(s("pi*2"), "2*pi");
        assert_eq!(s("6*x^5/6"), "x^5");
        assert_eq!(s("x/3"), "x/3");
        assert_eq!(s("3*x/2"), "1.5*x");
        assert_eq!(call(Func::Step, vec![num(-1.0)]), num(0.0));
        assert_eq!(mul(num(2.0), Expr::Var(Var::X)).to_string(), "2*x");
    }
}
