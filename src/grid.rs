//! Grids, coordinates, finite-difference schemes, precisions and the set of fields asked for.
//!
//! Coordinates are computed the same way, bit for bit, by the host and by the shader
//! (`shaders/grid.wgsl`, `axis_coord`): the axis is cut into segments of
//! [`SEGMENT_POINTS`] points; segment `s` starts at `base[s] = T(a + s·S·step)` (computed in
//! float64, rounded once), and point `l` of it is `base[s] + T(l)·T(step)` with the product
//! rounded before the sum. The last point is exactly `b`. Every coordinate is then within
//! two ulps of the ideal linspace value (the base's rounding, the sum's) plus a drift below 2^-12 of a grid step (l·(T(step) −
//! step) with l < 4096), and `T(l)` is exact.

use std::fmt;

use crate::error::{Error, Result, num};
use crate::expr::Var;

/// Points per coordinate segment (see the module docs): small enough that the drift
/// `l·(T(step) − step)` stays below 2^-12 of a step; large enough that the table of segment
/// bases the shader reads is small (64 Ki entries for 2^28 points).
pub const SEGMENT_POINTS: usize = 1 << 12;

/// The largest number of points in one grid: indices are 32-bit on the GPU.
pub const MAX_POINTS: u64 = u32::MAX as u64;

/// Floating-point precision of an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// IEEE binary32.
    F32,
    /// IEEE binary64.
    F64,
}

impl Precision {
    /// `"f32"` or `"f64"`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }

    /// Machine epsilon (the gap between 1 and the next number).
    ///
    /// ```
    /// assert_eq!(gradfield::grid::Precision::F32.epsilon(), f32::EPSILON as f64);
    /// ```
    pub fn epsilon(self) -> f64 {
        match self {
            Precision::F32 => f32::EPSILON as f64,
            Precision::F64 => f64::EPSILON,
        }
    }

    /// The largest finite value.
    pub fn max_value(self) -> f64 {
        match self {
            Precision::F32 => f32::MAX as f64,
            Precision::F64 => f64::MAX,
        }
    }

    /// The smallest positive value (subnormal).
    pub fn min_positive(self) -> f64 {
        match self {
            Precision::F32 => f32::from_bits(1) as f64,
            Precision::F64 => f64::from_bits(1),
        }
    }

    /// The gap from |x| (finite, in this precision) to the next larger number.
    ///
    /// ```
    /// use gradfield::grid::Precision;
    /// assert_eq!(Precision::F32.ulp(1.0), f32::EPSILON as f64);
    /// assert_eq!(Precision::F64.ulp(-1.0), f64::EPSILON);
    /// ```
    pub fn ulp(self, x: f64) -> f64 {
        match self {
            Precision::F32 => {
                let a = (x as f32).abs();
                (f32::from_bits(a.to_bits() + 1) - a) as f64
            }
            Precision::F64 => {
                let a = x.abs();
                f64::from_bits(a.to_bits() + 1) - a
            }
        }
    }

    /// Bytes per value.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }

    /// Rounds a float64 to this precision (and back to f64).
    pub fn round(self, v: f64) -> f64 {
        match self {
            Precision::F32 => v as f32 as f64,
            Precision::F64 => v,
        }
    }

    /// a + b as this precision's arithmetic computes it (both already in this precision).
    ///
    /// ```
    /// use gradfield::grid::Precision;
    /// assert_eq!(Precision::F32.add(1.0, 1e-9), 1.0);
    /// assert_eq!(Precision::F64.add(1.0, 1e-9), 1.0 + 1e-9);
    /// ```
    pub fn add(self, a: f64, b: f64) -> f64 {
        match self {
            Precision::F32 => (a as f32 + b as f32) as f64,
            Precision::F64 => a + b,
        }
    }

