//! The expression language: one parsed [`Expr`] gives the float64 reference, the symbolic
//! derivatives and (through [`Program`]) the generated WGSL, so there is one code path.
//!
//! Syntax: numbers (`1`, `2.5`, `1e-3`, `.5`), variables `x`, `y`, constants `pi`, `e`,
//! `+ - * / ^` (`^` is right-associative and binds tighter than unary minus, so
//! `-x^2 = -(x^2)`), parentheses, and the functions listed by [`Func::ALL`] plus
//! `pow(a, b)`. The language knows no other names; [`crate::library::parse`] parses with the
//! built-in functions' names (`rosenbrock`, `loss`, …) standing wherever an expression may.
//!
//! ```
//! use gradfield::expr::{Expr, Var};
//! let f = Expr::parse("0.3*sin(3*x) + 0.5*x^2")?;
//! assert_eq!(f.derivative(Var::X).to_string(), "0.9*cos(3*x) + x");
//! assert!((f.eval(1.0, 0.0) - (0.3 * 3f64.sin() + 0.5)).abs() < 1e-15);
//! # Ok::<(), gradfield::expr::ParseError>(())
//! ```

mod diff;
mod parser;
mod print;
mod program;
pub mod rewrite;
mod simplify;

pub use parser::{MAX_DEPTH, MAX_INPUT_LEN, Names, NoNames, ParseError, ParseErrorKind};
pub use program::{MAX_POWI, Node, Program, powi_chain};

/// A variable of the grid: `x` (columns) or `y` (rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// The first coordinate; varies along a row of a 2-D grid.
    X,
    /// The second coordinate; varies down a column of a 2-D grid.
    Y,
}

impl Var {
    /// The variable's name in the expression language.
    ///
    /// ```
    /// assert_eq!(gradfield::expr::Var::Y.name(), "y");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Var::X => "x",
            Var::Y => "y",
        }
    }
}

/// A named function of the language (`pow` is parsed into [`Expr::Pow`] and is not here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Inverse sine.
    Asin,
    /// Inverse cosine.
    Acos,
    /// Inverse tangent.
    Atan,
    /// Two-argument inverse tangent `atan2(y, x)`, the angle of the point (x, y).
    Atan2,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Hyperbolic tangent.
    Tanh,
    /// Exponential.
    Exp,
    /// Natural logarithm.
    Log,
    /// e^u − 1, accurate near 0 (where exp(u) − 1 cancels).
    Expm1,
    /// log(1 + u), accurate near 0 (where log(1 + u) loses u's digits).
    Log1p,
    /// √(a² + b²) without overflow or underflow in between.
    Hypot,
    /// Square root.
    Sqrt,
    /// Absolute value.
    Abs,
    /// Smaller of two values.
    Min,
    /// Larger of two values.
    Max,
    /// Logistic function 1/(1+exp(-u)).
    Sigmoid,
    /// log(1+exp(u)), computed without overflow.
    Softplus,
    /// max(u, 0).
    Relu,
    /// Heaviside step: 1 for u ≥ 0, else 0. Appears in derivatives of abs, relu, min, max.
    Step,
}

impl Func {
    /// Every function, in the order `gradfield functions` lists them.
    pub const ALL: [Func; 23] = [
        Func::Sin,
        Func::Cos,
        Func::Tan,
        Func::Asin,
        Func::Acos,
        Func::Atan,
        Func::Atan2,
        Func::Sinh,
        Func::Cosh,
        Func::Tanh,
        Func::Exp,
        Func::Log,
        Func::Expm1,
        Func::Log1p,
        Func::Hypot,
        Func::Sqrt,
        Func::Abs,
        Func::Min,
        Func::Max,
        Func::Sigmoid,
        Func::Softplus,
        Func::Relu,
        Func::Step,
    ];

