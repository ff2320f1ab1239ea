//! The GPU side: a context built once (instance, adapter, device, queue, cached pipelines),
//! WGSL generated from the expression's [`crate::expr::Program`], and the tiled grid engine.
//!
//! Adapter choice: a real GPU first (discrete, then integrated, then virtual), then software
//! (Vulkan lavapipe before GL llvmpipe), narrowed by `--backend`, `--adapter NAME` and wgpu's
//! `WGPU_BACKEND` / `WGPU_ADAPTER_NAME` environment variables. The device is opened with the
//! adapter's own limits and the features we use when present: timestamp queries and f64.
//!
//! Every wgpu call of the crate lives under this module: the context, the grid kernel
//! (`kernel.rs`), the sweep kernel (`sweep.rs`), the copy-bandwidth probe (`probe.rs`), the
//! host–shader data contracts (`layout.rs`) and WGSL generation (`codegen.rs`).
//!
//! ```no_run
//! use gradfield::gpu::{GpuContext, GpuOptions};
//! let ctx = GpuContext::new(&GpuOptions::default())?;
//! println!("{}, f64: {}", ctx.describe(), ctx.f64);
//! # Ok::<(), gradfield::Error>(())
//! ```

pub mod codegen;
mod kernel;
pub(crate) mod layout;
mod probe;
mod sweep;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use kernel::{DEFAULT_BUDGET_BYTES, DISCRETE_BUDGET_BYTES, GpuEngine, budget_for};
pub use layout::WORKGROUP_SIZE;
use serde::Serialize;

use crate::engine::{DeviceInfo, DeviceKind, GpuApi};
use crate::error::{Error, Result};

/// How long a submission may take before we give up with an error instead of hanging.
pub const GPU_TIMEOUT: Duration = Duration::from_secs(120);

/// Which adapter to use.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// The graphics API (default: every one, or those `WGPU_BACKEND` names).
    pub api: Option<GpuApi>,
    /// A substring of the adapter's name (default: `WGPU_ADAPTER_NAME`, else the best).
    pub adapter: Option<String>,
}

/// One adapter as `gradfield adapters` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AdapterRow {
    /// Adapter name.
    pub name: String,
    /// Graphics API.
    pub backend: Option<GpuApi>,
    /// Discrete, integrated, virtual, CPU or other.
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
    /// Largest storage buffer binding in bytes.
    pub max_storage_binding: u64,
    /// Largest buffer in bytes.
    pub max_buffer: u64,
    /// Whether shaders may use f64.
    pub f64: bool,
    /// Whether timestamp queries are available.
    pub timestamps: bool,
}

fn api_flag(api: GpuApi) -> wgpu::Backends {
    match api {
        GpuApi::Vulkan => wgpu::Backends::VULKAN,
        GpuApi::Gl => wgpu::Backends::GL,
        GpuApi::Metal => wgpu::Backends::METAL,
        GpuApi::Dx12 => wgpu::Backends::DX12,
    }
}

fn api_of(backend: wgpu::Backend) -> Option<GpuApi> {
    match backend {
        wgpu::Backend::Vulkan => Some(GpuApi::Vulkan),
        wgpu::Backend::Gl => Some(GpuApi::Gl),
        wgpu::Backend::Metal => Some(GpuApi::Metal),
        wgpu::Backend::Dx12 => Some(GpuApi::Dx12),
        _ => None,
    }
}

/// The APIs to search: `--backend`, else `WGPU_BACKEND` (a comma list, each name checked as
/// `--backend` checks it, so a bad one is the same error either way), else all of them.
fn parse_backends(opts: &GpuOptions) -> Result<wgpu::Backends> {
    if let Some(api) = opts.api {
        return Ok(api_flag(api));
    }
    match std::env::var("WGPU_BACKEND") {
        Ok(list) if !list.trim().is_empty() => {
            let mut flags = wgpu::Backends::empty();
            for name in list.split(',') {
                let api: GpuApi = name.parse().map_err(|_| {
                    Error::input(format!(
                        "WGPU_BACKEND names an unknown backend `{}`; use vulkan, gl, metal or dx12",
                        name.trim()
                    ))
                })?;
                flags |= api_flag(api);
            }
            Ok(flags)
        }
        _ => Ok(wgpu::Backends::PRIMARY | wgpu::Backends::GL),
    }
}

