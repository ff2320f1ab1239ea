//! What to compute: an expression on a grid, with step, scheme, precision, math mode and the
//! fields asked for. Both engines take a [`FieldSpec`]; building one validates the request.

use crate::error::{Error, Result, num};
use crate::expr::rewrite::{Rewrite, stabilize};
use crate::expr::{Expr, Var};
use crate::grid::{Axis, Field, Fields, Grid, MathMode, Precision, Scheme, check_step};

/// The expression as quoted in a message: whole if short, else its start and end.
fn quoted(source: &str) -> String {
    let s = source.trim();
    if s.chars().count() <= 80 {
        return s.to_string();
    }
    let head: String = s.chars().take(50).collect();
    let tail: String = s
        .chars()
        .rev()
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head}…{tail}")
}

/// Whether `e` is ≥ 0 over the grid's rectangle, sampled on a 33 × 33 lattice (corners
/// included) in float64: what the conjugate rewrite needs of the term it adds.
fn nonnegative_on(e: &Expr, grid: &Grid) -> Option<bool> {
    const N: usize = 33;
    let along = |a: &Axis| -> Vec<f64> {
        (0..N)
            .map(|k| a.min + (a.max - a.min) * k as f64 / (N - 1) as f64)
            .collect()
    };
    let xs = along(&grid.x);
    let ys = grid.y.as_ref().map_or(vec![0.0], along);
    let all = ys.iter().all(|&y| {
        xs.iter()
            .all(|&x| e.eval(x, y).is_finite() && e.eval(x, y) >= 0.0)
    });
    all.then_some(true)
}

/// A validated request for fields on a grid.
///
/// ```
/// use gradfield::grid::{Axis, Grid};
/// use gradfield::spec::FieldSpec;
/// let grid = Grid::line(Axis::x(-1.0, 1.0, 101)?);
/// let spec = FieldSpec::new("tanh(x)", grid)?;
/// assert_eq!(spec.derivative_text(gradfield::expr::Var::X), "1 - tanh(x)^2");
/// assert!(FieldSpec::new("x*y", grid).is_err()); // uses y on a 1-D grid
/// # Ok::<(), gradfield::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FieldSpec {
    /// The expression as the user gave it (or the library name).
    pub source: String,
    /// The parsed expression.
    pub expr: Expr,
    /// ∂f/∂x.
    pub grad_x: Expr,
    /// ∂f/∂y.
    pub grad_y: Expr,
    /// The grid.
    pub grid: Grid,
    /// Finite-difference step.
    pub h: f64,
    /// Finite-difference scheme.
    pub scheme: Scheme,
    /// Which fields to compute.
    pub fields: Fields,
    /// Precision of the evaluation.
    pub precision: Precision,
    /// f32 math library on the GPU.
    pub math: MathMode,
    /// Whether cancelling forms were rewritten into stable ones ([`crate::expr::rewrite`]).
    pub rewrite: bool,
    /// The rewrites applied to f and its derivatives.
    pub rewrites: Vec<Rewrite>,
}

/// A grid as the command line gives it: any part may be left out, and is then taken from
/// the library function's usual domain, or a default point count.
#[derive(Clone, Debug, Default)]
pub struct GridRequest {
    /// x range `(a, b)`.
    pub x: Option<(f64, f64)>,
    /// x points.
    pub nx: Option<usize>,
    /// y range `(c, d)`.
    pub y: Option<(f64, f64)>,
    /// y points.
    pub ny: Option<usize>,
}

/// Points per axis when none is given: 1001 on a line, 257 × 257 on a plane.
pub const DEFAULT_N_1D: usize = 1001;
/// See [`DEFAULT_N_1D`].
pub const DEFAULT_N_2D: usize = 257;