    /// The function's name in the expression language.
    ///
    /// ```
    /// assert_eq!(gradfield::expr::Func::Softplus.name(), "softplus");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Tan => "tan",
            Func::Asin => "asin",
            Func::Acos => "acos",
            Func::Atan => "atan",
            Func::Atan2 => "atan2",
            Func::Sinh => "sinh",
            Func::Cosh => "cosh",
            Func::Tanh => "tanh",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Expm1 => "expm1",
            Func::Log1p => "log1p",
            Func::Hypot => "hypot",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Min => "min",
            Func::Max => "max",
            Func::Sigmoid => "sigmoid",
            Func::Softplus => "softplus",
            Func::Relu => "relu",
            Func::Step => "step",
        }
    }

    /// Looks a function up by name.
    ///
    /// ```
    /// use gradfield::expr::Func;
    /// assert_eq!(Func::from_name("tanh"), Some(Func::Tanh));
    /// assert_eq!(Func::from_name("tanhh"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments the function takes (1 or 2).
    pub fn arity(self) -> usize {
        match self {
            Func::Atan2 | Func::Min | Func::Max | Func::Hypot => 2,
            _ => 1,
        }
    }

    /// Evaluates the function in float64 as the CPU engine does, so that single points give
    /// the same bits as its blocks: Rust's standard library, except sin and cos, which are
    /// [`crate::math::fastmath`]'s (the engine's, not the reference's).
    ///
    /// `b` is ignored for one-argument functions.
    ///
    /// ```
    /// use gradfield::expr::Func;
    /// assert_eq!(Func::Relu.eval_f64(-2.0, 0.0), 0.0);
    /// assert_eq!(Func::Step.eval_f64(0.0, 0.0), 1.0);
    /// ```
    pub fn eval_f64(self, a: f64, b: f64) -> f64 {
        match self {
            // Our vectorisable fdlibm sin/cos (≤ 1 ulp from std), so that the CPU engine's
            // blocks and single points give the same bits.
            Func::Sin => crate::math::fastmath::sin(a),
            Func::Cos => crate::math::fastmath::cos(a),
            Func::Tan => a.tan(),
            Func::Asin => a.asin(),
            Func::Acos => a.acos(),
            Func::Atan => a.atan(),
            Func::Atan2 => atan2_cut(a, b),
            Func::Sinh => a.sinh(),
            Func::Cosh => a.cosh(),
            Func::Tanh => a.tanh(),
            Func::Exp => a.exp(),
            Func::Log => a.ln(),
            Func::Expm1 => a.exp_m1(),
            Func::Log1p => a.ln_1p(),
            Func::Hypot => a.hypot(b),
            Func::Sqrt => a.sqrt(),
            Func::Abs => a.abs(),
            Func::Min => min_nan(a, b),
            Func::Max => max_nan(a, b),
            Func::Sigmoid => sigmoid_f64(a),
            Func::Softplus => softplus_f64(a),
            Func::Relu => relu(a),
            Func::Step => step(a),
        }
    }

    /// Evaluates the function in float32 as the CPU f32 engine does: Rust's standard library,
    /// except sin and cos, which are [`crate::math::fastmath`]'s in f64 rounded to f32 (within
    /// an ulp, and vectorised in the engine's blocks).
    pub fn eval_f32(self, a: f32, b: f32) -> f32 {
        match self {
            Func::Sin => crate::math::fastmath::sin(a as f64) as f32,
            Func::Cos => crate::math::fastmath::cos(a as f64) as f32,
            Func::Tan => a.tan(),
            Func::Asin => a.asin(),
            Func::Acos => a.acos(),
            Func::Atan => a.atan(),
            Func::Atan2 => atan2_cut(a, b),
            Func::Sinh => a.sinh(),
            Func::Cosh => a.cosh(),
            Func::Tanh => a.tanh(),
            Func::Exp => a.exp(),
            Func::Log => a.ln(),
            Func::Expm1 => a.exp_m1(),
            Func::Log1p => a.ln_1p(),
            Func::Hypot => a.hypot(b),
            Func::Sqrt => a.sqrt(),
            Func::Abs => a.abs(),
            Func::Min => min_nan(a, b),
            Func::Max => max_nan(a, b),
            Func::Sigmoid => {
                // Same formula as the f64 one; f32 overflow of exp(-a) gives 0, as it should.
                if a >= 0.0 {
                    1.0 / (1.0 + (-a).exp())
                } else {
                    let e = a.exp();
                    e / (1.0 + e)
                }
            }
            Func::Softplus => a.max(0.0) + (-a.abs()).exp().ln_1p(),
            Func::Relu => relu(a),
            Func::Step => step(a),
        }
    }
}

