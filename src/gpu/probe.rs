//! The adapter's device-to-device copy bandwidth, the reference a grid kernel's effective
//! bandwidth is compared with (`shaders/copy.wgsl`, timed with timestamp queries).

use super::layout::{WORKGROUP_SIZE, wgsl_constants};
use super::{GpuContext, Kernel, buffer};
use crate::error::Result;

const SHADER: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/copy.wgsl"));

/// Bytes each invocation copies (one `vec4<f32>`).
const BYTES_PER_INVOCATION: u64 = 16;

impl GpuContext {
    /// Device-to-device copy bandwidth (bytes read + bytes written per second, in GB/s): the
    /// median of five timestamped copies of a quarter of the largest buffer (at most
    /// 256 MiB), after a warm-up. `None` where the adapter has no timestamp queries.
    pub fn copy_bandwidth(&self) -> Result<Option<f64>> {
        if !self.timestamps {
            return Ok(None);
        }
        let source = SHADER.replace("//@LAYOUT", &wgsl_constants());
        let pipeline = self.pipeline(Kernel::Copy, &source)?;
        let bytes = (self
            .limits
            .max_storage_buffer_binding_size
            .min(self.limits.max_buffer_size)
            / 4)
        .min(256 << 20)
            / BYTES_PER_INVOCATION
            * BYTES_PER_INVOCATION;
        let d = &self.device;
        let src = buffer(d, "copy source", bytes, wgpu::BufferUsages::STORAGE);
        let dst = buffer(d, "copy destination", bytes, wgpu::BufferUsages::STORAGE);
        let bind = self.bind_group(Kernel::Copy, &[&src, &dst]);
        let set = d.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("copy"),
            ty: wgpu::QueryType::Timestamp,
            count: 2,
        });
        let resolve = buffer(
            d,
            "copy timestamps",
            16,
            wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
        );
        let read = buffer(
            d,
            "copy timestamps read",
            16,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let groups = (bytes / BYTES_PER_INVOCATION).div_ceil(WORKGROUP_SIZE as u64) as usize;
        let (gx, gy) = self.dispatch_size(groups);
        let period = self.queue.get_timestamp_period() as f64;
        let mut gbps = Vec::new();
        for rep in 0..6 {
            let mut enc = d.create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("copy"),
            });
            {
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("copy"),
                    timestamp_writes: Some(wgpu::ComputePassTimestampWrites {
                        query_set: &set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    }),
                });
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(gx, gy, 1);
            }
            enc.resolve_query_set(&set, 0..2, &resolve, 0);
            enc.copy_buffer_to_buffer(&resolve, 0, &read, 0, 16);
            let index = self.queue.submit([enc.finish()]);
            let ticks: [u64; 2] = bytemuck::pod_read_unaligned(&self.read_back(&read, index)?);
            let ns = ticks[1].saturating_sub(ticks[0]) as f64 * period;
            if rep > 0 && ns > 0.0 {
                gbps.push(2.0 * bytes as f64 / ns);
            }
        }
        gbps.sort_by(f64::total_cmp);
        Ok(gbps.get(gbps.len() / 2).copied())
    }
}
