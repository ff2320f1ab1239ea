// sweep.wgsl: the step-size sweep kernel (`gradfield sweep`, the article's Exercise 1).
// Dispatched as (point groups, steps): every invocation evaluates the finite differences of
// every scheme at one grid point for one step h_k, compares each with the exact derivative
// (uploaded as a double-word hi + lo), and the workgroup reduces the largest error in
// shared memory, so the host reads back one number per (scheme, step, workgroup).
//
// Template slots as in grid.wgsl: //@SCALAR, //@CONFIG (TWO_D), //@PARAMS, //@COMMON, //@MATH,
// //@FUNCTIONS (`eval_f`), //@BODY (one block per scheme calling `reduce_max`).
// The CPU twin is `sweep_cpu` in src/sweep.rs; the host side is src/gpu/sweep.rs.

//@SCALAR
//@CONFIG

// `struct Params`, generated from `SweepParams` in src/gpu/layout.rs: the grid's size, the
// points and steps of the sweep, where the segment bases and the per-step constants start.
//@PARAMS

@group(0) @binding(0) var<uniform> params: Params;
// Largest error per (scheme, step, workgroup): [(scheme·steps + k)·groups + group].
@group(0) @binding(2) var<storage, read_write> partial: array<T>;
// Exact derivative at each point as hi, lo.
@group(0) @binding(3) var<storage, read> reference: array<T>;

//@COMMON

//@MATH

//@FUNCTIONS

var<workgroup> shared_max: array<T, WORKGROUP>;

// Workgroup maximum of `err` (non-finite errors and padding lanes count as 0); lane 0
// writes it. Every lane calls this, so the barriers are in uniform control flow.
fn reduce_max(scheme: u32, err: T, valid: bool, lid: u32, wid: vec3<u32>) {
    shared_max[lid] = select(T(0), err, valid && err == err && err <= T(3.0e38));
    workgroupBarrier();
    for (var stride = WORKGROUP / 2u; stride > 0u; stride = stride / 2u) {
        if lid < stride {
            shared_max[lid] = max(shared_max[lid], shared_max[lid + stride]);
        }
        workgroupBarrier();
    }
    if lid == 0u {
        let groups = (params.points + WORKGROUP - 1u) / WORKGROUP;
        partial[(scheme * params.steps + wid.y) * groups + wid.x] = shared_max[0];
    }
    workgroupBarrier();
}

@compute @workgroup_size(WORKGROUP)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    gf_opaque_init(nwg.z);
    let raw = wid.x * WORKGROUP + lid;
    let valid = raw < params.points;
    let i = min(raw, params.points - 1u);
    let p = grid_point(i);
    let x = p.x;
    let y = p.y;
    let base = params.steps_at + wid.y * SWEEP_STEP_WORDS;
//@BODY
}
