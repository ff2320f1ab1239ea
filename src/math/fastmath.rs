//! Branch-free float64 sine and cosine that the compiler can vectorise over a block.
//!
//! fdlibm's algorithm (as in musl and Rust's `libm`): Cody–Waite reduction by π/2 in three
//! rounds with 33-bit pieces of π/2 (exact products for |n| < 2^20, 151 bits of π/2 in all),
//! then fdlibm's degree-13/14 kernels on [-π/4, π/4], which are below 1 ulp. The rounds that
//! fdlibm takes only when cancellation needs them are always taken here, so there is no
//! branch; the quadrant comes from the low mantissa bits of the rounding constant, so there
//! is no float-to-integer conversion either. Arguments beyond ±1e6 and non-finite ones go
//! to the standard library. Tests compare with `f64::sin`/`f64::cos` (≤ 1 ulp apart).

// fdlibm's constants, as the bit patterns its sources give.

/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const TO_INT: f64 = 1.5 / f64::EPSILON;
const INV_PIO2: f64 = f64::from_bits(0x3FE45F30_6DC9C883);
const PIO2_1: f64 = f64::from_bits(0x3FF921FB_54400000);
const PIO2_2: f64 = f64::from_bits(0x3DD0B461_1A600000);
const PIO2_2T: f64 = f64::from_bits(0x3BA3198A_2E037073);
const PIO2_3: f64 = f64::from_bits(0x3BA3198A_2E000000);
const PIO2_3T: f64 = f64::from_bits(0x397B839A_252049C1);

const S1: f64 = f64::from_bits(0xBFC55555_55555549);
const S2: f64 = f64::from_bits(0x3F811111_1110F8A6);
const S3: f64 = f64::from_bits(0xBF2A01A0_19C161D5);
const S4: f64 = f64::from_bits(0x3EC71DE3_57B1FE7D);
const S5: f64 = f64::from_bits(0xBE5AE5E6_8A2B9CEB);
const S6: f64 = f64::from_bits(0x3DE5D93A_5ACFD57C);

const C1: f64 = f64::from_bits(0x3FA55555_5555554C);
const C2: f64 = f64::from_bits(0xBF56C16C_16C15177);
const C3: f64 = f64::from_bits(0x3EFA01A0_19CB1590);
const C4: f64 = f64::from_bits(0xBE927E4F_809C52AD);
const C5: f64 = f64::from_bits(0x3E21EE9E_BDB4B1C4);
const C6: f64 = f64::from_bits(0xBDA8FAE9_BE8838D4);

/// Arguments up to this size take the fast path (n·PIO2_1 is exact for |n| < 2^20).
pub const FAST_LIMIT: f64 = 1.0e6;

/// Whether a lane needs the standard library: too large, infinite or NaN.
#[inline(always)]
fn slow_lane(x: f64) -> bool {
    !x.is_finite() || x.abs() >= FAST_LIMIT
}

#[inline(always)]
fn k_sin(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    let v = z * x;
    x - ((z * (0.5 * y - v * r) - y) - v * S1)
}

#[inline(always)]
fn k_cos(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (z * r - x * y))
}

/// Reduces x to y0 + y1 in [-π/4, π/4] and returns the quadrant (0..3) with them.
#[inline(always)]
fn reduce(x: f64) -> (u64, f64, f64) {
    let t = x * INV_PIO2 + TO_INT;
    let quadrant = t.to_bits() & 3;
    let n = t - TO_INT;
    let r = x - n * PIO2_1;
    let w = n * PIO2_2;
    let r2 = r - w;
    let w = n * PIO2_2T - ((r - r2) - w);
    let _ = w; // the second round's tail is replaced by the third round's, as in fdlibm
    let w3 = n * PIO2_3;
    let r3 = r2 - w3;
    let w = n * PIO2_3T - ((r2 - r3) - w3);
    let y0 = r3 - w;
    let y1 = (r3 - y0) - w;
    (quadrant, y0, y1)
}

#[inline(always)]
fn sin_fast(x: f64) -> f64 {
    let (q, y0, y1) = reduce(x);
    let s = k_sin(y0, y1);
    let c = k_cos(y0, y1);
    let v = if q & 1 == 0 { s } else { c };
    if q & 2 == 0 { v } else { -v }
}

#[inline(always)]
fn sincos_fast(x: f64) -> (f64, f64) {
    let (q, y0, y1) = reduce(x);
    let s = k_sin(y0, y1);
    let c = k_cos(y0, y1);
    let (sv, cv) = if q & 1 == 0 { (s, c) } else { (c, s) };
    let sv = if q & 2 == 0 { sv } else { -sv };
    let cv = if (q + 1) & 2 == 0 { cv } else { -cv };
    (sv, cv)
}

