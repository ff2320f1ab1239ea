// math_common.wgsl: helpers every math library shares (exact in any precision).
// CPU twins: `Func::Relu` and `Func::Step` in src/expr/mod.rs.

// Heaviside step with step(0) = 1: the branch abs, relu, min and max take at their kinks.
fn gf_step(a: T) -> T {
    return select(T(0), T(1), a >= T(0));
}

fn gf_relu(a: T) -> T {
    return max(a, T(0));
}
