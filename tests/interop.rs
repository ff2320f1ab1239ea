//! NumPy (the real one) reads every array gradfield writes, with the right shape and dtype
//! and the values gradfield reports. CI installs numpy; without it this test fails and says
//! so, rather than passing silently.

use std::process::Command;

const SCRIPT: &str = r#"
import json, sys
import numpy as np
d = sys.argv[1]
meta = json.load(open(d + "/meta.json"))
shape = tuple(meta["grid"]["shape"])
dtype = np.float32 if meta["precision"] == "f32" else np.float64
x = np.load(d + "/x.npy"); assert x.dtype == dtype and x.shape == (shape[-1],), (x.dtype, x.shape)
assert x[0] == meta["grid"]["x"]["min"] and x[-1] == np.asarray(meta["grid"]["x"]["max"], dtype)
out = {}
for name in meta["fields"]:
    a = np.load(d + "/" + name + ".npy")
    assert a.dtype == dtype, (name, a.dtype)
    assert a.shape == shape, (name, a.shape, shape)
    out[name] = [float(a.flat[0]), float(a.flat[-1]), float(np.abs(a).max())]
if len(shape) == 2:
    y = np.load(d + "/y.npy"); assert y.shape == (shape[0],)
    X, Y = np.meshgrid(x.astype(np.float64), y.astype(np.float64), indexing="xy")
    f = np.load(d + "/f.npy").astype(np.float64)
    # Himmelblau, recomputed by NumPy at the same float32 coordinates.
    ref = (X**2 + Y - 11)**2 + (X + Y**2 - 7)**2
    out["numpy_max_abs_f"] = float(np.abs(f - ref).max())
    gx = np.load(d + "/grad_x.npy").astype(np.float64)
    out["numpy_max_abs_gx"] = float(np.abs(gx - (4*X*(X**2 + Y - 11) + 2*(X + Y**2 - 7))).max())
print(json.dumps(out))
"#;

fn run_case(args: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("out");
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out-dir", d.to_str().unwrap(), "--json", "--quiet"]);
    let o = Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args(&all)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let py = Command::new("python3")
        .args(["-c", SCRIPT, d.to_str().unwrap()])
        .output()
        .expect("python3 runs (CI installs it with numpy)");
    assert!(
        py.status.success(),
        "numpy could not read the arrays (is numpy installed? `pip install numpy`): {}",
        String::from_utf8_lossy(&py.stderr)
    );
    (report, serde_json::from_slice(&py.stdout).unwrap())
}

#[test]
fn numpy_reads_a_2d_field_with_shape_ny_nx() {
    let (report, np) = run_case(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "himmelblau",
        "--x",
        "-5:5",
        "--nx",
        "301",
        "--y",
        "-4:4",
        "--ny",
        "201",
    ]);
    assert_eq!(report["grid"]["shape"], serde_json::json!([201, 301]));
    // NumPy's own float64 evaluation at the same coordinates agrees with our check.
    let ours = report["errors"]["f"]["max_abs"].as_f64().unwrap();
    let theirs = np["numpy_max_abs_f"].as_f64().unwrap();
    assert!(
        (ours - theirs).abs() <= 1e-9 * (1.0 + theirs),
        "{ours} vs {theirs}"
    );
    assert!(np["numpy_max_abs_gx"].as_f64().unwrap() < 1e-3);
}

#[test]
fn numpy_reads_the_gpus_output() {
    let (report, np) = run_case(&[
        "field",
        "--device",
        "gpu",
        "--f",
        "himmelblau",
        "--x",
        "-5:5",
        "--nx",
        "257",
        "--y",
        "-5:5",
        "--ny",
        "129",
    ]);
    assert_eq!(report["device"], "gpu");
    assert_eq!(report["grid"]["shape"], serde_json::json!([129, 257]));
    let ours = report["errors"]["f"]["max_abs"].as_f64().unwrap();
    let theirs = np["numpy_max_abs_f"].as_f64().unwrap();
    assert!(
        (ours - theirs).abs() <= 1e-9 * (1.0 + theirs),
        "{ours} vs {theirs}"
    );
}

#[test]
fn numpy_reads_a_1d_float64_field() {
    let (report, np) = run_case(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "tanh(x)",
        "--x",
        "-3:3",
        "--nx",
        "1001",
        "--precision",
        "f64",
    ]);
    assert_eq!(report["precision"], "f64");
    let f = &np["f"];
    assert_eq!(f[0].as_f64().unwrap(), (-3f64).tanh());
    assert_eq!(f[1].as_f64().unwrap(), 3f64.tanh());
}