impl GridRequest {
    /// A request from command-line text: ranges as `A:B` (`pi` allowed), counts as given.
    ///
    /// ```
    /// let r = gradfield::spec::GridRequest::from_text(Some("-pi:pi"), Some(11), None, None)?;
    /// assert_eq!(r.x.unwrap().1, std::f64::consts::PI);
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn from_text(
        x: Option<&str>,
        nx: Option<usize>,
        y: Option<&str>,
        ny: Option<usize>,
    ) -> Result<GridRequest> {
        Ok(GridRequest {
            x: x.map(|s| Axis::parse_range(Var::X, s)).transpose()?,
            nx,
            y: y.map(|s| Axis::parse_range(Var::Y, s)).transpose()?,
            ny,
        })
    }

    /// Resolves the grid for `source` (an expression or a library name).
    ///
    /// ```
    /// use gradfield::spec::GridRequest;
    /// let g = GridRequest::default().resolve("rosenbrock")?;
    /// assert_eq!((g.x.min, g.x.max, g.x.n), (-2.0, 2.0, 257));
    /// assert_eq!(g.y.unwrap().max, 3.0);
    /// assert!(GridRequest::default().resolve("x^2").is_err()); // no range to take
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn resolve(&self, source: &str) -> Result<Grid> {
        let lib = crate::library::lookup(source.trim());
        let expr = crate::library::parse(source)?;
        if !expr.uses(Var::Y) && (self.y.is_some() || self.ny.is_some()) {
            return Err(Error::input(format!(
                "`{}` does not use y; drop --y/--ny for a 1-D grid",
                quoted(source)
            )));
        }
        let two_d = expr.uses(Var::Y);
        let default_n = if two_d { DEFAULT_N_2D } else { DEFAULT_N_1D };
        let (xa, xb) = self
            .x
            .or(lib.map(|l| l.x))
            .ok_or_else(|| Error::input("give the x range with --x A:B (for example --x -3:3)"))?;
        let x = Axis::x(xa, xb, self.nx.unwrap_or(default_n))?;
        if !two_d {
            return Ok(Grid::line(x));
        }
        let (ya, yb) = self.y.or(lib.and_then(|l| l.y)).ok_or_else(|| {
            Error::input(format!(
                "`{}` uses y; give the y range with --y C:D (for example --y -3:3)",
                quoted(source)
            ))
        })?;
        let y = Axis::y(ya, yb, self.ny.or(self.nx).unwrap_or(default_n))?;
        Grid::plane(x, y)
    }
}

/// Default finite-difference step: near the optimum of a central difference in f32
/// (ε^(1/3) ≈ 5e-3 scaled down for curvature; the article uses 1e-4 in f64).
pub const DEFAULT_H: f64 = 1e-3;

impl FieldSpec {
    /// Parses `source` and checks it against the grid, with defaults for the rest (h = 1e-3,
    /// central differences, all fields, f32, accurate math, cancelling forms rewritten into
    /// stable ones).
    pub fn new(source: &str, grid: Grid) -> Result<FieldSpec> {
        FieldSpec::build(source, grid, true)
    }

