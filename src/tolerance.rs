//! Every tolerance in one place, each with the reason for its value.
//!
//! A check does not use one fixed tolerance per field. Beside the float64 reference, the CPU
//! evaluates a first-order *running error bound* of the same instruction list (Wilkinson's
//! running error analysis; Higham, *Accuracy and Stability of Numerical Algorithms*, §3.3):
//! each node's bound is the propagated bound of its operands plus the rounding of the node
//! itself, as this module allows for the engine being checked. A point passes when
//! `|engine − reference| ≤ SAFETY · bound + floor`. Cancellation, large arguments and domain
//! edges thus get the tolerance they need, point by point, while a wrong function (an error
//! hundreds of times its bound) still fails.

use crate::expr::Func;
use crate::grid::{MathMode, Precision};

/// Multiplier on the running error bound. First-order bounds drop products of errors and
/// take |f'| at the computed argument; a factor 4 covers both. A wrong formula, a wrong
/// coordinate or a garbage f64 transcendental is off by orders of magnitude more.
pub const SAFETY: f64 = 4.0;

/// A checked value passes only where its tolerance is at most this many ulps of its scale
/// (|value| for f and gradients; Σ|w·f_k|/|den| for a stencil, whose cancellation is the
/// finite difference's nature, not the formula's). Well-conditioned evaluations need tens
/// of ulps; beyond 2^12 (3.6 of f32's 7.2 digits, 3.6 of f64's 16) the formula has lost more
/// than the precision can spare, and a comparison with a float64 evaluation of the same
/// formula could not tell a right value from a wrong one: such points are reported as
/// ill-conditioned, never as a plain pass.
pub const ILL_CONDITIONED_ULPS: f64 = 4096.0;

/// Worst error of our accurate libraries (`shaders/math_f32.wgsl`, `shaders/math_f64.wgsl`)
/// for `f`, in ulps of the result (spacing of floats at the exact value).
///
/// Each bound covers the largest error measured over 10^6 points of a wide range against
/// Rust's f64 std (`tests/gpu_math.rs`, which fails if a library exceeds its bound). In f32
/// every function is within 2 ulp; in f64 the difference from std (itself within an ulp) is
/// a whole number of ulps, at most 3 except tanh's 4.
///
/// ```
/// use gradfield::expr::Func;
/// use gradfield::grid::Precision;
/// use gradfield::tolerance::accurate_ulps;
/// assert_eq!(accurate_ulps(Func::Sin, Precision::F32), 2.0);
/// assert_eq!(accurate_ulps(Func::Abs, Precision::F64), 0.0);
/// ```
pub fn accurate_ulps(f: Func, precision: Precision) -> f64 {
    use Func::*;
    match (f, precision) {
        (Abs | Min | Max | Relu | Step, _) => 0.0,
        // Measured on lavapipe (f32 accurate, 10^6 points each, whole domains): sin 1.21
        // (to 1e30, Payne-Hanek), cos 1.14, tan 1.39, exp 0.64, log 0.51, sqrt 0.50, tanh
        // 1.31, sinh 1.54, cosh 1.08, atan 0.84, asin 0.69, acos 1.13, atan2 0.86, sigmoid
        // 1.39, softplus 1.39, expm1 1.30, log1p 0.65, hypot 1.96, x^2.5 0.65 (a power
        // carries exp's bound).
        (_, Precision::F32) => 2.0,
        // Measured (f64, against std): sqrt 0; sin, cos, exp, log, atan, acos, x^2.5 1;
        // cosh, asin, atan2, sigmoid, expm1, log1p, hypot 2; tan, sinh, softplus 3;
        // tanh 4 (3 on ±10).
        (Sqrt, Precision::F64) => 0.5,
        (Tanh, Precision::F64) => 4.5,
        (_, Precision::F64) => 3.5,
    }
}

/// sin, cos and tan of arguments up to this size are reduced by Cody–Waite in our libraries,
/// whose error near the zeros is about ε² relative to |a| (shown as an absolute error);
/// beyond it, by Payne–Hanek (`shaders/math_f32.wgsl`, `shaders/math_f64_large.wgsl`), whose
/// reduced argument is good to [`payne_hanek_abs`] whatever the size.
pub fn cody_waite_limit(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => 1e5,
        Precision::F64 => 1e6,
    }
}

/// The absolute error of a Payne–Hanek reduced argument: 62 bits of fraction times π/2 in
/// double-f32 (48 bits) in f32, 126 bits times a double-f64 π/2 in f64; with a factor 2^3 of
/// margin.
pub fn payne_hanek_abs(precision: Precision) -> f64 {
    match precision {
        Precision::F32 => 2f64.powi(-45),
        Precision::F64 => 2f64.powi(-100),
    }
}

