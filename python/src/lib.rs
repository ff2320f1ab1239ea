//! The native half of the `gradfield` Python package: thin pyo3 functions over the library
//! (`gradfield::session::Session`). The Pythonic API, docstrings, result objects, figures and
//! Dask live in `gradfield/__init__.py` and `gradfield/dask.py`.
//!
//! Arrays go to NumPy without a copy (the engine's `Vec`s become the arrays' buffers), the GIL
//! is released while computing, and Ctrl-C stops a long run at its next tile (the run goes on
//! a worker thread while this one waits and checks for signals).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use numpy::PyArray;
use numpy::ndarray::{Array1, Array2};
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use gradfield::backend::{BackendRequest, F64Fallback};
use gradfield::check::CheckMode;
use gradfield::draw::FigureOf;
use gradfield::engine::{DeviceKind, Values};
use gradfield::grid::{Axis, Field, Fields, Grid, MathMode, Precision, Scheme};
use gradfield::plot::canvas::{Canvas, Format};
use gradfield::plot::{Background, ColorMap, ColorOptions, ColorScale, FigureOptions};
use gradfield::run::{Report, RunOptions};
use gradfield::session::Session;
use gradfield::spec::{FieldSpec, GridRequest};
use gradfield::{Error, draw, interrupt};

create_exception!(
    _gradfield,
    ExpressionError,
    PyValueError,
    "A malformed expression; the message shows where, with a caret."
);
create_exception!(
    _gradfield,
    DeviceError,
    PyRuntimeError,
    "The device failed: no adapter, a GPU error or a lost device."
);

/// gradfield's errors as Python exceptions, by meaning; in messages about the request, the
/// command line's option names in their Python spelling ([`python_names`]), not in those
/// about files, whose paths are the user's own text.
fn py_err(e: Error) -> PyErr {
    let text = match e {
        Error::Input(_) | Error::Unsupported(_) => python_names(&e.to_string()),
        _ => e.to_string(),
    };
    match e {
        Error::Parse(_) => ExpressionError::new_err(text),
        Error::Input(_) | Error::Unsupported(_) | Error::Output { .. } => {
            PyValueError::new_err(text)
        }
        Error::Write { .. } => PyOSError::new_err(text),
        Error::NoAdapter(_) | Error::Device(_) => DeviceError::new_err(text),
        Error::Interrupted(_) => PyKeyboardInterrupt::new_err(text),
        _ => PyRuntimeError::new_err(text),
    }
}

/// Options whose value follows them in messages (`--precision f64`): written as keyword
/// arguments with a string (`precision="f64"`).
const WORD_OPTIONS: &[&str] = &[
    "precision",
    "device",
    "check",
    "color-scale",
    "scheme",
    "math",
];

/// A library message with the command line's spelling of options turned into the keyword
/// arguments Python takes: `--x A:B` → `x=(A, B)`, `--ny M` → `ny=M`, `--precision f64` →
/// `precision="f64"`, `--check none / --no-check` → `check="none"`, `--h-min` → `h_min`.
/// Text between backticks (a shell command) is left as it is.
fn python_names(text: &str) -> String {
    let text = text.replace("--check none / --no-check", "check=\"none\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    let mut quoted = false;
    while let Some(c) = rest.chars().next() {
        let starts = !quoted
            && rest.starts_with("--")
            && rest[2..].starts_with(|c: char| c.is_ascii_lowercase())
            && !out.ends_with(|c: char| c.is_alphanumeric());
        if !starts {
            quoted ^= c == '`';
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let name_len = rest[2..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len() - 2);
        let name = &rest[2..2 + name_len];
        rest = &rest[2 + name_len..];
        // The value after a space, up to the next space or closing punctuation.
        let value = rest.strip_prefix(' ').map(|v| {
            let end = v.find([' ', ',', ')', ';']).unwrap_or(v.len());
            &v[..end]
        });
        let word = value.filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric()));
        match (name, value) {
            ("x" | "y", Some(v)) if v.contains(':') && !v.ends_with(':') => {
                let (a, b) = v.split_once(':').unwrap_or((v, ""));
                out.push_str(&format!("{name}=({a}, {b})"));
                rest = &rest[1 + v.len()..];
            }
            ("nx" | "ny" | "n", Some(v))
                if v.len() == 1 && v.chars().all(|c| c.is_ascii_uppercase()) =>
            {
                if out.ends_with(") ") {
                    out.pop();
                    out.push_str(", ");
                }
                out.push_str(&format!("{name}={v}"));
                rest = &rest[1 + v.len()..];
            }
            ("no-check", _) => out.push_str("check=\"none\""),
            ("no-rewrite", _) => out.push_str("rewrite=False"),
            ("no-subtitle", _) => out.push_str("subtitle=False"),
            (_, _) if WORD_OPTIONS.contains(&name) && word.is_some() => {
                let v = word.unwrap_or_default();
                out.push_str(&format!("{}=\"{v}\"", name.replace('-', "_")));
                rest = &rest[1 + v.len()..];
            }
            _ => out.push_str(&name.replace('-', "_")),
        }
    }
    out
}

