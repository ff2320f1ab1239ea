// grid.wgsl: the fused grid kernel. One pass computes, for every point of a tile, f, its
// finite differences along each axis and its analytic partial derivatives, and writes them as
// structure-of-arrays (one buffer per field, so each store is a coalesced run).
//
// This file is a template: src/gpu/codegen.rs replaces each line that starts with `//@` with
// generated code:
//   //@SCALAR     `alias T = f32;` or `alias T = f64;`
//   //@CONFIG     compile-time switches: 1-D or 2-D, points per invocation
//   //@PARAMS     the `Params` struct (src/gpu/layout.rs)
//   //@COMMON     shaders/common.wgsl: constants, coordinates, `gf_opaque` (also filled)
//   //@MATH       the math library (shaders/math_*.wgsl) when one is used
//   //@FUNCTIONS  `eval_main(x, y) -> Main` (f and its derivatives, common subexpressions
//                shared through `let`) and `eval_f(x, y) -> T` (f alone, for stencil points)
//   //@BODY      the per-point body: stores and stencil sums, in the scheme's order
// The CPU twin is src/cpu/mod.rs (`CpuEngine::run`): same coordinates, same stencil order.

//@SCALAR
//@CONFIG

// `struct Params`, generated from `GridParams` in src/gpu/layout.rs: the grid's size, this
// tile's first index and length, where each axis's segment bases start in `consts`.
//@PARAMS

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> out_f: array<T>;
@group(0) @binding(3) var<storage, read_write> out_fd_x: array<T>;
@group(0) @binding(4) var<storage, read_write> out_grad_x: array<T>;
@group(0) @binding(5) var<storage, read_write> out_fd_y: array<T>;
@group(0) @binding(6) var<storage, read_write> out_grad_y: array<T>;

//@COMMON

//@MATH

//@FUNCTIONS

@compute @workgroup_size(WORKGROUP)
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
        let p = grid_point(idx);
        let x = p.x;
        let y = p.y;
//@BODY
    }
}
