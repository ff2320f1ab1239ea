// math_f32.wgsl: `--math accurate`, our own f32 functions. The WGSL builtins promise little
// (sin and cos: absolute error 2^-11 on [-π, π] and nothing outside), and a tool that
// measures derivatives must not add its own error to what it measures.
//
// Method: Cody–Waite range reduction whose products are exact by construction (π/2 and ln 2
// cut into pieces of 8 to 12 bits), the reduced argument kept as a double-f32 hi + lo, then
// the minimax polynomials of Cephes' single-precision library (S. L. Moshier). Divisions and
// square roots get one correction from their exact residual, and results that end in a
// quotient or a sum with a constant keep a double-f32 until the last rounding. Measured by
// tests/gpu_math.rs against f64 over ≥ 10^6 points per function: ≤ 2 ulp (1.54 at worst)
// over each function's useful range; sin/cos/tan over all of f32 (Payne–Hanek beyond 1e5).
//
// Two things no GPU compiler promises are avoided: `fma` need not be fused (lavapipe's is
// not), so exact products use Dekker's algorithm; and float arithmetic may be reassociated,
// so every intermediate of an error-free transformation passes through `gf_opaque` (defined
// by shaders/common.wgsl, which src/gpu/codegen.rs fills for the kernel's precision).

const GF_F32_MAX: f32 = 3.4028234663852886e38f;
// π/2 in 8-bit pieces: k·piece is exact for |k| < 2^16, i.e. |x| ≤ 1e5.
const GF_PIO2_0: f32 = 1.5703125f;
const GF_PIO2_1: f32 = 0.000484466552734375f;
const GF_PIO2_2: f32 = -6.407499313354492e-07f;
const GF_PIO2_3: f32 = 9.89530235528946e-10f;
const GF_PIO2_4: f32 = 2.5579538487363607e-12f;
const GF_PIO2_5: f32 = 5.384581669432009e-15f;
const GF_PIO2_6: f32 = 5.719166459861036e-18f;
const GF_PIO2_7: f32 = 2.0249381395298117e-21f;
const GF_PIO2_HI: f32 = 1.5707963705062866f;       // π/2 = HI + LO (for adding constants)
const GF_PIO2_LO: f32 = -4.371138828673793e-08f;
const GF_PI_HI: f32 = 3.1415927410125732f;
const GF_PI_LO: f32 = -8.742277657347586e-08f;
const GF_PIO4_HI: f32 = 0.7853981852531433f;
const GF_PIO4_LO: f32 = -2.1855694143368964e-08f;
const GF_TWO_OVER_PI: f32 = 0.6366197466850281f;
// ln 2 = L1 + L2 + L3 with L1 9 bits and L2 12 bits: e·L1 and e·L2 are exact for |e| ≤ 2^11.
const GF_LN2_L1: f32 = 0.693359375f;
const GF_LN2_L2: f32 = -0.00021219253540039062f;
const GF_LN2_L3: f32 = -1.9046542121259336e-09f;
const GF_LOG2E: f32 = 1.4426950216293335f;

fn gf_inf() -> f32 {
    return bitcast<f32>(0x7f800000u);
}

fn gf_nan() -> f32 {
    return bitcast<f32>(0x7fc00000u);
}

fn gf_finite(x: f32) -> bool {
    return abs(x) <= GF_F32_MAX;
}

// a + b = s + e exactly (Knuth's TwoSum): vec2(s, e).
fn gf_two_sum(x: f32, y: f32) -> vec2<f32> {
    // The arguments are materialised first: an inlined compound argument could otherwise be
    // regrouped differently at each of its uses, and the identity needs one value of each.
    let a = gf_opaque(x);
    let b = gf_opaque(y);
    let s = gf_opaque(a + b);
    let bb = gf_opaque(s - a);
    let av = gf_opaque(s - bb);
    return vec2<f32>(s, gf_opaque(a - av) + gf_opaque(b - bb));
}

// a = hi + lo with 12 significant bits each (Veltkamp).
fn gf_split(a: f32) -> vec2<f32> {
    let c = gf_opaque(4097.0 * a);
    let hi = gf_opaque(c - gf_opaque(c - a));
    return vec2<f32>(hi, a - hi);
}

