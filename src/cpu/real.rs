//! The scalar types the CPU engine runs in: f32 (the twin of the GPU's f32) and f64 (the
//! reference).

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
    /// A function over a block as the float64 *reference* computes it: Rust's standard
    /// library throughout, independent of the algorithms our GPU libraries share with the
    /// fast path (fdlibm's sin/cos in both `fastmath` and `math_f64.wgsl`).
    fn func_block_reference(f: Func, a: &[Self], b: &[Self], out: &mut [Self]) {
        Self::func_block(f, a, b, out)
    }
    /// sin and cos of the same block (the same values as two [`Real::func_block`] calls).
    fn sincos_block(a: &[Self], sin_out: &mut [Self], cos_out: &mut [Self]) {
        Self::func_block(Func::Sin, a, a, sin_out);
        Self::func_block(Func::Cos, a, a, cos_out);
    }
    /// Whether the value is finite.
    fn is_finite(self) -> bool;
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
    fn is_finite(self) -> bool {
        f32::is_finite(self)
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
            Func::Sin => super::fastmath::sin_block(a, out),
            Func::Cos => super::fastmath::cos_block(a, out),
            _ => {
                for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                    *o = f.eval_f64(x, y);
                }
            }
        }
    }
    fn func_block_reference(f: Func, a: &[f64], b: &[f64], out: &mut [f64]) {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = match f {
                Func::Sin => x.sin(),
                Func::Cos => x.cos(),
                _ => f.eval_f64(x, y),
            };
        }
    }
    fn sincos_block(a: &[f64], sin_out: &mut [f64], cos_out: &mut [f64]) {
        super::fastmath::sincos_block(a, sin_out, cos_out)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}
