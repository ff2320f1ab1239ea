//! The `gradfield` command: parses arguments, calls the library, prints, and maps errors to
//! exit codes (0 ok, 1 check failed, 2 bad input, 3 the machine failed).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use gradfield::gpu::GpuOptions;
use gradfield::grid::{Axis, Fields, MathMode, Precision, Scheme};
use gradfield::progress::Progress;
use gradfield::run::{Report, RunOptions};
use gradfield::spec::{FieldSpec, GridRequest};
use gradfield::{Error, library};

#[derive(Parser)]
#[command(
    name = "gradfield",
    version,
    about = "Derivatives on dense grids, on the GPU or the CPU, every point checked against float64",
    after_help = "Examples:\n  gradfield functions\n  gradfield field --f rosenbrock --device cpu --out-dir out --json\n  gradfield field --f \"0.3*sin(3*x) + 0.5*x^2\" --x -3:3 --nx 100000"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate f, its finite differences and its gradient over a grid, and check them.
    #[command(after_help = FIELD_EXAMPLES)]
    Field(FieldArgs),
    /// Draw f′(x) three ways (exact, analytic, finite difference) with their errors.
    #[command(after_help = CURVE_EXAMPLES)]
    Curve(CurveArgs),
    /// Max error of finite differences against the step h, per scheme and precision.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// GPU against CPU throughput over a range of grid sizes.
    #[command(after_help = BENCH_EXAMPLES)]
    Bench(BenchArgs),
    /// The article's demos and exercises: figures and a measured report.
    #[command(
        after_help = "Examples:\n  gradfield demo                 # figures/ and figures/report.md\n  gradfield demo --out /tmp/d --device cpu"
    )]
    Demo(DemoArgs),
    /// Check every library function (or one expression) point by point against float64.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// List the GPU adapters wgpu finds, best first.
    #[command(
        after_help = "Examples:\n  gradfield adapters\n  gradfield adapters --backend gl\n  gradfield adapters --json"
    )]
    Adapters(AdaptersArgs),
    /// List the built-in functions with their domains and gradients.
    #[command(
        after_help = "Example:\n  gradfield functions\n  gradfield field --f himmelblau   # a name stands for its formula and domain"
    )]
    Functions,
}

const CURVE_EXAMPLES: &str = "Examples:
  # The article's Demo 1 in float32 on the GPU, with its errors:
  gradfield curve --f \"sin(x)\" --x -pi:pi --n 400 --h 1e-4 --png sin.png
  # tanh against 1 - tanh^2 (Exercise 2), and the loss with 41 slope arrows (Demo 2):
  gradfield curve --f \"tanh(x)\" --x -3:3 --n 400 --png t.png
  gradfield curve --f loss --n 400 --slopes 41 --png slopes.png";

const FIELD_EXAMPLES: &str = "Examples:
  # Rosenbrock on its usual domain, on the CPU, arrays and meta.json into out/:
  gradfield field --f rosenbrock --device cpu --out-dir out --json
  # The article's loss on 10^6 points in float64:
  gradfield field --f \"0.3*sin(3*x) + 0.5*x^2\" --x -3:3 --nx 1000000 --precision f64 --device cpu
  # A 2-D field, five-point stencil, step 1e-2:
  gradfield field --f \"x^2 + 0.5*y^2\" --x -2:2 --y -2:2 --nx 512 --scheme five-point --h 1e-2 --device cpu
  # Himmelblau's gradient field as a figure: heatmap of f, contours, arrows:
  gradfield field --f himmelblau --nx 512 --png h.png --arrows 24 --contours 14

Exit codes: 0 ok, 1 the check failed, 2 bad input, 3 the machine failed (no adapter, GPU error).";

#[derive(Args, Clone)]
struct AdaptersArgs {
    #[command(flatten)]
    gpu: GpuArgs,
    /// Print a JSON array on stdout.
    #[arg(long)]
    json: bool,
}

const SWEEP_EXAMPLES: &str = "Examples:
  # The article's Exercise 1 made quantitative: where is the best h for tanh?
  gradfield sweep --f \"tanh(x)\" --x -3:3 --n 4096 --h-min 1e-10 --h-max 1 --steps 41 --png sweep.png --json
  # Only central differences in float32:
  gradfield sweep --f \"sin(x)\" --x -pi:pi --schemes central --precision f32";

