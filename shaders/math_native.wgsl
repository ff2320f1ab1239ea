// math_native.wgsl: `--math native`: the WGSL builtins, and the functions WGSL lacks
// composed from them. Fast; accurate only as far as the WGSL/Vulkan specs promise (see
// src/tolerance.rs, which checks against exactly those promises).

// 1/(1 + e^-a): for a < -88, e^-a overflows to +inf and the quotient is 0, as it should be.
fn gf_sigmoid(a: T) -> T {
    return T(1) / (T(1) + exp(-a));
}

// log(1 + e^a) = max(a, 0) + log(1 + e^-|a|): no overflow.
fn gf_softplus(a: T) -> T {
    return max(a, T(0)) + log(T(1) + exp(-abs(a)));
}

// e^x − 1: a short series where exp(x) − 1 would cancel (|x| < 1e-2: the next term, x^6/720,
// is below 2^-40 of the result), else the builtin.
fn gf_expm1(x: T) -> T {
    let series = x + x * x * (T(0.5) + x * (T(1.0 / 6.0) + x * (T(1.0 / 24.0) + x * T(1.0 / 120.0))));
    return select(exp(x) - T(1), series, abs(x) < T(1e-2));
}

// log(1 + t) with Goldberg's correction for the rounding of 1 + t.
fn gf_log1p(t: T) -> T {
    let u = T(1) + t;
    let d = u - T(1);
    return select(log(u) * (t / d), t, d == T(0) || t != t || t > T(3e38));
}

// √(x² + y²) as m·√(1 + (n/m)²) without overflow in between.
fn gf_hypot(x: T, y: T) -> T {
    let m = max(abs(x), abs(y));
    let n = min(abs(x), abs(y));
    let r = n / select(m, T(1), m == T(0));
    return select(m * sqrt(T(1) + r * r), x + y, x != x || y != y);
}
