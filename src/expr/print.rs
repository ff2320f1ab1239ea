//! Printing back to the language with the fewest parentheses that parse to the same tree.
//!
//! Precedence: `+ -` 1, `* /` 2, unary minus 3, `^` 4, atoms 5. A negative operand on the
//! right of an operator or in a power is parenthesised for readability (`x*(-y)`, `x^(-2)`).

use std::fmt;

use super::{Expr, Var};

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Add(..) | Expr::Sub(..) => 1,
        Expr::Mul(..) | Expr::Div(..) => 2,
        Expr::Neg(_) => 3,
        Expr::Num(c) if c.is_sign_negative() => 3,
        // `20*pi` and `pi/2` are products.
        Expr::Num(c) if format_number(*c).contains(['*', '/']) => 2,
        Expr::Pow(..) => 4,
        Expr::Num(_) | Expr::Var(_) | Expr::Call(..) => 5,
    }
}

/// Formats a number so it parses back to the same float64, in the shorter of the plain and
/// scientific forms (`0.3`, `1e-10`, `2`).
pub(crate) fn format_number(c: f64) -> String {
    if let Some(text) = pi_multiple(c) {
        return text;
    }
    let plain = format!("{c}");
    let sci = format!("{c:e}");
    if sci.len() < plain.len() { sci } else { plain }
}

/// `pi`, `k*pi` or `pi/k` when `c` is exactly that float64 (so it parses back to the same
/// bits), for the multiples that formulas use.
fn pi_multiple(c: f64) -> Option<String> {
    use std::f64::consts::PI;
    let sign = if c < 0.0 { "-" } else { "" };
    let a = c.abs();
    if a == PI {
        return Some(format!("{sign}pi"));
    }
    for k in 2..=1000 {
        if a == k as f64 * PI {
            return Some(format!("{sign}{k}*pi"));
        }
    }
    for k in [2, 3, 4, 6, 8, 12] {
        if a == PI / k as f64 {
            return Some(format!("{sign}pi/{k}"));
        }
    }
    None
}

fn write(e: &Expr, f: &mut fmt::Formatter<'_>, min_prec: u8, right: bool) -> fmt::Result {
    let p = prec(e);
    let parens = p < min_prec || (right && p == 3);
    if parens {
        f.write_str("(")?;
    }
    match e {
        Expr::Num(c) => f.write_str(&format_number(*c))?,
        Expr::Var(Var::X) => f.write_str("x")?,
        Expr::Var(Var::Y) => f.write_str("y")?,
        Expr::Neg(a) => {
            f.write_str("-")?;
            write(a, f, 4, false)?;
        }
        Expr::Add(a, b) | Expr::Sub(a, b) => {
            write(a, f, 1, false)?;
            f.write_str(if matches!(e, Expr::Add(..)) {
                " + "
            } else {
                " - "
            })?;
            write(b, f, 2, true)?;
        }
        Expr::Mul(a, b) | Expr::Div(a, b) => {
            write(a, f, 2, false)?;
            f.write_str(if matches!(e, Expr::Mul(..)) { "*" } else { "/" })?;
            write(b, f, 3, true)?;
        }
        Expr::Pow(a, b) => {
            write(a, f, 5, true)?;
            f.write_str("^")?;
            write(b, f, 4, true)?;
        }
        Expr::Call(func, args) => {
            f.write_str(func.name())?;
            f.write_str("(")?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write(a, f, 0, false)?;
            }
            f.write_str(")")?;
        }
    }
    if parens {
        f.write_str(")")?;
    }
    Ok(())
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(self, f, 0, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_keep_the_tree() {
        for src in [
            "x + y*2",
            "(x + y)*2",
            "x - (y - 1)",
            "x/(y*2)",
            "-x^2",
            "(-x)^2",
            "x^(-2)",
            "x^y^2",
            "(x^y)^2",
            "x*(-y)",
            "-(x*y)",
            "-(-x)",
            "atan2(y, x) + max(x, -y)",
            "1e-10*x + 0.3",
            "-2*x",
        ] {
            let e = Expr::parse(src).unwrap();
            let printed = e.to_string();
            assert_eq!(
                Expr::parse(&printed).unwrap(),
                e,
                "{src} printed as {printed}"
            );
            assert_eq!(printed, src, "{src} is already minimal");
        }
    }

    #[test]
    fn numbers_print_short_and_exact() {
        assert_eq!(format_number(2.0), "2");
        assert_eq!(format_number(0.3), "0.3");
        assert_eq!(format_number(1e-10), "1e-10");
        assert_eq!(format_number(1.5e300), "1.5e300");
        let pi = std::f64::consts::PI;
        assert_eq!(format_number(pi), "pi");
        assert_eq!(format_number(-20.0 * pi), "-20*pi");
        assert_eq!(format_number(pi / 2.0), "pi/2");
        for c in [pi, 2.0 * pi, -20.0 * pi, pi / 2.0, pi / 3.0] {
            let back = Expr::parse(&format_number(c)).unwrap().eval(0.0, 0.0);
            assert_eq!(back.to_bits(), c.to_bits());
        }
        // Products need parentheses where a number would not.
        let e = Expr::Div(
            Box::new(Expr::Var(crate::expr::Var::X)),
            Box::new(Expr::Num(2.0 * pi)),
        );
        assert_eq!(e.to_string(), "x/(2*pi)");
    }
}