    /// The values rounded to this precision, as little-endian bytes (what a buffer of this
    /// precision holds).
    ///
    /// ```
    /// use gradfield::grid::Precision;
    /// assert_eq!(Precision::F32.encode(&[1.0]), 1f32.to_le_bytes());
    /// assert_eq!(Precision::F64.decode(&Precision::F64.encode(&[0.1, 2.5])), [0.1, 2.5]);
    /// ```
    pub fn encode(self, values: &[f64]) -> Vec<u8> {
        match self {
            Precision::F32 => values
                .iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect(),
            Precision::F64 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    /// Little-endian bytes of this precision, widened to float64 (exactly).
    pub fn decode(self, bytes: &[u8]) -> Vec<f64> {
        match self {
            Precision::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64)
                .collect(),
            Precision::F64 => bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
                .collect(),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Precision> {
        match s {
            "f32" | "float32" => Ok(Precision::F32),
            "f64" | "float64" => Ok(Precision::F64),
            _ => Err(Error::input(format!(
                "unknown precision `{s}`; use f32 or f64"
            ))),
        }
    }
}

/// Which f32 math library the GPU uses for transcendental functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MathMode {
    /// Our own range reduction and polynomials (`shaders/math_f32.wgsl`): ≤ 2 ulp.
    Accurate,
    /// The WGSL builtins: fast, with only the accuracy the WGSL/Vulkan specs promise
    /// (sin and cos: absolute error 2^-11 on [-π, π], nothing outside).
    Native,
}

impl MathMode {
    /// `"accurate"` or `"native"`.
    pub fn name(self) -> &'static str {
        match self {
            MathMode::Accurate => "accurate",
            MathMode::Native => "native",
        }
    }
}

impl fmt::Display for MathMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for MathMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<MathMode> {
        match s {
            "accurate" => Ok(MathMode::Accurate),
            "native" => Ok(MathMode::Native),
            _ => Err(Error::input(format!(
                "unknown math mode `{s}`; use accurate or native"
            ))),
        }
    }
}

/// A finite-difference scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// (f(x+h) − f(x)) / h, first order.
    Forward,
    /// (f(x) − f(x−h)) / h, first order.
    Backward,
    /// (f(x+h) − f(x−h)) / 2h, second order.
    Central,
    /// (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, fourth order.
    FivePoint,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 4] = [
        Scheme::Forward,
        Scheme::Backward,
        Scheme::Central,
        Scheme::FivePoint,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Forward => "forward",
            Scheme::Backward => "backward",
            Scheme::Central => "central",
            Scheme::FivePoint => "five-point",
        }
    }

    /// The stencil: (offset in multiples of h, weight), in the order they are summed, and
    /// the denominator as a multiple of h. Host and shader sum in this order.
    ///
    /// ```
    /// use gradfield::grid::Scheme;
    /// let (terms, den) = Scheme::Central.stencil();
    /// assert_eq!(terms, &[(1, 1.0), (-1, -1.0)]);
    /// assert_eq!(den, 2.0);
    /// ```
    pub fn stencil(self) -> (&'static [(i32, f64)], f64) {
        match self {
            Scheme::Forward => (&[(1, 1.0), (0, -1.0)], 1.0),
            Scheme::Backward => (&[(0, 1.0), (-1, -1.0)], 1.0),
            Scheme::Central => (&[(1, 1.0), (-1, -1.0)], 2.0),
            Scheme::FivePoint => (&[(2, -1.0), (1, 8.0), (-1, -8.0), (-2, 1.0)], 12.0),
        }
    }

    /// Order p of the truncation error C·h^p.
    pub fn order(self) -> i32 {
        match self {
            Scheme::Forward | Scheme::Backward => 1,
            Scheme::Central => 2,
            Scheme::FivePoint => 4,
        }
    }

    /// Truncation constant: error ≈ `truncation_constant() · |f^(p+1)| · h^p`.
    pub fn truncation_constant(self) -> f64 {
        match self {
            Scheme::Forward | Scheme::Backward => 0.5,
            Scheme::Central => 1.0 / 6.0,
            Scheme::FivePoint => 1.0 / 30.0,
        }
    }

    /// Round-off constant: error ≈ `roundoff_constant() · ε · |f| / h`, the sum of |weights|
    /// over the denominator (each f value carries about ε|f| error).
    pub fn roundoff_constant(self) -> f64 {
        let (terms, den) = self.stencil();
        terms.iter().map(|t| t.1.abs()).sum::<f64>() / den
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Scheme {
    type Err = Error;
    fn from_str(s: &str) -> Result<Scheme> {
        match s {
            "forward" => Ok(Scheme::Forward),
            "backward" => Ok(Scheme::Backward),
            "central" => Ok(Scheme::Central),
            "five-point" | "five_point" | "fivepoint" => Ok(Scheme::FivePoint),
            _ => Err(Error::input(format!(
                "unknown scheme `{s}`; use forward, backward, central or five-point"
            ))),
        }
    }
}

/// One inclusive linspace axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axis {
    /// First coordinate of the full axis.
    pub min: f64,
    /// Last coordinate of the full axis.
    pub max: f64,
    /// Number of points of this axis (≥ 1; ≥ 2 unless it is a window).
    pub n: usize,
    /// Index, in the full axis, of this axis's first point: 0 unless this is a window of a
    /// larger axis ([`Axis::window`]), whose points are then bit for bit the same as those of
    /// the full axis.
    pub offset: usize,
    /// Points of the full axis (`n` unless this is a window).
    pub full_n: usize,
}