/// atan2 with the branch cut on the side of +π: on the negative x axis, y = −0 is taken as
/// +0 (the language has one zero), so atan2(−y, x) at y = 0, x < 0 is π like atan2(y, x).
fn atan2_cut<T: num_like::Float>(a: T, b: T) -> T {
    a.add_zero().atan2(b)
}

mod num_like {
    /// The float operations `atan2_cut` needs, for f32 and f64.
    pub trait Float: Copy {
        fn add_zero(self) -> Self;
        fn atan2(self, b: Self) -> Self;
    }
    impl Float for f32 {
        fn add_zero(self) -> f32 {
            self + 0.0
        }
        fn atan2(self, b: f32) -> f32 {
            f32::atan2(self, b)
        }
    }
    impl Float for f64 {
        fn add_zero(self) -> f64 {
            self + 0.0
        }
        fn atan2(self, b: f64) -> f64 {
            f64::atan2(self, b)
        }
    }
}

/// min that propagates NaN (Rust's `f64::min` drops it, which would hide domain errors).
/// (`a != a` is the NaN test for a generic float.)
#[allow(clippy::eq_op)]
fn min_nan<T: PartialOrd + Copy>(a: T, b: T) -> T {
    if a != a || b != b {
        // NaN is the only value unequal to itself.
        if a != a { a } else { b }
    } else if b < a {
        b
    } else {
        a
    }
}

/// max that propagates NaN.
#[allow(clippy::eq_op)]
fn max_nan<T: PartialOrd + Copy>(a: T, b: T) -> T {
    if a != a || b != b {
        if a != a { a } else { b }
    } else if b > a {
        b
    } else {
        a
    }
}

#[allow(clippy::eq_op)]
fn relu<T: PartialOrd + Copy + Default>(a: T) -> T {
    // `a > 0` is false for NaN, so NaN would become 0; keep it NaN.
    if a != a || a > T::default() {
        a
    } else {
        T::default()
    }
}

#[allow(clippy::eq_op)]
fn step<T: PartialOrd + Copy + From<u8>>(a: T) -> T {
    if a != a {
        a
    } else if a >= T::from(0) {
        T::from(1)
    } else {
        T::from(0)
    }
}

fn sigmoid_f64(a: f64) -> f64 {
    // Two branches so that exp never overflows: for a ≥ 0, exp(-a) ≤ 1.
    if a >= 0.0 {
        1.0 / (1.0 + (-a).exp())
    } else {
        let e = a.exp();
        e / (1.0 + e)
    }
}

fn softplus_f64(a: f64) -> f64 {
    // log(1+e^a) = max(a,0) + log1p(e^-|a|): no overflow, no cancellation.
    a.max(0.0) + (-a.abs()).exp().ln_1p()
}

/// A parsed expression in `x` and `y`.
///
/// Built by [`Expr::parse`]; differentiated by [`Expr::derivative`]; printed back to the
/// language with `Display` (the printed text parses to the same function).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number (the constants `pi` and `e` parse to numbers).
    Num(f64),
    /// A grid variable.
    Var(Var),
    /// Unary minus.
    Neg(Box<Expr>),
    /// Sum.
    Add(Box<Expr>, Box<Expr>),
    /// Difference.
    Sub(Box<Expr>, Box<Expr>),
    /// Product.
    Mul(Box<Expr>, Box<Expr>),
    /// Quotient.
    Div(Box<Expr>, Box<Expr>),
    /// Power `a^b` (also written `pow(a, b)`).
    Pow(Box<Expr>, Box<Expr>),
    /// A function call with [`Func::arity`] arguments.
    Call(Func, Vec<Expr>),
}

