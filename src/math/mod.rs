//! Numeric kernels at the bottom of the crate, depending on nothing else in it: the CPU
//! engine's vectorised float64 sine and cosine ([`fastmath`]). The expression language and
//! both CPU evaluators build on them.

pub mod fastmath;