impl Axis {
    /// An x axis of `n` points from `min` to `max` (checked; see [`Axis::new`]).
    pub fn x(min: f64, max: f64, n: usize) -> Result<Axis> {
        Axis::new(Var::X, min, max, n)
    }

    /// A y axis of `n` points from `min` to `max` (checked; see [`Axis::new`]).
    pub fn y(min: f64, max: f64, n: usize) -> Result<Axis> {
        Axis::new(Var::Y, min, max, n)
    }

    /// Checks and builds the axis of `var` (named in the error message): finite, increasing,
    /// at least two points, and a step that is a normal number.
    ///
    /// ```
    /// use gradfield::grid::Axis;
    /// assert!(Axis::x(-1.0, 1.0, 5).is_ok());
    /// assert!(Axis::x(1.0, -1.0, 5).is_err());
    /// assert!(Axis::x(-1.0, 1.0, 1).is_err());
    /// ```
    pub fn new(var: Var, min: f64, max: f64, n: usize) -> Result<Axis> {
        let name = var.name();
        let range = format!("{}:{}", num(min), num(max));
        if !min.is_finite() || !max.is_finite() {
            return Err(Error::input(format!(
                "the {name} range {range} is not finite"
            )));
        }
        if min >= max {
            return Err(Error::input(format!(
                "the {name} range {range} is {}; give it as A:B with A < B",
                if min == max { "empty" } else { "reversed" }
            )));
        }
        if n < 2 {
            return Err(Error::input(format!(
                "{name} needs at least 2 points (got {n})"
            )));
        }
        if n as u64 > MAX_POINTS {
            return Err(Error::input(format!(
                "{name} has {n} points; the limit is {MAX_POINTS} (32-bit indices on the GPU)"
            )));
        }
        if !((max - min) / (n - 1) as f64).is_normal() || !(max - min).is_finite() {
            return Err(Error::input(format!(
                "the {name} range {range} is too narrow or too wide for {n} points"
            )));
        }
        Ok(Axis {
            min,
            max,
            n,
            offset: 0,
            full_n: n,
        })
    }

