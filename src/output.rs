//! Files: a streaming `.npy` writer and atomic text files. Everything is written under a
//! temporary name in the destination folder and renamed when complete, so a reader never
//! sees half a file; an abandoned writer deletes its temporary file.
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
            std::process::id()
        ));
        let file = File::create(&temp).map_err(|source| Error::Output {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AtomicFile {
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            temp,
            path: path.to_path_buf(),
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self.writer.as_mut().expect("not yet committed");
        w.write_all(bytes).map_err(|source| Error::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes, closes and renames the file into place.
    pub fn commit(mut self) -> Result<()> {
        let w = self.writer.take().expect("committed once");
        let err = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        let file = w.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_data().map_err(err)?;
        drop(file);
        std::fs::rename(&self.temp, &self.path).map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
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