fn parse<T: std::str::FromStr<Err = Error>>(s: &str) -> PyResult<T> {
    s.parse().map_err(py_err)
}

/// Sessions opened so far, by (device, backend, adapter): a GPU is opened once per process.
#[allow(clippy::type_complexity)]
static SESSIONS: Mutex<Vec<((String, Option<String>, Option<String>), Arc<Session>)>> =
    Mutex::new(Vec::new());

fn session(device: &str, backend: Option<&str>, adapter: Option<&str>) -> PyResult<Arc<Session>> {
    let key = (
        device.to_string(),
        backend.map(str::to_string),
        adapter.map(str::to_string),
    );
    let mut cache = SESSIONS
        .lock()
        .map_err(|_| PyRuntimeError::new_err("poisoned"))?;
    if let Some((_, s)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(s.clone());
    }
    let (kind, fallback) = match device {
        "gpu" => (DeviceKind::Gpu, false),
        "cpu" => (DeviceKind::Cpu, false),
        "auto" => (DeviceKind::Gpu, true),
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown device `{device}`; use gpu, cpu or auto"
            )));
        }
    };
    let mut request = BackendRequest {
        device: kind,
        gpu: gradfield::gpu::GpuOptions {
            api: backend.map(parse).transpose()?,
            adapter: adapter.map(str::to_string),
        },
        cpu_if_no_adapter: fallback,
    };
    if kind == DeviceKind::Cpu {
        request.cpu_if_no_adapter = false;
    }
    let s = Arc::new(Session::new(&request).map_err(py_err)?);
    cache.push((key, s.clone()));
    Ok(s)
}

/// Runs `work` with the GIL released; a long run goes on a worker thread while this thread
/// waits and checks for Ctrl-C, which stops the run at its next tile (KeyboardInterrupt).
fn run_released<T: Send>(
    py: Python<'_>,
    small: bool,
    work: impl FnOnce() -> gradfield::Result<T> + Send,
) -> PyResult<T> {
    interrupt::clear();
    if small {
        return py.detach(work).map_err(py_err);
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let _ = tx.send(work());
        });
        // A Receiver is not Sync; behind a Mutex it can be waited on with the GIL released.
        let rx = Mutex::new(rx);
        let wait = |t: Duration| match rx.lock() {
            Ok(r) => r.recv_timeout(t),
            Err(_) => Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
        };
        loop {
            let got = py.detach(|| wait(Duration::from_millis(50)));
            match got {
                Ok(r) => return r.map_err(py_err),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(e) = py.check_signals() {
                        interrupt::raise(2);
                        // The worker stops at its next tile; its result is dropped.
                        let _ = py.detach(|| wait(Duration::from_secs(3600)));
                        interrupt::clear();
                        return Err(e);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the worker thread died"));
                }
            }
        }
    })
}

/// The grid of a call: ranges and counts, with a library function's domain as the default.
fn resolve(
    expr: &str,
    x: Option<(f64, f64)>,
    nx: Option<usize>,
    y: Option<(f64, f64)>,
    ny: Option<usize>,
) -> PyResult<Grid> {
    let text = |r: Option<(f64, f64)>| r.map(|(a, b)| format!("{a:?}:{b:?}"));
    GridRequest::from_text(text(x).as_deref(), nx, text(y).as_deref(), ny)
        .and_then(|g| g.resolve(expr))
        .map_err(py_err)
}