    /// Parses `A:B` into (A, B).
    ///
    /// ```
    /// use gradfield::{expr::Var, grid::Axis};
    /// assert_eq!(Axis::parse_range(Var::X, "-3:3.5").unwrap(), (-3.0, 3.5));
    /// assert_eq!(Axis::parse_range(Var::X, "-pi:pi").unwrap().1, std::f64::consts::PI);
    /// assert!(Axis::parse_range(Var::X, "3").is_err());
    /// ```
    pub fn parse_range(var: Var, s: &str) -> Result<(f64, f64)> {
        let name = var.name();
        let bad = || {
            Error::input(format!(
                "the {name} range `{s}` is not of the form A:B (for example -3:3 or -3.14159:3.14159)"
            ))
        };
        let (a, b) = s.split_once(':').ok_or_else(bad)?;
        let num = |t: &str| -> Result<f64> {
            let t = t.trim();
            match t {
                "pi" => Ok(std::f64::consts::PI),
                "-pi" => Ok(-std::f64::consts::PI),
                _ => t.parse::<f64>().map_err(|_| bad()),
            }
        };
        Ok((num(a)?, num(b)?))
    }

    /// Spacing between neighbouring points, in float64.
    pub fn step(&self) -> f64 {
        (self.max - self.min) / (self.full_n - 1) as f64
    }

    /// Points `first .. first + n` of this axis as an axis of their own, whose coordinates
    /// are bit for bit those of the same points here (a block of a larger grid, for a
    /// distributed run).
    ///
    /// ```
    /// use gradfield::grid::{Axis, Precision};
    /// let a = Axis::x(-3.0, 3.0, 10_001)?;
    /// let w = a.window(4000, 1000)?;
    /// assert_eq!(w.n, 1000);
    /// for i in 0..1000 {
    ///     assert_eq!(w.coord(i, Precision::F32), a.coord(4000 + i, Precision::F32));
    /// }
    /// assert_eq!(a.window(9000, 1001)?.coord(1000, Precision::F64), 3.0); // the last point
    /// assert!(a.window(9500, 600).is_err());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn window(&self, first: usize, n: usize) -> Result<Axis> {
        if n == 0 || first.checked_add(n).is_none_or(|end| end > self.n) {
            return Err(Error::input(format!(
                "the window {first}..{} is outside the axis's {} points",
                first.saturating_add(n),
                self.n
            )));
        }
        Ok(Axis {
            n,
            offset: self.offset + first,
            ..*self
        })
    }

    /// The index in the full axis of the full axis's last point, relative to this axis
    /// (`None` when this window does not hold it).
    pub fn last_local(&self) -> Option<usize> {
        let last = self.full_n - 1;
        (last >= self.offset && last < self.offset + self.n).then(|| last - self.offset)
    }

    /// Segment bases `T(a + s·S·step)` for every segment of the full axis up to this axis's
    /// last point, as float64 values already rounded to `precision` (these are uploaded to
    /// the GPU, which indexes them by the point's index in the full axis).
    pub fn segment_bases(&self, precision: Precision) -> Vec<f64> {
        let segments = (self.offset + self.n).div_ceil(SEGMENT_POINTS);
        (0..segments)
            .map(|s| precision.round(self.min + (s * SEGMENT_POINTS) as f64 * self.step()))
            .collect()
    }

    /// Coordinate `i` in f32, exactly as the shader computes it.
    pub fn coord_f32(&self, i: usize) -> f32 {
        let i = i + self.offset;
        if i + 1 == self.full_n {
            return self.max as f32;
        }
        let s = i / SEGMENT_POINTS;
        let l = (i % SEGMENT_POINTS) as f32;
        let base = (self.min + (s * SEGMENT_POINTS) as f64 * self.step()) as f32;
        base + l * (self.step() as f32)
    }

    /// Coordinate `i` in f64, exactly as the shader computes it in f64.
    pub fn coord_f64(&self, i: usize) -> f64 {
        let i = i + self.offset;
        if i + 1 == self.full_n {
            return self.max;
        }
        let s = i / SEGMENT_POINTS;
        let l = (i % SEGMENT_POINTS) as f64;
        let base = self.min + (s * SEGMENT_POINTS) as f64 * self.step();
        base + l * self.step()
    }

    /// Coordinate `i` in the given precision, returned as float64.
    pub fn coord(&self, i: usize, precision: Precision) -> f64 {
        match precision {
            Precision::F32 => self.coord_f32(i) as f64,
            Precision::F64 => self.coord_f64(i),
        }
    }

    /// Coordinates `first .. first + out.len()` in the given precision, as float64: the
    /// same values as [`Axis::coord`], with the step and segment base computed once.
    pub fn fill_coords(&self, first: usize, precision: Precision, out: &mut [f64]) {
        let step = self.step();
        let first = first + self.offset;
        let mut k = 0;
        while k < out.len() {
            // One segment at a time; within it, l counts up in floating point (exact below
            // 2^24), which avoids an integer conversion per point.
            let i = first + k;
            let s = i / SEGMENT_POINTS;
            let l0 = i % SEGMENT_POINTS;
            let run = (SEGMENT_POINTS - l0).min(out.len() - k);
            let base = precision.round(self.min + (s * SEGMENT_POINTS) as f64 * step);
            segment_coords(&mut out[k..k + run], precision, base, step, l0);
            k += run;
        }
        if first + out.len() == self.full_n
            && let Some(last) = out.last_mut()
        {
            *last = precision.round(self.max);
        }
    }

    /// Every coordinate in the given precision.
    pub fn coords(&self, precision: Precision) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        self.fill_coords(0, precision, &mut out);
        out
    }
}

