//! The step-size sweep (the article's Exercise 1, made quantitative): the largest error of
//! each finite-difference scheme against the float64 analytic derivative for every h on a
//! log grid, in each precision, beside the error model E(h) ≈ C1·h^p + C2·ε/h.
//!
//! On the GPU all (h, point) pairs run in one dispatch per precision (h is the second
//! dispatch dimension, every scheme in the same invocation), and the maximum per h is reduced
//! on the GPU: the host reads back one number per scheme, step and workgroup.

use std::path::Path;

use bytemuck::{Pod, Zeroable};
use serde::Serialize;

use crate::cpu::{CpuEngine, Real};
use crate::error::{Error, Result};
use crate::expr::{Program, Var};
use crate::gpu::{GpuContext, codegen};
use crate::grid::{Field, Fields, Grid, MathMode, Precision, Scheme};
use crate::plot::FigureSize;
use crate::progress::{Bar, Progress};
use crate::spec::FieldSpec;

/// Per-dispatch parameters. Must match `Params` in `shaders/sweep.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct SweepParams {
    nx: u32,
    ny: u32,
    points: u32,
    steps: u32,
    x_bases: u32,
    y_bases: u32,
    steps_at: u32,
    pad: u32,
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Smallest step.
    pub h_min: f64,
    /// Largest step.
    pub h_max: f64,
    /// Steps, log-spaced from `h_min` to `h_max`.
    pub steps: usize,
    /// Schemes.
    pub schemes: Vec<Scheme>,
    /// Precisions.
    pub precisions: Vec<Precision>,
    /// f32 math library.
    pub math: MathMode,
}

impl Default for SweepOptions {
    fn default() -> SweepOptions {
        SweepOptions {
            h_min: 1e-10,
            h_max: 1.0,
            steps: 41,
            schemes: vec![Scheme::Forward, Scheme::Central, Scheme::FivePoint],
            precisions: vec![Precision::F32, Precision::F64],
            math: MathMode::Accurate,
        }
    }
}

/// One scheme in one precision.
#[derive(Clone, Debug, Serialize)]
pub struct SweepCurve {
    /// Scheme name.
    pub scheme: String,
    /// `f32` or `f64`.
    pub precision: String,
    /// Truncation order p.
    pub order: i32,
    /// The steps.
    pub h: Vec<f64>,
    /// Largest |finite difference − exact derivative| over the grid, per step.
    pub max_abs_err: Vec<f64>,
    /// The step with the smallest error.
    pub best_h: f64,
    /// That error.
    pub best_err: f64,
    /// The error model's prediction at each step.
    pub theory: Vec<f64>,
    /// Where the model puts the optimum: (R / (p·C1))^(1/(p+1)).
    pub theory_best_h: f64,
    /// The model's error there.
    pub theory_best_err: f64,
    /// Where it was computed.
    pub device: String,
}

/// A whole sweep.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// The expression.
    pub expression: String,
    /// Points in the grid.
    pub points: usize,
    /// One curve per scheme × precision.
    pub curves: Vec<SweepCurve>,
}

/// Log-spaced steps from `lo` to `hi`.
pub fn log_steps(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..n)
        .map(|k| 10f64.powf(a + (b - a) * k as f64 / (n - 1).max(1) as f64))
        .collect()
}

fn check_options(opts: &SweepOptions) -> Result<()> {
    let ok = |h: f64| h.is_finite() && h > 0.0;
    if !ok(opts.h_min) || !ok(opts.h_max) || opts.h_min >= opts.h_max {
        return Err(Error::input(format!(
            "the steps must satisfy 0 < --h-min < --h-max (got {} and {})",
            opts.h_min, opts.h_max
        )));
    }
    if !(2..=1000).contains(&opts.steps) {
        return Err(Error::input("--steps must be between 2 and 1000"));
    }
    if opts.schemes.is_empty() || opts.precisions.is_empty() {
        return Err(Error::input("give at least one scheme and one precision"));
    }
    Ok(())
}