/// Error of the CPU's own functions (Rust's std, glibc; our vectorised f64 sin/cos), in ulps.
pub const CPU_STD_ULPS: f64 = 1.0;

/// WGSL/Vulkan: f32 division may be off by 2.5 ulp (for |b| in [2^-126, 2^126]).
pub const WGSL_DIV_ULPS: f64 = 2.5;

/// Our libraries refine `/` and `sqrt` with one exact-residual step (`gf_div`, `gf_sqrt`):
/// correctly rounded in almost every case; one ulp allowed.
pub const REFINED_ULPS: f64 = 1.0;

/// WGSL/Vulkan: f32 sqrt is inherited from 1/inverseSqrt (2 ulp) and a division.
pub const WGSL_SQRT_ULPS: f64 = 4.5;

/// WGSL/Vulkan: native sin and cos have absolute error ≤ 2^-11 on [-π, π].
pub const NATIVE_SIN_ABS: f64 = 1.0 / 2048.0;

/// Beyond [-π, π] the spec promises nothing for native sin/cos; we allow the error of a
/// single-precision range reduction, |a|·2^-21, so the check still flags a broken builtin.
pub const NATIVE_SIN_REDUCTION: f64 = 1.0 / 2_097_152.0;

/// WGSL/Vulkan: native asin, acos, atan, atan2 may be off by 4096 ulp.
pub const NATIVE_ATAN_ULPS: f64 = 4096.0;

/// WGSL/Vulkan: native log has absolute error ≤ 2^-21 for arguments in [0.5, 2], else 3 ulp.
pub const NATIVE_LOG_ABS: f64 = 1.0 / 2_097_152.0;

/// Which arithmetic and function library produced the values being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// The CPU engine: correctly rounded + − × ÷ √ and std functions.
    CpuStd,
    /// WGSL builtins on a GPU.
    WgslNative,
    /// Our WGSL math libraries (`math_f32.wgsl`, `math_f64.wgsl`).
    WgslAccurate,
}

/// The error allowances of one engine, used by the running error bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorModel {
    /// Precision of the checked values.
    pub precision: Precision,
    /// Function library and arithmetic.
    pub library: Library,
}

impl ErrorModel {
    /// The model for a GPU engine.
    pub fn gpu(precision: Precision, math: MathMode) -> ErrorModel {
        let library = match (precision, math) {
            (Precision::F32, MathMode::Native) => Library::WgslNative,
            _ => Library::WgslAccurate,
        };
        ErrorModel { precision, library }
    }

    /// The model for the CPU engine.
    pub fn cpu(precision: Precision) -> ErrorModel {
        ErrorModel {
            precision,
            library: Library::CpuStd,
        }
    }

    /// Machine epsilon of the checked precision.
    pub fn eps(&self) -> f64 {
        self.precision.epsilon()
    }

    /// A bound on one ulp of `v`: ε·|v| (the gap at v is at most that).
    pub fn ulp(&self, v: f64) -> f64 {
        self.eps() * v.abs()
    }

    /// Rounding of one + − ×: half an ulp. (Also in float64 on the CPU: its engine and the
    /// reference take sin and cos from different algorithms, so every operation after one may
    /// round differently in each; where nothing differs the verdict is `reference` anyway.)
    /// A GPU may also contract `a*b + c` into an fma (SPIR-V allows it), which stays within
    /// this per operation.
    pub fn basic(&self, r: f64) -> f64 {
        0.5 * self.ulp(r)
    }

    /// Rounding of a division.
    pub fn div(&self, r: f64) -> f64 {
        match self.library {
            Library::CpuStd => self.basic(r),
            Library::WgslNative => WGSL_DIV_ULPS * self.ulp(r),
            Library::WgslAccurate => REFINED_ULPS * self.ulp(r),
        }
    }

    /// Rounding of a square root.
    pub fn sqrt(&self, r: f64) -> f64 {
        match self.library {
            Library::CpuStd => self.basic(r),
            Library::WgslNative => WGSL_SQRT_ULPS * self.ulp(r),
            Library::WgslAccurate => REFINED_ULPS * self.ulp(r),
        }
    }

