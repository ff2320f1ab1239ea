//! The step-size sweep on the GPU (`shaders/sweep.wgsl`): all (h, point) pairs in one
//! dispatch per precision (h is the second dispatch dimension, every scheme in the same
//! invocation), the largest error per h reduced on the GPU, so the host reads back one number
//! per scheme, step and workgroup.

use super::layout::{Consts, SweepParams, WORKGROUP_SIZE};
use super::{GpuContext, Kernel, buffer, codegen};
use crate::error::{Error, Result};
use crate::grid::Scheme;
use crate::spec::FieldSpec;

impl GpuContext {
    /// For each scheme and each step in `hs`, the largest |finite difference − exact
    /// derivative| along x over `spec`'s grid, computed in `spec`'s precision and math.
    /// `reference` holds the exact derivative at every point as two words (hi, lo) already
    /// rounded to that precision (hi + lo carries it beyond one word).
    pub fn sweep_max_errors(
        &self,
        spec: &FieldSpec,
        schemes: &[Scheme],
        hs: &[f64],
        reference: &[f64],
    ) -> Result<Vec<Vec<f64>>> {
        let grid = spec.grid;
        let p = spec.precision;
        let n = grid.len();
        let groups = n.div_ceil(WORKGROUP_SIZE as usize);
        let max_groups = self.limits.max_compute_workgroups_per_dimension as usize;
        if groups > max_groups || hs.len() > max_groups {
            return Err(Error::input(format!(
                "a GPU sweep takes at most {} points and {max_groups} steps",
                max_groups * WORKGROUP_SIZE as usize
            )));
        }
        if reference.len() != 2 * n {
            return Err(Error::internal(
                "the sweep's reference is not two words a point",
            ));
        }
        let source = codegen::sweep_source_for(spec, schemes, self.target())?;
        let pipeline = self.pipeline(Kernel::Sweep, &source)?;
        let consts = Consts::new(spec, hs);
        let [x_off, y_off, x_last, y_last] = super::layout::window_params(&grid);
        let params = SweepParams {
            nx: grid.x.n as u32,
            ny: grid.y.map_or(1, |y| y.n as u32),
            points: n as u32,
            steps: hs.len() as u32,
            x_bases: consts.x_bases,
            y_bases: consts.y_bases,
            steps_at: consts.steps_at,
            x_off,
            y_off,
            x_last,
            y_last,
            pad0: 0,
            pad1: 0,
            pad2: 0,
        };
        let d = &self.device;
        let consts_buf = self.constants("sweep consts", &consts.words, p);
        let reference_buf = self.constants("sweep reference", reference, p);
        let params_buf = wgpu::util::DeviceExt::create_buffer_init(
            d,
            &wgpu::util::BufferInitDescriptor {
                label: Some("sweep params"),
                contents: bytemuck::bytes_of(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            },
        );
        let count = schemes.len() * hs.len() * groups;
        let bytes = (count * p.bytes()) as u64;
        let partial = buffer(
            d,
            "sweep partial maxima",
            bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let read = buffer(
            d,
            "sweep readback",
            bytes,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let bind = self.bind_group(
            Kernel::Sweep,
            &[&params_buf, &consts_buf, &partial, &reference_buf],
        );
        let mut enc = d.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("sweep"),
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("sweep"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups as u32, hs.len() as u32, 1);
        }
        enc.copy_buffer_to_buffer(&partial, 0, &read, 0, bytes);
        let index = self.queue.submit([enc.finish()]);
        let maxima = p.decode(&self.read_back(&read, index)?);
        Ok((0..schemes.len())
            .map(|s| {
                (0..hs.len())
                    .map(|k| {
                        let at = (s * hs.len() + k) * groups;
                        maxima[at..at + groups].iter().copied().fold(0.0, f64::max)
                    })
                    .collect()
            })
            .collect())
    }
}
