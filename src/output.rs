//! Files: a streaming `.npy` writer, atomic files, and output folders committed whole.
//!
//! **The output contract.** A file is written under a temporary name beside its target and
//! renamed into place when complete ([`AtomicFile`]). A folder of results (`--out-dir`, the
//! demo's folder) is written into a private temporary folder beside the target and committed
//! in one step at the end ([`OutputDir`]): on Linux the new folder and the old one are
//! exchanged atomically (`renameat2(RENAME_EXCHANGE)`), then the old one is removed. A lock
//! beside the target (`.NAME.lock`) refuses a second run on the same target. A run that fails
//! or is interrupted removes its temporary files and folders and leaves the target exactly as
//! it was; nothing is ever half-written.
//!
//! The `.npy` format (NumPy's NEP 1, version 1.0): the magic `\x93NUMPY`, version bytes,
//! a little-endian u16 header length, then a Python dict literal padded with spaces to a
//! multiple of 64 bytes and ended by a newline, then the raw little-endian data in C order.
//! Written by hand (rather than with npyz) because the data comes in tiles straight from
//! GPU buffers and must be appended as bytes, with the header written first.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::grid::Precision;
use crate::interrupt;

/// The folder a path lives in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Why `path` cannot be created: its folder does not exist, is not a folder, or does not
/// let this process create a file in it. The last is probed with a file created and removed
/// at once, which catches what permission bits alone do not tell: read-only file systems,
/// access lists, folders such as `/proc`, and a root user who may write anywhere else.
fn parent_problem(path: &Path) -> Option<String> {
    let parent = parent_of(path);
    if !parent.exists() {
        return Some(format!("the folder {} does not exist", parent.display()));
    }
    if !parent.is_dir() {
        return Some(format!("{} is not a folder", parent.display()));
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let probe = parent.join(format!(".{name}.probe-{}", unique_suffix()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // Removing what was just created cannot fail in a folder that allowed creating
            // it (short of a race with another process, which then owns the name).
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => Some(format!(
            "cannot create a file in the folder {}: {e}",
            parent.display()
        )),
    }
}

/// A name unique to this process and moment, for temporary files and folders.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{nanos:x}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::SeqCst)
    )
}

