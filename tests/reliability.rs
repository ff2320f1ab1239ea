//! The output contract and the validation rules, as a hostile user meets them: interrupted
//! runs, concurrent runs, a full disk, unusable targets, silent passes, impossible steps and
//! sizes. Each test runs the binary and asserts what exists afterwards, byte for byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{bin, gradfield, stderr};

/// Every entry under `dir` (names, including hidden ones) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let bytes = if e.file_type().unwrap().is_file() {
            std::fs::read(e.path()).unwrap()
        } else {
            Vec::new()
        };
        out.insert(name, bytes);
    }
    out
}

/// Names under `dir` that a run leaves behind besides the target itself: temporary files
/// and folders (`.NAME.tmp-…`, `.NAME.old-…`) and write probes (`.NAME.probe-…`). The lock
/// file `.NAME.lock` is allowed (documented).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-") || n.contains(".probe-"))
        .collect()
}

/// A small finished run in `dir/D`, to be left exactly as it is by what follows.
fn previous_run(root: &Path) -> PathBuf {
    let d = root.join("D");
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "x^2 + y",
        "--x",
        "-1:1",
        "--y",
        "-1:1",
        "--nx",
        "64",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    d
}

/// A streaming run long enough to interrupt (a few seconds on two cores).
fn long_run(d: &Path) -> Command {
    let mut c = bin();
    c.args([
        "field",
        "--device",
        "cpu",
        "--f",
        "rosenbrock",
        "--nx",
        "8192",
        "--tile-points",
        "1000000",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    c
}

/// Waits until the run has staged some data (its temporary folder holds an array).
fn wait_for_staged_data(root: &Path) {
    let t0 = Instant::now();
    loop {
        let staged = std::fs::read_dir(root).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name().to_string_lossy().contains(".tmp-")
                && std::fs::read_dir(e.path()).is_ok_and(|mut r| r.next().is_some())
        });
        if staged {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn interrupted_run_leaves_the_target_as_it_was(signal: i32, code: i32) {
    let root = tempfile::tempdir().unwrap();
    let d = previous_run(root.path());
    let before = snapshot(&d);
    let child = long_run(&d).spawn().unwrap();
    wait_for_staged_data(root.path());
    // SAFETY: kill with a valid pid of our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert_eq!(snapshot(&d), before, "the target changed");
    assert!(
        leftovers(root.path()).is_empty(),
        "{:?}",
        leftovers(root.path())
    );
}

#[test]
fn sigint_leaves_the_target_byte_identical() {
    interrupted_run_leaves_the_target_as_it_was(libc::SIGINT, 130);
}

#[test]
fn sigterm_leaves_the_target_byte_identical() {
    interrupted_run_leaves_the_target_as_it_was(libc::SIGTERM, 143);
}

#[test]
fn a_second_run_on_the_same_folder_is_refused_and_the_first_commits_whole() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("D");
    let first = long_run(&d).spawn().unwrap();
    wait_for_staged_data(root.path());
    let second = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "sin(x)",
        "--x",
        "-1:1",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another gradfield run"),
        "{}",
        stderr(&second)
    );
    let o = first.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // One coherent set: the first run's 8192 × 8192 grid in every array and in meta.json.
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["grid"]["shape"], serde_json::json!([8192, 8192]));
    for name in ["f", "fd_x", "fd_y", "grad_x", "grad_y"] {
        let len = std::fs::metadata(d.join(format!("{name}.npy")))
            .unwrap()
            .len();
        assert_eq!(len, 128 + 8192 * 8192 * 4, "{name}");
    }
    assert_eq!(
        std::fs::metadata(d.join("x.npy")).unwrap().len(),
        128 + 8192 * 4
    );
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn a_failed_run_leaves_the_target_as_it_was() {
    // The check fails (exit 1) only after the files are staged: they are still committed,
    // since a failed check is a result. A run that cannot finish (an engine error) leaves
    // nothing; provoke one with a grid whose every value is non-finite but that reaches
    // the end: it commits, with the verdict "not checked" and exit 1 (never a pass).
    let root = tempfile::tempdir().unwrap();
    let d = previous_run(root.path());
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "x + 0/0",
        "--x",
        "-1:1",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no point could be compared"),
        "{}",
        stderr(&o)
    );
    // A bad figure option after the run's options: refused before any work, nothing touched.
    let before = snapshot(&d);
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "x*y",
        "--x",
        "-1:1",
        "--y",
        "-1:1",
        "--out-dir",
        d.to_str().unwrap(),
        "--png",
        root.path().join("f.jpg").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(snapshot(&d), before);
    assert!(leftovers(root.path()).is_empty());
}

