//! The tiled grid engine on the GPU. A grid larger than one storage binding, than 65535
//! workgroups per dimension, or than the memory budget runs as several dispatches over tiles
//! of consecutive points. Two slots of buffers alternate: while the host consumes tile k from
//! one slot's mapped staging buffers, the GPU computes tile k+1 into the other's.
//!
//! The shader is `shaders/grid.wgsl` filled by [`super::codegen`]; its CPU twin is
//! [`crate::cpu::CpuEngine`].

use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::layout::{Consts, GridParams, WORKGROUP_SIZE};
use super::{GpuContext, Kernel, codegen};
use crate::engine::{DeviceInfo, Engine, EngineTimes, Real, TileView};
use crate::error::{Error, Result};
use crate::grid::{Field, Precision};
use crate::spec::FieldSpec;

/// Memory the buffers of one run may use, all slots together (outputs and staging), on an
/// adapter whose memory is the host's (software, integrated): it counts against the process.
pub const DEFAULT_BUDGET_BYTES: usize = 128 << 20;

/// The same on a discrete GPU, whose outputs live in its own memory (only staging, half of
/// it, is host memory). Measured on an H200 (NVIDIA 580, 16-core host, 2026-11-28):
/// allocating the slots was a run's largest fixed cost, growing faster than the buffers
/// (15 ms for 8 MiB buffers, 45–54 ms for 16–22 MiB, 190 ms for 90 MiB), while a tile of
/// 2^20 points already moved at the link's speed. 1 GiB (tiles of 22 M f32 points) cost
/// 800 MB of RSS; tiles of 2^21 points (this budget for three f32 fields) 165 MB, and were
/// the fastest of five tile sizes timed in one call (sin 2^28: 100 ms unchecked, 391 ms
/// checked; 308 and 635 ms with 1 GiB in another call).
pub const DISCRETE_BUDGET_BYTES: usize = 96 << 20;

/// The buffer budget for an adapter.
pub fn budget_for(ctx: &GpuContext) -> usize {
    if ctx.is_discrete() {
        DISCRETE_BUDGET_BYTES
    } else {
        DEFAULT_BUDGET_BYTES
    }
}

struct Timer {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    read: wgpu::Buffer,
}

struct Pending {
    start: usize,
    len: usize,
    index: wgpu::SubmissionIndex,
    mapped: Arc<AtomicUsize>,
    failed: Arc<Mutex<Option<wgpu::BufferAsyncError>>>,
    maps: usize,
}

struct Slot {
    params: wgpu::Buffer,
    outputs: Vec<Option<wgpu::Buffer>>,
    staging: Vec<Option<wgpu::Buffer>>,
    bind_group: wgpu::BindGroup,
    timer: Option<Timer>,
    pending: Option<Pending>,
}

/// The GPU engine for one request, producing values of type `T` (f32 or f64).
pub struct GpuEngine<'c, T: Real> {
    ctx: &'c GpuContext,
    spec: FieldSpec,
    fields: Vec<Field>,
    pipeline: Arc<wgpu::ComputePipeline>,
    consts: wgpu::Buffer,
    x_bases: u32,
    y_bases: u32,
    tile_cap: usize,
    _values: PhantomData<T>,
}

