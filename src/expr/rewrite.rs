//! Numerically stable forms of well-known cancelling expressions, applied to f and to its
//! derivatives (after differentiation), each rewrite recorded so that a report can say what
//! was computed. Turning them off studies the naive formula (the article's point).
//!
//! | naive | stable | why |
//! |---|---|---|
//! | `exp(u) - 1` | `expm1(u)` | e^u − 1 loses u's digits for small u |
//! | `log(1 + u)` | `log1p(u)` | 1 + u rounds u away for small u |
//! | `sqrt(a^2 + b^2)` | `hypot(a, b)` | no overflow or underflow of the squares |
//! | `1 - cos(u)` | `2*sin(u/2)^2` | cos u rounds to 1 for small u |
//! | `1 - sigmoid(u)` | `sigmoid(-u)` | sigmoid u rounds to 1 for large u |
//! | `a^2 - b^2` | `(a - b)*(a + b)` | the squares' roundings are larger than their difference |
//! | `sqrt(A) - B` | `(A - B^2)/(sqrt(A) + B)` | when A − B² is simpler (a polynomial identity) and B ≥ 0 on the grid |
//!
//! ```
//! use gradfield::expr::{Expr, rewrite::stabilize};
//! let (e, done) = stabilize(&Expr::parse("(exp(x) - 1)/x")?, &|_| None);
//! assert_eq!(e.to_string(), "expm1(x)/x");
//! assert_eq!(done[0].rule, "exp(u) - 1 → expm1(u)");
//! # Ok::<(), gradfield::expr::ParseError>(())
//! ```

use std::collections::BTreeMap;

use super::simplify::{add, call, div, mul, neg, num, pow, simplify, sub};
use super::{Expr, Func, Var};

/// One rewrite that was applied.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rewrite {
    /// The rule, in general form.
    pub rule: &'static str,
    /// The subexpression as written.
    pub from: String,
    /// What replaced it.
    pub to: String,
}

/// Rewrites every cancelling form in `e` bottom-up. `nonnegative(b)` says whether `b` is
/// ≥ 0 wherever it is evaluated (`Some(true)`), which the conjugate rule needs; `None` when
/// unknown.
pub fn stabilize(e: &Expr, nonnegative: &dyn Fn(&Expr) -> Option<bool>) -> (Expr, Vec<Rewrite>) {
    let mut done = Vec::new();
    let out = walk(&simplify(e), nonnegative, &mut done);
    (out, done)
}

fn walk(e: &Expr, nonneg: &dyn Fn(&Expr) -> Option<bool>, done: &mut Vec<Rewrite>) -> Expr {
    let rebuilt = match e {
        Expr::Num(_) | Expr::Var(_) => return e.clone(),
        Expr::Neg(a) => neg(walk(a, nonneg, done)),
        Expr::Add(a, b) => add(walk(a, nonneg, done), walk(b, nonneg, done)),
        Expr::Sub(a, b) => sub(walk(a, nonneg, done), walk(b, nonneg, done)),
        Expr::Mul(a, b) => mul(walk(a, nonneg, done), walk(b, nonneg, done)),
        Expr::Div(a, b) => div(walk(a, nonneg, done), walk(b, nonneg, done)),
        Expr::Pow(a, b) => pow(walk(a, nonneg, done), walk(b, nonneg, done)),
        Expr::Call(f, args) => call(*f, args.iter().map(|a| walk(a, nonneg, done)).collect()),
    };
    match rule(&rebuilt, nonneg) {
        Some((rule, to)) => {
            done.push(Rewrite {
                rule,
                from: rebuilt.to_string(),
                to: to.to_string(),
            });
            to
        }
        None => rebuilt,
    }
}

fn is_num(e: &Expr, c: f64) -> bool {
    matches!(e, Expr::Num(v) if *v == c)
}

fn call1(e: &Expr, f: Func) -> Option<&Expr> {
    match e {
        Expr::Call(g, args) if *g == f => args.first(),
        _ => None,
    }
}

/// `u^2` → u.
fn square_of(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Pow(a, b) if is_num(b, 2.0) => Some(a),
        _ => None,
    }
}

