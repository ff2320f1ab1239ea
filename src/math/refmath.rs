//! The float64 *reference's* sine and cosine: vectorisable, and deliberately a different
//! algorithm from the engine's [`super::fastmath`] so that the check is independent of the
//! code it checks.
//!
//! | | `fastmath` (the CPU engine) | `refmath` (the reference) |
//! |---|---|---|
//! | reduction | by π/2 into quadrants, fdlibm's 33-bit pieces of π/2 | by π/4 into octants (Cephes), four 24-bit pieces of π/4 with TwoSum tails |
//! | kernels | fdlibm's degree-13/14 kernels | Cephes' degree-13/12 polynomials, the tail word added by a first-order correction |
//! | fallback | std beyond ±1e6 | std beyond ±2^20·π/4 |
//!
//! Both are tested against Rust's `f64::sin`/`f64::cos` (glibc's, a third implementation):
//! within 1 ulp here over a million points (`tests` below), so the reference's own error
//! allowance stays [`crate::tolerance::CPU_STD_ULPS`]-sized.

// Cephes' constants are written digit for digit as published (more digits than a double
// holds), so that they can be checked against the source.
#![allow(clippy::excessive_precision)]

/// π/4 in four pieces: the first three have 24 significant bits (so their products with an
/// octant below 2^29 are exact), the fourth is the rest rounded (π/4 − P1 − P2 − P3 − P4 is
/// 3.4e-39). P1 and P2 are Cephes' DP1 and DP2.
const P1: f64 = 7.853_981_256_484_985e-1;
const P2: f64 = 3.774_894_707_930_798e-8;
const P3: f64 = 2.695_151_264_978_882_4e-15;
const P4: f64 = 1.641_001_771_436_750_2e-22;

/// 2/π.
const TWO_OVER_PI: f64 = std::f64::consts::FRAC_2_PI;

/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const TO_INT: f64 = 1.5 / f64::EPSILON;

/// Cephes' sin polynomial on [−π/4, π/4]: sin x ≈ x + x³·P(x²).
const SIN: [f64; 6] = [
    1.589_623_015_765_465_680_60e-10,
    -2.505_074_776_285_780_728_66e-8,
    2.755_731_362_138_572_452_13e-6,
    -1.984_126_982_958_953_859_96e-4,
    8.333_333_333_322_118_588_78e-3,
    -1.666_666_666_666_663_072_95e-1,
];

/// Cephes' cos polynomial on [−π/4, π/4]: cos x ≈ 1 − x²/2 + x⁴·Q(x²).
const COS: [f64; 6] = [
    -1.135_853_652_138_768_173_00e-11,
    2.087_570_084_197_473_167_78e-9,
    -2.755_731_417_929_673_881_12e-7,
    2.480_158_728_885_170_453_48e-5,
    -1.388_888_888_887_305_641_16e-3,
    4.166_666_666_666_659_292_18e-2,
];

/// Arguments below this take the fast path (octants below 2^20, exact reduction products).
pub const FAST_LIMIT: f64 = 823_549.6;

#[inline(always)]
fn poly(c: &[f64; 6], z: f64) -> f64 {
    ((((c[0] * z + c[1]) * z + c[2]) * z + c[3]) * z + c[4]) * z + c[5]
}

/// a + b as a rounded sum and its exact error (Knuth's TwoSum: no ordering needed).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// |x| reduced to z + t (t a tail below z's precision) in about [−π/4, π/4] and the even
/// octant j, as Cephes does: j = 2⌈k/2⌉ for k = ⌊|x|·4/π⌋ (which is twice the nearest
/// integer to |x|·2/π, found by the rounding constant), z = |x| − j·π/4 with the
/// subtractions carried exactly. Returns the octant's quarter turn (j/2 mod 4).
#[inline(always)]
fn reduce(ax: f64) -> (u64, f64, f64) {
    let t = ax * TWO_OVER_PI + TO_INT;
    let quarter = t.to_bits() & 3;
    let j = 2.0 * (t - TO_INT);
    // ax − j·P1 is exact (the product is; Sterbenz for j ≥ 2, trivially for j = 0).
    let r1 = ax - j * P1;
    let (r2, e2) = two_sum(r1, -(j * P2));
    let (r3, e3) = two_sum(r2, -(j * P3));
    (quarter, r3, (e2 + e3) - j * P4)
}

/// sin of z + t (t a tail far below z's ulp) on [−π/4, π/4].
#[inline(always)]
fn k_sin(z: f64, t: f64) -> f64 {
    let zz = z * z;
    // sin(z + t) ≈ sin z + t·cos z, cos z ≈ 1 − z²/2 for the correction's purpose.
    z + (z * zz * poly(&SIN, zz) + t * (1.0 - 0.5 * zz))
}

