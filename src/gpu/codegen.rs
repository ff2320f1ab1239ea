//! WGSL generation: the template `shaders/grid.wgsl` with its slots filled from the
//! expression's [`Program`]s: one `let` per instruction (so common subexpressions of f and its
//! derivatives are computed once), literals that are exactly the constants' values in the
//! kernel's precision, integer powers unrolled in the host's order, and the stencil summed in
//! the scheme's order.
//!
//! ```
//! use gradfield::grid::{Axis, Grid, MathMode};
//! use gradfield::spec::FieldSpec;
//! let grid = Grid::line(Axis::x(0.0, 1.0, 10)?);
//! let spec = FieldSpec::new("sin(x)^2", grid)?.with_math(MathMode::Native);
//! let wgsl = gradfield::gpu::codegen::grid_source(&spec)?;
//! assert!(wgsl.contains("alias T = f32;"));
//! assert!(wgsl.contains("sin(x)"));
//! # Ok::<(), gradfield::Error>(())
//! ```

use std::fmt::Write as _;

use super::layout::{GridParams, SweepParams, SweepStep, wgsl_constants};
use crate::error::{Error, Result};
use crate::expr::{Func, Node, Program};
use crate::grid::{Field, MathMode, Precision};
use crate::spec::FieldSpec;

const TEMPLATE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/grid.wgsl"));
const SWEEP_TEMPLATE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/sweep.wgsl"));
const COMMON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/shaders/common.wgsl"));
const MATH_COMMON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_common.wgsl"
));
const MATH_NATIVE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_native.wgsl"
));
const MATH_F32: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_f32.wgsl"
));
const MATH_F64: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_f64.wgsl"
));
const MATH_F64_LARGE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_f64_large.wgsl"
));
const MATH_F64_MEDIUM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/shaders/math_f64_medium.wgsl"
));

/// Points each invocation computes (see the kernel's main loop).
pub const POINTS_PER_INVOCATION: u32 = 4;

/// Which function library the generated code calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// WGSL builtins (f32 only).
    Native,
    /// `shaders/math_f32.wgsl`.
    AccurateF32,
    /// `shaders/math_f64.wgsl`: only + − × ÷, fma, sqrt and friends, valid on f64 in SPIR-V.
    F64,
}

impl Library {
    /// The library for a precision and math mode.
    pub fn of(precision: Precision, math: MathMode) -> Library {
        match (precision, math) {
            (Precision::F64, _) => Library::F64,
            (Precision::F32, MathMode::Accurate) => Library::AccurateF32,
            (Precision::F32, MathMode::Native) => Library::Native,
        }
    }

    /// The WGSL source of the library for `target` (with the helpers every library shares;
    /// f64 gets its Payne–Hanek reduction where the target has 64-bit integers).
    pub fn source(self, target: Target) -> String {
        let own = match self {
            Library::Native => MATH_NATIVE.to_string(),
            Library::AccurateF32 => MATH_F32.to_string(),
            Library::F64 if target.int64 => format!("{MATH_F64}\n{MATH_F64_LARGE}"),
            Library::F64 => format!("{MATH_F64}\n{MATH_F64_MEDIUM}"),
        };
        format!("{MATH_COMMON}\n{own}")
    }
}

/// A literal that is exactly `c` rounded to the precision: the shortest decimal that parses
/// back to that value, with the precision's suffix; infinities as bit patterns.
pub fn literal(c: f64, precision: Precision) -> String {
    match precision {
        Precision::F32 => {
            let v = c as f32;
            if v.is_finite() {
                format!("{v:e}f")
            } else {
                format!("bitcast<f32>({:#010x}u)", v.to_bits())
            }
        }
        Precision::F64 => {
            if c.is_finite() {
                format!("{c:e}lf")
            } else {
                // No f64 bit casts in WGSL; an overflowing product gives the infinity.
                let sign = if c < 0.0 { "-" } else { "" };
                format!("({sign}1e300lf * 1e300lf)")
            }
        }
    }
}