/// The error model for one scheme and precision on this grid: (C1·M_{p+1}, R) such that
/// E(h) ≈ C1·M·h^p + R/h, where M is the largest |f^(p+1)| and R the round-off numerator
/// (Σ|w|/den)·ε·max(|f| + |x·f′|/2): each f carries about an ulp, and rounding the stencil
/// coordinate x + h moves it by half an ulp of x.
fn model(spec: &FieldSpec, scheme: Scheme, precision: Precision) -> Option<(f64, f64)> {
    let p = scheme.order();
    let mut d = spec.expr.clone();
    for _ in 0..=p {
        d = d.derivative(Var::X);
        if d.depth() > 4 * crate::expr::MAX_DEPTH {
            return None;
        }
    }
    let prog = Program::compile(&[&spec.expr, &spec.grad_x, &d]);
    let grid = spec.grid;
    let (mut m, mut r) = (0.0f64, 0.0f64);
    let stride = (grid.len() / 4096).max(1);
    for k in (0..grid.len()).step_by(stride) {
        let pt = grid.point(k, precision);
        let (x, y) = (pt[0], pt.get(1).copied().unwrap_or(0.0));
        let v = prog.eval_f64(x, y);
        if v.iter().all(|a| a.is_finite()) {
            m = m.max(v[2].abs());
            r = r.max(v[0].abs() + 0.5 * (x * v[1]).abs());
        }
    }
    let c1 = scheme.truncation_constant() * m;
    let roundoff = scheme.roundoff_constant() * precision.epsilon() * r;
    Some((c1, roundoff))
}

fn curve_from(
    scheme: Scheme,
    precision: Precision,
    hs: &[f64],
    errs: Vec<f64>,
    spec: &FieldSpec,
    device: &str,
) -> SweepCurve {
    let (best_h, best_err) = hs
        .iter()
        .zip(&errs)
        .filter(|(_, e)| e.is_finite() && **e > 0.0)
        .fold((f64::NAN, f64::INFINITY), |acc, (&h, &e)| {
            if e < acc.1 { (h, e) } else { acc }
        });
    let p = scheme.order();
    let (theory, tbh, tbe) = match model(spec, scheme, precision) {
        Some((c1, r)) if c1 > 0.0 && r > 0.0 => {
            let e = |h: f64| c1 * h.powi(p) + r / h;
            let hstar = (r / (p as f64 * c1)).powf(1.0 / (p + 1) as f64);
            (hs.iter().map(|&h| e(h)).collect(), hstar, e(hstar))
        }
        _ => (vec![f64::NAN; hs.len()], f64::NAN, f64::NAN),
    };
    SweepCurve {
        scheme: scheme.name().into(),
        precision: precision.name().into(),
        order: p,
        h: hs.to_vec(),
        max_abs_err: errs,
        best_h,
        best_err,
        theory,
        theory_best_h: tbh,
        theory_best_err: tbe,
        device: device.into(),
    }
}

/// Runs the sweep on the GPU (per precision the adapter supports) or the CPU.
pub fn run_sweep(
    source: &str,
    grid: Grid,
    opts: &SweepOptions,
    ctx: Option<&GpuContext>,
    progress: &Progress,
) -> Result<Sweep> {
    check_options(opts)?;
    let hs = log_steps(opts.h_min, opts.h_max, opts.steps);
    let mut curves = Vec::new();
    let bar = progress.bar(
        (opts.precisions.len() * opts.schemes.len() * hs.len()) as u64,
        "steps",
    );
    for &precision in &opts.precisions {
        let spec = FieldSpec::new(source, grid)?
            .with_precision(precision)
            .with_math(opts.math);
        bar.message(format!("sweep {}", precision.name()));
        let (per_scheme, device) = match ctx {
            Some(c) if precision == Precision::F32 || c.f64 => {
                let errs = sweep_gpu(c, &spec, &opts.schemes, &hs)?;
                bar.inc((opts.schemes.len() * hs.len()) as u64);
                (errs, format!("gpu: {}", c.describe()))
            }
            _ => (
                sweep_cpu(&spec, &opts.schemes, &hs, &bar)?,
                "cpu".to_string(),
            ),
        };
        for (scheme, errs) in opts.schemes.iter().zip(per_scheme) {
            curves.push(curve_from(*scheme, precision, &hs, errs, &spec, &device));
        }
    }
    bar.finish();
    Ok(Sweep {
        expression: source.trim().to_string(),
        points: grid.len(),
        curves,
    })
}