/// cos of z + t on [−π/4, π/4].
#[inline(always)]
fn k_cos(z: f64, t: f64) -> f64 {
    let zz = z * z;
    // 1 − z²/2 with its rounding error kept, then the rest; cos(z + t) ≈ cos z − t·z.
    let hz = 0.5 * zz;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (zz * zz * poly(&COS, zz) - z * t))
}

/// sin and cos of z + t on [−π/4, π/4].
#[inline(always)]
fn kernels(z: f64, t: f64) -> (f64, f64) {
    (k_sin(z, t), k_cos(z, t))
}

#[inline(always)]
fn sincos_fast(x: f64) -> (f64, f64) {
    let (q, z, t) = reduce(x.abs());
    let (s, c) = kernels(z, t);
    // The quarter turn picks the quadrant: sin x = ±s or ±c, cos x = ±c or ±s.
    let (sv, cv) = if q & 1 == 0 { (s, c) } else { (c, s) };
    let sv = if q & 2 == 0 { sv } else { -sv };
    let cv = if (q + 1) & 2 == 0 { cv } else { -cv };
    (if x.is_sign_negative() { -sv } else { sv }, cv)
}

#[inline(always)]
fn slow_lane(x: f64) -> bool {
    !x.is_finite() || x.abs() >= FAST_LIMIT
}

/// sin(x), within 1 ulp.
///
/// ```
/// use gradfield::math::refmath;
/// assert_eq!(refmath::sin(0.0), 0.0);
/// assert!((refmath::sin(1.0) - 1f64.sin()).abs() <= f64::EPSILON);
/// assert_eq!(refmath::sin(1e300), 1e300f64.sin());
/// ```
#[inline]
pub fn sin(x: f64) -> f64 {
    if slow_lane(x) {
        x.sin()
    } else {
        sincos_fast(x).0
    }
}

/// cos(x), within 1 ulp.
#[inline]
pub fn cos(x: f64) -> f64 {
    if slow_lane(x) {
        x.cos()
    } else {
        sincos_fast(x).1
    }
}

macro_rules! dispatch {
    ($lanes:ident, $($arg:expr),*) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2,fma")]
            unsafe fn avx2(a: &[f64], s: &mut [f64], c: &mut [f64], which: u8) -> bool {
                $lanes(a, s, c, which)
            }
            #[target_feature(enable = "avx512f")]
            unsafe fn avx512(a: &[f64], s: &mut [f64], c: &mut [f64], which: u8) -> bool {
                $lanes(a, s, c, which)
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { avx512($($arg),*) }
            } else if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                unsafe { avx2($($arg),*) }
            } else {
                $lanes($($arg),*)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        $lanes($($arg),*)
    }};
}

/// `which`: 1 sin, 2 cos, 3 both. Returns whether some lane is out of the fast range, found
/// in the same vectorised pass (a separate scan, compiled for the baseline, cost a tenth of a
/// checked sin run).
#[inline(always)]
fn lanes(a: &[f64], s: &mut [f64], c: &mut [f64], which: u8) -> bool {
    match which {
        1 => one_lanes::<false>(a, s),
        2 => one_lanes::<true>(a, c),
        _ => {
            let mut slow = false;
            for ((so, co), &x) in s.iter_mut().zip(c.iter_mut()).zip(a) {
                let (sv, cv) = sincos_fast(x);
                *so = sv;
                *co = cv;
                // A non-short-circuiting OR, so the loop vectorises.
                slow |= slow_lane(x);
            }
            slow
        }
    }
}

/// Lanes per chunk of [`one_lanes`].
const CHUNK: usize = 256;