impl<'c, T: Real> GpuEngine<'c, T> {
    /// Compiles (or reuses) the kernel and uploads the constants. `tile_points` caps the
    /// tile size below what the adapter's limits and `budget_bytes` allow.
    pub fn new(
        ctx: &'c GpuContext,
        spec: &FieldSpec,
        tile_points: Option<usize>,
        budget_bytes: usize,
    ) -> Result<GpuEngine<'c, T>> {
        let tile_points = tile_points.unwrap_or(usize::MAX);
        if spec.precision != T::PRECISION {
            return Err(Error::internal(format!(
                "a GPU engine of {} values for a {} request",
                T::PRECISION,
                spec.precision
            )));
        }
        if spec.precision == Precision::F64 && !ctx.f64 {
            return Err(Error::Unsupported(format!(
                "{} has no f64 in shaders",
                ctx.describe()
            )));
        }
        let source = codegen::grid_source_for(spec, ctx.target())?;
        let pipeline = ctx.pipeline(Kernel::Grid, &source)?;
        let fields = spec.field_list();
        let consts = Consts::new(spec, &[]);
        let (x_bases, y_bases) = (consts.x_bases, consts.y_bases);
        let consts = ctx.constants("consts", &consts.words, spec.precision);
        let bytes = std::mem::size_of::<T>();
        let per_field_cap = (ctx.limits.max_storage_buffer_binding_size as usize)
            .min(ctx.limits.max_buffer_size as usize)
            / bytes;
        // Two slots, each with an output and a staging buffer per field.
        let budget_cap = budget_bytes / (4 * fields.len().max(1) * bytes);
        let tile_cap = tile_points
            .min(per_field_cap)
            .min(budget_cap)
            .min(u32::MAX as usize / 2)
            .max(1);
        Ok(GpuEngine {
            ctx,
            spec: spec.clone(),
            fields,
            pipeline,
            consts,
            x_bases,
            y_bases,
            tile_cap,
            _values: PhantomData,
        })
    }

    /// Points per tile this engine uses.
    pub fn tile_points(&self) -> usize {
        self.tile_cap
    }

    fn slot(&self, cap: usize) -> Slot {
        let d = &self.ctx.device;
        let bytes = (cap * std::mem::size_of::<T>()) as u64;
        let params = super::buffer(
            d,
            "params",
            std::mem::size_of::<GridParams>() as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        // Unrequested outputs get a small buffer the kernel never touches.
        let dummy = super::buffer(d, "unused output", 16, wgpu::BufferUsages::STORAGE);
        let mut outputs = Vec::new();
        let mut staging = Vec::new();
        for f in Field::ALL {
            if self.fields.contains(&f) {
                outputs.push(Some(super::buffer(
                    d,
                    f.name(),
                    bytes.max(16),
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                )));
                staging.push(Some(super::buffer(
                    d,
                    "staging",
                    bytes.max(16),
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                )));
            } else {
                outputs.push(None);
                staging.push(None);
            }
        }
        let mut buffers = vec![&params, &self.consts];
        buffers.extend(outputs.iter().map(|o| o.as_ref().unwrap_or(&dummy)));
        let bind_group = self.ctx.bind_group(Kernel::Grid, &buffers);
        let timer = self.ctx.timestamps.then(|| Timer {
            set: d.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("kernel time"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            resolve: super::buffer(
                d,
                "timestamps",
                16,
                wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            ),
            read: super::buffer(
                d,
                "timestamps read",
                16,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            ),
        });
        Slot {
            params,
            outputs,
            staging,
            bind_group,
            timer,
            pending: None,
        }
    }

    fn submit(&self, slot: &mut Slot, start: usize, len: usize) {
        let grid = &self.spec.grid;
        let [x_off, y_off, x_last, y_last] = super::layout::window_params(grid);
        let params = GridParams {
            nx: grid.x.n as u32,
            ny: grid.y.map_or(1, |y| y.n as u32),
            tile_start: start as u32,
            tile_len: len as u32,
            x_bases: self.x_bases,
            y_bases: self.y_bases,
            x_off,
            y_off,
            x_last,
            y_last,
            pad0: 0,
            pad1: 0,
        };
        let q = &self.ctx.queue;
        q.write_buffer(&slot.params, 0, bytemuck::bytes_of(&params));
        let mut enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("tile"),
            });
        {
            let timestamp_writes = slot
                .timer
                .as_ref()
                .map(|t| wgpu::ComputePassTimestampWrites {
                    query_set: &t.set,
                    beginning_of_pass_write_index: Some(0),
                    end_of_pass_write_index: Some(1),
                });
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("grid"),
                timestamp_writes,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &slot.bind_group, &[]);
            let (wx, wy) = self.dispatch_size(len);
            pass.dispatch_workgroups(wx, wy, 1);
        }
        let bytes = (len * std::mem::size_of::<T>()) as u64;
        for (out, stage) in slot.outputs.iter().zip(&slot.staging) {
            if let (Some(o), Some(s)) = (out, stage) {
                enc.copy_buffer_to_buffer(o, 0, s, 0, bytes);
            }
        }
        if let Some(t) = &slot.timer {
            enc.resolve_query_set(&t.set, 0..2, &t.resolve, 0);
            enc.copy_buffer_to_buffer(&t.resolve, 0, &t.read, 0, 16);
        }
        let index = q.submit([enc.finish()]);
        let mapped = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(Mutex::new(None));
        let mut maps = 0;
        let mut map = |buf: &wgpu::Buffer, size: u64| {
            let (m, f) = (mapped.clone(), failed.clone());
            buf.map_async(wgpu::MapMode::Read, 0..size, move |r| {
                if let Err(e) = r
                    && let Ok(mut f) = f.lock()
                {
                    *f = Some(e);
                }
                m.fetch_add(1, Ordering::SeqCst);
            });
            maps += 1;
        };
        for s in slot.staging.iter().flatten() {
            map(s, bytes);
        }
        if let Some(t) = &slot.timer {
            map(&t.read, 16);
        }
        slot.pending = Some(Pending {
            start,
            len,
            index,
            mapped,
            failed,
            maps,
        });
    }

    /// Workgroups for `len` points: 1-D while it fits the per-dimension limit, else 2-D
    /// (the kernel linearises the workgroup id).
    fn dispatch_size(&self, len: usize) -> (u32, u32) {
        let per_group = WORKGROUP_SIZE as usize * codegen::POINTS_PER_INVOCATION as usize;
        self.ctx.dispatch_size(len.div_ceil(per_group))
    }

    /// Waits for a slot's tile and its maps; returns the tile's range and the kernel time (ms)
    /// if timestamps were taken.
    fn wait_slot(&self, slot: &mut Slot) -> Result<(usize, usize, Option<f64>)> {
        let p = slot.pending.take().expect("a submitted slot");
        self.ctx.wait(p.index)?;
        // Map callbacks run inside poll; give them a bounded number of extra polls.
        let deadline = Instant::now() + super::GPU_TIMEOUT;
        while p.mapped.load(Ordering::SeqCst) < p.maps {
            if Instant::now() > deadline {
                return Err(Error::Device("a buffer map never completed".into()));
            }
            self.ctx
                .device
                .poll(wgpu::PollType::Poll)
                .map_err(|e| Error::Device(e.to_string()))?;
            std::thread::yield_now();
        }
        if let Some(e) = p.failed.lock().expect("not poisoned").take() {
            return Err(Error::device(format!("a GPU buffer map failed: {e}")));
        }
        let kernel_ms = match &slot.timer {
            Some(t) => {
                let ticks: [u64; 2] = {
                    let view = t
                        .read
                        .get_mapped_range(0..16)
                        .map_err(|e| Error::Device(e.to_string()))?;
                    bytemuck::pod_read_unaligned(&view)
                };
                t.read.unmap();
                let period = self.ctx.queue.get_timestamp_period() as f64;
                Some(ticks[1].saturating_sub(ticks[0]) as f64 * period * 1e-6)
            }
            None => None,
        };
        Ok((p.start, p.len, kernel_ms))
    }

    /// Hands the slot's mapped staging buffers to `sink` as a view, read in place (no copy
    /// into fresh memory), then unmaps them; returns the time `sink` took (ms).
    fn consume(
        &self,
        slot: &Slot,
        start: usize,
        len: usize,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<f64> {
        let bytes = (len * std::mem::size_of::<T>()) as u64;
        let mut guards = Vec::new();
        for s in slot.staging.iter() {
            guards.push(match s {
                Some(s) => Some(
                    s.get_mapped_range(0..bytes)
                        .map_err(|e| Error::Device(e.to_string()))?,
                ),
                None => None,
            });
        }
        // Mapped ranges are aligned far beyond T's needs; copy only if one ever were not.
        let owned: Vec<Option<Vec<T>>> = guards
            .iter()
            .map(|g| {
                g.as_ref()
                    .filter(|g| bytemuck::try_cast_slice::<u8, T>(g).is_err())
                    .map(|g| bytemuck::pod_collect_to_vec::<u8, T>(g))
            })
            .collect();
        let empty: &[T] = &[];
        let mut values = [empty; 5];
        for (k, g) in guards.iter().enumerate() {
            values[k] = match (&owned[k], g) {
                (Some(v), _) => v.as_slice(),
                (None, Some(g)) => bytemuck::cast_slice(g),
                (None, None) => empty,
            };
        }
        let t0 = Instant::now();
        let result = sink(&TileView { start, len, values });
        let sink_ms = t0.elapsed().as_secs_f64() * 1e3;
        drop(guards);
        for s in slot.staging.iter().flatten() {
            s.unmap();
        }
        result.map(|()| sink_ms)
    }
}

