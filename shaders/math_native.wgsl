// math_native.wgsl: `--math native`: the WGSL builtins, and the two functions WGSL lacks
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