// a·b = p + e exactly (Dekker), whether or not the hardware fuses fma: vec2(p, e).
fn gf_two_prod(x: f32, y: f32) -> vec2<f32> {
    let a = gf_opaque(x);
    let b = gf_opaque(y);
    let p = gf_opaque(a * b);
    let sa = gf_split(a);
    let sb = gf_split(b);
    // Each partial sum is exact; materialised so that the order stays Dekker's.
    let e1 = gf_opaque(sa.x * sb.x - p);
    let e2 = gf_opaque(e1 + sa.x * sb.y);
    let e3 = gf_opaque(e2 + sa.y * sb.x);
    return vec2<f32>(p, e3 + sa.y * sb.y);
}

// a / b with one correction from the exact residual a − q·b: correctly rounded in almost
// every case (WGSL allows `/` 2.5 ulp).
fn gf_div(a: f32, b: f32) -> f32 {
    let q = a / b;
    let qb = gf_two_prod(q, b);
    let r = gf_opaque(a - qb.x) - qb.y;
    let c = q + r / b;
    return select(q, c, gf_finite(c) && q != 0.0 && gf_finite(b));
}

// (nh + nl)/(dh + dl) as an unnormalised double-f32 vec2(q, ql), q the f32 quotient and ql
// its correction from the exact residual nh − q·dh. |dh| ≤ 2^100 (Dekker's split must not
// overflow); beyond that, and for infinite or zero quotients, ql is 0.
fn gf_div_dd(nh: f32, nl: f32, dh: f32, dl: f32) -> vec2<f32> {
    let q = nh / dh;
    let qd = gf_two_prod(q, dh);
    let r = ((gf_opaque(nh - qd.x) - qd.y) + nl) - q * dl;
    let ql = r / dh;
    return vec2<f32>(q, select(0.0, ql, gf_finite(ql) && abs(dh) <= 1.2676506e30f && q != 0.0));
}

fn gf_sqrt(a: f32) -> f32 {
    let s = sqrt(a);
    let ss = gf_two_prod(s, s);
    let r = gf_opaque(a - ss.x) - ss.y;
    return select(s, s + r * (0.5 / s), s > 0.0 && gf_finite(s));
}

// 2/π in 32-bit words after the binary point (bits 1–32, 33–64, …): 256 bits, enough for
// every finite f32 (the fraction needed lies within bits ex − 24 … ex + 40 of 2/π).
const GF_TWO_OVER_PI_WORDS = array<u32, 8>(0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u,
    0xDB629599u, 0x3C439041u, 0xFE5163ABu, 0xDEBBC561u);

// a·b as 32-bit words vec2(hi, lo), by 16-bit halves (WGSL has no 64-bit product).
fn gf_mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xFFFFu;
    let a1 = a >> 16u;
    let b0 = b & 0xFFFFu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let mid = a0 * b1 + (p00 >> 16u);
    let mid2 = (mid & 0xFFFFu) + a1 * b0;
    return vec2<u32>(a1 * b1 + (mid >> 16u) + (mid2 >> 16u), (mid2 << 16u) | (p00 & 0xFFFFu));
}

// The 32 bits of `n` (9 words, n[0] most significant) from bit p down to p − 31 (bit 0 the
// least significant of n[8]); p ≥ 32.
fn gf_window(n: ptr<function, array<u32, 9>>, p: i32) -> u32 {
    let wi = 8 - (p >> 5u);
    let off = u32(p & 31);
    let high = (*n)[wi];
    let low = (*n)[wi + 1];
    return select((high << (31u - off)) | (low >> (off + 1u)), high, off == 31u);
}

