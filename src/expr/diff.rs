//! Symbolic differentiation, rule by rule, building through the simplifying constructors.

use super::simplify::{add, call, div, mul, neg, num, pow, sub};
use super::{Expr, Func, Var};

pub(crate) fn derivative(e: &Expr, var: Var) -> Expr {
    // Simplify first so that rules see folded constants (`x^-1` has exponent -1, not -(1)).
    d(&super::simplify::simplify(e), var)
}

fn d(e: &Expr, v: Var) -> Expr {
    match e {
        Expr::Num(_) => num(0.0),
        Expr::Var(w) => num(if *w == v { 1.0 } else { 0.0 }),
        Expr::Neg(a) => neg(d(a, v)),
        Expr::Add(a, b) => add(d(a, v), d(b, v)),
        Expr::Sub(a, b) => sub(d(a, v), d(b, v)),
        Expr::Mul(a, b) => {
            // (ab)' = a'b + ab'
            let (da, db) = (d(a, v), d(b, v));
            add(mul(da, (**b).clone()), mul((**a).clone(), db))
        }
        Expr::Div(a, b) => {
            let (da, db) = (d(a, v), d(b, v));
            if is_zero(&db) {
                // (a/c)' = a'/c
                div(da, (**b).clone())
            } else {
                // (a/b)' = (a'b - ab') / b^2
                div(
                    sub(mul(da, (**b).clone()), mul((**a).clone(), db)),
                    pow((**b).clone(), num(2.0)),
                )
            }
        }
        Expr::Pow(a, b) => d_pow(a, b, v),
        Expr::Call(f, args) => d_call(*f, args, v),
    }
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Num(c) if *c == 0.0)
}

fn d_pow(a: &Expr, b: &Expr, v: Var) -> Expr {
    let (da, db) = (d(a, v), d(b, v));
    if is_zero(&db) {
        if let Expr::Num(c) = b {
            // (a^c)' = c a^(c-1) a'
            return mul(mul(num(*c), pow(a.clone(), num(c - 1.0))), da);
        }
        // Exponent constant in v but not a number: (a^b)' = b a^(b-1) a'
        return mul(mul(b.clone(), pow(a.clone(), sub(b.clone(), num(1.0)))), da);
    }
    if is_zero(&da) {
        // (k^b)' = k^b log(k) b'
        return mul(
            mul(pow(a.clone(), b.clone()), call(Func::Log, vec![a.clone()])),
            db,
        );
    }
    // General: (a^b)' = a^b (b' log a + b a'/a)
    mul(
        pow(a.clone(), b.clone()),
        add(
            mul(db, call(Func::Log, vec![a.clone()])),
            div(mul(b.clone(), da), a.clone()),
        ),
    )
}