    /// Rebuilds f and its derivatives with the stable rewrites on or off (off: the naive
    /// formula, as written).
    ///
    /// ```
    /// use gradfield::grid::{Axis, Grid};
    /// use gradfield::spec::FieldSpec;
    /// let grid = Grid::line(Axis::x(-1e-3, 1e-3, 101)?);
    /// let stable = FieldSpec::new("(exp(x) - 1)/x", grid)?;
    /// assert_eq!(stable.expr.to_string(), "expm1(x)/x");
    /// let naive = stable.with_rewrites(false)?;
    /// assert_eq!(naive.expr.to_string(), "(exp(x) - 1)/x");
    /// assert!(naive.rewrites.is_empty());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn with_rewrites(self, on: bool) -> Result<FieldSpec> {
        let rebuilt = FieldSpec::build(&self.source, self.grid, on)?;
        Ok(FieldSpec {
            expr: rebuilt.expr,
            grad_x: rebuilt.grad_x,
            grad_y: rebuilt.grad_y,
            rewrite: on,
            rewrites: rebuilt.rewrites,
            ..self
        })
    }

    fn build(source: &str, grid: Grid, rewrite: bool) -> Result<FieldSpec> {
        let parsed = crate::library::parse(source)?;
        if parsed.uses(Var::Y) && !grid.is_2d() {
            return Err(Error::input(format!(
                "`{}` uses y; give a y range and count (--y C:D --ny M) for a 2-D grid",
                quoted(source)
            )));
        }
        if !parsed.uses(Var::Y) && grid.is_2d() {
            return Err(Error::input(format!(
                "`{}` does not use y; drop --y/--ny for a 1-D grid",
                quoted(source)
            )));
        }
        let nonneg = |e: &Expr| nonnegative_on(e, &grid);
        let mut rewrites = Vec::new();
        let mut stable = |e: Expr| {
            if !rewrite {
                return e;
            }
            let (out, done) = stabilize(&e, &nonneg);
            for r in done {
                if !rewrites.contains(&r) {
                    rewrites.push(r);
                }
            }
            out
        };
        let expr = stable(parsed);
        let grad_x = stable(expr.derivative(Var::X));
        let grad_y = stable(expr.derivative(Var::Y));
        // Derivatives nest deeper than their function (the quotient rule adds levels); refuse
        // what would print deeper than the parser reads back.
        if grad_x.depth().max(grad_y.depth()) > crate::expr::MAX_DEPTH {
            return Err(Error::input(format!(
                "the derivative of `{}` nests more than {} levels deep; write the function \
                 with less nesting",
                quoted(source),
                crate::expr::MAX_DEPTH
            )));
        }
        // Their printed form (recorded in meta.json) must also read back.
        let longest = grad_x.to_string().len().max(grad_y.to_string().len());
        if longest > crate::expr::MAX_INPUT_LEN {
            return Err(Error::input(format!(
                "the derivative of `{}` prints to {longest} characters, more than the {} an \
                 expression may have; write the function with fewer repeated terms",
                quoted(source),
                crate::expr::MAX_INPUT_LEN
            )));
        }
        Ok(FieldSpec {
            source: source.trim().to_string(),
            expr,
            grad_x,
            grad_y,
            grid,
            h: DEFAULT_H,
            scheme: Scheme::Central,
            fields: Fields::ALL,
            precision: Precision::F32,
            math: MathMode::Accurate,
            rewrite,
            rewrites,
        })
    }

    /// Sets the finite-difference step (checked).
    pub fn with_h(mut self, h: f64) -> Result<FieldSpec> {
        self.h = check_step(h)?;
        Ok(self)
    }

    /// The same request over a block of its grid ([`Grid::window`]): the same formulas (the
    /// rewrites chosen for the whole grid, which hold on any part of it) at the same points,
    /// so the block's values are bit for bit those of the whole run there.
    ///
    /// ```
    /// use gradfield::{grid::{Axis, Grid}, session::Session, spec::FieldSpec};
    /// let grid = Grid::plane(Axis::x(-1.0, 1.0, 64)?, Axis::y(-1.0, 1.0, 64)?)?;
    /// let spec = FieldSpec::new("x*exp(-y^2)", grid)?;
    /// let block = spec.window(16..32, Some(48..64))?;
    /// let (a, b) = (Session::cpu().field(&spec)?, Session::cpu().field(&block)?);
    /// let f = |r: &gradfield::session::FieldResult| r.values(gradfield::grid::Field::F).unwrap().to_f64();
    /// assert_eq!(f(&b)[0].to_bits(), f(&a)[48 * 64 + 16].to_bits());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn window(
        &self,
        cols: std::ops::Range<usize>,
        rows: Option<std::ops::Range<usize>>,
    ) -> Result<FieldSpec> {
        Ok(FieldSpec {
            grid: self.grid.window(cols, rows)?,
            ..self.clone()
        })
    }

    /// Sets the scheme.
    pub fn with_scheme(mut self, scheme: Scheme) -> FieldSpec {
        self.scheme = scheme;
        self
    }

    /// Sets the fields (at least one kind).
    pub fn with_fields(mut self, fields: Fields) -> Result<FieldSpec> {
        if !(fields.f || fields.fd || fields.grad) {
            return Err(Error::input("ask for at least one of f, fd, grad"));
        }
        self.fields = fields;
        Ok(self)
    }

    /// Sets the precision.
    pub fn with_precision(mut self, precision: Precision) -> FieldSpec {
        self.precision = precision;
        self
    }

    /// Sets the math mode.
    pub fn with_math(mut self, math: MathMode) -> FieldSpec {
        self.math = math;
        self
    }

    /// Checks what depends on the precision, before any work: every coordinate finite in
    /// the run's precision and, where finite differences are asked for, the step `h` non-zero
    /// after rounding, every stencil point finite, and `x + h ≠ x` at the grid's largest
    /// |coordinate| (where it is smallest against the spacing of the numbers), so that no
    /// difference is 0/0 or 0/h by construction.
    ///
    /// ```
    /// use gradfield::grid::{Axis, Grid, Precision};
    /// use gradfield::spec::FieldSpec;
    /// let spec = FieldSpec::new("sin(x)", Grid::line(Axis::x(-3.0, 3.0, 101)?))?;
    /// assert!(spec.clone().with_h(1e-3)?.validate().is_ok());
    /// // 1e-320 rounds to 0 in f32; 1e-9 is below half an ulp of 3 in f32 (but not in f64).
    /// assert_eq!(spec.clone().with_h(1e-320)?.validate().unwrap_err().exit_code(), 2);
    /// assert!(spec.clone().with_h(1e-9)?.validate().is_err());
    /// assert!(spec.with_h(1e-9)?.with_precision(Precision::F64).validate().is_ok());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let p = self.precision;
        let axes = [Some(&self.grid.x), self.grid.y.as_ref()];
        for (axis, name) in axes.into_iter().zip(["x", "y"]) {
            let Some(axis) = axis else { continue };
            let far = axis.min.abs().max(axis.max.abs());
            if !p.round(far).is_finite() {
                return Err(Error::input(format!(
                    "the {name} range {}:{} does not fit in {p} (its largest finite value is {})",
                    num(axis.min),
                    num(axis.max),
                    num(p.max_value())
                )));
            }
            if !self.fields.fd {
                continue;
            }
            let h = p.round(self.h);
            if h == 0.0 || !h.is_finite() {
                return Err(Error::input(format!(
                    "h = {} rounds to {} in {p}; choose a step between {} and {}",
                    num(self.h),
                    num(h),
                    num(p.min_positive()),
                    num(p.max_value())
                )));
            }
            let reach = match self.scheme {
                Scheme::FivePoint => 2.0 * h,
                _ => h,
            };
            let x = p.round(far);
            if !p.add(x, reach).is_finite() {
                return Err(Error::input(format!(
                    "{name} + {}h overflows {p} at {name} = {}; choose a smaller h or range",
                    if reach > h { "2" } else { "" },
                    num(x)
                )));
            }
            if p.add(x, h) == x {
                return Err(Error::input(format!(
                    "h = {} is below half the spacing of {p} numbers at |{name}| = {} ({name} + h \
                     rounds to {name}, so every difference there would be zero); choose h of at \
                     least {}{}",
                    num(self.h),
                    num(x),
                    num(p.ulp(x)),
                    if p == Precision::F32 {
                        " or use --precision f64"
                    } else {
                        ""
                    }
                )));
            }
        }
        Ok(())
    }

    /// The arrays this request produces, in output order.
    pub fn field_list(&self) -> Vec<Field> {
        self.fields.list(&self.grid)
    }

    /// A derivative printed in the expression language.
    pub fn derivative_text(&self, var: Var) -> String {
        match var {
            Var::X => self.grad_x.to_string(),
            Var::Y => self.grad_y.to_string(),
        }
    }

    /// Stencil offsets `T(o·h)` in this precision, as float64 (what both engines add to a
    /// coordinate), with the weights, and the denominator `T(den·h)`.
    pub fn stencil(&self) -> (Vec<(i32, f64, f64)>, f64) {
        let (terms, den) = self.scheme.stencil();
        let terms = terms
            .iter()
            .map(|&(o, w)| (o, self.precision.round(o as f64 * self.h), w))
            .collect();
        (terms, self.precision.round(den * self.h))
    }
}