/// sin (`COS` false) or cos of every lane, and whether some lane is out of range. Chunk by
/// chunk, in loops the compiler vectorises: the reduction of every lane, then only the kernel
/// the chunk's quarter turns need — neighbouring grid points share them, so nearly every
/// chunk evaluates one polynomial instead of two — or, in a chunk that mixes odd and even
/// quarter turns, both and a select per lane. The same bits as [`sincos_fast`].
#[inline(always)]
fn one_lanes<const COS: bool>(a: &[f64], out: &mut [f64]) -> bool {
    let mut slow = false;
    let (mut q, mut z, mut t) = ([0u64; CHUNK], [0.0f64; CHUNK], [0.0f64; CHUNK]);
    for (a, out) in a.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let n = a.len();
        let (q, z, t) = (&mut q[..n], &mut z[..n], &mut t[..n]);
        for i in 0..n {
            (q[i], z[i], t[i]) = reduce(a[i].abs());
            // A non-short-circuiting OR, so the loop vectorises.
            slow |= slow_lane(a[i]);
        }
        let any_odd = q.iter().fold(0, |m, &v| m | v) & 1 == 1;
        let all_odd = q.iter().fold(1, |m, &v| m & v) & 1 == 1;
        // The kernel at each lane: sin's in even quarter turns for sin, in odd ones for cos.
        let sign = |i: usize, v: f64| {
            if COS {
                if (q[i] + 1) & 2 == 0 { v } else { -v }
            } else {
                let v = if q[i] & 2 == 0 { v } else { -v };
                if a[i].is_sign_negative() { -v } else { v }
            }
        };
        let (all_sin, all_cos) = if COS {
            (all_odd, !any_odd)
        } else {
            (!any_odd, all_odd)
        };
        if all_sin {
            for i in 0..n {
                out[i] = sign(i, k_sin(z[i], t[i]));
            }
        } else if all_cos {
            for i in 0..n {
                out[i] = sign(i, k_cos(z[i], t[i]));
            }
        } else {
            for i in 0..n {
                let (s, c) = kernels(z[i], t[i]);
                out[i] = sign(i, if (q[i] & 1 == 1) == COS { s } else { c });
            }
        }
    }
    slow
}

/// The standard library's values at the lanes out of the fast range.
fn fix_slow(a: &[f64], s: &mut [f64], c: &mut [f64], which: u8) {
    for (i, &x) in a.iter().enumerate() {
        if slow_lane(x) {
            if which & 1 != 0 {
                s[i] = x.sin();
            }
            if which & 2 != 0 {
                c[i] = x.cos();
            }
        }
    }
}

/// sin over a block.
pub fn sin_block(a: &[f64], out: &mut [f64]) {
    let mut none: [f64; 0] = [];
    if dispatch!(lanes, a, out, &mut none, 1) {
        fix_slow(a, out, &mut none, 1);
    }
}

/// cos over a block.
pub fn cos_block(a: &[f64], out: &mut [f64]) {
    let mut none: [f64; 0] = [];
    if dispatch!(lanes, a, &mut none, out, 2) {
        fix_slow(a, &mut none, out, 2);
    }
}

/// sin and cos of the same block.
pub fn sincos_block(a: &[f64], sin_out: &mut [f64], cos_out: &mut [f64]) {
    if dispatch!(lanes, a, sin_out, cos_out, 3) {
        fix_slow(a, sin_out, cos_out, 3);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        let spacing = |v: f64| {
            let v = v.abs().max(f64::MIN_POSITIVE);
            f64::from_bits(v.to_bits() + 1) - v
        };
        (a - b).abs() / spacing(b)
    }

    #[test]
    fn within_one_ulp_of_std_over_a_million_points() {
        let n = 1_000_000;
        let mut worst = (0.0f64, 0.0);
        for (lo, hi) in [(-10.0, 10.0), (-1e5, 1e5), (-1e-3, 1e-3), (-9e5, 9e5)] {
            let xs: Vec<f64> = (0..n)
                .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
                .collect();
            let (mut s, mut c) = (vec![0.0; n], vec![0.0; n]);
            sincos_block(&xs, &mut s, &mut c);
            for (i, &x) in xs.iter().enumerate() {
                let e = ulps(s[i], x.sin()).max(ulps(c[i], x.cos()));
                if e > worst.0 {
                    worst = (e, x);
                }
            }
        }
        assert!(worst.0 <= 1.0, "{} ulp at {}", worst.0, worst.1);
    }

    #[test]
    fn blocks_agree_with_single_points_and_the_edges_are_std() {
        let xs = [
            0.0,
            -0.0,
            1e-300,
            3.0,
            -7.5,
            1e6,
            f64::NAN,
            f64::INFINITY,
            -1e300,
        ];
        let mut out = [0.0; 9];
        sin_block(&xs, &mut out);
        for (x, o) in xs.iter().zip(out) {
            assert_eq!(o.to_bits(), sin(*x).to_bits(), "{x}");
        }
        cos_block(&xs, &mut out);
        for (x, o) in xs.iter().zip(out) {
            assert_eq!(o.to_bits(), cos(*x).to_bits(), "{x}");
        }
        assert!(sin(f64::NAN).is_nan() && cos(f64::INFINITY).is_nan());
        assert_eq!(sin(-0.0).to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn independent_of_the_engine_path() {
        // Different algorithms: somewhere in a million points they round differently.
        let differ = (0..1_000_000)
            .map(|i| -50.0 + 1e-4 * i as f64)
            .filter(|&x| sin(x) != crate::math::fastmath::sin(x))
            .count();
        assert!(differ > 100, "only {differ} points differ");
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
