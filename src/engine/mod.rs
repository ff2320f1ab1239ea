//! What every engine shares and nothing engine-specific: the value types ([`Real`]), tiles of
//! results ([`Tile`], [`TileView`]), the [`Engine`] trait the CPU and GPU engines implement,
//! their timings and the description of the device they ran on.
//!
//! The writer, the checker and the run loop depend on this module only, never on `cpu` or
//! `gpu`; [`crate::backend`] is the one place that picks an engine for a request.
//!
//! ```
//! use gradfield::engine::{Tile, TileView};
//! use gradfield::grid::Field;
//! let mut tile = Tile::<f32> { start: 10, len: 3, ..Tile::default() };
//! tile.values[Field::F.index()] = vec![1.0, 2.0, 3.0];
//! let view: TileView<'_, f32> = tile.view().slice(1, 2);
//! assert_eq!((view.start, view.values(Field::F)), (11, &[2.0f32, 3.0][..]));
//! ```

mod real;

use serde::Serialize;

pub use real::{Real, Values};

use crate::check::Checker;
use crate::error::Result;

/// The values of some fields over a contiguous range of linear grid indices.
#[derive(Clone, Debug, Default)]
pub struct Tile<T> {
    /// First linear index.
    pub start: usize,
    /// Number of points.
    pub len: usize,
    /// One array per [`crate::grid::Field`] (by [`crate::grid::Field::index`]); empty where not
    /// computed.
    pub values: [Vec<T>; 5],
}

impl<T> Tile<T> {
    /// The values of one field (empty if not computed).
    pub fn values(&self, f: crate::grid::Field) -> &[T] {
        &self.values[f.index()]
    }

    /// A borrowed view of the whole tile.
    pub fn view(&self) -> TileView<'_, T> {
        TileView {
            start: self.start,
            len: self.len,
            values: [
                &self.values[0],
                &self.values[1],
                &self.values[2],
                &self.values[3],
                &self.values[4],
            ],
        }
    }
}

/// A borrowed tile: an engine's values for a range of linear indices, wherever they live (a
/// CPU tile, or a GPU staging buffer mapped into host memory, read in place).
#[derive(Clone, Copy, Debug)]
pub struct TileView<'a, T> {
    /// First linear index.
    pub start: usize,
    /// Number of points.
    pub len: usize,
    /// One array per [`crate::grid::Field`] (by [`crate::grid::Field::index`]); empty where not
    /// computed.
    pub values: [&'a [T]; 5],
}

impl<'a, T> TileView<'a, T> {
    /// The values of one field (empty if not computed).
    pub fn values(&self, f: crate::grid::Field) -> &'a [T] {
        self.values[f.index()]
    }

    /// The sub-range `offset .. offset + len` of this tile.
    pub fn slice(&self, offset: usize, len: usize) -> TileView<'a, T> {
        let cut = |v: &'a [T]| {
            if v.is_empty() {
                v
            } else {
                &v[offset..offset + len]
            }
        };
        TileView {
            start: self.start + offset,
            len,
            values: self.values.map(cut),
        }
    }

    /// An owned copy.
    pub fn to_tile(&self) -> Tile<T>
    where
        T: Clone,
    {
        Tile {
            start: self.start,
            len: self.len,
            values: self.values.map(|v| v.to_vec()),
        }
    }
}

/// Time spent by an engine producing tiles, in milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct EngineTimes {
    /// Computing the fields: GPU timestamps where the adapter has them, else wall time.
    pub kernel: f64,
    /// Whether `kernel` comes from GPU timestamp queries.
    pub kernel_from_timestamps: bool,
    /// Getting results into host memory (GPU only): waits for the GPU, maps and unmaps.
    pub readback: f64,
    /// Allocating the engine's buffers before the first tile (GPU only).
    pub setup: f64,
}

