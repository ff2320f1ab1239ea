// common.wgsl: what every kernel shares (src/gpu/codegen.rs inserts it at `//@COMMON`):
// the constants buffer and its layout, the grid coordinates, and the opaque identity the math
// libraries rely on.

// Runtime constants in the kernel's precision (`Consts` in src/gpu/layout.rs): the named
// head (C_STEP_X, C_STEP_Y step along each axis; C_MAX_X, C_MAX_Y the last coordinates; C_ONE
// the number 1, see axis_coord; C_OFFSETS + k the stencil offsets T(o_k·h); C_DEN the
// denominator T(den·h)), then the segment bases of x and of y, and, for sweeps,
// SWEEP_STEP_WORDS constants per step.
@group(0) @binding(1) var<storage, read> consts: array<T>;

// Generated from src/gpu/layout.rs: WORKGROUP (invocations per workgroup), SEGMENT_SHIFT and
// SEGMENT_MASK (coordinates come in segments of SEGMENT_POINTS, src/grid.rs), the C_* indices.
//@LAYOUT

// `gf_opaque(v)`, the identity the compiler cannot see through: the math libraries pass the
// intermediates of their error-free transformations (TwoSum, Dekker products, (1 + t) − 1)
// through it. Shader compilers treat float arithmetic as freely reassociable unless SPIR-V
// marks it exact (naga does not): LLVM in lavapipe factors `(a + b) − a` into exact real
// algebra and the rounding errors these transformations measure vanish. A round trip
// through the integer bits, XOR-ed with zero bits the compiler cannot know (derived from the
// dispatch size), cannot be factored. codegen.rs writes it for the kernel's precision.
//@OPAQUE

// Coordinate i of an axis, bit for bit as src/grid.rs computes it on the host: `g` is the
// point's index in the full axis (a window's offset plus its local index), `is_last` whether
// it is the full axis's last point (whose coordinate is exactly `last`). The product must be
// rounded before the sum: multiplying it by a runtime 1 (which the compiler cannot see
// through) means that if it fuses the sum into an fma, that fma still adds the rounded
// product, so the result is the same with or without fusion.
fn axis_coord(g: u32, is_last: bool, bases: u32, step: T, last: T) -> T {
    let s = g >> SEGMENT_SHIFT;
    let l = g & SEGMENT_MASK;
    let product = T(l) * step;
    let x = consts[bases + s] + product * consts[C_ONE];
    return select(x, last, is_last);
}

// The coordinates (x, y) of grid point `idx` (row-major, rows are y; y = 0 in 1-D) of a grid
// that may be a window of a larger one (`params` carries the offsets and last points).
fn grid_point(idx: u32) -> vec2<T> {
    var i = idx;
    var j = 0u;
    if TWO_D {
        j = idx / params.nx;
        i = idx - j * params.nx;
    }
    let x = axis_coord(params.x_off + i, i == params.x_last, params.x_bases, consts[C_STEP_X], consts[C_MAX_X]);
    var y = T(0);
    if TWO_D {
        y = axis_coord(params.y_off + j, j == params.y_last, params.y_bases, consts[C_STEP_Y], consts[C_MAX_Y]);
    }
    return vec2<T>(x, y);
}
