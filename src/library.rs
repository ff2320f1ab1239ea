//! The built-in functions: the article's examples and the classic optimisation test
//! functions, each written in the expression language with its usual domain.
//!
//! ```
//! let r = gradfield::library::lookup("rosenbrock").unwrap();
//! assert_eq!(r.expr().eval(1.0, 1.0), 0.0);
//! assert_eq!(r.y, Some((-1.0, 3.0)));
//! ```

use std::sync::OnceLock;

use crate::expr::{Expr, Names, ParseError};

/// One built-in function.
#[derive(Debug)]
pub struct LibraryFunction {
    /// The name to use with `--f` (underscores; hyphens are accepted too).
    pub name: &'static str,
    /// The formula in the expression language.
    pub formula: &'static str,
    /// Where it comes from or what it is for.
    pub about: &'static str,
    /// Usual x range.
    pub x: (f64, f64),
    /// Usual y range, for functions of two variables.
    pub y: Option<(f64, f64)>,
    parsed: OnceLock<Expr>,
}

impl LibraryFunction {
    const fn new(
        name: &'static str,
        formula: &'static str,
        about: &'static str,
        x: (f64, f64),
        y: Option<(f64, f64)>,
    ) -> Self {
        LibraryFunction {
            name,
            formula,
            about,
            x,
            y,
            parsed: OnceLock::new(),
        }
    }

    /// The parsed formula.
    pub fn expr(&self) -> &Expr {
        self.parsed.get_or_init(|| {
            Expr::parse(self.formula)
                .unwrap_or_else(|e| panic!("library formula `{}` must parse: {e}", self.name))
        })
    }
}

/// Every built-in function.
pub static LIBRARY: [LibraryFunction; 14] = [
    LibraryFunction::new(
        "sin",
        "sin(x)",
        "the article's Demo 1",
        (-std::f64::consts::PI, std::f64::consts::PI),
        None,
    ),
    LibraryFunction::new(
        "tanh",
        "tanh(x)",
        "the article's Exercise 2",
        (-3.0, 3.0),
        None,
    ),
    LibraryFunction::new(
        "loss",
        "0.3*sin(3*x) + 0.5*x^2",
        "the article's toy non-convex loss (Demo 2)",
        (-3.0, 3.0),
        None,
    ),
    LibraryFunction::new(
        "bowl",
        "x^2 + 0.5*y^2",
        "the article's Exercise 3",
        (-2.0, 2.0),
        Some((-2.0, 2.0)),
    ),
    LibraryFunction::new(
        "rosenbrock",
        "(1 - x)^2 + 100*(y - x^2)^2",
        "Rosenbrock's banana valley, minimum 0 at (1, 1)",
        (-2.0, 2.0),
        Some((-1.0, 3.0)),
    ),
    LibraryFunction::new(
        "himmelblau",
        "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        "Himmelblau, four minima of 0",
        (-5.0, 5.0),
        Some((-5.0, 5.0)),
    ),
    LibraryFunction::new(
        "beale",
        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        "Beale, minimum 0 at (3, 0.5)",
        (-4.5, 4.5),
        Some((-4.5, 4.5)),
    ),
    LibraryFunction::new(
        "booth",
        "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        "Booth, minimum 0 at (1, 3)",
        (-10.0, 10.0),
        Some((-10.0, 10.0)),
    ),
    LibraryFunction::new(
        "rastrigin",
        "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        "Rastrigin (A = 10), minimum 0 at the origin",
        (-5.12, 5.12),
        Some((-5.12, 5.12)),
    ),
    LibraryFunction::new(
        "ackley",
        "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        "Ackley, minimum 0 at the origin (gradient undefined there)",
        (-5.0, 5.0),
        Some((-5.0, 5.0)),
    ),
    LibraryFunction::new(
        "styblinski_tang",
        "0.5*(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)",
        "Styblinski-Tang, minimum -78.33 at (-2.9035, -2.9035)",
        (-5.0, 5.0),
        Some((-5.0, 5.0)),
    ),
    LibraryFunction::new(
        "goldstein_price",
        "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        "Goldstein-Price, minimum 3 at (0, -1)",
        (-2.0, 2.0),
        Some((-2.0, 2.0)),
    ),
    LibraryFunction::new(
        "matyas",
        "0.26*(x^2 + y^2) - 0.48*x*y",
        "Matyas, minimum 0 at the origin",
        (-10.0, 10.0),
        Some((-10.0, 10.0)),
    ),
    LibraryFunction::new(
        "three_hump_camel",
        "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
        "three-hump camel, minimum 0 at the origin",
        (-5.0, 5.0),
        Some((-5.0, 5.0)),
    ),
];

