//! The GPU side: a context built once (instance, adapter, device, queue, cached pipelines),
//! WGSL generated from the expression's [`crate::expr::Program`], and the tiled grid engine.
//!
//! Adapter choice: a real GPU first (discrete, then integrated, then virtual), then software
//! (Vulkan lavapipe before GL llvmpipe), narrowed by `--backend`, `--adapter NAME` and wgpu's
//! `WGPU_BACKEND` / `WGPU_ADAPTER_NAME` environment variables. The device is opened with the
//! adapter's own limits and the features we use when present: timestamp queries and f64.
//!
//! ```no_run
//! use gradfield::gpu::{GpuContext, GpuOptions};
//! let ctx = GpuContext::new(&GpuOptions::default())?;
//! println!("{} ({:?}), f64: {}", ctx.info.name, ctx.info.backend, ctx.f64);
//! # Ok::<(), gradfield::Error>(())
//! ```

pub mod codegen;
mod kernel;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use kernel::{DEFAULT_BUDGET_BYTES, DISCRETE_BUDGET_BYTES, GpuEngine, budget_for, run_gpu};
use serde::Serialize;

use crate::error::{Error, Result};

/// How long a submission may take before we give up with an error instead of hanging.
pub const GPU_TIMEOUT: Duration = Duration::from_secs(120);

/// Which adapter to use.
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// `vulkan`, `gl`, `metal` or `dx12` (default: all, or `WGPU_BACKEND`).
    pub backend: Option<String>,
    /// A substring of the adapter's name (default: `WGPU_ADAPTER_NAME`, else the best).
    pub adapter: Option<String>,
}

/// One adapter as `gradfield adapters` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct AdapterRow {
    /// Adapter name.
    pub name: String,
    /// Backend.
    pub backend: String,
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

fn parse_backends(opts: &GpuOptions) -> Result<wgpu::Backends> {
    match opts.backend.as_deref() {
        None => {
            Ok(wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY | wgpu::Backends::GL))
        }
        Some("vulkan") => Ok(wgpu::Backends::VULKAN),
        Some("gl") => Ok(wgpu::Backends::GL),
        Some("metal") => Ok(wgpu::Backends::METAL),
        Some("dx12") => Ok(wgpu::Backends::DX12),
        Some(other) => Err(Error::input(format!(
            "unknown backend `{other}`; use vulkan, gl, metal or dx12"
        ))),
    }
}