/// The first rule that applies at the top of `e`.
fn rule(e: &Expr, nonneg: &dyn Fn(&Expr) -> Option<bool>) -> Option<(&'static str, Expr)> {
    match e {
        Expr::Sub(a, b) => {
            let (a, b) = (&**a, &**b);
            // exp(u) − 1 → expm1(u); 1 − exp(u) → −expm1(u).
            if is_num(b, 1.0)
                && let Some(u) = call1(a, Func::Exp)
            {
                return Some(("exp(u) - 1 → expm1(u)", call(Func::Expm1, vec![u.clone()])));
            }
            if is_num(a, 1.0) {
                if let Some(u) = call1(b, Func::Exp) {
                    return Some((
                        "1 - exp(u) → -expm1(u)",
                        neg(call(Func::Expm1, vec![u.clone()])),
                    ));
                }
                if let Some(u) = call1(b, Func::Cos) {
                    return Some((
                        "1 - cos(u) → 2*sin(u/2)^2",
                        mul(
                            num(2.0),
                            pow(call(Func::Sin, vec![div(u.clone(), num(2.0))]), num(2.0)),
                        ),
                    ));
                }
                if let Some(u) = call1(b, Func::Sigmoid) {
                    return Some((
                        "1 - sigmoid(u) → sigmoid(-u)",
                        call(Func::Sigmoid, vec![neg(u.clone())]),
                    ));
                }
            }
            // a² − b² → (a − b)(a + b), for a and b without a square of their own.
            if let (Some(p), Some(q)) = (square_of(a), square_of(b))
                && atomic(p)
                && atomic(q)
            {
                return Some((
                    "a^2 - b^2 → (a - b)*(a + b)",
                    mul(sub(p.clone(), q.clone()), add(p.clone(), q.clone())),
                ));
            }
            // √A − B → (A − B²)/(√A + B) where A − B² is simpler and B ≥ 0 (hypot(p, q) is
            // √(p² + q²)).
            let radicand = match a {
                Expr::Call(Func::Sqrt, args) => Some(args[0].clone()),
                Expr::Call(Func::Hypot, args) => Some(add(
                    pow(args[0].clone(), num(2.0)),
                    pow(args[1].clone(), num(2.0)),
                )),
                _ => None,
            };
            if let Some(big) = radicand
                && let Some(rest) = poly_difference(&big, b)
                && nonneg(b) == Some(true)
            {
                return Some((
                    "sqrt(A) - B → (A - B^2)/(sqrt(A) + B)",
                    div(rest, add(a.clone(), b.clone())),
                ));
            }
            None
        }
        Expr::Call(Func::Log, args) => {
            // log(1 + u) → log1p(u), log(1 − u) → log1p(−u).
            match &args[0] {
                Expr::Add(p, q) if is_num(p, 1.0) => Some((
                    "log(1 + u) → log1p(u)",
                    call(Func::Log1p, vec![(**q).clone()]),
                )),
                Expr::Add(p, q) if is_num(q, 1.0) => Some((
                    "log(1 + u) → log1p(u)",
                    call(Func::Log1p, vec![(**p).clone()]),
                )),
                Expr::Sub(p, q) if is_num(p, 1.0) => Some((
                    "log(1 - u) → log1p(-u)",
                    call(Func::Log1p, vec![neg((**q).clone())]),
                )),
                _ => None,
            }
        }
        Expr::Call(Func::Sqrt, args) => {
            // √(a² + b²) → hypot(a, b); √(a² + c) → hypot(a, √c) for a constant c > 0.
            let Expr::Add(p, q) = &args[0] else {
                return None;
            };
            let (p, q) = (&**p, &**q);
            match (square_of(p), square_of(q), q) {
                (Some(a), Some(b), _) => Some((
                    "sqrt(a^2 + b^2) → hypot(a, b)",
                    call(Func::Hypot, vec![a.clone(), b.clone()]),
                )),
                (Some(a), None, Expr::Num(c)) if *c > 0.0 => Some((
                    "sqrt(a^2 + b^2) → hypot(a, b)",
                    call(Func::Hypot, vec![a.clone(), num(c.sqrt())]),
                )),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A variable, a number, or a function call of such: something whose square loses nothing
/// the difference-of-squares form would keep.
fn atomic(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Var(_) => true,
        Expr::Call(_, args) => args
            .iter()
            .all(|a| matches!(a, Expr::Num(_) | Expr::Var(_))),
        _ => false,
    }
}

/// A polynomial in x and y: exponents (of x, of y) → coefficient.
type Poly = BTreeMap<(u32, u32), f64>;

fn poly(e: &Expr) -> Option<Poly> {
    let mono = |px: u32, py: u32, c: f64| Poly::from([((px, py), c)]);
    let combine = |a: Poly, b: Poly, sign: f64| {
        let mut out = a;
        for (k, c) in b {
            *out.entry(k).or_insert(0.0) += sign * c;
        }
        out.retain(|_, c| *c != 0.0);
        out
    };
    let times = |a: &Poly, b: &Poly| {
        let mut out = Poly::new();
        for (&(ax, ay), &ca) in a {
            for (&(bx, by), &cb) in b {
                *out.entry((ax + bx, ay + by)).or_insert(0.0) += ca * cb;
            }
        }
        out.retain(|_, c| *c != 0.0);
        out
    };
    Some(match e {
        Expr::Num(c) => mono(0, 0, *c),
        Expr::Var(Var::X) => mono(1, 0, 1.0),
        Expr::Var(Var::Y) => mono(0, 1, 1.0),
        Expr::Neg(a) => combine(Poly::new(), poly(a)?, -1.0),
        Expr::Add(a, b) => combine(poly(a)?, poly(b)?, 1.0),
        Expr::Sub(a, b) => combine(poly(a)?, poly(b)?, -1.0),
        Expr::Mul(a, b) => times(&poly(a)?, &poly(b)?),
        Expr::Pow(a, b) => match **b {
            Expr::Num(k) if k.fract() == 0.0 && (0.0..=8.0).contains(&k) => {
                let base = poly(a)?;
                let mut out = mono(0, 0, 1.0);
                for _ in 0..k as u32 {
                    out = times(&out, &base);
                }
                out
            }
            _ => return None,
        },
        _ => return None,
    })
}

fn poly_expr(p: &Poly) -> Expr {
    let mut out = num(0.0);
    for (&(px, py), &c) in p {
        let mut term = num(c);
        if px > 0 {
            term = mul(term, pow(Expr::Var(Var::X), num(px as f64)));
        }
        if py > 0 {
            term = mul(term, pow(Expr::Var(Var::Y), num(py as f64)));
        }
        out = add(out, term);
    }
    out
}

/// A − B² as a simpler polynomial than A (lower degree), when both are polynomials.
fn poly_difference(a: &Expr, b: &Expr) -> Option<Expr> {
    let pa = poly(a)?;
    let pb = poly(b)?;
    let square = {
        let mut out = Poly::new();
        for (&(ax, ay), &ca) in &pb {
            for (&(bx, by), &cb) in &pb {
                *out.entry((ax + bx, ay + by)).or_insert(0.0) += ca * cb;
            }
        }
        out
    };
    let mut diff = pa.clone();
    for (k, c) in square {
        *diff.entry(k).or_insert(0.0) -= c;
    }
    diff.retain(|_, c| *c != 0.0);
    let degree = |p: &Poly| p.keys().map(|(x, y)| x + y).max().unwrap_or(0);
    (degree(&diff) < degree(&pa)).then(|| poly_expr(&diff))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(src: &str, positive: bool) -> (String, Vec<&'static str>) {
        let (e, done) = stabilize(&Expr::parse(src).unwrap(), &|_| Some(positive));
        (e.to_string(), done.iter().map(|r| r.rule).collect())
    }

    #[test]
    fn each_rule_on_its_textbook_case() {
        assert_eq!(st("exp(x) - 1", true).0, "expm1(x)");
        assert_eq!(st("1 - exp(-x)", true).0, "-expm1(-x)");
        assert_eq!(st("log(1 + x^2)", true).0, "log1p(x^2)");
        assert_eq!(st("log(1 - x)", true).0, "log1p(-x)");
        assert_eq!(st("sqrt(x^2 + y^2)", true).0, "hypot(x, y)");
        assert_eq!(st("sqrt(x^2 + 1)", true).0, "hypot(x, 1)");
        assert_eq!(st("1 - cos(x)", true).0, "2*sin(0.5*x)^2");
        assert_eq!(st("1 - sigmoid(x)", true).0, "sigmoid(-x)");
        assert_eq!(st("x^2 - y^2", true).0, "(x - y)*(x + y)");
        // √(x² + 1) − x: hypot inside, then the conjugate, where x ≥ 0.
        let (e, rules) = st("sqrt(x^2 + 1) - x", true);
        assert_eq!(e, "1/(hypot(x, 1) + x)");
        assert_eq!(
            rules,
            [
                "sqrt(a^2 + b^2) → hypot(a, b)",
                "sqrt(A) - B → (A - B^2)/(sqrt(A) + B)"
            ]
        );
        assert_eq!(st("sqrt(x^2 + 1) - x", false).0, "hypot(x, 1) - x");
        // The conjugate only where A − B² is simpler than A.
        assert_eq!(st("sqrt(x^3 + 2) - x", true).0, "sqrt(x^3 + 2) - x");
        assert_eq!(
            st("sqrt(4*x^2 + 3) - 2*x", true).0,
            "3/(sqrt(4*x^2 + 3) + 2*x)"
        );
        assert_eq!(
            st("sqrt(4*x^2 + 3) - 2*x", false).0,
            "sqrt(4*x^2 + 3) - 2*x"
        );
        // Nothing to do.
        assert!(st("0.3*sin(3*x) + 0.5*x^2", true).1.is_empty());
    }
}