/// Parses an expression in which the built-in functions' names may stand wherever an
/// expression may (`loss + 1`); a whole input that is a name may use hyphens
/// (`three-hump-camel`). Function names win over library entries of the same name (`sin`,
/// `tanh`), which only a whole input selects.
///
/// ```
/// let e = gradfield::library::parse("rosenbrock + 1")?;
/// assert_eq!(e.eval(1.0, 1.0), 1.0);
/// assert_eq!(gradfield::library::parse("three-hump-camel")?, gradfield::library::parse("three_hump_camel")?);
/// assert!(gradfield::expr::Expr::parse("rosenbrock").is_err()); // the bare language knows no names
/// # Ok::<(), gradfield::expr::ParseError>(())
/// ```
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    if let Some(f) = lookup(source.trim()) {
        return Ok(f.expr().clone());
    }
    Expr::parse_with(source, &Library)
}

/// The built-in functions' names, for [`Expr::parse_with`].
pub struct Library;

impl Names for Library {
    fn lookup(&self, name: &str) -> Option<Expr> {
        lookup(name).map(|f| f.expr().clone())
    }
    fn all(&self) -> Vec<&str> {
        LIBRARY.iter().map(|f| f.name).collect()
    }
}

/// The `functions` listing: each function's name, formula, domain, what it is, and its
/// symbolic gradient.
pub fn table() -> String {
    use crate::expr::Var;
    let mut text = String::new();
    for f in &LIBRARY {
        let e = f.expr();
        let domain = match f.y {
            Some((c, d)) => format!("x in [{}, {}], y in [{c}, {d}]", f.x.0, f.x.1),
            None => format!("x in [{}, {}]", f.x.0, f.x.1),
        };
        text += &format!("{:<17} {}\n", f.name, f.formula);
        text += &format!("{:<17} {}; {}\n", "", domain, f.about);
        text += &format!("{:<17} ∂f/∂x = {}\n", "", e.derivative(Var::X));
        if f.y.is_some() {
            text += &format!("{:<17} ∂f/∂y = {}\n", "", e.derivative(Var::Y));
        }
        text += "\n";
    }
    text
}

/// Finds a built-in by name; hyphens and underscores are interchangeable.
///
/// ```
/// assert!(gradfield::library::lookup("styblinski-tang").is_some());
/// assert!(gradfield::library::lookup("nope").is_none());
/// ```
pub fn lookup(name: &str) -> Option<&'static LibraryFunction> {
    let wanted = name.replace('-', "_");
    LIBRARY.iter().find(|f| f.name == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Var;

    #[test]
    fn names_are_suggested_and_stand_for_their_formulas() {
        use crate::expr::ParseErrorKind;
        assert_eq!(
            parse("rosenbrok").unwrap_err().kind,
            ParseErrorKind::UnknownVariable {
                name: "rosenbrok".into(),
                suggestion: Some("rosenbrock".into())
            }
        );
        assert_eq!(parse("loss + 1").unwrap().eval(0.0, 0.0), 1.0);
        assert!(matches!(
            parse("loss(x)").unwrap_err().kind,
            ParseErrorKind::NotAFunction { .. }
        ));
    }

    #[test]
    fn every_formula_parses_and_has_the_documented_minimum() {
        let minima: &[(&str, f64, f64, f64)] = &[
            ("rosenbrock", 1.0, 1.0, 0.0),
            ("himmelblau", 3.0, 2.0, 0.0),
            ("beale", 3.0, 0.5, 0.0),
            ("booth", 1.0, 3.0, 0.0),
            ("rastrigin", 0.0, 0.0, 0.0),
            ("ackley", 0.0, 0.0, 0.0),
            ("goldstein_price", 0.0, -1.0, 3.0),
            ("matyas", 0.0, 0.0, 0.0),
            ("three_hump_camel", 0.0, 0.0, 0.0),
            ("styblinski_tang", -2.903534, -2.903534, -78.33233),
        ];
        for f in &LIBRARY {
            let e = f.expr();
            assert_eq!(e.uses(Var::Y), f.y.is_some(), "{}", f.name);
        }
        for &(name, x, y, want) in minima {
            let got = lookup(name).unwrap().expr().eval(x, y);
            assert!((got - want).abs() < 1e-4, "{name}: {got}");
        }
    }
}