    /// Allowed absolute error of `f(a, b)` evaluated to `r`, beyond what the arguments carry.
    /// abs, min, max, relu and step are exact.
    pub fn func(&self, f: Func, a: f64, b: f64, r: f64) -> f64 {
        if matches!(
            f,
            Func::Abs | Func::Min | Func::Max | Func::Relu | Func::Step
        ) {
            return 0.0;
        }
        if f == Func::Sqrt {
            return self.sqrt(r);
        }
        // WGSL lets an implementation ignore the sign of zero (lavapipe folds 0*x to +0), and
        // atan2(±0, x ≤ 0) = ±π jumps with it: a GPU may land on either side of the cut.
        if f == Func::Atan2 && a == 0.0 && b <= 0.0 && self.library != Library::CpuStd {
            return 2.0 * std::f64::consts::PI;
        }
        let reference = if self.precision == Precision::F64 {
            // The reference's own error counts when the checked values are f64 too.
            CPU_STD_ULPS * self.ulp(r)
        } else {
            0.0
        };
        let own = match self.library {
            Library::CpuStd => match f {
                // Composed from exp/log plus two roundings.
                Func::Sigmoid | Func::Softplus => (CPU_STD_ULPS + 1.0) * self.ulp(r),
                _ => CPU_STD_ULPS * self.ulp(r),
            },
            Library::WgslAccurate => {
                let ulps = accurate_ulps(f, self.precision);
                // Near the zeros of sin/cos/tan the reduced argument's own error shows as an
                // absolute error: ε² relative to |a| within Cody–Waite's range, a constant
                // beyond it (Payne–Hanek).
                let reduction = match f {
                    Func::Sin | Func::Cos | Func::Tan => {
                        let p = self.precision;
                        self.eps() * self.eps() * a.abs().min(cody_waite_limit(p))
                            + payne_hanek_abs(p)
                    }
                    _ => 0.0,
                };
                ulps * self.ulp(r) + reduction
            }
            Library::WgslNative => self.native(f, a, b, r),
        };
        own + reference
    }

    /// [`ErrorModel::func`] as `k_r·|r| + k_a·min(|a|, a_max) + k_0`, returned as
    /// `(k_r, k_a, a_max, k_0)`, where it has that form: every library but the native WGSL
    /// one, and every function but atan2 on a GPU (whose branch cut needs the arguments).
    /// Lets a block of bounds be one vectorisable loop.
    ///
    /// ```
    /// use gradfield::{expr::Func, grid::{MathMode, Precision}, tolerance::ErrorModel};
    /// let m = ErrorModel::gpu(Precision::F32, MathMode::Accurate);
    /// let (k_r, k_a, a_max, k_0) = m.func_linear(Func::Sin).unwrap();
    /// assert_eq!(k_r * 0.5 + k_a * 100f64.min(a_max) + k_0, m.func(Func::Sin, 100.0, 0.0, 0.5));
    /// ```
    pub fn func_linear(&self, f: Func) -> Option<(f64, f64, f64, f64)> {
        let eps = self.eps();
        if matches!(
            f,
            Func::Abs | Func::Min | Func::Max | Func::Relu | Func::Step
        ) {
            return Some((0.0, 0.0, 0.0, 0.0));
        }
        if f == Func::Sqrt {
            return Some((self.sqrt(1.0), 0.0, 0.0, 0.0));
        }
        if f == Func::Atan2 && self.library != Library::CpuStd {
            return None;
        }
        let reference = if self.precision == Precision::F64 {
            CPU_STD_ULPS * eps
        } else {
            0.0
        };
        match self.library {
            Library::CpuStd => {
                let ulps = match f {
                    Func::Sigmoid | Func::Softplus => CPU_STD_ULPS + 1.0,
                    _ => CPU_STD_ULPS,
                };
                Some((ulps * eps + reference, 0.0, 0.0, 0.0))
            }
            Library::WgslAccurate => {
                let p = self.precision;
                let (k_a, a_max, k_0) = match f {
                    Func::Sin | Func::Cos | Func::Tan => {
                        (eps * eps, cody_waite_limit(p), payne_hanek_abs(p))
                    }
                    _ => (0.0, 0.0, 0.0),
                };
                Some((accurate_ulps(f, p) * eps + reference, k_a, a_max, k_0))
            }
            Library::WgslNative => None,
        }
    }

    /// Allowed absolute error of a general power `a^b` evaluated to `r`.
    pub fn pow(&self, a: f64, b: f64, r: f64) -> f64 {
        match self.library {
            // pow(a, b) = exp2(b·log2(a)): the log's error is multiplied by b·ln 2·|r|.
            Library::WgslNative => {
                let t = b * a.abs().log2();
                let log_err = if (0.5..=2.0).contains(&a.abs()) {
                    NATIVE_LOG_ABS
                } else {
                    3.0 * self.eps() * a.abs().log2().abs()
                };
                (3.0 + 2.0 * t.abs()) * self.ulp(r)
                    + b.abs() * log_err * std::f64::consts::LN_2 * r.abs()
            }
            _ => self.func(Func::Exp, a, b, r),
        }
    }

