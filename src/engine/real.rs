//! The scalar types engines produce: f32 and f64, and [`Values`] of either.

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::expr::Func;
use crate::grid::Precision;

/// f32 or f64, with the operations the block interpreter needs.
pub trait Real:
    Copy
    + Send
    + Sync
    + Default
    + Debug
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + From<u8>
    + bytemuck::Pod
    + 'static
{
    /// The precision of this type.
    const PRECISION: Precision;
    /// Rounds a float64 to this type.
    fn from_f64(v: f64) -> Self;
    /// Widens to float64 (exact).
    fn to_f64(self) -> f64;
    /// A function of the language.
    fn func(f: Func, a: Self, b: Self) -> Self;
    /// A general power.
    fn powf(a: Self, b: Self) -> Self;
    /// A function over a block (`b` is ignored by one-argument functions).
    fn func_block(f: Func, a: &[Self], b: &[Self], out: &mut [Self]) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = Self::func(f, x, y);
        }
    }
    /// A function over a block as the float64 *reference* computes it: sin and cos from
    /// [`crate::math::refmath`] (Cephes' algorithm, not the engine's fdlibm one, which
    /// `fastmath` and `math_f64.wgsl` share), the rest from Rust's standard library.
    fn func_block_reference(f: Func, a: &[Self], b: &[Self], out: &mut [Self]) {
        Self::func_block(f, a, b, out)
    }
    /// sin and cos of the same block (the same values as two [`Real::func_block`] calls).
    fn sincos_block(a: &[Self], sin_out: &mut [Self], cos_out: &mut [Self]) {
        Self::func_block(Func::Sin, a, a, sin_out);
        Self::func_block(Func::Cos, a, a, cos_out);
    }
    /// sin and cos of the same block as the reference computes them (the same values as two
    /// [`Real::func_block_reference`] calls).
    fn sincos_block_reference(a: &[Self], sin_out: &mut [Self], cos_out: &mut [Self]) {
        Self::func_block_reference(Func::Sin, a, a, sin_out);
        Self::func_block_reference(Func::Cos, a, a, cos_out);
    }
    /// Whether the value is finite.
    fn is_finite(self) -> bool;
    /// Owned values of this type as [`Values`].
    fn into_values(values: Vec<Self>) -> Values;
}

/// Owned values of either precision (what a library caller gets back).
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// float32 values.
    F32(Vec<f32>),
    /// float64 values.
    F64(Vec<f64>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The precision of the values.
    pub fn precision(&self) -> Precision {
        match self {
            Values::F32(_) => Precision::F32,
            Values::F64(_) => Precision::F64,
        }
    }

    /// Value `i` widened to float64 (exactly).
    pub fn get(&self, i: usize) -> Option<f64> {
        match self {
            Values::F32(v) => v.get(i).map(|&x| x as f64),
            Values::F64(v) => v.get(i).copied(),
        }
    }

    /// float64 values rounded to `precision`.
    pub fn from_f64(values: Vec<f64>, precision: Precision) -> Values {
        match precision {
            Precision::F32 => Values::F32(values.iter().map(|&v| v as f32).collect()),
            Precision::F64 => Values::F64(values),
        }
    }

    /// Every value widened to float64 (exactly).
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Values::F32(v) => v.iter().map(|&x| x as f64).collect(),
            Values::F64(v) => v.clone(),
        }
    }
}

impl Real for f32 {
    const PRECISION: Precision = Precision::F32;
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn func(f: Func, a: f32, b: f32) -> f32 {
        f.eval_f32(a, b)
    }
    fn powf(a: f32, b: f32) -> f32 {
        a.powf(b)
    }
    fn func_block(f: Func, a: &[f32], b: &[f32], out: &mut [f32]) {
        match f {
            // sin and cos in f64 (the vectorised fastmath) rounded to f32: within an ulp and
            // several times faster than scalar sinf (the same bits as `Func::eval_f32`).
            Func::Sin => crate::math::fastmath::sin_block(a, out),
            Func::Cos => crate::math::fastmath::cos_block(a, out),
            _ => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = f.eval_f32(x, y);
                }
            }
        }
    }
    fn sincos_block(a: &[f32], sin_out: &mut [f32], cos_out: &mut [f32]) {
        crate::math::fastmath::sincos_block(a, sin_out, cos_out)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    fn into_values(values: Vec<f32>) -> Values {
        Values::F32(values)
    }
}

impl Real for f64 {
    const PRECISION: Precision = Precision::F64;
    fn from_f64(v: f64) -> f64 {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn func(f: Func, a: f64, b: f64) -> f64 {
        f.eval_f64(a, b)
    }
    fn powf(a: f64, b: f64) -> f64 {
        a.powf(b)
    }
    fn func_block(f: Func, a: &[f64], b: &[f64], out: &mut [f64]) {
        match f {
            // The hot functions of the article and the benchmarks, vectorised.
            Func::Sin => crate::math::fastmath::sin_block(a, out),
            Func::Cos => crate::math::fastmath::cos_block(a, out),
            _ => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = f.eval_f64(x, y);
                }
            }
        }
    }
    fn func_block_reference(f: Func, a: &[f64], b: &[f64], out: &mut [f64]) {
        match f {
            Func::Sin => crate::math::refmath::sin_block(a, out),
            Func::Cos => crate::math::refmath::cos_block(a, out),
            _ => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = f.eval_f64(x, y);
                }
            }
        }
    }
    fn sincos_block(a: &[f64], sin_out: &mut [f64], cos_out: &mut [f64]) {
        crate::math::fastmath::sincos_block(a, sin_out, cos_out)
    }
    fn sincos_block_reference(a: &[f64], sin_out: &mut [f64], cos_out: &mut [f64]) {
        crate::math::refmath::sincos_block(a, sin_out, cos_out)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    fn into_values(values: Vec<f64>) -> Values {
        Values::F64(values)
    }
}