// Payne–Hanek for large finite a > 0: a·2/π mod 4 with 62 bits of fraction, from the 24-bit
// mantissa times 256 bits of 2/π in exact integer arithmetic; a = k·π/2 + hi + lo with k in
// 0..4 and hi + lo in [−π/4, π/4]: vec3(k, hi, lo).
fn gf_reduce_large(a: f32) -> vec3<f32> {
    let bits = bitcast<u32>(a);
    let ex = i32(bits >> 23u) - 127;
    // a = m·2^(ex − 31), m with its top bit set.
    let m = ((bits & 0x7FFFFFu) | 0x800000u) << 8u;
    // n = Σ_k m·W[k]·2^(32·(7 − k)), 288 bits; a·2/π = n·2^(ex − 287).
    var n: array<u32, 9>;
    var carry = 0u;
    for (var j = 8; j >= 0; j = j - 1) {
        var hi = 0u;
        var lo = 0u;
        if j < 8 {
            hi = gf_mul_wide(m, GF_TWO_OVER_PI_WORDS[j]).x;
        }
        if j >= 1 {
            lo = gf_mul_wide(m, GF_TWO_OVER_PI_WORDS[j - 1]).y;
        }
        let s1 = hi + lo;
        let s2 = s1 + carry;
        carry = select(0u, 1u, s1 < hi) + select(0u, 1u, s2 < s1);
        n[j] = s2;
    }
    // The binary point is at bit 287 − ex: two bits above it (the quarter turn mod 4), 62 below.
    let point = 287 - ex;
    let a1 = gf_window(&n, point + 1);
    let b1 = gf_window(&n, point - 31);
    var k = a1 >> 30u;
    var f = a1 & 0x3FFFFFFFu;
    var g = b1;
    // Round to the nearest quarter turn: a fraction ≥ 1/2 becomes one minus the rest.
    let up = f >= 0x20000000u;
    if up {
        k = k + 1u;
        g = ~g + 1u;
        f = ((~f) & 0x3FFFFFFFu) + select(0u, 1u, g == 0u);
    }
    // |fraction| = f·2^-30 + g·2^-62 as three exact f32 (24 + 24 + 14 bits), times π/2 in
    // double-f32.
    let fh = f32(f >> 6u) * 5.9604644775390625e-08f;                              // 2^-24
    let fm = f32(((f & 63u) << 18u) | (g >> 14u)) * 3.552713678800501e-15f;        // 2^-48
    let fl = f32(g & 0x3FFFu) * 2.168404344971009e-19f;                            // 2^-62
    let p = gf_two_prod(fh, GF_PIO2_HI);
    let q = gf_two_prod(fm, GF_PIO2_HI);
    let lo = fma(fh, GF_PIO2_LO, fma(fl, GF_PIO2_HI, fm * GF_PIO2_LO)) + q.y;
    let s = gf_two_sum(p.x, q.x);
    let r = gf_two_sum(s.x, (p.y + s.y) + lo);
    let sign = select(1.0, -1.0, up);
    return vec3<f32>(f32(k & 3u), sign * r.x, sign * r.y);
}

// x = k·π/2 + hi + lo with |hi| ≤ π/4 (a little more at the edges): vec3(k, hi, lo). Cody–Waite
// up to |x| = 1e5, Payne–Hanek beyond.
fn gf_reduce_pio2(x: f32) -> vec3<f32> {
    if abs(x) > 1e5 && gf_finite(x) {
        let r = gf_reduce_large(abs(x));
        return select(r, -r, x < 0.0);
    }
    let k = round(x * GF_TWO_OVER_PI);
    // x − k·P0 is exact (Sterbenz); every later product is exact and summed exactly.
    var hi = x - k * GF_PIO2_0;
    var lo = 0.0;
    var s = gf_two_sum(hi, -k * GF_PIO2_1);
    hi = s.x;
    lo = lo + s.y;
    s = gf_two_sum(hi, -k * GF_PIO2_2);
    hi = s.x;
    lo = lo + s.y;
    s = gf_two_sum(hi, -k * GF_PIO2_3);
    hi = s.x;
    lo = lo + s.y;
    lo = lo - k * GF_PIO2_4 - k * GF_PIO2_5 - k * GF_PIO2_6 - k * GF_PIO2_7;
    let r = gf_two_sum(hi, lo);
    return vec3<f32>(k, r.x, r.y);
}

// sin(hi + lo) for |hi| ≤ π/4 (Cephes sinf polynomial).
fn gf_sin_kernel(hi: f32, lo: f32) -> f32 {
    let z = hi * hi;
    let p = fma(fma(-1.9515295891e-4f, z, 8.3321608736e-3f), z, -1.6666654611e-1f);
    return hi + fma(hi * z, p, lo * (1.0 - 0.5 * z));
}

// cos(hi + lo) for |hi| ≤ π/4 (Cephes cosf polynomial; 1 − z/2 with its rounding kept).
fn gf_cos_kernel(hi: f32, lo: f32) -> f32 {
    let z = hi * hi;
    let p = fma(fma(2.443315711809948e-5f, z, -1.388731625493765e-3f), z, 4.166664568298827e-2f);
    let hz = 0.5 * z;
    let w = gf_opaque(1.0 - hz);
    return w + (((1.0 - w) - hz) + fma(z * z, p, -hi * lo));
}