    fn native(&self, f: Func, a: f64, _b: f64, r: f64) -> f64 {
        let eps = self.eps();
        let exp_ulps = |x: f64| 3.0 + 2.0 * x.abs();
        match f {
            Func::Sin | Func::Cos => {
                NATIVE_SIN_ABS + (a.abs() - std::f64::consts::PI).max(0.0) * NATIVE_SIN_REDUCTION
            }
            // tan = sin/cos: both errors, amplified by 1/cos² = 1 + tan².
            Func::Tan => {
                (NATIVE_SIN_ABS + a.abs() * NATIVE_SIN_REDUCTION) * (1.0 + r * r)
                    + WGSL_DIV_ULPS * self.ulp(r)
            }
            Func::Exp => exp_ulps(a) * self.ulp(r),
            Func::Log => {
                if (0.5..=2.0).contains(&a) {
                    NATIVE_LOG_ABS
                } else {
                    3.0 * self.ulp(r)
                }
            }
            Func::Asin | Func::Acos | Func::Atan | Func::Atan2 => NATIVE_ATAN_ULPS * self.ulp(r),
            // Inherited from (e^a ± e^-a)/2: each exponential's error, no relative guarantee
            // near sinh's zero.
            Func::Sinh | Func::Cosh => exp_ulps(a) * eps * a.cosh() + self.ulp(r),
            Func::Tanh => (exp_ulps(a) + WGSL_DIV_ULPS) * eps,
            // Generated from exp: 1/(1 + exp(-a)).
            Func::Sigmoid => (exp_ulps(a) + WGSL_DIV_ULPS + 1.0) * self.ulp(r),
            // Generated from exp and log: max(a, 0) + log(1 + exp(-|a|)).
            Func::Softplus => {
                NATIVE_LOG_ABS + exp_ulps(a) * eps * (-a.abs()).exp() + 2.0 * self.ulp(r)
            }
            // Composed from the builtins (math_native.wgsl): e^a − 1 (a series near 0),
            // log(1 + a) with Goldberg's correction, m·√(1 + (n/m)²).
            Func::Expm1 => exp_ulps(a) * eps * a.exp() + 2.0 * self.ulp(r),
            Func::Log1p => NATIVE_LOG_ABS + 3.0 * self.ulp(r),
            Func::Hypot => (WGSL_SQRT_ULPS + WGSL_DIV_ULPS + 2.0) * self.ulp(r),
            Func::Abs | Func::Min | Func::Max | Func::Relu | Func::Step | Func::Sqrt => 0.0,
        }
    }

    /// The smallest absolute tolerance, so that exact zeros and values below the normal
    /// range compare sensibly.
    pub fn floor(&self) -> f64 {
        match self.precision {
            Precision::F32 => f32::MIN_POSITIVE as f64,
            Precision::F64 => f64::MIN_POSITIVE,
        }
    }

    /// Tolerance for a point whose running error bound is `bound`.
    pub fn tolerance(&self, bound: f64) -> f64 {
        SAFETY * bound + self.floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_sin_allowance_is_the_spec_inside_pi() {
        let m = ErrorModel::gpu(Precision::F32, MathMode::Native);
        assert_eq!(m.func(Func::Sin, 1.0, 0.0, 1f64.sin()), NATIVE_SIN_ABS);
        assert!(m.func(Func::Sin, 100.0, 0.0, 0.5) > NATIVE_SIN_ABS);
    }

    #[test]
    fn the_signed_zero_cut_of_atan2_is_allowed_on_the_gpu_only() {
        let pi = std::f64::consts::PI;
        let gpu = ErrorModel::gpu(Precision::F32, MathMode::Accurate);
        let cpu = ErrorModel::cpu(Precision::F32);
        // atan2(−0, −1) = −π; a GPU that drops the zero's sign gives +π.
        assert!(gpu.func(Func::Atan2, -0.0, -1.0, -pi) >= 2.0 * pi);
        assert!(cpu.func(Func::Atan2, -0.0, -1.0, -pi) < 1e-6);
        // Away from the cut the usual allowance applies.
        assert!(gpu.func(Func::Atan2, 1e-3, -1.0, pi - 1e-3) < 1e-6);
    }

    #[test]
    fn accurate_is_tighter_than_native_and_f64_tighter_than_f32() {
        let acc = ErrorModel::gpu(Precision::F32, MathMode::Accurate);
        let nat = ErrorModel::gpu(Precision::F32, MathMode::Native);
        let f64m = ErrorModel::gpu(Precision::F64, MathMode::Accurate);
        for f in [Func::Sin, Func::Exp, Func::Tanh, Func::Atan] {
            let r = f.eval_f64(0.7, 0.0);
            assert!(acc.func(f, 0.7, 0.0, r) < nat.func(f, 0.7, 0.0, r), "{f:?}");
            assert!(
                f64m.func(f, 0.7, 0.0, r) < acc.func(f, 0.7, 0.0, r) * 1e-8,
                "{f:?}"
            );
        }
        assert_eq!(acc.func(Func::Relu, 1.0, 0.0, 1.0), 0.0);
    }
}