/// Values as a NumPy array of `shape` (1-D or 2-D), taking the buffer without a copy.
fn to_numpy<'py>(py: Python<'py>, v: Values, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let shape_err = |e: numpy::ndarray::ShapeError| PyRuntimeError::new_err(e.to_string());
    Ok(match (v, shape) {
        (Values::F32(v), [n]) => {
            PyArray::from_owned_array(py, Array1::from_shape_vec(*n, v).map_err(shape_err)?)
                .into_any()
        }
        (Values::F64(v), [n]) => {
            PyArray::from_owned_array(py, Array1::from_shape_vec(*n, v).map_err(shape_err)?)
                .into_any()
        }
        (Values::F32(v), [r, c]) => {
            PyArray::from_owned_array(py, Array2::from_shape_vec((*r, *c), v).map_err(shape_err)?)
                .into_any()
        }
        (Values::F64(v), [r, c]) => {
            PyArray::from_owned_array(py, Array2::from_shape_vec((*r, *c), v).map_err(shape_err)?)
                .into_any()
        }
        _ => return Err(PyRuntimeError::new_err("arrays are 1-D or 2-D")),
    })
}

/// A computed field: the report (`meta.json`) with the samples its figures need, and the
/// arrays until they are handed to Python.
#[pyclass(module = "gradfield._gradfield")]
struct NativeField {
    report: Report,
    spec: FieldSpec,
    arrays: Option<gradfield::session::FieldResult>,
}

#[pymethods]
impl NativeField {
    /// The arrays (x, y and the computed fields) as NumPy arrays, without a copy; once.
    fn take_arrays<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let Some(r) = self.arrays.take() else {
            return Ok(out);
        };
        let shape = self.spec.grid.shape();
        out.set_item("x", to_numpy(py, r.x, &[self.spec.grid.x.n])?)?;
        if let (Some(y), Some(ay)) = (r.y, self.spec.grid.y) {
            out.set_item("y", to_numpy(py, y, &[ay.n])?)?;
        }
        for (f, v) in Field::ALL.iter().zip(r.fields) {
            if let Some(v) = v {
                out.set_item(f.name(), to_numpy(py, v, &shape)?)?;
            }
        }
        Ok(out)
    }

    /// Refuses the figure options named in `given` that this run's figure would pass over
    /// (a plane's options on a line, a step size without descent starts, …), before drawing.
    fn refuse_unused(&self, given: Vec<String>) -> PyResult<()> {
        let of = if self.spec.grid.is_2d() {
            FigureOf::Plane
        } else {
            FigureOf::Line
        };
        let names: Vec<&str> = given.iter().map(String::as_str).collect();
        draw::refuse_unused(&names, of, &|n: &str| n.to_string()).map_err(py_err)
    }

    /// What `meta.json` holds, as JSON text.
    fn meta_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.report).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The figure of this run encoded in `format` (png, svg or pdf).
    #[pyo3(signature = (
        format, size=None, width=None, height=None, dpi=None, title=None, xlabel=None,
        ylabel=None, style="paper", font_scale=None, subtitle=true, cmap=None,
        color_scale="linear", vmin=None, vmax=None, background="f", contours=12, arrows=20,
        arrow_scale=None, pivot="mid", normalize=false, descent=false, streamlines=0,
        slopes=None, descent_from=None, lr=1e-3, steps=500, optimizer="sgd"
    ))]
    #[allow(clippy::too_many_arguments)]
    fn figure<'py>(
        &mut self,
        py: Python<'py>,
        format: &str,
        size: Option<&str>,
        width: Option<u32>,
        height: Option<u32>,
        dpi: Option<f32>,
        title: Option<String>,
        xlabel: Option<String>,
        ylabel: Option<String>,
        style: &str,
        font_scale: Option<f32>,
        subtitle: bool,
        cmap: Option<&str>,
        color_scale: &str,
        vmin: Option<f64>,
        vmax: Option<f64>,
        background: &str,
        contours: usize,
        arrows: usize,
        arrow_scale: Option<f64>,
        pivot: &str,
        normalize: bool,
        descent: bool,
        streamlines: usize,
        slopes: Option<usize>,
        descent_from: Option<String>,
        lr: f64,
        steps: usize,
        optimizer: &str,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let format: Format = parse(format)?;
        let figure = FigureOptions {
            size: size.map(parse).transpose()?,
            width,
            height,
            dpi,
            title,
            xlabel,
            ylabel,
            style: parse(style)?,
            font_scale,
            no_subtitle: !subtitle,
        };
        figure.validate().map_err(py_err)?;
        let color = ColorOptions {
            cmap: cmap.map(parse::<ColorMap>).transpose()?,
            color_scale: parse::<ColorScale>(color_scale)?,
            vmin,
            vmax,
        };
        color.validate().map_err(py_err)?;
        let path = draw::DescentArgs {
            descent_from,
            lr,
            steps,
            optimizer: optimizer.to_string(),
        };
        let two_d = self.spec.grid.is_2d();
        let runs = match path.options(if two_d { 2 } else { 1 }).map_err(py_err)? {
            Some(d) => draw::descent_runs(&self.report, &self.spec, &d).map_err(py_err)?,
            None => Vec::new(),
        };
        let canvas: Canvas = if two_d {
            let plot = draw::FieldPlot {
                background: parse::<Background>(background)?,
                contours,
                arrows,
                arrow_scale,
                pivot: parse(pivot)?,
                normalize,
                descent,
                streamlines,
                path,
                color,
                figure,
            };
            draw::check_field_figure(&self.spec, CheckMode::Full, &plot).map_err(py_err)?;
            draw::field(&self.report, &self.spec, &plot, &runs).map_err(py_err)?
        } else if slopes.is_some() || !runs.is_empty() {
            draw::slopes(
                &self.report,
                &self.spec,
                slopes.unwrap_or(0),
                &figure,
                &color,
                &runs,
            )
            .map_err(py_err)?
        } else {
            draw::curve(&self.report, &self.spec, &figure).map_err(py_err)?
        };
        if !runs.is_empty() {
            self.report.descent = Some(runs);
        }
        let bytes = py.detach(|| canvas.encode(format)).map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// Builds the request of a field call.