/// The call of a language function in the chosen library.
fn call(f: Func, a: &str, b: &str, lib: Library) -> String {
    let builtin = lib == Library::Native;
    let name = match f {
        // Exact or correctly rounded everywhere, and valid on f64.
        Func::Abs => return format!("abs({a})"),
        Func::Min => return format!("min({a}, {b})"),
        Func::Max => return format!("max({a}, {b})"),
        Func::Relu => return format!("gf_relu({a})"),
        Func::Step => return format!("gf_step({a})"),
        Func::Sigmoid => "sigmoid",
        Func::Softplus => "softplus",
        other => other.name(),
    };
    // Functions WGSL has no builtin for come from the library in every mode.
    let native_ok = !matches!(
        f,
        Func::Sigmoid | Func::Softplus | Func::Expm1 | Func::Log1p | Func::Hypot
    );
    if builtin && f == Func::Atan2 {
        // y = −0 as +0: on the negative x axis the cut gives +π, as in the other libraries.
        return format!("atan2(select({a}, T(0), {a} == T(0)), {b})");
    }
    let prefix = if builtin && native_ok { "" } else { "gf_" };
    if f.arity() == 2 {
        format!("{prefix}{name}({a}, {b})")
    } else {
        format!("{prefix}{name}({a})")
    }
}

/// The body of one generated function: a `let` per node, then `return`.
fn body(prog: &Program, precision: Precision, lib: Library, ret: &str) -> String {
    let mut s = String::new();
    let v = |n: u32| match prog.nodes[n as usize] {
        Node::X => "x".to_string(),
        Node::Y => "y".to_string(),
        _ => format!("v{n}"),
    };
    for (n, node) in prog.nodes.iter().enumerate() {
        let rhs = match *node {
            Node::X | Node::Y => continue,
            Node::Const(c) => literal(c, precision),
            Node::Neg(a) => format!("-{}", v(a)),
            Node::Add(a, b) => format!("{} + {}", v(a), v(b)),
            Node::Sub(a, b) => format!("{} - {}", v(a), v(b)),
            Node::Mul(a, b) => format!("{} * {}", v(a), v(b)),
            // Our libraries refine divisions (WGSL allows 2.5 ulp for `/`).
            Node::Div(a, b) if lib != Library::Native => format!("gf_div({}, {})", v(a), v(b)),
            Node::Div(a, b) => format!("{} / {}", v(a), v(b)),
            Node::PowI(a, k) => {
                // Square-and-multiply from the top bit, as `powi_chain` does on the host.
                let base = v(a);
                let m = k.unsigned_abs();
                let mut acc = base.clone();
                for (step, bit) in (0..(31 - m.leading_zeros())).rev().enumerate() {
                    let sq = format!("v{n}_s{step}");
                    let _ = writeln!(s, "    let {sq} = {acc} * {acc};");
                    acc = sq;
                    if m & (1 << bit) != 0 {
                        let mul = format!("v{n}_m{step}");
                        let _ = writeln!(s, "    let {mul} = {acc} * {base};");
                        acc = mul;
                    }
                }
                if k < 0 {
                    format!("T(1) / {acc}")
                } else if k == 0 {
                    "T(1)".to_string()
                } else {
                    acc
                }
            }
            Node::Pow(a, b) => match lib {
                Library::Native => format!("pow({}, {})", v(a), v(b)),
                _ => format!("gf_pow({}, {})", v(a), v(b)),
            },
            Node::Call1(f, a) => call(f, &v(a), "", lib),
            Node::Call2(f, a, b) => call(f, &v(a), &v(b), lib),
        };
        let _ = writeln!(s, "    let v{n} = {rhs};");
    }
    let outs: Vec<String> = prog.outputs.iter().map(|&o| v(o)).collect();
    let _ = writeln!(s, "    return {};", ret.replace("{}", &outs.join(", ")));
    s
}

/// What the adapter allows the generated code to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// 64-bit integers in shaders (SHADER_INT64): lets f64 code use a bit-level barrier.
    pub int64: bool,
}

/// `gf_opaque` and its initialisation for the kernel's precision: an XOR of the value's bits
/// with zero bits derived from the dispatch size (`num_workgroups.z − 1`, always 0, unknown
/// to the compiler). Without 64-bit integers, f64 falls back to multiplying by the 1 in
/// `consts`, which is weaker: a compiler that factors expressions can still see through it.
fn opaque(precision: Precision, target: Target) -> String {
    match (precision, target.int64) {
        (Precision::F32, _) => "var<private> gf_zero_bits: u32;\n\
fn gf_opaque_init(dispatch_z: u32) {\n    gf_zero_bits = dispatch_z - 1u;\n}\n\
fn gf_opaque(v: T) -> T {\n    return bitcast<T>(bitcast<u32>(v) ^ gf_zero_bits);\n}\n"
            .to_string(),
        (Precision::F64, true) => "var<private> gf_zero_bits: u64;\n\
fn gf_opaque_init(dispatch_z: u32) {\n    gf_zero_bits = u64(dispatch_z - 1u);\n}\n\
fn gf_opaque(v: T) -> T {\n    return bitcast<T>(bitcast<u64>(v) ^ gf_zero_bits);\n}\n"
            .to_string(),
        (Precision::F64, false) => "fn gf_opaque_init(dispatch_z: u32) {}\n\
fn gf_opaque(v: T) -> T {\n    return v * consts[C_ONE];\n}\n"
            .to_string(),
    }
}

