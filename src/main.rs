//! The `gradfield` command: parses arguments, calls the library, prints, and maps errors to
//! exit codes (0 ok, 1 check failed, 2 bad input, 3 the machine failed).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use gradfield::backend::{Backend, BackendRequest};
use gradfield::check::CheckMode;
use gradfield::descent::{DescentOptions, DescentRun};
use gradfield::draw::{COLOR_OPTIONS, DESCENT_OPTIONS, FieldPlot, FigureOf, PLANE_OPTIONS};
use gradfield::engine::{DeviceKind, GpuApi};
use gradfield::gpu::GpuOptions;
use gradfield::grid::{Fields, MathMode, Precision, Scheme};
use gradfield::plot::canvas::Canvas;
use gradfield::plot::{ColorOptions, FigureOptions};
use gradfield::progress::Progress;
use gradfield::run::{Report, RunOptions};
use gradfield::session::Session;
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
    device: DeviceKind,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Draw the error curves into FILE (.png, .svg or .pdf).
    #[arg(long, visible_alias = "figure", value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    figure: FigureOptions,
    /// Print the curves as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn sweep(a: &SweepArgs, given: &Given) -> Result<ExitCode, Error> {
    use gradfield::sweep::{SweepOptions, sweep_figure, sweep_table};
    let grid = grid_request(&a.x, Some(a.n), &a.y, a.ny)?.resolve(&a.f)?;
    let opts = SweepOptions {
        h_min: a.h_min,
        h_max: a.h_max,
        steps: a.steps,
        schemes: list(&a.schemes)?,
        precisions: list(&a.precision)?,
        math: a.math,
    };
    gradfield::sweep::validate(&opts)?;
    check_figure(&a.png, &a.figure, given)?;
    // The figure laid out first from the same sweep on a few points (see `field`).
    if a.png.is_some()
        && let Some(small) = gradfield::draw::preview_grid(&grid)
        && let Ok(s) = Session::cpu().sweep(&a.f, small, &opts)
    {
        sweep_figure(&s, &a.figure)?;
    }
    let session = a.gpu.session(a.device, a.quiet || a.json)?;
    let s = session.sweep(&a.f, grid, &opts)?;
    eprint!("{}", sweep_table(&s));
    for c in &s.curves {
        eprintln!("  {} {}: computed on {}", c.scheme, c.precision, c.device);
    }
    if let Some(png) = &a.png {
        sweep_figure(&s, &a.figure)?.save(png)?;
        eprintln!("  figure: {}", png.display());
    }
    if a.json {
        json_out(&s)?;
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
    /// Also time whole checked runs in these check modes (comma list of full, sample[=N],
    /// none; empty for none of them).
    #[arg(long, default_value = "full,sample")]
    checks: String,
    /// gpu (GPU and CPU) or cpu (CPU only).
    #[arg(long, default_value = "gpu")]
    device: DeviceKind,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Print the measurements as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// Draw throughput against size into FILE (.png, .svg or .pdf).
    #[arg(long, visible_alias = "figure", value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    figure: FigureOptions,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn bench(a: &BenchArgs, given: &Given) -> Result<ExitCode, Error> {
    use gradfield::bench::{BenchOptions, bench_figure, parse_size, parse_sizes, table};
    let opts = BenchOptions {
        cases: list(&a.cases)?,
        sizes: parse_sizes(&a.sizes)?,
        reps: a.reps,
        cpu_max: parse_size(&a.cpu_max)?,
        checks: if a.checks.trim().is_empty() {
            Vec::new()
        } else {
            list(&a.checks)?
        },
    };
    gradfield::bench::validate(&opts)?;
    check_figure(&a.png, &a.figure, given)?;
    // The figure laid out first from the same cases timed once on two small sizes on the CPU
    // (milliseconds; its legend lacks the GPU's rows, so it errs towards drawing).
    if a.png.is_some() {
        let small = BenchOptions {
            cases: opts.cases.clone(),
            sizes: vec![1 << 12, 1 << 14],
            reps: 1,
            cpu_max: 1 << 14,
            checks: Vec::new(),
        };
        if let Ok(b) = Session::cpu().bench(&small) {
            bench_figure(&b, &a.figure)?;
        }
    }
    let session = a.gpu.session(a.device, a.quiet || a.json)?;
    let b = session.bench(&opts)?;
    eprint!("{}", table(&b));
    if let Some(png) = &a.png {
        bench_figure(&b, &a.figure)?.save(png)?;
        eprintln!("figure: {}", png.display());
    }
    if a.json {
        json_out(&b)?;
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
    device: DeviceKind,
    #[command(flatten)]
    gpu: GpuArgs,
    /// File format of the figures: png, svg or pdf.
    #[arg(long, default_value = "png")]
    format: gradfield::plot::canvas::Format,
    #[command(flatten)]
    figure: FigureOptions,
    #[command(flatten)]
    color: ColorOptions,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn demo(a: &DemoArgs, given: &Given) -> Result<ExitCode, Error> {
    given.refuse(
        &["title", "xlabel", "ylabel"],
        "single figures (the demo titles each of its own)",
    )?;
    a.figure.validate()?;
    a.color.validate()?;
    gradfield::output::check_dir_target(&a.out, &gradfield::demo::is_demo_output)?;
    let opts = gradfield::demo::DemoOptions {
        out: a.out.clone(),
        figure: a.figure.clone(),
        color: a.color,
        format: a.format,
    };
    // The demo runs anywhere: with no GPU adapter it computes on the CPU and says so.
    let mut request = a.gpu.request(a.device);
    request.cpu_if_no_adapter = true;
    let backend = Backend::open(&request)?;
    let (figs, report) = gradfield::demo::run_demo(&opts, &backend, &Progress::new(a.quiet))?;
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
    device: DeviceKind,
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
    use gradfield::suite::{SuiteOptions, modes, table};
    let mut opts = SuiteOptions {
        schemes: list(&a.schemes)?,
        modes: modes(&list(&a.precision)?, &list(&a.math)?),
        h: gradfield::grid::check_step(a.h)?,
        ..SuiteOptions::default()
    };
    if let Some(f) = &a.f {
        opts.grid = Some(grid_request(&a.x, a.nx, &a.y, a.ny)?.resolve(f)?);
        opts.functions = vec![f.clone()];
    }
    let session = a.gpu.session(a.device, a.quiet || a.json)?;
    let (rows, notes) = session.check_suite(&opts)?;
    eprint!("{}", table(&rows));
    for n in notes {
        eprintln!("note: {n}");
    }
    if a.json {
        json_out(&rows)?;
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
    /// Keep the formula as written: no rewriting of cancelling forms (exp(u) - 1, log(1 + u),
    /// sqrt(a^2 + b^2), 1 - cos(u), …) into stable ones.
    #[arg(long)]
    no_rewrite: bool,
}

/// Which GPU.
#[derive(Args, Clone)]
struct GpuArgs {
    /// GPU backend: vulkan, gl, metal or dx12 (default: all, or WGPU_BACKEND).
    #[arg(long)]
    backend: Option<GpuApi>,
    /// Use the adapter whose name contains this (see `gradfield adapters`).
    #[arg(long, value_name = "NAME")]
    adapter: Option<String>,
}

impl GpuArgs {
    fn options(&self) -> GpuOptions {
        GpuOptions {
            api: self.backend,
            adapter: self.adapter.clone(),
        }
    }

    fn request(&self, device: DeviceKind) -> BackendRequest {
        BackendRequest {
            device,
            gpu: self.options(),
            cpu_if_no_adapter: false,
        }
    }

    /// A session on `device`, with progress bars unless `quiet`.
    fn session(&self, device: DeviceKind, quiet: bool) -> Result<Session, Error> {
        Ok(Session::new(&self.request(device))?.with_progress(Progress::new(quiet)))
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
    device: DeviceKind,
    #[command(flatten)]
    gpu: GpuArgs,
    /// Write one .npy per array and meta.json into this folder.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Print one JSON object on stdout (human text stays on stderr).
    #[arg(long)]
    json: bool,
    /// How much to compare with the float64 reference: full (every point), sample[=N]
    /// (every N-th point of each tile, default 32, plus each tile's extremes and non-finite
    /// values) or none.
    #[arg(long, default_value = "full", value_name = "MODE")]
    check: CheckMode,
    /// The same as --check none.
    #[arg(long, conflicts_with = "check")]
    no_check: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
    /// Points per tile (bounds memory; results do not depend on it). Default: the GPU's
    /// memory budget, or 256 Ki points on the CPU.
    #[arg(long)]
    tile_points: Option<usize>,
    /// Draw the field into FILE (.png, .svg or .pdf; 2-D: heatmap, contours, arrows; 1-D:
    /// the derivative curves).
    #[arg(long, visible_alias = "figure", value_name = "FILE")]
    png: Option<PathBuf>,
    #[command(flatten)]
    plot: FieldPlot,
}

#[derive(Args, Clone)]
struct CurveArgs {
    #[command(flatten)]
    grid: GridArgs,
    #[command(flatten)]
    eval: EvalArgs,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: DeviceKind,
    #[command(flatten)]
    gpu: GpuArgs,
    /// The figure to write: .png, .svg or .pdf.
    #[arg(long, visible_alias = "figure", value_name = "FILE")]
    png: PathBuf,
    /// Draw f with this many slope arrows instead of the derivative curves.
    #[arg(long, value_name = "K")]
    slopes: Option<usize>,
    #[command(flatten)]
    path: gradfield::draw::DescentArgs,
    #[command(flatten)]
    color: ColorOptions,
    #[command(flatten)]
    figure: FigureOptions,
    /// Print the run's JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

fn grid_request(
    x: &Option<String>,
    nx: Option<usize>,
    y: &Option<String>,
    ny: Option<usize>,
) -> Result<GridRequest, Error> {
    GridRequest::from_text(x.as_deref(), nx, y.as_deref(), ny)
}

fn build_spec(g: &GridArgs, e: &EvalArgs) -> Result<FieldSpec, Error> {
    let grid = grid_request(&g.x, g.nx, &g.y, g.ny)?.resolve(&g.f)?;
    FieldSpec::new(&g.f, grid)?
        .with_h(e.h)?
        .with_scheme(e.scheme)
        .with_fields(e.fields)?
        .with_precision(e.precision)
        .with_math(e.math)
        .with_rewrites(!e.no_rewrite)
}

fn field(a: &FieldArgs, given: &Given) -> Result<ExitCode, Error> {
    let spec = build_spec(&a.grid, &a.eval)?;
    let check = if a.no_check { CheckMode::None } else { a.check };
    let opts = RunOptions {
        out_dir: a.out_dir.clone(),
        check,
        tile_points: a.tile_points,
        sample_per_axis: a.png.as_ref().map(|_| gradfield::draw::samples_for(&spec)),
        progress: Progress::new(a.quiet || a.json),
    };
    // Everything is checked before any work: the spec in its precision, the options, every
    // output target.
    spec.validate()?;
    opts.validate()?;
    if let Some(dir) = &a.out_dir {
        gradfield::output::check_dir_target(dir, &gradfield::run::is_run_output)?;
    }
    match &a.png {
        Some(png) => {
            match &a.out_dir {
                // A figure in the output folder is written with the set (the folder may not
                // exist yet): only its format is checked here.
                Some(dir) if gradfield::output::is_inside(dir, png) => {
                    gradfield::plot::canvas::Format::from_path(png)?;
                }
                _ => gradfield::output::check_file_target(png, FIGURE_EXTENSIONS)?,
            }
            gradfield::draw::check_field_figure(&spec, check, &a.plot)?;
            given.refuse_unused(if spec.grid.is_2d() {
                FigureOf::Plane
            } else {
                FigureOf::Curves
            })?;
        }
        None => {
            let plot = [PLANE_OPTIONS, COLOR_OPTIONS, DESCENT_OPTIONS].concat();
            given.refuse(&plot, "the figure; add --png FILE")?;
            given.refuse(FIGURE_OPTIONS, "the figure; add --png FILE")?;
        }
    }
    let descent = a.plot.path.options(if spec.grid.is_2d() { 2 } else { 1 })?;
    // The figure laid out from a few points of the same domain: one too small for its text
    // is refused before the run, not after it.
    if a.png.is_some()
        && let Some((small, report)) = gradfield::draw::preview(&spec, check)
    {
        field_canvas(&report, &small, a, &descent)?;
    }
    let session = a.gpu.session(a.device, a.quiet || a.json)?;
    let (mut report, out) = session.run_staged(&spec, &opts)?;
    eprint!("{}", report.summary());
    // The figure and the folder are committed together: a figure inside the folder is
    // written into its staged copy; one elsewhere is staged beside its target.
    let mut figure = None;
    if let Some(png) = &a.png {
        let (canvas, runs) = field_canvas(&report, &spec, a, &descent)?;
        if !runs.is_empty() {
            report.descent = Some(runs);
            if let Some(out) = &out {
                // meta.json again, with the descent's iterates.
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| Error::internal(format!("a report does not serialise: {e}")))?;
                gradfield::output::write_text(&out.path("meta.json"), &(text + "\n"))?;
            }
        }
        match out.as_ref().and_then(|d| d.inside(png)) {
            Some(staged) => canvas.save(&staged)?,
            None => figure = Some(canvas.stage(png)?),
        }
    }
    if let Some(out) = out {
        out.commit()?;
    }
    if let Some(f) = figure {
        f.commit()?;
    }
    if let Some(png) = &a.png {
        eprintln!("  figure: {}", png.display());
    }
    if a.json {
        json_out(&report)?;
    }
    Ok(exit_for(&report))
}

/// Gradient descent over a run's field, where it was asked for.
fn descent_over(
    report: &Report,
    spec: &FieldSpec,
    descent: &Option<DescentOptions>,
) -> Result<Vec<DescentRun>, Error> {
    match descent {
        Some(d) => gradfield::draw::descent_runs(report, spec, d),
        None => Ok(Vec::new()),
    }
}

/// The figure of a `field` run: the gradient field of a plane (with descent paths), the
/// derivative curves of a line.
fn field_canvas(
    report: &Report,
    spec: &FieldSpec,
    a: &FieldArgs,
    descent: &Option<DescentOptions>,
) -> Result<(Canvas, Vec<DescentRun>), Error> {
    let runs = descent_over(report, spec, descent)?;
    let canvas = if spec.grid.is_2d() {
        gradfield::draw::field(report, spec, &a.plot, &runs)?
    } else {
        gradfield::draw::curve(report, spec, &a.plot.figure)?
    };
    Ok((canvas, runs))
}

/// The figure formats a file name may end in.
const FIGURE_EXTENSIONS: &[&str] = &gradfield::plot::canvas::Format::EXTENSIONS;

/// Options of every figure's size and text.
const FIGURE_OPTIONS: &[&str] = &[
    "size",
    "width",
    "height",
    "dpi",
    "title",
    "xlabel",
    "ylabel",
    "style",
    "font_scale",
    "no_subtitle",
];

/// Which options were given on the command line (not defaults), to refuse the ones a
/// request cannot honour before any work.
struct Given(Vec<String>);

impl Given {
    fn from(matches: &clap::ArgMatches) -> Given {
        let Some((_, sub)) = matches.subcommand() else {
            return Given(Vec::new());
        };
        let ids = sub
            .ids()
            .filter(|id| {
                sub.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine)
            })
            .map(|id| id.as_str().to_string())
            .collect();
        Given(ids)
    }

    /// Fails naming every given option among `ids`, with `why`.
    fn refuse(&self, ids: &[&str], why: &str) -> Result<(), Error> {
        gradfield::draw::refuse_options(&self.names(), ids, why, &cli_name)
    }

    /// Refuses the given figure options a figure `of` this kind would pass over
    /// ([`gradfield::draw::refuse_unused`]).
    fn refuse_unused(&self, of: FigureOf) -> Result<(), Error> {
        gradfield::draw::refuse_unused(&self.names(), of, &cli_name)
    }

    fn names(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

/// An option as the command line spells it: `--arrow-scale` for `arrow_scale`.
fn cli_name(id: &str) -> String {
    format!("--{}", id.replace('_', "-"))
}

fn curve(a: &CurveArgs, given: &Given) -> Result<ExitCode, Error> {
    let spec = build_spec(&a.grid, &a.eval)?;
    gradfield::draw::check_curve(&spec, a.slopes)?;
    spec.validate()?;
    a.figure.validate()?;
    a.color.validate()?;
    gradfield::output::check_file_target(&a.png, FIGURE_EXTENSIONS)?;
    let descent = a.path.options(1)?;
    given.refuse_unused(FigureOf::Line)?;
    let opts = RunOptions {
        sample_per_axis: Some(gradfield::draw::CURVE_SAMPLES),
        progress: Progress::new(a.quiet || a.json),
        ..RunOptions::default()
    };
    // The figure laid out from a few points first (see `field`).
    if let Some((small, report)) = gradfield::draw::preview(&spec, opts.check) {
        curve_canvas(&report, &small, a, &descent)?;
    }
    let session = a.gpu.session(a.device, a.quiet || a.json)?;
    let mut report = session.run(&spec, &opts)?;
    eprint!("{}", report.summary());
    let (canvas, runs) = curve_canvas(&report, &spec, a, &descent)?;
    canvas.save(&a.png)?;
    eprintln!("  figure: {}", a.png.display());
    if !runs.is_empty() {
        for r in &runs {
            eprintln!(
                "  descent {} from {:?}: {} steps ({}), end {:?}; exact gradient: end {:?}",
                r.optimizer.name(),
                r.start,
                r.iterates.len() - 1,
                r.stopped,
                r.iterates.last().unwrap_or(&r.start),
                r.iterates_exact.last().unwrap_or(&r.start)
            );
        }
        report.descent = Some(runs);
    }
    if a.json {
        json_out(&report)?;
    }
    Ok(exit_for(&report))
}

/// The figure of a `curve` run: f with slope arrows or descent paths, or the derivative
/// curves.
fn curve_canvas(
    report: &Report,
    spec: &FieldSpec,
    a: &CurveArgs,
    descent: &Option<DescentOptions>,
) -> Result<(Canvas, Vec<DescentRun>), Error> {
    let runs = descent_over(report, spec, descent)?;
    let canvas = if a.slopes.is_some() || !runs.is_empty() {
        let k = a.slopes.unwrap_or(0);
        gradfield::draw::slopes(report, spec, k, &a.figure, &a.color, &runs)?
    } else {
        gradfield::draw::curve(report, spec, &a.figure)?
    };
    Ok((canvas, runs))
}

/// Checks a command's optional figure before any work: its path and options, or, without
/// one, that no figure option was given.
fn check_figure(png: &Option<PathBuf>, o: &FigureOptions, given: &Given) -> Result<(), Error> {
    match png {
        Some(p) => {
            o.validate()?;
            gradfield::output::check_file_target(p, FIGURE_EXTENSIONS)
        }
        None => given.refuse(FIGURE_OPTIONS, "the figure; add --png FILE"),
    }
}

/// 1 when the check failed, else 0.
fn exit_for(report: &Report) -> ExitCode {
    match &report.check {
        Some(c) if !c.passed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

/// Writes to stdout, checked: a closed pipe (`gradfield functions | head`) is not an error,
/// any other failure (a full disk behind a redirection) is the machine's (exit 3).
fn out(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
            path: PathBuf::from("standard output"),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// One JSON object and a newline on stdout.
fn json_out<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string(value)
        .map_err(|e| Error::internal(format!("a report does not serialise: {e}")))?;
    out(&(text + "\n"))
}

fn functions() -> Result<ExitCode, Error> {
    out(&library::table())?;
    Ok(ExitCode::SUCCESS)
}

fn adapters(a: &AdaptersArgs) -> Result<ExitCode, Error> {
    let rows = gradfield::gpu::list_adapters(&a.gpu.options())?;
    if rows.is_empty() {
        let detail = match &a.gpu.adapter {
            Some(name) => format!("no adapter's name contains `{name}`"),
            None => "no GPU adapter found".into(),
        };
        return Err(Error::NoAdapter(gradfield::gpu::no_adapter_message(
            &detail,
        )));
    }
    if a.json {
        json_out(&rows)?;
    } else {
        out(&gradfield::gpu::adapters_table(&rows))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run() -> Result<ExitCode, Error> {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(p) => p,
        Err(e) => {
            // clap prints help and version itself; usage errors are bad input.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let given = Given::from(&matches);
    install_signal_handlers();
    match &cli.command {
        Command::Field(a) => field(a, &given),
        Command::Curve(a) => curve(a, &given),
        Command::Functions => functions(),
        Command::Adapters(a) => adapters(a),
        Command::Check(a) => check(a),
        Command::Sweep(a) => sweep(a, &given),
        Command::Demo(a) => demo(a, &given),
        Command::Bench(a) => bench(a, &given),
    }
}

/// SIGINT and SIGTERM: the first asks the work to stop at its next tile, step or figure
/// (every temporary file and folder is removed on the way out, exit 128 + the signal); work
/// that has not stopped 3 s later, or a second signal, removes what is registered and exits
/// at once.
fn install_signal_handlers() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        let mut first = true;
        for signal in signals.forever() {
            gradfield::interrupt::raise(signal);
            if first {
                first = false;
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs(3));
                    gradfield::interrupt::cleanup_now();
                    std::process::exit(128 + signal);
                });
            } else {
                gradfield::interrupt::cleanup_now();
                std::process::exit(128 + signal);
            }
        }
    });
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
