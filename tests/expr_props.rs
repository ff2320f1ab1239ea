//! Property tests of the expression language: symbolic derivatives against an independent
//! numerical derivative (Richardson-extrapolated central differences in f64), printing and
//! parsing back, and a parser that never panics on arbitrary input.

mod common;

use common::smooth;
use gradfield::expr::{Expr, Func, Var};
use proptest::prelude::*;

/// Richardson extrapolation of central differences: (4 D(h/2) − D(h)) / 3, error O(h^4).
fn richardson(f: &Expr, x: f64, y: f64, var: Var, h: f64) -> f64 {
    let at = |d: f64| match var {
        Var::X => f.eval(x + d, y),
        Var::Y => f.eval(x, y + d),
    };
    let d = |h: f64| (at(h) - at(-h)) / (2.0 * h);
    (4.0 * d(h / 2.0) - d(h)) / 3.0
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn derivative_agrees_with_richardson(src in smooth(), x in -2.0f64..2.0, y in -2.0f64..2.0) {
        let f = Expr::parse(&src).unwrap();
        for var in [Var::X, Var::Y] {
            let symbolic = f.derivative(var).eval(x, y);
            let scale = 1.0 + x.abs().max(y.abs());
            let r1 = richardson(&f, x, y, var, 1e-3 * scale);
            let r2 = richardson(&f, x, y, var, 5e-4 * scale);
            if !(symbolic.is_finite() && r1.is_finite() && r2.is_finite()) {
                continue;
            }
            // Only where the numerical estimate is itself reliable (two steps agree).
            let size = 1.0 + symbolic.abs();
            if (r1 - r2).abs() > 1e-6 * size {
                continue;
            }
            prop_assert!(
                (symbolic - r2).abs() <= 1e-5 * size,
                "d/d{} of {src} at ({x}, {y}): symbolic {symbolic}, numerical {r2}",
                var.name()
            );
        }
    }

    #[test]
    fn printed_expressions_and_derivatives_parse_back_to_the_same_values(
        src in smooth(), x in -2.0f64..2.0, y in -2.0f64..2.0
    ) {
        let f = Expr::parse(&src).unwrap();
        for e in [f.clone(), f.derivative(Var::X), f.derivative(Var::Y)] {
            let printed = e.to_string();
            let back = Expr::parse(&printed).unwrap();
            let (a, b) = (e.eval(x, y), back.eval(x, y));
            prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{printed}: {a} != {b}");
        }
    }

    #[test]
    fn the_parser_never_panics(s in "\\PC{0,60}") {
        if let Err(e) = Expr::parse(&s) {
            prop_assert!(e.span.start <= e.span.end && e.span.end <= s.len());
            let _ = e.to_string();
        }
    }

    #[test]
    fn the_parser_never_panics_on_near_miss_syntax(
        s in prop::collection::vec(prop::sample::select(vec![
            "x", "y", "1", "2.5", "e", "pi", "+", "-", "*", "/", "^", "(", ")", ",", "sin",
            "atan2", "pow", "max", "1e", ".", "tanhh", " ",
        ]), 0..30)
    ) {
        let s: String = s.concat();
        if let Ok(e) = Expr::parse(&s) {
            let _ = e.derivative(Var::X).to_string();
        }
    }
}

#[test]
fn kinks_follow_the_documented_one_sided_rule() {
    // At a kink the derivative is the one-sided derivative along +x, which a forward (right)
    // difference approaches: whatever the argument order or the inner sign.
    let h = 1e-9;
    for (src, x) in [
        ("abs(x)", 0.0),
        ("abs(-x)", 0.0),
        ("relu(x)", 0.0),
        ("relu(-x)", 0.0),
        ("max(x, 0)", 0.0),
        ("max(0, x)", 0.0),
        ("min(x, -x)", 0.0),
        ("min(-x, x)", 0.0),
        ("max(2*x, -3*x)", 0.0),
        ("abs(x^3 - x)", 1.0),
    ] {
        let f = Expr::parse(src).unwrap();
        let d = f.derivative(Var::X).eval(x, 0.0);
        let right = (f.eval(x + h, 0.0) - f.eval(x, 0.0)) / h;
        assert_eq!(d, right.round(), "{src}");
    }
    assert!(
        Func::ALL
            .iter()
            .all(|f| Func::from_name(f.name()) == Some(*f))
    );
}