fn d_call(f: Func, args: &[Expr], v: Var) -> Expr {
    let u = &args[0];
    let du = d(u, v);
    let c1 = |g: Func, x: &Expr| call(g, vec![x.clone()]);
    // Most rules are outer'(u) * u'; `outer` is built only when u' is not zero.
    let chain = |outer: &dyn Fn() -> Expr| {
        if is_zero(&du) {
            num(0.0)
        } else {
            mul(outer(), du.clone())
        }
    };
    match f {
        Func::Sin => chain(&|| c1(Func::Cos, u)),
        Func::Cos => chain(&|| neg(c1(Func::Sin, u))),
        // 1 + tan(u)^2 shares tan(u) with f in the generated code.
        Func::Tan => chain(&|| add(num(1.0), pow(c1(Func::Tan, u), num(2.0)))),
        Func::Asin => {
            if is_zero(&du) {
                return num(0.0);
            }
            div(du, c1(Func::Sqrt, &sub(num(1.0), pow(u.clone(), num(2.0)))))
        }
        Func::Acos => {
            if is_zero(&du) {
                return num(0.0);
            }
            neg(div(
                du,
                c1(Func::Sqrt, &sub(num(1.0), pow(u.clone(), num(2.0)))),
            ))
        }
        Func::Atan => {
            if is_zero(&du) {
                return num(0.0);
            }
            div(du, add(num(1.0), pow(u.clone(), num(2.0))))
        }
        Func::Atan2 => {
            // atan2(a, b) is the angle of (b, a): d = (b a' - a b') / (a^2 + b^2)
            let (a, b) = (u, &args[1]);
            let (da, db) = (du.clone(), d(b, v));
            if is_zero(&da) && is_zero(&db) {
                return num(0.0);
            }
            div(
                sub(mul(b.clone(), da), mul(a.clone(), db)),
                add(pow(a.clone(), num(2.0)), pow(b.clone(), num(2.0))),
            )
        }
        Func::Sinh => chain(&|| c1(Func::Cosh, u)),
        Func::Cosh => chain(&|| c1(Func::Sinh, u)),
        Func::Tanh => chain(&|| sub(num(1.0), pow(c1(Func::Tanh, u), num(2.0)))),
        Func::Exp | Func::Expm1 => chain(&|| c1(Func::Exp, u)),
        Func::Log1p => {
            if is_zero(&du) {
                return num(0.0);
            }
            div(du, add(num(1.0), u.clone()))
        }
        Func::Hypot => {
            // hypot(a, b)' = (a a' + b b') / hypot(a, b)
            let (a, b) = (u, &args[1]);
            let (da, db) = (du.clone(), d(b, v));
            if is_zero(&da) && is_zero(&db) {
                return num(0.0);
            }
            div(
                add(mul(a.clone(), da), mul(b.clone(), db)),
                call(Func::Hypot, vec![a.clone(), b.clone()]),
            )
        }
        Func::Log => {
            if is_zero(&du) {
                return num(0.0);
            }
            div(du, u.clone())
        }
        Func::Sqrt => {
            if is_zero(&du) {
                return num(0.0);
            }
            div(du, mul(num(2.0), c1(Func::Sqrt, u)))
        }
        // Kinks: the derivative along +x, i.e. the right-hand derivative of the whole
        // expression in x (see `kink`).
        Func::Abs => {
            if is_zero(&du) {
                return num(0.0);
            }
            kink(u, &du, &neg(du.clone()), &call(Func::Abs, vec![du.clone()]))
        }
        Func::Relu => {
            if is_zero(&du) {
                return num(0.0);
            }
            kink(u, &du, &num(0.0), &call(Func::Relu, vec![du.clone()]))
        }
        Func::Sigmoid => chain(&|| {
            let s = c1(Func::Sigmoid, u);
            mul(s.clone(), sub(num(1.0), s))
        }),
        Func::Softplus => chain(&|| c1(Func::Sigmoid, u)),
        Func::Step => num(0.0),
        Func::Max | Func::Min => {
            // Where a > b max takes a', where a < b b'; at a tie the larger of a' and b' (the
            // branch x moves into); min the other way round.
            let (a, b) = (u, &args[1]);
            let (da, db) = (du.clone(), d(b, v));
            if is_zero(&da) && is_zero(&db) {
                return num(0.0);
            }
            let (above, below) = if f == Func::Max {
                (&da, &db)
            } else {
                (&db, &da)
            };
            let at_tie = call(f, vec![da.clone(), db.clone()]);
            kink(&sub(a.clone(), b.clone()), above, below, &at_tie)
        }
    }
}

