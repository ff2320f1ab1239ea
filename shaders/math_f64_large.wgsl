// math_f64_large.wgsl: Payne–Hanek reduction for f64 arguments beyond fdlibm's medium range,
// in exact 64-bit integer arithmetic (src/gpu/codegen.rs appends it to math_f64.wgsl where the
// adapter has SHADER_INT64; math_f64_medium.wgsl stands in elsewhere).

// 2/π in 64-bit words after the binary point: 1536 bits, enough for every finite f64 (the
// bits needed lie within ex − 130 … ex + 190 of 2/π).
const GD_TWO_OVER_PI_WORDS = array<u64, 24>(0xA2F9836E4E441529lu, 0xFC2757D1F534DDC0lu,
    0xDB6295993C439041lu, 0xFE5163ABDEBBC561lu, 0xB7246E3A424DD2E0lu, 0x06492EEA09D1921Clu,
    0xFE1DEB1CB129A73Elu, 0xE88235F52EBB4484lu, 0xE99C7026B45F7E41lu, 0x3991D639835339F4lu,
    0x9C845F8BBDF9283Blu, 0x1FF897FFDE05980Flu, 0xEF2F118B5A0A6D1Flu, 0x6D367ECF27CB09B7lu,
    0x4F463F669E5FEA2Dlu, 0x7527BAC7EBE5F17Blu, 0x3D0739F78A5292EAlu, 0x6BFB5FB11F8D5D08lu,
    0x56033046FC7B6BABlu, 0xF0CFBC209AF4361Dlu, 0xA9E391615EE61B08lu, 0x6599855F14A06840lu,
    0x8DFFD8804D732731lu, 0x06061556CA73A8C9lu);

// a·b as 64-bit words vec2(hi, lo), by 32-bit halves.
fn gd_mul_wide(a: u64, b: u64) -> vec2<u64> {
    let lo32 = 0xFFFFFFFFlu;
    let a0 = a & lo32;
    let a1 = a >> 32u;
    let b0 = b & lo32;
    let b1 = b >> 32u;
    let p00 = a0 * b0;
    let mid = a0 * b1 + (p00 >> 32u);
    let mid2 = (mid & lo32) + a1 * b0;
    return vec2<u64>(a1 * b1 + (mid >> 32u) + (mid2 >> 32u), (mid2 << 32u) | (p00 & lo32));
}

// The 64 bits of `n` (5 words, n[0] most significant) from bit p down to p − 63 (bit 0 the
// least significant of n[4]); p ≥ 64.
fn gd_window(n: ptr<function, array<u64, 5>>, p: i32) -> u64 {
    let wi = 4 - (p >> 6u);
    let off = u32(p & 63);
    let high = (*n)[wi];
    let low = (*n)[wi + 1];
    return select((high << (63u - off)) | (low >> (off + 1u)), high, off == 63u);
}

// Payne–Hanek for large finite a > 0: a·2/π mod 4 with 126 bits of fraction, from the 53-bit
// mantissa times the 256 bits of 2/π that matter for its exponent; a = k·π/2 + hi + lo with k
// in 0..4 and hi + lo in [−π/4, π/4]: vec3(k, hi, lo).
fn gf_reduce_large(a: f64) -> vec3<f64> {
    let bits = bitcast<u64>(a);
    let ex = i32(bits >> 52u) - 1023;
    // a = m·2^(ex − 63), m with its top bit set.
    let m = ((bits & 0xFFFFFFFFFFFFFlu) | 0x10000000000000lu) << 11u;
    // Words of 2/π before k0 contribute multiples of 4 only.
    let k0 = select(0, (ex - 129) / 64 + 1, ex >= 129);
    // n = Σ_j m·W[k0 + j]·2^(64·(3 − j)), 320 bits; a·2/π ≡ n·2^(ex − 319 − 64·k0) (mod 4).
    var n: array<u64, 5>;
    var carry = 0lu;
    for (var j = 4; j >= 0; j = j - 1) {
        var hi = 0lu;
        var lo = 0lu;
        if j < 4 {
            hi = gd_mul_wide(m, GD_TWO_OVER_PI_WORDS[k0 + j]).x;
        }
        if j >= 1 {
            lo = gd_mul_wide(m, GD_TWO_OVER_PI_WORDS[k0 + j - 1]).y;
        }
        let s1 = hi + lo;
        let s2 = s1 + carry;
        carry = select(0lu, 1lu, s1 < hi) + select(0lu, 1lu, s2 < s1);
        n[j] = s2;
    }
    let point = 319 + 64 * k0 - ex;
    let a1 = gd_window(&n, point + 1);
    let b1 = gd_window(&n, point - 63);
    var k = a1 >> 62u;
    var f = a1 & 0x3FFFFFFFFFFFFFFFlu;
    var g = b1;
    // Round to the nearest quarter turn: a fraction ≥ 1/2 becomes one minus the rest.
    let up = f >= 0x2000000000000000lu;
    if up {
        k = k + 1lu;
        g = ~g + 1lu;
        f = ((~f) & 0x3FFFFFFFFFFFFFFFlu) + select(0lu, 1lu, g == 0lu);
    }
    // |fraction| as three exact f64 (53 + 53 + 20 bits), times π/2 in double-f64.
    let fh = f64(f >> 9u) * 1.1102230246251565e-16lf;                               // 2^-53
    let fm = f64(((f & 0x1FFlu) << 44u) | (g >> 20u)) * 1.232595164407831e-32lf;      // 2^-106
    let fl = f64(g & 0xFFFFFlu) * 1.1754943508222875e-38lf;                           // 2^-126
    let p = gf_two_prod(fh, GD_PIO2_HI);
    let q = gf_two_prod(fm, GD_PIO2_HI);
    let lo = fh * GD_PIO2_LO + (fl * GD_PIO2_HI + fm * GD_PIO2_LO) + q.y;
    let s = gf_two_sum(p.x, q.x);
    let r = gf_two_sum(s.x, (p.y + s.y) + lo);
    let sign = select(1.0lf, -1.0lf, up);
    return vec3<f64>(f64(k & 3lu), sign * r.x, sign * r.y);
}