/// Coordinates `base + l·step` for l = l0, l0 + 1, … in `precision` (products rounded before
/// the sum, as the shader computes them), into `out`. l is below 2^12, exact in either
/// precision, so each lane computes its own (no loop-carried count, so the loop vectorises).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn segment_coords(out: &mut [f64], precision: Precision, base: f64, step: f64, l0: usize) {
    match precision {
        Precision::F32 => {
            let (base, step) = (base as f32, step as f32);
            for (j, o) in out.iter_mut().enumerate() {
                let l = (l0 + j) as u32 as f32;
                let product = l * step;
                *o = (base + product) as f64;
            }
        }
        Precision::F64 => {
            for (j, o) in out.iter_mut().enumerate() {
                let l = (l0 + j) as u32 as f64;
                let product = l * step;
                *o = base + product;
            }
        }
    }
}

/// A 1-D grid (`y` is `None`) or a 2-D grid, row-major with shape (ny, nx).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    /// The x axis (columns).
    pub x: Axis,
    /// The y axis (rows), for 2-D grids.
    pub y: Option<Axis>,
}

impl Grid {
    /// A 1-D grid.
    pub fn line(x: Axis) -> Grid {
        Grid { x, y: None }
    }

    /// A 2-D grid of ny rows by nx columns; refused when it has more than [`MAX_POINTS`].
    ///
    /// ```
    /// use gradfield::grid::{Axis, Grid};
    /// let g = Grid::plane(Axis::x(0.0, 1.0, 3)?, Axis::y(0.0, 1.0, 2)?)?;
    /// assert_eq!(g.len(), 6);
    /// assert_eq!(g.shape(), vec![2, 3]);
    /// assert_eq!(g.index_of(4), (1, 1)); // (row, column)
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn plane(x: Axis, y: Axis) -> Result<Grid> {
        let g = Grid { x, y: Some(y) };
        if g.len() as u64 > MAX_POINTS {
            return Err(Error::input(format!(
                "a {}×{} grid has {} points; the limit is {MAX_POINTS} (32-bit indices)",
                y.n,
                x.n,
                g.len()
            )));
        }
        Ok(g)
    }