fn backend_names(b: wgpu::Backends) -> String {
    GpuApi::ALL
        .iter()
        .filter(|&&api| b.contains(api_flag(api)))
        .map(|api| api.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    desc.flags = wgpu::InstanceFlags::from_build_config().with_env();
    wgpu::Instance::new(desc)
}

/// Preference rank: lower is better.
fn rank(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let ty = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let backend = match info.backend {
        wgpu::Backend::Vulkan => 0,
        wgpu::Backend::Metal => 1,
        wgpu::Backend::Dx12 => 2,
        wgpu::Backend::Gl => 3,
        _ => 4,
    };
    (ty, backend)
}

fn driver_text(info: &wgpu::AdapterInfo) -> String {
    format!("{} {}", info.driver, info.driver_info)
        .trim()
        .to_string()
}

fn row_of(info: &wgpu::AdapterInfo, limits: &wgpu::Limits, features: wgpu::Features) -> AdapterRow {
    AdapterRow {
        name: info.name.clone(),
        backend: api_of(info.backend),
        device_type: format!("{:?}", info.device_type),
        driver: driver_text(info),
        max_storage_binding: limits.max_storage_buffer_binding_size,
        max_buffer: limits.max_buffer_size,
        f64: features.contains(wgpu::Features::SHADER_F64),
        timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
    }
}

/// The adapters wgpu finds on the requested APIs (all by default), narrowed to names
/// containing `opts.adapter` (or `WGPU_ADAPTER_NAME`), best first.
pub fn list_adapters(opts: &GpuOptions) -> Result<Vec<AdapterRow>> {
    let backends = parse_backends(opts)?;
    let inst = instance(backends);
    let mut adapters = pollster::block_on(inst.enumerate_adapters(backends));
    if let Some(w) = wanted_name(opts) {
        adapters.retain(|a| a.get_info().name.to_lowercase().contains(&w));
    }
    adapters.sort_by_key(|a| rank(&a.get_info()));
    Ok(adapters
        .iter()
        .map(|a| row_of(&a.get_info(), &a.limits(), a.features()))
        .collect())
}

/// The adapter-name filter: `opts.adapter`, else `WGPU_ADAPTER_NAME`, lower-cased.
fn wanted_name(opts: &GpuOptions) -> Option<String> {
    opts.adapter
        .clone()
        .or_else(|| std::env::var("WGPU_ADAPTER_NAME").ok())
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.to_lowercase())
}

/// The `adapters` table: one line per adapter with its limits and features.
pub fn adapters_table(rows: &[AdapterRow]) -> String {
    let mut text = format!(
        "{:<40} {:<7} {:<12} {:>12} {:>12} {:>4} {:>10}  driver\n",
        "adapter", "backend", "type", "max binding", "max buffer", "f64", "timestamps"
    );
    let mib = |b: u64| format!("{} MiB", b >> 20);
    for r in rows {
        text += &format!(
            "{:<40} {:<7} {:<12} {:>12} {:>12} {:>4} {:>10}  {}\n",
            r.name,
            r.backend.map_or("other", GpuApi::name),
            r.device_type,
            mib(r.max_storage_binding),
            mib(r.max_buffer),
            if r.f64 { "yes" } else { "no" },
            if r.timestamps { "yes" } else { "no" },
            r.driver
        );
    }
    text
}

/// The message when no adapter is found (the same for `adapters` and every command).
pub fn no_adapter_message(detail: &str) -> String {
    format!(
        "{detail}.\n  On Linux without a GPU, install a software Vulkan device: \
         `apt-get install mesa-vulkan-drivers` (lavapipe).\n  Or compute on the CPU with \
         --device cpu."
    )
}

/// Errors reported by wgpu outside an error scope, and the lost-device message.
#[derive(Default)]
struct Trouble {
    errors: Vec<String>,
    lost: Option<String>,
}

/// An unmapped buffer of `size` bytes (what every kernel's buffers are created as).
pub(crate) fn buffer(
    d: &wgpu::Device,
    label: &str,
    size: u64,
    usage: wgpu::BufferUsages,
) -> wgpu::Buffer {
    d.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: false,
    })
}

/// The kernels, each with its own bind-group layout (binding numbers as in its shader).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kernel {
    /// `shaders/grid.wgsl`: params, consts, five outputs.
    Grid,
    /// `shaders/sweep.wgsl`: params, consts, partial maxima, reference.
    Sweep,
    /// `shaders/copy.wgsl`: source, destination.
    Copy,
}

/// One binding of a kernel's layout.
#[derive(Clone, Copy)]
enum Slot {
    Uniform,
    Read,
    ReadWrite,
}

impl Kernel {
    const ALL: [Kernel; 3] = [Kernel::Grid, Kernel::Sweep, Kernel::Copy];

    fn slots(self) -> &'static [Slot] {
        use Slot::*;
        match self {
            Kernel::Grid => &[
                Uniform, Read, ReadWrite, ReadWrite, ReadWrite, ReadWrite, ReadWrite,
            ],
            Kernel::Sweep => &[Uniform, Read, ReadWrite, Read],
            Kernel::Copy => &[Read, ReadWrite],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Grid => "grid",
            Kernel::Sweep => "sweep",
            Kernel::Copy => "copy",
        }
    }
}

