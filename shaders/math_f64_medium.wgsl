// math_f64_medium.wgsl: without SHADER_INT64 there is no exact integer arithmetic for a
// Payne–Hanek reduction in f64, so large arguments take the medium-range reduction, which
// loses accuracy beyond |x| ≈ 1.6e6 (the check sees it: its reference is exact there).
fn gf_reduce_large(a: f64) -> vec3<f64> {
    return gf_reduce_medium(a);
}