/// Something that computes a request's fields, tile by tile, in order.
pub trait Engine<T: Real> {
    /// Computes every tile of the grid, at most `tile_points` each (`None`: the engine's own
    /// choice), handing a view of each to `sink` in order; returns the time spent.
    fn run(
        &mut self,
        tile_points: Option<usize>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<EngineTimes>;

    /// A description of the device for the report.
    fn device(&self) -> DeviceInfo;

    /// [`Engine::run`] with every tile checked by `checker` (where there is one) before
    /// `sink` sees it; returns the check's time (ms) too. By default each tile is checked as
    /// it arrives; the CPU engine, in a full check, checks each run of points on the thread
    /// that computed it, while its values are in cache, and counts the check's share of the
    /// threads' time.
    ///
    /// ```
    /// use gradfield::check::{CheckMode, Checker};
    /// use gradfield::cpu::CpuEngine;
    /// use gradfield::engine::{DeviceKind, Engine};
    /// use gradfield::grid::{Axis, Grid, Precision};
    /// use gradfield::spec::FieldSpec;
    /// use gradfield::tolerance::ErrorModel;
    /// let grid = Grid::line(Axis::x(-3.0, 3.0, 10_000)?);
    /// let spec = FieldSpec::new("sin(x)", grid)?.with_precision(Precision::F32);
    /// let model = ErrorModel::cpu(Precision::F32);
    /// let mut checker = Checker::new(&spec, model, DeviceKind::Cpu, CheckMode::Full);
    /// let mut engine = CpuEngine::<f32>::new(&spec)?;
    /// let mut seen = 0;
    /// engine.run_checked(Some(4096), Some(&mut checker), &mut |tile| {
    ///     seen += tile.len;
    ///     Ok(())
    /// })?;
    /// assert_eq!(seen, 10_000);
    /// assert_eq!(checker.points_checked(), 10_000);
    /// assert!(checker.passed());
    /// # Ok::<(), gradfield::Error>(())
    /// ```
    fn run_checked(
        &mut self,
        tile_points: Option<usize>,
        checker: Option<&mut Checker>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<(EngineTimes, f64)> {
        check_each_tile(self, tile_points, checker, sink)
    }
}

/// [`Engine::run_checked`] by checking each tile as it arrives.
pub(crate) fn check_each_tile<T: Real, E: Engine<T> + ?Sized>(
    engine: &mut E,
    tile_points: Option<usize>,
    mut checker: Option<&mut Checker>,
    sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
) -> Result<(EngineTimes, f64)> {
    let mut check_ms = 0.0;
    let times = engine.run(tile_points, &mut |tile: &TileView<'_, T>| {
        if let Some(c) = checker.as_deref_mut() {
            let t0 = std::time::Instant::now();
            c.check(tile);
            check_ms += t0.elapsed().as_secs_f64() * 1e3;
        }
        sink(tile)
    })?;
    Ok((times, check_ms))
}

/// Where a computation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// A GPU through wgpu (a software one such as lavapipe included).
    Gpu,
    /// The CPU engine.
    Cpu,
}

impl DeviceKind {
    /// `"gpu"` or `"cpu"`.
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Gpu => "gpu",
            DeviceKind::Cpu => "cpu",
        }
    }
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DeviceKind {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<DeviceKind> {
        match s {
            "gpu" => Ok(DeviceKind::Gpu),
            "cpu" => Ok(DeviceKind::Cpu),
            other => Err(crate::Error::input(format!(
                "unknown device `{other}`; use gpu or cpu"
            ))),
        }
    }
}

/// A graphics API wgpu can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuApi {
    /// Vulkan (NVIDIA, AMD, Intel, lavapipe).
    Vulkan,
    /// OpenGL / GLES (llvmpipe; no f64 in shaders).
    Gl,
    /// Metal (Apple).
    Metal,
    /// Direct3D 12 (Windows).
    Dx12,
}

impl GpuApi {
    /// Every API, in order of preference.
    pub const ALL: [GpuApi; 4] = [GpuApi::Vulkan, GpuApi::Metal, GpuApi::Dx12, GpuApi::Gl];

    /// The name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            GpuApi::Vulkan => "vulkan",
            GpuApi::Gl => "gl",
            GpuApi::Metal => "metal",
            GpuApi::Dx12 => "dx12",
        }
    }

    /// The name as people write it (`Vulkan`, `OpenGL`, …), for figures.
    pub fn title(self) -> &'static str {
        match self {
            GpuApi::Vulkan => "Vulkan",
            GpuApi::Gl => "OpenGL",
            GpuApi::Metal => "Metal",
            GpuApi::Dx12 => "DirectX 12",
        }
    }
}

impl std::fmt::Display for GpuApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for GpuApi {
    type Err = crate::Error;
    /// Parses a name, as `--backend` and `WGPU_BACKEND` give it (`opengl`, `gles`, `d3d12`
    /// are accepted as wgpu accepts them).
    fn from_str(s: &str) -> Result<GpuApi> {
        match s.trim().to_lowercase().as_str() {
            "vulkan" | "vk" => Ok(GpuApi::Vulkan),
            "gl" | "gles" | "opengl" => Ok(GpuApi::Gl),
            "metal" | "mtl" => Ok(GpuApi::Metal),
            "dx12" | "d3d12" => Ok(GpuApi::Dx12),
            other => Err(crate::Error::input(format!(
                "unknown backend `{other}`; use vulkan, gl, metal or dx12"
            ))),
        }
    }
}

/// Which device computed the fields.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceInfo {
    /// GPU or CPU.
    pub kind: DeviceKind,
    /// The adapter's name (GPU) or the CPU description.
    pub name: String,
    /// The graphics API, for a GPU.
    pub backend: Option<GpuApi>,
    /// Driver name and version, for a GPU.
    pub driver: Option<String>,
}

impl DeviceInfo {
    /// The CPU engine on this machine's rayon threads.
    pub fn cpu() -> DeviceInfo {
        DeviceInfo {
            kind: DeviceKind::Cpu,
            name: format!("{} threads", rayon::current_num_threads()),
            backend: None,
            driver: None,
        }
    }

    /// One line: `llvmpipe (…), Vulkan` or `CPU, 2 threads`.
    pub fn describe(&self) -> String {
        match self.backend {
            Some(api) => format!("{}, {}", self.name, api.title()),
            None => format!("CPU, {}", self.name),
        }
    }
}
