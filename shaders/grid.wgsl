// grid.wgsl: the fused grid kernel. One pass computes, for every point of a tile, f, its
// finite differences along each axis and its analytic partial derivatives, and writes them as
// structure-of-arrays (one buffer per field, so each store is a coalesced run).
//
// This file is a template: src/gpu/codegen.rs replaces each line that starts with `//@` with
// generated code:
//   //@SCALAR     `alias T = f32;` or `alias T = f64;`
//   //@CONFIG     compile-time switches: 1-D or 2-D, points per invocation
//   //@OPAQUE     `gf_opaque`, an identity compilers cannot see through (see below)
//   //@MATH       the math library (shaders/math_*.wgsl) when one is used
//   //@FUNCTIONS  `eval_main(x, y) -> Main` (f and its derivatives, common subexpressions
//                shared through `let`) and `eval_f(x, y) -> T` (f alone, for stencil points)
//   //@BODY      the per-point body: stores and stencil sums, in the scheme's order
// The CPU twin is src/cpu/mod.rs (`CpuEngine::run`): same coordinates, same stencil order.

//@SCALAR
//@CONFIG

// Must match `GridParams` in src/gpu/kernel.rs.
struct Params {
    nx: u32,
    ny: u32,
    // First linear index of this tile, and its number of points.
    tile_start: u32,
    tile_len: u32,
    // Where the segment bases of each axis start in `consts`.
    x_bases: u32,
    y_bases: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Runtime constants in the kernel's precision (`consts` in src/gpu/kernel.rs):
// [C_STEP_X] step along x, [C_STEP_Y] along y, [C_MAX_X]/[C_MAX_Y] the last coordinates,
// [C_ONE] the number 1 (see axis_coord), [C_OFFSETS + k] the stencil offsets T(o_k·h),
// [C_DEN] the denominator T(den·h), then the segment bases of x and of y.
@group(0) @binding(1) var<storage, read> consts: array<T>;
@group(0) @binding(2) var<storage, read_write> out_f: array<T>;
@group(0) @binding(3) var<storage, read_write> out_fd_x: array<T>;
@group(0) @binding(4) var<storage, read_write> out_grad_x: array<T>;
@group(0) @binding(5) var<storage, read_write> out_fd_y: array<T>;
@group(0) @binding(6) var<storage, read_write> out_grad_y: array<T>;

const C_STEP_X: u32 = 0u;
const C_STEP_Y: u32 = 1u;
const C_MAX_X: u32 = 2u;
const C_MAX_Y: u32 = 3u;
const C_ONE: u32 = 4u;
const C_OFFSETS: u32 = 5u;
const C_DEN: u32 = 9u;

// Coordinates are segments of 4096 points (src/grid.rs, SEGMENT_POINTS): base[s] + l·step.
const SEGMENT_SHIFT: u32 = 12u;
const SEGMENT_MASK: u32 = 4095u;

// 256 invocations per workgroup: a multiple of every vendor's SIMD width (32 NVIDIA, 64 AMD,
// 8-16 CPU lanes in lavapipe) and the largest size WebGPU guarantees.
const WORKGROUP: u32 = 256u;

// `gf_opaque(v)`, the identity the compiler cannot see through: the math libraries pass the
// intermediates of their error-free transformations (TwoSum, Dekker products, (1 + t) − 1)
// through it. Shader compilers treat float arithmetic as freely reassociable unless SPIR-V
// marks it exact (naga does not): LLVM in lavapipe factors `(a + b) − a` into exact real
// algebra and the rounding errors these transformations measure vanish. A round trip
// through the integer bits, XOR-ed with zero bits the compiler cannot know (derived from the
// dispatch size), cannot be factored. codegen.rs writes it for the kernel's precision.
//@OPAQUE

//@MATH

//@FUNCTIONS

// Coordinate i of an axis, bit for bit as src/grid.rs computes it on the host. The product
// must be rounded before the sum: multiplying it by a runtime 1 (which the compiler cannot
// see through) means that if it fuses the sum into an fma, that fma still adds the rounded
// product, so the result is the same with or without fusion.
fn axis_coord(i: u32, n: u32, bases: u32, step: T, last: T) -> T {
    let s = i >> SEGMENT_SHIFT;
    let l = i & SEGMENT_MASK;
    let product = T(l) * step;
    let x = consts[bases + s] + product * consts[C_ONE];
    return select(x, last, i == n - 1u);
}

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    gf_opaque_init(nwg.z);
    // A tile may need more than 65535 workgroups: the dispatch is then 2-D and linearised.
    let group = wid.y * nwg.x + wid.x;
    // Each invocation does POINTS_PER_INVOCATION points, WORKGROUP apart, so that every
    // store instruction of a workgroup writes one contiguous run.
    for (var k = 0u; k < POINTS_PER_INVOCATION; k++) {
        let local = (group * POINTS_PER_INVOCATION + k) * WORKGROUP + lid;
        if local >= params.tile_len {
            return;
        }
        let idx = params.tile_start + local;
        var i = idx;
        var j = 0u;
        if TWO_D {
            j = idx / params.nx;
            i = idx - j * params.nx;
        }
        let x = axis_coord(i, params.nx, params.x_bases, consts[C_STEP_X], consts[C_MAX_X]);
        var y = T(0);
        if TWO_D {
            y = axis_coord(j, params.ny, params.y_bases, consts[C_STEP_Y], consts[C_MAX_Y]);
        }
//@BODY
    }
}