    /// Columns `cols` (and rows `rows`, on a plane) of this grid as a grid of its own, whose
    /// points are bit for bit the same points of this one: a block of a grid computed apart
    /// (a Dask chunk), its arrays the matching block of the whole run's.
    ///
    /// ```
    /// use gradfield::grid::{Axis, Grid, Precision};
    /// let g = Grid::plane(Axis::x(-2.0, 2.0, 2048)?, Axis::y(-1.0, 3.0, 2048)?)?;
    /// let b = g.window(512..1024, Some(1536..2048))?;
    /// assert_eq!(b.shape(), vec![512, 512]);
    /// let (x, y) = (g.x.coord(512, Precision::F32), g.y.unwrap().coord(1536, Precision::F32));
    /// assert_eq!(b.point(0, Precision::F32), vec![x, y]);
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn window(
        &self,
        cols: std::ops::Range<usize>,
        rows: Option<std::ops::Range<usize>>,
    ) -> Result<Grid> {
        let x = self.x.window(cols.start, cols.len())?;
        let y = match (self.y, rows) {
            (Some(y), Some(r)) => Some(y.window(r.start, r.len())?),
            (Some(y), None) => Some(y),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(Error::input("a 1-D grid has no rows to take a window of"));
            }
        };
        Ok(Grid { x, y })
    }

    /// Number of points.
    #[allow(clippy::len_without_is_empty)] // a grid always has at least 2 points
    pub fn len(&self) -> usize {
        self.x.n * self.y.map_or(1, |y| y.n)
    }

    /// Array shape: `[nx]` or `[ny, nx]`.
    pub fn shape(&self) -> Vec<usize> {
        match self.y {
            Some(y) => vec![y.n, self.x.n],
            None => vec![self.x.n],
        }
    }

    /// Whether the grid is 2-D.
    pub fn is_2d(&self) -> bool {
        self.y.is_some()
    }

    /// (row, column) of a linear index.
    pub fn index_of(&self, k: usize) -> (usize, usize) {
        (k / self.x.n, k % self.x.n)
    }

    /// The position of linear index `k` as the JSON `at` array: `[i]` or `[j, i]`.
    pub fn at(&self, k: usize) -> Vec<usize> {
        let (j, i) = self.index_of(k);
        if self.is_2d() { vec![j, i] } else { vec![i] }
    }

    /// The coordinates of linear index `k` in the given precision: `[x]` or `[x, y]`.
    pub fn point(&self, k: usize, precision: Precision) -> Vec<f64> {
        let (j, i) = self.index_of(k);
        match self.y {
            Some(y) => vec![self.x.coord(i, precision), y.coord(j, precision)],
            None => vec![self.x.coord(i, precision)],
        }
    }
}

/// One output array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// f.
    F,
    /// Finite difference along x.
    FdX,
    /// Analytic ∂f/∂x.
    GradX,
    /// Finite difference along y.
    FdY,
    /// Analytic ∂f/∂y.
    GradY,
}

impl Field {
    /// Every field, in output order.
    pub const ALL: [Field; 5] = [Field::F, Field::FdX, Field::GradX, Field::FdY, Field::GradY];

    /// The array's name (`f`, `fd_x`, `grad_x`, `fd_y`, `grad_y`), also its `.npy` file stem.
    pub fn name(self) -> &'static str {
        match self {
            Field::F => "f",
            Field::FdX => "fd_x",
            Field::GradX => "grad_x",
            Field::FdY => "fd_y",
            Field::GradY => "grad_y",
        }
    }

    /// Position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which kinds of field to compute: values, finite differences, analytic gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fields {
    /// f itself.
    pub f: bool,
    /// Finite differences along each axis.
    pub fd: bool,
    /// Analytic partial derivatives.
    pub grad: bool,
}

impl Fields {
    /// All three.
    pub const ALL: Fields = Fields {
        f: true,
        fd: true,
        grad: true,
    };

    /// Parses a comma list of `f`, `fd`, `grad`.
    ///
    /// ```
    /// let f: gradfield::grid::Fields = "f,grad".parse()?;
    /// assert!(f.f && f.grad && !f.fd);
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    pub fn parse_list(s: &str) -> Result<Fields> {
        let mut out = Fields {
            f: false,
            fd: false,
            grad: false,
        };
        for part in s.split(',').map(str::trim) {
            match part {
                "f" => out.f = true,
                "fd" => out.fd = true,
                "grad" => out.grad = true,
                "all" => out = Fields::ALL,
                _ => {
                    return Err(Error::input(format!(
                        "unknown field kind `{part}`; use a comma list of f, fd, grad"
                    )));
                }
            }
        }
        Ok(out)
    }