fn gf_sin(x: f32) -> f32 {
    let red = gf_reduce_pio2(x);
    let q = i32(red.x) & 3;
    let s = gf_sin_kernel(red.y, red.z);
    let c = gf_cos_kernel(red.y, red.z);
    var r = select(s, c, (q & 1) == 1);
    r = select(r, -r, (q & 2) == 2);
    return select(gf_nan(), r, gf_finite(x));
}

fn gf_cos(x: f32) -> f32 {
    let red = gf_reduce_pio2(x);
    let q = i32(red.x) & 3;
    let s = gf_sin_kernel(red.y, red.z);
    let c = gf_cos_kernel(red.y, red.z);
    var r = select(c, s, (q & 1) == 1);
    r = select(r, -r, ((q + 1) & 2) == 2);
    return select(gf_nan(), r, gf_finite(x));
}

fn gf_tan(x: f32) -> f32 {
    let red = gf_reduce_pio2(x);
    let hi = red.y;
    let z = hi * hi;
    // Cephes tanf: tan(r) = r + r³·P(r²) on [-π/4, π/4]; tan' = 1 + tan² carries lo.
    let p = fma(fma(fma(fma(fma(9.38540185543e-3f, z, 3.11992232697e-3f), z, 2.44301354525e-2f),
        z, 5.34112807005e-2f), z, 1.33387994085e-1f), z, 3.33331568548e-1f);
    let t = gf_two_sum(hi, fma(hi * z, p, red.z * (1.0 + z)));
    // Odd quadrants: −1/tan(r), divided by the unrounded t.x + t.y.
    let q = gf_div_dd(1.0, 0.0, t.x, t.y);
    let odd = (i32(red.x) & 1) == 1;
    return select(gf_nan(), select(t.x, -(q.x + q.y), odd), gf_finite(x));
}

// e^(x + xl) = m·2^k for |x| ≤ 110: vec2(m, k).
fn gf_exp_parts(x: f32, xl: f32) -> vec2<f32> {
    let k = round(x * GF_LOG2E);
    // Cephes: x − k·L1 is exact; the rest of k·ln 2 is below 2^-12 of it.
    // The reduced argument is kept as r + rl; 1 + r is summed exactly, so the result's only
    // large rounding is the last one.
    let r1 = gf_opaque(x - k * GF_LN2_L1);
    let rs = gf_two_sum(r1, -k * GF_LN2_L2);
    let r = rs.x;
    let rl = (rs.y - k * GF_LN2_L3) + xl;
    // Cephes expf polynomial for (e^r − 1 − r)/r² on [-ln2/2, ln2/2].
    let p = fma(fma(fma(fma(fma(1.9875691500e-4f, r, 1.3981999507e-3f), r, 8.3334519073e-3f), r,
        4.1665795894e-2f), r, 1.6666665459e-1f), r, 5.0000001201e-1f);
    let one = gf_two_sum(1.0, r);
    // e^(r + rl) = e^r·(1 + rl): rl·e^r carries it (rl is not always tiny: pow hands in the
    // low part of b·log a, up to an ulp of 90).
    let tail = fma(r * r, p, one.y);
    return vec2<f32>(one.x + (tail + rl * (one.x + tail)), k);
}

// m·2^k, scaled in two steps that each stay in range; the product overflows or underflows
// as IEEE arithmetic does.
fn gf_scale(m: f32, k: f32) -> f32 {
    let k1 = floor(0.5 * k);
    return ldexp(m, i32(k1)) * ldexp(1.0, i32(k - k1));
}

// e^x · 2^s without overflow in between (s a small integer).
fn gf_exp_scaled(x: f32, s: f32) -> f32 {
    let mk = gf_exp_parts(clamp(x, -110.0, 90.0), 0.0);
    return select(gf_scale(mk.x, mk.y + s), x, x != x);
}

fn gf_exp(x: f32) -> f32 {
    return gf_exp_scaled(x, 0.0);
}