impl<T: Real> Engine<T> for GpuEngine<'_, T> {
    fn run(
        &mut self,
        tile_points: Option<usize>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<EngineTimes> {
        let total = self.spec.grid.len();
        let cap = self
            .tile_cap
            .min(tile_points.unwrap_or(usize::MAX).max(1))
            .min(total.max(1));
        let ranges: Vec<(usize, usize)> = (0..total)
            .step_by(cap)
            .map(|s| (s, cap.min(total - s)))
            .collect();
        let mut times = EngineTimes::default();
        let started = Instant::now();
        let mut slots: Vec<Slot> = (0..ranges.len().min(2)).map(|_| self.slot(cap)).collect();
        times.setup = started.elapsed().as_secs_f64() * 1e3;
        for (k, &(s, l)) in ranges.iter().enumerate().take(2) {
            self.submit(&mut slots[k], s, l);
        }
        let mut all_timed = true;
        for k in 0..ranges.len() {
            let t0 = Instant::now();
            let (start, len, kernel) = self.wait_slot(&mut slots[k % 2])?;
            times.readback += t0.elapsed().as_secs_f64() * 1e3;
            match kernel {
                Some(ms) => times.kernel += ms,
                None => all_timed = false,
            }
            let t0 = Instant::now();
            let sink_ms = self.consume(&slots[k % 2], start, len, sink)?;
            times.readback += t0.elapsed().as_secs_f64() * 1e3 - sink_ms;
            if let Some(&(s, l)) = ranges.get(k + 2) {
                let t0 = Instant::now();
                self.submit(&mut slots[k % 2], s, l);
                times.readback += t0.elapsed().as_secs_f64() * 1e3;
            }
        }
        times.kernel_from_timestamps = all_timed;
        if !all_timed {
            // Without timestamps, the wall time of the GPU work is the best we have.
            times.kernel = started.elapsed().as_secs_f64() * 1e3;
        }
        Ok(times)
    }

    fn device(&self) -> DeviceInfo {
        self.ctx.device_info()
    }
}
