//! `gradfield bench`: GPU against CPU on the work the article's users run (f, a central
//! difference and the analytic derivative over a grid) for a range of sizes: GPU kernel time
//! (timestamp queries), GPU end-to-end time (results mapped into host memory), CPU engine
//! time in f64 and f32; points per second and effective bandwidth (bytes written ÷ time)
//! beside the adapter's measured copy bandwidth. Medians of repeated runs after a warm-up.
//! Timings are measured here, never asserted in tests.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::cpu::{CpuEngine, Real, TileView};
use crate::error::{Error, Result};
use crate::gpu::{GpuContext, GpuEngine, budget_for};
use crate::grid::{Axis, Grid, Precision};
use crate::plot::FigureSize;
use crate::progress::Progress;
use crate::run::Engine;
use crate::spec::FieldSpec;

/// One benchmark case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// sin on [−π, π] (peers.py's 1-D case).
    Sin1d,
    /// 0.3·sin(3x) + 0.5·x² + 0.5·y² on [−3, 3]² (peers.py's 2-D case).
    Loss2d,
    /// Rosenbrock on its domain.
    Rosenbrock,
    /// Rastrigin on its domain.
    Rastrigin,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 4] = [Case::Sin1d, Case::Loss2d, Case::Rosenbrock, Case::Rastrigin];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Case::Sin1d => "sin1d",
            Case::Loss2d => "loss2d",
            Case::Rosenbrock => "rosenbrock",
            Case::Rastrigin => "rastrigin",
        }
    }

    /// The request for about `points` points.
    pub fn spec(self, points: usize, precision: Precision) -> Result<FieldSpec> {
        let side = ((points as f64).sqrt().round() as usize).max(2);
        let (src, grid) = match self {
            Case::Sin1d => (
                "sin(x)",
                Grid::line(Axis::new(
                    "x",
                    -std::f64::consts::PI,
                    std::f64::consts::PI,
                    points.max(2),
                )?),
            ),
            Case::Loss2d => (
                "0.3*sin(3*x) + 0.5*x^2 + 0.5*y^2",
                Grid::plane(
                    Axis::new("x", -3.0, 3.0, side)?,
                    Axis::new("y", -3.0, 3.0, side)?,
                )?,
            ),
            Case::Rosenbrock => (
                "rosenbrock",
                Grid::plane(
                    Axis::new("x", -2.0, 2.0, side)?,
                    Axis::new("y", -1.0, 3.0, side)?,
                )?,
            ),
            Case::Rastrigin => (
                "rastrigin",
                Grid::plane(
                    Axis::new("x", -5.12, 5.12, side)?,
                    Axis::new("y", -5.12, 5.12, side)?,
                )?,
            ),
        };
        Ok(FieldSpec::new(src, grid)?.with_precision(precision))
    }
}

impl std::str::FromStr for Case {
    type Err = Error;
    fn from_str(s: &str) -> Result<Case> {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                Error::input(format!(
                    "unknown case `{s}`; use sin1d, loss2d, rosenbrock or rastrigin"
                ))
            })
    }
}

/// One measurement.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// Case name.
    pub case: String,
    /// `gpu kernel`, `gpu end-to-end`, `cpu f64`, `cpu f32`.
    pub engine: String,
    /// Grid points.
    pub points: usize,
    /// Median time in milliseconds.
    pub ms: f64,
    /// Million points per second.
    pub mpts_per_s: f64,
    /// Bytes written ÷ time, GB/s.
    pub gb_per_s: f64,
}

/// The whole benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct Bench {
    /// The GPU, if one was used.
    pub adapter: Option<String>,
    /// The adapter's device-to-device copy bandwidth (read + write), GB/s.
    pub copy_gb_per_s: Option<f64>,
    /// CPU threads.
    pub cpu_threads: usize,
    /// Repetitions after the warm-up.
    pub reps: usize,
    /// The measurements.
    pub rows: Vec<BenchRow>,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Cases.
    pub cases: Vec<Case>,
    /// Sizes in points.
    pub sizes: Vec<usize>,
    /// Repetitions after one warm-up.
    pub reps: usize,
    /// Run the GPU.
    pub gpu: bool,
    /// Run the CPU engine (up to this many points).
    pub cpu_max: usize,
}

