//! The command line as a user runs it: outputs, exit codes, and bad input answered with a
//! clear message and exit code 2, never a panic.

use std::path::Path;
use std::process::Command;

mod common;

use common::{gradfield, stderr};

#[test]
fn functions_lists_the_library_with_gradients() {
    let o = gradfield(&["functions"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for f in &gradfield::library::LIBRARY {
        assert!(text.contains(f.name), "{} missing", f.name);
    }
    assert!(text.contains("∂f/∂x = 0.9*cos(3*x) + x"));
    assert!(text.contains("∂f/∂y = 200*(y - x^2)"));
}

#[test]
fn field_on_the_cpu_writes_arrays_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("D");
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "rosenbrock",
        "--x",
        "-2:2",
        "--nx",
        "257",
        "--y",
        "-1:3",
        "--ny",
        "129",
        "--out-dir",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    for key in [
        "expression",
        "derivatives",
        "grid",
        "h",
        "scheme",
        "precision",
        "device",
        "points",
        "timings_ms",
        "errors",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    assert_eq!(v["points"], 257 * 129);
    assert_eq!(v["derivatives"]["y"], "200*(y - x^2)");
    assert_eq!(v["grid"]["shape"], serde_json::json!([129, 257]));
    assert_eq!(v["errors"]["f"]["checked"], true);
    assert_eq!(v["check"]["passed"], true);
    for f in ["x", "y", "f", "fd_x", "grad_x", "fd_y", "grad_y", "meta"] {
        let ext = if f == "meta" { "json" } else { "npy" };
        assert!(out.join(format!("{f}.{ext}")).exists(), "{f}.{ext}");
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["expression"], "rosenbrock");
    // Human text goes to stderr.
    assert!(stderr(&o).contains("check passed"));
    // No temporary files are left.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

/// (arguments, text the message must contain)
const BAD: &[(&[&str], &str)] = &[
    (
        &["field", "--device", "cpu", "--f", "sin(x +)", "--x", "0:1"],
        "  sin(x +)\n         ^",
    ),
    (
        &["field", "--device", "cpu", "--f", "tanhh(x)", "--x", "0:1"],
        "did you mean `tanh`?",
    ),
    (
        &["field", "--device", "cpu", "--f", "z^2", "--x", "0:1"],
        "unknown name `z`",
    ),
    (
        &["field", "--device", "cpu", "--f", "x^2", "--x", "1:0"],
        "reversed",
    ),
    (
        &["field", "--device", "cpu", "--f", "x^2", "--x", "1:1"],
        "empty",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--nx", "1",
        ],
        "at least 2 points",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--h", "0",
        ],
        "positive finite",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--h", "-1e-3",
        ],
        "positive finite",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--h", "nan",
        ],
        "positive finite",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--y", "0:1",
        ],
        "does not use y",
    ),
    (
        &["field", "--device", "cpu", "--f", "x*y", "--x", "0:1"],
        "uses y",
    ),
    (
        &["field", "--device", "cpu", "--f", "x^2"],
        "give the x range",
    ),
    (
        &["field", "--device", "cpu", "--f", "x^2", "--x", "a:b"],
        "not of the form A:B",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x^2", "--x", "0:1", "--scheme", "sideways",
        ],
        "unknown scheme",
    ),
    (
        &[
            "field",
            "--device",
            "cpu",
            "--f",
            "x^2",
            "--x",
            "0:1",
            "--precision",
            "f16",
        ],
        "unknown precision",
    ),
    (
        &[
            "field",
            "--device",
            "cpu",
            "--f",
            "x^2",
            "--x",
            "0:1",
            "--fields",
            "f,hessian",
        ],
        "unknown field",
    ),
    (
        &["field", "--device", "tpu", "--f", "x^2", "--x", "0:1"],
        "unknown device",
    ),
    (
        &[
            "field", "--device", "cpu", "--f", "x*y", "--x", "0:1", "--y", "0:1", "--nx", "70000",
            "--ny", "70000",
        ],
        "32-bit indices",
    ),
    (
        &[
            "field",
            "--device",
            "cpu",
            "--f",
            "x^2",
            "--x",
            "0:1",
            "--out-dir",
            "/proc/nope/D",
        ],
        "cannot write",
    ),
    (&["field", "--nonsense"], "unexpected argument"),
];

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    for (args, want) in BAD {
        let o = gradfield(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err:?} lacks {want:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn very_deep_parentheses_are_an_error_not_a_crash() {
    // (100 000 levels are tested in the parser's unit tests: the OS refuses a single argument
    // over 128 KiB.)
    let deep = format!("{}x{}", "(".repeat(60_000), ")".repeat(60_000));
    let o = gradfield(&["field", "--device", "cpu", "--f", &deep, "--x", "0:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bytes long"));
    let deep = format!("{}x{}", "(".repeat(20_000), ")".repeat(20_000));
    let o = gradfield(&["field", "--device", "cpu", "--f", &deep, "--x", "0:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nests too deeply"));
    // A flat sum of 250 terms builds a tree 250 deep: the message says why.
    let terms: Vec<String> = (1..=250).map(|i| format!("sin({i}*x)")).collect();
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        &terms.join("+"),
        "--x",
        "0:1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("each term of a chain like a + b + c … counts as one"));
}

#[test]
fn a_derivative_too_long_to_record_is_refused() {
    // 40 towers x^x^…^x^k: 2.6 kB of input whose derivative prints to ~94 kB, more than an
    // expression may be (meta.json records it, and it must parse back).
    let towers: Vec<String> = (2..42)
        .map(|k| format!("{}^{k}", vec!["x"; 30].join("^")))
        .collect();
    let f = towers.join(" + ");
    let o = gradfield(&[
        "field", "--device", "cpu", "--f", &f, "--x", "1:2", "--nx", "4",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("characters, more than the 65536"),
        "{}",
        stderr(&o)
    );
    // Half as many prints short enough and runs.
    let f = towers[..20].join(" + ");
    let o = gradfield(&[
        "field", "--device", "cpu", "--f", &f, "--x", "1:2", "--nx", "4", "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn domain_errors_are_counted_not_fatal() {
    let o = gradfield(&[
        "field", "--device", "cpu", "--f", "log(x)", "--x", "-1:1", "--nx", "101", "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // log of the 50 negative points is NaN and of 0 is -inf: 51 non-finite values of f.
    assert_eq!(v["errors"]["f"]["nonfinite"], 51);
    assert_eq!(v["check"]["passed"], true);
}

#[test]
fn help_shows_worked_examples() {
    for cmd in [
        "field",
        "curve",
        "sweep",
        "check",
        "demo",
        "adapters",
        "functions",
    ] {
        let o = gradfield(&[cmd, "--help"]);
        assert!(o.status.success());
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("Example"), "{cmd} --help has no example");
        assert!(text.contains("gradfield "), "{cmd}");
    }
    assert!(Path::new(env!("CARGO_BIN_EXE_gradfield")).exists());
}

fn png_size(path: &Path) -> (u32, u32) {
    let p = tiny_skia::Pixmap::load_png(path).expect("a PNG");
    (p.width(), p.height())
}

#[test]
fn curve_and_field_write_figures() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.png");
    let o = gradfield(&[
        "curve",
        "--f",
        "tanh(x)",
        "--x",
        "-3:3",
        "--n",
        "400",
        "--png",
        t.to_str().unwrap(),
        "--width",
        "800",
        "--height",
        "600",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(png_size(&t), (800, 600));
    let h = dir.path().join("h.png");
    let o = gradfield(&[
        "field",
        "--f",
        "himmelblau",
        "--nx",
        "128",
        "--png",
        h.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 6.4 in at 250 dpi wide; the height follows the square domain (plot, labels, caption).
    let (w, hh) = png_size(&h);
    assert_eq!(w, 1600);
    assert!((1400..1800).contains(&hh), "height {hh}");
    let s = dir.path().join("s.png");
    let o = gradfield(&[
        "curve",
        "--f",
        "loss",
        "--slopes",
        "41",
        "--png",
        s.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A function of x and y is not a curve.
    let o = gradfield(&["curve", "--f", "rosenbrock", "--png", s.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("field --png"));
}

#[test]
fn sweep_finds_the_optimal_steps_the_theory_predicts() {
    let o = gradfield(&[
        "sweep", "--f", "tanh(x)", "--x", "-3:3", "--n", "4096", "--h-min", "1e-10", "--h-max",
        "1", "--steps", "41", "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let curves = v["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 6);
    let best = |scheme: &str, p: &str| {
        let c = curves
            .iter()
            .find(|c| c["scheme"] == scheme && c["precision"] == p)
            .unwrap();
        for key in [
            "h",
            "max_abs_err",
            "best_h",
            "best_err",
            "theory_best_h",
            "theory_best_err",
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        (
            c["best_h"].as_f64().unwrap(),
            c["theory_best_h"].as_f64().unwrap(),
        )
    };
    // The optima the error model predicts (√ε, ε^(1/3) scaled by the function), within a
    // small factor: the measured V bottoms out where theory says.
    for (scheme, p, expect) in [
        ("forward", "f32", 3e-4),
        ("central", "f32", 5e-3),
        ("central", "f64", 6e-6),
    ] {
        let (h, theory) = best(scheme, p);
        assert!(
            h / expect < 4.0 && expect / h < 4.0,
            "{scheme} {p}: best h {h}"
        );
        assert!(
            h / theory < 4.0 && theory / h < 4.0,
            "{scheme} {p}: {h} vs model {theory}"
        );
    }
    let bad = gradfield(&[
        "sweep", "--f", "tanh(x)", "--x", "-3:3", "--h-min", "1", "--h-max", "1e-3",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("0 < --h-min < --h-max"));
}

#[test]
fn a_sweep_of_exact_differences_says_so() {
    // A constant f: every difference is exactly 0 (the best error is 0, not "no best" with
    // an error of ∞); a linear f: no truncation, so the model is round-off alone and has no
    // optimum. The table and the figure's legend say so instead of printing NaN.
    let dir = tempfile::tempdir().unwrap();
    for (f, exact, legend) in [
        (
            "2 + 0*x",
            true,
            "exact at every step, model: round-off only",
        ),
        ("3*x", false, "model: round-off only"),
    ] {
        let png = dir.path().join("s.svg");
        let o = gradfield(&[
            "sweep",
            "--f",
            f,
            "--x",
            "-1:1",
            "--n",
            "256",
            "--steps",
            "9",
            "--device",
            "cpu",
            "--png",
            png.to_str().unwrap(),
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        for c in v["curves"].as_array().unwrap() {
            let err = c["best_err"].as_f64().expect("a finite best error");
            assert_eq!(err == 0.0, exact, "{f}: {c}");
            assert!(c["best_h"].as_f64().is_some(), "{f}: {c}");
            assert!(
                c["theory_best_h"].is_null(),
                "{f}: no optimum without truncation"
            );
            assert!(
                c["theory"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|t| t.as_f64().is_some())
            );
        }
        assert!(!stderr(&o).contains("NaN"), "{}", stderr(&o));
        let svg = std::fs::read_to_string(&png).unwrap();
        assert!(svg.contains(legend), "{f}: no {legend:?}");
        assert!(!svg.contains("NaN"), "{f}");
    }
}

#[test]
fn demo_writes_every_figure_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let o = gradfield(&[
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--width",
        "640",
        "--height",
        "480",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "demo1_sin_f64.png",
        "demo1_sin_f32.png",
        "demo2_slopes.png",
        "exercise1_sweep_article.png",
        "exercise1_sweep_full.png",
        "exercise2_tanh.png",
        "exercise3_quiver.png",
    ] {
        assert_eq!(png_size(&out.join(f)), (640, 480), "{f}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Adapter:"));
    assert!(
        report.contains("| f32 |") && report.contains("| f64 |"),
        "tanh error table"
    );
    assert!(report.contains("best h"), "the best step per precision");
    // The sweeps' tables are Markdown tables (they were bullets of space-aligned columns).
    assert!(
        report.contains("| scheme | precision | p | best h |"),
        "{report}"
    );
    assert!(!report.contains("- scheme"), "{report}");
    assert!(!report.contains("within tolerance: NO"), "{report}");
}

/// Checks a figure file by its format: SVG parses as XML with text elements; PDF opens in
/// poppler (pdfinfo) with the expected page size.
fn check_vector(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => {
            let text = String::from_utf8(bytes).unwrap();
            let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
            let n = doc.descendants().filter(|n| n.has_tag_name("text")).count();
            assert!(n > 5, "{}: {n} text elements", path.display());
        }
        Some("pdf") => {
            assert!(bytes.starts_with(b"%PDF-"), "{}", path.display());
            let info = Command::new("pdfinfo")
                .arg(path)
                .output()
                .expect("pdfinfo (poppler-utils) is installed");
            assert!(info.status.success(), "pdfinfo rejects {}", path.display());
            let text = String::from_utf8_lossy(&info.stdout).into_owned();
            assert!(
                text.contains("Creator:") && text.contains("gradfield"),
                "{text}"
            );
            assert!(text.contains("Page size:"), "{text}");
        }
        _ => panic!("not a vector figure: {}", path.display()),
    }
}

#[test]
fn every_figure_command_writes_svg_and_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let f2 = p("field.svg");
    let f1 = p("field1d.pdf");
    let c1 = p("curve.pdf");
    let c2 = p("descent.svg");
    let sw = p("sweep.pdf");
    let be = p("bench.svg");
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "field",
            "--f",
            "himmelblau",
            "--nx",
            "96",
            "--png",
            f2.to_str().unwrap(),
            "--streamlines",
            "6",
        ],
        vec![
            "field",
            "--f",
            "sin(x)",
            "--x",
            "-3:3",
            "--png",
            f1.to_str().unwrap(),
        ],
        vec![
            "curve",
            "--f",
            "loss",
            "--slopes",
            "11",
            "--png",
            c1.to_str().unwrap(),
        ],
        vec![
            "curve",
            "--f",
            "loss",
            "--descent-from",
            "-2.5;2.8",
            "--lr",
            "0.05",
            "--steps",
            "50",
            "--optimizer",
            "sgd,momentum",
            "--png",
            c2.to_str().unwrap(),
        ],
        vec![
            "sweep",
            "--f",
            "sin(x)",
            "--x",
            "-3:3",
            "--n",
            "256",
            "--steps",
            "8",
            "--png",
            sw.to_str().unwrap(),
        ],
        vec![
            "bench",
            "--sizes",
            "2^10,2^12",
            "--reps",
            "1",
            "--checks",
            "",
            "--cases",
            "sin1d",
            "--png",
            be.to_str().unwrap(),
        ],
    ];
    for args in &runs {
        let mut a = args.clone();
        a.extend(["--device", "cpu", "--quiet"]);
        let o = gradfield(&a);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
    for f in [&f2, &f1, &c1, &c2, &sw, &be] {
        check_vector(f);
    }
    // The demo in PDF: every figure a PDF, the report linking them.
    let out = p("demo");
    let o = gradfield(&[
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "pdf",
        "--device",
        "cpu",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for stem in [
        "demo1_sin_f64",
        "demo2_slopes",
        "exercise1_sweep_full",
        "exercise3_quiver",
    ] {
        check_vector(&out.join(format!("{stem}.pdf")));
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("(exercise3_quiver.pdf)"));
}

#[test]
fn descent_iterates_go_into_meta_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("D");
    let fig = d.join("paths.png");
    let o = gradfield(&[
        "field",
        "--f",
        "x^2 + 10*y^2",
        "--x",
        "-2:2",
        "--y",
        "-2:2",
        "--nx",
        "129",
        "--device",
        "cpu",
        "--out-dir",
        d.to_str().unwrap(),
        "--png",
        fig.to_str().unwrap(),
        "--descent-from",
        "1.5,1",
        "--optimizer",
        "sgd,adam",
        "--lr",
        "0.04",
        "--steps",
        "150",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The figure went into the folder with the arrays, committed together.
    assert!(fig.exists());
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("meta.json")).unwrap()).unwrap();
    let runs = meta["descent"].as_array().expect("descent in meta.json");
    assert_eq!(runs.len(), 2);
    let sgd = &runs[0];
    assert_eq!(sgd["optimizer"], "sgd");
    let iterates = sgd["iterates"].as_array().unwrap();
    assert_eq!(iterates.len(), 151);
    // Plain descent on a bowl with η = 0.04: x shrinks by (1 − 0.08) a step, y by (1 − 0.8).
    let last = &iterates[150];
    let x = last[0].as_f64().unwrap();
    assert!((x - 1.5 * 0.92f64.powi(150)).abs() < 1e-4, "x = {x}");
    // The engine's gradient (interpolated) and the exact one agree on this smooth bowl.
    assert!(sgd["max_separation"].as_f64().unwrap() < 1e-3);
}