/// The full WGSL source of the fused grid kernel for a request, for an adapter without
/// optional features.
pub fn grid_source(spec: &FieldSpec) -> Result<String> {
    grid_source_for(spec, Target::default())
}

/// The full WGSL source of the fused grid kernel for a request on a given target.
pub fn grid_source_for(spec: &FieldSpec, target: Target) -> Result<String> {
    let precision = spec.precision;
    let lib = Library::of(precision, spec.math);
    let fields = spec.field_list();
    let two_d = spec.grid.is_2d();
    let has = |f: Field| fields.contains(&f);
    let (stencil, _) = spec.scheme.stencil();
    let fd = has(Field::FdX);
    let center_in_stencil = fd && stencil.iter().any(|t| t.0 == 0);
    let need_main = has(Field::F) || has(Field::GradX) || center_in_stencil;

    let mut main_outs = vec![&spec.expr];
    if has(Field::GradX) {
        main_outs.push(&spec.grad_x);
        if two_d {
            main_outs.push(&spec.grad_y);
        }
    }
    let main = Program::compile(&main_outs);
    let f_only = Program::compile(&[&spec.expr]);
    let zero = "T(0)";
    let main_ret = match main_outs.len() {
        1 => format!("Main({{}}, {zero}, {zero})"),
        2 => format!("Main({{}}, {zero})"),
        _ => "Main({})".to_string(),
    };

    let mut functions = String::new();
    functions.push_str("struct Main {\n    f: T,\n    gx: T,\n    gy: T,\n}\n\n");
    functions.push_str("fn eval_main(x: T, y: T) -> Main {\n");
    functions.push_str(&body(&main, precision, lib, &main_ret));
    functions.push_str("}\n\nfn eval_f(x: T, y: T) -> T {\n");
    functions.push_str(&body(&f_only, precision, lib, "{}"));
    functions.push_str("}\n");

    let mut b = String::new();
    let ind = "        ";
    if need_main {
        let _ = writeln!(b, "{ind}let m = eval_main(x, y);");
    }
    if has(Field::F) {
        let _ = writeln!(b, "{ind}out_f[local] = m.f;");
    }
    if has(Field::GradX) {
        let _ = writeln!(b, "{ind}out_grad_x[local] = m.gx;");
    }
    if has(Field::GradY) {
        let _ = writeln!(b, "{ind}out_grad_y[local] = m.gy;");
    }
    if fd {
        let axes: &[(&str, &str)] = if two_d {
            &[("fd_x", "x"), ("fd_y", "y")]
        } else {
            &[("fd_x", "x")]
        };
        for (out, axis) in axes {
            let _ = writeln!(b, "{ind}{{");
            for (t, &(o, w)) in stencil.iter().enumerate() {
                let value = if o == 0 {
                    "m.f".to_string()
                // The stencil point is the rounded coordinate x + T(o·h), materialised so
                // that the compiler cannot cancel it against f(x) algebraically (it would
                // turn (−x) + (x + h) into h, a difference no rounding could produce).
                } else if *axis == "x" {
                    format!("eval_f(gf_opaque(x + consts[C_OFFSETS + {t}u]), y)")
                } else {
                    format!("eval_f(x, gf_opaque(y + consts[C_OFFSETS + {t}u]))")
                };
                // Weights ±1 and ±8 are exact, so `w * v` is exact and the sum's order is all
                // that matters (the host sums in the same order).
                let term = match w {
                    1.0 => value,
                    -1.0 => format!("-{value}"),
                    _ => format!("{} * {value}", literal(w, precision)),
                };
                if t == 0 {
                    let _ = writeln!(b, "{ind}    var acc = {term};");
                } else {
                    let _ = writeln!(b, "{ind}    acc = acc + {term};");
                }
            }
            let quotient = if lib == Library::Native {
                "acc / consts[C_DEN]"
            } else {
                "gf_div(acc, consts[C_DEN])"
            };
            let _ = writeln!(b, "{ind}    out_{out}[local] = {quotient};");
            let _ = writeln!(b, "{ind}}}");
        }
    }

    let needs_library = main.needs_transcendentals() || lib != Library::Native;
    let math = if needs_library
        || main
            .nodes
            .iter()
            .any(|n| matches!(n, Node::Call1(Func::Relu | Func::Step, _)))
    {
        lib.source(target)
    } else {
        String::new()
    };
    let config = format!(
        "const TWO_D: bool = {two_d};\nconst POINTS_PER_INVOCATION: u32 = {POINTS_PER_INVOCATION}u;"
    );
    let parts = Parts {
        config,
        params: GridParams::WGSL,
        math,
        functions,
        body: b,
    };
    assemble(TEMPLATE, precision, target, parts)
}

