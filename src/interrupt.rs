//! Interruption, cooperatively: a signal handler (the binary installs one for SIGINT and
//! SIGTERM) calls [`raise`]; long work calls [`check`] between tiles, steps and figures and
//! returns [`Error::Interrupted`], so that every temporary file and folder is removed by its
//! owner's `Drop` on the way out and the process exits with 128 + the signal's number. Work
//! that does not come back in time (a GPU wait) is cut short by [`cleanup_now`], which removes
//! what is registered here.
//!
//! ```
//! use gradfield::interrupt;
//! assert!(interrupt::check().is_ok());
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::error::{Error, Result};

/// The signal received, 0 while none has been.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Temporary paths to remove if the process must stop before their owners can.
static TEMPORARY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Records that `signal` arrived; [`check`] fails from now on.
pub fn raise(signal: i32) {
    let _ = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
}

/// Forgets a received signal (a library caller, such as the Python package, starts each call
/// afresh after an interrupt it has handled).
pub fn clear() {
    SIGNAL.store(0, Ordering::SeqCst);
}

/// The signal received, if any.
pub fn received() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Fails with [`Error::Interrupted`] once a signal has arrived.
pub fn check() -> Result<()> {
    match received() {
        None => Ok(()),
        Some(s) => Err(Error::Interrupted(s)),
    }
}

/// Registers a temporary path (removed by [`cleanup_now`]).
pub fn register(path: &Path) {
    if let Ok(mut t) = TEMPORARY.lock() {
        t.push(path.to_path_buf());
    }
}

/// Forgets a temporary path (its owner removed or committed it).
pub fn unregister(path: &Path) {
    if let Ok(mut t) = TEMPORARY.lock() {
        t.retain(|p| p != path);
    }
}

/// Removes every registered temporary path now (files and folders).
pub fn cleanup_now() {
    let paths = TEMPORARY.lock().map(|t| t.clone()).unwrap_or_default();
    for p in paths {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(&p);
        } else {
            let _ = std::fs::remove_file(&p);
        }
    }
}
