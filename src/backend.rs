//! The one place that decides where a request runs: a [`Backend`] (the CPU engine, or a GPU
//! context opened once from a [`BackendRequest`]) and the one rule for precision.
//!
//! **Precision rule.** f32 runs wherever it is asked for. f64 runs on the GPU when the adapter
//! has f64 in shaders (`SHADER_F64`: Vulkan on NVIDIA and lavapipe; not GL); elsewhere a
//! command either refuses the request (`field`, `curve`: exit 2, [`F64Fallback::Refuse`]) or
//! runs it on the CPU engine and says so in its labels (`sweep`, `demo`: [`F64Fallback::Cpu`]).
//! [`Backend::place`] applies the rule; [`Backend::with_engine`] builds the engine it chose,
//! which is the only `match` on precision that picks an engine type.
//!
//! ```
//! use gradfield::backend::{Backend, F64Fallback, Place};
//! use gradfield::grid::Precision;
//! let cpu = Backend::cpu();
//! assert!(matches!(cpu.place(Precision::F64, F64Fallback::Refuse)?, Place::Cpu { .. }));
//! # Ok::<(), gradfield::Error>(())
//! ```

use crate::cpu::CpuEngine;
use crate::engine::{DeviceInfo, DeviceKind, Engine, Real};
use crate::error::{Error, Result};
use crate::gpu::{GpuContext, GpuEngine, GpuOptions, budget_for};
use crate::grid::Precision;
use crate::spec::FieldSpec;
use crate::tolerance::ErrorModel;

/// What to open: a device kind, which GPU, and whether a missing GPU is an error.
#[derive(Clone, Debug)]
pub struct BackendRequest {
    /// GPU or CPU.
    pub device: DeviceKind,
    /// Which adapter, when `device` is the GPU.
    pub gpu: GpuOptions,
    /// With no GPU adapter at all, run on the CPU (and say why) instead of failing.
    pub cpu_if_no_adapter: bool,
}

impl BackendRequest {
    /// The best GPU adapter, failing if there is none.
    pub fn gpu() -> BackendRequest {
        BackendRequest {
            device: DeviceKind::Gpu,
            gpu: GpuOptions::default(),
            cpu_if_no_adapter: false,
        }
    }

    /// The CPU engine.
    pub fn cpu() -> BackendRequest {
        BackendRequest {
            device: DeviceKind::Cpu,
            ..BackendRequest::gpu()
        }
    }
}

impl Default for BackendRequest {
    fn default() -> BackendRequest {
        BackendRequest::gpu()
    }
}

/// Where computations run: the CPU engine, or one GPU context (device, queue, cached
/// pipelines) shared by every computation of a command.
pub enum Backend {
    /// The CPU engine.
    Cpu {
        /// Why the CPU runs when a GPU was asked for (no adapter), if so.
        fallback: Option<String>,
    },
    /// A GPU.
    Gpu(Box<GpuContext>),
}

/// What the precision rule does where the GPU lacks f64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F64Fallback {
    /// Refuse the request (exit 2, with a message naming the alternatives).
    Refuse,
    /// Run it on the CPU engine and say so.
    Cpu,
}

/// Where one precision of a request runs, as [`Backend::place`] decides.
pub enum Place<'a> {
    /// On the CPU engine; `why` says why when a GPU was open.
    Cpu {
        /// The reason the CPU runs instead of the open GPU.
        why: Option<String>,
    },
    /// On this GPU.
    Gpu(&'a GpuContext),
}

impl Place<'_> {
    /// Which kind of device this is.
    pub fn kind(&self) -> DeviceKind {
        match self {
            Place::Cpu { .. } => DeviceKind::Cpu,
            Place::Gpu(_) => DeviceKind::Gpu,
        }
    }

    /// One line saying where the work runs: `gpu: llvmpipe (…)` or `cpu (f64: …)`.
    pub fn label(&self) -> String {
        match self {
            Place::Gpu(ctx) => format!("gpu: {}", ctx.describe()),
            Place::Cpu { why: None } => "cpu".into(),
            Place::Cpu { why: Some(w) } => format!("cpu ({w})"),
        }
    }
}

/// Something to do with an engine of either value type (the visitor [`Backend::with_engine`]
/// calls once, with the engine it built).
pub trait EngineUser {
    /// What it returns.
    type Output;
    /// Uses `engine`, whose values are checked with `model`.
    fn run<T: Real>(self, engine: &mut dyn Engine<T>, model: ErrorModel) -> Result<Self::Output>;
}