/// The generated parts of a kernel.
struct Parts {
    config: String,
    params: &'static str,
    math: String,
    functions: String,
    body: String,
}

/// Fills a kernel template's slots and refuses f64 code that would call a WGSL builtin
/// transcendental (which SPIR-V lacks for f64: lavapipe silently returns 0).
fn assemble(template: &str, precision: Precision, target: Target, parts: Parts) -> Result<String> {
    let Parts {
        config,
        params,
        math,
        functions,
        body,
    } = parts;
    let out = fill(
        template,
        &[
            ("//@SCALAR", format!("alias T = {};", precision.name())),
            ("//@CONFIG", config),
            ("//@PARAMS", params.to_string()),
            (
                "//@COMMON",
                fill(
                    COMMON,
                    &[
                        ("//@LAYOUT", wgsl_constants()),
                        ("//@OPAQUE", opaque(precision, target)),
                    ],
                ),
            ),
            ("//@MATH", math),
            ("//@FUNCTIONS", functions),
            ("//@BODY", body),
        ],
    );
    if precision == Precision::F64 && uses_builtin_transcendental(&out) {
        return Err(Error::internal(
            "generated f64 code calls a WGSL builtin transcendental",
        ));
    }
    Ok(out)
}

/// Replaces each template line that is exactly a slot marker with its text.
fn fill(template: &str, slots: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    for line in template.lines() {
        match slots.iter().find(|(marker, _)| line.trim() == *marker) {
            Some((_, text)) => out.push_str(text),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The stencil sum of `scheme` at the current step in the sweep kernel, in the scheme's
/// order, reading the step's offsets and denominator from its [`SweepStep`] words.
fn sweep_stencil(scheme: crate::grid::Scheme, precision: Precision, lib: Library) -> String {
    let (terms, den) = scheme.stencil();
    let mut s = String::new();
    for (t, &(o, w)) in terms.iter().enumerate() {
        let value = match SweepStep::offset_slot(o) {
            None => "f0".to_string(),
            Some(k) => format!("eval_f(gf_opaque(x + consts[base + {k}u]), y)"),
        };
        let term = match w {
            1.0 => value,
            -1.0 => format!("-{value}"),
            _ => format!("{} * {value}", literal(w, precision)),
        };
        if t == 0 {
            let _ = writeln!(s, "        var acc = {term};");
        } else {
            let _ = writeln!(s, "        acc = acc + {term};");
        }
    }
    let den_slot = SweepStep::den_slot(den).expect("every scheme's denominator has a slot");
    let quotient = if lib == Library::Native {
        format!("acc / consts[base + {den_slot}u]")
    } else {
        format!("gf_div(acc, consts[base + {den_slot}u])")
    };
    let _ = writeln!(s, "        fd = {quotient};");
    s
}

/// The sweep kernel: finite differences of `spec.expr` along x for every (point, step) pair,
/// their errors against the exact derivative, reduced to a maximum per workgroup, step and
/// scheme on the GPU.
pub fn sweep_source_for(
    spec: &FieldSpec,
    schemes: &[crate::grid::Scheme],
    target: Target,
) -> Result<String> {
    let precision = spec.precision;
    let lib = Library::of(precision, spec.math);
    let f_only = Program::compile(&[&spec.expr]);
    let mut functions = String::from("fn eval_f(x: T, y: T) -> T {\n");
    functions.push_str(&body(&f_only, precision, lib, "{}"));
    functions.push_str("}\n");
    let mut b = String::new();
    let needs_f0 = schemes
        .iter()
        .any(|s| s.stencil().0.iter().any(|t| t.0 == 0));
    if needs_f0 {
        let _ = writeln!(b, "    let f0 = eval_f(x, y);");
    }
    for (si, &scheme) in schemes.iter().enumerate() {
        let _ = writeln!(b, "    {{");
        let _ = writeln!(b, "        var fd: T;");
        b.push_str(&sweep_stencil(scheme, precision, lib));
        let _ = writeln!(
            b,
            "        reduce_max({si}u, abs((fd - reference[2u * i]) - reference[2u * i + 1u]), valid, lid, wid);"
        );
        let _ = writeln!(b, "    }}");
    }
    let parts = Parts {
        config: format!("const TWO_D: bool = {};", spec.grid.is_2d()),
        params: SweepParams::WGSL,
        math: lib.source(target),
        functions,
        body: b,
    };
    assemble(SWEEP_TEMPLATE, precision, target, parts)
}

/// Whether WGSL source calls a builtin that is not valid on f64 in SPIR-V (naga accepts it;
/// drivers then compute garbage). Used to refuse such code before it reaches a driver.
pub fn uses_builtin_transcendental(source: &str) -> bool {
    const BAD: [&str; 17] = [
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "exp2",
        "log",
        "log2",
        "pow",
        "inverseSqrt",
        "degrees",
    ];
    let bytes = source.as_bytes();
    for name in BAD {
        let mut from = 0;
        while let Some(pos) = source[from..].find(name) {
            let start = from + pos;
            let end = start + name.len();
            let before_ok = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            let after = source[end..].trim_start();
            if before_ok && after.starts_with('(') {
                // Comments do not count.
                let line_start = source[..start].rfind('\n').map_or(0, |p| p + 1);
                if !source[line_start..start].contains("//") {
                    return true;
                }
            }
            from = end;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Axis, Grid, Scheme};

    #[test]
    fn literals_are_exact_in_their_precision() {
        assert_eq!(literal(0.3, Precision::F32), "3e-1f");
        assert_eq!((literal(0.1, Precision::F64)), "1e-1lf");
        assert_eq!(literal(1e300, Precision::F32), "bitcast<f32>(0x7f800000u)");
        for c in [0.3, 1.0 / 3.0, -2.5e-8, 123456.789, std::f64::consts::PI] {
            let l = literal(c, Precision::F32);
            let parsed: f32 = l.trim_end_matches('f').parse().unwrap();
            assert_eq!(parsed, c as f32);
            let l = literal(c, Precision::F64);
            let parsed: f64 = l.trim_end_matches("lf").parse().unwrap();
            assert_eq!(parsed, c);
        }
    }

    #[test]
    fn the_detector_finds_builtin_transcendentals_but_not_ours() {
        assert!(uses_builtin_transcendental("let a = sin(x);"));
        assert!(uses_builtin_transcendental("let a = pow (x, y);"));
        assert!(!uses_builtin_transcendental("let a = gf_sin(x);"));
        assert!(!uses_builtin_transcendental("// sin(x) in a comment"));
        assert!(!uses_builtin_transcendental(
            "let sine = x; let a = sqrt(x);"
        ));
    }

    #[test]
    fn generated_kernels_compile_with_naga_for_every_scheme_and_library() {
        let grid = Grid::plane(
            Axis::x(-1.0, 1.0, 9).unwrap(),
            Axis::y(-1.0, 1.0, 9).unwrap(),
        )
        .unwrap();
        let src = "x^3*sin(y) + atan2(y, 2 + x^2) + sigmoid(x*y) - softplus(-x) + relu(y) + x^y \
                   + expm1(x) + log1p(y^2) + hypot(x, y) + abs(x - y) + max(x, y)";
        for scheme in Scheme::ALL {
            for (p, m) in [
                (Precision::F32, MathMode::Native),
                (Precision::F32, MathMode::Accurate),
                (Precision::F64, MathMode::Accurate),
            ] {
                let spec = FieldSpec::new(src, grid)
                    .unwrap()
                    .with_scheme(scheme)
                    .with_precision(p)
                    .with_math(m);
                let wgsl = grid_source_for(&spec, Target { int64: true }).unwrap();
                let module = naga::front::wgsl::parse_str(&wgsl)
                    .unwrap_or_else(|e| panic!("{}", e.emit_to_string(&wgsl)));
                let mut v = naga::valid::Validator::new(
                    naga::valid::ValidationFlags::all(),
                    naga::valid::Capabilities::all(),
                );
                v.validate(&module)
                    .unwrap_or_else(|e| panic!("{p} {m} {scheme}: {e:?}"));
                if p == Precision::F64 {
                    assert!(!uses_builtin_transcendental(&wgsl));
                }
            }
        }
    }
}