#[allow(clippy::too_many_arguments)]
fn build_spec(
    expr: &str,
    x: Option<(f64, f64)>,
    nx: Option<usize>,
    y: Option<(f64, f64)>,
    ny: Option<usize>,
    h: f64,
    scheme: &str,
    precision: &str,
    math: &str,
    fields: &str,
    rewrite: bool,
) -> PyResult<FieldSpec> {
    let grid = resolve(expr, x, nx, y, ny)?;
    let spec = FieldSpec::new(expr, grid)
        .map_err(py_err)?
        .with_h(h)
        .map_err(py_err)?
        .with_scheme(parse::<Scheme>(scheme)?)
        .with_fields(parse::<Fields>(fields)?)
        .map_err(py_err)?
        .with_precision(parse::<Precision>(precision)?)
        .with_math(parse::<MathMode>(math)?)
        .with_rewrites(rewrite)
        .map_err(py_err)?;
    spec.validate().map_err(py_err)?;
    Ok(spec)
}

/// Computes and checks a field (see `gradfield.field`); `window` = (col0, col1, row0, row1)
/// takes a block of the grid with the whole grid's coordinates.
#[pyfunction]
#[pyo3(signature = (
    expr, x=None, nx=None, y=None, ny=None, h=1e-3, scheme="central", precision="f32",
    math="accurate", fields="f,fd,grad", rewrite=true, device="gpu", backend=None, adapter=None,
    check="full", tile_points=None, window=None, figure_samples=512
))]
#[allow(clippy::too_many_arguments)]
fn field(
    py: Python<'_>,
    expr: &str,
    x: Option<(f64, f64)>,
    nx: Option<usize>,
    y: Option<(f64, f64)>,
    ny: Option<usize>,
    h: f64,
    scheme: &str,
    precision: &str,
    math: &str,
    fields: &str,
    rewrite: bool,
    device: &str,
    backend: Option<&str>,
    adapter: Option<&str>,
    check: &str,
    tile_points: Option<usize>,
    window: Option<(usize, usize, usize, usize)>,
    figure_samples: usize,
) -> PyResult<NativeField> {
    let mut spec = build_spec(
        expr, x, nx, y, ny, h, scheme, precision, math, fields, rewrite,
    )?;
    if let Some((c0, c1, r0, r1)) = window {
        if c1 <= c0 || (spec.grid.is_2d() && r1 <= r0) {
            return Err(PyValueError::new_err("an empty window"));
        }
        let rows = spec.grid.is_2d().then_some(r0..r1);
        spec = spec.window(c0..c1, rows).map_err(py_err)?;
    }
    let opts = RunOptions {
        check: parse(check)?,
        tile_points,
        sample_per_axis: (figure_samples > 0).then(|| {
            if spec.grid.is_2d() {
                figure_samples
            } else {
                draw::CURVE_SAMPLES
            }
        }),
        ..RunOptions::default()
    };
    opts.validate().map_err(py_err)?;
    let session = session(device, backend, adapter)?;
    let small = spec.grid.len() <= 1 << 16;
    let mut result = run_released(py, small, || session.field_with(&spec, &opts))?;
    // The report moves to the field object with its figure samples; the arrays keep the rest.
    let samples = result.report.samples.take();
    let mut report = result.report.clone();
    report.samples = samples;
    Ok(NativeField {
        report,
        spec,
        arrays: Some(result),
    })
}