#[inline(always)]
fn cos_fast(x: f64) -> f64 {
    let (q, y0, y1) = reduce(x);
    let s = k_sin(y0, y1);
    let c = k_cos(y0, y1);
    let v = if q & 1 == 0 { c } else { s };
    if (q + 1) & 2 == 0 { v } else { -v }
}

/// sin(x), within 1 ulp.
///
/// ```
/// assert_eq!(gradfield::math::fastmath::sin(0.0), 0.0);
/// assert!((gradfield::math::fastmath::sin(1.0) - 1f64.sin()).abs() <= f64::EPSILON);
/// ```
#[inline]
pub fn sin(x: f64) -> f64 {
    if x.abs() < FAST_LIMIT {
        sin_fast(x)
    } else {
        x.sin()
    }
}

/// cos(x), within 1 ulp.
#[inline]
pub fn cos(x: f64) -> f64 {
    if x.abs() < FAST_LIMIT {
        cos_fast(x)
    } else {
        x.cos()
    }
}

/// A value type of the block functions: `f64`, or `f32` widened to `f64` for the kernel and
/// rounded back (within an ulp of float32, and the same bits as `sin(x as f64) as f32`).
///
/// ```
/// use gradfield::math::fastmath::sin_block;
/// let (x, mut s) = ([0.5f32, -2.0], [0.0f32; 2]);
/// sin_block(&x, &mut s);
/// assert_eq!(s[0], 0.5f64.sin() as f32);
/// ```
pub trait Lane: Copy {
    /// The value as float64 (exact).
    fn wide(self) -> f64;
    /// A float64 result rounded to this type.
    fn narrow(v: f64) -> Self;
}

impl Lane for f64 {
    #[inline(always)]
    fn wide(self) -> f64 {
        self
    }
    #[inline(always)]
    fn narrow(v: f64) -> f64 {
        v
    }
}

impl Lane for f32 {
    #[inline(always)]
    fn wide(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn narrow(v: f64) -> f32 {
        v as f32
    }
}

/// Runs a lane loop compiled three times (AVX-512 or AVX2 when the CPU has them: 8 or 4
/// lanes instead of SSE2's 2; no FMA contraction, so the same arithmetic and the same bits on
/// every path); the loop returns whether some lane is out of the fast range.
macro_rules! dispatch {
    ($lanes:ident::<$t:ty>($($arg:expr),*)) => {{
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { avx512::$lanes::<$t>($($arg),*) }
            } else if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                unsafe { avx2::$lanes::<$t>($($arg),*) }
            } else {
                $lanes::<$t>($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        $lanes::<$t>($($arg),*)
    }};
}

/// Lanes per chunk of [`one_lanes`].
const CHUNK: usize = 256;

/// sin (`COS` false) or cos of every lane, widening and rounding in the same vectorised pass,
/// and whether some lane is out of range (a separate scan, compiled for the baseline, cost a
/// tenth of a checked sin run; so did separate widening and rounding loops for float32).
///
/// Chunk by chunk, in loops the compiler vectorises: the reduction of every lane, then only
/// the kernel the chunk's quadrants need (k_sin where every quadrant is even for sin, k_cos
/// where every one is odd) — neighbouring grid points share their quadrant, so nearly every
/// chunk evaluates one polynomial instead of two — or, in a mixed chunk, both and a select per
/// lane. The same bits as [`sin_fast`] and [`cos_fast`] (the same kernel, picked by a branch
/// instead of a select).
#[inline(always)]
fn one_lanes<T: Lane, const COS: bool>(a: &[T], out: &mut [T]) -> bool {
    let mut slow = false;
    let (mut q, mut y0, mut y1) = ([0u64; CHUNK], [0.0f64; CHUNK], [0.0f64; CHUNK]);
    for (a, out) in a.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let n = a.len();
        let (q, y0, y1) = (&mut q[..n], &mut y0[..n], &mut y1[..n]);
        for i in 0..n {
            let x = a[i].wide();
            (q[i], y0[i], y1[i]) = reduce(x);
            // A non-short-circuiting OR, so the loop vectorises.
            slow |= slow_lane(x);
        }
        let any_odd = q.iter().fold(0, |m, &v| m | v) & 1 == 1;
        let all_odd = q.iter().fold(1, |m, &v| m & v) & 1 == 1;
        // sin takes k_sin in even quadrants, cos takes it in odd ones.
        let (all_sin, all_cos) = if COS {
            (all_odd, !any_odd)
        } else {
            (!any_odd, all_odd)
        };
        let sign = |i: usize, v: f64| {
            let flip = if COS {
                (q[i] + 1) & 2 != 0
            } else {
                q[i] & 2 != 0
            };
            T::narrow(if flip { -v } else { v })
        };
        if all_sin {
            for i in 0..n {
                out[i] = sign(i, k_sin(y0[i], y1[i]));
            }
        } else if all_cos {
            for i in 0..n {
                out[i] = sign(i, k_cos(y0[i], y1[i]));
            }
        } else {
            for i in 0..n {
                let (s, k) = (k_sin(y0[i], y1[i]), k_cos(y0[i], y1[i]));
                out[i] = sign(i, if (q[i] & 1 == 1) == COS { s } else { k });
            }
        }
    }
    slow
}