/// The exact derivative along x at every point, as (hi, lo) in the sweep's precision.
fn reference_words(spec: &FieldSpec) -> Result<Vec<f64>> {
    let reference = CpuEngine::<f64>::new(
        spec,
        Some(crate::tolerance::ErrorModel::gpu(spec.precision, spec.math)),
    )?
    .eval(0, spec.grid.len());
    let p = spec.precision;
    Ok(reference
        .values(Field::GradX)
        .iter()
        .flat_map(|&g| {
            let hi = p.round(g);
            [hi, p.round(g - hi)]
        })
        .collect())
}

/// The CPU twin of `shaders/sweep.wgsl`: the CPU engine's finite differences per step,
/// advancing `bar` by one per step.
pub fn sweep_cpu(
    spec: &FieldSpec,
    schemes: &[Scheme],
    hs: &[f64],
    bar: &Bar,
) -> Result<Vec<Vec<f64>>> {
    let words = reference_words(spec)?;
    let n = spec.grid.len();
    let mut out = Vec::new();
    for &scheme in schemes {
        let mut errs = Vec::with_capacity(hs.len());
        for &h in hs {
            let s = spec
                .clone()
                .with_h(h)?
                .with_scheme(scheme)
                .with_fields(Fields {
                    f: false,
                    fd: true,
                    grad: false,
                })?;
            let fd: Vec<f64> = match spec.precision {
                Precision::F32 => CpuEngine::<f32>::new(&s, None)?
                    .eval(0, n)
                    .values(Field::FdX)
                    .iter()
                    .map(|v| v.to_f64())
                    .collect(),
                Precision::F64 => CpuEngine::<f64>::new(&s, None)?
                    .eval(0, n)
                    .values(Field::FdX)
                    .to_vec(),
            };
            let e = fd
                .iter()
                .enumerate()
                .map(|(i, &v)| ((v - words[2 * i]) - words[2 * i + 1]).abs())
                .filter(|e| e.is_finite())
                .fold(0.0, f64::max);
            errs.push(e);
            bar.inc(1);
        }
        out.push(errs);
    }
    Ok(out)
}

fn sweep_gpu(
    ctx: &GpuContext,
    spec: &FieldSpec,
    schemes: &[Scheme],
    hs: &[f64],
) -> Result<Vec<Vec<f64>>> {
    match spec.precision {
        Precision::F32 => sweep_gpu_typed::<f32>(ctx, spec, schemes, hs),
        Precision::F64 => sweep_gpu_typed::<f64>(ctx, spec, schemes, hs),
    }
}