/// Checks a file target before any work: a name with one of `extensions` (lower case, no
/// dot), in a folder that exists and where this process can create files, and, if the path
/// exists, a regular file (not a folder, a device or a link to one) that can be replaced.
///
/// ```
/// use gradfield::output::check_file_target;
/// assert!(check_file_target(std::path::Path::new("fig.png"), &["png"]).is_ok());
/// let e = check_file_target(std::path::Path::new("fig.jpg"), &["png", "svg", "pdf"]).unwrap_err();
/// assert_eq!(e.exit_code(), 2);
/// assert!(check_file_target(std::path::Path::new("/dev/null"), &["png"]).is_err());
/// ```
pub fn check_file_target(path: &Path, extensions: &[&str]) -> Result<()> {
    let bad = |why: String| Error::Output {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_lowercase());
    match ext {
        Some(e) if extensions.contains(&e.as_str()) => {}
        _ => {
            return Err(bad(format!(
                "the file name must end in {}",
                extensions
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    if path.file_name().is_none() {
        return Err(bad("not a file name".into()));
    }
    if let Some(why) = parent_problem(path) {
        return Err(bad(why));
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) if m.file_type().is_symlink() => match std::fs::metadata(path) {
            Ok(t) if t.is_file() => Ok(()),
            _ => Err(bad("a link to something that is not a regular file".into())),
        },
        Ok(_) => Err(bad("it exists and is not a regular file".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Output {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// The `.npy` header for a little-endian float array of the given shape.
///
/// ```
/// use gradfield::grid::Precision;
/// let h = gradfield::output::npy_header(Precision::F32, &[3, 4]);
/// assert_eq!(h.len() % 64, 0);
/// assert!(h.starts_with(b"\x93NUMPY\x01\x00"));
/// let text = String::from_utf8_lossy(&h[10..]);
/// assert!(text.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"));
/// assert!(text.ends_with(" \n"));
/// ```
pub fn npy_header(precision: Precision, shape: &[usize]) -> Vec<u8> {
    let descr = match precision {
        Precision::F32 => "<f4",
        Precision::F64 => "<f8",
    };
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    // magic (6) + version (2) + length (2) + dict + newline, padded to a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    let padding = unpadded.next_multiple_of(64) - unpadded;
    dict.push_str(&" ".repeat(padding));
    dict.push('\n');
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// A file being written under a temporary name; [`AtomicFile::commit`] renames it into
/// place, dropping it uncommitted deletes it.
pub struct AtomicFile {
    writer: Option<BufWriter<File>>,
    temp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file beside `path`.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let name = path
            .file_name()
            .ok_or_else(|| Error::input(format!("{} is not a file name", path.display())))?;
        let temp = path.with_file_name(format!(
            ".{}.tmp-{}",
            name.to_string_lossy(),
            unique_suffix()
        ));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|source| Error::Output {
                path: path.to_path_buf(),
                source,
            })?;
        interrupt::register(&temp);
        Ok(AtomicFile {
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            temp,
            path: path.to_path_buf(),
            committed: false,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let Some(w) = self.writer.as_mut() else {
            return Err(Error::internal("a write after AtomicFile::finish"));
        };
        w.write_all(bytes).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes the data to the disk under the temporary name (every write error surfaces
    /// here, not at the rename).
    pub fn finish(&mut self) -> Result<()> {
        let Some(w) = self.writer.take() else {
            return Ok(());
        };
        let err = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        let file = w.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_data().map_err(err)
    }

    /// Flushes, closes and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        self.finish()?;
        let renamed = std::fs::rename(&self.temp, &self.path);
        if renamed.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        interrupt::unregister(&self.temp);
        self.committed = true;
        renamed.map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            self.writer = None;
            let _ = std::fs::remove_file(&self.temp);
            interrupt::unregister(&self.temp);
        }
    }
}

/// Whether `path` names a file directly inside the folder `dir` (compared as absolute paths;
/// neither need exist).
///
/// ```
/// use std::path::Path;
/// assert!(gradfield::output::is_inside(Path::new("out"), Path::new("out/fig.png")));
/// assert!(!gradfield::output::is_inside(Path::new("out"), Path::new("fig.png")));
/// ```
pub fn is_inside(dir: &Path, path: &Path) -> bool {
    let abs = |p: &Path| std::path::absolute(p).ok();
    path.file_name().is_some() && abs(&parent_of(path)).is_some_and(|p| Some(p) == abs(dir))
}

/// Checks a folder target before any work: a folder name in a folder that exists and where
/// this process can create files, and either absent or a folder holding only names `ours`
/// accepts (what gradfield writes there), since an output folder is replaced whole.
///
/// ```
/// use gradfield::output::check_dir_target;
/// let ours = |n: &str| n.ends_with(".npy");
/// assert!(check_dir_target(std::path::Path::new("new-folder"), &ours).is_ok());
/// assert_eq!(check_dir_target(std::path::Path::new("/etc"), &ours).unwrap_err().exit_code(), 2);
/// assert!(check_dir_target(std::path::Path::new("/no/such/parent/out"), &ours).is_err());
/// ```
pub fn check_dir_target(target: &Path, ours: &dyn Fn(&str) -> bool) -> Result<()> {
    let out_err = |source: std::io::Error| Error::Output {
        path: target.to_path_buf(),
        source,
    };
    let invalid = |why: String| out_err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    let name = target
        .file_name()
        .ok_or_else(|| invalid("not a folder name".into()))?;
    if name == "." || name == ".." {
        return Err(invalid("not a folder name".into()));
    }
    if let Some(why) = parent_problem(target) {
        return Err(invalid(why));
    }
    match std::fs::symlink_metadata(target) {
        Ok(m) if m.is_dir() => {
            let foreign: Vec<String> = std::fs::read_dir(target)
                .map_err(out_err)?
                .filter_map(|e| e.ok())
                .filter(|e| {
                    !e.file_type().is_ok_and(|t| t.is_file()) || {
                        !ours(&e.file_name().to_string_lossy())
                    }
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            if let Some(first) = foreign.first() {
                return Err(invalid(format!(
                    "it holds what gradfield did not write ({first}{}), and an output folder \
                     is replaced whole; give a new or empty folder",
                    if foreign.len() > 1 { ", …" } else { "" }
                )));
            }
            Ok(())
        }
        Ok(_) => Err(invalid("it exists and is not a folder".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(out_err(e)),
    }
}

/// A folder of results written together: files go into a private temporary folder beside
/// the target, and [`OutputDir::commit`] puts it in place in one step (see the module docs).
/// Dropped uncommitted, the temporary folder is removed and the target left as it was.
pub struct OutputDir {
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
    _lock: File,
}

impl OutputDir {
    /// Checks the target (see [`check_dir_target`]), takes its lock and makes the temporary
    /// folder.
    pub fn begin(target: &Path, ours: &dyn Fn(&str) -> bool) -> Result<OutputDir> {
        check_dir_target(target, ours)?;
        let out_err = |source: std::io::Error| Error::Output {
            path: target.to_path_buf(),
            source,
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = parent_of(target);
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(out_err)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::input(format!(
                    "another gradfield run is writing {} (it holds {}); wait for it or choose \
                     another folder",
                    target.display(),
                    lock_path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(out_err(e)),
        }
        let temp = parent.join(format!(".{name}.tmp-{}", unique_suffix()));
        std::fs::create_dir(&temp).map_err(out_err)?;
        interrupt::register(&temp);
        Ok(OutputDir {
            target: target.to_path_buf(),
            temp,
            committed: false,
            _lock: lock,
        })
    }

    /// Where a file of the set is written (inside the temporary folder).
    pub fn path(&self, name: &str) -> PathBuf {
        self.temp.join(name)
    }

    /// Where `path` is written if it names a file directly inside the target folder (its
    /// staged copy), so that it is committed with the set; `None` for paths elsewhere.
    pub fn inside(&self, path: &Path) -> Option<PathBuf> {
        let name = path.file_name()?;
        is_inside(&self.target, path).then(|| self.temp.join(name))
    }

    /// The target folder.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the set in place in one step and removes what it replaced.
    pub fn commit(mut self) -> Result<()> {
        let err = |source| Error::Write {
            path: self.target.clone(),
            source,
        };
        if let Ok(d) = File::open(&self.temp) {
            let _ = d.sync_all();
        }
        let exists = std::fs::symlink_metadata(&self.target).is_ok();
        if !exists {
            std::fs::rename(&self.temp, &self.target).map_err(err)?;
        } else if exchange(&self.temp, &self.target).is_ok() {
            // The temporary path now holds the old folder.
            let _ = std::fs::remove_dir_all(&self.temp);
        } else {
            // No atomic exchange here: move the old folder aside, the new one in, the old out.
            let aside = parent_of(&self.target).join(format!(
                ".{}.old-{}",
                self.target
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                unique_suffix()
            ));
            std::fs::rename(&self.target, &aside).map_err(err)?;
            if let Err(e) = std::fs::rename(&self.temp, &self.target) {
                let _ = std::fs::rename(&aside, &self.target);
                return Err(err(e));
            }
            let _ = std::fs::remove_dir_all(&aside);
        }
        interrupt::unregister(&self.temp);
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temp);
            interrupt::unregister(&self.temp);
        }
    }
}

/// Exchanges two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both are valid NUL-terminated paths; the call only renames.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange on this system"))
}

/// Writes a whole text file atomically.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write(text.as_bytes())?;
    f.commit()
}

/// A `.npy` file written as data arrives: the header first, then tiles in order.
///
/// ```
/// use gradfield::output::NpyWriter;
/// use gradfield::grid::Precision;
/// let dir = std::env::temp_dir().join(format!("gf-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("a.npy");
/// let mut w = NpyWriter::create(&path, Precision::F64, &[2, 2])?;
/// w.write(&[1.0f64, 2.0])?;
/// w.write(&[3.0f64, 4.0])?;
/// w.finish()?;
/// assert_eq!(std::fs::metadata(&path)?.len(), 128 + 32);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NpyWriter {
    file: AtomicFile,
    precision: Precision,
    expected: usize,
    written: usize,
}

impl NpyWriter {
    /// Creates the file and writes its header.
    pub fn create(path: &Path, precision: Precision, shape: &[usize]) -> Result<NpyWriter> {
        let mut file = AtomicFile::create(path)?;
        file.write(&npy_header(precision, shape))?;
        Ok(NpyWriter {
            file,
            precision,
            expected: shape.iter().product(),
            written: 0,
        })
    }

    /// Appends values (f32 or f64, matching the file's precision).
    pub fn write<T: crate::engine::Real>(&mut self, values: &[T]) -> Result<()> {
        assert_eq!(
            T::PRECISION,
            self.precision,
            "values match the file's dtype"
        );
        self.written += values.len();
        if self.written > self.expected {
            return Err(Error::Internal(format!(
                "{} values for a .npy of {} (the engine produced too many)",
                self.written, self.expected
            )));
        }
        // x86-64 and every GPU host we target are little-endian, as the header says.
        #[cfg(target_endian = "little")]
        {
            self.file.write(bytemuck::cast_slice(values))
        }
        #[cfg(target_endian = "big")]
        {
            let mut bytes = Vec::with_capacity(values.len() * std::mem::size_of::<T>());
            for v in values {
                let mut b = bytemuck::bytes_of(v).to_vec();
                b.reverse();
                bytes.extend_from_slice(&b);
            }
            self.file.write(&bytes)
        }
    }

    /// Appends float64 values rounded to the file's precision.
    pub fn write_f64(&mut self, values: &[f64]) -> Result<()> {
        self.written += values.len();
        if self.written > self.expected {
            return Err(Error::Internal(format!(
                "{} values for a .npy of {}",
                self.written, self.expected
            )));
        }
        self.file.write(&self.precision.encode(values))
    }

    /// Checks that every value arrived and renames the file into place.
    pub fn finish(self) -> Result<()> {
        if self.written != self.expected {
            return Err(Error::Internal(format!(
                "{} of {} values were written (the engine produced too few)",
                self.written, self.expected
            )));
        }
        self.file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trips_through_an_independent_reader() {
        let dir = tempfile::tempdir().unwrap();
        for shape in [vec![5usize], vec![3, 7], vec![1, 1]] {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 1.0).collect();
            let path = dir.path().join("a.npy");
            let mut w = NpyWriter::create(&path, Precision::F32, &shape).unwrap();
            let (a, b) = data.split_at(n / 2);
            w.write(a).unwrap();
            w.write(b).unwrap();
            w.finish().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
            let got_shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
            assert_eq!(got_shape, shape);
            let got: Vec<f32> = npy.into_vec().unwrap();
            assert_eq!(got, data);
        }
    }

    #[test]
    fn targets_are_refused_where_no_file_can_be_created_and_the_probe_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "a file").unwrap();
        let why = |e: Error| e.to_string();
        let e = check_file_target(&file.join("fig.png"), &["png"]).unwrap_err();
        assert!(why(e).contains("notes.txt is not a folder"));
        let e = check_dir_target(&file.join("out"), &|_| true).unwrap_err();
        assert!(why(e).contains("notes.txt is not a folder"));
        // A folder that exists and that even root cannot create files in.
        #[cfg(target_os = "linux")]
        for e in [
            check_file_target(Path::new("/proc/gradfield-fig.png"), &["png"]).unwrap_err(),
            check_dir_target(Path::new("/proc/gradfield-out"), &|_| true).unwrap_err(),
        ] {
            assert_eq!(e.exit_code(), 2);
            assert!(why(e).contains("cannot create a file in the folder /proc"));
        }
        // In a folder that allows it, the check passes and leaves only what was there.
        check_file_target(&dir.path().join("fig.png"), &["png"]).unwrap();
        check_dir_target(&dir.path().join("out"), &|_| true).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["notes.txt"]);
    }

    #[test]
    fn an_unfinished_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.npy");
        {
            let mut w = NpyWriter::create(&path, Precision::F64, &[4]).unwrap();
            w.write(&[1.0f64]).unwrap();
            assert!(w.finish().is_err(), "three values missing");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let e = NpyWriter::create(Path::new("/nonexistent-dir/x.npy"), Precision::F32, &[1]);
        assert!(matches!(e, Err(Error::Output { .. })));
    }
}