/// A small tmpfs the test mounts (as root); `None` where it cannot.
fn small_tmpfs(root: &Path) -> Option<PathBuf> {
    let m = root.join("small");
    std::fs::create_dir(&m).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs", m.to_str().unwrap()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(m)
}

#[test]
fn a_full_disk_is_exit_3_and_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let Some(m) = small_tmpfs(root.path()) else {
        eprintln!("skipped: cannot mount a tmpfs here (not root?)");
        return;
    };
    let d = m.join("D");
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "rosenbrock",
        "--nx",
        "1024",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ]);
    let listing = snapshot(&m);
    let _ = Command::new("umount").arg(&m).status();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
    // Only the (empty) lock file remains: no target, no temporary folder.
    assert_eq!(
        listing.keys().collect::<Vec<_>>(),
        vec![".D.lock"],
        "{listing:?}"
    );
}

#[test]
fn a_full_stdout_is_exit_3() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = bin()
        .args([
            "field", "--device", "cpu", "--f", "sin(x)", "--x", "-1:1", "--json", "-q",
        ])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("standard output"), "{}", stderr(&o));
}

#[test]
fn unusable_figure_targets_are_refused_before_any_work() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("a-folder.png");
    std::fs::create_dir(&folder).unwrap();
    let fifo = root.path().join("pipe.png");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let link = root.path().join("link.png");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let not_a_folder = root.path().join("notes.txt");
    std::fs::write(&not_a_folder, "a file").unwrap();
    #[allow(unused_mut)] // pushed to on Linux only
    let mut cases: Vec<(String, &str)> = vec![
        (folder.display().to_string(), "not a regular file"),
        (fifo.display().to_string(), "not a regular file"),
        (link.display().to_string(), "not a regular file"),
        (
            root.path().join("fig.tiff").display().to_string(),
            "must end in .png, .svg, .pdf",
        ),
        (
            root.path().join("fig.jpg").display().to_string(),
            "must end in .png, .svg, .pdf",
        ),
        (
            root.path().join("fig").display().to_string(),
            "must end in .png, .svg, .pdf",
        ),
        ("/no/such/folder/fig.png".into(), "does not exist"),
        (
            not_a_folder.join("fig.png").display().to_string(),
            "notes.txt is not a folder",
        ),
    ];
    // A folder that exists but where no file can be created, not even by root.
    #[cfg(target_os = "linux")]
    cases.push((
        "/proc/gradfield-fig.png".into(),
        "cannot create a file in the folder /proc",
    ));
    for (target, why) in &cases {
        // A grid big enough that computing first would take visible time.
        let t0 = Instant::now();
        let o = gradfield(&[
            "field",
            "--device",
            "cpu",
            "--f",
            "rosenbrock",
            "--nx",
            "4096",
            "--png",
            target,
        ]);
        assert_eq!(o.status.code(), Some(2), "{target}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{target}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("check passed"),
            "{target}: computed before refusing"
        );
        assert!(t0.elapsed() < Duration::from_secs(20));
    }
    // The fifo, the folder and the link are untouched.
    assert!(folder.is_dir());
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("/dev/null"));
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn figures_too_small_for_their_text_are_refused_before_any_work() {
    let root = tempfile::tempdir().unwrap();
    let png = root.path().join("fig.png");
    let png = png.to_str().unwrap();
    let cases: [&[&str]; 6] = [
        // Two colour bars leave a 2.5-inch figure 8 points of plot.
        &[
            "field",
            "--f",
            "rosenbrock",
            "--nx",
            "4096",
            "--normalize",
            "--size",
            "2.5in",
            "--dpi",
            "300",
        ],
        &[
            "field", "--f", "sin(x)", "--x", "0:1", "--nx", "4000001", "--size", "1in",
        ],
        &[
            "curve", "--f", "sin(x)", "--x", "0:1", "--n", "4000001", "--size", "1in",
        ],
        &["curve", "--f", "loss", "--slopes", "9", "--size", "1in"],
        &[
            "sweep", "--f", "sin(x)", "--x", "0:1", "--n", "1000000", "--size", "1in",
        ],
        &["bench", "--size", "1in"],
    ];
    for args in cases {
        let mut all = args.to_vec();
        all.extend(["--device", "cpu", "--png", png]);
        let o = gradfield(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("too small for its text"),
            "{args:?}: {}",
            stderr(&o)
        );
        // What each command prints once it has computed: a check, a sweep's table, a
        // benchmark's table.
        for done in ["check passed", "best err", "medians of"] {
            assert!(
                !stderr(&o).contains(done),
                "{args:?}: computed before refusing"
            );
        }
    }
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    // The same figures at a column's width are drawn.
    let o = gradfield(&[
        "field",
        "--f",
        "rosenbrock",
        "--nx",
        "128",
        "--normalize",
        "--size",
        "3.3in",
        "--dpi",
        "300",
        "--device",
        "cpu",
        "--png",
        png,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(Path::new(png).is_file());
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

#[test]
fn output_folders_that_are_not_ours_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let theirs = root.path().join("T");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("thesis.tex"), "precious").unwrap();
    let file = root.path().join("F");
    std::fs::write(&file, "a file").unwrap();
    for (target, why) in [
        (&theirs, "did not write (thesis.tex)"),
        (&file, "not a folder"),
    ] {
        let o = gradfield(&[
            "field",
            "--device",
            "cpu",
            "--f",
            "sin(x)",
            "--x",
            "-1:1",
            "--out-dir",
            target.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
    }
    assert_eq!(
        std::fs::read_to_string(theirs.join("thesis.tex")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a file");
    let o = gradfield(&["demo", "--out", theirs.to_str().unwrap(), "--device", "cpu"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(snapshot(&theirs).len(), 1);
}

#[test]
fn figure_options_without_a_figure_are_refused() {
    for (args, why) in [
        (
            vec!["field", "--f", "sin(x)", "--x", "-1:1", "--arrows", "30"],
            "--arrows is only for the figure",
        ),
        (
            vec![
                "field",
                "--f",
                "sin(x)",
                "--x",
                "-1:1",
                "--png",
                "a.png",
                "--contours",
                "3",
            ],
            "2-D fields",
        ),
        (
            vec![
                "field",
                "--f",
                "sin(x)",
                "--x",
                "-1:1",
                "--png",
                "a.png",
                "--no-check",
            ],
            "from the check",
        ),
        (
            vec![
                "field", "--f", "x*y", "--x", "-1:1", "--y", "-1:1", "--png", "a.png", "--width",
                "0",
            ],
            "out of range",
        ),
        (
            // A step size without starts drew a plane's figure with no path in it.
            vec![
                "field", "--f", "x*y", "--x", "-1:1", "--y", "-1:1", "--png", "a.png", "--lr",
                "0.1",
            ],
            "--lr is only for descent paths; add --descent-from",
        ),
        (
            vec![
                "curve", "--f", "sin(x)", "--x", "-1:1", "--png", "a.png", "--cmap", "magma",
            ],
            "--cmap is only for figures of f with slope arrows",
        ),
        (
            vec!["sweep", "--f", "sin(x)", "--x", "-1:1", "--height", "900"],
            "--height is only for the figure",
        ),
        (vec!["demo", "--width", "10"], "out of range"),
    ] {
        let mut full = args.clone();
        full.extend(["--device", "cpu"]);
        let o = gradfield(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
    }
    assert!(!Path::new("a.png").exists());
}

#[test]
fn all_non_finite_runs_never_pass() {
    for (f, range, precision) in [
        ("x + 0/0", "-1:1", "f32"),
        ("log(x)", "-3:-1", "f32"),
        ("sqrt(sin(x) - 2)", "-3:3", "f64"),
        ("exp(x)", "100:200", "f32"), // overflows f32 everywhere
    ] {
        let o = gradfield(&[
            "field",
            "--device",
            "cpu",
            "--f",
            f,
            "--x",
            range,
            "--precision",
            precision,
            "--json",
            "-q",
        ]);
        assert_eq!(o.status.code(), Some(1), "{f}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["check"]["passed"], false, "{f}");
        assert_eq!(
            v["errors"]["f"]["verdict"], "not-checked",
            "{f}: {}",
            v["errors"]["f"]
        );
    }
}

#[test]
fn derived_fields_are_masked_where_f_is_undefined() {
    let root = tempfile::tempdir().unwrap();
    let d = root.path().join("D");
    let o = gradfield(&[
        "field",
        "--device",
        "cpu",
        "--f",
        "log(x)",
        "--x",
        "-1:1",
        "--nx",
        "201",
        "--precision",
        "f64",
        "--out-dir",
        d.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |name: &str| -> Vec<f64> {
        let bytes = std::fs::read(d.join(format!("{name}.npy"))).unwrap();
        bytes[128..]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let (x, f, g, fd) = (read("x"), read("f"), read("grad_x"), read("fd_x"));
    for i in 0..x.len() {
        if x[i] <= 0.0 {
            // log is NaN below 0 and -inf at 0: derivatives there are NaN, not 1/x.
            assert!(!f[i].is_finite(), "f at {}", x[i]);
            assert!(
                g[i].is_nan() && fd[i].is_nan(),
                "at x = {}: {} {}",
                x[i],
                g[i],
                fd[i]
            );
        } else {
            assert!(
                (g[i] - 1.0 / x[i]).abs() <= 1e-15 * (1.0 / x[i]).abs(),
                "at {}",
                x[i]
            );
        }
    }
}

#[test]
fn steps_that_vanish_or_overflow_in_the_precision_are_refused() {
    for (h, precision, extra, why) in [
        ("1e-320", "f32", None, "rounds to 0 in f32"),
        ("1e-50", "f32", None, "rounds to 0 in f32"),
        ("1e300", "f32", None, "rounds to inf in f32"),
        ("1e-9", "f32", None, "x + h rounds to x"),
        ("1e-20", "f64", None, "x + h rounds to x"),
        ("1e308", "f64", Some("five-point"), "overflows f64"),
    ] {
        let mut args = vec![
            "field",
            "--device",
            "cpu",
            "--f",
            "sin(x)",
            "--x",
            "-3:3",
            "--h",
            h,
            "--precision",
            precision,
        ];
        if let Some(s) = extra {
            args[6] = "1e308:1.5e308";
            args.extend(["--scheme", s]);
        }
        let o = gradfield(&args);
        assert_eq!(o.status.code(), Some(2), "{h}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{h}: {}", stderr(&o));
        assert!(stderr(&o).len() < 400, "a long message: {}", stderr(&o));
    }
    // f values only: h does not matter.
    let o = gradfield(&[
        "field", "--device", "cpu", "--f", "sin(x)", "--x", "-3:3", "--h", "1e-320", "--fields",
        "f", "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn grids_beyond_32_bit_indices_are_refused_before_work() {
    let t0 = Instant::now();
    for args in [
        vec!["field", "--f", "sin(x)", "--x", "0:1", "--nx", "4294967296"],
        vec![
            "field", "--f", "x*y", "--x", "0:1", "--y", "0:1", "--nx", "70000", "--ny", "70000",
        ],
    ] {
        for device in ["cpu", "gpu"] {
            let mut a = args.clone();
            a.extend(["--device", device]);
            let o = gradfield(&a);
            assert_eq!(o.status.code(), Some(2), "{a:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("the limit is 4294967295"),
                "{}",
                stderr(&o)
            );
        }
    }
    assert!(t0.elapsed() < Duration::from_secs(30));
}

#[test]
fn one_vocabulary_for_one_cause() {
    // An unknown backend: the same exit code and wording from the flag and the variable.
    let flag = gradfield(&["adapters", "--backend", "cuda"]);
    let var = bin()
        .args(["adapters"])
        .env("WGPU_BACKEND", "cuda")
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(2));
    assert_eq!(var.status.code(), Some(2));
    for o in [&flag, &var] {
        assert!(
            stderr(o).contains("use vulkan, gl, metal or dx12"),
            "{}",
            stderr(o)
        );
    }
    // No adapter matches: exit 3 in text and in JSON alike, and the filter is applied.
    for json in [false, true] {
        let mut args = vec!["adapters", "--adapter", "no-such-gpu-zzz"];
        if json {
            args.push("--json");
        }
        let o = gradfield(&args);
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
    // A 1-D function with --ny: says y is not used.
    let o = gradfield(&[
        "field", "--f", "sin(x)", "--x", "-1:1", "--ny", "20", "--device", "cpu",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not use y"), "{}", stderr(&o));
    // Huge numbers are written short.
    let o = gradfield(&[
        "field",
        "--f",
        "sin(x)",
        "--x",
        "1e300:1e200",
        "--device",
        "cpu",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1e300:1e200"), "{}", stderr(&o));
}