#[derive(Args, Clone)]
struct SweepArgs {
    /// The function.
    #[arg(long = "f", value_name = "EXPR", allow_hyphen_values = true)]
    f: String,
    /// x range A:B (default: the library domain).
    #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
    x: Option<String>,
    /// Points along x.
    #[arg(long, alias = "nx", value_name = "N", default_value_t = 4096)]
    n: usize,
    /// y range for functions of x and y (the sweep differentiates along x).
    #[arg(long, value_name = "C:D", allow_hyphen_values = true)]
    y: Option<String>,
    /// Points along y.
    #[arg(long, value_name = "M")]
    ny: Option<usize>,
    /// Smallest step.
    #[arg(long, default_value_t = 1e-10, allow_hyphen_values = true)]
    h_min: f64,
    /// Largest step.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    h_max: f64,
    /// Steps, log-spaced.
    #[arg(long, default_value_t = 41)]
    steps: usize,
    /// Schemes (comma list).
    #[arg(long, default_value = "forward,central,five-point")]
    schemes: String,
    /// Precisions (comma list).
    #[arg(long, default_value = "f32,f64")]
    precision: String,
    /// f32 math library.
    #[arg(long, default_value = "accurate")]
    math: MathMode,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Draw the error curves.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    size: SizeArgs,
    /// Print the curves as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn sweep(a: &SweepArgs) -> Result<ExitCode, Error> {
    use gradfield::sweep::{SweepOptions, run_sweep, sweep_png, sweep_table};
    let request = GridRequest {
        x: parse_range("x", &a.x)?,
        nx: Some(a.n),
        y: parse_range("y", &a.y)?,
        ny: a.ny,
    };
    let grid = request.resolve(&a.f)?;
    let opts = SweepOptions {
        h_min: a.h_min,
        h_max: a.h_max,
        steps: a.steps,
        schemes: list(&a.schemes)?,
        precisions: list(&a.precision)?,
        math: a.math,
    };
    let ctx = a.gpu.context(a.device)?;
    let s = run_sweep(
        &a.f,
        grid,
        &opts,
        ctx.as_ref(),
        &Progress::new(a.quiet || a.json),
    )?;
    eprint!("{}", sweep_table(&s));
    if let Some(c) = s.curves.first() {
        eprintln!("  computed on {}", c.device);
    }
    if let Some(png) = &a.png {
        sweep_png(&s, a.size.size(), png)?;
        eprintln!("  figure: {}", png.display());
    }
    if a.json {
        out(&(serde_json::to_string(&s).expect("a sweep serialises") + "\n"));
    }
    Ok(ExitCode::SUCCESS)
}

const BENCH_EXAMPLES: &str = "Examples:
  gradfield bench --png bench.png
  gradfield bench --cases sin1d --sizes 2^20,2^24,2^26,2^28 --reps 7 --json   # on a big GPU";