    /// The arrays these kinds produce on `grid`, in output order.
    pub fn list(&self, grid: &Grid) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| match f {
                Field::F => self.f,
                Field::FdX => self.fd,
                Field::GradX => self.grad,
                Field::FdY => self.fd && grid.is_2d(),
                Field::GradY => self.grad && grid.is_2d(),
            })
            .collect()
    }
}

impl std::str::FromStr for Fields {
    type Err = Error;
    fn from_str(s: &str) -> Result<Fields> {
        Fields::parse_list(s)
    }
}

/// Checks a finite-difference step.
pub fn check_step(h: f64) -> Result<f64> {
    if !h.is_finite() || h <= 0.0 {
        return Err(Error::input(format!(
            "the step h must be a positive finite number (got {})",
            num(h)
        )));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_linspace_to_an_ulp_and_hit_both_ends() {
        let a = Axis::x(-std::f64::consts::PI, std::f64::consts::PI, 3_000_001).unwrap();
        assert_eq!(a.coord_f32(0), -std::f64::consts::PI as f32);
        assert_eq!(a.coord_f32(a.n - 1), std::f64::consts::PI as f32);
        assert_eq!(a.coord_f64(a.n - 1), std::f64::consts::PI);
        for i in (0..a.n).step_by(997) {
            let ideal = a.min + i as f64 * a.step();
            let got = a.coord_f32(i) as f64;
            let ulp = (ideal.abs() as f32).max(f32::MIN_POSITIVE).to_bits();
            let ulp = f32::from_bits(ulp + 1) as f64 - f32::from_bits(ulp) as f64;
            let drift = a.step() / 4096.0;
            assert!(
                (got - ideal).abs() <= 2.0 * ulp + drift,
                "{i}: {got} vs {ideal}"
            );
            let drift64 = a.step() * 4096.0 * f64::EPSILON;
            let ideal_err = f64::EPSILON * (a.min.abs() + (i as f64 * a.step()).abs());
            assert!((a.coord_f64(i) - ideal).abs() <= 2.0 * ideal_err + drift64);
        }
        // The bulk fill gives the same bits, across segment boundaries and at the end.
        for p in [Precision::F32, Precision::F64] {
            let first = 2 * SEGMENT_POINTS - 100;
            let mut v = vec![0.0; 300];
            a.fill_coords(first, p, &mut v);
            for (k, &c) in v.iter().enumerate() {
                assert_eq!(c, a.coord(first + k, p));
            }
            let mut last = vec![0.0; 2];
            a.fill_coords(a.n - 2, p, &mut last);
            assert_eq!(last, vec![a.coord(a.n - 2, p), a.coord(a.n - 1, p)]);
            assert_eq!(
                last[1],
                p.round(a.max),
                "the last point is b in the precision"
            );
        }
    }

    #[test]
    fn bad_axes_are_refused_with_a_reason() {
        let e = Axis::y(2.0, 2.0, 5).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = Axis::x(f64::NAN, 2.0, 5).unwrap_err().to_string();
        assert!(e.contains("not finite"), "{e}");
        assert!(Axis::parse_range(Var::X, "a:b").is_err());
        assert!(check_step(0.0).is_err());
        assert!(check_step(f64::INFINITY).is_err());
        let big = Axis::x(0.0, 1.0, 70_000).unwrap();
        assert!(Grid::plane(big, big).is_err());
    }

    #[test]
    fn stencils_are_consistent() {
        for s in Scheme::ALL {
            let (terms, den) = s.stencil();
            // Weights annihilate constants and give slope 1 on f(x) = x.
            assert_eq!(terms.iter().map(|t| t.1).sum::<f64>(), 0.0);
            assert_eq!(terms.iter().map(|t| t.0 as f64 * t.1).sum::<f64>(), den);
            assert_eq!(s.name().parse::<Scheme>().unwrap(), s);
        }
    }
}