/// A step-size sweep with its figure.
#[pyclass(module = "gradfield._gradfield")]
struct NativeSweep {
    sweep: gradfield::sweep::Sweep,
}

#[pymethods]
impl NativeSweep {
    /// The curves as JSON text.
    fn json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sweep).map_err(|e| PyRuntimeError::new_err(e.to_string()))
    }

    /// The figure encoded in `format`.
    #[pyo3(signature = (format, size=None, width=None, height=None, dpi=None, title=None, style="paper", font_scale=None, subtitle=true))]
    #[allow(clippy::too_many_arguments)]
    fn figure<'py>(
        &self,
        py: Python<'py>,
        format: &str,
        size: Option<&str>,
        width: Option<u32>,
        height: Option<u32>,
        dpi: Option<f32>,
        title: Option<String>,
        style: &str,
        font_scale: Option<f32>,
        subtitle: bool,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let format: Format = parse(format)?;
        let o = FigureOptions {
            size: size.map(parse).transpose()?,
            width,
            height,
            dpi,
            title,
            style: parse(style)?,
            font_scale,
            no_subtitle: !subtitle,
            ..FigureOptions::default()
        };
        o.validate().map_err(py_err)?;
        let c = gradfield::sweep::sweep_figure(&self.sweep, &o).map_err(py_err)?;
        let bytes = py.detach(|| c.encode(format)).map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// The step-size sweep (see `gradfield.sweep`).
#[pyfunction]
#[pyo3(signature = (
    expr, x=None, n=4096, y=None, ny=None, h_min=1e-10, h_max=1.0, steps=41,
    schemes="forward,central,five-point", precisions="f32,f64", math="accurate", device="gpu",
    backend=None, adapter=None
))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    expr: &str,
    x: Option<(f64, f64)>,
    n: usize,
    y: Option<(f64, f64)>,
    ny: Option<usize>,
    h_min: f64,
    h_max: f64,
    steps: usize,
    schemes: &str,
    precisions: &str,
    math: &str,
    device: &str,
    backend: Option<&str>,
    adapter: Option<&str>,
) -> PyResult<NativeSweep> {
    let grid = resolve(expr, x, Some(n), y, ny)?;
    let list = |s: &str| -> PyResult<Vec<String>> {
        Ok(s.split(',').map(|p| p.trim().to_string()).collect())
    };
    let opts = gradfield::sweep::SweepOptions {
        h_min,
        h_max,
        steps,
        schemes: list(schemes)?
            .iter()
            .map(|s| parse(s))
            .collect::<PyResult<_>>()?,
        precisions: list(precisions)?
            .iter()
            .map(|s| parse(s))
            .collect::<PyResult<_>>()?,
        math: parse(math)?,
    };
    gradfield::sweep::validate(&opts).map_err(py_err)?;
    let session = session(device, backend, adapter)?;
    let sweep = run_released(py, false, || session.sweep(expr, grid, &opts))?;
    Ok(NativeSweep { sweep })
}

/// The symbolic derivative of `expr` along `var` (x or y), as text.
#[pyfunction]
#[pyo3(signature = (expr, var="x"))]
fn derivative(expr: &str, var: &str) -> PyResult<String> {
    let e = gradfield::library::parse(expr).map_err(|e| py_err(Error::Parse(e)))?;
    let v = match var {
        "x" => gradfield::expr::Var::X,
        "y" => gradfield::expr::Var::Y,
        _ => {
            return Err(PyValueError::new_err(format!(
                "var must be \"x\" or \"y\" (got {var:?})"
            )));
        }
    };
    Ok(e.derivative(v).to_string())
}