// log(x) for finite x > 0 as a double-f32 vec2(hi, lo), relative error about 2^-40.
// log(1 + f) = 2·atanh(s) = 2s + 2s³/3 + 2s⁵/5 + … with s = f/(2 + f), |s| ≤ 0.172: the
// leading 2s is exact given s as hi + lo, and the series tail is small, so its rounding is
// too (Cephes' logf polynomial is only good to 2^-24, too little for pow).
fn gf_log_dd(x: f32) -> vec2<f32> {
    let fe = frexp(x);
    let small = fe.fract < 0.70710678118654752f;
    let m = select(fe.fract, fe.fract + fe.fract, small);
    let e = f32(fe.exp) - select(0.0, 1.0, small);
    let f = m - 1.0;                               // exact (Sterbenz)
    let d = gf_two_sum(2.0, f);                    // 2 + f = d.x + d.y
    let s = gf_opaque(f / d.x);
    let sd = gf_two_prod(s, d.x);
    let res = gf_opaque(gf_opaque(f - sd.x) - sd.y);
    let sl = gf_opaque(res - s * d.y) / d.x;      // s + sl = f/(2 + f)
    let z = s * s;
    let tail = s * z * fma(fma(fma(fma(fma(0.15384615384615385f, z, 0.18181818181818182f), z,
        0.2222222222222222f), z, 0.2857142857142857f), z, 0.4f), z, 0.6666666666666666f);
    let a = vec2<f32>(2.0 * s, 2.0 * sl + tail);
    // + e·ln 2: e·L1 and e·L2 exact, summed exactly.
    let b = gf_two_sum(e * GF_LN2_L1, a.x);
    let c = gf_two_sum(b.x, e * GF_LN2_L2);
    let lo = (b.y + c.y) + (a.y + e * GF_LN2_L3);
    return gf_two_sum(c.x, lo);
}

fn gf_log(x: f32) -> f32 {
    var r = gf_log_dd(select(x, 1.0, !(x > 0.0) || !gf_finite(x))).x;
    r = select(r, -gf_inf(), x == 0.0);
    r = select(r, x, x == gf_inf());
    return select(r, gf_nan(), x < 0.0 || x != x);
}

// log(1 + t) for finite t > −1: 1 + t = u + err exactly, and log(u + err) = log(u) + err/u
// with log(u) as a double-f32.
fn gf_log1p_finite(t: f32) -> f32 {
    let u = gf_two_sum(1.0, t);
    let l = gf_log_dd(u.x);
    return l.x + (l.y + u.y / u.x);
}

// log(1 + t) for every t: −∞ at −1, NaN below, t itself at +∞ and NaN.
fn gf_log1p(t: f32) -> f32 {
    let ok = t > -1.0 && gf_finite(t);
    var r = gf_log1p_finite(select(0.0, t, ok));
    r = select(r, -gf_inf(), t == -1.0);
    r = select(r, gf_nan(), t < -1.0);
    return select(r, t, t == gf_inf() || t != t);
}

// e^x − 1: the Taylor series to x^12/12! for |x| < 1 (the rest is below 2^-30 of the
// result there), else e^x − 1, whose rounding is then diluted by at most e/(e − 1).
fn gf_expm1(x: f32) -> f32 {
    var p = 2.08767569878681e-09f;
    p = fma(p, x, 2.505210838544172e-08f);
    p = fma(p, x, 2.755731922398589e-07f);
    p = fma(p, x, 2.7557319223985893e-06f);
    p = fma(p, x, 2.48015873015873e-05f);
    p = fma(p, x, 0.0001984126984126984f);
    p = fma(p, x, 0.001388888888888889f);
    p = fma(p, x, 0.008333333333333333f);
    p = fma(p, x, 0.041666666666666664f);
    p = fma(p, x, 0.16666666666666666f);
    p = fma(p, x, 0.5f);
    let small = fma(x * x, p, x);
    return select(gf_exp(x) - 1.0, small, abs(x) < 1.0);
}

// √(x² + y²) as m·√(1 + (n/m)²), m = max(|x|, |y|): no overflow or underflow in between;
// +∞ if either is infinite (as IEEE's hypot), else NaN if either is.
fn gf_hypot(x: f32, y: f32) -> f32 {
    let a = abs(x);
    let b = abs(y);
    let m = max(a, b);
    let n = min(a, b);
    let r = gf_div(n, select(m, 1.0, m == 0.0));
    var h = m * gf_sqrt(1.0 + r * r);
    h = select(h, x + y, x != x || y != y);
    return select(h, gf_inf(), a == gf_inf() || b == gf_inf());
}