impl Expr {
    /// Parses an expression of the language (no names beyond `x`, `y`, `pi`, `e`; see
    /// [`crate::library::parse`] for the built-in functions' names).
    ///
    /// ```
    /// use gradfield::expr::Expr;
    /// assert_eq!(Expr::parse("-x^2")?.eval(3.0, 0.0), -9.0);
    /// assert_eq!(Expr::parse("2^3^2")?.eval(0.0, 0.0), 512.0);
    /// let err = Expr::parse("sin(x +)").unwrap_err();
    /// assert_eq!(err.span.start, 7);
    /// # Ok::<(), gradfield::expr::ParseError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Expr, ParseError> {
        parser::parse_with(input, &NoNames)
    }

    /// Parses an expression that may also use `names` (see [`Names`]).
    pub fn parse_with(input: &str, names: &dyn Names) -> Result<Expr, ParseError> {
        parser::parse_with(input, names)
    }

    /// The symbolic partial derivative with respect to `var`, simplified.
    ///
    /// Its printed text parses back to the same function when its [`Expr::depth`] is at most
    /// [`MAX_DEPTH`] (derivatives nest deeper than their function; [`crate::spec::FieldSpec`]
    /// refuses functions whose derivatives would not).
    ///
    /// At the kinks of `abs`, `relu`, `min` and `max` the derivative takes the branch where
    /// the argument is ≥ 0 (for `max(a, b)`: where a ≥ b; for `min(a, b)`: where a ≤ b), so
    /// `abs'(0) = 1` and `relu'(0) = 1`; this is written with `step(u)`, which is 1 for u ≥ 0.
    ///
    /// ```
    /// use gradfield::expr::{Expr, Var};
    /// let f = Expr::parse("x^2 + 0.5*y^2")?;
    /// assert_eq!(f.derivative(Var::X).to_string(), "2*x");
    /// assert_eq!(f.derivative(Var::Y).to_string(), "y");
    /// # Ok::<(), gradfield::expr::ParseError>(())
    /// ```
    pub fn derivative(&self, var: Var) -> Expr {
        diff::derivative(self, var)
    }

    /// Applies the simplification rules (constant folding, 0/1 identities, `x^1`, `--x`).
    ///
    /// ```
    /// use gradfield::expr::Expr;
    /// assert_eq!(Expr::parse("0*x + 1*(--y)^1")?.simplify().to_string(), "y");
    /// # Ok::<(), gradfield::expr::ParseError>(())
    /// ```
    pub fn simplify(&self) -> Expr {
        simplify::simplify(self)
    }

    /// Whether the expression mentions `var`.
    ///
    /// ```
    /// use gradfield::expr::{Expr, Var};
    /// assert!(!Expr::parse("sin(x)")?.uses(Var::Y));
    /// # Ok::<(), gradfield::expr::ParseError>(())
    /// ```
    pub fn uses(&self, var: Var) -> bool {
        match self {
            Expr::Num(_) => false,
            Expr::Var(v) => *v == var,
            Expr::Neg(a) => a.uses(var),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
                a.uses(var) || b.uses(var)
            }
            Expr::Pow(a, b) => a.uses(var) || b.uses(var),
            Expr::Call(_, args) => args.iter().any(|a| a.uses(var)),
        }
    }

    /// Whether any function other than `+ - * /`, integer powers, `abs`, `min`, `max`,
    /// `relu`, `step` and `sqrt` appears: those are the ones a GPU needs a math library for.
    ///
    /// ```
    /// use gradfield::expr::Expr;
    /// assert!(!Expr::parse("x^2 + abs(y)")?.needs_transcendentals());
    /// assert!(Expr::parse("x^y")?.needs_transcendentals());
    /// # Ok::<(), gradfield::expr::ParseError>(())
    /// ```
    pub fn needs_transcendentals(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::Var(_) => false,
            Expr::Neg(a) => a.needs_transcendentals(),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
                a.needs_transcendentals() || b.needs_transcendentals()
            }
            Expr::Pow(a, b) => program::small_integer(b).is_none() || a.needs_transcendentals(),
            Expr::Call(f, args) => {
                !matches!(
                    f,
                    Func::Abs | Func::Min | Func::Max | Func::Relu | Func::Step | Func::Sqrt
                ) || args.iter().any(Expr::needs_transcendentals)
            }
        }
    }

    /// Evaluates the tree directly in float64 (slow; for tests and single points).
    ///
    /// Integer powers use the same multiplication chain as the compiled [`Program`].
    pub fn eval(&self, x: f64, y: f64) -> f64 {
        match self {
            Expr::Num(c) => *c,
            Expr::Var(Var::X) => x,
            Expr::Var(Var::Y) => y,
            Expr::Neg(a) => -a.eval(x, y),
            Expr::Add(a, b) => a.eval(x, y) + b.eval(x, y),
            Expr::Sub(a, b) => a.eval(x, y) - b.eval(x, y),
            Expr::Mul(a, b) => a.eval(x, y) * b.eval(x, y),
            Expr::Div(a, b) => a.eval(x, y) / b.eval(x, y),
            Expr::Pow(a, b) => match program::small_integer(b) {
                Some(n) => program::powi_chain(a.eval(x, y), n),
                None => a.eval(x, y).powf(b.eval(x, y)),
            },
            Expr::Call(f, args) => {
                let a = args[0].eval(x, y);
                let b = args.get(1).map_or(0.0, |b| b.eval(x, y));
                f.eval_f64(a, b)
            }
        }
    }

    /// The depth of the tree (a leaf has depth 1).
    pub fn depth(&self) -> usize {
        match self {
            Expr::Num(_) | Expr::Var(_) => 1,
            Expr::Neg(a) => 1 + a.depth(),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => 1 + a.depth().max(b.depth()),
            Expr::Call(_, args) => 1 + args.iter().map(Expr::depth).max().unwrap_or(0),
        }
    }
}

