//! Numeric kernels at the bottom of the crate, depending on nothing else in it: the CPU
//! engine's vectorised float64 sine and cosine ([`fastmath`]) and the reference's, a
//! different algorithm ([`refmath`]), so that a check never compares one code with itself.

pub mod fastmath;
pub mod refmath;