/// Whether `expr` is a function of y (the rule that decides between a line and a plane).
#[pyfunction]
fn uses_y(expr: &str) -> PyResult<bool> {
    let e = gradfield::library::parse(expr).map_err(|e| py_err(Error::Parse(e)))?;
    Ok(e.uses(gradfield::expr::Var::Y))
}

/// The GPU adapters wgpu finds, best first, as JSON text.
#[pyfunction]
#[pyo3(signature = (backend=None, adapter=None))]
fn adapters(backend: Option<&str>, adapter: Option<&str>) -> PyResult<String> {
    let rows = gradfield::gpu::list_adapters(&gradfield::gpu::GpuOptions {
        api: backend.map(parse).transpose()?,
        adapter: adapter.map(str::to_string),
    })
    .map_err(py_err)?;
    serde_json::to_string(&rows).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// The built-in functions with their domains and gradients, as JSON text.
#[pyfunction]
fn functions() -> String {
    use gradfield::expr::Var;
    let rows: Vec<serde_json::Value> = gradfield::library::LIBRARY
        .iter()
        .map(|f| {
            let e = f.expr();
            serde_json::json!({
                "name": f.name,
                "formula": f.formula,
                "about": f.about,
                "x": [f.x.0, f.x.1],
                "y": f.y.map(|(a, b)| vec![a, b]),
                "grad_x": e.derivative(Var::X).to_string(),
                "grad_y": f.y.map(|_| e.derivative(Var::Y).to_string()),
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// The coordinates of an axis of `n` points from `a` to `b` in `precision`, bit for bit as
/// every run computes them (for the coordinates of a Dask grid).
#[pyfunction]
#[pyo3(signature = (a, b, n, precision="f32"))]
fn axis_coords<'py>(
    py: Python<'py>,
    a: f64,
    b: f64,
    n: usize,
    precision: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let p: Precision = parse(precision)?;
    let axis = Axis::x(a, b, n).map_err(py_err)?;
    let v = Values::from_f64(axis.coords(p), p);
    to_numpy(py, v, &[n])
}

/// An axis as (first coordinate, last coordinate, points).
type AxisSpan = (f64, f64, usize);

/// The grid a call would use (its x and y axes as (a, b, n)), for Dask's block layout.
#[pyfunction]
#[pyo3(signature = (expr, x=None, nx=None, y=None, ny=None))]
fn resolve_grid(
    expr: &str,
    x: Option<(f64, f64)>,
    nx: Option<usize>,
    y: Option<(f64, f64)>,
    ny: Option<usize>,
) -> PyResult<(AxisSpan, Option<AxisSpan>)> {
    let grid = resolve(expr, x, nx, y, ny)?;
    Ok((
        (grid.x.min, grid.x.max, grid.x.n),
        grid.y.map(|a| (a.min, a.max, a.n)),
    ))
}

/// Whether this process can place `precision` on `device` (f64 needs SHADER_F64 on a GPU).
#[pyfunction]
#[pyo3(signature = (device="gpu", precision="f32", backend=None, adapter=None))]
fn supports(
    device: &str,
    precision: &str,
    backend: Option<&str>,
    adapter: Option<&str>,
) -> PyResult<bool> {
    let s = session(device, backend, adapter)?;
    Ok(s.backend()
        .place(parse(precision)?, F64Fallback::Refuse)
        .is_ok())
}

/// The native module.
#[pymodule]
fn _gradfield(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(field, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(derivative, m)?)?;
    m.add_function(wrap_pyfunction!(uses_y, m)?)?;
    m.add_function(wrap_pyfunction!(adapters, m)?)?;
    m.add_function(wrap_pyfunction!(functions, m)?)?;
    m.add_function(wrap_pyfunction!(axis_coords, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_grid, m)?)?;
    m.add_function(wrap_pyfunction!(supports, m)?)?;
    m.add_class::<NativeField>()?;
    m.add_class::<NativeSweep>()?;
    m.add("ExpressionError", m.py().get_type::<ExpressionError>())?;
    m.add("DeviceError", m.py().get_type::<DeviceError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