/// The derivative of a kink at g = 0 (abs, relu, max, min) along +x: `above` where g > 0,
/// `below` where g < 0, and `at_zero` at g = 0 — the one-sided value of the branch x moves
/// into as it increases. With constant slopes this collapses to one step: `2·step(x) − 1`
/// for abs(x), `step(x)` for relu(x).
fn kink(g: &Expr, above: &Expr, below: &Expr, at_zero: &Expr) -> Expr {
    let step = |e: Expr| call(Func::Step, vec![e]);
    let simple = super::simplify::simplify;
    // [g ≥ 0] = step(g); [g > 0] = 1 − step(−g); [g = 0] = step(g)·step(−g).
    let pos = || sub(num(1.0), step(neg(g.clone())));
    if let (Expr::Num(a), Expr::Num(b), Expr::Num(z)) =
        (simple(above), simple(below), simple(at_zero))
    {
        let jump = num(a - b);
        if z == a {
            // The tie takes the branch above: step(g) is 1 there.
            return add(mul(jump, step(g.clone())), num(b));
        }
        if z == b {
            return add(mul(jump, pos()), num(b));
        }
    }
    let negative = sub(num(1.0), step(g.clone()));
    let zero = mul(step(g.clone()), step(neg(g.clone())));
    add(
        add(mul(above.clone(), pos()), mul(below.clone(), negative)),
        mul(at_zero.clone(), zero),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dx(src: &str) -> String {
        Expr::parse(src).unwrap().derivative(Var::X).to_string()
    }

    #[test]
    fn rules_print_readably() {
        assert_eq!(dx("0.3*sin(3*x) + 0.5*x^2"), "0.9*cos(3*x) + x");
        assert_eq!(dx("sin(x)"), "cos(x)");
        assert_eq!(dx("cos(x)"), "-sin(x)");
        assert_eq!(dx("tanh(x)"), "1 - tanh(x)^2");
        assert_eq!(dx("exp(2*x)"), "2*exp(2*x)");
        assert_eq!(dx("log(x)"), "1/x");
        assert_eq!(dx("sqrt(x)"), "1/(2*sqrt(x))");
        assert_eq!(dx("x^3"), "3*x^2");
        assert_eq!(dx("x^-1"), "-x^(-2)");
        assert_eq!(dx("2^x"), "0.6931471805599453*2^x");
        assert_eq!(dx("x^y"), "y*x^(y - 1)");
        assert_eq!(dx("x^x"), "x^x*(log(x) + x/x)");
        assert_eq!(dx("y^x"), "y^x*log(y)");
        assert_eq!(dx("sigmoid(x)"), "sigmoid(x)*(1 - sigmoid(x))");
        assert_eq!(dx("softplus(x)"), "sigmoid(x)");
        assert_eq!(dx("relu(x)"), "step(x)");
        assert_eq!(dx("abs(x)"), "2*step(x) - 1");
        assert_eq!(dx("max(x, 1)"), "step(x - 1)");
        assert_eq!(dx("min(x, y)"), "1 - step(x - y)");
        assert_eq!(dx("atan2(y, x)"), "-y/(y^2 + x^2)");
        assert_eq!(dx("atan(x)"), "1/(1 + x^2)");
        assert_eq!(dx("asin(x)"), "1/sqrt(1 - x^2)");
        assert_eq!(dx("acos(x)"), "-1/sqrt(1 - x^2)");
        assert_eq!(dx("x/y"), "1/y");
        assert_eq!(dx("y/x"), "-y/x^2");
        assert_eq!(dx("step(x)"), "0");
        assert_eq!(dx("y"), "0");
    }

    #[test]
    fn kinks_take_the_derivative_along_plus_x() {
        // At a kink the derivative is the one-sided one along +x: the slope of the branch x
        // moves into as it increases, whatever the argument order or the inner sign.
        let at =
            |src: &str, x: f64, y: f64| Expr::parse(src).unwrap().derivative(Var::X).eval(x, y);
        assert_eq!(at("abs(x)", 0.0, 0.0), 1.0);
        assert_eq!(at("abs(-x)", 0.0, 0.0), 1.0);
        assert_eq!(at("abs(2 - 3*x)", 2.0 / 3.0 + 0.0, 0.0).abs(), 3.0);
        assert_eq!(at("abs(x)", -1.0, 0.0), -1.0);
        assert_eq!(at("abs(-x)", -1.0, 0.0), -1.0);
        assert_eq!(at("relu(x)", 0.0, 0.0), 1.0);
        assert_eq!(at("relu(-x)", 0.0, 0.0), 0.0);
        assert_eq!(at("relu(-x)", -1.0, 0.0), -1.0);
        assert_eq!(at("relu(x)", -1.0, 0.0), 0.0);
        // Ties: max takes the larger slope, min the smaller, in either argument order.
        assert_eq!(at("max(x, y)", 2.0, 2.0), 1.0);
        assert_eq!(at("max(y, x)", 2.0, 2.0), 1.0);
        assert_eq!(at("min(x, y)", 2.0, 2.0), 0.0);
        assert_eq!(at("min(y, x)", 2.0, 2.0), 0.0);
        assert_eq!(at("min(x, y)", 1.0, 2.0), 1.0);
        assert_eq!(at("min(x, y)", 3.0, 2.0), 0.0);
        assert_eq!(at("max(3*x, x)", 0.0, 0.0), 3.0);
        assert_eq!(at("min(3*x, x)", 0.0, 0.0), 1.0);
        assert_eq!(at("max(-x, x)", 0.0, 0.0), 1.0);
        // A non-constant slope at the kink: |x·y| at x = 0 along +x has slope |y|.
        assert_eq!(at("abs(x*y)", 0.0, -2.0), 2.0);
        assert_eq!(at("relu(x*y)", 0.0, -2.0), 0.0);
        assert_eq!(at("relu(x*y)", 0.0, 2.0), 2.0);
        // Each against a one-sided difference quotient along +x, on both sides of a kink.
        for src in [
            "abs(x - 1)",
            "relu(1 - x)",
            "max(x, 2 - x)",
            "min(2*x, 1)",
            "abs(-x)",
        ] {
            let e = Expr::parse(src).unwrap();
            let d = e.derivative(Var::X);
            for x in [0.5, 1.0, 1.5] {
                let h = 1e-7;
                let right = (e.eval(x + h, 0.0) - e.eval(x, 0.0)) / h;
                assert!((d.eval(x, 0.0) - right).abs() < 1e-6, "{src} at {x}");
            }
        }
    }
}