impl Default for BenchOptions {
    fn default() -> BenchOptions {
        BenchOptions {
            cases: Case::ALL.to_vec(),
            sizes: (6..=11).map(|k| 1usize << (2 * k)).collect(),
            reps: 5,
            gpu: true,
            cpu_max: 1 << 24,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn row(case: Case, engine: &str, points: usize, bytes: usize, ms: f64) -> BenchRow {
    BenchRow {
        case: case.name().into(),
        engine: engine.into(),
        points,
        ms,
        mpts_per_s: points as f64 / (ms * 1e3),
        gb_per_s: bytes as f64 / (ms * 1e6),
    }
}

/// Runs the benchmark on `ctx` (if given) and the CPU.
pub fn run_bench(
    opts: &BenchOptions,
    ctx: Option<&GpuContext>,
    progress: &Progress,
) -> Result<Bench> {
    if opts.reps == 0 || opts.sizes.is_empty() || opts.cases.is_empty() {
        return Err(Error::input(
            "give at least one case, one size and one repetition",
        ));
    }
    let copy = match ctx {
        Some(c) if c.timestamps => Some(copy_bandwidth(c)?),
        _ => None,
    };
    let total = opts.cases.len() * opts.sizes.len();
    let bar = progress.bar(total as u64, "runs");
    let mut rows = Vec::new();
    for &case in &opts.cases {
        for &n in &opts.sizes {
            bar.message(format!("{} {n}", case.name()));
            if let Some(c) = ctx {
                let spec = case.spec(n, Precision::F32)?;
                let bytes = spec.grid.len() * spec.field_list().len() * 4;
                let mut engine = GpuEngine::<f32>::new(c, &spec, None, budget_for(c))?;
                let mut kernel = Vec::new();
                let mut e2e = Vec::new();
                for rep in 0..=opts.reps {
                    let t0 = Instant::now();
                    let times = engine.run(None, &mut |_t: &TileView<'_, f32>| Ok(()))?;
                    let wall = t0.elapsed().as_secs_f64() * 1e3;
                    if rep > 0 {
                        kernel.push(times.kernel);
                        e2e.push(wall);
                    }
                }
                rows.push(row(
                    case,
                    "gpu kernel",
                    spec.grid.len(),
                    bytes,
                    median(kernel),
                ));
                rows.push(row(
                    case,
                    "gpu end-to-end",
                    spec.grid.len(),
                    bytes,
                    median(e2e),
                ));
            }
            if n <= opts.cpu_max {
                for precision in [Precision::F64, Precision::F32] {
                    let spec = case.spec(n, precision)?;
                    let ms = match precision {
                        Precision::F64 => cpu_time::<f64>(&spec, opts.reps)?,
                        Precision::F32 => cpu_time::<f32>(&spec, opts.reps)?,
                    };
                    let bytes = spec.grid.len() * spec.field_list().len() * precision.bytes();
                    rows.push(row(
                        case,
                        &format!("cpu {precision}"),
                        spec.grid.len(),
                        bytes,
                        ms,
                    ));
                }
            }
            bar.inc(1);
        }
    }
    bar.finish();
    Ok(Bench {
        adapter: ctx.map(GpuContext::describe),
        copy_gb_per_s: copy,
        cpu_threads: rayon::current_num_threads(),
        reps: opts.reps,
        rows,
    })
}

/// The CPU engine's median time over `reps` runs into a reused tile, after a warm-up.
fn cpu_time<T: Real>(spec: &FieldSpec, reps: usize) -> Result<f64> {
    let engine = CpuEngine::<T>::new(spec, None)?;
    let mut tile = engine.eval(0, spec.grid.len());
    let mut times = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        engine.eval_into(&mut tile);
        times.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    Ok(median(times))
}

/// Device-to-device copy bandwidth (read + write), GB/s: the median of five timestamped
/// copies of a quarter of the largest buffer (at most 256 MiB).
pub fn copy_bandwidth(ctx: &GpuContext) -> Result<f64> {
    const SHADER: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/copy.wgsl"));
    let d = &ctx.device;
    let bytes = (ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size)
        / 4)
    .min(256 << 20)
        / 16
        * 16;
    let module = d.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("copy"),
        source: wgpu::ShaderSource::Wgsl(SHADER.into()),
    });
    let pipeline = d.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("copy"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let buf = |usage| crate::gpu::buffer(d, "copy", bytes, usage);
    let (src, dst) = (
        buf(wgpu::BufferUsages::STORAGE),
        buf(wgpu::BufferUsages::STORAGE),
    );
    let bind = d.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("copy"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: src.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: dst.as_entire_binding(),
            },
        ],
    });
    let set = d.create_query_set(&wgpu::QuerySetDescriptor {
        label: Some("copy"),
        ty: wgpu::QueryType::Timestamp,
        count: 2,
    });
    let resolve = crate::gpu::buffer(
        d,
        "copy ts",
        16,
        wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
    );
    let read = crate::gpu::buffer(
        d,
        "copy ts read",
        16,
        wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
    );
    let vecs = (bytes / 16) as usize;
    let groups = vecs.div_ceil(256);
    let max = ctx.limits.max_compute_workgroups_per_dimension as usize;
    let (gx, gy) = (groups.min(max), groups.div_ceil(groups.min(max)));
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
            pass.dispatch_workgroups(gx as u32, gy as u32, 1);
        }
        enc.resolve_query_set(&set, 0..2, &resolve, 0);
        enc.copy_buffer_to_buffer(&resolve, 0, &read, 0, 16);
        let index = ctx.queue.submit([enc.finish()]);
        read.map_async(wgpu::MapMode::Read, .., |_| {});
        ctx.wait(index)?;
        let ticks: [u64; 2] = {
            let view = read
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(e.to_string()))?;
            bytemuck::pod_read_unaligned(&view)
        };
        read.unmap();
        let ns = ticks[1].saturating_sub(ticks[0]) as f64 * ctx.queue.get_timestamp_period() as f64;
        if rep > 0 && ns > 0.0 {
            gbps.push(2.0 * bytes as f64 / ns);
        }
    }
    Ok(if gbps.is_empty() {
        f64::NAN
    } else {
        median(gbps)
    })
}

/// The table printed on stderr.
pub fn table(b: &Bench) -> String {
    let mut s = String::new();
    if let Some(a) = &b.adapter {
        s += &format!("adapter: {a}\n");
    }
    if let Some(c) = b.copy_gb_per_s {
        s += &format!("device copy bandwidth (read + write): {c:.1} GB/s\n");
    }
    s += &format!(
        "CPU: {} threads; medians of {} runs after a warm-up\n",
        b.cpu_threads, b.reps
    );
    s += &format!(
        "{:<11} {:<15} {:>11} {:>11} {:>11} {:>9}\n",
        "case", "engine", "points", "ms", "Mpts/s", "GB/s"
    );
    for r in &b.rows {
        s += &format!(
            "{:<11} {:<15} {:>11} {:>11.3} {:>11.1} {:>9.2}\n",
            r.case, r.engine, r.points, r.ms, r.mpts_per_s, r.gb_per_s
        );
    }
    s
}

/// The figure: throughput against points, log-log, one panel per case.
pub fn bench_png(b: &Bench, size: FigureSize, path: &Path) -> Result<()> {
    crate::plot::bench_figure(b, size)?.save_png(path)
}
