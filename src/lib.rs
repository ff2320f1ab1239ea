//! gradfield evaluates a function, its finite differences and its analytic gradient over
//! dense 1-D and 2-D grids, on the GPU (WGSL compute shaders through wgpu) or the CPU, checks
//! every point against a float64 reference, and draws figures.
#![warn(missing_docs)]

pub mod backend;
pub mod bench;
pub mod check;
pub mod cpu;
#[cfg(feature = "plot")]
pub mod demo;
pub mod descent;
#[cfg(feature = "plot")]
pub mod draw;
pub mod engine;
pub mod error;
pub mod expr;
pub mod gpu;
pub mod grid;
pub mod interrupt;
pub mod library;
pub mod math;
pub mod output;
#[cfg(feature = "plot")]
pub mod plot;
pub mod progress;
pub mod run;
pub mod session;
pub mod spec;
pub mod suite;
pub mod sweep;
pub mod tolerance;

pub use error::{Error, Result};

/// The README's Rust examples, run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
