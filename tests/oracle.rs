//! References from outside: the library's symbolic gradients against the `argmin_testfunctions`
//! crate (written by others, by hand) and against published closed forms, at many points.

use argmin_testfunctions as tf;
use gradfield::expr::{Program, Var};
use gradfield::library;

fn points(name: &str, count: usize) -> Vec<(f64, f64)> {
    let f = library::lookup(name).unwrap();
    let (y0, y1) = f.y.unwrap_or((0.0, 0.0));
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| (f.x.0 + (f.x.1 - f.x.0) * unit(), y0 + (y1 - y0) * unit()))
        .collect()
}

type Oracle = fn(f64, f64) -> (f64, [f64; 2]);
type ClosedForm = fn(f64, f64) -> [f64; 2];

#[test]
fn optimisation_functions_match_argmin_testfunctions() {
    let oracles: &[(&str, Oracle)] = &[
        ("rosenbrock", |x, y| {
            (
                tf::rosenbrock(&[x, y]),
                tf::rosenbrock_derivative_const(&[x, y]),
            )
        }),
        ("himmelblau", |x, y| {
            (tf::himmelblau(&[x, y]), tf::himmelblau_derivative(&[x, y]))
        }),
        ("beale", |x, y| {
            (tf::beale(&[x, y]), tf::beale_derivative(&[x, y]))
        }),
        ("booth", |x, y| {
            (tf::booth(&[x, y]), tf::booth_derivative(&[x, y]))
        }),
        ("rastrigin", |x, y| {
            (
                tf::rastrigin(&[x, y]),
                tf::rastrigin_derivative_const(&[x, y]),
            )
        }),
        ("ackley", |x, y| {
            (tf::ackley(&[x, y]), tf::ackley_derivative_const(&[x, y]))
        }),
        ("styblinski_tang", |x, y| {
            (
                tf::styblinski_tang(&[x, y]),
                tf::styblinski_tang_derivative_const(&[x, y]),
            )
        }),
        ("goldstein_price", |x, y| {
            (
                tf::goldsteinprice(&[x, y]),
                tf::goldsteinprice_derivative(&[x, y]),
            )
        }),
        ("matyas", |x, y| {
            (tf::matyas(&[x, y]), tf::matyas_derivative(&[x, y]))
        }),
        ("three_hump_camel", |x, y| {
            (
                tf::threehumpcamel(&[x, y]),
                tf::threehumpcamel_derivative(&[x, y]),
            )
        }),
    ];
    for (name, oracle) in oracles {
        let f = library::lookup(name).unwrap().expr();
        let (gx, gy) = (f.derivative(Var::X), f.derivative(Var::Y));
        let prog = Program::compile(&[f, &gx, &gy]);
        for (x, y) in points(name, 5000) {
            let ours = prog.eval_f64(x, y);
            let (value, grad) = oracle(x, y);
            let theirs = [value, grad[0], grad[1]];
            for k in 0..3 {
                // Different but equivalent formulas round differently: allow a few ulps of
                // the largest term (Goldstein-Price cancels terms near 1e6).
                let scale = 1.0 + theirs[k].abs().max(ours[k].abs()) + value.abs();
                assert!(
                    (ours[k] - theirs[k]).abs() <= 1e-12 * scale,
                    "{name} output {k} at ({x}, {y}): ours {}, argmin {}",
                    ours[k],
                    theirs[k]
                );
            }
        }
    }
}

#[test]
fn the_articles_functions_match_their_closed_forms() {
    let closed: &[(&str, ClosedForm)] = &[
        ("sin", |x, _| [x.sin(), x.cos()]),
        ("tanh", |x, _| [x.tanh(), 1.0 - x.tanh().powi(2)]),
        ("loss", |x, _| {
            [
                0.3 * (3.0 * x).sin() + 0.5 * x * x,
                0.9 * (3.0 * x).cos() + x,
            ]
        }),
        ("bowl", |x, y| [x * x + 0.5 * y * y, 2.0 * x]),
    ];
    for (name, form) in closed {
        let f = library::lookup(name).unwrap().expr();
        let g = f.derivative(Var::X);
        for (x, y) in points(name, 2000) {
            let want = form(x, y);
            assert!((f.eval(x, y) - want[0]).abs() <= 4.0 * f64::EPSILON * (1.0 + want[0].abs()));
            assert!((g.eval(x, y) - want[1]).abs() <= 4.0 * f64::EPSILON * (1.0 + want[1].abs()));
        }
    }
    let bowl = library::lookup("bowl").unwrap().expr();
    assert_eq!(bowl.derivative(Var::Y).eval(0.3, 0.7), 0.7);
}