fn gf_pow(a: f32, b: f32) -> f32 {
    let x = abs(a);
    // b·log|a| as a double-f32, then e^(hi + lo).
    let l = gf_log_dd(select(x, 1.0, x == 0.0 || !gf_finite(x)));
    let p = gf_two_prod(b, l.x);
    let plo = p.y + b * l.y;
    let pc = clamp(p.x, -110.0, 90.0);
    let mk = gf_exp_parts(pc, select(0.0, plo, pc == p.x));
    var r = gf_scale(mk.x, mk.y);
    // Negative bases: integer exponents only; odd ones keep the sign.
    let integer = b == round(b);
    let odd = integer && abs(b) < 16777216.0 && round(0.5 * b) != 0.5 * b;
    r = select(r, -r, a < 0.0 && odd);
    r = select(r, gf_nan(), a < 0.0 && !integer);
    // Zeros and infinities of the base.
    let zero_or_inf = select(gf_inf(), 0.0, (x == 0.0) == (b > 0.0));
    r = select(r, select(zero_or_inf, -zero_or_inf, a < 0.0 && odd), x == 0.0 || x == gf_inf());
    r = select(r, gf_nan(), a != a || b != b);
    return select(r, 1.0, b == 0.0 || a == 1.0);
}

// atan(a + al) for a ≥ 0 (Cephes atanf's reduction and polynomial) as an unnormalised
// double-f32: the reduced argument is a double-f32 quotient, and the constant it is added to
// is summed exactly.
fn gf_atan_dd(a: f32, al: f32) -> vec2<f32> {
    let big = a > 2.414213562373095f;
    let mid = a > 0.4142135623730950f;
    let num = gf_two_sum(a, -1.0);
    let den = gf_two_sum(a, 1.0);
    var t = select(vec2<f32>(a, al), gf_div_dd(num.x, num.y + al, den.x, den.y + al), mid);
    t = select(t, -gf_div_dd(1.0, 0.0, a, al), big);
    let base_hi = select(select(0.0, GF_PIO4_HI, mid), GF_PIO2_HI, big);
    let base_lo = select(select(0.0, GF_PIO4_LO, mid), GF_PIO2_LO, big);
    let z = t.x * t.x;
    let p = fma(fma(fma(8.05374449538e-2f, z, -1.38776856032e-1f), z, 1.99777106478e-1f), z,
        -3.33329491539e-1f);
    // atan(t + tl) = atan(t) + tl/(1 + t²) to first order.
    let s = gf_two_sum(base_hi, t.x);
    return vec2<f32>(s.x, s.y + (base_lo + fma(t.x * z, p, t.y / (1.0 + z))));
}

fn gf_atan(x: f32) -> f32 {
    let r = gf_atan_dd(abs(x), 0.0);
    let v = r.x + r.y;
    return select(select(v, -v, x < 0.0), x, x != x);
}

fn gf_atan2(y: f32, x: f32) -> f32 {
    let ax = abs(x);
    let ay = abs(y);
    let swap = ay > ax;
    let t = gf_div_dd(select(ay, ax, swap), 0.0, select(ax, ay, swap), 0.0);
    var a = gf_atan_dd(t.x, t.y);
    a = select(a, vec2<f32>(GF_PIO4_HI, GF_PIO4_LO), ax == ay);
    // π/2 − a and π − a, each summed exactly.
    let c = gf_two_sum(GF_PIO2_HI, -a.x);
    a = select(a, vec2<f32>(c.x, c.y + (GF_PIO2_LO - a.y)), swap);
    // x's sign by its bits, so that x = −0 counts as negative as IEEE atan2 has it; y = −0
    // counts as +0 (the language has one zero: on the negative x axis the cut gives +π).
    let xneg = (bitcast<u32>(x) & 0x80000000u) != 0u;
    let yneg = y < 0.0;
    var r = select(a.x + a.y, gf_sub_from(GF_PI_HI, GF_PI_LO, a), xneg);
    r = select(r, select(0.0, GF_PI_HI, xneg), ax == 0.0 && ay == 0.0);
    return select(select(r, -r, yneg), gf_nan(), x != x || y != y);
}

// asin for |t| ≤ 0.5 given z = t² (Cephes asinf polynomial); also used at t = √((1−|x|)/2).
fn gf_asin_poly(t: f32, z: f32) -> f32 {
    let p = fma(fma(fma(fma(4.2163199048e-2f, z, 2.4181311049e-2f), z, 4.5470025998e-2f), z,
        7.4953002686e-2f), z, 1.6666752422e-1f);
    return fma(t * z, p, t);
}