/// [`one_lanes`] for sin.
#[inline(always)]
fn sin_lanes<T: Lane>(a: &[T], out: &mut [T]) -> bool {
    one_lanes::<T, false>(a, out)
}

/// [`one_lanes`] for cos.
#[inline(always)]
fn cos_lanes<T: Lane>(a: &[T], out: &mut [T]) -> bool {
    one_lanes::<T, true>(a, out)
}

/// sin and cos of every lane (both kernels are needed anyway), as [`one_lanes`] does one.
#[inline(always)]
fn sincos_lanes<T: Lane>(a: &[T], s: &mut [T], c: &mut [T]) -> bool {
    let mut slow = false;
    for ((so, co), &x) in s.iter_mut().zip(c.iter_mut()).zip(a) {
        let (sv, cv) = sincos_fast(x.wide());
        *so = T::narrow(sv);
        *co = T::narrow(cv);
        slow |= slow_lane(x.wide());
    }
    slow
}

/// The lane loops compiled for one instruction set.
macro_rules! compiled_for {
    ($module:ident, $feature:literal) => {
        #[cfg(target_arch = "x86_64")]
        mod $module {
            use super::Lane;
            #[target_feature(enable = $feature)]
            pub(super) unsafe fn sin_lanes<T: Lane>(a: &[T], out: &mut [T]) -> bool {
                super::sin_lanes(a, out)
            }
            #[target_feature(enable = $feature)]
            pub(super) unsafe fn cos_lanes<T: Lane>(a: &[T], out: &mut [T]) -> bool {
                super::cos_lanes(a, out)
            }
            #[target_feature(enable = $feature)]
            pub(super) unsafe fn sincos_lanes<T: Lane>(a: &[T], s: &mut [T], c: &mut [T]) -> bool {
                super::sincos_lanes(a, s, c)
            }
        }
    };
}

compiled_for!(avx2, "avx2");
compiled_for!(avx512, "avx512f");

/// sin over a block (float64, or float32 through float64: see [`Lane`]).
///
/// ```
/// use gradfield::math::fastmath::{sin, sin_block};
/// let x = [0.0, 1.0, 3e6];
/// let mut s = [0.0; 3];
/// sin_block(&x, &mut s);
/// assert_eq!(s, [sin(0.0), sin(1.0), sin(3e6)]);
/// ```
pub fn sin_block<T: Lane>(a: &[T], out: &mut [T]) {
    if dispatch!(sin_lanes::<T>(a, out)) {
        for (o, &x) in out.iter_mut().zip(a) {
            if slow_lane(x.wide()) {
                *o = T::narrow(x.wide().sin());
            }
        }
    }
}

/// cos over a block (as [`sin_block`]).
pub fn cos_block<T: Lane>(a: &[T], out: &mut [T]) {
    if dispatch!(cos_lanes::<T>(a, out)) {
        for (o, &x) in out.iter_mut().zip(a) {
            if slow_lane(x.wide()) {
                *o = T::narrow(x.wide().cos());
            }
        }
    }
}