#[derive(Args, Clone)]
struct BenchArgs {
    /// Cases (comma list of sin1d, loss2d, rosenbrock, rastrigin).
    #[arg(long, default_value = "sin1d,loss2d,rosenbrock,rastrigin")]
    cases: String,
    /// Sizes in points (comma list; 2^k allowed).
    #[arg(long, default_value = "2^12,2^14,2^16,2^18,2^20,2^22")]
    sizes: String,
    /// Repetitions after one warm-up (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Largest size the CPU engine runs.
    #[arg(long, default_value = "2^24")]
    cpu_max: String,
    /// gpu (GPU and CPU) or cpu (CPU only).
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Print the measurements as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Draw throughput against size.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    size: SizeArgs,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

/// A size: a number or 2^k.
fn size(s: &str) -> Result<usize, Error> {
    let s = s.trim();
    let bad = || Error::input(format!("`{s}` is not a size (a number or 2^k)"));
    let n = match s.split_once('^') {
        Some(("2", k)) => 1usize
            .checked_shl(k.trim().parse::<u32>().map_err(|_| bad())?)
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
        None => s.parse().map_err(|_| bad())?,
    };
    if n < 4 || n as u64 > gradfield::grid::MAX_POINTS {
        return Err(Error::input(format!(
            "size {n} is out of range (4 to 2^32 − 1)"
        )));
    }
    Ok(n)
}

fn bench(a: &BenchArgs) -> Result<ExitCode, Error> {
    use gradfield::bench::{BenchOptions, bench_png, run_bench, table};
    let opts = BenchOptions {
        cases: list(&a.cases)?,
        sizes: a.sizes.split(',').map(size).collect::<Result<_, _>>()?,
        reps: a.reps,
        gpu: a.device == Device::Gpu,
        cpu_max: size(&a.cpu_max)?,
    };
    let ctx = a.gpu.context(a.device)?;
    let b = run_bench(&opts, ctx.as_ref(), &Progress::new(a.quiet || a.json))?;
    eprint!("{}", table(&b));
    if let Some(png) = &a.png {
        bench_png(&b, a.size.size(), png)?;
        eprintln!("figure: {}", png.display());
    }
    if a.json {
        out(&(serde_json::to_string(&b).expect("a bench serialises") + "\n"));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Clone)]
struct DemoArgs {
    /// Output folder.
    #[arg(long, default_value = "figures")]
    out: PathBuf,
    /// Where to compute: gpu (falls back to the CPU when there is no adapter) or cpu.
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    #[command(flatten)]
    size: SizeArgs,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn demo(a: &DemoArgs) -> Result<ExitCode, Error> {
    let opts = gradfield::demo::DemoOptions {
        out: a.out.clone(),
        gpu: a.gpu.options(),
        cpu: a.device == Device::Cpu,
        size: a.size.size(),
    };
    let (figs, report) = gradfield::demo::run_demo(&opts, &Progress::new(a.quiet))?;
    for f in &figs {
        eprintln!("{}: {}", a.out.join(&f.file).display(), f.what);
    }
    eprintln!("report: {}", report.display());
    Ok(ExitCode::SUCCESS)
}

const CHECK_EXAMPLES: &str = "Examples:
  # The built-in suite: 14 functions x 4 schemes x (f32 accurate, f32 native, f64):
  gradfield check
  # One expression, f32 only, on the GL backend:
  gradfield check --f \"x*exp(-y^2)\" --x -2:2 --y -2:2 --precision f32 --backend gl

Exit codes: 0 all pass, 1 a check failed, 2 bad input, 3 the machine failed.";

#[derive(Args, Clone)]
struct CheckArgs {
    /// An expression or library name to check (default: every library function).
    #[arg(long = "f", value_name = "EXPR", allow_hyphen_values = true)]
    f: Option<String>,
    /// x range A:B for --f (default: the library domain).
    #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
    x: Option<String>,
    /// Points along x.
    #[arg(long, value_name = "N")]
    nx: Option<usize>,
    /// y range C:D for --f.
    #[arg(long, value_name = "C:D", allow_hyphen_values = true)]
    y: Option<String>,
    /// Points along y.
    #[arg(long, value_name = "M")]
    ny: Option<usize>,
    /// Precisions to check (comma list of f32, f64).
    #[arg(long, default_value = "f32,f64")]
    precision: String,
    /// f32 math libraries to check (comma list of accurate, native).
    #[arg(long, default_value = "accurate,native")]
    math: String,
    /// Schemes (comma list).
    #[arg(long, default_value = "forward,backward,central,five-point")]
    schemes: String,
    /// Finite-difference step.
    #[arg(long, default_value_t = gradfield::spec::DEFAULT_H, allow_hyphen_values = true)]
    h: f64,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Print the rows as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn list<T: std::str::FromStr<Err = Error>>(s: &str) -> Result<Vec<T>, Error> {
    s.split(',').map(|p| p.trim().parse()).collect()
}

fn check(a: &CheckArgs) -> Result<ExitCode, Error> {
    use gradfield::suite::{SuiteOptions, run_suite_with_notes, table};
    let precisions: Vec<Precision> = list(&a.precision)?;
    let maths: Vec<MathMode> = list(&a.math)?;
    let mut modes = Vec::new();
    for &p in &precisions {
        match p {
            Precision::F32 => modes.extend(maths.iter().map(|&m| (p, m))),
            Precision::F64 => modes.push((p, MathMode::Accurate)),
        }
    }
    let mut opts = SuiteOptions {
        schemes: list(&a.schemes)?,
        modes,
        h: gradfield::grid::check_step(a.h)?,
        cpu: a.device == Device::Cpu,
        gpu: a.gpu.options(),
        ..SuiteOptions::default()
    };
    if let Some(f) = &a.f {
        let request = GridRequest {
            x: parse_range("x", &a.x)?,
            nx: a.nx,
            y: parse_range("y", &a.y)?,
            ny: a.ny,
        };
        opts.grid = Some(request.resolve(f)?);
        opts.functions = vec![f.clone()];
    }
    let (rows, notes) = run_suite_with_notes(&opts, &Progress::new(a.quiet || a.json))?;
    eprint!("{}", table(&rows));
    for n in notes {
        eprintln!("note: {n}");
    }
    if a.json {
        out(&(serde_json::to_string(&rows).expect("rows serialise") + "\n"));
    }
    Ok(if rows.iter().all(|r| r.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What to evaluate and where.
#[derive(Args, Clone)]
struct GridArgs {
    /// The function: an expression in x (and y) or a library name (see `gradfield functions`).
    #[arg(long = "f", value_name = "EXPR", allow_hyphen_values = true)]
    f: String,
    /// x range A:B (default: the library function's domain).
    #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
    x: Option<String>,
    /// Points along x (default 1001 on a line, 257 on a plane).
    #[arg(long, value_name = "N", alias = "n")]
    nx: Option<usize>,
    /// y range C:D, for functions of x and y.
    #[arg(long, value_name = "C:D", allow_hyphen_values = true)]
    y: Option<String>,
    /// Points along y (default: as along x).
    #[arg(long, value_name = "M")]
    ny: Option<usize>,
}

/// How to evaluate.
#[derive(Args, Clone)]
struct EvalArgs {
    /// Finite-difference step.
    #[arg(long, default_value_t = gradfield::spec::DEFAULT_H, allow_hyphen_values = true)]
    h: f64,
    /// Finite-difference scheme: forward, backward, central, five-point.
    #[arg(long, default_value = "central")]
    scheme: Scheme,
    /// Precision: f32 or f64.
    #[arg(long, default_value = "f32")]
    precision: Precision,
    /// f32 math library on the GPU: accurate (our own, ≤ 2 ulp) or native (WGSL builtins).
    #[arg(long, default_value = "accurate")]
    math: MathMode,
    /// Which fields: a comma list of f, fd, grad.
    #[arg(long, default_value = "f,fd,grad")]
    fields: Fields,
}

/// Which GPU.
#[derive(Args, Clone)]
struct GpuArgs {
    /// GPU backend: vulkan, gl, metal or dx12 (default: all, or WGPU_BACKEND).
    #[arg(long)]
    backend: Option<String>,
    /// Use the adapter whose name contains this (see `gradfield adapters`).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
}

impl GpuArgs {
    fn options(&self) -> GpuOptions {
        GpuOptions {
            backend: self.backend.clone(),
            adapter: self.adapter.clone(),
        }
    }

    /// The GPU context when computing on the GPU.
    fn context(&self, device: Device) -> Result<Option<gradfield::gpu::GpuContext>, Error> {
        match device {
            Device::Gpu => Ok(Some(gradfield::gpu::GpuContext::new(&self.options())?)),
            Device::Cpu => Ok(None),
        }
    }
}

#[derive(Args, Clone)]
struct FieldArgs {
    #[command(flatten)]
    grid: GridArgs,
    #[command(flatten)]
    eval: EvalArgs,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Write one .npy per array and meta.json into this folder.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Print one JSON object on stdout (human text stays on stderr).
    #[arg(long)]
    json: bool,
    /// Skip the comparison with the float64 reference.
    #[arg(long)]
    no_check: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
    /// Points per tile (bounds memory; results do not depend on it). Default: the GPU's
    /// memory budget, or 1 Mi points on the CPU.
    #[arg(long)]
    tile_points: Option<usize>,
    /// Draw the field (2-D: heatmap, contours, arrows; 1-D: the derivative curves).
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    plot: PlotArgs,
}

/// How the field figure looks.
#[derive(Args, Clone)]
struct PlotArgs {
    /// Background: f, magnitude (|∇f|) or none.
    #[arg(long, default_value = "f")]
    background: gradfield::plot::Background,
    /// Contour levels of f (0 for none).
    #[arg(long, default_value_t = 12)]
    contours: usize,
    /// Arrows per axis.
    #[arg(long, default_value_t = 20)]
    arrows: usize,
    /// Data units of arrow per unit of gradient (default: the longest arrow ≈ one cell).
    #[arg(long)]
    arrow_scale: Option<f64>,
    /// Arrow pivot: tail, mid or tip.
    #[arg(long, default_value = "mid")]
    pivot: gradfield::plot::quiver::Pivot,
    /// Unit-length arrows; colour carries the magnitude.
    #[arg(long)]
    normalize: bool,
    /// Draw −∇f, the direction gradient descent takes.
    #[arg(long)]
    descent: bool,
    #[command(flatten)]
    size: SizeArgs,
}

/// Figure size.
#[derive(Args, Clone)]
struct SizeArgs {
    /// Width in pixels.
    #[arg(long, default_value_t = 1600)]
    width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 1200)]
    height: u32,
}

impl SizeArgs {
    fn size(&self) -> gradfield::plot::FigureSize {
        gradfield::plot::FigureSize {
            width: self.width,
            height: self.height,
        }
    }
}

#[derive(Args, Clone)]
struct CurveArgs {
    #[command(flatten)]
    grid: GridArgs,
    #[command(flatten)]
    eval: EvalArgs,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: Device,
    #[command(flatten)]
    gpu: GpuArgs,
    /// The figure to write.
    #[arg(long, value_name = "FILE")]
    png: PathBuf,
    /// Draw f with this many slope arrows instead of the derivative curves.
    #[arg(long, value_name = "K")]
    slopes: Option<usize>,
    #[command(flatten)]
    size: SizeArgs,
    /// Print the run's JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_range(name: &str, s: &Option<String>) -> Result<Option<(f64, f64)>, Error> {
    s.as_deref().map(|s| Axis::parse_range(name, s)).transpose()
}

fn build_spec(g: &GridArgs, e: &EvalArgs) -> Result<FieldSpec, Error> {
    let request = GridRequest {
        x: parse_range("x", &g.x)?,
        nx: g.nx,
        y: parse_range("y", &g.y)?,
        ny: g.ny,
    };
    let grid = request.resolve(&g.f)?;
    Ok(FieldSpec::new(&g.f, grid)?
        .with_h(e.h)?
        .with_scheme(e.scheme)
        .with_fields(e.fields)?
        .with_precision(e.precision)
        .with_math(e.math))
}

fn field(a: &FieldArgs) -> Result<ExitCode, Error> {
    let spec = build_spec(&a.grid, &a.eval)?;
    if a.tile_points == Some(0) {
        return Err(Error::input("--tile-points must be at least 1"));
    }
    let sample = a.png.as_ref().map(|_| {
        if spec.grid.is_2d() {
            gradfield::draw::FIELD_SAMPLES
        } else {
            gradfield::draw::CURVE_SAMPLES
        }
    });
    let opts = RunOptions {
        out_dir: a.out_dir.clone(),
        check: !a.no_check,
        tile_points: a.tile_points,
        sample_per_axis: sample,
    };
    let progress = Progress::new(a.quiet || a.json);
    let report = compute(a.device, &a.gpu, &spec, &opts, &progress)?;
    eprint!("{}", report.summary());
    if let Some(png) = &a.png {
        if spec.grid.is_2d() {
            let p = &a.plot;
            let plot = gradfield::draw::FieldPlot {
                background: p.background,
                contours: p.contours,
                arrows: p.arrows,
                arrow_scale: p.arrow_scale,
                pivot: p.pivot,
                normalize: p.normalize,
                descent: p.descent,
                size: p.size.size(),
            };
            gradfield::draw::field_png(&report, &spec, &plot, png)?;
        } else {
            gradfield::draw::curve_png(&report, &spec, a.plot.size.size(), png)?;
        }
        eprintln!("  figure: {}", png.display());
    }
    if a.json {
        out(&(serde_json::to_string(&report).expect("a report serialises") + "\n"));
    }
    Ok(match &report.check {
        Some(c) if !c.passed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Writes to stdout; a closed pipe (`gradfield functions | head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush());
}

fn compute(
    device: Device,
    gpu: &GpuArgs,
    spec: &FieldSpec,
    opts: &RunOptions,
    progress: &Progress,
) -> Result<Report, Error> {
    match device {
        Device::Cpu => gradfield::run::run_cpu(spec, opts, progress),
        Device::Gpu => gradfield::gpu::run_gpu(None, &gpu.options(), spec, opts, progress),
    }
}

/// Where a command computes (`--device`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Device {
    Gpu,
    Cpu,
}

impl std::str::FromStr for Device {
    type Err = String;
    fn from_str(s: &str) -> Result<Device, String> {
        match s {
            "gpu" => Ok(Device::Gpu),
            "cpu" => Ok(Device::Cpu),
            other => Err(format!("unknown device `{other}`; use gpu or cpu")),
        }
    }
}

fn curve(a: &CurveArgs) -> Result<ExitCode, Error> {
    let spec = build_spec(&a.grid, &a.eval)?;
    if spec.grid.is_2d() {
        return Err(Error::input(
            "curve draws functions of x alone; use `field --png` for functions of x and y",
        ));
    }
    if let Some(k) = a.slopes
        && k < 2
    {
        return Err(Error::input("--slopes needs at least 2 arrows"));
    }
    let opts = RunOptions {
        sample_per_axis: Some(gradfield::draw::CURVE_SAMPLES),
        ..RunOptions::default()
    };
    let report = compute(
        a.device,
        &a.gpu,
        &spec,
        &opts,
        &Progress::new(a.quiet || a.json),
    )?;
    eprint!("{}", report.summary());
    match a.slopes {
        Some(k) => gradfield::draw::slopes_png(&report, &spec, k, a.size.size(), &a.png)?,
        None => gradfield::draw::curve_png(&report, &spec, a.size.size(), &a.png)?,
    }
    eprintln!("  figure: {}", a.png.display());
    if a.json {
        out(&(serde_json::to_string(&report).expect("a report serialises") + "\n"));
    }
    Ok(match &report.check {
        Some(c) if !c.passed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn functions() -> ExitCode {
    let mut text = String::new();
    for f in &library::LIBRARY {
        let e = f.expr();
        let domain = match f.y {
            Some((c, d)) => format!("x in [{}, {}], y in [{c}, {d}]", f.x.0, f.x.1),
            None => format!("x in [{}, {}]", f.x.0, f.x.1),
        };
        text += &format!("{:<17} {}\n", f.name, f.formula);
        text += &format!("{:<17} {}; {}\n", "", domain, f.about);
        text += &format!(
            "{:<17} ∂f/∂x = {}\n",
            "",
            e.derivative(gradfield::expr::Var::X)
        );
        if f.y.is_some() {
            text += &format!(
                "{:<17} ∂f/∂y = {}\n",
                "",
                e.derivative(gradfield::expr::Var::Y)
            );
        }
        text += "\n";
    }
    out(&text);
    ExitCode::SUCCESS
}

fn adapters(a: &AdaptersArgs) -> Result<ExitCode, Error> {
    let rows = gradfield::gpu::list_adapters(&a.gpu.options())?;
    if a.json {
        out(&(serde_json::to_string(&rows).expect("rows serialise") + "\n"));
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!(
            "no GPU adapter found. On Linux without a GPU: apt-get install mesa-vulkan-drivers"
        );
        return Ok(ExitCode::from(3));
    }
    let mut text = format!(
        "{:<40} {:<7} {:<12} {:>12} {:>12} {:>4} {:>10}  driver\n",
        "adapter", "backend", "type", "max binding", "max buffer", "f64", "timestamps"
    );
    let mib = |b: u64| format!("{} MiB", b >> 20);
    for r in &rows {
        text += &format!(
            "{:<40} {:<7} {:<12} {:>12} {:>12} {:>4} {:>10}  {}\n",
            r.name,
            r.backend,
            r.device_type,
            mib(r.max_storage_binding),
            mib(r.max_buffer),
            if r.f64 { "yes" } else { "no" },
            if r.timestamps { "yes" } else { "no" },
            r.driver
        );
    }
    out(&text);
    Ok(ExitCode::SUCCESS)
}

fn run() -> Result<ExitCode, Error> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version itself; usage errors are bad input.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    match &cli.command {
        Command::Field(a) => field(a),
        Command::Curve(a) => curve(a),
        Command::Functions => Ok(functions()),
        Command::Adapters(a) => adapters(a),
        Command::Check(a) => check(a),
        Command::Sweep(a) => sweep(a),
        Command::Demo(a) => demo(a),
        Command::Bench(a) => bench(a),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