/// Device, queue, one layout per kernel and cached pipelines, built once and reused.
pub struct GpuContext {
    pub(crate) info: wgpu::AdapterInfo,
    pub(crate) limits: wgpu::Limits,
    /// Whether shaders may use f64.
    pub f64: bool,
    /// Whether kernels are timed with timestamp queries.
    pub timestamps: bool,
    /// Whether shaders may use 64-bit integers (a stronger barrier in f64 math).
    pub int64: bool,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    layouts: HashMap<Kernel, (wgpu::BindGroupLayout, wgpu::PipelineLayout)>,
    pipelines: Mutex<HashMap<(Kernel, String), Arc<wgpu::ComputePipeline>>>,
    trouble: Arc<Mutex<Trouble>>,
    _adapter: wgpu::Adapter,
}

impl GpuContext {
    /// Finds the best adapter allowed by `opts` and opens a device on it.
    pub fn new(opts: &GpuOptions) -> Result<GpuContext> {
        let backends = parse_backends(opts)?;
        let inst = instance(backends);
        let mut adapters = pollster::block_on(inst.enumerate_adapters(backends));
        let wanted = wanted_name(opts);
        let found: Vec<String> = adapters
            .iter()
            .map(|a| {
                let i = a.get_info();
                format!("{} ({:?})", i.name, i.backend)
            })
            .collect();
        if let Some(w) = &wanted {
            adapters.retain(|a| a.get_info().name.to_lowercase().contains(w));
        }
        adapters.sort_by_key(|a| rank(&a.get_info()));
        let Some(adapter) = adapters.into_iter().next() else {
            let tried = backend_names(backends);
            let detail = match (&wanted, found.is_empty()) {
                (Some(w), false) => format!(
                    "no adapter's name contains `{w}`; found: {}",
                    found.join(", ")
                ),
                _ => format!("no GPU adapter found on the backends tried ({tried})"),
            };
            return Err(Error::NoAdapter(no_adapter_message(&detail)));
        };
        let info = adapter.get_info();
        let features = adapter.features();
        let wanted_features = features
            & (wgpu::Features::TIMESTAMP_QUERY
                | wgpu::Features::SHADER_F64
                | wgpu::Features::SHADER_INT64);
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("gradfield"),
            required_features: wanted_features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| Error::NoAdapter(format!("cannot open a device on {}: {e}", info.name)))?;
        let trouble = Arc::new(Mutex::new(Trouble::default()));
        {
            let t = trouble.clone();
            device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                if let Ok(mut t) = t.lock() {
                    t.errors.push(e.to_string());
                }
            }));
            let t = trouble.clone();
            device.set_device_lost_callback(move |reason, msg| {
                if let Ok(mut t) = t.lock() {
                    t.lost = Some(format!("{reason:?}: {msg}"));
                }
            });
        }
        let layouts = Kernel::ALL
            .into_iter()
            .map(|k| (k, kernel_layout(&device, k)))
            .collect();
        Ok(GpuContext {
            f64: wanted_features.contains(wgpu::Features::SHADER_F64),
            timestamps: wanted_features.contains(wgpu::Features::TIMESTAMP_QUERY),
            int64: wanted_features.contains(wgpu::Features::SHADER_INT64),
            info,
            limits,
            device,
            queue,
            layouts,
            pipelines: Mutex::new(HashMap::new()),
            trouble,
            _adapter: adapter,
        })
    }

    /// The adapter's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The graphics API in use.
    pub fn api(&self) -> Option<GpuApi> {
        api_of(self.info.backend)
    }

    /// Whether the adapter is a discrete GPU (its memory is its own, not the host's).
    pub fn is_discrete(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::DiscreteGpu
    }

    /// The largest storage buffer binding, in bytes.
    pub fn max_storage_binding(&self) -> u64 {
        self.limits.max_storage_buffer_binding_size
    }

    /// The adapter as a report row.
    pub fn row(&self) -> AdapterRow {
        let mut features = wgpu::Features::empty();
        if self.f64 {
            features |= wgpu::Features::SHADER_F64;
        }
        if self.timestamps {
            features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        row_of(&self.info, &self.limits, features)
    }

    /// The device as reports describe it.
    pub fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            kind: DeviceKind::Gpu,
            name: self.info.name.clone(),
            backend: self.api(),
            driver: Some(driver_text(&self.info)),
        }
    }

    /// A compute pipeline for `kernel` from generated WGSL, compiled once per distinct source.
    pub(crate) fn pipeline(
        &self,
        kernel: Kernel,
        source: &str,
    ) -> Result<Arc<wgpu::ComputePipeline>> {
        let key = (kernel, source.to_string());
        if let Some(p) = self.pipelines.lock().expect("not poisoned").get(&key) {
            return Ok(p.clone());
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(kernel.name()),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(kernel.name()),
                layout: Some(&self.layouts[&kernel].1),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            let path = std::env::temp_dir().join("gradfield-failed-shader.wgsl");
            let _ = std::fs::write(&path, source);
            return Err(Error::internal(format!(
                "the generated {} shader was refused: {e}\n  (source saved to {})",
                kernel.name(),
                path.display()
            )));
        }
        let p = Arc::new(pipeline);
        self.pipelines
            .lock()
            .expect("not poisoned")
            .insert(key, p.clone());
        Ok(p)
    }

    /// A bind group of `kernel` with `buffers` at bindings 0, 1, … in order.
    pub(crate) fn bind_group(&self, kernel: Kernel, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
            .iter()
            .enumerate()
            .map(|(k, b)| wgpu::BindGroupEntry {
                binding: k as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.name()),
            layout: &self.layouts[&kernel].0,
            entries: &entries,
        })
    }

    /// A storage buffer holding `words` in `precision` (read-only to kernels).
    pub(crate) fn constants(
        &self,
        label: &str,
        words: &[f64],
        precision: crate::grid::Precision,
    ) -> wgpu::Buffer {
        wgpu::util::DeviceExt::create_buffer_init(
            &self.device,
            &wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &precision.encode(words),
                usage: wgpu::BufferUsages::STORAGE,
            },
        )
    }

    /// Workgroups for `groups` groups: 1-D while it fits the per-dimension limit, else 2-D
    /// (kernels linearise the workgroup id).
    pub(crate) fn dispatch_size(&self, groups: usize) -> (u32, u32) {
        let groups = groups.max(1);
        let max = self.limits.max_compute_workgroups_per_dimension.max(1) as usize;
        let wx = groups.min(max);
        (wx as u32, groups.div_ceil(wx) as u32)
    }

    /// Fails if wgpu reported an error or lost the device since the last call.
    pub(crate) fn check_trouble(&self) -> Result<()> {
        let mut t = self.trouble.lock().expect("not poisoned");
        if let Some(lost) = &t.lost {
            return Err(Error::device(format!("the device was lost ({lost})")));
        }
        if !t.errors.is_empty() {
            let all = std::mem::take(&mut t.errors).join("; ");
            return Err(Error::Device(all));
        }
        Ok(())
    }

    /// Waits for a submission, at most [`GPU_TIMEOUT`]; an error, never a hang.
    pub(crate) fn wait(&self, index: wgpu::SubmissionIndex) -> Result<()> {
        self.device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(index),
                timeout: Some(GPU_TIMEOUT),
            })
            .map_err(|e| {
                Error::device(format!(
                    "the GPU did not finish within {} s: {e}",
                    GPU_TIMEOUT.as_secs()
                ))
            })?;
        self.check_trouble()
    }

    /// Maps `buffer` for reading after `index`, waits at most [`GPU_TIMEOUT`] and returns its
    /// bytes (copied out; for small results such as timestamps and reductions).
    pub(crate) fn read_back(
        &self,
        buffer: &wgpu::Buffer,
        index: wgpu::SubmissionIndex,
    ) -> Result<Vec<u8>> {
        let (tx, rx) = std::sync::mpsc::channel();
        buffer.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.wait(index)?;
        rx.recv_timeout(GPU_TIMEOUT)
            .map_err(|_| Error::device("a buffer map never completed"))?
            .map_err(|e| Error::device(format!("a GPU buffer map failed: {e}")))?;
        let bytes = buffer
            .get_mapped_range(..)
            .map_err(|e| Error::device(e.to_string()))?
            .to_vec();
        buffer.unmap();
        Ok(bytes)
    }

    /// What generated code may use on this adapter.
    pub fn target(&self) -> codegen::Target {
        codegen::Target { int64: self.int64 }
    }

    /// A one-line description: name, backend, driver.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {})",
            self.info.name,
            self.info.backend,
            driver_text(&self.info)
        )
    }
}

/// The bind-group and pipeline layouts of one kernel.
fn kernel_layout(
    device: &wgpu::Device,
    kernel: Kernel,
) -> (wgpu::BindGroupLayout, wgpu::PipelineLayout) {
    let entries: Vec<wgpu::BindGroupLayoutEntry> = kernel
        .slots()
        .iter()
        .enumerate()
        .map(|(k, slot)| wgpu::BindGroupLayoutEntry {
            binding: k as u32,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: match slot {
                    Slot::Uniform => wgpu::BufferBindingType::Uniform,
                    Slot::Read => wgpu::BufferBindingType::Storage { read_only: true },
                    Slot::ReadWrite => wgpu::BufferBindingType::Storage { read_only: false },
                },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        })
        .collect();
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(kernel.name()),
        entries: &entries,
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(kernel.name()),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    (layout, pipeline_layout)
}