impl Backend {
    /// Opens what `request` asks for (a GPU context is opened once here and reused).
    pub fn open(request: &BackendRequest) -> Result<Backend> {
        match request.device {
            DeviceKind::Cpu => Ok(Backend::cpu()),
            DeviceKind::Gpu => match GpuContext::new(&request.gpu) {
                Ok(ctx) => Ok(Backend::Gpu(Box::new(ctx))),
                Err(Error::NoAdapter(why)) if request.cpu_if_no_adapter => Ok(Backend::Cpu {
                    fallback: Some(why),
                }),
                Err(e) => Err(e),
            },
        }
    }

    /// The CPU engine.
    pub fn cpu() -> Backend {
        Backend::Cpu { fallback: None }
    }

    /// A backend on an already open GPU context.
    pub fn from_gpu(ctx: GpuContext) -> Backend {
        Backend::Gpu(Box::new(ctx))
    }

    /// The GPU context, if this is a GPU.
    pub fn gpu(&self) -> Option<&GpuContext> {
        match self {
            Backend::Gpu(ctx) => Some(ctx),
            Backend::Cpu { .. } => None,
        }
    }

    /// GPU or CPU.
    pub fn kind(&self) -> DeviceKind {
        match self {
            Backend::Gpu(_) => DeviceKind::Gpu,
            Backend::Cpu { .. } => DeviceKind::Cpu,
        }
    }

    /// The device in detail, as reports give it.
    pub fn device_info(&self) -> DeviceInfo {
        match self {
            Backend::Gpu(ctx) => ctx.device_info(),
            Backend::Cpu { .. } => DeviceInfo::cpu(),
        }
    }

    /// One line: the adapter with its API and driver, or the CPU (and why, if it stands in).
    pub fn describe(&self) -> String {
        match self {
            Backend::Gpu(ctx) => ctx.describe(),
            Backend::Cpu { fallback: None } => format!("CPU ({})", DeviceInfo::cpu().name),
            Backend::Cpu {
                fallback: Some(why),
            } => format!(
                "CPU ({}) — no GPU: {}",
                DeviceInfo::cpu().name,
                why.lines().next().unwrap_or("")
            ),
        }
    }

    /// The precision rule (see the module docs): where `precision` runs on this backend.
    pub fn place(&self, precision: Precision, fallback: F64Fallback) -> Result<Place<'_>> {
        match self {
            Backend::Cpu { .. } => Ok(Place::Cpu { why: None }),
            Backend::Gpu(ctx) if precision == Precision::F32 || ctx.f64 => Ok(Place::Gpu(ctx)),
            Backend::Gpu(ctx) => match fallback {
                F64Fallback::Cpu => Ok(Place::Cpu {
                    why: Some(format!("f64: {} has no f64 in shaders", ctx.info.name)),
                }),
                F64Fallback::Refuse => Err(Error::Unsupported(format!(
                    "the adapter {} has no f64 in shaders (SHADER_F64); use --precision f32, \
                     a Vulkan adapter (lavapipe has f64), or --device cpu",
                    ctx.describe()
                ))),
            },
        }
    }

    /// Builds the engine for `spec` where [`Backend::place`] puts it (tiles of at most
    /// `tile_points`, `None` for the engine's choice) and hands it to `user` with the error
    /// model its values are checked against.
    pub fn with_engine<U: EngineUser>(
        &self,
        spec: &FieldSpec,
        tile_points: Option<usize>,
        fallback: F64Fallback,
        user: U,
    ) -> Result<U::Output> {
        let place = self.place(spec.precision, fallback)?;
        match (place, spec.precision) {
            (Place::Cpu { .. }, Precision::F32) => user.run(
                &mut CpuEngine::<f32>::new(spec)?,
                ErrorModel::cpu(Precision::F32),
            ),
            (Place::Cpu { .. }, Precision::F64) => user.run(
                &mut CpuEngine::<f64>::new(spec)?,
                ErrorModel::cpu(Precision::F64),
            ),
            (Place::Gpu(ctx), Precision::F32) => user.run(
                &mut GpuEngine::<f32>::new(ctx, spec, tile_points, budget_for(ctx))?,
                ErrorModel::gpu(Precision::F32, spec.math),
            ),
            (Place::Gpu(ctx), Precision::F64) => user.run(
                &mut GpuEngine::<f64>::new(ctx, spec, tile_points, budget_for(ctx))?,
                ErrorModel::gpu(Precision::F64, spec.math),
            ),
        }
    }
}