fn backend_names(b: wgpu::Backends) -> String {
    let mut names = Vec::new();
    for (flag, name) in [
        (wgpu::Backends::VULKAN, "vulkan"),
        (wgpu::Backends::METAL, "metal"),
        (wgpu::Backends::DX12, "dx12"),
        (wgpu::Backends::GL, "gl"),
    ] {
        if b.contains(flag) {
            names.push(name);
        }
    }
    names.join(", ")
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

fn row(adapter: &wgpu::Adapter) -> AdapterRow {
    let info = adapter.get_info();
    let limits = adapter.limits();
    let features = adapter.features();
    AdapterRow {
        name: info.name.clone(),
        backend: format!("{:?}", info.backend).to_lowercase(),
        device_type: format!("{:?}", info.device_type),
        driver: format!("{} {}", info.driver, info.driver_info)
            .trim()
            .to_string(),
        max_storage_binding: limits.max_storage_buffer_binding_size,
        max_buffer: limits.max_buffer_size,
        f64: features.contains(wgpu::Features::SHADER_F64),
        timestamps: features.contains(wgpu::Features::TIMESTAMP_QUERY),
    }
}

/// Every adapter wgpu finds on the given backends (all by default), best first.
pub fn list_adapters(opts: &GpuOptions) -> Result<Vec<AdapterRow>> {
    let backends = parse_backends(opts)?;
    let inst = instance(backends);
    let mut adapters = pollster::block_on(inst.enumerate_adapters(backends));
    adapters.sort_by_key(|a| rank(&a.get_info()));
    Ok(adapters.iter().map(row).collect())
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

/// Device, queue and cached pipelines, built once and reused.
pub struct GpuContext {
    /// The adapter in use.
    pub info: wgpu::AdapterInfo,
    /// Its limits (the device was opened with them).
    pub limits: wgpu::Limits,
    /// Whether shaders may use f64.
    pub f64: bool,
    /// Whether kernels are timed with timestamp queries.
    pub timestamps: bool,
    /// Whether shaders may use 64-bit integers (a stronger barrier in f64 math).
    pub int64: bool,
    pub(crate) device: wgpu::Device,
    pub(crate) queue: wgpu::Queue,
    pub(crate) layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    pipelines: Mutex<HashMap<String, Arc<wgpu::ComputePipeline>>>,
    trouble: Arc<Mutex<Trouble>>,
    _adapter: wgpu::Adapter,
}

/// Bindings of `shaders/grid.wgsl`: params, consts, five outputs.
pub(crate) const OUTPUT_BINDINGS: u32 = 5;

impl GpuContext {
    /// Finds the best adapter allowed by `opts` and opens a device on it.
    pub fn new(opts: &GpuOptions) -> Result<GpuContext> {
        let backends = parse_backends(opts)?;
        let inst = instance(backends);
        let mut adapters = pollster::block_on(inst.enumerate_adapters(backends));
        let wanted = opts
            .adapter
            .clone()
            .or_else(|| std::env::var("WGPU_ADAPTER_NAME").ok())
            .map(|s| s.to_lowercase());
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
            return Err(Error::NoAdapter(format!(
                "{detail}.\n  On Linux without a GPU, install a software Vulkan device: \
                 `apt-get install mesa-vulkan-drivers` (lavapipe).\n  Or compute on the CPU \
                 with --device cpu."
            )));
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
        let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let mut entries = vec![
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
            storage(1, true),
        ];
        for k in 0..OUTPUT_BINDINGS {
            entries.push(storage(2 + k, false));
        }
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("grid"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("grid"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        Ok(GpuContext {
            f64: wanted_features.contains(wgpu::Features::SHADER_F64),
            timestamps: wanted_features.contains(wgpu::Features::TIMESTAMP_QUERY),
            int64: wanted_features.contains(wgpu::Features::SHADER_INT64),
            info,
            limits,
            device,
            queue,
            layout,
            pipeline_layout,
            pipelines: Mutex::new(HashMap::new()),
            trouble,
            _adapter: adapter,
        })
    }

    /// The adapter as a report row.
    pub fn row(&self) -> AdapterRow {
        AdapterRow {
            name: self.info.name.clone(),
            backend: format!("{:?}", self.info.backend).to_lowercase(),
            device_type: format!("{:?}", self.info.device_type),
            driver: format!("{} {}", self.info.driver, self.info.driver_info)
                .trim()
                .to_string(),
            max_storage_binding: self.limits.max_storage_buffer_binding_size,
            max_buffer: self.limits.max_buffer_size,
            f64: self.f64,
            timestamps: self.timestamps,
        }
    }

    /// A compute pipeline for generated WGSL, compiled once per distinct source.
    pub fn pipeline(&self, source: &str) -> Result<Arc<wgpu::ComputePipeline>> {
        if let Some(p) = self.pipelines.lock().expect("not poisoned").get(source) {
            return Ok(p.clone());
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("grid"),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("grid"),
                layout: Some(&self.pipeline_layout),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            let path = std::env::temp_dir().join("gradfield-failed-shader.wgsl");
            let _ = std::fs::write(&path, source);
            return Err(Error::Gpu(format!(
                "the generated shader was refused: {e}\n  (source saved to {})",
                path.display()
            )));
        }
        let p = Arc::new(pipeline);
        self.pipelines
            .lock()
            .expect("not poisoned")
            .insert(source.to_string(), p.clone());
        Ok(p)
    }

    /// Fails if wgpu reported an error or lost the device since the last call.
    pub(crate) fn check_trouble(&self) -> Result<()> {
        let mut t = self.trouble.lock().expect("not poisoned");
        if let Some(lost) = &t.lost {
            return Err(Error::Gpu(format!("the device was lost ({lost})")));
        }
        if !t.errors.is_empty() {
            let all = std::mem::take(&mut t.errors).join("; ");
            return Err(Error::Gpu(all));
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
                Error::Gpu(format!(
                    "the GPU did not finish within {} s: {e}",
                    GPU_TIMEOUT.as_secs()
                ))
            })?;
        self.check_trouble()
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
            format!("{} {}", self.info.driver, self.info.driver_info).trim()
        )
    }
}