/// sin and cos of the same block at the price of one: the kernels compute both anyway.
/// The same bits as [`sin_block`] and [`cos_block`].
pub fn sincos_block<T: Lane>(a: &[T], sin_out: &mut [T], cos_out: &mut [T]) {
    if dispatch!(sincos_lanes::<T>(a, sin_out, cos_out)) {
        for ((so, co), &x) in sin_out.iter_mut().zip(cos_out.iter_mut()).zip(a) {
            if slow_lane(x.wide()) {
                *so = T::narrow(x.wide().sin());
                *co = T::narrow(x.wide().cos());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        let (x, y) = (a.to_bits() as i64, b.to_bits() as i64);
        (x - y).unsigned_abs()
    }

    #[test]
    fn within_one_ulp_of_std_over_a_million_points() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut xs: Vec<f64> = (0..1_000_000)
            .map(|i| {
                let u = next() * 2.0 - 1.0;
                match i % 4 {
                    0 => u * std::f64::consts::PI,
                    1 => u * 100.0,
                    2 => u * 1e5,
                    _ => u * 1e-3,
                }
            })
            .collect();
        // Hard cases: near multiples of π/2, where cancellation needs the extra rounds.
        for k in 1..2000 {
            let m = k as f64 * std::f64::consts::FRAC_PI_2;
            xs.extend([m, f64::from_bits(m.to_bits() + 1), -m]);
        }
        xs.extend([
            0.0,
            -0.0,
            1e-300,
            5e-324,
            0.5e6,
            2e6,
            1e300,
            f64::NAN,
            f64::INFINITY,
        ]);
        let mut s = vec![0.0; xs.len()];
        let mut c = vec![0.0; xs.len()];
        sin_block(&xs, &mut s);
        cos_block(&xs, &mut c);
        let mut s2 = vec![0.0; xs.len()];
        let mut c2 = vec![0.0; xs.len()];
        sincos_block(&xs, &mut s2, &mut c2);
        for i in 0..xs.len() {
            assert_eq!(s[i].to_bits(), s2[i].to_bits());
            assert_eq!(c[i].to_bits(), c2[i].to_bits());
        }
        let mut worst = (0, 0);
        for (i, &x) in xs.iter().enumerate() {
            if x.is_nan() || x.is_infinite() {
                assert!(s[i].is_nan() && c[i].is_nan());
                continue;
            }
            worst.0 = worst.0.max(ulps(s[i], x.sin()));
            worst.1 = worst.1.max(ulps(c[i], x.cos()));
            assert_eq!(
                s[i].to_bits(),
                sin(x).to_bits(),
                "scalar and block agree at {x}"
            );
        }
        assert!(worst.0 <= 1 && worst.1 <= 1, "worst ulps {worst:?}");
    }

    #[test]
    fn float32_blocks_round_the_float64_kernels() {
        // The float32 blocks widen, call the kernels and round in one pass: the same bits as
        // the scalar float64 functions rounded, in range, beyond it and at non-finite lanes
        // (which take the standard library), whichever lane they fall in.
        let mut xs: Vec<f32> = (0..4099)
            .map(|i| (i as f32 - 2049.0) * 0.00153 * (1.0 + (i % 7) as f32))
            .collect();
        xs.extend([
            0.0,
            -0.0,
            1e-40,
            2e6,
            -3e7,
            1e30,
            f32::NAN,
            f32::INFINITY,
            1.5707964,
        ]);
        let (mut s, mut c, mut s2, mut c2) = (
            vec![0f32; xs.len()],
            vec![0f32; xs.len()],
            vec![0f32; xs.len()],
            vec![0f32; xs.len()],
        );
        sin_block(&xs, &mut s);
        cos_block(&xs, &mut c);
        sincos_block(&xs, &mut s2, &mut c2);
        for (i, &x) in xs.iter().enumerate() {
            let (ws, wc) = (sin(x as f64) as f32, cos(x as f64) as f32);
            for (got, want) in [(s[i], ws), (s2[i], ws), (c[i], wc), (c2[i], wc)] {
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "at {x}: {got} against {want}"
                );
            }
        }
    }

    #[test]
    fn one_kernel_chunks_give_the_select_paths_bits() {
        // sin_block and cos_block evaluate one kernel where a chunk's quarter turns agree and
        // both where they do not: every kind of chunk (all even, all odd, mixed, a tail, the
        // signs) must give the scalar path's bits, which always evaluates both and selects.
        let mut xs: Vec<f64> = (0..200_003).map(|i| -40.0 + i as f64 * 4e-4).collect();
        for k in -6..6 {
            let m = k as f64 * std::f64::consts::FRAC_PI_2;
            xs.extend((0..8).map(|l| m + 0.3 + l as f64 * 1e-3)); // one quarter turn
            xs.extend((0..8).map(|l| m - 0.004 + l as f64 * 1e-3)); // straddling m
        }
        xs.extend([1e7, -2.5, f64::NAN, 3.0]);
        let (mut s, mut c) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
        for start in [0, 3] {
            let a = &xs[start..];
            sin_block(a, &mut s[..a.len()]);
            cos_block(a, &mut c[..a.len()]);
            for (i, &x) in a.iter().enumerate() {
                let same = |got: f64, want: f64| {
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
                };
                assert!(same(s[i], sin(x)), "sin {x}: {} against {}", s[i], sin(x));
                assert!(same(c[i], cos(x)), "cos {x}: {} against {}", c[i], cos(x));
            }
        }
    }
}