// For 0.5 ≤ a ≤ 1: acos(a) = 2·asin(s), s = √((1 − a)/2), as an unnormalised double-f32
// vec2(2s, rest): the root carries its correction from the exact residual.
fn gf_acos_big(a: f32) -> vec2<f32> {
    let zb = 0.5 * (1.0 - a);                      // exact for a in [0.5, 1]
    let sb = gf_sqrt(zb);
    let ss = gf_two_prod(sb, sb);
    let sl = select(0.0, (gf_opaque(zb - ss.x) - ss.y) / (2.0 * sb), sb > 0.0);
    let rest = fma(sb * zb, fma(fma(fma(fma(4.2163199048e-2f, zb, 2.4181311049e-2f), zb,
        4.5470025998e-2f), zb, 7.4953002686e-2f), zb, 1.6666752422e-1f), sl);
    return vec2<f32>(2.0 * sb, 2.0 * rest);
}

// c − (t.x + t.y) for a double-f32 constant c = hi + lo, summed exactly.
fn gf_sub_from(hi: f32, lo: f32, t: vec2<f32>) -> f32 {
    let d = gf_two_sum(hi, -t.x);
    return d.x + (d.y + (lo - t.y));
}

fn gf_asin(x: f32) -> f32 {
    let a = abs(x);
    let small = gf_asin_poly(a, a * a);
    let big = gf_sub_from(GF_PIO2_HI, GF_PIO2_LO, gf_acos_big(clamp(a, 0.5, 1.0)));
    let r = select(small, big, a > 0.5);
    return select(select(r, -r, x < 0.0), gf_nan(), a > 1.0 || x != x);
}

fn gf_acos(x: f32) -> f32 {
    let a = abs(x);
    let tail = gf_acos_big(clamp(a, 0.5, 1.0));
    let small = (GF_PIO2_HI - gf_asin_poly(x, x * x)) + GF_PIO2_LO;
    let neg = gf_sub_from(GF_PI_HI, GF_PI_LO, tail);
    let r = select(small, select(neg, tail.x + tail.y, x > 0.0), a > 0.5);
    return select(r, gf_nan(), a > 1.0 || x != x);
}

fn gf_sinh(x: f32) -> f32 {
    let a = abs(x);
    let z = a * a;
    // |x| < 1: Cephes sinhf polynomial (relative accuracy near 0).
    let small = fma(a * z, fma(fma(2.03721912945e-4f, z, 8.33028376239e-3f), z, 1.66667160211e-1f), a);
    let e = gf_exp(min(a, 10.0));
    let mid = 0.5 * (e - gf_div(1.0, e));
    let large = gf_exp_scaled(a, -1.0);            // e^a/2; e^-a is below an ulp
    let r = select(select(mid, large, a > 9.0), small, a < 1.0);
    return select(r, -r, x < 0.0);
}

fn gf_cosh(x: f32) -> f32 {
    let a = abs(x);
    let e = gf_exp(min(a, 10.0));
    let mid = 0.5 * (e + gf_div(1.0, e));
    return select(mid, gf_exp_scaled(a, -1.0), a > 9.0);
}

fn gf_tanh(x: f32) -> f32 {
    let a = abs(x);
    let z = a * a;
    // |x| < 0.625: Cephes tanhf polynomial; else 1 − 2/(e^{2|x|} + 1).
    let small = fma(a * z, fma(fma(fma(fma(-5.70498872745e-3f, z, 2.06390887954e-2f), z,
        -5.37397155531e-2f), z, 1.33314422036e-1f), z, -3.33332819422e-1f), a);
    let e = gf_exp(2.0 * min(a, 10.0));
    let big = 1.0 - gf_div(2.0, e + 1.0);
    let r = select(big, small, a < 0.625);
    return select(select(r, -r, x < 0.0), x, x != x);
}

fn gf_sigmoid(a: f32) -> f32 {
    let e = gf_exp(-abs(a));                       // ≤ 1: no overflow
    let d = gf_two_sum(1.0, e);                    // 1 + e exactly
    let q = gf_div_dd(select(1.0, e, a < 0.0), 0.0, d.x, d.y);
    return select(q.x + q.y, a, a != a);
}

fn gf_softplus(a: f32) -> f32 {
    return max(a, 0.0) + gf_log1p_finite(gf_exp(-abs(a)));
}
