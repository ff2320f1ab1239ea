// copy.wgsl: the adapter's device-to-device copy bandwidth (`gradfield bench`), the reference
// a grid kernel's effective bandwidth is compared with: dst = src, 16 bytes per invocation,
// timed with timestamp queries. Like PyTorch's b.copy_(a) in bench/peers.py, bandwidth counts
// the bytes read and the bytes written.

//@LAYOUT

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * WORKGROUP + gid.x;
    if i < arrayLength(&dst) {
        dst[i] = src[i];
    }
}
