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

const FIELD_EXAMPLES: &str = "Examples:
  # Rosenbrock on its usual domain, on the CPU, arrays and meta.json into out/:
  gradfield field --f rosenbrock --device cpu --out-dir out --json
  # The article's loss on 10^6 points in float64:
  gradfield field --f \"0.3*sin(3*x) + 0.5*x^2\" --x -3:3 --nx 1000000 --precision f64 --device cpu
  # A 2-D field, five-point stencil, step 1e-2:
  gradfield field --f \"x^2 + 0.5*y^2\" --x -2:2 --y -2:2 --nx 512 --scheme five-point --h 1e-2 --device cpu

Exit codes: 0 ok, 1 the check failed, 2 bad input, 3 the machine failed (no adapter, GPU error).";

#[derive(Args, Clone)]
struct AdaptersArgs {
    #[command(flatten)]
    gpu: GpuArgs,
    /// Print a JSON array on stdout.
    #[arg(long)]
    json: bool,
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
    device: String,
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
        cpu: match a.device.as_str() {
            "cpu" => true,
            "gpu" => false,
            other => {
                return Err(Error::input(format!(
                    "unknown device `{other}`; use gpu or cpu"
                )));
            }
        },
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
}

#[derive(Args, Clone)]
struct FieldArgs {
    #[command(flatten)]
    grid: GridArgs,
    #[command(flatten)]
    eval: EvalArgs,
    /// Where to compute: gpu or cpu.
    #[arg(long, default_value = "gpu")]
    device: String,
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
    /// Points per tile (bounds memory; results do not depend on it).
    #[arg(long, default_value_t = 1 << 22)]
    tile_points: usize,
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
    if a.tile_points == 0 {
        return Err(Error::input("--tile-points must be at least 1"));
    }
    let opts = RunOptions {
        out_dir: a.out_dir.clone(),
        check: !a.no_check,
        tile_points: a.tile_points,
    };
    let progress = Progress::new(a.quiet || a.json);
    let report: Report = match a.device.as_str() {
        "cpu" => gradfield::run::run_cpu(&spec, &opts, &progress)?,
        "gpu" => gradfield::gpu::run_gpu(None, &a.gpu.options(), &spec, &opts, &progress)?,
        other => {
            return Err(Error::input(format!(
                "unknown device `{other}`; use gpu or cpu"
            )));
        }
    };
    eprint!("{}", report.summary());
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
        Command::Functions => Ok(functions()),
        Command::Adapters(a) => adapters(a),
        Command::Check(a) => check(a),
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