impl std::str::FromStr for Expr {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Expr, ParseError> {
        Expr::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_propagate_nan() {
        assert!(Func::Min.eval_f64(f64::NAN, 1.0).is_nan());
        assert!(Func::Max.eval_f64(1.0, f64::NAN).is_nan());
        assert_eq!(Func::Min.eval_f64(2.0, 1.0), 1.0);
        assert_eq!(Func::Max.eval_f32(2.0, 1.0), 2.0);
    }

    #[test]
    fn sigmoid_and_softplus_do_not_overflow() {
        assert_eq!(Func::Sigmoid.eval_f64(-1000.0, 0.0), 0.0);
        assert_eq!(Func::Sigmoid.eval_f64(1000.0, 0.0), 1.0);
        assert_eq!(Func::Softplus.eval_f64(1000.0, 0.0), 1000.0);
        assert!((Func::Softplus.eval_f64(0.0, 0.0) - 2f64.ln()).abs() < 1e-16);
        assert_eq!(Func::Softplus.eval_f32(200.0, 0.0), 200.0);
    }

    #[test]
    fn relu_and_step_conventions() {
        assert_eq!(Func::Relu.eval_f64(0.0, 0.0), 0.0);
        assert_eq!(Func::Step.eval_f64(0.0, 0.0), 1.0);
        assert_eq!(Func::Step.eval_f64(-1e-300, 0.0), 0.0);
        assert!(Func::Relu.eval_f64(f64::NAN, 0.0).is_nan());
    }
}
