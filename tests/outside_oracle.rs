//! "Pass" means the value is right, judged by a reference computed outside gradfield: mpmath
//! at 50 digits, evaluating the expression as written at the coordinates gradfield wrote.
//! For formulas that cancel, gradfield must either be right to the precision's accuracy
//! (after its stable rewrites) or report the points ill-conditioned — never a plain pass with
//! a wrong value. CI installs mpmath and numpy; without them this test fails and says so.

use std::process::Command;

/// Reads x.npy, f.npy, grad_x.npy; prints, per field, the largest error against mpmath in
/// ulps of the run's precision (relative to the true value) and how many points exceed 2^12
/// ulps.
const SCRIPT: &str = r#"
import json, sys
import numpy as np
import mpmath as mp
mp.mp.dps = 50
d, src = sys.argv[1], sys.argv[2]
meta = json.load(open(d + "/meta.json"))
eps = 2.0**-23 if meta["precision"] == "f32" else 2.0**-52
x = np.load(d + "/x.npy").astype(np.float64)
names = {"exp": mp.exp, "sqrt": mp.sqrt, "log": mp.log, "cos": mp.cos, "sin": mp.sin,
         "tan": mp.tan, "x": None}
f = lambda t: eval(src.replace("^", "**"), {**{k: v for k, v in names.items() if v},
                                          "x": t})
out = {}
for name, fn in [("f", f), ("grad_x", lambda t: mp.diff(f, t))]:
    got = np.load(d + "/" + name + ".npy").astype(np.float64)
    worst, bad = 0.0, 0
    for xi, gi in zip(x, got):
        if xi == 0.0:
            continue  # the removable singularity: not a value of the formula
        truth = float(fn(mp.mpf(float(xi))))
        ulps = abs(gi - truth) / (eps * max(abs(truth), 1e-300))
        worst = max(worst, ulps)
        bad += int(ulps > 4096)
    out[name] = {"worst_ulps": float(min(worst, 1e300)) if worst == worst else 1e300, "beyond_4096": bad, "verdict": meta["errors"][name]["verdict"]}
print(json.dumps(out))
"#;

fn judge(src: &str, range: &str, precision: &str, device: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args([
            "field",
            "--f",
            src,
            "--x",
            range,
            "--nx",
            "101",
            // f and the gradient are judged; no finite difference exists at 1e30.
            "--fields",
            "f,grad",
            "--precision",
            precision,
            "--device",
            device,
            "--out-dir",
            d.to_str().unwrap(),
            "--quiet",
        ])
        .env("XDG_RUNTIME_DIR", std::env::temp_dir())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let py = Command::new("python3")
        .args(["-c", SCRIPT, d.to_str().unwrap(), src])
        .output()
        .expect("python3 runs (CI installs it with numpy and mpmath)");
    assert!(
        py.status.success(),
        "the mpmath oracle failed (pip install numpy mpmath): {}",
        String::from_utf8_lossy(&py.stderr)
    );
    serde_json::from_slice(&py.stdout).unwrap()
}

#[test]
fn cancelling_formulas_are_right_or_reported_never_a_wrong_pass() {
    let cases = [
        ("(exp(x)-1)/x", "-1e-3:1e-3"),
        ("sqrt(x^2+1)-x", "1e3:1e8"),
        ("log(1+x)/x", "-1e-4:1e-4"),
        ("1-cos(x)", "-1e-3:1e-3"),
    ];
    let mut summary = Vec::new();
    for (src, range) in cases {
        for (precision, device) in [("f32", "gpu"), ("f64", "gpu"), ("f32", "cpu")] {
            let v = judge(src, range, precision, device);
            for field in ["f", "grad_x"] {
                let r = &v[field];
                let verdict = r["verdict"].as_str().unwrap();
                let beyond = r["beyond_4096"].as_u64().unwrap();
                summary.push(format!(
                    "{src} {precision} {device} {field}: {verdict}, worst {:.1} ulp",
                    r["worst_ulps"].as_f64().unwrap()
                ));
                match verdict {
                    // A pass vouches for every point to 2^12 ulps of the truth.
                    "pass" => assert_eq!(beyond, 0, "{src} {precision} {device} {field}: {r}"),
                    "ill-conditioned" => {}
                    other => panic!("{src} {precision} {device} {field}: {other} ({r})"),
                }
            }
            // f itself is always made right by the rewrites.
            assert_eq!(v["f"]["verdict"], "pass", "{src} {precision} {device}: {v}");
        }
    }
    eprintln!("{}", summary.join("\n"));
}

#[test]
fn large_arguments_are_right_against_mpmath() {
    for (src, range, precision) in [
        ("sin(x)", "1e20:1e30", "f32"),
        ("cos(x)", "-1e15:1e15", "f32"),
        ("tan(x)", "1e6:1e9", "f32"),
        ("sin(x)", "1e200:1e300", "f64"),
        ("cos(x)", "1e10:1e22", "f64"),
    ] {
        let v = judge(src, range, precision, "gpu");
        let f = &v["f"];
        assert_eq!(f["verdict"], "pass", "{src} {range}: {v}");
        assert!(
            f["worst_ulps"].as_f64().unwrap() <= 2.0,
            "{src} {range} {precision}: {v}"
        );
    }
}