fn sweep_gpu_typed<T: Real>(
    ctx: &GpuContext,
    spec: &FieldSpec,
    schemes: &[Scheme],
    hs: &[f64],
) -> Result<Vec<Vec<f64>>> {
    use wgpu::util::DeviceExt;
    let grid = spec.grid;
    let p = spec.precision;
    let n = grid.len();
    let groups = n.div_ceil(256);
    let max_groups = ctx.limits.max_compute_workgroups_per_dimension as usize;
    if groups > max_groups || hs.len() > max_groups {
        return Err(Error::input(format!(
            "a GPU sweep takes at most {} points and {max_groups} steps",
            max_groups * 256
        )));
    }
    let source = codegen::sweep_source_for(spec, schemes, ctx.target())?;
    let pipeline = ctx.pipeline(&source)?;
    // Constants: the grid's, then SWEEP_STEP_CONSTS per step.
    let mut consts = vec![0.0f64; 16];
    consts[0] = p.round(grid.x.step());
    consts[2] = grid.x.max;
    consts[4] = 1.0;
    if let Some(y) = grid.y {
        consts[1] = p.round(y.step());
        consts[3] = y.max;
    }
    let x_bases = consts.len() as u32;
    consts.extend(grid.x.segment_bases(p));
    let y_bases = consts.len() as u32;
    if let Some(y) = grid.y {
        consts.extend(y.segment_bases(p));
    }
    let steps_at = consts.len() as u32;
    for &h in hs {
        for m in [1.0, -1.0, 2.0, -2.0, 1.0, 2.0, 12.0] {
            consts.push(p.round(m * h));
        }
    }
    let to_t = |v: &[f64]| -> Vec<T> { v.iter().map(|&c| T::from_f64(c)).collect() };
    let d = &ctx.device;
    let consts_buf = d.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("sweep consts"),
        contents: bytemuck::cast_slice(&to_t(&consts)),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let reference = d.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("sweep reference"),
        contents: bytemuck::cast_slice(&to_t(&reference_words(spec)?)),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let params = SweepParams {
        nx: grid.x.n as u32,
        ny: grid.y.map_or(1, |y| y.n as u32),
        points: n as u32,
        steps: hs.len() as u32,
        x_bases,
        y_bases,
        steps_at,
        pad: 0,
    };
    let params_buf = d.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("sweep params"),
        contents: bytemuck::bytes_of(&params),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let count = schemes.len() * hs.len() * groups;
    let bytes = (count * std::mem::size_of::<T>()) as u64;
    let partial = crate::gpu::buffer(
        d,
        "sweep partial maxima",
        bytes,
        wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
    );
    let read = crate::gpu::buffer(
        d,
        "sweep readback",
        bytes,
        wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
    );
    let dummy = crate::gpu::buffer(d, "unused", 16, wgpu::BufferUsages::STORAGE);
    let mut entries = vec![
        wgpu::BindGroupEntry {
            binding: 0,
            resource: params_buf.as_entire_binding(),
        },
        wgpu::BindGroupEntry {
            binding: 1,
            resource: consts_buf.as_entire_binding(),
        },
        wgpu::BindGroupEntry {
            binding: 2,
            resource: partial.as_entire_binding(),
        },
        wgpu::BindGroupEntry {
            binding: 3,
            resource: reference.as_entire_binding(),
        },
    ];
    for b in 4..2 + crate::gpu::OUTPUT_BINDINGS {
        entries.push(wgpu::BindGroupEntry {
            binding: b,
            resource: dummy.as_entire_binding(),
        });
    }
    let bind = d.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("sweep"),
        layout: &ctx.layout,
        entries: &entries,
    });
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
    let index = ctx.queue.submit([enc.finish()]);
    let (tx, rx) = std::sync::mpsc::channel();
    read.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    ctx.wait(index)?;
    rx.recv_timeout(crate::gpu::GPU_TIMEOUT)
        .map_err(|_| Error::Gpu("the sweep's readback never completed".into()))??;
    let maxima: Vec<f64> = {
        let view = read
            .get_mapped_range(..)
            .map_err(|e| Error::Gpu(e.to_string()))?;
        bytemuck::cast_slice::<u8, T>(&view)
            .iter()
            .map(|v| v.to_f64())
            .collect()
    };
    read.unmap();
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

/// A plain-text table: scheme, precision, best h and error, the model's.
pub fn sweep_table(s: &Sweep) -> String {
    let mut out = format!(
        "{:<11} {:<9} {:>3} {:>10} {:>10} {:>14} {:>14}\n",
        "scheme", "precision", "p", "best h", "best err", "theory best h", "theory err"
    );
    for c in &s.curves {
        out += &format!(
            "{:<11} {:<9} {:>3} {:>10.2e} {:>10.2e} {:>14.2e} {:>14.2e}\n",
            c.scheme,
            c.precision,
            c.order,
            c.best_h,
            c.best_err,
            c.theory_best_h,
            c.theory_best_err
        );
    }
    out
}

/// The sweep figure: log-log error against h, one curve per scheme × precision with its
/// measured points, the model as thin dotted lines, the optimum marked, and the truncation
/// and round-off regions labelled.
pub fn sweep_png(s: &Sweep, size: FigureSize, path: &Path) -> Result<()> {
    crate::plot::sweep_figure(s, size)?.save_png(path)
}
