//! The data contracts between the host and the kernels, in one place. Each is a Rust type
//! whose WGSL declaration is generated from it and pasted into the shader (`//@LAYOUT`,
//! `//@PARAMS`), so host and shader cannot disagree on a name, an index or a size:
//!
//! - [`WORKGROUP_SIZE`]: invocations per workgroup, emitted as `const WORKGROUP`.
//! - Per-dispatch parameters ([`GridParams`], [`SweepParams`]): `#[repr(C)]` + `Pod` structs
//!   uploaded as a uniform; the WGSL `struct Params` is printed from the same field list.
//! - The constants buffer `consts` (an array of the kernel's scalar type): a [`ConstHead`]
//!   whose fields become the WGSL indices `C_STEP_X`, `C_OFFSETS`, …, then the segment bases
//!   of each axis, then (sweeps) one [`SweepStep`] per step.

use bytemuck::{Pod, Zeroable};

use crate::grid::{Precision, SEGMENT_POINTS};
use crate::spec::FieldSpec;

/// Invocations per workgroup: a multiple of every vendor's SIMD width (32 on NVIDIA, 64 on
/// AMD, 8–16 CPU lanes in lavapipe) and the largest size WebGPU guarantees.
pub const WORKGROUP_SIZE: u32 = 256;

/// Declares a `#[repr(C)]` struct of `u32` fields and its WGSL declaration (`Self::WGSL`).
macro_rules! gpu_params {
    ($(#[$doc:meta])* $name:ident as $wgsl:literal { $($(#[$fdoc:meta])* $field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, Pod, Zeroable)]
        pub(crate) struct $name {
            $($(#[$fdoc])* pub(crate) $field: u32,)*
        }

        impl $name {
            /// The WGSL declaration of this struct.
            pub(crate) const WGSL: &'static str = concat!(
                "struct ", $wgsl, " {\n",
                $("    ", stringify!($field), ": u32,\n",)*
                "}\n"
            );
        }
    };
}

gpu_params! {
    /// Per-dispatch parameters of the grid kernel (`shaders/grid.wgsl`).
    GridParams as "Params" {
        /// Points along x.
        nx,
        /// Points along y (1 on a line).
        ny,
        /// First linear index of this tile.
        tile_start,
        /// Points in this tile.
        tile_len,
        /// Where the x segment bases start in `consts`.
        x_bases,
        /// Where the y segment bases start in `consts`.
        y_bases,
        /// Index in the full x axis of this grid's first column (a window's offset).
        x_off,
        /// Index in the full y axis of this grid's first row.
        y_off,
        /// Local column of the full x axis's last point (its coordinate is exactly max), or
        /// u32::MAX when this window does not hold it.
        x_last,
        /// Local row of the full y axis's last point, or u32::MAX.
        y_last,
        /// Padding to 16-byte alignment.
        pad0,
        /// Padding to 16-byte alignment.
        pad1,
    }
}

gpu_params! {
    /// Parameters of the step-size sweep kernel (`shaders/sweep.wgsl`).
    SweepParams as "Params" {
        /// Points along x.
        nx,
        /// Points along y (1 on a line).
        ny,
        /// Points in the sweep (nx·ny).
        points,
        /// Steps h.
        steps,
        /// Where the x segment bases start in `consts`.
        x_bases,
        /// Where the y segment bases start in `consts`.
        y_bases,
        /// Where the per-step constants ([`SweepStep`]) start in `consts`.
        steps_at,
        /// As [`GridParams`]: window offsets and last points.
        x_off,
        /// As [`GridParams`].
        y_off,
        /// As [`GridParams`].
        x_last,
        /// As [`GridParams`].
        y_last,
        /// Padding to 16-byte alignment.
        pad0,
        /// Padding to 16-byte alignment.
        pad1,
        /// Padding to 16-byte alignment.
        pad2,
    }
}

/// (x_off, y_off, x_last, y_last) of a grid for the kernels' parameters.
pub(crate) fn window_params(grid: &crate::grid::Grid) -> [u32; 4] {
    let last = |a: &crate::grid::Axis| a.last_local().map_or(u32::MAX, |l| l as u32);
    [
        grid.x.offset as u32,
        grid.y.map_or(0, |y| y.offset as u32),
        last(&grid.x),
        grid.y.as_ref().map_or(0, last),
    ]
}

/// The named head of the constants buffer, in float64 before rounding to the kernel's
/// precision. The field order is the WGSL index order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ConstHead {
    /// Step along x, rounded to the kernel's precision.
    step_x: f64,
    /// Step along y.
    step_y: f64,
    /// The last x coordinate (the axis ends exactly there).
    max_x: f64,
    /// The last y coordinate.
    max_y: f64,
    /// The number 1, which the compiler cannot see through (see `axis_coord`).
    one: f64,
    /// Stencil offsets `T(o·h)` in the scheme's order.
    offsets: [f64; 4],
    /// The stencil's denominator `T(den·h)`.
    den: f64,
}

/// Words of a struct of f64 fields.
const fn words<T>() -> usize {
    std::mem::size_of::<T>() / 8
}

impl ConstHead {
    /// Words in the head.
    pub(crate) const LEN: usize = words::<ConstHead>();

    /// WGSL index names and indices, from the field offsets.
    const NAMES: [(&'static str, usize); 7] = [
        ("C_STEP_X", std::mem::offset_of!(ConstHead, step_x) / 8),
        ("C_STEP_Y", std::mem::offset_of!(ConstHead, step_y) / 8),
        ("C_MAX_X", std::mem::offset_of!(ConstHead, max_x) / 8),
        ("C_MAX_Y", std::mem::offset_of!(ConstHead, max_y) / 8),
        ("C_ONE", std::mem::offset_of!(ConstHead, one) / 8),
        ("C_OFFSETS", std::mem::offset_of!(ConstHead, offsets) / 8),
        ("C_DEN", std::mem::offset_of!(ConstHead, den) / 8),
    ];

    fn words(&self) -> [f64; ConstHead::LEN] {
        let mut w = [0.0; ConstHead::LEN];
        w[0] = self.step_x;
        w[1] = self.step_y;
        w[2] = self.max_x;
        w[3] = self.max_y;
        w[4] = self.one;
        w[5..9].copy_from_slice(&self.offsets);
        w[9] = self.den;
        w
    }
}

/// The constants of one sweep step: offsets `T(o·h)` for o in [`SweepStep::OFFSETS`] and
/// denominators `T(d·h)` for d in [`SweepStep::DENS`], enough for every [`crate::grid::Scheme`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SweepStep {
    offsets: [f64; 4],
    dens: [f64; 3],
}

impl SweepStep {
    /// Words per step.
    pub(crate) const LEN: usize = words::<SweepStep>();
    /// The offset multiples a stencil may use, in slot order.
    const OFFSETS: [i32; 4] = [1, -1, 2, -2];
    /// The denominators a stencil may use (multiples of h), in slot order.
    const DENS: [f64; 3] = [1.0, 2.0, 12.0];

    fn new(h: f64, p: Precision) -> SweepStep {
        SweepStep {
            offsets: SweepStep::OFFSETS.map(|o| p.round(o as f64 * h)),
            dens: SweepStep::DENS.map(|d| p.round(d * h)),
        }
    }

    /// The word (within a step) holding offset multiple `o`.
    pub(crate) fn offset_slot(o: i32) -> Option<usize> {
        SweepStep::OFFSETS.iter().position(|&k| k == o)
    }

    /// The word (within a step) holding denominator `den`·h.
    pub(crate) fn den_slot(den: f64) -> Option<usize> {
        SweepStep::DENS
            .iter()
            .position(|&d| d == den)
            .map(|k| SweepStep::OFFSETS.len() + k)
    }
}

/// The WGSL constants every kernel shares: the workgroup size, the coordinate segments and
/// the indices into `consts`.
pub(crate) fn wgsl_constants() -> String {
    let mut s = format!(
        "const WORKGROUP: u32 = {WORKGROUP_SIZE}u;\n\
         const SEGMENT_SHIFT: u32 = {}u;\n\
         const SEGMENT_MASK: u32 = {}u;\n\
         const SWEEP_STEP_WORDS: u32 = {}u;\n",
        SEGMENT_POINTS.trailing_zeros(),
        SEGMENT_POINTS - 1,
        SweepStep::LEN
    );
    for (name, index) in ConstHead::NAMES {
        s += &format!("const {name}: u32 = {index}u;\n");
    }
    s
}

/// A constants buffer as float64 words (rounded to the kernel's precision where that
/// matters), with where each part starts.
pub(crate) struct Consts {
    /// The words.
    pub(crate) words: Vec<f64>,
    /// Index of the first x segment base.
    pub(crate) x_bases: u32,
    /// Index of the first y segment base.
    pub(crate) y_bases: u32,
    /// Index of the first sweep step (the end of the buffer when there are none).
    pub(crate) steps_at: u32,
}

impl Consts {
    /// The constants of `spec`'s grid and stencil, then `steps` sweep steps.
    pub(crate) fn new(spec: &FieldSpec, steps: &[f64]) -> Consts {
        let grid = spec.grid;
        let p = spec.precision;
        let (stencil, den) = spec.stencil();
        let mut head = ConstHead {
            step_x: p.round(grid.x.step()),
            max_x: grid.x.max,
            one: 1.0,
            den,
            ..ConstHead::default()
        };
        if let Some(y) = grid.y {
            head.step_y = p.round(y.step());
            head.max_y = y.max;
        }
        for (k, &(_, off, _)) in stencil.iter().enumerate() {
            head.offsets[k] = off;
        }
        let mut words = head.words().to_vec();
        let x_bases = words.len() as u32;
        words.extend(grid.x.segment_bases(p));
        let y_bases = words.len() as u32;
        if let Some(y) = grid.y {
            words.extend(y.segment_bases(p));
        }
        let steps_at = words.len() as u32;
        for &h in steps {
            let s = SweepStep::new(h, p);
            words.extend(s.offsets);
            words.extend(s.dens);
        }
        Consts {
            words,
            x_bases,
            y_bases,
            steps_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Scheme;

    #[test]
    fn every_scheme_fits_the_layouts() {
        for scheme in Scheme::ALL {
            let (terms, den) = scheme.stencil();
            assert!(terms.len() <= 4, "{scheme}: C_OFFSETS holds four offsets");
            for &(o, _) in terms {
                assert!(
                    o == 0 || SweepStep::offset_slot(o).is_some(),
                    "{scheme}: {o}"
                );
            }
            assert!(SweepStep::den_slot(den).is_some(), "{scheme}: {den}");
        }
    }

    #[test]
    fn wgsl_names_follow_the_rust_layout() {
        let text = wgsl_constants();
        assert!(text.contains("const C_STEP_X: u32 = 0u;"));
        assert!(text.contains("const C_OFFSETS: u32 = 5u;"));
        assert!(text.contains("const C_DEN: u32 = 9u;"));
        assert!(text.contains("const WORKGROUP: u32 = 256u;"));
        assert!(text.contains("const SEGMENT_MASK: u32 = 4095u;"));
        assert_eq!(ConstHead::LEN, 10);
        assert!(GridParams::WGSL.starts_with("struct Params {\n    nx: u32,"));
        assert_eq!(
            std::mem::size_of::<GridParams>(),
            4 * GridParams::WGSL.matches(": u32").count()
        );
    }
}
